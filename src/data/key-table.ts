/**
 * Row hashing and an open-addressing key table over typed arrays: assigns dense group ids to the
 * distinct (multi-column) keys of batches without creating row objects or decoding strings (utf8
 * keys are hashed and compared as bytes). Used by aggregation, distinct, joins and hash exchanges.
 *
 * Dictionary-encoded utf8 keys (data/dictionary.ts) are hashed per dictionary entry, not per row;
 * a one-column table maps each batch's used dictionary entries to group ids once (in order of
 * first appearance, so group ids come out as for plain strings) and then each row by its index;
 * a multi-column table keys its utf8 columns through one-column sub-tables (string → code), so
 * the rows are probed as numbers. Measured (bench:db 1e6 rows, 2 threads, cached data):
 * see the figures in src/data/dictionary.ts. A sub-table whose strings all came from one
 * dictionary gives its keys back as indices into that dictionary (so partial aggregates' keys
 * keep the input's dictionary through the exchange), and keeps the entry → code maps of the last
 * 8 dictionaries; a split final aggregate packs its batches once (`packBatches`, measured in
 * src/exec/aggregate.ts).
 *
 * Multi-column keys of integers, dates, booleans and utf8 codes are packed into two int32 words
 * (data/packed-keys.ts) while they fit in 64 bits; only then do the per-column stores fill. One
 * integer column stays on insertNumber (packed, joins j1-j3 at 1e6 ran about 2× slower: the
 * per-batch packing passes cost more than they save for one column). The stores keep offsets
 * and bytes only for strings and numbers only for numbers. Measured 2026-12-06 08:50-09:45 UTC on
 * the shared 2-core machine (load average 7-10), against main's build:
 *  - `npx tsx bench/key-table.ts 5e6 3` (CPU time, best of 3): q10's six keys (3 utf8 + 3 int32,
 *    ~5e6 groups) 2.12× (5926 → 2791 ms), two int32 keys 2.04×, 1.79× in a second, more loaded run.
 *  - `bench/dbbench.ts --rows 1e7 --only groupby --q q10,q2,q9 --reps 3 --baseline`: q10 median
 *    of pair ratios 0.98× (pairs 0.66–2.44, too loaded to read), best runs 28.7 → 21.1 s (1.36×);
 *    peak RSS 4914 → 3893 MB.
 *  - `bench/dbbench.ts --rows 1e6 --only join --reps 3 --baseline`: j1 1.15×, j2 1.21×, j3 1.40×,
 *    j4 1.11×, j5 0.86× (pairs 0.45–1.76: noise).
 */
import { ColumnData, allocValues, dictColumn, take } from './column.js';
import { PackedKeys, mix32, packableType } from './packed-keys.js';
import { AnalysisError } from '../errors.js';
import { type DataType, isDecimal, isList, isNested, nestedKeyHint, sparkSimpleName } from '../types.js';

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const NULL_HASH = 0x9e3779b9 | 0;


/** Hash of a number by value (so 1 as int and 1.0 as double hash alike). */
export function hashNumber(x: number): number {
  if ((x | 0) === x) return mix32(x);
  if (x === 0) return mix32(0); // -0
  f64[0] = x;
  return mix32(u32[0]! ^ Math.imul(u32[1]!, 0x27d4eb2d));
}

/** FNV-1a over bytes [s, e). */
export function hashBytes(bytes: Uint8Array, s: number, e: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = s; i < e; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return mix32(h);
}

/** Hashes of a dictionary's entries, per dictionary object (a large dictionary is shared by many small batches). */
const dictHashes = new WeakMap<ColumnData, Int32Array>();

function dictionaryHashes(dict: ColumnData): Int32Array {
  let dh = dictHashes.get(dict);
  if (dh === undefined || dh.length !== dict.length) {
    dh = hashRows([dict], dict.length);
    dictHashes.set(dict, dh);
  }
  return dh;
}

/**
 * Per-row hashes of a set of key columns (combined as h = h * 31 + next), written into `out` as
 * signed 32-bit integers. Int32 columns without nulls, the usual integer key, get their own loop.
 */
export function hashRows(cols: readonly ColumnData[], n: number, out: Int32Array = new Int32Array(n)): Int32Array {
  for (let c = 0; c < cols.length; c++) {
    const col = cols[c]!;
    const valid = col.validity;
    const first = c === 0;
    if (col.type === 'null') {
      for (let i = 0; i < n; i++) out[i] = first ? NULL_HASH : (Math.imul(out[i]!, 31) + NULL_HASH) | 0;
      continue;
    }
    if (col.indices !== null) {
      // Dictionary column: hash each dictionary entry once (the same hashes as plain strings).
      const dh = dictionaryHashes(col.dictionary!);
      const idx = col.indices;
      for (let i = 0; i < n; i++) {
        const h = valid && !valid[i] ? NULL_HASH : dh[idx[i]!]!;
        out[i] = first ? h : (Math.imul(out[i]!, 31) + h) | 0;
      }
      continue;
    }
    if (col.type === 'utf8' || col.type === 'binary') {
      const off = col.offsets!;
      const bytes = col.bytes!;
      for (let i = 0; i < n; i++) {
        const h = valid && !valid[i] ? NULL_HASH : hashBytes(bytes, off[i]!, off[i + 1]!);
        out[i] = first ? h : (Math.imul(out[i]!, 31) + h) | 0;
      }
      continue;
    }
    const v = col.values!;
    if (isDecimal(col.type)) {
      // Decimal128 words: equal values of one decimal type have equal words.
      for (let i = 0; i < n; i++) {
        const o = i * 4;
        const h = valid && !valid[i] ? NULL_HASH : mix32(v[o]! ^ Math.imul(v[o + 1]!, 0x27d4eb2d) ^ Math.imul(v[o + 2]!, 0x165667b1) ^ Math.imul(v[o + 3]!, 0x1b873593));
        out[i] = first ? h : (Math.imul(out[i]!, 31) + h) | 0;
      }
      continue;
    }
    if (!valid && v instanceof Int32Array) {
      if (first) for (let i = 0; i < n; i++) out[i] = mix32(v[i]!);
      else for (let i = 0; i < n; i++) out[i] = (Math.imul(out[i]!, 31) + mix32(v[i]!)) | 0;
      continue;
    }
    for (let i = 0; i < n; i++) {
      const h = valid && !valid[i] ? NULL_HASH : hashNumber(v[i]!);
      out[i] = first ? h : (Math.imul(out[i]!, 31) + h) | 0;
    }
  }
  if (cols.length === 0) out.fill(0);
  return out;
}

/** An open-addressing table's slots (id + 1, 0 = empty) and their hashes, re-placed at twice the capacity. */
export function doubleSlots(oldSlots: Int32Array, oldHashes: Int32Array): [Int32Array, Int32Array] {
  const cap = oldSlots.length * 2;
  const slots = new Int32Array(cap);
  const hashes = new Int32Array(cap);
  const mask = cap - 1;
  for (let s = 0; s < oldSlots.length; s++) {
    const id = oldSlots[s]!;
    if (id === 0) continue;
    const h = oldHashes[s]!;
    let p = h & mask;
    while (slots[p] !== 0) p = (p + 1) & mask;
    slots[p] = id;
    hashes[p] = h;
  }
  return [slots, hashes];
}

/** Growable storage of one key column's distinct values (offsets and bytes only for strings, numbers only for numbers). */
class KeyStore {
  nums: Float64Array;
  valid: Uint8Array = new Uint8Array(64);
  offsets: Int32Array;
  bytes: Uint8Array;
  /** Decimals: 4 words per key (Decimal128). */
  dec: Int32Array | null;
  private readonly str: boolean;
  constructor(readonly type: DataType) {
    this.str = type === 'utf8' || type === 'binary';
    this.dec = isDecimal(type) ? new Int32Array(256) : null;
    this.nums = new Float64Array(this.str || this.dec ? 0 : 64);
    this.offsets = new Int32Array(this.str ? 65 : 0);
    this.bytes = new Uint8Array(this.str ? 256 : 0);
  }

  append(g: number, col: ColumnData, i: number): void {
    if (g >= this.valid.length) this.growRows(g + 1);
    const isValid = col.type !== 'null' && (!col.validity || col.validity[i] === 1);
    this.valid[g] = isValid ? 1 : 0;
    if (this.type === 'utf8' || this.type === 'binary') {
      const start = this.offsets[g]!;
      let len = 0;
      if (isValid) {
        const s = col.offsets![i]!;
        const e = col.offsets![i + 1]!;
        len = e - s;
        if (start + len > this.bytes.length) {
          const b = new Uint8Array(Math.max(this.bytes.length * 2, start + len));
          b.set(this.bytes);
          this.bytes = b;
        }
        const src = col.bytes!;
        for (let k = 0; k < len; k++) this.bytes[start + k] = src[s + k]!;
      }
      this.offsets[g + 1] = start + len;
    } else if (this.dec) {
      if (isValid) for (let k = 0; k < 4; k++) this.dec[g * 4 + k] = col.values![i * 4 + k]!;
    } else if (isValid && col.values) {
      this.nums[g] = col.values[i]!;
    }
  }

  private growRows(n: number): void {
    const cap = Math.max(n, this.valid.length * 2);
    const valid = new Uint8Array(cap);
    valid.set(this.valid);
    this.valid = valid;
    if (this.str) {
      const offsets = new Int32Array(cap + 1);
      offsets.set(this.offsets);
      this.offsets = offsets;
    } else if (this.dec) {
      const dec = new Int32Array(cap * 4);
      dec.set(this.dec);
      this.dec = dec;
    } else {
      const nums = new Float64Array(cap);
      nums.set(this.nums);
      this.nums = nums;
    }
  }

  equals(g: number, col: ColumnData, i: number): boolean {
    const isValid = col.type !== 'null' && (!col.validity || col.validity[i] === 1);
    if (this.valid[g] === 0) return !isValid;
    if (!isValid) return false;
    if (this.type === 'utf8' || this.type === 'binary') {
      const s = col.offsets![i]!;
      const e = col.offsets![i + 1]!;
      const gs = this.offsets[g]!;
      const ge = this.offsets[g + 1]!;
      if (e - s !== ge - gs) return false;
      const src = col.bytes!;
      const b = this.bytes;
      for (let k = 0; k < e - s; k++) if (src[s + k] !== b[gs + k]) return false;
      return true;
    }
    if (this.dec) {
      const v = col.values!;
      for (let k = 0; k < 4; k++) if (v[i * 4 + k] !== this.dec[g * 4 + k]) return false;
      return true;
    }
    const x = col.values![i]!;
    const y = this.nums[g]!;
    return x === y || (x !== x && y !== y);
  }

  toColumn(n: number): ColumnData {
    let validity: Uint8Array | null = null;
    for (let g = 0; g < n; g++) {
      if (!this.valid[g]) {
        validity = this.valid.slice(0, n);
        break;
      }
    }
    if (this.type === 'null') return new ColumnData('null', n, null, null);
    if (this.type === 'utf8' || this.type === 'binary') {
      return new ColumnData(this.type, n, null, validity, this.offsets.slice(0, n + 1), this.bytes.slice(0, this.offsets[n]!));
    }
    if (this.dec) return new ColumnData(this.type, n, this.dec.slice(0, n * 4), validity);
    const values = allocValues(this.type, n);
    for (let g = 0; g < n; g++) values[g] = this.nums[g]!;
    return new ColumnData(this.type, n, values, validity);
  }
}

/** Whether a dictionary's entries are distinct strings (not null), per dictionary object. */
const distinctOf = new WeakMap<ColumnData, boolean>();

/** True when no two entries of a dictionary are equal and none is null (its indices can serve as codes). */
function distinctEntries(d: ColumnData): boolean {
  let ok = distinctOf.get(d);
  if (ok === undefined) {
    const t = new KeyTable(['utf8']);
    if (d.validity === null && d.indices === null) t.insert([d], d.length, new Int32Array(d.length));
    ok = d.validity === null && d.indices === null && t.size === d.length;
    distinctOf.set(d, ok);
  }
  return ok;
}

/** Dictionaries whose entry → id maps a one-column table keeps (insertDict). */
const DICT_CACHE = 8;

/** Columns the packed keys read: fixed-width values (utf8 ones already codes), not the null type. */
const hasValues = (c: ColumnData): boolean => c.values !== null && c.type !== 'null';

/** Maps distinct multi-column keys to dense ids 0, 1, 2, ... */
export class KeyTable {
  private slots: Int32Array = new Int32Array(1024); // group id + 1; 0 = empty
  private slotHashes: Int32Array = new Int32Array(1024);
  private mask = 1023;
  private readonly stores: KeyStore[];
  private hashes: Int32Array = new Int32Array(0);
  /** Multi-column tables: per utf8 column, the one-column table giving its strings codes (the store keeps codes). */
  private readonly subs: (KeyTable | null)[];
  /** Multi-column integer/boolean/utf8-code keys: packed into two words (data/packed-keys.ts) while they fit; else null. */
  private packed: PackedKeys | null;
  /** Number of distinct keys so far. */
  size = 0;
  /** Per utf8 column of a multi-column table: its sub-table's strings as last output (reused while the sub-table has not grown). */
  private readonly subStrings: (ColumnData | undefined)[] = [];

  constructor(readonly types: readonly DataType[]) {
    for (const t of types) {
      if (isList(t)) throw new AnalysisError(`cannot group, join or deduplicate on a column of type ${sparkSimpleName(t)}; use array_join() or size() to derive a key`);
      if (isNested(t)) throw new AnalysisError(`cannot group, join or deduplicate on a column of type ${sparkSimpleName(t)}; ${nestedKeyHint(t)}`);
    }
    this.subs = types.map((t) => (types.length > 1 && t === 'utf8' ? new KeyTable([t]) : null));
    this.stores = types.map((t, c) => new KeyStore(this.subs[c] ? 'int32' : t));
    this.packed = this.newPacked();
  }

  /** True while the keys are packed into two words per key (data/packed-keys.ts); false on the per-column stores. */
  get isPacked(): boolean {
    return this.packed !== null;
  }

  private newPacked(): PackedKeys | null {
    const t = this.types;
    return t.length > 1 && t.every(packableType) ? new PackedKeys(t.length) : null;
  }

  /** The keys no longer pack: the groups so far move to the per-column stores, in id order (ids stay). */
  private unpackToStores(): void {
    const keys = this.packed!.columns(this.stores.map((s) => s.type));
    const n = this.packed!.size;
    this.packed = null;
    this.size = 0;
    if (n > 0) this.insertRows(keys, n, new Int32Array(n));
  }

  /** Multi-column tables: the utf8 key columns replaced by their codes (-1: absent, when looking up). */
  private coded(cols: readonly ColumnData[], n: number, insert: boolean): readonly ColumnData[] {
    return cols.map((col, c) => {
      const sub = this.subs[c];
      if (!sub) return col;
      const raw = this.rawDicts?.[c];
      if (raw) {
        if (col.dictionary !== raw || col.indices === null) throw new Error('internal: a split key table got a column of another dictionary');
        return new ColumnData('int32', n, col.indices, col.validity);
      }
      const codes = new Int32Array(n);
      if (insert) sub.insert([col], n, codes);
      else sub.find([col], n, codes);
      return new ColumnData('int32', n, codes, null);
    });
  }

  // insertDict's cache: entry → group id (-1: not in the table yet) of the last few dictionaries
  // seen (a final aggregate's input mixes the cache's dictionary with partial outputs' ones),
  // valid while the table keeps the same key store (reset() replaces it).
  private readonly dictIdsOf = new Map<ColumnData, Int32Array>();
  private dictStore: KeyStore | null = null;
  /**
   * Where every key came from one dictionary through insertDict: that dictionary, and per group
   * its entry (-1: null), so keyColumns can answer codes into it (partial aggregates' keys then
   * share the input's dictionary through the exchange). Null once a key came from elsewhere;
   * undefined while empty.
   */
  private srcDict: ColumnData | null | undefined = undefined;
  private srcEntry: Int32Array = new Int32Array(0);
  /**
   * packBatches: per utf8 key column whose every batch holds indices into one dictionary of
   * distinct entries, that dictionary (its indices are the codes, no sub-table), else null.
   */
  private rawDicts: (ColumnData | null)[] | null = null;

  /**
   * One dictionary-encoded key column: the dictionary entries (and null) not mapped yet, in order
   * of first appearance, are inserted (or looked up) as a small plain column; rows then take their
   * ids by index. The entry → id map is kept per dictionary, so a batch costs O(rows + new entries)
   * even with a large dictionary shared by many small batches. Lookups do not keep misses (a later
   * insert may add the key).
   */
  private insertDict(col: ColumnData, n: number, out: Int32Array, insert: boolean): void {
    const idx = col.indices!;
    const valid = col.validity;
    const dict = col.dictionary!;
    const size = dict.length;
    if (this.dictStore !== this.stores[0]) {
      this.dictStore = this.stores[0]!;
      this.dictIdsOf.clear();
    }
    let ids = this.dictIdsOf.get(dict);
    if (ids === undefined || ids.length !== size + 1) {
      if (this.dictIdsOf.size >= DICT_CACHE) this.dictIdsOf.delete(this.dictIdsOf.keys().next().value!);
      ids = new Int32Array(size + 1).fill(-1); // the last slot is null
      this.dictIdsOf.set(dict, ids);
    }
    const PENDING = -2;
    const order: number[] = [];
    // One pass when every entry the batch uses is mapped already (the usual case after a few batches).
    for (let i = 0; i < n; i++) {
      const k = valid !== null && valid[i] === 0 ? size : idx[i]!;
      const id = ids[k]!;
      out[i] = id;
      if (id === -1) {
        ids[k] = PENDING;
        order.push(k === size ? -1 : k);
      }
    }
    const m = order.length;
    if (m === 0) return;
    const used = take(dict, Int32Array.from(order));
    const found = new Int32Array(m);
    const hs = this.rowHashes([used], m);
    const before = this.size;
    if (insert && this.srcDict === undefined && before === 0) this.srcDict = dict;
    this.insertUtf8(used, hs, m, found, insert);
    if (this.size > before) this.noteSource(dict, order, found, before);
    for (let j = 0; j < m; j++) ids[order[j]! < 0 ? size : order[j]!] = found[j]!;
    if (valid === null) for (let i = 0; i < n; i++) out[i] = ids[idx[i]!]!;
    else for (let i = 0; i < n; i++) out[i] = ids[valid[i] === 0 ? size : idx[i]!]!;
  }

  /** insertDict added groups [before, size) from `dict`'s entries `order` (-1: null), ids `found`: keep srcEntry. */
  private noteSource(dict: ColumnData, order: readonly number[], found: Int32Array, before: number): void {
    if (this.srcDict !== dict || dict.validity !== null) {
      this.srcDict = null; // (a dictionary with null entries: keys come out through the sub-table's strings)
      return;
    }
    if (this.srcEntry.length < this.size) {
      const e = new Int32Array(Math.max(this.size, this.srcEntry.length * 2));
      e.set(this.srcEntry);
      this.srcEntry = e;
    }
    for (let j = 0; j < order.length; j++) if (found[j]! >= before) this.srcEntry[found[j]!] = order[j]!;
  }

  private rowHashes(cols: readonly ColumnData[], n: number): Int32Array {
    if (this.hashes.length < n) this.hashes = new Int32Array(n);
    return hashRows(cols, n, this.hashes);
  }

  private matches(g: number, cols: readonly ColumnData[], i: number): boolean {
    for (let c = 0; c < cols.length; c++) if (!this.stores[c]!.equals(g, cols[c]!, i)) return false;
    return true;
  }

  private rehash(): void {
    [this.slots, this.slotHashes] = doubleSlots(this.slots, this.slotHashes);
    this.mask = this.slots.length - 1;
  }

  /** Assigns ids to the keys of rows [0, n), inserting new keys; writes ids into `out`. */
  insert(cols: readonly ColumnData[], n: number, out: Int32Array): void {
    if (cols.length === 1 && cols[0]!.indices !== null && this.stores[0]!.type === 'utf8') return this.insertDict(cols[0]!, n, out, true);
    if (cols.length > 1) cols = this.coded(cols, n, true);
    if (this.packed !== null) {
      if (cols.every(hasValues) && this.packed.insert(cols, n, out)) {
        this.size = this.packed.size;
        return;
      }
      this.unpackToStores();
    }
    this.insertRows(cols, n, out);
  }

  /**
   * For a final aggregate split into sub-partitions (exec/aggregate.ts): several batches' keys
   * coded (utf8 through the sub-tables) and packed under one layout, per batch the rows' two
   * words, so each row is coded and packed once and the split moves two words instead of every
   * key column; `insertPacked` then takes the rows in any grouping. Null, with nothing inserted,
   * when the table does not pack or is not empty, or the keys do not fit (insert the columns).
   */
  packBatches(batches: readonly (readonly ColumnData[])[], ns: readonly number[]): { lo: Int32Array; hi: Int32Array }[] | null {
    if (this.packed === null || this.size !== 0) return null;
    this.rawDicts = this.types.map((_t, c) => {
      const d = batches[0]?.[c]?.dictionary;
      if (!this.subs[c] || !d || !batches.every((cols) => cols[c]!.indices !== null && cols[c]!.dictionary === d)) return null;
      return distinctEntries(d) ? d : null;
    });
    const coded = batches.map((cols, b) => this.coded(cols, ns[b]!, true));
    if (!coded.every((cols) => cols.every(hasValues))) return null;
    const words = this.packed.packAll(coded, ns);
    if (words === null) {
      this.packed = this.newPacked(); // (its layout may have moved; still empty)
      this.rawDicts = null;
    }
    return words;
  }

  /** Assigns ids to rows given as words from `packBatches` (the table still packed, as then), inserting new keys. */
  insertPacked(lo: Int32Array, hi: Int32Array, n: number, out: Int32Array): void {
    this.packed!.insertWords(lo, hi, n, out);
    this.size = this.packed!.size;
  }

  /** Room for `groups` packed keys without growing (no-op unless packed). */
  reserve(groups: number): void {
    this.packed?.reserve(groups);
  }

  /** `insert` on plain (or coded) key columns, through the per-column stores. */
  private insertRows(cols: readonly ColumnData[], n: number, out: Int32Array): void {
    this.srcDict = null;
    const hs = this.rowHashes(cols, n);
    // One key column (the common case): monomorphic loops without per-row type dispatch.
    if (cols.length === 1) {
      const c = cols[0]!;
      if (c.type === 'utf8' && this.stores[0]!.type === 'utf8') return this.insertUtf8(c, hs, n, out, true);
      if (c.values !== null && c.type !== 'null' && !isList(c.type) && !isDecimal(c.type)) return this.insertNumber(c, hs, n, out, true);
    } else if (cols.every((c) => c.values !== null && c.type !== 'null' && !isList(c.type) && !isDecimal(c.type))) {
      return this.insertNumbers(cols, hs, n, out, true);
    }
    for (let i = 0; i < n; i++) {
      if ((this.size + 1) * 2 > this.slots.length) this.rehash();
      const h = hs[i]!;
      const mask = this.mask;
      let p = h & mask;
      for (;;) {
        const id = this.slots[p]!;
        if (id === 0) {
          const g = this.size++;
          this.slots[p] = g + 1;
          this.slotHashes[p] = h;
          for (let c = 0; c < cols.length; c++) this.stores[c]!.append(g, cols[c]!, i);
          out[i] = g;
          break;
        }
        if (this.slotHashes[p] === h && this.matches(id - 1, cols, i)) {
          out[i] = id - 1;
          break;
        }
        p = (p + 1) & mask;
      }
    }
  }

  /** Several numeric key columns: the generic probe with the comparison inlined (no per-row type dispatch). */
  private insertNumbers(cols: readonly ColumnData[], hs: Int32Array, n: number, out: Int32Array, insert: boolean): void {
    const k = cols.length;
    const stores = this.stores;
    const vals = cols.map((c) => c.values!);
    const valids = cols.map((c) => c.validity);
    for (let i = 0; i < n; i++) {
      if (insert && (this.size + 1) * 2 > this.slots.length) this.rehash();
      const slots = this.slots;
      const slotHashes = this.slotHashes;
      const mask = this.mask;
      const h = hs[i]!;
      let p = h & mask;
      for (;;) {
        const id = slots[p]!;
        if (id === 0) {
          if (!insert) { out[i] = -1; break; }
          const g = this.size++;
          slots[p] = g + 1;
          slotHashes[p] = h;
          for (let c = 0; c < k; c++) stores[c]!.append(g, cols[c]!, i);
          out[i] = g;
          break;
        }
        if (slotHashes[p] === h) {
          const g = id - 1;
          let eq = true;
          for (let c = 0; c < k; c++) {
            const st = stores[c]!;
            const vd = valids[c];
            const isValid = vd === null || vd[i] === 1;
            const gv = st.valid[g] === 1;
            if (gv && isValid) {
              const x = vals[c]![i]!;
              const y = st.nums[g]!;
              if (x !== y && (x === x || y === y)) { eq = false; break; }
            } else if (gv !== isValid) { eq = false; break; }
          }
          if (eq) { out[i] = g; break; }
        }
        p = (p + 1) & mask;
      }
    }
  }

  /** Single-column insert (or lookup when `insert` is false: -1 for absent keys). */
  private insertUtf8(col: ColumnData, hs: Int32Array, n: number, out: Int32Array, insert: boolean): void {
    const st = this.stores[0]!;
    const off = col.offsets!;
    const src = col.bytes!;
    const valid = col.validity;
    for (let i = 0; i < n; i++) {
      if (insert && (this.size + 1) * 2 > this.slots.length) this.rehash();
      const slots = this.slots;
      const slotHashes = this.slotHashes;
      const mask = this.mask;
      const h = hs[i]!;
      const isValid = valid === null || valid[i] === 1;
      const s = off[i]!;
      const len = off[i + 1]! - s;
      let p = h & mask;
      for (;;) {
        const id = slots[p]!;
        if (id === 0) {
          if (!insert) { out[i] = -1; break; }
          const g = this.size++;
          slots[p] = g + 1;
          slotHashes[p] = h;
          st.append(g, col, i);
          out[i] = g;
          break;
        }
        if (slotHashes[p] === h) {
          const g = id - 1;
          let eq: boolean;
          if (st.valid[g] === 0 || !isValid) eq = st.valid[g] === 0 && !isValid;
          else {
            const so = st.offsets;
            const gs = so[g]!;
            eq = so[g + 1]! - gs === len;
            if (eq) {
              const b = st.bytes;
              for (let k = 0; k < len; k++) {
                if (src[s + k] !== b[gs + k]) { eq = false; break; }
              }
            }
          }
          if (eq) { out[i] = g; break; }
        }
        p = (p + 1) & mask;
      }
    }
  }

  /** Single-column insert (or lookup when `insert` is false: -1 for absent keys). */
  private insertNumber(col: ColumnData, hs: Int32Array, n: number, out: Int32Array, insert: boolean): void {
    const st = this.stores[0]!;
    const vals = col.values!;
    const valid = col.validity;
    for (let i = 0; i < n; i++) {
      if (insert && (this.size + 1) * 2 > this.slots.length) this.rehash();
      const slots = this.slots;
      const slotHashes = this.slotHashes;
      const mask = this.mask;
      const h = hs[i]!;
      const isValid = valid === null || valid[i] === 1;
      const x = vals[i]!;
      let p = h & mask;
      for (;;) {
        const id = slots[p]!;
        if (id === 0) {
          if (!insert) { out[i] = -1; break; }
          const g = this.size++;
          slots[p] = g + 1;
          slotHashes[p] = h;
          st.append(g, col, i);
          out[i] = g;
          break;
        }
        if (slotHashes[p] === h) {
          const g = id - 1;
          const gv = st.valid[g] === 1;
          if (gv && isValid ? (st.nums[g] === x || (x !== x && st.nums[g] !== st.nums[g])) : gv === isValid) { out[i] = g; break; }
        }
        p = (p + 1) & mask;
      }
    }
  }

  /** Looks up the keys of rows [0, n) without inserting; -1 for absent keys. */
  find(cols: readonly ColumnData[], n: number, out: Int32Array): void {
    if (cols.length === 1 && cols[0]!.indices !== null && this.stores[0]!.type === 'utf8') return this.insertDict(cols[0]!, n, out, false);
    if (cols.length > 1) cols = this.coded(cols, n, false);
    if (this.packed !== null) {
      if (cols.every(hasValues)) return this.packed.find(cols, n, out);
      this.unpackToStores();
    }
    const hs = this.rowHashes(cols, n);
    if (cols.length === 1) {
      const c = cols[0]!;
      if (c.type === 'utf8' && this.stores[0]!.type === 'utf8') return this.insertUtf8(c, hs, n, out, false);
      if (c.values !== null && c.type !== 'null' && !isList(c.type) && !isDecimal(c.type)) return this.insertNumber(c, hs, n, out, false);
    } else if (cols.every((c) => c.values !== null && c.type !== 'null' && !isList(c.type) && !isDecimal(c.type))) {
      return this.insertNumbers(cols, hs, n, out, false);
    }
    const mask = this.mask;
    for (let i = 0; i < n; i++) {
      const h = hs[i]!;
      let p = h & mask;
      out[i] = -1;
      for (;;) {
        const id = this.slots[p]!;
        if (id === 0) break;
        if (this.slotHashes[p] === h && this.matches(id - 1, cols, i)) {
          out[i] = id - 1;
          break;
        }
        p = (p + 1) & mask;
      }
    }
  }

  /** Bytes of the table's buffers (slots, hashes, stored keys), for the memory budget. */
  byteSize(): number {
    let n = this.slots.byteLength + this.slotHashes.byteLength + this.hashes.byteLength;
    if (this.packed !== null) n += this.packed.byteSize();
    else for (const s of this.stores) n += s.nums.byteLength + s.valid.byteLength + s.offsets.byteLength + s.bytes.byteLength;
    for (const sub of this.subs) if (sub) n += sub.byteSize();
    return n;
  }

  /**
   * Forgets every key (keeps the allocated capacity small again). With `keepCodes`, a multi-column
   * table keeps its utf8 sub-tables (string → code), so the next keys reuse their codes: a final
   * aggregate split into sub-partitions (exec/aggregate.ts) sees most strings in every one. With
   * `keepCapacity` too, packed keys keep their arrays (zeroed) for a next part of similar size.
   */
  reset(keepCodes = false, keepCapacity = false): void {
    this.srcDict = undefined;
    this.slots = new Int32Array(1024);
    this.slotHashes = new Int32Array(1024);
    this.mask = 1023;
    this.stores.forEach((st, i) => { this.stores[i] = new KeyStore(st.type); });
    if (!keepCodes) {
      this.rawDicts = null;
      for (const sub of this.subs) sub?.reset();
      this.subStrings.length = 0;
    }
    if (keepCodes && this.packed !== null) this.packed.clear(keepCapacity);
    else this.packed = this.newPacked();
    this.size = 0;
  }

  /** The distinct keys as columns, in id order. */
  keyColumns(): ColumnData[] {
    const packed = this.packed?.columns(this.stores.map((s) => s.type));
    return this.stores.map((s, c) => {
      const col = packed ? packed[c]! : s.toColumn(this.size);
      const sub = this.subs[c];
      if (!sub) return col;
      const codes = col.values as Int32Array;
      const raw = this.rawDicts?.[c];
      if (raw) return dictColumn(codes, raw, col.validity);
      const src = sub.srcDict;
      if (src) {
        // Every string came from one dictionary: codes into it (the fresh codes array is rewritten in place).
        const entry = sub.srcEntry;
        let validity: Uint8Array | null = null;
        for (let g = 0; g < codes.length; g++) {
          const e = entry[codes[g]!]!;
          if (e < 0) {
            validity ??= new Uint8Array(codes.length).fill(1);
            validity[g] = 0;
            codes[g] = 0;
          } else codes[g] = e;
        }
        return dictColumn(codes, src, validity);
      }
      // Codes into the sub-table's strings: a dictionary column (its null entry, if any, becomes validity).
      let strings = this.subStrings[c];
      if (strings === undefined || strings.length !== sub.size) strings = this.subStrings[c] = sub.keyColumns()[0]!;
      const sv = strings.validity;
      let validity: Uint8Array | null = null;
      if (sv) {
        validity = new Uint8Array(codes.length);
        for (let g = 0; g < codes.length; g++) validity[g] = sv[codes[g]!]!;
      }
      const dictionary = sv ? new ColumnData('utf8', strings.length, null, null, strings.offsets, strings.bytes) : strings;
      return dictColumn(codes, dictionary, validity);
    });
  }
}

/** True if any key column is null at row i (SQL joins never match null keys). */
export function anyNullKey(cols: readonly ColumnData[], i: number): boolean {
  for (const c of cols) if (c.type === 'null' || (c.validity && c.validity[i] === 0)) return true;
  return false;
}

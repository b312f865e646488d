/**
 * Packed fixed-width keys: the hash table behind multi-column KeyTables whose key columns are all
 * integers (int32, int64, date32, timestamp), booleans or utf8 codes (the KeyTable's one-column
 * sub-tables turn strings into codes first). Each row's key is packed into 64 bits, two int32
 * words: column c takes `width[c]` bits at bit `shift[c]` (a column may straddle the two words),
 * holding 0 for null and `value - min[c] + 1` otherwise. The two words live inline in the slot
 * array (stride 3: id + 1, lo, hi), so a probe compares two integers in one cache line instead of
 * reading a per-column key store per column; per group only the two words are kept, and the key
 * columns are unpacked from them at the end.
 *
 * Each batch's valid values are scanned for their min and max first. A batch outside the current
 * layout re-lays the columns out (wider, or with a lower min; a column that widened gets one bit
 * of slack when the 64 bits allow, placed below the values if the column widened downward) and
 * repacks the groups' words and the slots, keeping ids. When the columns cannot fit in 64 bits
 * (or a column spans 2^31 values or more, or an int64 column holds a non-integer), `insert`
 * answers false and changes nothing: the KeyTable then moves the groups to its per-column stores,
 * in id order, so ids stay the same.
 *
 * Measured: see the figures in src/data/key-table.ts. `insertWords` probes with the table's
 * arrays in locals (`insertRun`): a node micro-benchmark of 64 parts of 80,000 mostly new keys
 * (reserve, insert, clear; best of 5, loaded 2-core machine, 2026-12-06) took 159-171 ms before,
 * 143-152 ms after, about 29 ns a row: the probe's miss in a 1.5 MB slot array dominates.
 */
import { ColumnData, allocOutputValues } from './column.js';
import type { DataType } from '../types.js';

/** Key types a packed table takes (utf8 through the KeyTable's sub-table codes). */
export function packableType(t: DataType): boolean {
  return t === 'int32' || t === 'date32' || t === 'boolean' || t === 'int64' || t === 'timestamp' || t === 'utf8';
}

/** One key column's place in the 64 bits: packed = value - min + 1 (0 = null) in `width` bits at `shift`. */
interface Lane {
  min: number;
  width: number;
  shift: number;
}

const MAX_WIDTH = 31;
const MAX_BITS = 64;
/** Largest share of slots in use (first touch of fresh pages is costly, so not too low). */
const MAX_LOAD = 0.7;

/** murmur3's 32-bit finaliser; the result is a signed 32-bit integer (a small integer in V8). */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Hash of a packed key's two words (the slots use its low bits; a split final aggregate its top bits). */
export function hash2(lo: number, hi: number): number {
  return mix32(lo ^ Math.imul(hi, 0x9e3779b1));
}

/** Bits for packed values 0 .. range. */
function bitsFor(range: number): number {
  return range === 0 ? 0 : 32 - Math.clz32(range);
}

/** Maps packed multi-column keys to dense ids 0, 1, 2, ... in order of first appearance. */
export class PackedKeys {
  /** Number of distinct keys so far. */
  size = 0;
  /** Current layout; null until the first batch. */
  private lanes: Lane[] | null = null;
  /** Smallest and largest valid value seen per column (so a re-layout covers every stored key). */
  private readonly seenMin: number[];
  private readonly seenMax: number[];
  /** Columns whose min went down after the first layout (their slack goes below). */
  private readonly down: boolean[];
  /** Columns that had a null. */
  private readonly nullable: boolean[];
  /** Slots, stride 3: group id + 1 (0 = empty), lo word, hi word. */
  private slots = new Int32Array(3 * 1024);
  private mask = 1023;
  /** Groups that trigger the next growth: the load factor stays at most MAX_LOAD. */
  private limit = Math.floor(1024 * MAX_LOAD);
  /** Per group: its key's words. */
  private glo = new Int32Array(1024);
  private ghi = new Int32Array(1024);
  /** Per batch: the rows' words (and, for lookups, 1 where a row cannot be present). */
  private lo = new Int32Array(0);
  private hi = new Int32Array(0);
  private miss = new Uint8Array(0);
  private scratch = new Int32Array(0);

  constructor(readonly width: number) {
    this.seenMin = new Array<number>(width).fill(Infinity);
    this.seenMax = new Array<number>(width).fill(-Infinity);
    this.down = new Array<boolean>(width).fill(false);
    this.nullable = new Array<boolean>(width).fill(false);
  }

  /**
   * Assigns ids to the keys of rows [0, n) (integer-valued `values`, utf8 columns already codes),
   * inserting new keys; false (and nothing changed) when the keys no longer fit in 64 bits.
   */
  insert(cols: readonly ColumnData[], n: number, out: Int32Array): boolean {
    if (!this.fit(cols, n)) return false;
    this.pack(cols, n, false);
    this.insertWords(this.lo, this.hi, n, out);
    return true;
  }

  /**
   * Several batches' keys (`cols[b]` of `ns[b]` rows, as for insert) packed under one layout that
   * covers them all: per batch, its rows' two words, for `insertWords` in any grouping and order
   * (a final aggregate split into sub-partitions packs once per batch, not once per part). Only
   * on an empty table (the layout must not change afterwards); null when the keys do not fit.
   */
  packAll(cols: readonly (readonly ColumnData[])[], ns: readonly number[]): { lo: Int32Array; hi: Int32Array }[] | null {
    if (this.size !== 0) return null;
    for (let b = 0; b < cols.length; b++) if (!this.fit(cols[b]!, ns[b]!)) return null;
    const lanes = this.lanes!;
    return cols.map((c, b) => {
      const n = ns[b]!;
      const lo = new Int32Array(n);
      const hi = new Int32Array(n);
      // One pass per column: value - min + 1 (0 for null) straight into the words.
      for (let k = 0; k < c.length; k++) {
        const l = lanes[k]!;
        if (l.width === 0) continue;
        const col = c[k]!;
        packLaneValues(col.values!, col.validity, n, l.min - 1, l.shift, lo, hi);
      }
      return { lo, hi };
    });
  }

  /** Room for `groups` keys without growing (a split final aggregate knows each part's rows). */
  reserve(groups: number): void {
    if (groups > this.limit) this.grow(groups);
  }

  /** `insert` of rows already packed under the current layout (from `packAll`). */
  insertWords(lo: Int32Array, hi: Int32Array, n: number, out: Int32Array): void {
    const before = this.size;
    let i = 0;
    while (i < n) {
      if (this.size >= this.limit) this.grow(i < 1 << 16 ? 0 : this.size + Math.ceil(((this.size - before) / (i + 1)) * (n - i)));
      if (this.size >= this.glo.length) this.growGroups();
      i = this.insertRun(lo, hi, i, n, out);
    }
  }

  /**
   * insertWords' loop from row `i` until the table or the group arrays need to grow (or row n):
   * the arrays, mask and size in locals, which V8 cannot keep out of memory across the stores
   * into typed arrays when they are fields. The next row to insert.
   */
  private insertRun(lo: Int32Array, hi: Int32Array, i: number, n: number, out: Int32Array): number {
    const slots = this.slots;
    const mask = this.mask;
    const glo = this.glo;
    const ghi = this.ghi;
    const stop = Math.min(this.limit, glo.length);
    let size = this.size;
    for (; i < n && size < stop; i++) {
      const a = lo[i]!;
      const b = hi[i]!;
      let p = hash2(a, b) & mask;
      let q = p * 3;
      let id = slots[q]!;
      while (id !== 0 && (slots[q + 1] !== a || slots[q + 2] !== b)) {
        p = (p + 1) & mask;
        q = p * 3;
        id = slots[q]!;
      }
      if (id !== 0) {
        out[i] = id - 1;
        continue;
      }
      slots[q] = size + 1;
      slots[q + 1] = a;
      slots[q + 2] = b;
      glo[size] = a;
      ghi[size] = b;
      out[i] = size++;
    }
    this.size = size;
    return i;
  }

  /** Looks up the keys of rows [0, n) without inserting; -1 for absent keys (and negative codes). */
  find(cols: readonly ColumnData[], n: number, out: Int32Array): void {
    if (this.lanes === null) {
      out.fill(-1, 0, n);
      return;
    }
    this.pack(cols, n, true);
    const { lo, hi, miss, slots } = this;
    for (let i = 0; i < n; i++) out[i] = miss[i] === 1 ? -1 : slots[this.slotOf(lo[i]!, hi[i]!)]! - 1;
  }

  /** Index in `slots` of the key's slot, or of the empty slot where it would go. */
  private slotOf(a: number, b: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let p = hash2(a, b) & mask;
    for (;;) {
      const q = p * 3;
      if (slots[q] === 0 || (slots[q + 1] === a && slots[q + 2] === b)) return q;
      p = (p + 1) & mask;
    }
  }

  /** The distinct keys as columns of the given types (codes as int32), in id order. */
  columns(types: readonly DataType[]): ColumnData[] {
    const n = this.size;
    return types.map((type, c) => {
      const lane = this.lanes?.[c];
      if (lane === undefined || lane.width === 0) return new ColumnData(type, n, allocOutputValues(type, n), this.nullable[c] ? new Uint8Array(n) : null);
      const base = lane.min - 1;
      // Int32 keys without nulls: unpacked and rebased in one pass.
      if (!this.nullable[c] && (type === 'int32' || type === 'date32')) return new ColumnData(type, n, this.unpack(c, lane, n, true, base), null);
      const p = this.unpack(c, lane, n, type === 'int32' || type === 'date32');
      let validity: Uint8Array | null = null;
      if (this.nullable[c]) {
        validity = new Uint8Array(n);
        for (let g = 0; g < n; g++) {
          const v = p[g]!;
          validity[g] = v === 0 ? 0 : 1;
        }
      }
      let values: Int32Array | Uint8Array | Float64Array;
      if (type === 'int32' || type === 'date32') {
        // Values fit int32: rebase the packed values in place.
        for (let g = 0; g < n; g++) p[g] = p[g]! + base;
        values = p;
      } else {
        values = allocOutputValues(type, n) as Uint8Array | Float64Array;
        for (let g = 0; g < n; g++) values[g] = p[g]! + base;
      }
      if (validity !== null) for (let g = 0; g < n; g++) if (validity[g] === 0) values[g] = 0;
      return new ColumnData(type, n, values, validity);
    });
  }

  /**
   * Forgets every key but keeps the layout (so the next keys, from the same columns, pack without
   * re-laying out and repacking again: KeyTable.reset with `keepCodes`); with `keepCapacity` also
   * the slot and group arrays (zeroed), for a next part of about the same size.
   */
  clear(keepCapacity = false): void {
    this.size = 0;
    if (keepCapacity) {
      // Zeroing touched memory is far cheaper than first touches of fresh pages.
      this.slots.fill(0);
      return;
    }
    this.slots = new Int32Array(3 * 1024);
    this.mask = 1023;
    this.limit = Math.floor(1024 * MAX_LOAD);
    this.glo = new Int32Array(1024);
    this.ghi = new Int32Array(1024);
  }

  /** Bytes of the table's buffers, for the memory budget. */
  byteSize(): number {
    return this.slots.byteLength + this.glo.byteLength + this.ghi.byteLength + this.lo.byteLength + this.hi.byteLength + this.scratch.byteLength + this.miss.byteLength;
  }

  /** Scans the batch's ranges and re-lays the columns out if needed; false when they cannot fit. */
  private fit(cols: readonly ColumnData[], n: number): boolean {
    const lanes = this.lanes;
    let change = lanes === null;
    for (let c = 0; c < cols.length; c++) {
      const col = cols[c]!;
      const v = col.values!;
      const valid = col.validity;
      let mn = Infinity;
      let mx = -Infinity;
      let nul = false;
      if (v instanceof Float64Array) {
        for (let i = 0; i < n; i++) {
          if (valid !== null && valid[i] === 0) { nul = true; continue; }
          const x = v[i]!;
          if (Math.floor(x) !== x) return false; // not an integer (int64 keys always are)
          if (x < mn) mn = x;
          if (x > mx) mx = x;
        }
      } else if (valid === null) {
        for (let i = 0; i < n; i++) {
          const x = v[i]!;
          if (x < mn) mn = x;
          if (x > mx) mx = x;
        }
      } else {
        for (let i = 0; i < n; i++) {
          if (valid[i] === 0) { nul = true; continue; }
          const x = v[i]!;
          if (x < mn) mn = x;
          if (x > mx) mx = x;
        }
      }
      if (nul) this.nullable[c] = true;
      if (mn > mx) continue; // all null (or no rows)
      if (mn < this.seenMin[c]!) this.seenMin[c] = mn;
      if (mx > this.seenMax[c]!) this.seenMax[c] = mx;
      if (lanes !== null) {
        const l = lanes[c]!;
        if (mn < l.min) {
          this.down[c] = true;
          change = true;
        }
        if (mx - l.min + 1 > 2 ** l.width - 1) change = true;
      }
    }
    return change ? this.relayout() : true;
  }

  /** A layout covering every value seen; repacks the groups and slots. False when it would not fit. */
  private relayout(): boolean {
    const old = this.lanes;
    const k = this.width;
    const widths: number[] = [];
    let bits = 0;
    for (let c = 0; c < k; c++) {
      const range = this.seenMin[c]! > this.seenMax[c]! ? 0 : this.seenMax[c]! - this.seenMin[c]! + 1;
      if (range > 2 ** MAX_WIDTH - 1) return false;
      widths.push(bitsFor(range));
      bits += widths[c]!;
    }
    if (bits > MAX_BITS) return false;
    const lanes: Lane[] = [];
    let shift = 0;
    for (let c = 0; c < k; c++) {
      let w = widths[c]!;
      // Slack for a column that outgrew its lane, so a slowly widening range re-lays out O(log) times.
      if (old !== null && w < MAX_WIDTH && bits < MAX_BITS && this.outgrew(old[c]!, c)) {
        w++;
        bits++;
      }
      const min = this.seenMin[c]! > this.seenMax[c]! ? 0 : this.down[c] ? this.seenMax[c]! - (2 ** w - 2) : this.seenMin[c]!;
      lanes.push({ min, width: w, shift });
      shift += w;
    }
    if (old !== null && this.size > 0) this.repack(old, lanes);
    this.lanes = lanes;
    return true;
  }

  private outgrew(l: Lane, c: number): boolean {
    return this.seenMin[c]! < l.min || this.seenMax[c]! - l.min + 1 > 2 ** l.width - 1;
  }

  /** Rewrites the groups' words from the old layout to the new one and re-places every group in the slots. */
  private repack(old: readonly Lane[], lanes: readonly Lane[]): void {
    const n = this.size;
    const glo = new Int32Array(this.glo.length);
    const ghi = new Int32Array(this.ghi.length);
    for (let c = 0; c < lanes.length; c++) {
      const p = this.unpack(c, old[c]!, n);
      const delta = old[c]!.min - lanes[c]!.min;
      for (let g = 0; g < n; g++) if (p[g] !== 0) p[g] += delta;
      packLane(p, n, lanes[c]!, glo, ghi);
    }
    this.glo = glo;
    this.ghi = ghi;
    this.slots.fill(0);
    const slots = this.slots;
    const mask = this.mask;
    for (let g = 0; g < n; g++) {
      const a = glo[g]!;
      const b = ghi[g]!;
      let p = hash2(a, b) & mask;
      while (slots[p * 3] !== 0) p = (p + 1) & mask;
      slots[p * 3] = g + 1;
      slots[p * 3 + 1] = a;
      slots[p * 3 + 2] = b;
    }
  }

  /** Column c's packed values (0 = null) plus `add` of groups [0, n) under a layout (`output`: in output memory, see allocOutputValues). */
  private unpack(c: number, l: Lane, n: number, output = false, add = 0): Int32Array {
    const p = output ? (allocOutputValues('int32', n) as Int32Array) : new Int32Array(n);
    const { shift: s, width: w } = l;
    const m = w === 0 ? 0 : w === 32 ? -1 : (1 << w) - 1;
    const glo = this.glo;
    const ghi = this.ghi;
    if (s + w <= 32) for (let g = 0; g < n; g++) p[g] = ((glo[g]! >>> s) & m) + add;
    else if (s >= 32) for (let g = 0; g < n; g++) p[g] = ((ghi[g]! >>> (s - 32)) & m) + add;
    else for (let g = 0; g < n; g++) p[g] = (((glo[g]! >>> s) | (ghi[g]! << (32 - s))) & m) + add;
    return p;
  }

  /** The batch's rows' words under the current layout; for lookups, marks rows outside it in `miss`. */
  private pack(cols: readonly ColumnData[], n: number, lookup: boolean): void {
    if (this.lo.length < n) {
      this.lo = new Int32Array(n);
      this.hi = new Int32Array(n);
      this.scratch = new Int32Array(n);
    }
    if (lookup && this.miss.length < n) this.miss = new Uint8Array(n);
    const lo = this.lo;
    const hi = this.hi;
    lo.fill(0, 0, n);
    hi.fill(0, 0, n);
    const miss = this.miss;
    if (lookup) miss.fill(0, 0, n);
    const lanes = this.lanes!;
    const p = this.scratch;
    for (let c = 0; c < cols.length; c++) {
      const col = cols[c]!;
      const l = lanes[c]!;
      const v = col.values!;
      const valid = col.validity;
      const base = l.min - 1;
      if (lookup) {
        const top = 2 ** l.width - 1;
        for (let i = 0; i < n; i++) {
          if (valid !== null && valid[i] === 0) { p[i] = 0; continue; }
          const x = v[i]! - base;
          if (x >= 1 && x <= top && Math.floor(x) === x) p[i] = x;
          else { p[i] = 0; miss[i] = 1; }
        }
      } else if (valid === null) for (let i = 0; i < n; i++) p[i] = v[i]! - base;
      else for (let i = 0; i < n; i++) p[i] = valid[i] === 0 ? 0 : v[i]! - base;
      packLane(p, n, l, lo, hi);
    }
  }

  /**
   * Doubles the slots (quadruples them while small), or makes room at once for `expected` groups
   * (the groups this batch's rows so far predict for the whole batch, as for a join's build side
   * inserted in one call; 0 before 2^16 rows of the batch, too few to trust); re-places every group.
   */
  private grow(expected: number): void {
    let cap = (this.mask + 1) * (this.mask < 1 << 20 ? 4 : 2);
    while (cap * MAX_LOAD < expected) cap *= 2;
    const slots = new Int32Array(cap * 3);
    const mask = cap - 1;
    const old = this.slots;
    for (let q = 0; q < old.length; q += 3) {
      const id = old[q]!;
      if (id === 0) continue;
      const a = old[q + 1]!;
      const b = old[q + 2]!;
      let p = hash2(a, b) & mask;
      while (slots[p * 3] !== 0) p = (p + 1) & mask;
      slots[p * 3] = id;
      slots[p * 3 + 1] = a;
      slots[p * 3 + 2] = b;
    }
    this.slots = slots;
    this.mask = mask;
    this.limit = Math.floor(cap * MAX_LOAD);
  }

  private growGroups(): void {
    const cap = this.glo.length * 2;
    const glo = new Int32Array(cap);
    glo.set(this.glo);
    this.glo = glo;
    const ghi = new Int32Array(cap);
    ghi.set(this.ghi);
    this.ghi = ghi;
  }
}

/** ORs column values, rebased (x - base; 0 where null), into the words at bit `s` (the lane's shift). */
function packLaneValues(v: ArrayLike<number>, valid: Uint8Array | null, n: number, base: number, s: number, lo: Int32Array, hi: Int32Array): void {
  if (s >= 32) {
    const t = s - 32;
    for (let i = 0; i < n; i++) if (valid === null || valid[i] !== 0) hi[i] |= (v[i]! - base) << t;
  } else {
    // A lane may straddle the words: its high bits go to `hi` (a no-op shift-out when it does not).
    const r = 32 - s;
    for (let i = 0; i < n; i++) {
      if (valid !== null && valid[i] === 0) continue;
      const x = v[i]! - base;
      lo[i] |= x << s;
      if (s !== 0) hi[i] |= x >>> r;
    }
  }
}

/** ORs packed values (< 2^width) into the words at the lane's shift. */
function packLane(p: Int32Array, n: number, l: Lane, lo: Int32Array, hi: Int32Array): void {
  const s = l.shift;
  const w = l.width;
  if (w === 0) return;
  if (s + w <= 32) for (let i = 0; i < n; i++) lo[i] |= p[i]! << s;
  else if (s >= 32) for (let i = 0; i < n; i++) hi[i] |= p[i]! << (s - 32);
  else for (let i = 0; i < n; i++) {
    const x = p[i]!;
    lo[i] |= x << s;
    hi[i] |= x >>> (32 - s);
  }
}

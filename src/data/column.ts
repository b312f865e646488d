/**
 * ColumnData: Kindling's in-memory column, laid out like Arrow so it converts to Arrow (and
 * crosses threads) without per-value work, but with byte-per-value validity and booleans so
 * inner loops stay simple typed-array loops.
 *
 * Storage by type:
 *  - boolean           Uint8Array, 0 or 1 per value
 *  - int32, date32     Int32Array (date32: days since 1970-01-01)
 *  - int64, float64,
 *    timestamp         Float64Array (int64 values are integral, exact within ±2^53;
 *                      timestamp: microseconds since the epoch, UTC)
 *  - utf8              offsets Int32Array (length + 1) and UTF-8 bytes Uint8Array; or
 *                      dictionary-encoded (Arrow's Dictionary layout): `indices` Int32Array into
 *                      `dictionary`, a plain utf8 column without nulls (see data/dictionary.ts).
 *                      The type stays 'utf8'; `offsets`/`bytes` of such a column decode lazily
 *                      (once, cached) for code that reads them, while hot paths use the indices.
 *  - binary            as plain utf8, with raw bytes; `strings()` gives one char per byte (latin1)
 *  - null              nothing
 *  - list<T>           offsets Int32Array (length + 1) into `child`, a ColumnData of T (any type)
 *  - struct<...>       `children`, one ColumnData per field (same length), plus the struct's validity
 *  - map<K,V>          Arrow's Map layout: offsets (length + 1) into `child`, a struct<key:K,value:V>
 *                      column of the entries
 *  - decimal(p,s)      Int32Array, 4 words per value: Arrow's Decimal128 (see data/decimal.ts);
 *                      `valueWidth` gives the stride that generic fixed-width code uses
 * validity: Uint8Array with 1 = valid, 0 = null; `null` when every value is valid.
 */
import { Buffer } from 'node:buffer';
import { type DataType, elementType, isDecimal, isList, isMap, isNested, isStruct, mapEntryType, structFields } from '../types.js';
import { DECIMAL_WORDS, readDecimal, writeDecimal } from './decimal.js';
import { allocArray } from './alloc.js';

/** Typed array used for a fixed-width type's values. */
export type FixedArray = Uint8Array | Int32Array | Float64Array;

/** One column of a batch. Immutable once built. */
export class ColumnData {
  private stringCache: (string | null)[] | undefined;

  constructor(
    /** Logical type. */
    readonly type: DataType,
    /** Number of values. */
    readonly length: number,
    /** Values for fixed-width types; `null` for utf8 and null types. */
    readonly values: FixedArray | null,
    /** 1 = valid, 0 = null; `null` when every value is valid. */
    readonly validity: Uint8Array | null,
    /** utf8 only: start offsets into `bytes`, length + 1 entries. */
    offsets: Int32Array | null = null,
    /** utf8 only: UTF-8 bytes. */
    bytes: Uint8Array | null = null,
    /** list only: the elements (offsets index into it); map: the key/value entry structs. */
    readonly child: ColumnData | null = null,
    /** struct only: one column per field. */
    readonly children: readonly ColumnData[] | null = null,
    /** Dictionary-encoded utf8 only: the distinct values (a plain utf8 column without nulls). */
    readonly dictionary: ColumnData | null = null,
    /** Dictionary-encoded utf8 only: per row, an index into `dictionary` (0 at nulls). */
    readonly indices: Int32Array | null = null,
  ) {
    this.rawOffsets = offsets;
    this.rawBytes = bytes;
  }

  private rawOffsets: Int32Array | null;
  private rawBytes: Uint8Array | null;

  /** utf8 only: start offsets into `bytes`, length + 1 entries (decoded on first use for a dictionary column). */
  get offsets(): Int32Array | null {
    if (this.rawOffsets === null && this.indices !== null) this.decodeDictionary();
    return this.rawOffsets;
  }

  /** utf8 only: UTF-8 bytes (decoded on first use for a dictionary column). */
  get bytes(): Uint8Array | null {
    if (this.rawBytes === null && this.indices !== null) this.decodeDictionary();
    return this.rawBytes;
  }

  /** True when the plain offsets/bytes are held (always for non-dictionary columns; once decoded for dictionary ones). */
  hasPlainLayout(): boolean {
    return this.indices === null || this.rawOffsets !== null;
  }

  private decodeDictionary(): void {
    const plain = this.decoded();
    this.rawOffsets = plain.rawOffsets;
    this.rawBytes = plain.rawBytes;
  }

  /** The column in its plain layout: itself, or for a dictionary column a decoded copy (not kept). */
  decoded(): ColumnData {
    if (this.indices === null) return this;
    if (this.rawOffsets !== null) return new ColumnData('utf8', this.length, null, this.validity, this.rawOffsets, this.rawBytes);
    const idx = this.indices;
    const valid = this.validity;
    const g = new Int32Array(this.length);
    for (let i = 0; i < this.length; i++) g[i] = valid && valid[i] === 0 ? -1 : idx[i]!;
    const plain = take(this.dictionary!, g);
    return valid ? plain : new ColumnData('utf8', this.length, null, null, plain.rawOffsets, plain.rawBytes);
  }

  private objectCache: unknown[] | undefined;

  /**
   * The values of a nested column (list, struct, map) as JS storage values, cached; null entries
   * for nulls. Lists are arrays, structs arrays of their field values in field order, maps JS
   * `Map`s; leaves are storage values (numbers, strings, booleans, bigints for decimals).
   * Used by generated code (one object per row: not for hot paths over large nested data).
   */
  objects(): unknown[] {
    if (this.objectCache) return this.objectCache;
    if (isList(this.type)) return (this.objectCache = this.lists());
    const n = this.length;
    const valid = this.validity;
    const out = new Array<unknown>(n);
    if (isStruct(this.type)) {
      const kids = this.children!.map(storageValues);
      for (let i = 0; i < n; i++) out[i] = valid && valid[i] === 0 ? null : kids.map((k) => k[i]);
    } else if (isMap(this.type)) {
      const entries = this.child!;
      const keys = storageValues(entries.children![0]!);
      const vals = storageValues(entries.children![1]!);
      const off = this.offsets!;
      for (let i = 0; i < n; i++) {
        if (valid && valid[i] === 0) { out[i] = null; continue; }
        const m = new Map<unknown, unknown>();
        for (let j = off[i]!; j < off[i + 1]!; j++) m.set(keys[j], vals[j]);
        out[i] = m;
      }
    } else {
      throw new Error(`objects() on a ${this.type} column`);
    }
    return (this.objectCache = out);
  }

  private listCache: (unknown[] | null)[] | undefined;
  private bigintCache: bigint[] | undefined;

  /** The unscaled values of a decimal column as bigints (0n at nulls), decoded once and cached. */
  bigints(): bigint[] {
    if (this.bigintCache) return this.bigintCache;
    if (!isDecimal(this.type)) throw new Error(`bigints() on a ${this.type} column`);
    const w = this.values as Int32Array;
    const valid = this.validity;
    const out = new Array<bigint>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = valid && valid[i] === 0 ? 0n : readDecimal(w, i);
    this.bigintCache = out;
    return out;
  }

  /**
   * The column's lists as JS arrays of element storage values (list only), cached; null entries
   * for nulls. Elements: numbers, strings, booleans, or null.
   */
  lists(): (unknown[] | null)[] {
    if (this.listCache) return this.listCache;
    if (!isList(this.type)) throw new Error(`lists() on a ${this.type} column`);
    const child = this.child!;
    const cv = child.validity;
    const elems: ArrayLike<unknown> = storageValues(child);
    const off = this.offsets!;
    const out = new Array<unknown[] | null>(this.length);
    for (let i = 0; i < this.length; i++) {
      if (this.validity && this.validity[i] === 0) {
        out[i] = null;
        continue;
      }
      const arr = new Array(off[i + 1]! - off[i]!);
      for (let j = off[i]!, k = 0; j < off[i + 1]!; j++, k++) arr[k] = cv && cv[j] === 0 ? null : elems[j];
      out[i] = arr;
    }
    this.listCache = out;
    return out;
  }

  /** Number of null values. */
  nullCount(): number {
    if (this.type === 'null') return this.length;
    const v = this.validity;
    if (!v) return 0;
    let n = 0;
    for (let i = 0; i < this.length; i++) n += v[i]!;
    return this.length - n;
  }

  /** True if value `i` is null. */
  isNull(i: number): boolean {
    if (this.type === 'null') return true;
    return this.validity !== null && this.validity[i] === 0;
  }

  /**
   * The column's strings as a JS array (utf8 only), decoded once and cached; null entries for nulls.
   * Used by operations that need JS strings (string functions, regexes).
   */
  strings(): (string | null)[] {
    if (this.stringCache) return this.stringCache;
    if (this.type !== 'utf8' && this.type !== 'binary') throw new Error(`strings() on a ${this.type} column`);
    const out = new Array<string | null>(this.length);
    if (this.indices !== null) {
      // Dictionary column: decode the dictionary once; rows share its string objects.
      const ds = this.dictionary!.strings();
      const idx = this.indices;
      const v = this.validity;
      for (let i = 0; i < this.length; i++) out[i] = v && v[i] === 0 ? null : ds[idx[i]!]!;
      this.stringCache = out;
      return out;
    }
    const off = this.offsets!;
    const bytes = this.bytes!;
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const ascii = this.type === 'binary' || isAscii(bytes, off[0]!, off[this.length]!);
    const valid = this.validity;
    for (let i = 0; i < this.length; i++) {
      if (valid && valid[i] === 0) {
        out[i] = null;
        continue;
      }
      const s = off[i]!;
      const e = off[i + 1]!;
      out[i] = s === e ? '' : ascii ? buf.latin1Slice(s, e) : buf.utf8Slice(s, e);
    }
    this.stringCache = out;
    return out;
  }

  /** String at `i` (utf8 only), without decoding the whole column. */
  stringAt(i: number): string {
    if (this.stringCache) return this.stringCache[i] ?? '';
    if (this.indices !== null) return this.dictionary!.stringAt(this.indices[i]!);
    const off = this.offsets!;
    const bytes = this.bytes!;
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return this.type === 'binary' ? buf.latin1Slice(off[i]!, off[i + 1]!) : buf.utf8Slice(off[i]!, off[i + 1]!);
  }
}

declare module 'node:buffer' {
  interface Buffer {
    latin1Slice(start: number, end: number): string;
    utf8Slice(start: number, end: number): string;
  }
}

function isAscii(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i]! >= 0x80) return false;
  return true;
}

/** Storage values of any column (see `ColumnData.objects`); entries at nulls may be anything for primitive columns with validity. */
function storageValues(col: ColumnData): ArrayLike<unknown> {
  if (isNested(col.type)) return col.objects();
  if (isDecimal(col.type)) return col.bigints();
  if (col.type === 'utf8') return col.strings();
  if (col.type === 'null') return new Array(col.length).fill(null);
  const v = col.values!;
  const valid = col.validity;
  if (col.type !== 'boolean' && !valid) return v;
  const out = new Array<unknown>(col.length);
  for (let i = 0; i < col.length; i++) out[i] = valid && valid[i] === 0 ? null : col.type === 'boolean' ? v[i] === 1 : v[i];
  return out;
}

/** Elements of `values` per value: 4 Int32 words for decimals, 1 otherwise. */
export function valueWidth(type: DataType): number {
  return isDecimal(type) ? DECIMAL_WORDS : 1;
}

/** Allocates the values array for a fixed-width type (`n × valueWidth(type)` elements). */
export function allocValues(type: DataType, n: number): FixedArray {
  if (isDecimal(type)) return new Int32Array(n * DECIMAL_WORDS);
  switch (type) {
    case 'boolean': return new Uint8Array(n);
    case 'int32': case 'date32': return new Int32Array(n);
    case 'int64': case 'float64': case 'timestamp': return new Float64Array(n);
    default: throw new Error(`type ${type} has no fixed-width values`);
  }
}

/**
 * `allocValues`, but in shared memory inside worker threads when `n` is large (data/alloc.ts):
 * for operator output that crosses threads (an aggregate's answer), so serde need not copy it.
 */
export function allocOutputValues(type: DataType, n: number): FixedArray {
  if (n < 4096) return allocValues(type, n);
  switch (type) {
    case 'int32': case 'date32': return allocArray(Int32Array, n);
    case 'int64': case 'float64': case 'timestamp': return allocArray(Float64Array, n);
    default: return allocValues(type, n);
  }
}

/** A decimal column from unscaled bigints (entries at nulls are ignored). */
export function decimalColumn(type: DataType, vals: ArrayLike<bigint>, validity: Uint8Array | null): ColumnData {
  const n = vals.length;
  const w = new Int32Array(n * DECIMAL_WORDS);
  for (let i = 0; i < n; i++) if (!validity || validity[i]) writeDecimal(w, i, vals[i]!);
  return new ColumnData(type, n, w, validity);
}

/** A column of `n` nulls of the given type. */
export function nullColumn(type: DataType, n: number): ColumnData {
  if (type === 'null') return new ColumnData('null', n, null, null);
  const validity = new Uint8Array(n);
  if (type === 'utf8' || type === 'binary') return new ColumnData(type, n, null, validity, new Int32Array(n + 1), new Uint8Array(0));
  if (isList(type)) return new ColumnData(type, n, null, validity, new Int32Array(n + 1), null, nullColumn(elementType(type), 0));
  if (isMap(type)) return new ColumnData(type, n, null, validity, new Int32Array(n + 1), null, nullColumn(mapEntryType(type), 0));
  if (isStruct(type)) return new ColumnData(type, n, null, validity, null, null, null, structFields(type).map((f) => nullColumn(f.type, n)));
  return new ColumnData(type, n, allocValues(type, n), validity);
}

/** Drops an all-ones validity array (so `validity === null` means "no nulls" fast paths apply). */
export function normalizeValidity(validity: Uint8Array | null, n: number): Uint8Array | null {
  if (!validity) return null;
  for (let i = 0; i < n; i++) if (validity[i] === 0) return validity;
  return null;
}

/** Builds a utf8 column from JS strings (null entries are nulls). */
export function utf8FromStrings(values: readonly (string | null | undefined)[]): ColumnData {
  const n = values.length;
  const offsets = new Int32Array(n + 1);
  let validity: Uint8Array | null = null;
  let chars = 0;
  for (let i = 0; i < n; i++) {
    const s = values[i];
    if (s == null) {
      if (!validity) {
        validity = new Uint8Array(n);
        validity.fill(1, 0, i);
      }
    } else {
      if (validity) validity[i] = 1;
      chars += s.length;
    }
    offsets[i + 1] = chars;
  }
  // One native encode of the whole column; when it is pure ASCII the character offsets are the byte offsets.
  const joined = validity ? values.map((s) => s ?? '').join('') : (values as string[]).join('');
  const buf = Buffer.from(joined, 'utf8');
  if (buf.length !== chars) {
    let pos = 0;
    for (let i = 0; i < n; i++) {
      const s = values[i];
      if (s != null) pos += s.length === 0 ? 0 : isAsciiString(s) ? s.length : Buffer.byteLength(s, 'utf8');
      offsets[i + 1] = pos;
    }
  }
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
  return new ColumnData('utf8', n, null, validity, offsets, bytes);
}

/** Builds a binary column from byte strings (one char per byte, as `strings()` gives them; null entries are nulls). */
export function binaryFromStrings(values: readonly (string | null | undefined)[]): ColumnData {
  const n = values.length;
  const offsets = new Int32Array(n + 1);
  let validity: Uint8Array | null = null;
  for (let i = 0; i < n; i++) {
    const s = values[i];
    if (s == null) {
      validity ??= new Uint8Array(n).fill(1, 0, i);
    } else if (validity) validity[i] = 1;
    offsets[i + 1] = offsets[i]! + (s == null ? 0 : s.length);
  }
  const buf = Buffer.from(values.map((s) => s ?? '').join(''), 'latin1');
  return new ColumnData('binary', n, null, validity, offsets, new Uint8Array(buf.buffer, buf.byteOffset, buf.length));
}

function isAsciiString(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

/**
 * A dictionary-encoded utf8 column: row i is `dictionary[indices[i]]` (null where `validity` is 0;
 * the index there is ignored but must be in range). `dictionary` is a plain utf8 column without nulls.
 */
export function dictColumn(indices: Int32Array, dictionary: ColumnData, validity: Uint8Array | null): ColumnData {
  return new ColumnData('utf8', indices.length, null, validity, null, null, null, null, dictionary, indices);
}

/**
 * Concatenates dictionary-encoded utf8 columns (and all-null columns) without decoding: shared
 * dictionaries keep their indices, different ones are merged (each distinct string once) and
 * their indices remapped. Null when some column is plain utf8 (the caller concatenates bytes).
 */
function concatDictionaries(cols: readonly ColumnData[], n: number, validity: Uint8Array | null): ColumnData | null {
  let first: ColumnData | null = null;
  let same = true;
  for (const c of cols) {
    if (c.type !== 'utf8') continue;
    if (c.indices === null) return null;
    if (first === null) first = c.dictionary;
    else if (c.dictionary !== first) same = false;
  }
  if (first === null) return null;
  const idx = new Int32Array(n);
  if (same) {
    let p = 0;
    for (const c of cols) {
      if (c.indices !== null) idx.set(c.indices, p);
      p += c.length;
    }
    return dictColumn(idx, first, validity);
  }
  const ids = new Map<string, number>();
  const merged: string[] = [];
  let p = 0;
  for (const c of cols) {
    if (c.indices !== null) {
      const ds = c.dictionary!.strings();
      const remap = new Int32Array(ds.length);
      for (let k = 0; k < ds.length; k++) {
        const s = ds[k]!;
        let id = ids.get(s);
        if (id === undefined) {
          id = merged.length;
          ids.set(s, id);
          merged.push(s);
        }
        remap[k] = id;
      }
      const src = c.indices;
      for (let i = 0; i < c.length; i++) idx[p + i] = remap[src[i]!]!;
    }
    p += c.length;
  }
  return dictColumn(idx, utf8FromStrings(merged), validity);
}

/** Offsets of the variable-length values at `indices` laid end to end (-1 = empty). */
function gatherOffsets(off: Int32Array, indices: Int32Array, n: number): Int32Array {
  const offsets = new Int32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const j = indices[i]!;
    if (j >= 0) total += off[j + 1]! - off[j]!;
    offsets[i + 1] = total;
  }
  return offsets;
}

/** Gathers values at `indices` into a new column; an index of -1 produces a null (used by outer joins). */
export function take(col: ColumnData, indices: Int32Array, count = indices.length): ColumnData {
  const n = count;
  if (col.type === 'null') return new ColumnData('null', n, null, null);
  const srcValid = col.validity;
  let validity: Uint8Array | null = null;
  let anyNeg = false;
  for (let i = 0; i < n; i++) if (indices[i]! < 0) { anyNeg = true; break; }
  if (srcValid || anyNeg) {
    validity = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const j = indices[i]!;
      validity[i] = j < 0 ? 0 : srcValid ? srcValid[j]! : 1;
    }
  }
  if (col.indices !== null) {
    // Dictionary column: gather the indices only; the dictionary is shared.
    const src = col.indices;
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const j = indices[i]!;
      idx[i] = j >= 0 ? src[j]! : 0;
    }
    return dictColumn(idx, col.dictionary!, validity);
  }
  if (isStruct(col.type)) return new ColumnData(col.type, n, null, validity, null, null, null, col.children!.map((c) => take(c, indices, n)));
  if (isList(col.type) || isMap(col.type)) {
    const off = col.offsets!;
    const offsets = gatherOffsets(off, indices, n);
    const total = offsets[n]!;
    const childIdx = new Int32Array(total);
    let k = 0;
    for (let i = 0; i < n; i++) {
      const j = indices[i]!;
      if (j >= 0) for (let e = off[j]!; e < off[j + 1]!; e++) childIdx[k++] = e;
    }
    return new ColumnData(col.type, n, null, validity, offsets, null, take(col.child!, childIdx));
  }
  if (col.type === 'utf8' || col.type === 'binary') {
    const off = col.offsets!;
    const bytes = col.bytes!;
    const offsets = gatherOffsets(off, indices, n);
    const total = offsets[n]!;
    const out = new Uint8Array(total);
    for (let i = 0; i < n; i++) {
      const j = indices[i]!;
      if (j < 0) continue;
      const s = off[j]!;
      const e = off[j + 1]!;
      const len = e - s;
      const d = offsets[i]!;
      if (len < 16) for (let k = 0; k < len; k++) out[d + k] = bytes[s + k]!;
      else out.set(bytes.subarray(s, e), d);
    }
    return new ColumnData(col.type, n, null, validity, offsets, out);
  }
  const src = col.values!;
  const values = allocValues(col.type, n);
  if (isDecimal(col.type)) {
    for (let i = 0; i < n; i++) {
      const j = indices[i]!;
      if (j >= 0) for (let k = 0; k < DECIMAL_WORDS; k++) values[i * DECIMAL_WORDS + k] = src[j * DECIMAL_WORDS + k]!;
    }
    return new ColumnData(col.type, n, values, validity);
  }
  for (let i = 0; i < n; i++) {
    const j = indices[i]!;
    if (j >= 0) values[i] = src[j]!;
  }
  return new ColumnData(col.type, n, values, validity);
}

/** Keeps the values where `mask[i]` is 1 (a filter). `count` is the number of set entries if known. */
export function filterColumn(col: ColumnData, mask: Uint8Array, count?: number): ColumnData {
  let n = count ?? -1;
  if (n < 0) {
    n = 0;
    for (let i = 0; i < col.length; i++) n += mask[i]!;
  }
  const idx = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < col.length; i++) if (mask[i]) idx[k++] = i;
  return take(col, idx);
}

/** Rows [start, end) of a column, sharing buffers where possible. */
export function sliceColumn(col: ColumnData, start: number, end: number): ColumnData {
  const n = Math.max(0, end - start);
  if (start === 0 && end === col.length) return col;
  const validity = col.validity ? col.validity.subarray(start, end) : null;
  if (col.type === 'null') return new ColumnData('null', n, null, null);
  if (isStruct(col.type)) return new ColumnData(col.type, n, null, validity, null, null, null, col.children!.map((c) => sliceColumn(c, start, end)));
  if (isList(col.type) || isMap(col.type)) {
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = start + i;
    return take(col, idx);
  }
  if (col.indices !== null) return dictColumn(col.indices.subarray(start, end), col.dictionary!, validity);
  if (col.type === 'utf8' || col.type === 'binary') {
    const off = col.offsets!;
    const base = off[start]!;
    const offsets = new Int32Array(n + 1);
    for (let i = 0; i <= n; i++) offsets[i] = off[start + i]! - base;
    return new ColumnData(col.type, n, null, validity, offsets, col.bytes!.subarray(base, off[end]!));
  }
  const w = valueWidth(col.type);
  return new ColumnData(col.type, n, col.values!.subarray(start * w, end * w), validity);
}

/** Concatenates columns of one type. */
export function concatColumns(type: DataType, cols: readonly ColumnData[]): ColumnData {
  if (cols.length === 1) return cols[0]!;
  let n = 0;
  let anyNull = false;
  for (const c of cols) {
    n += c.length;
    if (c.validity || c.type === 'null') anyNull = true;
  }
  if (type === 'null') return new ColumnData('null', n, null, null);
  let validity: Uint8Array | null = null;
  if (anyNull) {
    validity = new Uint8Array(n);
    let p = 0;
    for (const c of cols) {
      if (c.type === 'null') { /* stays 0 */ } else if (c.validity) validity.set(c.validity, p);
      else validity.fill(1, p, p + c.length);
      p += c.length;
    }
  }
  if (isStruct(type)) {
    const fields = structFields(type);
    const kids = fields.map((f, k) => concatColumns(f.type, cols.map((c) => (c.type === type ? c.children![k]! : nullColumn(f.type, c.length)))));
    return new ColumnData(type, n, null, validity, null, null, null, kids);
  }
  if (isList(type) || isMap(type)) {
    const offsets = new Int32Array(n + 1);
    const children: ColumnData[] = [];
    let p = 0;
    let base = 0;
    for (const c of cols) {
      if (c.type === type) {
        const off = c.offsets!;
        for (let i = 1; i <= c.length; i++) offsets[p + i] = base + off[i]! - off[0]!;
        const child = c.child!;
        children.push(off[0] === 0 && off[c.length] === child.length ? child : sliceColumn(child, off[0]!, off[c.length]!));
        base += off[c.length]! - off[0]!;
      } else {
        for (let i = 1; i <= c.length; i++) offsets[p + i] = base;
      }
      p += c.length;
    }
    const et = isMap(type) ? mapEntryType(type) : elementType(type);
    const child = children.length ? concatColumns(et, children) : nullColumn(et, 0);
    return new ColumnData(type, n, null, validity, offsets, null, child);
  }
  if (type === 'utf8' || type === 'binary') {
    const dict = concatDictionaries(cols, n, validity);
    if (dict) return dict;
    let total = 0;
    for (const c of cols) if (c.type === type) total += c.offsets![c.length]! - c.offsets![0]!;
    const bytes = new Uint8Array(total);
    const offsets = new Int32Array(n + 1);
    let p = 0;
    let b = 0;
    for (const c of cols) {
      if (c.type === type) {
        const off = c.offsets!;
        const base = off[0]!;
        bytes.set(c.bytes!.subarray(base, off[c.length]!), b);
        for (let i = 1; i <= c.length; i++) offsets[p + i] = b + off[i]! - base;
        b += off[c.length]! - base;
      } else {
        for (let i = 1; i <= c.length; i++) offsets[p + i] = b;
      }
      p += c.length;
    }
    return new ColumnData(type, n, null, validity, offsets, bytes);
  }
  const values = allocValues(type, n);
  const w = valueWidth(type);
  let p = 0;
  for (const c of cols) {
    if (c.values) values.set(c.values as never, p * w);
    p += c.length;
  }
  return new ColumnData(type, n, values, validity);
}

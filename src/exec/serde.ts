/**
 * Moving batches between threads: a batch becomes a plain object whose column buffers live in
 * SharedArrayBuffers, so it can be posted to any number of workers without copying and rebuilt
 * as typed-array views on the other side. Buffers are copied into shared memory once, by the
 * thread that produced them (in parallel, inside the worker), never per row and never as JSON.
 */
import { Batch } from '../data/batch.js';
import { ColumnData, type FixedArray, dictColumn } from '../data/column.js';
import { type DataType, type Field, Schema } from '../types.js';

/** A column as posted between threads. */
export interface SharedColumn {
  readonly type: DataType;
  readonly length: number;
  readonly values: FixedArray | null;
  readonly validity: Uint8Array | null;
  readonly offsets: Int32Array | null;
  readonly bytes: Uint8Array | null;
  readonly child: SharedColumn | null;
  /** struct only: the field columns (absent in batches from before structs existed). */
  readonly children?: readonly SharedColumn[] | null;
  /** Dictionary-encoded utf8: the dictionary (shared buffers, so one copy serves every batch) and the indices. */
  readonly dictionary?: SharedColumn | null;
  readonly indices?: Int32Array | null;
  /**
   * A dictionary's identity across threads (set on the `dictionary` of a dictionary column): every
   * thread rebuilds one dictionary object per id, so batches of different tasks and messages that
   * share a dictionary share it again (aggregates then group by its codes, see dictionaryId).
   */
  readonly dictId?: string;
}

/** A batch as posted between threads. */
export interface SharedBatch {
  readonly fields: readonly Field[];
  readonly numRows: number;
  readonly columns: readonly SharedColumn[];
}

function isShared(a: ArrayBufferView): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer;
}

/** A copy of a typed array in shared memory (or the array itself if it already is shared). */
export function toShared<T extends FixedArray | Int32Array | Uint8Array>(a: T): T {
  if (isShared(a)) return a;
  const Ctor = a.constructor as { new (buf: SharedArrayBuffer, off: number, len: number): T; BYTES_PER_ELEMENT: number };
  const sab = new SharedArrayBuffer(Math.max(a.byteLength, 0));
  const out = new Ctor(sab, 0, a.length);
  out.set(a as never);
  return out;
}

/**
 * Bytes held by a column's buffers. A dictionary column counts its share of the dictionary (at
 * most one entry per row): a dictionary shared by many batches is not counted whole by each.
 */
export function columnBytes(c: ColumnData): number {
  if (c.indices !== null && !c.hasPlainLayout()) {
    const d = c.dictionary!;
    const share = d.length > c.length ? c.length / d.length : 1;
    return c.indices.byteLength + (c.validity?.byteLength ?? 0) + Math.ceil(columnBytes(d) * share);
  }
  return (c.values?.byteLength ?? 0) + (c.validity?.byteLength ?? 0) + (c.offsets?.byteLength ?? 0) + (c.bytes?.byteLength ?? 0) + (c.child ? columnBytes(c.child) : 0) + (c.children ? c.children.reduce((n, k) => n + columnBytes(k), 0) : 0);
}

/** Bytes held by a batch's buffers. */
export function batchBytes(b: Batch): number {
  let n = 0;
  for (const c of b.columns) n += columnBytes(c);
  return n;
}

function shareColumn(c: ColumnData): SharedColumn {
  if (c.indices !== null) {
    return {
      type: c.type, length: c.length, values: null, validity: c.validity ? toShared(c.validity) : null, offsets: null, bytes: null, child: null,
      dictionary: sharedDictionary(c.dictionary!), indices: toShared(c.indices),
    };
  }
  let offsets = c.offsets;
  let bytes = c.bytes;
  if ((c.type === 'utf8' || c.type === 'binary') && offsets && bytes) {
    // Rebase utf8 slices so the shared bytes hold only this column's range.
    const base = offsets[0]!;
    if (base !== 0) {
      const o = new Int32Array(offsets.length);
      for (let i = 0; i < o.length; i++) o[i] = offsets[i]! - base;
      offsets = o;
    }
    bytes = bytes.subarray(base, base + offsets[c.length]!);
  }
  return {
    type: c.type,
    length: c.length,
    values: c.values ? toShared(c.values) : null,
    validity: c.validity ? toShared(c.validity) : null,
    offsets: offsets ? toShared(offsets) : null,
    bytes: bytes ? toShared(bytes) : null,
    child: c.child ? shareColumn(c.child) : null,
    children: c.children ? c.children.map(shareColumn) : null,
  };
}

/** Dictionaries already in shared memory, so batches sharing a dictionary share its buffers. */
const sharedDictionaries = new WeakMap<ColumnData, SharedColumn>();

function sharedDictionary(d: ColumnData): SharedColumn {
  let s = sharedDictionaries.get(d);
  if (!s) sharedDictionaries.set(d, (s = { ...shareColumn(d), dictId: dictionaryId(d) }));
  return s;
}

/** This thread's prefix for dictionary ids (random: threads cannot share a counter). */
const ID_PREFIX = `${Math.floor(Math.random() * 2 ** 52).toString(36)}.`;
let nextId = 0;
/** Ids of dictionaries: given when first shared, or kept from the thread that shared them. */
const dictionaryIds = new WeakMap<ColumnData, string>();
/** This thread's dictionary per id (weakly held: a dictionary no batch uses any more is dropped). */
const dictionariesById = new Map<string, WeakRef<ColumnData>>();
const forgetDictionary = new FinalizationRegistry<string>((id) => {
  if (dictionariesById.get(id)?.deref() === undefined) dictionariesById.delete(id);
});

/** The identity of a dictionary across threads (see SharedColumn.dictId). */
function dictionaryId(d: ColumnData): string {
  let id = dictionaryIds.get(d);
  if (id === undefined) dictionaryIds.set(d, (id = ID_PREFIX + nextId++));
  return id;
}

/** The dictionary object of this thread for a posted dictionary (one per id, so identity survives the trip). */
function unshareDictionary(s: SharedColumn): ColumnData {
  const id = s.dictId;
  let d = id === undefined ? undefined : dictionariesById.get(id)?.deref();
  if (d) return d;
  d = unshareColumn(s);
  if (id !== undefined) {
    dictionaryIds.set(d, id);
    dictionariesById.set(id, new WeakRef(d));
    forgetDictionary.register(d, id);
  }
  return d;
}

/** Prepares a batch for posting to other threads (buffers copied into shared memory if needed). */
export function shareBatch(b: Batch): SharedBatch {
  return { fields: b.schema.fields, numRows: b.numRows, columns: b.columns.map(shareColumn) };
}

const unsharedDictionaries = new WeakMap<SharedColumn, ColumnData>();

function unshareColumn(c: SharedColumn): ColumnData {
  if (c.indices) {
    // Batches that shared a dictionary share it again, whichever thread or message they came
    // from (one object: concat keeps indices, aggregates group by codes).
    let d = unsharedDictionaries.get(c.dictionary!);
    if (!d) unsharedDictionaries.set(c.dictionary!, (d = unshareDictionary(c.dictionary!)));
    return dictColumn(c.indices, d, c.validity);
  }
  return new ColumnData(c.type, c.length, c.values, c.validity, c.offsets, c.bytes, c.child ? unshareColumn(c.child) : null, c.children ? c.children.map(unshareColumn) : null);
}

/** Rebuilds a batch posted by another thread (no copy: views on the shared buffers). */
export function unshareBatch(s: SharedBatch, schema?: Schema): Batch {
  return new Batch(schema ?? new Schema(s.fields), s.columns.map(unshareColumn), s.numRows);
}

/**
 * The write side of a shuffle: scatters a task's output rows into one builder per bucket (the
 * consumer partitions of a hash, round-robin or range exchange). Each value is copied once,
 * straight into the buffers that cross threads (shared memory inside workers, see
 * data/alloc.ts), and buckets come out as batches of up to BATCH_SIZE rows: no per-bucket
 * `take`, no compaction pass and no copy into shared memory afterwards. Fresh memory is costly
 * (page faults) and scales worse than compute on small machines, so fewer copies matter most here.
 *
 * Dictionary-encoded utf8 (data/dictionary.ts) is written as indices while a chunk's rows all come
 * from one dictionary object (the cache's, or an aggregate's keys over it): the chunk seals as a
 * dictionary column referencing it, and serde.ts posts the dictionary once. A row from another
 * dictionary or a plain column turns the chunk to bytes (its rows so far decoded once), so mixed
 * inputs stay correct. Consumers after the shuffle then group and join on codes (see the
 * figures in data/dictionary.ts: db-benchmark q3/q7 at 1e7 rows, 6–8×).
 */
import { BATCH_SIZE, Batch } from '../data/batch.js';
import { ColumnData, type FixedArray, dictColumn, valueWidth } from '../data/column.js';
import { allocArray, copyPrefix } from '../data/alloc.js';
import { type DataType, isDecimal, isNested, type Schema } from '../types.js';

/** Smallest first chunk of a bucket, in rows (chunks grow in place up to BATCH_SIZE). */
const MIN_CAPACITY = 1024;
/** A sealed buffer less full than this is copied to its exact size (its spare room would stay allocated). */
const MIN_FILL = 0.75;

type ArrayCtor = Int32ArrayConstructor | Float64ArrayConstructor | Uint8ArrayConstructor;

function valuesCtor(type: DataType): ArrayCtor | null {
  switch (type) {
    case 'boolean': return Uint8Array;
    case 'int32': case 'date32': return Int32Array;
    case 'int64': case 'float64': case 'timestamp': return Float64Array;
    default: return isDecimal(type) ? Int32Array : null;
  }
}

function alloc(C: ArrayCtor, length: number): FixedArray {
  return allocArray<FixedArray>(C as never, length);
}

/** Gathers `src[order[s..e)]` into `dst` from `at` on (one loop for every typed-array kind). */
function gather(dst: FixedArray, at: number, src: FixedArray, order: Int32Array, s: number, e: number): void {
  for (let k = s; k < e; k++) dst[at++] = src[order[k]!]!;
}

/** `gather` for values `w` elements wide (decimals: 4 words). */
function gatherWide(dst: FixedArray, at: number, src: FixedArray, order: Int32Array, s: number, e: number, w: number): void {
  let d = at * w;
  for (let k = s; k < e; k++) {
    const o = order[k]! * w;
    for (let j = 0; j < w; j++) dst[d++] = src[o + j]!;
  }
}

/** One column of a bucket's chunk under construction. */
class ColumnBuilder {
  values: FixedArray | null;
  validity: Uint8Array | null = null;
  /** utf8: offsets (capacity + 1) and bytes. */
  offsets: Int32Array | null = null;
  bytes: Uint8Array | null = null;
  usedBytes = 0;
  /**
   * utf8 fed by dictionary columns of one dictionary: the rows' indices into `dictionary` (the
   * chunk then seals as a dictionary column; offsets/bytes stay null). A row from another
   * dictionary, or a plain one, turns the chunk plain (`toPlain`).
   */
  indices: Int32Array | null = null;
  dictionary: ColumnData | null = null;
  /** Elements of `values` per row. */
  readonly width: number;

  /** `bytesPerRow`: utf8 only, the expected string bytes per row (sizes the byte buffer). */
  constructor(readonly type: DataType, capacity: number, private readonly bytesPerRow: number) {
    const C = valuesCtor(type);
    this.width = valueWidth(type);
    this.values = C ? alloc(C, capacity * this.width) : null;
    // utf8/binary buffers come with the first rows: indices or offsets and bytes.
  }

  resize(length: number, capacity: number): void {
    if (this.values) this.values = copyPrefix(this.values, length * this.width, capacity * this.width);
    if (this.validity) this.validity = copyPrefix(this.validity, length, capacity);
    if (this.offsets) this.offsets = copyPrefix(this.offsets, length + 1, capacity + 1);
    if (this.indices) this.indices = copyPrefix(this.indices, length, capacity);
  }

  /** Starts the plain layout (offsets and bytes), with rows [0, at) decoded from the indices if there are any. */
  private toPlain(at: number, capacity: number): void {
    this.offsets = allocArray(Int32Array, capacity + 1);
    this.bytes = allocArray(Uint8Array, Math.max(Math.ceil(capacity * this.bytesPerRow), 1024));
    if (this.indices === null) return;
    const ix = this.indices;
    const valid = this.validity;
    const order = new Int32Array(at);
    for (let i = 0; i < at; i++) order[i] = valid !== null && valid[i] === 0 ? -1 : i;
    this.indices = null;
    this.appendUtf8(dictColumn(ix, this.dictionary!, null), order, 0, at, 0);
    this.dictionary = null;
  }

  /** Appends rows `order[s..e)` of `src` at row `at`. */
  append(src: ColumnData, order: Int32Array, s: number, e: number, at: number, capacity: number): void {
    const sv = src.validity;
    if (sv || this.validity) {
      if (!this.validity) {
        this.validity = allocArray(Uint8Array, capacity);
        this.validity.fill(1, 0, at);
      }
      if (sv) gather(this.validity, at, sv, order, s, e);
      else this.validity.fill(1, at, at + (e - s));
    }
    if (this.values) {
      if (this.width !== 1) gatherWide(this.values, at, src.values!, order, s, e, this.width);
      else gather(this.values, at, src.values!, order, s, e);
    } else if (this.type === 'utf8' || this.type === 'binary') {
      if (this.offsets === null && src.indices !== null && (this.dictionary === null || this.dictionary === src.dictionary)) {
        // Same dictionary: gather the indices only (the dictionary crosses threads once, see serde.ts).
        if (this.indices === null) {
          this.indices = allocArray(Int32Array, capacity);
          this.dictionary = src.dictionary;
        }
        gather(this.indices, at, src.indices, order, s, e);
        return;
      }
      if (this.offsets === null) this.toPlain(at, capacity);
      this.appendUtf8(src, order, s, e, at);
    }
  }

  /** Appends rows `order[s..e)` of `src` as bytes (an order entry of -1 appends an empty string). */
  private appendUtf8(src: ColumnData, order: Int32Array, s: number, e: number, at: number): void {
    // A dictionary column is copied from its dictionary's bytes (row i reads entry ix[i]).
    const ix = src.indices !== null && !src.hasPlainLayout() ? src.indices : null;
    const so = ix ? src.dictionary!.offsets! : src.offsets!;
    const sb = ix ? src.dictionary!.bytes! : src.bytes!;
    let total = 0;
    for (let k = s; k < e; k++) {
      const r = order[k]!;
      if (r < 0) continue;
      const i = ix ? ix[r]! : r;
      total += so[i + 1]! - so[i]!;
    }
    let bytes = this.bytes!;
    let pos = this.usedBytes;
    if (pos + total > bytes.length) bytes = this.bytes = copyPrefix(bytes, pos, Math.max(bytes.length * 2, pos + total));
    const off = this.offsets!;
    for (let k = s; k < e; k++) {
      const r = order[k]!;
      if (r < 0) {
        off[++at] = pos;
        continue;
      }
      const i = ix ? ix[r]! : r;
      const a = so[i]!;
      const b = so[i + 1]!;
      if (b - a > 32) {
        bytes.set(sb.subarray(a, b), pos);
        pos += b - a;
      } else {
        for (let j = a; j < b; j++) bytes[pos++] = sb[j]!;
      }
      off[++at] = pos;
    }
    this.usedBytes = pos;
  }

  /** The first `n` rows as a column; buffers much larger than their content are copied to fit. */
  seal(n: number, capacity: number): ColumnData {
    const fit = n < capacity * MIN_FILL;
    const cut = <T extends FixedArray>(a: T, len: number): T => (fit ? copyPrefix(a, len) : (a.subarray(0, len) as T));
    const validity = this.validity ? cut(this.validity, n) : null;
    if (this.indices !== null) return dictColumn(cut(this.indices, n), this.dictionary!, validity);
    if (this.type === 'utf8' || this.type === 'binary') {
      const used = this.usedBytes;
      const bytes = used < this.bytes!.length * MIN_FILL ? copyPrefix(this.bytes!, used) : this.bytes!.subarray(0, used);
      return new ColumnData(this.type, n, null, validity, cut(this.offsets!, n + 1), bytes);
    }
    return new ColumnData(this.type, n, this.values ? cut(this.values, n * this.width) : null, validity);
  }
}

/** A bucket's batch under construction. */
class Chunk {
  length = 0;
  readonly columns: ColumnBuilder[];
  constructor(schema: Schema, public capacity: number, bytesPerRow: Float64Array) {
    this.columns = schema.fields.map((f, c) => new ColumnBuilder(f.type, capacity, bytesPerRow[c]!));
  }
}

/** Scatters batches' rows into `n` buckets by a bucket id per row. */
export class BucketWriter {
  private readonly chunks: (Chunk | null)[];
  private readonly done: Batch[][];
  private order = new Int32Array(0);
  private readonly starts: Int32Array;
  private readonly fill: Int32Array;
  /** Per column: string bytes per row seen in sealed chunks (sizes the next chunks' byte buffers). */
  private readonly bytesPerRow: Float64Array;

  /** Whether the writer handles this schema (array columns take the `take`-based path). */
  static supports(schema: Schema): boolean {
    return schema.fields.every((f) => !isNested(f.type));
  }

  constructor(private readonly schema: Schema, private readonly n: number) {
    this.chunks = new Array<Chunk | null>(n).fill(null);
    this.done = Array.from({ length: n }, () => []);
    this.starts = new Int32Array(n + 1);
    this.fill = new Int32Array(n);
    this.bytesPerRow = new Float64Array(schema.fields.length).fill(8);
  }

  /** Whether `b`'s columns have the schema's types (the builders are typed by the schema). */
  accepts(b: Batch): boolean {
    const fields = this.schema.fields;
    for (let c = 0; c < fields.length; c++) if (b.columns[c]!.type !== fields[c]!.type) return false;
    return b.columns.length === fields.length;
  }

  /** Appends the rows of `b`: row i goes to bucket `part[i]`. */
  write(b: Batch, part: Int32Array): void {
    const rows = b.numRows;
    const n = this.n;
    // Counting sort of row indices by bucket: bucket p's rows are order[starts[p] .. starts[p + 1]).
    const starts = this.starts;
    starts.fill(0);
    for (let i = 0; i < rows; i++) starts[part[i]! + 1]!++;
    for (let p = 0; p < n; p++) starts[p + 1]! += starts[p]!;
    if (this.order.length < rows) this.order = new Int32Array(Math.max(rows, BATCH_SIZE));
    const order = this.order;
    const fill = this.fill;
    fill.set(starts.subarray(0, n));
    for (let i = 0; i < rows; i++) order[fill[part[i]!]!++] = i;
    for (let p = 0; p < n; p++) {
      let s = starts[p]!;
      const e = starts[p + 1]!;
      while (s < e) {
        const chunk = this.room(p, e - s);
        const m = Math.min(e - s, chunk.capacity - chunk.length);
        for (let c = 0; c < chunk.columns.length; c++) chunk.columns[c]!.append(b.columns[c]!, order, s, s + m, chunk.length, chunk.capacity);
        chunk.length += m;
        s += m;
      }
    }
  }

  /** The bucket's open chunk, grown or replaced so that it has room for at least one of `want` rows. */
  private room(p: number, want: number): Chunk {
    let chunk = this.chunks[p];
    if (chunk && chunk.length + want > chunk.capacity && chunk.capacity < BATCH_SIZE) {
      const capacity = Math.min(BATCH_SIZE, Math.max(chunk.capacity * 2, chunk.length + want));
      for (const col of chunk.columns) col.resize(chunk.length, capacity);
      chunk.capacity = capacity;
    }
    if (chunk && chunk.length === chunk.capacity) {
      this.seal(p);
      chunk = null;
    }
    if (!chunk) {
      // A bucket's first chunk is sized from its first rows (8 batches' worth), so that hundreds
      // of buckets do not each reserve BATCH_SIZE rows; later chunks are full size.
      const first = this.done[p]!.length === 0;
      const capacity = first ? Math.min(BATCH_SIZE, Math.max(MIN_CAPACITY, want * 8)) : BATCH_SIZE;
      chunk = this.chunks[p] = new Chunk(this.schema, capacity, this.bytesPerRow);
    }
    return chunk;
  }

  private seal(p: number): void {
    const chunk = this.chunks[p];
    if (!chunk || chunk.length === 0) return;
    if (chunk.length >= MIN_CAPACITY) {
      chunk.columns.forEach((c, i) => {
        if (c.offsets !== null) this.bytesPerRow[i] = (c.usedBytes / chunk.length) * 1.05;
      });
    }
    this.done[p]!.push(new Batch(this.schema, chunk.columns.map((c) => c.seal(chunk.length, chunk.capacity)), chunk.length));
    this.chunks[p] = null;
  }

  /** Every bucket's batches (the writer is spent afterwards). */
  finish(): Batch[][] {
    for (let p = 0; p < this.n; p++) this.seal(p);
    return this.done;
  }
}

/**
 * Data sources behind scans: each knows its schema, how many partitions it has, and how to read
 * one partition's projected columns as batches. In-memory batches and `range()` live here; CSV
 * and Parquet sources wrap the readers in csv.ts / parquet.ts.
 */
import { Batch, BATCH_SIZE } from '../data/batch.js';
import { ColumnData } from '../data/column.js';
import { Schema } from '../types.js';
import type { SourceCodec } from './source-codec.js';

/** A partitioned, column-projectable source of batches. */
export interface DataSource {
  /** Full schema of the source (before projection). */
  readonly schema: Schema;
  /** Number of partitions (splits). */
  numPartitions(): number;
  /** Reads partition `p`, producing only the columns at `columns` (indices into `schema`). */
  read(p: number, columns: readonly number[]): AsyncIterable<Batch> | Iterable<Batch>;
  /** Short description for explain(). */
  describe(): string;
  /** Rough size in bytes, if known (for broadcast decisions). */
  estimatedBytes(): number | undefined;
}

/** Picks columns of a batch. */
export function projectBatch(b: Batch, columns: readonly number[], schema?: Schema): Batch {
  const s = schema ?? new Schema(columns.map((i) => b.schema.fields[i]!));
  return new Batch(s, columns.map((i) => b.columns[i]!), b.numRows);
}

/** Batches held in memory, already split into partitions. */
export class MemorySource implements DataSource {
  constructor(readonly schema: Schema, readonly partitions: readonly (readonly Batch[])[], private readonly label = 'memory') {}
  numPartitions(): number {
    return this.partitions.length;
  }
  *read(p: number, columns: readonly number[]): Iterable<Batch> {
    const s = new Schema(columns.map((i) => this.schema.fields[i]!));
    for (const b of this.partitions[p]!) yield projectBatch(b, columns, s);
  }
  describe(): string {
    const rows = this.partitions.reduce((n, p) => n + p.reduce((m, b) => m + b.numRows, 0), 0);
    return `${this.label} (${rows} rows, ${this.partitions.length} partitions)`;
  }
  estimatedBytes(): number {
    let n = 0;
    for (const p of this.partitions) for (const b of p) for (const c of b.columns) {
      // A dictionary column counts its indices and dictionary (without decoding it).
      const d = c.indices !== null && !c.hasPlainLayout() ? c.dictionary! : null;
      n += d ? c.indices!.byteLength + d.bytes!.byteLength + d.offsets!.byteLength : (c.values?.byteLength ?? 0) + (c.bytes?.byteLength ?? 0) + (c.offsets?.byteLength ?? 0);
    }
    return n;
  }
}

/** `spark.range(start, end, step)`: one int64 column `id`. */
export class RangeSource implements DataSource {
  readonly schema = new Schema([{ name: 'id', type: 'int64', nullable: false }]);
  readonly count: number;
  constructor(readonly start: number, readonly end: number, readonly step: number, readonly partitions: number) {
    this.count = Math.max(0, Math.ceil((end - start) / step));
  }
  numPartitions(): number {
    return this.partitions;
  }
  *read(p: number, columns: readonly number[]): Iterable<Batch> {
    const per = Math.ceil(this.count / this.partitions);
    const lo = p * per;
    const hi = Math.min(this.count, lo + per);
    const s = new Schema(columns.map((i) => this.schema.fields[i]!));
    for (let a = lo; a < hi; a += BATCH_SIZE) {
      const n = Math.min(BATCH_SIZE, hi - a);
      const v = new Float64Array(n);
      for (let i = 0; i < n; i++) v[i] = this.start + (a + i) * this.step;
      const col = new ColumnData('int64', n, v, null);
      yield new Batch(s, columns.map(() => col), n);
    }
  }
  describe(): string {
    return `range(${this.start}, ${this.end}, step=${this.step}, partitions=${this.partitions})`;
  }
  estimatedBytes(): number {
    return this.count * 8;
  }
}

/** A range as plain data. */
export const rangeSourceCodec: SourceCodec<RangeSource, { start: number; end: number; step: number; partitions: number }> = {
  kind: 'range',
  type: RangeSource,
  describe: (s) => ({ start: s.start, end: s.end, step: s.step, partitions: s.partitions }),
  build: (d) => new RangeSource(d.start, d.end, d.step, d.partitions),
};

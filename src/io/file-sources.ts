/**
 * DataSource adapters for files: CSV (byte-range splits) and Parquet (row-group splits). Each
 * partition is described by a plain split object, so a worker can read it from the description
 * (each source's codec sends the schema, the splits and the options).
 */
import fs from 'node:fs';
import { Batch, constantColumn } from '../data/batch.js';
import { type Field, Schema } from '../types.js';
import { type CsvReadOptions, type CsvScan, type CsvSplit, type ResolvedCsvOptions, planCsvScan, readCsvSplit } from './csv.js';
import { type ParquetScan, type ParquetSplit, planParquetScan, readParquetSplit } from './parquet.js';
import type { ReadFormat } from './read-format.js';
import { canonicalOptions } from './options.js';
import type { SourceCodec } from './source-codec.js';
import { type DataSource, projectBatch } from './source.js';

/** Total size of the files (unknown sizes count 0). */
export function fileBytes(files: readonly string[]): number {
  let n = 0;
  for (const f of files) {
    try {
      n += fs.statSync(f).size;
    } catch {
      /* size unknown */
    }
  }
  return n;
}

/** Projects each batch to `columns`. */
export function* projectAll(batches: Iterable<Batch>, columns: readonly number[]): Iterable<Batch> {
  for (const b of batches) yield projectBatch(b, columns);
}

/**
 * Adds partition-folder values to batches read with the data columns `dataCols` (indices < `dw`
 * into `schema`): the result has `columns` (indices into `schema`; those ≥ `dw` are partition
 * columns, whose value for the whole split is `values[c - dw]`, a raw folder text or null).
 */
export function* withPartitionColumns(batches: Iterable<Batch>, schema: Schema, columns: readonly number[], dataCols: readonly number[], dw: number, values: readonly (string | null)[]): Iterable<Batch> {
  const out = new Schema(columns.map((c) => schema.fields[c]!));
  for (const b of batches) {
    const cols = columns.map((c) => (c < dw ? b.columns[dataCols.indexOf(c)]! : constantColumn(schema.fields[c]!.type, values[c - dw] ?? null, b.numRows)));
    yield new Batch(out, cols, b.numRows);
  }
}

/** The first three files (and the count) for explain(). */
export function label(files: readonly string[]): string {
  const shown = files.slice(0, 3).join(', ');
  return files.length > 3 ? `${shown}, ... (${files.length} files)` : shown;
}

/** A CSV file set split into byte ranges. */
export class CsvSource implements DataSource {
  readonly schema: Schema;
  private readonly files: string[];
  constructor(readonly scan: CsvScan) {
    this.schema = scan.schema;
    this.files = [...new Set(scan.splits.map((s) => s.file))];
  }
  /** Plans a CSV scan of paths (file, folder or glob). */
  static open(paths: string | string[], options: CsvReadOptions, minPartitions: number, dictionary = true): CsvSource {
    return new CsvSource({ ...planCsvScan(paths, options, minPartitions), dictionary });
  }
  numPartitions(): number {
    return Math.max(1, this.scan.splits.length);
  }
  read(p: number, columns: readonly number[]): Iterable<Batch> {
    const split = this.scan.splits[p];
    if (!split) return [];
    if (this.scan.options.mode === 'PERMISSIVE') return readCsvSplit(this.scan, split, [...columns]);
    // DROPMALFORMED / FAILFAST judge whole records, so every column is parsed (unlike Spark's
    // column pruning, a count() then agrees with a full read); the projection happens after.
    return projectAll(readCsvSplit(this.scan, split), columns);
  }
  /** This scan as a cache materialises it: one dictionary per split and string column (csv-dictionary.ts). */
  forCache(): CsvSource {
    return new CsvSource({ ...this.scan, dictionary: 'split' });
  }
  describe(): string {
    return `csv [${label(this.files)}]`;
  }
  estimatedBytes(): number {
    return fileBytes(this.files);
  }
}

/** A Parquet file set split into row groups. */
export class ParquetSource implements DataSource {
  readonly schema: Schema;
  private readonly files: string[];
  constructor(readonly scan: ParquetScan) {
    this.schema = scan.schema;
    this.files = [...new Set(scan.splits.map((s) => s.file))];
  }
  /** Plans a Parquet scan of paths (file, folder or glob). */
  static async open(paths: string | string[]): Promise<ParquetSource> {
    return new ParquetSource(await planParquetScan(paths));
  }
  numPartitions(): number {
    return Math.max(1, this.scan.splits.length);
  }
  read(p: number, columns: readonly number[]): AsyncIterable<Batch> | Iterable<Batch> {
    const split = this.scan.splits[p];
    if (!split) return [];
    return readParquetSplit(this.scan, split, [...columns]);
  }
  describe(): string {
    return `parquet [${label(this.files)}]`;
  }
  estimatedBytes(): number {
    return fileBytes(this.files) * 3; // compressed on disk
  }
}

/** A CSV scan as plain data. */
export const csvSourceCodec: SourceCodec<CsvSource, { fields: readonly Field[]; splits: readonly CsvSplit[]; options: ResolvedCsvOptions; dictionary?: boolean | 'split' }> = {
  kind: 'csv',
  type: CsvSource,
  describe: (s) => ({ fields: s.scan.schema.fields, splits: s.scan.splits, options: s.scan.options, dictionary: s.scan.dictionary ?? false }),
  build: (d) => new CsvSource({ schema: new Schema(d.fields), splits: [...d.splits], options: d.options, dictionary: d.dictionary ?? false }),
};

/** A Parquet scan as plain data. */
export const parquetSourceCodec: SourceCodec<ParquetSource, { fields: readonly Field[]; splits: readonly ParquetSplit[] }> = {
  kind: 'parquet',
  type: ParquetSource,
  describe: (s) => ({ fields: s.scan.schema.fields, splits: s.scan.splits }),
  build: (d) => new ParquetSource({ schema: new Schema(d.fields), splits: [...d.splits] }),
};

/** `spark.read.csv` / `format('csv')`: Spark's CSV options; the reader's schema unless the options give one. */
export const csvReadFormat: ReadFormat = {
  name: 'csv',
  open(path, options, schema, ctx) {
    // Values may be strings (`option('header', 'true')`): resolveCsvOptions checks names and types.
    return CsvSource.open(path, { maxPartitionBytes: ctx.maxPartitionBytes, ...(schema ? { schema } : {}), ...options } as CsvReadOptions, ctx.threads, ctx.dictionary ?? true);
  },
};

/** `spark.read.parquet` / `format('parquet')`: the footers are read when opened; the schema is the files'. */
export const parquetReadFormat: ReadFormat = {
  name: 'parquet',
  open: (path, options) => {
    canonicalOptions('Parquet read', options, []);
    return ParquetSource.open(path);
  },
};

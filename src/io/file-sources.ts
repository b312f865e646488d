/**
 * DataSource adapters for files: CSV (byte-range splits) and Parquet (row-group splits). Each
 * partition is described by a plain split object, so a worker can read it from the description.
 */
import fs from 'node:fs';
import type { Batch } from '../data/batch.js';
import type { Schema } from '../types.js';
import { type CsvReadOptions, type CsvScan, planCsvScan, readCsvSplit } from './csv.js';
import { type ParquetScan, planParquetScan, readParquetSplit } from './parquet.js';
import { type DataSource, projectBatch } from './source.js';

function fileBytes(files: readonly string[]): number {
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

function* projectAll(batches: Iterable<Batch>, columns: readonly number[]): Iterable<Batch> {
  for (const b of batches) yield projectBatch(b, columns);
}

function label(files: readonly string[]): string {
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
  static open(paths: string | string[], options: CsvReadOptions, minPartitions: number): CsvSource {
    return new CsvSource(planCsvScan(paths, options, minPartitions));
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

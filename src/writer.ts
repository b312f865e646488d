/**
 * DataFrameWriter (`df.write`): save modes and formats (registered in io/write-format.ts). Each
 * output partition of the job becomes one part file, written into a temporary folder that is renamed into place only when every part
 * succeeded, so a failed job leaves no partial output.
 */
import { Batch } from './data/batch.js';
import type { DataFrame } from './dataframe.js';
import { IllegalArgumentError } from './errors.js';
import { Schema } from './types.js';
import { runJob } from './exec/scheduler.js';
import type { CsvWriteOptions } from './io/csv.js';
import { type SaveMode, checkSaveMode, parseSaveMode, partitionColumns, splitPartitions, writeDataset } from './io/dataset-writer.js';
import type { JsonWriteOptions } from './io/json.js';
import type { ParquetWriteOptions } from './io/parquet.js';
import { registerBuiltinWriteFormats, writeFormat } from './io/write-format.js';

registerBuiltinWriteFormats();

type WriteOptionValue = string | number | boolean;

/** Saves a DataFrame to files, like PySpark's DataFrameWriter. */
export class DataFrameWriter {
  private saveMode: SaveMode = 'error';
  private fmt = 'parquet';
  private readonly opts: Record<string, WriteOptionValue> = {};
  private partitionNames: string[] = [];

  /** @internal */
  constructor(private readonly df: DataFrame) {}

  /** 'error' (default: fail if the path exists), 'overwrite', 'append' or 'ignore'. */
  mode(mode: SaveMode | string): this {
    this.saveMode = parseSaveMode(mode);
    return this;
  }
  /** Output format for save(): 'parquet' (default), 'csv' or 'json'. */
  format(format: string): this {
    this.fmt = format.toLowerCase();
    return this;
  }
  /** Sets one writer option (e.g. `header`, `sep`, `compression`). */
  option(key: string, value: WriteOptionValue): this {
    this.opts[key] = value;
    return this;
  }
  /** Sets several writer options. */
  options(options: Record<string, WriteOptionValue>): this {
    Object.assign(this.opts, options);
    return this;
  }

  /**
   * Writes Hive-style partition folders, as Spark: one folder level per column (`k=v/`, values
   * escaped, null as `__HIVE_DEFAULT_PARTITION__`), the columns left out of the files.
   */
  partitionBy(...cols: (string | string[])[]): this {
    this.partitionNames = cols.flat();
    return this;
  }

  /** Writes CSV part files into the folder `path`. */
  async csv(path: string, options: CsvWriteOptions & { mode?: SaveMode | string } = {}): Promise<void> {
    await this.write('csv', path, options);
  }

  /** Writes Parquet part files into the folder `path`. */
  async parquet(path: string, options: ParquetWriteOptions & { mode?: SaveMode | string } = {}): Promise<void> {
    await this.write('parquet', path, options);
  }

  /** Writes JSON Lines part files (one object per line, null fields left out) into the folder `path`. */
  async json(path: string, options: JsonWriteOptions & { mode?: SaveMode | string } = {}): Promise<void> {
    await this.write('json', path, options);
  }

  /** Writes in the format set by format(). */
  async save(path: string): Promise<void> {
    await this.write(this.fmt, path, {});
  }

  /** Writes part files of `format` into `path`; `options` (and a `mode`) override those set before. */
  private async write(format: string, path: string, { mode, ...rest }: { mode?: SaveMode | string }): Promise<void> {
    const f = writeFormat(format);
    if (mode) this.mode(mode);
    const options = { ...this.opts, ...rest };
    const pcols = partitionColumns(this.df.schema, this.partitionNames);
    const dataSchema = new Schema(this.df.schema.fields.filter((_, i) => !pcols.includes(i)));
    f.check?.(dataSchema, options);
    if (checkSaveMode(path, this.saveMode) === 'skip') return;
    const res = await runJob(await this.df.session.resolveCaches(this.df.plan), this.df.session.plannerConfig(), this.df.session.runOptions());
    const schema = this.df.schema;
    const parts = res.partitions.map((bs) => bs.map((b) => new Batch(schema, b.columns, b.numRows)));
    if (pcols.length > 0) {
      const split = splitPartitions(schema, parts, pcols);
      const write = (file: string, i: number) => f.writePart(file, split.schema, split.parts[i]!, options);
      await writeDataset(path, this.saveMode, split.parts.length, f.extension(options), write, { dirs: split.dirs });
      return;
    }
    const nonEmpty = parts.filter((bs) => bs.length > 0);
    const toWrite = nonEmpty.length ? nonEmpty : [[]];
    await writeDataset(path, this.saveMode, toWrite.length, f.extension(options), (file, i) => f.writePart(file, schema, toWrite[i]!, options));
  }
}

/**
 * Parquet reader and writer on parquet-wasm (arrow-rs compiled to WebAssembly).
 *
 * Reading: `planParquetScan` reads each file's footer and plans one split per row group;
 * `readParquetSplit` reads one row group of one file, only the projected columns, through
 * parquet-wasm's async `ParquetFile` API over a file-backed Blob (`fs.openAsBlob`), so only the
 * footer and the needed column chunks are read from disk. Arrow data leaves WebAssembly as an IPC
 * stream and becomes Kindling batches through src/data/arrow.ts.
 *
 * Writing: `writeParquetFile` streams batches into parquet-wasm's `transformParquetStream`, so
 * WebAssembly memory holds about one row group at a time; the output is written as it is produced.
 * Every column is written as nullable (as Spark does).
 *
 * Safety notes on parquet-wasm 0.8.0:
 *  - A row-group index out of range makes the module trap, so indices are validated against the
 *    footer first.
 *  - Any error while decoding data pages in the async reader (a corrupt page, not a corrupt
 *    footer) makes the module trap inside a `queueMicrotask` callback: an uncaught exception that
 *    would end the process, while the read's promise never settles. Reads are therefore
 *    serialised per thread and run under a guard that routes such a trap to the read that caused
 *    it, as a `DataFormatError` (see {@link guarded}). The module stays usable after a trap.
 *  - WebAssembly memory never shrinks: a thread's memory stays at its high-water mark (about the
 *    largest row group it decoded, or encoded, times two or three).
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import nodePath from 'node:path';
import * as A from 'apache-arrow';
import * as pq from 'parquet-wasm/node';
import { BATCH_SIZE, Batch } from '../data/batch.js';
import { batchesToTable, columnFromArrowData, fromArrowType, schemaFromArrow } from '../data/arrow.js';
import { nullColumn } from '../data/column.js';
import { DataFormatError, FileNotFoundError, IllegalArgumentError, KindlingError } from '../errors.js';
import { type Field, Schema } from '../types.js';
import { isHiddenName, listInputFiles } from './files.js';
import { canonicalOptions } from './options.js';
import type { WriteFormat } from './write-format.js';

/** One unit of Parquet reading: one row group of one file. Plain data, serialisable. */
export interface ParquetSplit {
  /** Path of the Parquet file. */
  file: string;
  /** Row-group index in the file. */
  rowGroup: number;
  /** Rows in the row group (from the footer). */
  numRows: number;
}

/** A planned Parquet scan: the common schema of the files and one split per row group. */
export interface ParquetScan {
  /** Schema shared by every file. */
  schema: Schema;
  /** Splits in file order, then row-group order. */
  splits: ParquetSplit[];
}

/** Options of {@link writeParquetFile}. */
export interface ParquetWriteOptions {
  /** Compression codec; default 'snappy' (as Spark). 'lz4' writes the LZ4_RAW codec. */
  compression?: 'snappy' | 'zstd' | 'gzip' | 'uncompressed' | 'lz4' | 'brotli';
  /** Maximum rows per row group; default 1,048,576. Row groups are the unit of read parallelism. */
  rowGroupSize?: number;
}

/** Default maximum rows per written row group (arrow-rs's default). */
export const DEFAULT_ROW_GROUP_SIZE = 1_048_576;

// ---------------------------------------------------------------------------------------------
// Trap guard
// ---------------------------------------------------------------------------------------------

let lockTail: Promise<void> = Promise.resolve();

/**
 * True for a WebAssembly trap (`WebAssembly.RuntimeError`; the namespace is not in this project's
 * TS lib) that comes from parquet-wasm, or from some wasm module when the stack is too deep to show
 * the JS glue frames.
 */
function isParquetWasmTrap(e: unknown): boolean {
  if (!(e instanceof Error) || e.name !== 'RuntimeError') return false;
  const stack = String(e.stack ?? '');
  return stack.includes('parquet_wasm') || stack.includes('wasm://');
}

/**
 * Runs one async parquet-wasm call (`fn`) so that a WebAssembly trap inside it becomes a rejection
 * instead of an uncaught exception and a promise that never settles.
 *
 * parquet-wasm drives its futures with `queueMicrotask`; a trap in such a callback is uncaught.
 * While `fn` runs, `globalThis.queueMicrotask` is wrapped so that callbacks scheduled meanwhile
 * route a parquet-wasm trap to this call (other errors are rethrown unchanged). Calls are
 * serialised per thread, so a trap is attributed to the right call; `fn` must only await
 * parquet-wasm itself (never other Kindling work), so the serialisation cannot deadlock.
 */
async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  const prev = lockTail;
  let release!: () => void;
  lockTail = new Promise<void>((r) => (release = r));
  await prev;
  const original = globalThis.queueMicrotask;
  let onTrap: (e: unknown) => void = () => {};
  const trapped = new Promise<never>((_, reject) => (onTrap = reject));
  const wrapper = (cb: () => void): void => {
    original(() => {
      try {
        cb();
      } catch (e) {
        if (isParquetWasmTrap(e)) onTrap(e);
        else throw e;
      }
    });
  };
  globalThis.queueMicrotask = wrapper;
  try {
    return await Promise.race([fn(), trapped]);
  } finally {
    if (globalThis.queueMicrotask === wrapper) globalThis.queueMicrotask = original;
    release();
  }
}

/** Frees a wasm object, ignoring the error wasm-bindgen raises if a dead (trapped) future still borrows it. */
function safeFree(o: { free(): void }): void {
  try {
    o.free();
  } catch {
    /* leaked after a trap; nothing else to do */
  }
}

function errorText(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/^Parquet argument error: /, '').replace(/^Parquet error: /, '');
}

function corrupt(file: string, e: unknown, what?: string): DataFormatError {
  const detail = isParquetWasmTrap(e)
    ? `the Parquet decoder crashed${what ? ` while reading ${what}` : ''} (${String(e)}); the data pages are corrupt or the row group is too large for the WebAssembly reader`
    : `${what ? `${what}: ` : ''}${errorText(e)}`;
  return notParquet(file, detail, e);
}

/** The error for a file that is not Parquet or is damaged: names it and says what to do. */
function notParquet(file: string, detail: string, cause?: unknown): DataFormatError {
  const fix = /\.parquet$/i.test(file)
    ? 'Write the file again from its source (or restore a good copy), or move it out of the folder being read'
    : `It is not named *.parquet: move it out of the folder, or read only the Parquet files with a glob such as '${nodePath.join(nodePath.dirname(file), '*.parquet')}'`;
  return new DataFormatError(`not a Parquet file or corrupt: ${file}: ${detail}. ${fix}`, file, undefined, cause === undefined ? undefined : { cause });
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

interface OpenedFile {
  file: pq.ParquetFile;
  numRowGroups: number;
  rowGroupRows: number[];
  arrowSchema: A.Schema;
}

/** Opens a Parquet file and reads its footer (metadata and Arrow schema). Caller frees `file`. */
async function openParquet(path: string): Promise<OpenedFile> {
  let blob: Blob;
  try {
    const st = await fsp.stat(path);
    if (st.isDirectory()) throw notParquet(path, 'it is a folder');
    blob = await fs.openAsBlob(path);
  } catch (e) {
    if (e instanceof KindlingError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new FileNotFoundError(path);
    throw new KindlingError(`cannot read '${path}': ${(e as Error).message}`, { cause: e });
  }
  if (blob.size < 12) throw notParquet(path, `${blob.size} bytes is too small for a Parquet file`);
  let file: pq.ParquetFile;
  try {
    file = await guarded(() => pq.ParquetFile.fromFile(blob));
  } catch (e) {
    throw corrupt(path, e, 'footer');
  }
  try {
    const md = file.metadata();
    const numRowGroups = md.numRowGroups();
    const rowGroupRows: number[] = [];
    for (let i = 0; i < numRowGroups; i++) {
      const rg = md.rowGroup(i);
      rowGroupRows.push(rg.numRows());
      rg.free();
    }
    md.free();
    const arrowSchema = A.tableFromIPC(file.schema().intoIPCStream()).schema;
    return { file, numRowGroups, rowGroupRows, arrowSchema };
  } catch (e) {
    safeFree(file);
    throw corrupt(path, e, 'footer');
  }
}

/** Largest file re-read with the synchronous reader to explain a decoder crash. */
const DIAGNOSE_MAX_BYTES = 32 * 1024 * 1024;

/**
 * After the async reader trapped on a row group, re-reads it with the synchronous reader, which
 * reports decoding errors as errors; returns that error (undefined if none or the file is large,
 * since the synchronous reader copies the whole file into WebAssembly memory).
 */
function syncDiagnosis(file: string, rowGroup: number, columns: string[]): Error | undefined {
  try {
    if (fs.statSync(file).size > DIAGNOSE_MAX_BYTES) return undefined;
    const t = pq.readParquet(fs.readFileSync(file), { rowGroups: [rowGroup], columns });
    safeFree(t);
    return undefined;
  } catch (e) {
    return isParquetWasmTrap(e) ? undefined : (e as Error);
  }
}

function kindlingSchemaOf(path: string, s: A.Schema): Schema {
  try {
    return schemaFromArrow(s);
  } catch (e) {
    if (e instanceof KindlingError) throw new KindlingError(`${path}: ${e.message}`, { cause: e });
    throw e;
  }
}

function describeField(f: Field): string {
  return `'${f.name}' ${f.type}`;
}

/** Checks that `next` (from file `nextFile`) matches `base` (from `baseFile`); returns the merged schema. */
function mergeSchemas(base: Schema, baseFile: string, next: Schema, nextFile: string): Schema {
  const n = Math.max(base.length, next.length);
  for (let i = 0; i < n; i++) {
    const a = base.fields[i];
    const b = next.fields[i];
    if (a && b && a.name === b.name && a.type === b.type) continue;
    let what: string;
    if (!a) what = `column ${i} ${describeField(b!)} is only in ${nextFile}`;
    else if (!b) what = `column ${i} ${describeField(a)} is only in ${baseFile}`;
    else if (a.name !== b.name) what = `column ${i} is ${describeField(a)} in ${baseFile} but ${describeField(b)} in ${nextFile}`;
    else what = `column '${a.name}' is ${a.type} in ${baseFile} but ${b.type} in ${nextFile}`;
    throw new DataFormatError(
      `Parquet files have different schemas: ${what}. Read them separately and align the columns (select/cast) before union.\n` +
        `  ${baseFile}: ${base.fields.map(describeField).join(', ')}\n  ${nextFile}: ${next.fields.map(describeField).join(', ')}`,
      nextFile,
    );
  }
  return new Schema(base.fields.map((f, i) => ({ name: f.name, type: f.type, nullable: f.nullable || next.fields[i]!.nullable })));
}

/** True when `p` is a dataset folder written by a job with no data files (only `_SUCCESS` and hidden files). */
function isEmptyDatasetFolder(p: string): boolean {
  let names: string[];
  try {
    if (!fs.statSync(p).isDirectory()) return false;
    names = fs.readdirSync(p);
  } catch {
    return false;
  }
  return names.includes('_SUCCESS') && names.every((n) => isHiddenName(n));
}

/**
 * Plans a scan of Parquet files: resolves `paths` (files, folders or globs, see
 * `listInputFiles`), reads each file's footer and returns the common schema and one split per row
 * group (files with no row groups contribute no split).
 *
 * A dataset folder holding only `_SUCCESS` (a job that wrote no part) is read as empty; if no file
 * is found at all the schema has no columns.
 *
 * @throws FileNotFoundError when a path does not exist.
 * @throws DataFormatError when a file is not Parquet or is corrupt (naming the file), or when two
 *   files' schemas differ (naming both files and the first differing column).
 * @throws KindlingError when a column has a type Kindling does not support.
 */
export async function planParquetScan(paths: string | string[]): Promise<ParquetScan> {
  const list = Array.isArray(paths) ? paths : [paths];
  const live = list.filter((p) => typeof p !== 'string' || !isEmptyDatasetFolder(p));
  const files = live.length === 0 && list.length > 0 ? [] : listInputFiles(live, {});
  let schema: Schema | undefined;
  let schemaFile = '';
  const splits: ParquetSplit[] = [];
  for (const f of files) {
    const opened = await openParquet(f);
    try {
      const s = kindlingSchemaOf(f, opened.arrowSchema);
      if (!schema) {
        schema = s;
        schemaFile = f;
      } else {
        schema = mergeSchemas(schema, schemaFile, s, f);
      }
      opened.rowGroupRows.forEach((numRows, rowGroup) => splits.push({ file: f, rowGroup, numRows }));
    } finally {
      safeFree(opened.file);
    }
  }
  return { schema: schema ?? new Schema([]), splits };
}

/**
 * Reads one split (one row group of one file), yielding batches of up to `BATCH_SIZE` rows with
 * the projected fields of `scan.schema` in the order of `columns` (all fields when omitted).
 * Only the projected column chunks are read and decoded.
 *
 * @param scan   the scan (only its schema is used), so a worker can read from the plain split
 * @param split  the split to read
 * @param columns indices into `scan.schema.fields`
 * @throws IllegalArgumentError when a column index is out of range.
 * @throws FileNotFoundError when the file no longer exists.
 * @throws DataFormatError when the file is corrupt, has fewer row groups than the split names,
 *   or no longer matches the scan's schema.
 */
export async function* readParquetSplit(scan: { schema: Schema }, split: ParquetSplit, columns?: number[]): AsyncGenerator<Batch> {
  const schema = scan.schema;
  const cols = columns ?? schema.fields.map((_, i) => i);
  for (const c of cols) {
    if (!Number.isInteger(c) || c < 0 || c >= schema.length) {
      throw new IllegalArgumentError(
        `column index ${c} is out of range for the Parquet scan of ${split.file}, which has ${schema.length} column(s): ${schema.names.join(', ')}`,
      );
    }
  }
  const outSchema = new Schema(cols.map((c) => schema.fields[c]!));
  const file = split.file;
  if (!Number.isInteger(split.rowGroup) || split.rowGroup < 0) {
    throw new IllegalArgumentError(`invalid row-group index ${split.rowGroup} for ${file}`);
  }
  const opened = await openParquet(file);
  let table: A.Table | undefined;
  try {
    if (split.rowGroup >= opened.numRowGroups) {
      throw new DataFormatError(
        `${file} has ${opened.numRowGroups} row group(s), so row group ${split.rowGroup} does not exist (was the file replaced since the scan was planned?)`,
        file,
      );
    }
    if (cols.length > 0) {
      // Check the projected columns against the file before reading (a file replaced since planning).
      for (const c of new Set(cols)) {
        const f = schema.fields[c]!;
        const af = opened.arrowSchema.fields.find((x) => x.name === f.name);
        const t = af ? safeType(af) : undefined;
        if (!af || t !== f.type) {
          throw new DataFormatError(
            `${file} no longer matches the scan's schema: column '${f.name}' ${af ? `is ${t ?? String(af.type)}` : 'is missing'}, expected ${f.type}; the file changed since the scan was planned`,
            file,
          );
        }
      }
      const names = [...new Set(cols.map((c) => schema.fields[c]!.name))];
      const rowGroup = split.rowGroup;
      let wasmTable: pq.Table;
      try {
        wasmTable = await guarded(() => opened.file.read({ rowGroups: [rowGroup], columns: names, batchSize: BATCH_SIZE }));
      } catch (e) {
        throw corrupt(file, isParquetWasmTrap(e) ? (syncDiagnosis(file, rowGroup, names) ?? e) : e, `row group ${rowGroup}`);
      }
      table = A.tableFromIPC(wasmTable.intoIPCStream());
    }
  } finally {
    safeFree(opened.file);
  }
  if (!table) {
    // No column to decode: only the row count matters (e.g. count()).
    const n = opened.rowGroupRows[split.rowGroup]!;
    for (let start = 0; start < n; start += BATCH_SIZE) yield new Batch(outSchema, [], Math.min(BATCH_SIZE, n - start));
    return;
  }
  const index = new Map<string, number>();
  table.schema.fields.forEach((f, i) => index.set(f.name, i));
  const childOf = outSchema.fields.map((f) => {
    const j = index.get(f.name);
    if (j === undefined) throw new DataFormatError(`${file}: the Parquet reader returned no column '${f.name}'`, file);
    return j;
  });
  for (const rb of table.batches) {
    if (rb.numRows === 0) continue;
    const out = outSchema.fields.map((f, k) => {
      const d = rb.data.children[childOf[k]!]!;
      return f.type === 'null' ? nullColumn('null', rb.numRows) : columnFromArrowData(d, f.type, f.name);
    });
    yield new Batch(outSchema, out, rb.numRows);
  }
}

function safeType(f: A.Field): string | undefined {
  try {
    return fromArrowType(f.type, f.name);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

const COMPRESSIONS: Record<string, pq.Compression> = {
  snappy: pq.Compression.SNAPPY,
  zstd: pq.Compression.ZSTD,
  gzip: pq.Compression.GZIP,
  uncompressed: pq.Compression.UNCOMPRESSED,
  none: pq.Compression.UNCOMPRESSED,
  lz4: pq.Compression.LZ4_RAW,
  brotli: pq.Compression.BROTLI,
};

interface WriteSettings {
  compression: pq.Compression;
  rowGroupSize: number;
}

/** Checks the writer options' names (case-insensitively) and values. */
function writeSettings(given: ParquetWriteOptions): WriteSettings {
  const options = canonicalOptions('Parquet write', given, ['compression', 'rowGroupSize']) as { compression?: unknown; rowGroupSize?: unknown };
  const name = String(options.compression ?? 'snappy').toLowerCase();
  const compression = COMPRESSIONS[name];
  if (compression === undefined) {
    throw new IllegalArgumentError(`unknown Parquet compression '${options.compression}'; use one of snappy, zstd, gzip, lz4, brotli, uncompressed`);
  }
  const rg = options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
  const rowGroupSize = typeof rg === 'string' && rg.trim() !== '' ? Number(rg) : rg;
  if (typeof rowGroupSize !== 'number' || !Number.isInteger(rowGroupSize) || rowGroupSize < 1) {
    throw new IllegalArgumentError(`Parquet write option 'rowGroupSize' must be a positive integer, got ${JSON.stringify(options.rowGroupSize)}`);
  }
  return { compression, rowGroupSize };
}

function writerProperties(s: WriteSettings): pq.WriterProperties {
  return new pq.WriterPropertiesBuilder().setCompression(s.compression).setMaxRowGroupSize(s.rowGroupSize).build();
}

/** Adapts the column set of `b` to the (all-nullable) write schema, checking types. */
function conformBatch(b: Batch, schema: Schema, path: string): Batch {
  if (b.columns.length !== schema.length) {
    throw new IllegalArgumentError(`writing ${path}: a batch has ${b.columns.length} column(s) but the schema has ${schema.length}`);
  }
  const cols = b.columns.map((c, i) => {
    const f = schema.fields[i]!;
    if (c.type === f.type) return c;
    if (c.type === 'null') return nullColumn(f.type, b.numRows);
    throw new IllegalArgumentError(`writing ${path}: column '${f.name}' holds ${c.type} values but the schema says ${f.type}`);
  });
  return new Batch(schema, cols, b.numRows);
}

async function* batchGroups(
  source: Batch[] | AsyncIterable<Batch> | Iterable<Batch>,
  schema: Schema,
  path: string,
): AsyncGenerator<Batch[]> {
  let group: Batch[] = [];
  let rows = 0;
  for await (const b of source as AsyncIterable<Batch>) {
    if (b.numRows === 0) continue;
    group.push(conformBatch(b, schema, path));
    rows += b.numRows;
    if (rows >= BATCH_SIZE) {
      yield group;
      group = [];
      rows = 0;
    }
  }
  if (group.length > 0) yield group;
}

function toIpc(schema: Schema, batches: Batch[]): Uint8Array {
  return A.tableToIPC(batchesToTable(schema, batches), 'stream');
}

/**
 * Writes batches to one Parquet file at `path` (created or replaced), streaming: batches are
 * encoded as they arrive and each finished row group is written out, so memory holds about one
 * row group. With no rows, the file holds only the schema. Every column is written as nullable
 * (as Spark does); a `null`-typed column is written as Arrow's Null type (Parquet INT32 with the
 * UNKNOWN logical type), which Kindling reads back as `null` and other readers as an all-null
 * integer column.
 *
 * If writing fails (including when `batches` throws), the partial file is removed and the error
 * from `batches` (or the writer) propagates.
 *
 * @throws IllegalArgumentError for an unknown compression, a bad rowGroupSize, duplicate column
 *   names (case-insensitive, as Spark) or batches that do not match `schema`.
 */
export async function writeParquetFile(
  path: string,
  schema: Schema,
  batches: Batch[] | AsyncIterable<Batch> | Iterable<Batch>,
  options: ParquetWriteOptions = {},
): Promise<void> {
  const settings = writeSettings(options);
  const seen = new Map<string, string>();
  for (const f of schema.fields) {
    const k = f.name.toLowerCase();
    if (seen.has(k)) throw new IllegalArgumentError(`cannot write ${path}: duplicate column name '${f.name}' (and '${seen.get(k)}'); rename one with withColumnRenamed or alias`);
    seen.set(k, f.name);
  }
  const writeSchema = new Schema(schema.fields.map((f) => ({ name: f.name, type: f.type, nullable: true })));
  const groups = batchGroups(batches, writeSchema, path);
  let sourceError: unknown;
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(path, 'w');
    const first = await groups.next();
    if (first.done) {
      // transformParquetStream cannot write an empty stream; write the schema-only file directly.
      const empty = pq.Table.fromIPCStream(toIpc(writeSchema, []));
      const bytes = pq.writeParquet(empty, writerProperties(settings));
      await handle.write(bytes);
    } else {
      let pending: Batch[] | undefined = first.value;
      const source = new ReadableStream<pq.RecordBatch>(
        {
          async pull(controller) {
            let group: Batch[] | undefined = pending;
            pending = undefined;
            if (!group) {
              try {
                const r = await groups.next();
                group = r.done ? undefined : r.value;
              } catch (e) {
                sourceError = e;
                throw e;
              }
            }
            if (!group) {
              controller.close();
              return;
            }
            const t = pq.Table.fromIPCStream(toIpc(writeSchema, group));
            try {
              for (const rb of t.recordBatches()) controller.enqueue(rb);
            } finally {
              t.free();
            }
          },
          async cancel() {
            await groups.return(undefined);
          },
        },
        { highWaterMark: 0 },
      );
      const out = await pq.transformParquetStream(source, writerProperties(settings));
      for await (const chunk of out as unknown as AsyncIterable<Uint8Array>) await handle.write(chunk);
      // parquet-wasm ends its output normally when the input stream errors: never keep that file.
      if (sourceError !== undefined) throw sourceError;
    }
    await handle.close();
    handle = undefined;
  } catch (e) {
    if (handle) await handle.close().catch(() => {});
    await fsp.rm(path, { force: true }).catch(() => {});
    await groups.return(undefined).catch(() => {});
    if (sourceError !== undefined) throw sourceError;
    if (e instanceof KindlingError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new KindlingError(`cannot write Parquet file '${path}': ${(e as Error).message}`, { cause: e });
    throw new KindlingError(`writing Parquet file '${path}' failed: ${errorText(e)}`, { cause: e });
  }
}

/** `df.write.parquet()` / `format('parquet')`: one Parquet file per part, named by its compression as Spark does. */
export const parquetWriteFormat: WriteFormat<ParquetWriteOptions> = {
  name: 'parquet',
  extension: (o) => {
    const codec = o.compression && o.compression !== 'uncompressed' ? o.compression : o.compression === 'uncompressed' ? '' : 'snappy';
    return codec ? `${codec}.parquet` : 'parquet';
  },
  writePart: (file, schema, batches, options) => writeParquetFile(file, schema, batches, options),
  check: (_schema, options) => void writeSettings(options),
};

/**
 * Input formats of `spark.read`: each format opens a path (file, folder or glob) with the
 * reader's options as a `DataSource`; `spark.read.format(name).load(path)`, `.csv()` and
 * `.parquet()` dispatch through this registry. A format lives next to its source
 * (file-sources.ts) and is registered in {@link registerBuiltinReadFormats}; a source that
 * should also run in workers registers a source codec too (src/exec/codecs.ts).
 */
import { KindRegistry, once } from '../kind-registry.js';
import type { Schema } from '../types.js';
import { csvReadFormat, parquetReadFormat } from './file-sources.js';
import { jsonReadFormat } from './json.js';
import type { DataSource } from './source.js';
import { formatNamed } from './write-format.js';

/** What a format may use besides the path and the user's options. */
export interface ReadContext {
  /** The session's split size for splittable files (`maxPartitionBytes`). */
  readonly maxPartitionBytes: number;
  /** The session's thread count (a lower bound for the number of splits). */
  readonly threads: number;
  /** `kindling.dictionary.enabled`: readers may dictionary-encode low-cardinality strings (absent: true). */
  readonly dictionary?: boolean;
}

/** One input format. Options arrive as the user set them (`option('header', 'true')` gives a string). */
export interface ReadFormat {
  /** Name given to `spark.read.format()` (lower case). */
  readonly name: string;
  /** Opens `path` as a source; `schema` is the reader's `.schema(...)`, if set. */
  open(path: string | string[], options: Record<string, unknown>, schema: Schema | string | undefined, ctx: ReadContext): DataSource | Promise<DataSource>;
}

/** The registered read formats, by name. */
export const readFormats = new KindRegistry<ReadFormat>('kindling.readFormats', (f) => f.name);

/** Registers an input format (again for the same name: replaces it). */
export function registerReadFormat(format: ReadFormat): void {
  readFormats.register(format);
}

/**
 * The format registered as `name` (case-insensitive).
 * @throws IllegalArgumentError naming the registered formats.
 */
export function readFormat(name: string): ReadFormat {
  registerBuiltinReadFormats();
  return formatNamed(readFormats, name, 'input');
}

/** Registers the built-in formats, csv and parquet, once (their order is the one error messages list). */
export const registerBuiltinReadFormats: () => void = once(() => {
  registerReadFormat(csvReadFormat);
  registerReadFormat(parquetReadFormat);
  registerReadFormat(jsonReadFormat);
});

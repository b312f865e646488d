/**
 * Output formats of `df.write`: each format writes one part file of a dataset and names its
 * extension; `df.write.format(name)`, `.csv()` and `.parquet()` dispatch through this registry.
 * A format lives next to its writer (csv-write.ts, parquet.ts) and is registered in
 * {@link registerBuiltinWriteFormats}; the dataset protocol (modes, atomic publish) is
 * dataset-writer.ts's.
 */
import type { Batch } from '../data/batch.js';
import { IllegalArgumentError } from '../errors.js';
import { KindRegistry, once } from '../kind-registry.js';
import type { Schema } from '../types.js';
import { csvWriteFormat } from './csv-write.js';
import { jsonWriteFormat } from './json-write.js';
import { parquetWriteFormat } from './parquet.js';

/** One output format. `O` is its options object (the writer's options as set by the user). */
export interface WriteFormat<O = Record<string, unknown>> {
  /** Name given to `df.write.format()` (lower case). */
  readonly name: string;
  /** Part file extension for these options, without a leading dot (e.g. 'csv', 'snappy.parquet'). */
  extension(options: O): string;
  /** Writes the batches (columns in `schema` order; possibly none) as one part file at `file`. */
  writePart(file: string, schema: Schema, batches: readonly Batch[], options: O): void | Promise<void>;
  /**
   * Checks the options (names and values) and the schema's column types before the job runs, so
   * that nothing is computed or written for a write that cannot succeed. Throws a KindlingError
   * naming the option or column.
   */
  check?(schema: Schema, options: O): void;
}

/** The registered write formats, by name. */
export const writeFormats = new KindRegistry<WriteFormat>('kindling.writeFormats', (f) => f.name);

/** Registers an output format (again for the same name: replaces it). */
export function registerWriteFormat<O>(format: WriteFormat<O>): void {
  writeFormats.register(format as unknown as WriteFormat);
}

/**
 * The format registered as `name` (case-insensitive).
 * @throws IllegalArgumentError naming the registered formats.
 */
export function writeFormat(name: string): WriteFormat {
  return formatNamed(writeFormats, name, 'output');
}

/** The entry of `registry` named `name` (case-insensitive), or an error listing the known names. */
export function formatNamed<F extends object>(registry: KindRegistry<F>, name: string, direction: 'input' | 'output'): F {
  const f = registry.get(name.toLowerCase());
  if (f) return f;
  const names = registry.names().map((n) => `'${n}'`);
  const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : names.join('');
  throw new IllegalArgumentError(`unsupported ${direction} format '${name}'; use ${list}`);
}

/** Registers the built-in formats, csv and parquet, once (their order is the one error messages list). */
export const registerBuiltinWriteFormats: () => void = once(() => {
  registerWriteFormat(csvWriteFormat);
  registerWriteFormat(parquetWriteFormat);
  registerWriteFormat(jsonWriteFormat);
});

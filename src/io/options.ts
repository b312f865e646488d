/**
 * Option checking shared by the file formats' readers and writers: option names are matched
 * case-insensitively against the format's known names (an unknown name fails with "did you
 * mean"), and boolean flags accept only true / false (also as strings), with Spark's wording.
 */
import { IllegalArgumentError, didYouMean } from '../errors.js';

/** CSV options that only the reader uses (Spark's names). */
export const CSV_READ_ONLY_OPTION_NAMES = [
  'inferSchema', 'schema', 'mode', 'comment', 'multiLine', 'ignoreLeadingWhiteSpace', 'ignoreTrailingWhiteSpace',
  'samplingRatio', 'maxPartitionBytes', 'encoding', 'enforceSchema',
] as const;
/** CSV options that only the writer uses. */
export const CSV_WRITE_ONLY_OPTION_NAMES = ['quoteAll'] as const;
/**
 * Every CSV option name Kindling knows. As in Spark, whose CSV options are one set, a reader
 * accepts (and ignores) the writer's options and the reader's options are accepted by the writer;
 * any other name is an error.
 */
export const CSV_OPTION_NAMES: readonly string[] = [
  'header', 'sep', 'delimiter', 'quote', 'escape', 'nullValue', 'emptyValue', 'dateFormat', 'timestampFormat',
  ...CSV_READ_ONLY_OPTION_NAMES, ...CSV_WRITE_ONLY_OPTION_NAMES,
];

/**
 * Renames the keys of `options` to their canonical spelling in `known` (case-insensitively;
 * `aliases` maps lower-case alternative names to canonical ones) and drops undefined values.
 * @param what e.g. "CSV read", used in the error message.
 * @throws IllegalArgumentError naming an unknown option, with the closest known names.
 */
export function canonicalOptions(what: string, options: object, known: readonly string[], aliases: Readonly<Record<string, string>> = {}): Record<string, unknown> {
  const byLower = new Map<string, string>(known.map((n) => [n.toLowerCase(), n]));
  for (const [k, v] of Object.entries(aliases)) byLower.set(k, v);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined) continue;
    const canon = byLower.get(k.toLowerCase());
    if (canon === undefined) {
      const list = known.length ? `; supported: ${known.join(', ')}` : `; it takes no options`;
      throw new IllegalArgumentError(`unknown ${what} option '${k}'${didYouMean(k, [...known, ...Object.keys(aliases)])}${list}`);
    }
    out[canon] = v;
  }
  return out;
}

/**
 * A boolean flag: a boolean, or the string "true" / "false" (any case). Anything else fails with
 * Spark's wording, "<name> flag can be true or false", naming the value.
 * @throws IllegalArgumentError naming the option and the value given.
 */
export function flagOption(what: string, name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const l = v.trim().toLowerCase();
    if (l === 'true') return true;
    if (l === 'false') return false;
  }
  throw new IllegalArgumentError(`${name} flag can be true or false, got ${JSON.stringify(v)} (${what} option '${name}')`);
}

/**
 * A numeric option: a number, or a string holding one (as `.option('samplingRatio', '0.5')`
 * passes it); `dflt` when unset.
 * @param what e.g. "CSV", used in the error message.
 * @throws IllegalArgumentError naming the option and the value given.
 */
export function numberOption(what: string, name: string, v: unknown, dflt: number): number {
  if (v === undefined || v === null) return dflt;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.trim()) : NaN;
  if (!Number.isFinite(n)) throw new IllegalArgumentError(`${what} option '${name}' must be a number, got ${JSON.stringify(v)}`);
  return n;
}

/**
 * Kindling's error hierarchy: every error the engine raises on purpose is a `KindlingError`,
 * with a subclass per kind so callers can `instanceof`-check, and a message that names the
 * file / line / column / expression involved and suggests a fix where one is likely.
 */

/** Base class of every error Kindling raises on purpose. */
export class KindlingError extends Error {
  override name = 'KindlingError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A column, table or function name that does not resolve (with "did you mean" suggestions). */
export class AnalysisError extends KindlingError {
  override name = 'AnalysisError';
}

/** An expression applied to types it does not accept. */
export class TypeMismatchError extends AnalysisError {
  override name = 'TypeMismatchError';
}

/** A file or folder that does not exist or cannot be read. */
export class FileNotFoundError extends KindlingError {
  override name = 'FileNotFoundError';
  constructor(readonly path: string, message?: string) {
    super(message ?? `path does not exist: ${path}`);
  }
}

/** Malformed input data (a CSV row under FAILFAST, a corrupt Parquet file). */
export class DataFormatError extends KindlingError {
  override name = 'DataFormatError';
  constructor(message: string, readonly file?: string, readonly line?: number, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A write that cannot proceed (e.g. mode 'error' and the target exists). */
export class WriteError extends KindlingError {
  override name = 'WriteError';
}

/** Integer overflow beyond the exact range (int32 arithmetic, int64 beyond ±2^53), or a failed strict cast. */
export class ArithmeticOverflowError extends KindlingError {
  override name = 'ArithmeticOverflowError';
}

/** An invalid argument to a public API call. */
export class IllegalArgumentError extends KindlingError {
  override name = 'IllegalArgumentError';
}

/** A SQL text that does not parse (line, column and caret in the message). */
export class ParseError extends KindlingError {
  override name = 'ParseError';
  constructor(message: string, readonly line?: number, readonly column?: number) {
    super(message);
  }
}

/** A failure while executing a job (wraps the original error with stage/partition context). */
export class ExecutionError extends KindlingError {
  override name = 'ExecutionError';
}

/** A user-defined function failed or returned a wrong result (names the UDF and the row). */
export class UdfError extends ExecutionError { override name = 'UdfError'; }

/** A job's result outgrew the session's `maxResultSize` (like Spark's spark.driver.maxResultSize). */
export class ResultTooLargeError extends ExecutionError {
  override name = 'ResultTooLargeError';
}

/** Levenshtein distance, used for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev = new Array<number>(n + 1);
  let cur = new Array<number>(n + 1);
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[n]!;
}

/** Up to 3 candidates closest to `name` (case-insensitive), nearest first. */
export function suggest(name: string, candidates: readonly string[]): string[] {
  const lower = name.toLowerCase();
  const scored = candidates
    .map((c) => ({ c, d: editDistance(lower, c.toLowerCase()) }))
    .filter(({ c, d }) => d <= Math.max(2, Math.floor(c.length / 3)))
    .sort((x, y) => x.d - y.d);
  return [...new Set(scored.map((s) => s.c))].slice(0, 3);
}

/** " (did you mean 'x'?)" or "" when nothing is close. */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const s = suggest(name, candidates);
  if (s.length === 0) return '';
  return ` (did you mean ${s.map((x) => `'${x}'`).join(' or ')}?)`;
}

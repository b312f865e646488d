/**
 * Argument checks at the public API boundary (DataFrame, Column, `F.*`, Session): one place that
 * says what a method got and what it expects, as PySpark's `[NOT_COLUMN_OR_STR] Argument `col`
 * should be a Column or str, got int` does. Every check throws an `IllegalArgumentError` naming
 * the method, the argument (1-based position or option name), the value it got and the
 * expected kind. Checks run once per call on the arguments, never per row.
 */
import { IllegalArgumentError, didYouMean } from './errors.js';

/** Which argument of which method: `'select()'` and a 1-based position or a parameter name. */
export type ArgPos = number | string;

/** A short description of a JS value for messages: `number 123`, `string '2'`, `undefined`, `object {}`, `Column<'x'>`. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  switch (typeof v) {
    case 'string': return `string '${v.length > 40 ? v.slice(0, 37) + '...' : v}'`;
    case 'number': case 'boolean': return `${typeof v} ${String(v)}`;
    case 'bigint': return `bigint ${v}n`;
    case 'function': return `function ${v.name || '(anonymous)'}`;
    case 'symbol': return String(v);
  }
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : `Date ${v.toISOString()}`;
  if (Array.isArray(v)) return `array of length ${v.length}`;
  const ctor = (v as object).constructor;
  if (ctor && ctor !== Object) {
    const s = String(v);
    return s.startsWith('[object') ? `${ctor.name} object` : s;
  }
  let json: string;
  try {
    json = JSON.stringify(v);
  } catch {
    json = '{...}';
  }
  return `object ${json.length > 40 ? json.slice(0, 37) + '...' : json}`;
}

function label(method: string, arg: ArgPos): string {
  return `${method}: argument ${arg}`;
}

/** The error for argument `arg` of `method` that should be `expected` but is `got`. */
export function argError(method: string, arg: ArgPos, expected: string, got: unknown, hint = ''): IllegalArgumentError {
  return new IllegalArgumentError(`${label(method, arg)} should be ${expected}, got ${describeValue(got)}${hint}`);
}

/** A string argument. */
export function expectString(v: unknown, method: string, arg: ArgPos, expected = 'a string'): string {
  if (typeof v !== 'string') throw argError(method, arg, expected, v);
  return v;
}

/** A non-empty string argument (a column, view or alias name). */
export function expectName(v: unknown, method: string, arg: ArgPos, what = 'name'): string {
  if (typeof v !== 'string' || v.length === 0) throw argError(method, arg, `a non-empty string (the ${what})`, v);
  return v;
}

/** A boolean argument. */
export function expectBoolean(v: unknown, method: string, arg: ArgPos): boolean {
  if (typeof v !== 'boolean') throw argError(method, arg, 'true or false', v);
  return v;
}

/** A finite number argument. */
export function expectNumber(v: unknown, method: string, arg: ArgPos): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw argError(method, arg, 'a finite number', v);
  return v;
}

/** An integer argument (a safe integer, at least `min` when given). */
export function expectInteger(v: unknown, method: string, arg: ArgPos, min?: number): number {
  const ok = typeof v === 'number' && Number.isSafeInteger(v) && (min === undefined || v >= min);
  if (!ok) {
    const what = min === 0 ? 'a non-negative integer' : min === 1 ? 'a positive integer' : min !== undefined ? `an integer ≥ ${min}` : 'an integer';
    const hint = typeof v === 'string' && v.trim() !== '' && Number.isInteger(Number(v)) ? ` (pass the number ${Number(v)}, not a string)` : '';
    throw argError(method, arg, what, v, hint);
  }
  return v as number;
}

/** One of a fixed set of strings (case-insensitive), with a "did you mean". */
export function expectOneOf<T extends string>(v: unknown, method: string, arg: ArgPos, choices: readonly T[]): T {
  const hit = typeof v === 'string' ? choices.find((c) => c.toLowerCase() === v.toLowerCase()) : undefined;
  if (hit === undefined) {
    const hint = typeof v === 'string' ? didYouMean(v, choices) : '';
    throw argError(method, arg, `one of ${choices.map((c) => `'${c}'`).join(', ')}`, v, hint);
  }
  return hit;
}

/** An array argument whose elements pass `each` (positions in messages are `arg[i]`). */
export function expectArray<T>(v: unknown, method: string, arg: ArgPos, expected: string, each: (x: unknown, at: string) => T): T[] {
  if (!Array.isArray(v)) throw argError(method, arg, expected, v);
  return v.map((x, i) => each(x, `${arg}[${i}]`));
}

/** A plain object argument (`{ name: value }`), e.g. `withColumns({...})`. */
export function expectRecord(v: unknown, method: string, arg: ArgPos, expected: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Date) throw argError(method, arg, expected, v);
  return v as Record<string, unknown>;
}

/** An instance of `cls` (a DataFrame, a WindowSpec, ...). */
export function expectInstance<T>(v: unknown, cls: abstract new (...args: never[]) => T, method: string, arg: ArgPos, expected: string): T {
  if (!(v instanceof cls)) throw argError(method, arg, expected, v);
  return v;
}

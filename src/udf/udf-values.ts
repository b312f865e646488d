/**
 * What a UDF returns, checked and turned into a column of its declared type: JS values from a
 * scalar UDF (ResultWriter), and a Vector, typed array or array from a vectorized one
 * (resultColumn). A value of the wrong kind is an error naming the expected and actual type
 * (Spark silently makes it null; `onError: 'null'` does that here), never a silent coercion,
 * except integer → double and Date → date/timestamp.
 */
import * as A from 'apache-arrow';
import { columnFromArrowData, fromArrowType } from '../data/arrow.js';
import { fromValues } from '../data/batch.js';
import { ColumnData, type FixedArray, allocValues, concatColumns, normalizeValidity, utf8FromStrings } from '../data/column.js';
import { type DataType, MAX_EXACT_INT, MILLIS_PER_DAY, isList, isNested, sparkSimpleName } from '../types.js';

/** A short rendering of a value for messages. */
export function showValue(v: unknown): string {
  let s: string;
  if (v instanceof Date) s = Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
  else if (typeof v === 'bigint') s = `${v}n`;
  else if (v === undefined) s = 'undefined';
  else if (typeof v === 'function') s = 'a function';
  else {
    try {
      s = JSON.stringify(v) ?? String(v);
    } catch {
      s = String(v);
    }
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function kindOf(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'a Date';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a number';
  return `a ${typeof v}`;
}

/** Collects a scalar UDF's results into a column of `type`; `set` returns an error message for a wrong value. */
export class ResultWriter {
  private readonly fixed: FixedArray | null;
  private readonly objects: unknown[] | null;
  private readonly validity: Uint8Array;
  constructor(readonly type: DataType, readonly n: number) {
    const generic = type === 'utf8' || type === 'null' || isNested(type);
    this.fixed = generic ? null : allocValues(type, n);
    this.objects = generic ? new Array<unknown>(n).fill(null) : null;
    this.validity = new Uint8Array(n);
  }

  /** Stores row `i`'s result (null/undefined: null); returns null, or what is wrong with `v`. */
  set(i: number, v: unknown): string | null {
    if (v === null || v === undefined) return null;
    const t = this.type;
    const expected = (what: string) => `expected ${what} for the return type ${sparkSimpleName(t)}, got ${kindOf(v)} (${showValue(v)})`;
    let x: number;
    switch (t) {
      case 'float64':
        if (typeof v === 'number') x = v;
        else if (typeof v === 'bigint') x = Number(v);
        else return expected('a number');
        break;
      case 'int32':
        if (typeof v !== 'number' || !Number.isInteger(v) || v < -2147483648 || v > 2147483647) return expected('an integer in the int range');
        x = v;
        break;
      case 'int64':
        if (typeof v === 'bigint' && v >= -MAX_EXACT_INT && v <= MAX_EXACT_INT) x = Number(v);
        else if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= MAX_EXACT_INT) x = v;
        else return expected('an integer (exact within ±2^53)');
        break;
      case 'boolean':
        if (typeof v !== 'boolean') return expected('a boolean');
        x = v ? 1 : 0;
        break;
      case 'date32':
      case 'timestamp': {
        if (!(v instanceof Date) || Number.isNaN(v.getTime())) return expected('a valid Date');
        const ms = v.getTime();
        x = t === 'date32' ? Math.floor(ms / MILLIS_PER_DAY) : ms * 1000;
        break;
      }
      case 'utf8':
        if (typeof v !== 'string') return expected('a string');
        this.objects![i] = v;
        this.validity[i] = 1;
        return null;
      case 'null':
        return expected('null');
      default:
        if (isList(t) && !Array.isArray(v)) return expected('an array');
        if (!isList(t) && (typeof v !== 'object' || Array.isArray(v))) return expected(t.startsWith('map<') ? 'a Map' : 'an object');
        this.objects![i] = v;
        this.validity[i] = 1;
        return null;
    }
    this.fixed![i] = x;
    this.validity[i] = 1;
    return null;
  }

  finish(): ColumnData {
    const t = this.type;
    if (t === 'null') return new ColumnData('null', this.n, null, null);
    if (t === 'utf8') return utf8FromStrings(this.objects as (string | null)[]);
    if (isNested(t)) return fromValues(t, this.objects!);
    return new ColumnData(t, this.n, this.fixed, normalizeValidity(this.validity, this.n));
  }
}

/** A problem with a vectorized UDF's result: at a row, or with the whole result (row null). */
export interface ResultProblem { readonly row: number | null; readonly message: string }

/** Types a result Vector may have for a return type: its own, or an exact numeric widening. */
function fitsReturnType(actual: DataType, expected: DataType): boolean {
  return actual === expected || (expected === 'float64' && (actual === 'int32' || actual === 'int64')) || (expected === 'int64' && actual === 'int32');
}

/**
 * A vectorized UDF's result (`res`) as a column of `type` with `n` rows. `res` null stands for
 * all nulls. With `lenient`, wrong values become null; otherwise the first one is the problem.
 */
export function resultColumn(type: DataType, res: unknown, n: number, lenient: boolean): { column: ColumnData; error: ResultProblem | null } {
  const nulls = () => new ResultWriter(type, n).finish();
  if (res === null) return { column: nulls(), error: null };
  const lengthOf = (len: number, what: string): ResultProblem | null =>
    len === n ? null : { row: null, message: `returned ${what} of length ${len}, expected ${n} (one value per input row)` };
  if (res instanceof A.Vector) {
    const bad = lengthOf(res.length, 'a Vector');
    if (bad) return { column: nulls(), error: bad };
    const actual = fromArrowType(res.type, 'the result');
    if (!fitsReturnType(actual, type)) {
      return { column: nulls(), error: { row: null, message: `returned a Vector of ${String(res.type)} (${sparkSimpleName(actual)}) but the return type is ${sparkSimpleName(type)}; cast the result or change the return type` } };
    }
    return { column: concatColumns(type, res.data.map((d) => columnFromArrowData(d, type, 'the result'))), error: null };
  }
  if (ArrayBuffer.isView(res) && !(res instanceof DataView)) {
    const arr = res as unknown as ArrayLike<unknown>;
    const bad = lengthOf(arr.length, `a ${res.constructor.name}`);
    if (bad) return { column: nulls(), error: bad };
    if (type === 'float64' && res instanceof Float64Array) return { column: new ColumnData('float64', n, res, null), error: null };
    if ((type === 'int32' || type === 'date32') && res instanceof Int32Array) return { column: new ColumnData(type, n, res, null), error: null };
    return fromArray(type, arr, n, lenient);
  }
  if (Array.isArray(res)) {
    const bad = lengthOf(res.length, 'an array');
    if (bad) return { column: nulls(), error: bad };
    return fromArray(type, res, n, lenient);
  }
  return { column: nulls(), error: { row: null, message: `returned ${kindOf(res)}; a vectorized UDF returns an apache-arrow Vector, a typed array or an array of ${n} values of type ${sparkSimpleName(type)}` } };
}

function fromArray(type: DataType, arr: ArrayLike<unknown>, n: number, lenient: boolean): { column: ColumnData; error: ResultProblem | null } {
  const w = new ResultWriter(type, n);
  for (let i = 0; i < n; i++) {
    const bad = w.set(i, arr[i]);
    if (bad !== null && !lenient) return { column: w.finish(), error: { row: i, message: bad } };
  }
  return { column: w.finish(), error: null };
}

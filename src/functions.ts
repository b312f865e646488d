/**
 * The public function library `F` (PySpark's `pyspark.sql.functions`): typed builders over the
 * shared function registry. Every builder creates a call by registry name, so SQL and the API run
 * the same functions. `F.call(name, ...args)` reaches any registered function.
 */
import { Column, type ColumnOrName, type ColumnOrValue, col, lit, nameOrColumn, toExpr, when } from './column.js';
import type { Expr } from './expr/expr.js';
import { exprFromSql } from './sql/planner.js';

type C = ColumnOrName;

function c(x: C): Expr {
  return nameOrColumn(x);
}
function v(x: ColumnOrValue): Expr {
  return toExpr(x);
}
function call(fn: string, ...args: Expr[]): Column {
  return new Column({ kind: 'call', fn, args });
}
function agg(fn: string, args: Expr[], distinct = false): Column {
  return new Column({ kind: 'agg', fn, args, distinct });
}

/** A Column from a SQL expression string: `F.expr('a + 1')`, `F.expr('sum(x) AS total')`, `F.expr("CASE WHEN a > 0 THEN 'pos' END")`. */
export function expr(sql: string): Column {
  return new Column(exprFromSql(sql));
}

/** Calls any registered scalar function by name. */
export function callFunction(name: string, ...args: ColumnOrValue[]): Column {
  return call(name, ...args.map(v));
}

// ---- aggregates
/** Number of rows (`count('*')`) or of non-null values of a column. */
export function count(x: C): Column {
  if (x === '*' || (x instanceof Column && x.expr.kind === 'star')) return agg('count', []);
  return agg('count', [c(x)]);
}
/** Number of distinct non-null values (of one column, or of a combination of columns). */
export function countDistinct(x: C, ...more: C[]): Column {
  return agg('count', [c(x), ...more.map(c)], true);
}
/** Alias of countDistinct. */
export const count_distinct = countDistinct;
/** Exact median of non-null values. */
export function median(x: C): Column { return agg('median', [c(x)]); }
/** Pearson correlation of two columns. */
export function corr(x: C, y: C): Column { return agg('corr', [c(x), c(y)]); }
/** Sample covariance. */
export function covar_samp(x: C, y: C): Column { return agg('covar_samp', [c(x), c(y)]); }
/** Population covariance. */
export function covar_pop(x: C, y: C): Column { return agg('covar_pop', [c(x), c(y)]); }
/** The non-null values of each group as an array. */
export function collect_list(x: C): Column { return agg('collect_list', [c(x)]); }
/** The distinct non-null values of each group as an array. */
export function collect_set(x: C): Column { return agg('collect_set', [c(x)]); }
/** Sum of non-null values. */
export function sum(x: C): Column { return agg('sum', [c(x)]); }
/** Sum of distinct non-null values. */
export function sumDistinct(x: C): Column { return agg('sum', [c(x)], true); }
/** Mean of non-null values. */
export function avg(x: C): Column { return agg('avg', [c(x)]); }
/** Alias of avg. */
export const mean = avg;
/** Smallest value. */
export function min(x: C): Column { return agg('min', [c(x)]); }
/** Largest value. */
export function max(x: C): Column { return agg('max', [c(x)]); }
/** Sample standard deviation. */
export function stddev(x: C): Column { return agg('stddev', [c(x)]); }
/** Sample standard deviation. */
export function stddev_samp(x: C): Column { return agg('stddev', [c(x)]); }
/** Population standard deviation. */
export function stddev_pop(x: C): Column { return agg('stddev_pop', [c(x)]); }
/** Sample variance. */
export function variance(x: C): Column { return agg('variance', [c(x)]); }
/** Sample variance. */
export function var_samp(x: C): Column { return agg('variance', [c(x)]); }
/** Population variance. */
export function var_pop(x: C): Column { return agg('var_pop', [c(x)]); }
/** First value in each group (`ignorenulls` skips nulls). */
export function first(x: C, ignorenulls = false): Column {
  return agg('first', ignorenulls ? [c(x), v(true)] : [c(x)]);
}
/** Last value in each group (`ignorenulls` skips nulls). */
export function last(x: C, ignorenulls = false): Column {
  return agg('last', ignorenulls ? [c(x), v(true)] : [c(x)]);
}

// ---- window functions (use with .over(Window...))
/** Sequential number of the row within its window partition, from 1 (window function: needs `.over(window)` with an orderBy). */
export function row_number(): Column { return call('row_number'); }
/** Rank with gaps after ties: 1, 1, 3 (window function). */
export function rank(): Column { return call('rank'); }
/** Rank without gaps after ties: 1, 1, 2 (window function). */
export function dense_rank(): Column { return call('dense_rank'); }
/** (rank - 1) / (partition rows - 1), a double in [0, 1] (window function). */
export function percent_rank(): Column { return call('percent_rank'); }
/** Fraction of partition rows ordered at or before the current row, ties included (window function). */
export function cume_dist(): Column { return call('cume_dist'); }
/** Bucket number 1..n after splitting each ordered partition into `n` nearly equal buckets (window function). */
export function ntile(n: number): Column { return call('ntile', v(n)); }
/** `x` from `offset` rows before the current row in its partition, else `defaultValue` (window function). */
export function lag(x: C, offset = 1, defaultValue: ColumnOrValue = null): Column {
  return defaultValue === null ? call('lag', c(x), v(offset)) : call('lag', c(x), v(offset), v(defaultValue));
}
/** `x` from `offset` rows after the current row in its partition, else `defaultValue` (window function). */
export function lead(x: C, offset = 1, defaultValue: ColumnOrValue = null): Column {
  return defaultValue === null ? call('lead', c(x), v(offset)) : call('lead', c(x), v(offset), v(defaultValue));
}
/** `x` at the `n`-th row (1-based) of the window frame, optionally skipping nulls (window function). */
export function nth_value(x: C, n: number, ignoreNulls = false): Column {
  return ignoreNulls ? call('nth_value', c(x), v(n), v(true)) : call('nth_value', c(x), v(n));
}
/** First value (of the window frame when used with `.over()`, else of the group); `ignoreNulls` skips nulls. */
export function first_value(x: C, ignoreNulls = false): Column { return first(x, ignoreNulls); }
/** Last value (of the window frame when used with `.over()`, else of the group); `ignoreNulls` skips nulls. */
export function last_value(x: C, ignoreNulls = false): Column { return last(x, ignoreNulls); }

// ---- conditional
export { when, lit, col };
/** First non-null argument. */
export function coalesce(...xs: C[]): Column { return call('coalesce', ...xs.map(c)); }
/** Null if a = b, else a. */
export function nullif(a: ColumnOrValue, b: ColumnOrValue): Column { return call('nullif', v(a), v(b)); }
/** Largest non-null argument. */
export function greatest(...xs: C[]): Column { return call('greatest', ...xs.map(c)); }
/** Smallest non-null argument. */
export function least(...xs: C[]): Column { return call('least', ...xs.map(c)); }
/** True where the value is null. */
export function isnull(x: C): Column { return call('isnull', c(x)); }
/** True where the value is NaN. */
export function isnan(x: C): Column { return call('isnan', c(x)); }
/** b when a is null, else a. */
export function nvl(a: C, b: ColumnOrValue): Column { return call('nvl', c(a), v(b)); }
/** Alias of nvl. */
export const ifnull = nvl;

// ---- strings
/** Upper-case. */
export function upper(x: C): Column { return call('upper', c(x)); }
/** Lower-case. */
export function lower(x: C): Column { return call('lower', c(x)); }
/** Number of characters. */
export function length(x: C): Column { return call('length', c(x)); }
/** Strips spaces on both ends. */
export function trim(x: C): Column { return call('trim', c(x)); }
/** Strips leading spaces. */
export function ltrim(x: C): Column { return call('ltrim', c(x)); }
/** Strips trailing spaces. */
export function rtrim(x: C): Column { return call('rtrim', c(x)); }
/** Substring from 1-based `pos` (negative counts from the end) of `len` characters. */
export function substring(x: C, pos: number, len?: number): Column {
  return len === undefined ? call('substring', c(x), v(pos)) : call('substring', c(x), v(pos), v(len));
}
/** Concatenation (null if any argument is null). */
export function concat(...xs: C[]): Column { return call('concat', ...xs.map(c)); }
/** Concatenation with a separator, skipping nulls. */
export function concat_ws(sep: string, ...xs: C[]): Column { return call('concat_ws', v(sep), ...xs.map(c)); }
/** The `partNum`-th (1-based) part of the string split by `delimiter`. */
export function split_part(x: C, delimiter: ColumnOrValue, partNum: ColumnOrValue): Column {
  return call('split_part', c(x), v(delimiter), v(partNum));
}
/** Splits around matches of a regex into an array (`limit` > 0: at most that many parts). */
export function split(x: C, pattern: string, limit = -1): Column { return call('split', c(x), v(pattern), v(limit)); }
/** An array of the arguments. */
export function array(...xs: C[]): Column { return call('array', ...xs.map(c)); }
/** Number of elements of an array (-1 for null). */
export function size(x: C): Column { return call('size', c(x)); }
/** True if the array contains `value`. */
export function array_contains(x: C, value: ColumnOrValue): Column { return call('array_contains', c(x), v(value)); }
/** 1-based element of an array (negative from the end). */
export function element_at(x: C, index: number | Column): Column { return call('element_at', c(x), v(index)); }
/** Joins array elements into a string. */
export function array_join(x: C, sep: string, nullReplacement?: string): Column {
  return nullReplacement === undefined ? call('array_join', c(x), v(sep)) : call('array_join', c(x), v(sep), v(nullReplacement));
}
/** Sorted copy of an array. */
export function sort_array(x: C, asc = true): Column { return call('sort_array', c(x), v(asc)); }
/** Array without duplicates. */
export function array_distinct(x: C): Column { return call('array_distinct', c(x)); }
/** Replaces every match of a regex. */
export function regexp_replace(x: C, pattern: string | Column, replacement: string | Column): Column {
  return call('regexp_replace', c(x), v(pattern), v(replacement));
}
/** Extracts group `idx` of the first match of a regex ('' if none). */
export function regexp_extract(x: C, pattern: string, idx: number): Column {
  return call('regexp_extract', c(x), v(pattern), v(idx));
}
/** Left-pads to `len` with `pad`. */
export function lpad(x: C, len: number, pad: string): Column { return call('lpad', c(x), v(len), v(pad)); }
/** Right-pads to `len` with `pad`. */
export function rpad(x: C, len: number, pad: string): Column { return call('rpad', c(x), v(len), v(pad)); }
/** 1-based position of `substr` in the string (0 if absent). */
export function instr(x: C, substr: string): Column { return call('instr', c(x), v(substr)); }
/** Capitalises each word. */
export function initcap(x: C): Column { return call('initcap', c(x)); }
/** Reverses the string. */
export function reverse(x: C): Column { return call('reverse', c(x)); }
/** Repeats the string n times. */
export function repeat(x: C, n: number): Column { return call('repeat', c(x), v(n)); }

// ---- math
/** Absolute value. */
export function abs(x: C): Column { return call('abs', c(x)); }
/** Rounds half up to `scale` decimals. */
export function round(x: C, scale = 0): Column { return call('round', c(x), v(scale)); }
/** Rounds half to even to `scale` decimals. */
export function bround(x: C, scale = 0): Column { return call('bround', c(x), v(scale)); }
/** Largest integer ≤ x. */
export function floor(x: C): Column { return call('floor', c(x)); }
/** Smallest integer ≥ x. */
export function ceil(x: C): Column { return call('ceil', c(x)); }
/** Square root. */
export function sqrt(x: C): Column { return call('sqrt', c(x)); }
/** e^x. */
export function exp(x: C): Column { return call('exp', c(x)); }
/** Natural log, or log of `x` in base `base` when two arguments are given (PySpark's `log(base, col)`). */
export function log(a: C | number, b?: C): Column {
  if (b === undefined) return call('log', c(a as C));
  return call('log', v(a as ColumnOrValue), c(b));
}
/** Base-10 log. */
export function log10(x: C): Column { return call('log10', c(x)); }
/** Base-2 log. */
export function log2(x: C): Column { return call('log2', c(x)); }
/** x^y. */
export function pow(x: C | number, y: C | number): Column {
  return call('pow', typeof x === 'number' ? v(x) : c(x), typeof y === 'number' ? v(y) : c(y));
}
/** Alias of pow. */
export const power = pow;
/** Sign (-1, 0, 1). */
export function signum(x: C): Column { return call('signum', c(x)); }
/** Uniform random in [0, 1). */
export function rand(seed?: number): Column { return seed === undefined ? call('rand') : call('rand', v(seed)); }
/** Standard normal random. */
export function randn(seed?: number): Column { return seed === undefined ? call('randn') : call('randn', v(seed)); }

// ---- dates
/** Parses a string to a date (optional Java-style format). */
export function to_date(x: C, format?: string): Column { return format === undefined ? call('to_date', c(x)) : call('to_date', c(x), v(format)); }
/** Parses a string to a timestamp (optional Java-style format). */
export function to_timestamp(x: C, format?: string): Column {
  return format === undefined ? call('to_timestamp', c(x)) : call('to_timestamp', c(x), v(format));
}
/** Year. */
export function year(x: C): Column { return call('year', c(x)); }
/** Month (1-12). */
export function month(x: C): Column { return call('month', c(x)); }
/** Day of month. */
export function dayofmonth(x: C): Column { return call('dayofmonth', c(x)); }
/** Day of week (1 = Sunday). */
export function dayofweek(x: C): Column { return call('dayofweek', c(x)); }
/** Day of year. */
export function dayofyear(x: C): Column { return call('dayofyear', c(x)); }
/** Hour. */
export function hour(x: C): Column { return call('hour', c(x)); }
/** Minute. */
export function minute(x: C): Column { return call('minute', c(x)); }
/** Second. */
export function second(x: C): Column { return call('second', c(x)); }
/** date + days. */
export function date_add(x: C, days: number | Column): Column { return call('date_add', c(x), v(days)); }
/** date - days. */
export function date_sub(x: C, days: number | Column): Column { return call('date_sub', c(x), v(days)); }
/** Days from start to end. */
export function datediff(end: C, start: C): Column { return call('datediff', c(end), c(start)); }
/** Adds months. */
export function add_months(x: C, months: number | Column): Column { return call('add_months', c(x), v(months)); }
/** Today's date (UTC). */
export function current_date(): Column { return call('current_date'); }
/** Now. */
export function current_timestamp(): Column { return call('current_timestamp'); }
/** Formats a date/timestamp with a Java-style pattern. */
export function date_format(x: C, format: string): Column { return call('date_format', c(x), v(format)); }
/** Truncates a timestamp to a unit ('year', 'month', 'day', 'hour', ...). */
export function date_trunc(unit: string, x: C): Column { return call('date_trunc', v(unit), c(x)); }

// ---- misc
/** Sort key helpers. */
export function asc(x: C): Column { return new Column(c(x)).asc(); }
/** Descending sort key. */
export function desc(x: C): Column { return new Column(c(x)).desc(); }
/** Generic call by name (any registered function). */
export { callFunction as call_function };
/** Column by name (PySpark's F.column). */
export function column(name: string): Column { return col(name); }
export { lit as literal };

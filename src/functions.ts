/**
 * The public function library `F` (PySpark's `pyspark.sql.functions`): typed builders over the
 * shared function registry. Every builder creates a call by registry name, so SQL and the API run
 * the same functions. `F.call(name, ...args)` reaches any registered function.
 */
import { expectInteger, expectString } from './api-args.js';
import { Column, type ColumnOrName, type ColumnOrValue, col, lit, nameOrColumn, toExpr, when } from './column.js';
import type { Expr } from './expr/expr.js';
import { exprFromSql } from './sql/planner.js';
import { type FunctionRef, moduleFunction } from './udf/function-ref.js';
import { type UdfFactory, udfFactory } from './udf/udf.js';
import { Model } from './models/handle.js';
import { IllegalArgumentError } from './errors.js';

type C = ColumnOrName;

/** Argument `pos` of `F.fn()`, a Column or a column name. */
function c(x: C, fn: string, pos: number): Expr {
  return nameOrColumn(x, `F.${fn}()`, pos);
}
/** Argument `pos` of `F.fn()`, a Column or a literal. */
function v(x: ColumnOrValue, fn: string, pos: number): Expr {
  return toExpr(x, `F.${fn}()`, pos);
}
/** Rest arguments of `F.fn()` from position `first`, Columns or column names. */
function cs(xs: readonly C[], fn: string, first: number): Expr[] {
  return xs.map((x, i) => c(x, fn, first + i));
}
function call(fn: string, ...args: Expr[]): Column {
  return new Column({ kind: 'call', fn, args });
}
function agg(fn: string, args: Expr[], distinct = false): Column {
  return new Column({ kind: 'agg', fn, args, distinct });
}

/** A Column from a SQL expression string: `F.expr('a + 1')`, `F.expr('sum(x) AS total')`, `F.expr("CASE WHEN a > 0 THEN 'pos' END")`. */
export function expr(sql: string): Column {
  return new Column(exprFromSql(expectString(sql, 'F.expr()', 1, 'a SQL expression string')));
}

/** Calls any registered scalar function by name. */
export function callFunction(name: string, ...args: ColumnOrValue[]): Column {
  expectString(name, 'F.call_function()', 1, 'a function name');
  return call(name, ...args.map((a, i) => v(a, 'call_function', i + 2)));
}

// ---- aggregates
/** Number of rows (`count('*')`) or of non-null values of a column. */
export function count(x: C): Column {
  if (x === '*' || (x instanceof Column && x.expr.kind === 'star')) return agg('count', []);
  return agg('count', [c(x, 'count', 1)]);
}
/** Number of distinct non-null values (of one column, or of a combination of columns). */
export function countDistinct(x: C, ...more: C[]): Column {
  return agg('count', [c(x, 'countDistinct', 1), ...cs(more, 'countDistinct', 2)], true);
}
/** Alias of countDistinct. */
export const count_distinct = countDistinct;
/** Exact median of non-null values. */
export function median(x: C): Column { return agg('median', [c(x, 'median', 1)]); }
/** Pearson correlation of two columns. */
export function corr(x: C, y: C): Column { return agg('corr', [c(x, 'corr', 1), c(y, 'corr', 2)]); }
/** Sample covariance. */
export function covar_samp(x: C, y: C): Column { return agg('covar_samp', [c(x, 'covar_samp', 1), c(y, 'covar_samp', 2)]); }
/** Population covariance. */
export function covar_pop(x: C, y: C): Column { return agg('covar_pop', [c(x, 'covar_pop', 1), c(y, 'covar_pop', 2)]); }
/** True when every non-null value is true. */
export function bool_and(x: C): Column { return agg('bool_and', [c(x, 'bool_and', 1)]); }
/** True when every non-null value is true (alias of bool_and). */
export function every(x: C): Column { return agg('bool_and', [c(x, 'every', 1)]); }
/** True when any non-null value is true. */
export function bool_or(x: C): Column { return agg('bool_or', [c(x, 'bool_or', 1)]); }
/** True when any non-null value is true (alias of bool_or). */
export function some(x: C): Column { return agg('bool_or', [c(x, 'some', 1)]); }
/** Number of rows where the condition is true. */
export function count_if(x: C): Column { return agg('count_if', [c(x, 'count_if', 1)]); }
/** `x` at the row with the largest `ord`. */
export function max_by(x: C, ord: C): Column { return agg('max_by', [c(x, 'max_by', 1), c(ord, 'max_by', 2)]); }
/** `x` at the row with the smallest `ord`. */
export function min_by(x: C, ord: C): Column { return agg('min_by', [c(x, 'min_by', 1), c(ord, 'min_by', 2)]); }
/** Most frequent non-null value (ties: the smallest). */
export function mode(x: C): Column { return agg('mode', [c(x, 'mode', 1)]); }
/** Population skewness. */
export function skewness(x: C): Column { return agg('skewness', [c(x, 'skewness', 1)]); }
/** Population excess kurtosis. */
export function kurtosis(x: C): Column { return agg('kurtosis', [c(x, 'kurtosis', 1)]); }
function regr(name: string, y: C, x: C): Column { return agg(name, [c(y, name, 1), c(x, name, 2)]); }
/** Number of rows where both `y` and `x` are non-null. */
export function regr_count(y: C, x: C): Column { return regr('regr_count', y, x); }
/** Mean of `x` over rows where both are non-null. */
export function regr_avgx(y: C, x: C): Column { return regr('regr_avgx', y, x); }
/** Mean of `y` over rows where both are non-null. */
export function regr_avgy(y: C, x: C): Column { return regr('regr_avgy', y, x); }
/** Slope of the least-squares line of `y` on `x`. */
export function regr_slope(y: C, x: C): Column { return regr('regr_slope', y, x); }
/** Intercept of the least-squares line of `y` on `x`. */
export function regr_intercept(y: C, x: C): Column { return regr('regr_intercept', y, x); }
/** Coefficient of determination of the least-squares line. */
export function regr_r2(y: C, x: C): Column { return regr('regr_r2', y, x); }
/** Sum of squares of `x` deviations. */
export function regr_sxx(y: C, x: C): Column { return regr('regr_sxx', y, x); }
/** Sum of squares of `y` deviations. */
export function regr_syy(y: C, x: C): Column { return regr('regr_syy', y, x); }
/** Sum of products of `x` and `y` deviations. */
export function regr_sxy(y: C, x: C): Column { return regr('regr_sxy', y, x); }
/** A percentage argument: a number, or an array of numbers (an array<double> literal). */
function pct(p: number | readonly number[] | Column, fn: string): Expr {
  if (Array.isArray(p)) return call('array', ...p.map((q, i) => v(q as number, fn, i + 2))).expr;
  return v(p as ColumnOrValue, fn, 2);
}
/** Exact percentile(s) of a numeric column, interpolated (Spark's `percentile`); `percentage` a number in [0, 1] or an array of them. */
export function percentile(x: C, percentage: number | readonly number[] | Column): Column {
  return agg('percentile', [c(x, 'percentile', 1), pct(percentage, 'percentile')]);
}
/** Percentile(s) as values of the column (Spark's `percentile_approx`; computed exactly, so within any `accuracy`). */
export function percentile_approx(x: C, percentage: number | readonly number[] | Column, accuracy = 10000): Column {
  return agg('percentile_approx', [c(x, 'percentile_approx', 1), pct(percentage, 'percentile_approx'), v(expectInteger(accuracy, 'F.percentile_approx()', 3, 1), 'percentile_approx', 3)]);
}
/** Alias of percentile_approx. */
export const approx_percentile = percentile_approx;
/** Approximate distinct count (HyperLogLog++); `rsd` is the maximum relative standard deviation (default 0.05). */
export function approx_count_distinct(x: C, rsd?: number): Column {
  return agg('approx_count_distinct', rsd === undefined ? [c(x, 'approx_count_distinct', 1)] : [c(x, 'approx_count_distinct', 1), v(rsd, 'approx_count_distinct', 2)]);
}
/** Deprecated alias of approx_count_distinct. */
export const approxCountDistinct = approx_count_distinct;
/** 1 when `x` is aggregated away in the current grouping set of a rollup / cube, else 0. */
export function grouping(x: C): Column { return call('grouping', c(x, 'grouping', 1)); }
/** Bit vector of the grouping set over `cols` (default: every grouping column), first column most significant. */
export function grouping_id(...cols: C[]): Column { return call('grouping_id', ...cs(cols, 'grouping_id', 1)); }
/** The non-null values of each group as an array. */
export function collect_list(x: C): Column { return agg('collect_list', [c(x, 'collect_list', 1)]); }
/** The distinct non-null values of each group as an array. */
export function collect_set(x: C): Column { return agg('collect_set', [c(x, 'collect_set', 1)]); }
/** Sum of non-null values. */
export function sum(x: C): Column { return agg('sum', [c(x, 'sum', 1)]); }
/** Sum of distinct non-null values. */
export function sumDistinct(x: C): Column { return agg('sum', [c(x, 'sumDistinct', 1)], true); }
/** Mean of non-null values. */
export function avg(x: C): Column { return agg('avg', [c(x, 'avg', 1)]); }
/** Alias of avg. */
export const mean = avg;
/** Smallest value. */
export function min(x: C): Column { return agg('min', [c(x, 'min', 1)]); }
/** Largest value. */
export function max(x: C): Column { return agg('max', [c(x, 'max', 1)]); }
/** Sample standard deviation. */
export function stddev(x: C): Column { return agg('stddev', [c(x, 'stddev', 1)]); }
/** Sample standard deviation. */
export function stddev_samp(x: C): Column { return agg('stddev', [c(x, 'stddev_samp', 1)]); }
/** Population standard deviation. */
export function stddev_pop(x: C): Column { return agg('stddev_pop', [c(x, 'stddev_pop', 1)]); }
/** Sample variance. */
export function variance(x: C): Column { return agg('variance', [c(x, 'variance', 1)]); }
/** Sample variance. */
export function var_samp(x: C): Column { return agg('variance', [c(x, 'var_samp', 1)]); }
/** Population variance. */
export function var_pop(x: C): Column { return agg('var_pop', [c(x, 'var_pop', 1)]); }
/** First value in each group (`ignorenulls` skips nulls). */
export function first(x: C, ignorenulls = false): Column {
  return agg('first', ignorenulls ? [c(x, 'first', 1), v(true, 'first', 2)] : [c(x, 'first', 1)]);
}
/** Last value in each group (`ignorenulls` skips nulls). */
export function last(x: C, ignorenulls = false): Column {
  return agg('last', ignorenulls ? [c(x, 'last', 1), v(true, 'last', 2)] : [c(x, 'last', 1)]);
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
export function ntile(n: number): Column { return call('ntile', v(expectInteger(n, 'F.ntile()', 1, 1), 'ntile', 1)); }
/** `x` from `offset` rows before the current row in its partition, else `defaultValue` (window function). */
export function lag(x: C, offset = 1, defaultValue: ColumnOrValue = null): Column {
  return defaultValue === null ? call('lag', c(x, 'lag', 1), v(offset, 'lag', 2)) : call('lag', c(x, 'lag', 1), v(offset, 'lag', 2), v(defaultValue, 'lag', 3));
}
/** `x` from `offset` rows after the current row in its partition, else `defaultValue` (window function). */
export function lead(x: C, offset = 1, defaultValue: ColumnOrValue = null): Column {
  return defaultValue === null ? call('lead', c(x, 'lead', 1), v(offset, 'lead', 2)) : call('lead', c(x, 'lead', 1), v(offset, 'lead', 2), v(defaultValue, 'lead', 3));
}
/** `x` at the `n`-th row (1-based) of the window frame, optionally skipping nulls (window function). */
export function nth_value(x: C, n: number, ignoreNulls = false): Column {
  return ignoreNulls ? call('nth_value', c(x, 'nth_value', 1), v(n, 'nth_value', 2), v(true, 'nth_value', 3)) : call('nth_value', c(x, 'nth_value', 1), v(n, 'nth_value', 2));
}
/** First value (of the window frame when used with `.over()`, else of the group); `ignoreNulls` skips nulls. */
export function first_value(x: C, ignoreNulls = false): Column { return first(x, ignoreNulls); }
/** Last value (of the window frame when used with `.over()`, else of the group); `ignoreNulls` skips nulls. */
export function last_value(x: C, ignoreNulls = false): Column { return last(x, ignoreNulls); }

// ---- conditional
export { when, lit, col };
/** First non-null argument. */
export function coalesce(...xs: C[]): Column { return call('coalesce', ...cs(xs, 'coalesce', 1)); }
/** Null if a = b, else a. */
export function nullif(a: ColumnOrValue, b: ColumnOrValue): Column { return call('nullif', v(a, 'nullif', 1), v(b, 'nullif', 2)); }
/** Largest non-null argument. */
export function greatest(...xs: C[]): Column { return call('greatest', ...cs(xs, 'greatest', 1)); }
/** Smallest non-null argument. */
export function least(...xs: C[]): Column { return call('least', ...cs(xs, 'least', 1)); }
/** True where the value is null. */
export function isnull(x: C): Column { return call('isnull', c(x, 'isnull', 1)); }
/** True where the value is NaN. */
export function isnan(x: C): Column { return call('isnan', c(x, 'isnan', 1)); }
/** b when a is null, else a. */
export function nvl(a: C, b: ColumnOrValue): Column { return call('nvl', c(a, 'nvl', 1), v(b, 'nvl', 2)); }
/** Alias of nvl. */
export const ifnull = nvl;

// ---- strings
/** Upper-case. */
export function upper(x: C): Column { return call('upper', c(x, 'upper', 1)); }
/** Lower-case. */
export function lower(x: C): Column { return call('lower', c(x, 'lower', 1)); }
/** Number of characters. */
export function length(x: C): Column { return call('length', c(x, 'length', 1)); }
/** Strips spaces on both ends. */
export function trim(x: C): Column { return call('trim', c(x, 'trim', 1)); }
/** Strips leading spaces. */
export function ltrim(x: C): Column { return call('ltrim', c(x, 'ltrim', 1)); }
/** Strips trailing spaces. */
export function rtrim(x: C): Column { return call('rtrim', c(x, 'rtrim', 1)); }
/** Substring from 1-based `pos` (negative counts from the end) of `len` characters. */
export function substring(x: C, pos: number, len?: number): Column {
  return len === undefined ? call('substring', c(x, 'substring', 1), v(pos, 'substring', 2)) : call('substring', c(x, 'substring', 1), v(pos, 'substring', 2), v(len, 'substring', 3));
}
/** Concatenation (null if any argument is null). */
export function concat(...xs: C[]): Column { return call('concat', ...cs(xs, 'concat', 1)); }
/** Concatenation with a separator, skipping nulls. */
export function concat_ws(sep: string, ...xs: C[]): Column { return call('concat_ws', v(sep, 'concat_ws', 1), ...cs(xs, 'concat_ws', 2)); }
/** The `partNum`-th (1-based) part of the string split by `delimiter`. */
export function split_part(x: C, delimiter: ColumnOrValue, partNum: ColumnOrValue): Column {
  return call('split_part', c(x, 'split_part', 1), v(delimiter, 'split_part', 2), v(partNum, 'split_part', 3));
}
/** Splits around matches of a regex into an array (`limit` > 0: at most that many parts). */
export function split(x: C, pattern: string, limit = -1): Column { return call('split', c(x, 'split', 1), v(pattern, 'split', 2), v(limit, 'split', 3)); }
/** An array of the arguments. */
export function array(...xs: C[]): Column { return call('array', ...cs(xs, 'array', 1)); }
/** Number of elements of an array (-1 for null). */
export function size(x: C): Column { return call('size', c(x, 'size', 1)); }
/** True if the array contains `value`. */
export function array_contains(x: C, value: ColumnOrValue): Column { return call('array_contains', c(x, 'array_contains', 1), v(value, 'array_contains', 2)); }
/** 1-based element of an array (negative from the end), or the value of a map's key. */
export function element_at(x: C, index: ColumnOrValue): Column { return call('element_at', c(x, 'element_at', 1), v(index, 'element_at', 2)); }
/** Joins array elements into a string. */
export function array_join(x: C, sep: string, nullReplacement?: string): Column {
  return nullReplacement === undefined ? call('array_join', c(x, 'array_join', 1), v(sep, 'array_join', 2)) : call('array_join', c(x, 'array_join', 1), v(sep, 'array_join', 2), v(nullReplacement, 'array_join', 3));
}
/** Sorted copy of an array. */
export function sort_array(x: C, asc = true): Column { return call('sort_array', c(x, 'sort_array', 1), v(asc, 'sort_array', 2)); }
/** Array without duplicates. */
export function array_distinct(x: C): Column { return call('array_distinct', c(x, 'array_distinct', 1)); }
// ---- structs and maps (see README "Types": structs collect as objects, maps as JS Maps)
/**
 * A struct of the columns (PySpark's `F.struct`): fields are named after the columns or their
 * aliases (`F.struct('a', F.col('b').alias('x'))` is struct<a, x>), `col1`, `col2`... otherwise.
 */
export function struct(...xs: (C | C[])[]): Column {
  const flat = xs.flat();
  if (flat.length === 0) throw new IllegalArgumentError('F.struct() needs at least one column');
  const named = flat.map((x, i) => c(x, 'struct', i + 1));
  if (!named.some((e) => e.kind === 'alias')) return call('struct', ...named);
  // Aliases name fields; other arguments keep struct()'s naming through their own (bound) names.
  const args: Expr[] = [];
  named.forEach((e, i) => {
    const name = e.kind === 'alias' ? e.name : e.kind === 'col' ? e.name : `col${i + 1}`;
    args.push({ kind: 'lit', value: name, type: 'utf8' }, e.kind === 'alias' ? e.expr : e);
  });
  return call('named_struct', ...args);
}
/** A struct with the given field names: `F.named_struct('a', F.col('x'), 'b', F.lit(1))`. */
export function named_struct(...pairs: ColumnOrValue[]): Column { return call('named_struct', ...pairs.map((p, i) => (i % 2 === 0 ? v(expectString(p, 'F.named_struct()', i + 1, 'a field name'), 'named_struct', i + 1) : v(p, 'named_struct', i + 1)))); }
/** A map from key/value column pairs (PySpark's `F.create_map(k1, v1, k2, v2, ...)`). */
export function create_map(...kvs: (C | C[])[]): Column { return call('map', ...cs(kvs.flat(), 'create_map', 1)); }
/** A map pairing an array of keys with an array of values. */
export function map_from_arrays(keys: C, values: C): Column { return call('map_from_arrays', c(keys, 'map_from_arrays', 1), c(values, 'map_from_arrays', 2)); }
/** The keys of a map as an array. */
export function map_keys(x: C): Column { return call('map_keys', c(x, 'map_keys', 1)); }
/** The values of a map as an array. */
export function map_values(x: C): Column { return call('map_values', c(x, 'map_values', 1)); }
/** The entries of a map as an array of struct<key, value>. */
export function map_entries(x: C): Column { return call('map_entries', c(x, 'map_entries', 1)); }
/** True if the map has the key. */
export function map_contains_key(x: C, key: ColumnOrValue): Column { return call('map_contains_key', c(x, 'map_contains_key', 1), v(key, 'map_contains_key', 2)); }
/** A struct, map or array as JSON text (null struct fields left out, as Spark). */
export function to_json(x: C): Column { return call('to_json', c(x, 'to_json', 1)); }
/** Parses JSON text with a schema in DDL form (`'a INT, b STRING'`, `'map<string,int>'`, `'array<int>'`). */
export function from_json(x: C, schema: string): Column { return call('from_json', c(x, 'from_json', 1), v(expectString(schema, 'F.from_json()', 2, "a DDL schema string such as 'a INT, b STRING'"), 'from_json', 2)); }

// ---- generators (whole select items: one output row per array element; see README "Arrays")
/** One row per element of the array, in a column named `col` (rows with a null or empty array are dropped); over a map, one row per entry in columns `key` and `value`. */
export function explode(x: C): Column { return call('explode', c(x, 'explode', 1)); }
/** As explode, but a row whose array is null or empty is kept once, with a null element. */
export function explode_outer(x: C): Column { return call('explode_outer', c(x, 'explode_outer', 1)); }
/** One row per element with its 0-based position: columns `pos` and `col` (rename with `.alias('p', 'c')`); over a map `pos`, `key`, `value`. */
export function posexplode(x: C): Column { return call('posexplode', c(x, 'posexplode', 1)); }
/** As posexplode, keeping rows with a null or empty array once (null position and element). */
export function posexplode_outer(x: C): Column { return call('posexplode_outer', c(x, 'posexplode_outer', 1)); }
/** One row per struct of an array of structs, one column per struct field named after it (a null struct gives a row of nulls). */
export function inline(x: C): Column { return call('inline', c(x, 'inline', 1)); }
/** As inline, keeping a row whose array is null or empty once, with nulls. */
export function inline_outer(x: C): Column { return call('inline_outer', c(x, 'inline_outer', 1)); }

// ---- higher-order functions: the JS function runs once, now, on lambda-variable Columns, to build the expression
let lambdaDepth = 0;
/** A lambda expression from a JS function of Columns (PySpark's Column lambdas); `names` name its parameters. */
function lambda(f: unknown, fn: string, pos: number, names: readonly string[], min: number): Expr {
  if (typeof f !== 'function') throw new IllegalArgumentError(`F.${fn}() argument ${pos} must be a function of Columns, e.g. (x) => x.plus(1); got ${typeof f}`);
  const n = f.length === 0 ? min : f.length;
  if (n < min || n > names.length) throw new IllegalArgumentError(`F.${fn}() argument ${pos} must be a function of ${min === names.length ? min : `${min} or ${names.length}`} Columns, but it declares ${f.length} parameters`);
  // Distinct names per nesting level, so an inner lambda never captures an outer one's variable.
  const params = names.slice(0, n).map((p) => `${p}_${lambdaDepth}`);
  lambdaDepth++;
  let body: unknown;
  try {
    body = (f as (...xs: Column[]) => unknown)(...params.map((name) => new Column({ kind: 'lambdavar', name })));
  } finally {
    lambdaDepth--;
  }
  return { kind: 'lambda', params, body: toExpr(body as ColumnOrValue, `F.${fn}() lambda`, pos) };
}
/** The function applied to each element: `F.transform('a', (x) => x.plus(1))`, or `(x, i) => ...` with the 0-based position. */
export function transform(x: C, f: (x: Column, i: Column) => Column): Column {
  return call('transform', c(x, 'transform', 1), lambda(f, 'transform', 2, ['x', 'i'], 1));
}
/** The elements for which the predicate is true (`(x) => ...` or `(x, i) => ...`). */
export function filter(x: C, f: (x: Column, i: Column) => Column): Column {
  return call('filter', c(x, 'filter', 1), lambda(f, 'filter', 2, ['x', 'i'], 1));
}
/** True if the predicate holds for some element (null if for none but it was null for some). */
export function exists(x: C, f: (x: Column) => Column): Column { return call('exists', c(x, 'exists', 1), lambda(f, 'exists', 2, ['x'], 1)); }
/** True if the predicate holds for every element (null if none fails but some is null). */
export function forall(x: C, f: (x: Column) => Column): Column { return call('forall', c(x, 'forall', 1), lambda(f, 'forall', 2, ['x'], 1)); }
/** Folds the elements into one value: `F.aggregate('a', F.lit(0), (acc, x) => acc.plus(x), (acc) => acc.multiply(10))`. */
export function aggregate(x: C, initialValue: ColumnOrValue, merge: (acc: Column, x: Column) => Column, finish?: (acc: Column) => Column): Column {
  const args = [c(x, 'aggregate', 1), v(initialValue, 'aggregate', 2), lambda(merge, 'aggregate', 3, ['acc', 'x'], 2)];
  if (finish !== undefined) args.push(lambda(finish, 'aggregate', 4, ['acc'], 1));
  return call('aggregate', ...args);
}
/** Alias of aggregate (Spark 3.4's `reduce`). */
export const reduce = aggregate;
/** The function applied to the elements at each position of two arrays (the shorter padded with nulls). */
export function zip_with(a: C, b: C, f: (x: Column, y: Column) => Column): Column {
  return call('zip_with', c(a, 'zip_with', 1), c(b, 'zip_with', 2), lambda(f, 'zip_with', 3, ['x', 'y'], 2));
}
/** Replaces every match of a regex. */
export function regexp_replace(x: C, pattern: string | Column, replacement: string | Column): Column {
  return call('regexp_replace', c(x, 'regexp_replace', 1), v(pattern, 'regexp_replace', 2), v(replacement, 'regexp_replace', 3));
}
/** Extracts group `idx` of the first match of a regex ('' if none). */
export function regexp_extract(x: C, pattern: string, idx: number): Column {
  return call('regexp_extract', c(x, 'regexp_extract', 1), v(pattern, 'regexp_extract', 2), v(idx, 'regexp_extract', 3));
}
/** Left-pads to `len` with `pad`. */
export function lpad(x: C, len: number, pad: string): Column { return call('lpad', c(x, 'lpad', 1), v(len, 'lpad', 2), v(pad, 'lpad', 3)); }
/** Right-pads to `len` with `pad`. */
export function rpad(x: C, len: number, pad: string): Column { return call('rpad', c(x, 'rpad', 1), v(len, 'rpad', 2), v(pad, 'rpad', 3)); }
/** 1-based position of `substr` in the string (0 if absent). */
export function instr(x: C, substr: string): Column { return call('instr', c(x, 'instr', 1), v(substr, 'instr', 2)); }
/** Capitalises each word. */
export function initcap(x: C): Column { return call('initcap', c(x, 'initcap', 1)); }
/** Reverses the string. */
export function reverse(x: C): Column { return call('reverse', c(x, 'reverse', 1)); }
/** Repeats the string n times. */
export function repeat(x: C, n: number): Column { return call('repeat', c(x, 'repeat', 1), v(n, 'repeat', 2)); }

// ---- math
/** Absolute value. */
export function abs(x: C): Column { return call('abs', c(x, 'abs', 1)); }
/** Rounds half up to `scale` decimals. */
export function round(x: C, scale = 0): Column { return call('round', c(x, 'round', 1), v(scale, 'round', 2)); }
/** Rounds half to even to `scale` decimals. */
export function bround(x: C, scale = 0): Column { return call('bround', c(x, 'bround', 1), v(scale, 'bround', 2)); }
/** Largest integer ≤ x. */
export function floor(x: C): Column { return call('floor', c(x, 'floor', 1)); }
/** Smallest integer ≥ x. */
export function ceil(x: C): Column { return call('ceil', c(x, 'ceil', 1)); }
/** Square root. */
export function sqrt(x: C): Column { return call('sqrt', c(x, 'sqrt', 1)); }
/** e^x. */
export function exp(x: C): Column { return call('exp', c(x, 'exp', 1)); }
/** Natural log, or log of `x` in base `base` when two arguments are given (PySpark's `log(base, col)`). */
export function log(a: C | number, b?: C): Column {
  if (b === undefined) return call('log', c(a as C, 'log', 1));
  return call('log', v(a as ColumnOrValue, 'log', 1), c(b, 'log', 2));
}
/** Base-10 log. */
export function log10(x: C): Column { return call('log10', c(x, 'log10', 1)); }
/** Base-2 log. */
export function log2(x: C): Column { return call('log2', c(x, 'log2', 1)); }
/** x^y. */
export function pow(x: C | number, y: C | number): Column {
  return call('pow', typeof x === 'number' ? v(x, 'pow', 1) : c(x, 'pow', 1), typeof y === 'number' ? v(y, 'pow', 2) : c(y, 'pow', 2));
}
/** Alias of pow. */
export const power = pow;
/** Sign (-1, 0, 1). */
export function signum(x: C): Column { return call('signum', c(x, 'signum', 1)); }
/** Uniform random in [0, 1). */
export function rand(seed?: number): Column { return seed === undefined ? call('rand') : call('rand', v(seed, 'rand', 1)); }
/** Standard normal random. */
export function randn(seed?: number): Column { return seed === undefined ? call('randn') : call('randn', v(seed, 'randn', 1)); }

// ---- dates
/** Parses a string to a date (optional Java-style format). */
export function to_date(x: C, format?: string): Column { return format === undefined ? call('to_date', c(x, 'to_date', 1)) : call('to_date', c(x, 'to_date', 1), v(format, 'to_date', 2)); }
/** Parses a string to a timestamp (optional Java-style format). */
export function to_timestamp(x: C, format?: string): Column {
  return format === undefined ? call('to_timestamp', c(x, 'to_timestamp', 1)) : call('to_timestamp', c(x, 'to_timestamp', 1), v(format, 'to_timestamp', 2));
}
/** Year. */
export function year(x: C): Column { return call('year', c(x, 'year', 1)); }
/** Month (1-12). */
export function month(x: C): Column { return call('month', c(x, 'month', 1)); }
/** Day of month. */
export function dayofmonth(x: C): Column { return call('dayofmonth', c(x, 'dayofmonth', 1)); }
/** Day of week (1 = Sunday). */
export function dayofweek(x: C): Column { return call('dayofweek', c(x, 'dayofweek', 1)); }
/** Day of year. */
export function dayofyear(x: C): Column { return call('dayofyear', c(x, 'dayofyear', 1)); }
/** Hour. */
export function hour(x: C): Column { return call('hour', c(x, 'hour', 1)); }
/** Minute. */
export function minute(x: C): Column { return call('minute', c(x, 'minute', 1)); }
/** Second. */
export function second(x: C): Column { return call('second', c(x, 'second', 1)); }
/** date + days. */
export function date_add(x: C, days: number | Column): Column { return call('date_add', c(x, 'date_add', 1), v(days, 'date_add', 2)); }
/** date - days. */
export function date_sub(x: C, days: number | Column): Column { return call('date_sub', c(x, 'date_sub', 1), v(days, 'date_sub', 2)); }
/** Days from start to end. */
export function datediff(end: C, start: C): Column { return call('datediff', c(end, 'datediff', 1), c(start, 'datediff', 2)); }
/** Adds months. */
export function add_months(x: C, months: number | Column): Column { return call('add_months', c(x, 'add_months', 1), v(months, 'add_months', 2)); }
/** Today's date (UTC). */
export function current_date(): Column { return call('current_date'); }
/** Now. */
export function current_timestamp(): Column { return call('current_timestamp'); }
/** Formats a date/timestamp with a Java-style pattern. */
export function date_format(x: C, format: string): Column { return call('date_format', c(x, 'date_format', 1), v(format, 'date_format', 2)); }
/** Truncates a timestamp to a unit ('year', 'month', 'day', 'hour', ...). */
export function date_trunc(unit: string, x: C): Column { return call('date_trunc', v(unit, 'date_trunc', 1), c(x, 'date_trunc', 2)); }

// ---- misc
/** Sort key helpers. */
export function asc(x: C): Column { return new Column(c(x, 'asc', 1)).asc(); }
/** Descending sort key. */
export function desc(x: C): Column { return new Column(c(x, 'desc', 1)).desc(); }
/** Generic call by name (any registered function). */
export { callFunction as call_function };
/** Column by name (PySpark's F.column). */
export function column(name: string): Column { return col(name); }
export { lit as literal };

// ---- user-defined functions (src/udf/)
/**
 * A scalar UDF (PySpark's `udf`): `fn(...values, ctx)` is called once per row in the worker
 * threads, with the row's argument values (numbers, strings, booleans, Dates, arrays) and a
 * context `{ name, args, state }` last. `fn` is shipped by source and must be self-contained
 * (read outer values through `options.args`), or is a module function from `F.fromModule`.
 * `returnType`: a type name ('double', 'int', 'string', 'array<double>', ...) or an Arrow DataType.
 * @example const monthAsInt = F.udf((m: string) => MONTHS.indexOf(m) + 1, 'int') // refused: MONTHS is outer
 * @example const monthAsInt = F.udf((m: string, ctx) => ctx.args.months.indexOf(m) + 1, 'int', { args: { months } })
 */
export const udf: UdfFactory = udfFactory('scalar', 'F.udf');
/**
 * A vectorized UDF (PySpark's `pandas_udf` / `arrow_udf`): `fn(...vectors, ctx)` receives one
 * apache-arrow `Vector` per argument for a batch of at most `batchSize` rows (numeric columns
 * without a copy) and returns a `Vector`, a typed array or an array of the same length, or a
 * promise of one. With `nulls: 'skip'` (default) rows with a null argument are left out of the
 * vectors and get null.
 */
export const arrowUdf: UdfFactory = udfFactory('vectorized', 'F.arrowUdf');
export { arrowUdf as arrow_udf, arrowUdf as pandas_udf };
/**
 * A reference to a module's export, accepted wherever a user function is (F.udf, F.arrowUdf,
 * spark.udf.register, ...): the module is imported once per worker. The export is a function,
 * or `{ init?(args), evaluate(...) }` whose `init` builds per-worker state (`ctx.state`).
 */
export function fromModule(url: string | URL, exportName: string, options: { args?: unknown; name?: string } = {}): FunctionRef {
  return moduleFunction(url, exportName, 'F.fromModule', options);
}

/**
 * A model's prediction for each row (MLflow's `spark_udf(spark, model_uri)(*cols)`): the model
 * from `spark.models.load(uri)` is scored over Arrow batches in the workers, loaded once per
 * worker. Without columns, a model whose signature names its inputs reads those columns.
 * @example df.withColumn('p_yes', F.predict(spark.models.load('data/models/bank-mlflow')))
 */
export function predict(model: Model, ...cols: ColumnOrName[]): Column {
  if (!(model instanceof Model)) throw new IllegalArgumentError(`F.predict: the first argument should be a model from spark.models.load(uri), got ${model === null ? 'null' : typeof model}`);
  return model.predict(...cols);
}

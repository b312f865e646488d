/**
 * The public `Column` expression builder (PySpark's Column): operators, comparisons, boolean
 * logic, casts, null tests, string matching, aliases and sort orders. A Column wraps a plain
 * `Expr` tree that the binder resolves when the Column is used in a DataFrame.
 */
import { type ArgPos, argError, expectInteger, expectName, expectString } from './api-args.js';
import { AnalysisError, ArithmeticOverflowError, IllegalArgumentError } from './errors.js';
import { type Expr, type LiteralValue, exprName, foldCall } from './expr/expr.js';
import { RUNTIME } from './expr/runtime.js';
import { isWindowFunction } from './expr/window-functions.js';
import type { WindowSpec } from './window.js';
import { type DataType, MAX_EXACT_INT, MILLIS_PER_DAY, parseTypeName } from './types.js';

/** Anything accepted where a Column is expected: a Column, or a literal value. */
export type ColumnOrValue = Column | LiteralInput;
/** JS values accepted as literals. */
export type LiteralInput = number | string | boolean | Date | bigint | null;
/** Anything accepted where a column is named: a Column or a column name. */
export type ColumnOrName = Column | string;

/** A column expression, as in PySpark. Build with `col('x')`, `lit(1)`, or functions in `F`. */
export class Column {
  /** @internal The expression tree. */
  constructor(readonly expr: Expr) {}

  /** The name Spark would give this expression's output column. */
  toString(): string {
    return `Column<'${exprName(this.expr)}'>`;
  }

  private bin(fn: string, other: ColumnOrValue, method: string): Column {
    return new Column(foldCall(fn, this.expr, toExpr(other, `Column.${method}()`, 1)));
  }

  /** `this + other` */
  plus(other: ColumnOrValue): Column { return this.bin('add', other, 'plus'); }
  /** `this - other` */
  minus(other: ColumnOrValue): Column { return this.bin('subtract', other, 'minus'); }
  /** `this * other` */
  multiply(other: ColumnOrValue): Column { return this.bin('multiply', other, 'multiply'); }
  /** `this / other` (always double; null when dividing by zero). */
  divide(other: ColumnOrValue): Column { return this.bin('divide', other, 'divide'); }
  /** `this % other` */
  mod(other: ColumnOrValue): Column { return this.bin('mod', other, 'mod'); }
  /** `-this` */
  negate(): Column { return new Column({ kind: 'call', fn: 'negative', args: [this.expr] }); }

  /** `this = other` (null if either side is null). */
  eq(other: ColumnOrValue): Column { return this.bin('eq', other, 'eq'); }
  /** `this != other` */
  neq(other: ColumnOrValue): Column { return this.bin('neq', other, 'neq'); }
  /** `this < other` */
  lt(other: ColumnOrValue): Column { return this.bin('lt', other, 'lt'); }
  /** `this <= other` */
  leq(other: ColumnOrValue): Column { return this.bin('lte', other, 'leq'); }
  /** `this > other` */
  gt(other: ColumnOrValue): Column { return this.bin('gt', other, 'gt'); }
  /** `this >= other` */
  geq(other: ColumnOrValue): Column { return this.bin('gte', other, 'geq'); }
  /** Null-safe equality `this <=> other` (null <=> null is true). */
  eqNullSafe(other: ColumnOrValue): Column { return this.bin('eq_null_safe', other, 'eqNullSafe'); }

  /** `this AND other` (three-valued). */
  and(other: ColumnOrValue): Column { return this.bin('and', other, 'and'); }
  /** `this OR other` (three-valued). */
  or(other: ColumnOrValue): Column { return this.bin('or', other, 'or'); }
  /** `NOT this` */
  not(): Column { return new Column({ kind: 'call', fn: 'not', args: [this.expr] }); }

  /** True where the value is null. */
  isNull(): Column { return new Column({ kind: 'call', fn: 'isnull', args: [this.expr] }); }
  /** True where the value is not null. */
  isNotNull(): Column { return new Column({ kind: 'call', fn: 'isnotnull', args: [this.expr] }); }
  /** True where the value is NaN. */
  isNaN(): Column { return new Column({ kind: 'call', fn: 'isnan', args: [this.expr] }); }

  /** `this IN (values...)` with SQL null rules. Accepts values or one array of values. */
  isin(...values: (ColumnOrValue | readonly ColumnOrValue[])[]): Column {
    const flat = values.length === 1 && Array.isArray(values[0]) ? (values[0] as ColumnOrValue[]) : (values as ColumnOrValue[]);
    if (flat.length === 0) return new Column({ kind: 'lit', value: false, type: 'boolean' });
    return new Column({ kind: 'call', fn: 'in', args: [this.expr, ...flat.map((x, i) => toExpr(x, 'Column.isin()', i + 1))] });
  }

  /** `lower <= this AND this <= upper` */
  between(lower: ColumnOrValue, upper: ColumnOrValue): Column {
    return this.geq(lower).and(this.leq(upper));
  }

  /** SQL LIKE (`%` any run, `_` one character). */
  like(pattern: string): Column { return this.bin('like', expectString(pattern, 'Column.like()', 1, 'a LIKE pattern string'), 'like'); }
  /** Case-insensitive LIKE. */
  ilike(pattern: string): Column { return this.bin('ilike', expectString(pattern, 'Column.ilike()', 1, 'a LIKE pattern string'), 'ilike'); }
  /** Regular-expression match anywhere in the string (Java/JS regex syntax). */
  rlike(pattern: string): Column { return this.bin('rlike', expectString(pattern, 'Column.rlike()', 1, 'a regular expression string'), 'rlike'); }
  /** True if the string contains `other`. */
  contains(other: ColumnOrValue): Column { return this.bin('contains', other, 'contains'); }
  /** True if the string starts with `other`. */
  startswith(other: ColumnOrValue): Column { return this.bin('startswith', other, 'startswith'); }
  /** True if the string ends with `other`. */
  endswith(other: ColumnOrValue): Column { return this.bin('endswith', other, 'endswith'); }
  /** Substring from 1-based `pos` of `len` characters. */
  substr(pos: number | Column, len: number | Column): Column {
    const arg = (x: number | Column, i: number) => (x instanceof Column ? x.expr : toExpr(expectInteger(x, 'Column.substr()', i), 'Column.substr()', i));
    return new Column({ kind: 'call', fn: 'substring', args: [this.expr, arg(pos, 1), arg(len, 2)] });
  }

  /**
   * A field of a struct column (PySpark's `Column.getField`); `col('s.a')` and SQL `s.a` are the
   * same. The column is named `s.a`.
   */
  getField(name: string): Column {
    return new Column({ kind: 'call', fn: 'get_field', args: [this.expr, { kind: 'lit', value: expectString(name, 'Column.getField()', 1, 'a field name'), type: 'utf8' }] });
  }
  /**
   * An element by key: a struct's field (by name), a map's value (by key), or an array's element
   * (0-based, as PySpark's `getItem`; null when out of range).
   */
  getItem(key: ColumnOrValue): Column {
    return new Column({ kind: 'call', fn: 'get_item', args: [this.expr, toExpr(key, 'Column.getItem()', 1)] });
  }

  /** Casts to a type: 'int', 'long'/'bigint', 'double', 'string', 'boolean', 'date', 'timestamp'. */
  cast(type: DataType | string): Column {
    const t = parseTypeName(expectString(type, 'Column.cast()', 1, "a type name such as 'int' or 'string'"));
    if (!t) throw new IllegalArgumentError(`unknown type '${type}' in cast; use one of boolean, int, long, double, string, date, timestamp`);
    const e = this.expr;
    // A literal that no long can hold exactly fails now rather than when the job runs.
    if (t === 'int64' && e.kind === 'lit' && typeof e.value === 'number') RUNTIME.toInt(e.value, true);
    return new Column({ kind: 'cast', expr: e, to: t });
  }
  /** Alias of `cast`. */
  astype(type: DataType | string): Column { return this.cast(type); }

  /** Names the output column (a generator's columns: one name each, `.alias('pos', 'value')`). */
  alias(name: string, ...more: string[]): Column {
    expectName(name, 'Column.alias()', 1, 'output column name');
    more.forEach((n, i) => expectName(n, 'Column.alias()', i + 2, 'output column name'));
    const inner = this.expr.kind === 'alias' ? this.expr.expr : this.expr;
    // Several names: a generator's output columns (`F.posexplode('a').alias('p', 'c')`).
    return new Column(more.length ? { kind: 'alias', expr: inner, name, names: [name, ...more] } : { kind: 'alias', expr: inner, name });
  }
  /** Alias of `alias`. */
  as(name: string): Column { return this.alias(name); }
  /** Alias of `alias` (PySpark's `name`). */
  name(name: string): Column { return this.alias(name); }

  /** Ascending sort order (nulls first, Spark's default). */
  asc(): Column { return this.sortOrder(true, true); }
  /** Ascending, nulls first. */
  asc_nulls_first(): Column { return this.sortOrder(true, true); }
  /** Ascending, nulls last. */
  asc_nulls_last(): Column { return this.sortOrder(true, false); }
  /** Descending sort order (nulls last, Spark's default). */
  desc(): Column { return this.sortOrder(false, false); }
  /** Descending, nulls first. */
  desc_nulls_first(): Column { return this.sortOrder(false, true); }
  /** Descending, nulls last. */
  desc_nulls_last(): Column { return this.sortOrder(false, false); }

  private sortOrder(ascending: boolean, nullsFirst: boolean): Column {
    const inner = this.expr.kind === 'sort' ? this.expr.expr : this.expr;
    return new Column({ kind: 'sort', expr: inner, ascending, nullsFirst });
  }

  /** For `F.when(...).when(...)`: adds a branch. */
  when(condition: Column, value: ColumnOrValue): Column {
    if (this.expr.kind !== 'case' || this.expr.otherwise !== null) {
      throw new IllegalArgumentError('when() can only be applied on a Column previously generated by F.when() (and before otherwise())');
    }
    const branch: [Expr, Expr] = [expectColumn(condition, 'Column.when()', 1).expr, toExpr(value, 'Column.when()', 2)];
    return new Column({ ...this.expr, branches: [...this.expr.branches, branch] });
  }

  /** For `F.when(...)`: the value when no branch matches (null if never called). */
  otherwise(value: ColumnOrValue): Column {
    if (this.expr.kind !== 'case' || this.expr.otherwise !== null) {
      throw new IllegalArgumentError('otherwise() can only be applied once on a Column previously generated by F.when()');
    }
    return new Column({ ...this.expr, otherwise: toExpr(value, 'Column.otherwise()', 1) });
  }

  /**
   * This aggregate (`F.sum('x')`, `F.count('*')`, any registered aggregate) or window function
   * (`F.row_number()`, `F.rank()`, `F.lag('x')`, ...) evaluated over a window:
   * `F.rank().over(Window.partitionBy('dept').orderBy(col('salary').desc()))`.
   */
  over(window: WindowSpec): Column {
    if (window === null || typeof window !== 'object' || typeof (window as Partial<WindowSpec>).toExpr !== 'function') {
      throw argError('Column.over()', 1, 'a WindowSpec, e.g. Window.partitionBy(...).orderBy(...)', window);
    }
    const e = this.expr;
    if (e.kind === 'alias') return new Column({ kind: 'alias', expr: new Column(e.expr).over(window).expr, name: e.name });
    const spec = window.toExpr();
    if (e.kind === 'agg') return new Column({ kind: 'window', fn: e.fn, args: e.args, distinct: e.distinct, spec });
    if (e.kind === 'call' && isWindowFunction(e.fn)) return new Column({ kind: 'window', fn: e.fn, args: e.args, distinct: false, spec });
    if (e.kind === 'window') throw new AnalysisError(`${exprName(e)} already has a window; call over() once`);
    throw new AnalysisError(`over() needs an aggregate or window function (F.sum, F.count, F.row_number, F.rank, F.lag, ...), not ${exprName(e)}`);
  }
}

/** What a literal argument may be, for messages. */
const LITERAL_KINDS = 'a Column or a literal (number, string, boolean, Date, bigint or null)';

/**
 * A literal's Kindling type and storage value. Integral numbers beyond ±2^53 are doubles (a JS
 * number that large is not an exact integer); a bigint beyond it raises `ArithmeticOverflowError`;
 * an invalid `Date` is a null timestamp (as Spark makes an unparsable date null).
 */
export function literal(value: LiteralInput, method = 'lit()', arg: ArgPos = 1): { value: LiteralValue; type: DataType } {
  if (value === null) return { value: null, type: 'null' };
  if (typeof value === 'boolean') return { value, type: 'boolean' };
  if (typeof value === 'string') return { value, type: 'utf8' };
  if (typeof value === 'bigint') {
    if (value > BigInt(MAX_EXACT_INT) || value < -BigInt(MAX_EXACT_INT)) {
      throw new ArithmeticOverflowError(`${method}: argument ${arg}, the long literal ${value}, is outside the exact range ±2^53 that Kindling supports; use a smaller value or a double`);
    }
    return { value: Number(value), type: 'int64' };
  }
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) return { value: null, type: 'timestamp' };
    // Dates at UTC midnight are date literals (as `createDataFrame` rows of dates), others timestamps.
    return ms % MILLIS_PER_DAY === 0 ? { value: ms / MILLIS_PER_DAY, type: 'date32' } : { value: ms * 1000, type: 'timestamp' };
  }
  if (typeof value === 'number') {
    if (Number.isInteger(value) && Math.abs(value) <= MAX_EXACT_INT) return { value, type: Math.abs(value) <= 2147483647 ? 'int32' : 'int64' };
    return { value, type: 'float64' };
  }
  throw argError(method, arg, LITERAL_KINDS, value);
}

/** Converts a Column or JS value (argument `arg` of `method`) into an expression. */
export function toExpr(v: ColumnOrValue, method: string, arg: ArgPos): Expr {
  if (v instanceof Column) return v.expr;
  const { value, type } = literal(v, method, arg);
  return { kind: 'lit', value, type };
}

/** Argument `arg` of `method`, which must be a Column. */
export function expectColumn(v: unknown, method: string, arg: ArgPos): Column {
  if (!(v instanceof Column)) {
    const hint = typeof v === 'string' ? ` (wrap a column name in col('${v}'))` : v !== null && v !== undefined && typeof v !== 'object' ? ' (wrap a literal in lit(...))' : '';
    throw argError(method, arg, 'a Column', v, hint);
  }
  return v;
}

/** Converts a Column or a column name (argument `arg` of `method`) into an expression (`'*'` is all columns). */
export function nameOrColumn(v: ColumnOrName, method: string, arg: ArgPos): Expr {
  if (v instanceof Column) return v.expr;
  if (typeof v !== 'string') throw argError(method, arg, 'a Column or a column name (string)', v);
  if (v === '*') return { kind: 'star' };
  if (v.endsWith('.*')) return { kind: 'star', qualifier: v.slice(0, -2) };
  return parseColumnName(v);
}

/** Columns or names given as rest arguments (arrays flattened), positions counted from `first`. */
export function namesOrColumns(vs: readonly (ColumnOrName | readonly ColumnOrName[])[], method: string, first = 1): Expr[] {
  return (vs as (ColumnOrName | ColumnOrName[])[]).flat().map((v, i) => nameOrColumn(v, method, first + i));
}

/**
 * Parses `name` or `alias.name` (backticks quote a name containing dots). A longer path
 * (`s.a.b`, `t.s.a`) keeps its last part as the name, as Spark names a struct field; the binder
 * resolves it as a field of a struct column.
 */
export function parseColumnName(name: string): Expr {
  if (name.startsWith('`') && name.endsWith('`')) return { kind: 'col', name: name.slice(1, -1) };
  const dot = name.lastIndexOf('.');
  if (dot > 0 && !name.includes('`')) return { kind: 'col', name: name.slice(dot + 1), qualifier: name.slice(0, dot) };
  return { kind: 'col', name };
}

/** A column by name (`'x'` or `'alias.x'`). */
export function col(name: string): Column {
  return new Column(nameOrColumn(expectString(name, 'col()', 1, 'a column name (string)'), 'col()', 1));
}

/** Alias of `col`. */
export const column = col;

/** A literal column. */
export function lit(value: LiteralInput | Column): Column {
  if (value instanceof Column) return value;
  return new Column(toExpr(value, 'lit()', 1));
}

/** Conditional expression: `when(cond, value).when(...).otherwise(value)`. */
export function when(condition: Column, value: ColumnOrValue): Column {
  return new Column({ kind: 'case', branches: [[expectColumn(condition, 'when()', 1).expr, toExpr(value, 'when()', 2)]], otherwise: null });
}

/** Column expression from SQL-like text is provided by `F.expr` once the SQL module lands. */
export type { Expr };

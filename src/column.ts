/**
 * The public `Column` expression builder (PySpark's Column): operators, comparisons, boolean
 * logic, casts, null tests, string matching, aliases and sort orders. A Column wraps a plain
 * `Expr` tree that the binder resolves when the Column is used in a DataFrame.
 */
import { AnalysisError, IllegalArgumentError } from './errors.js';
import { type Expr, type LiteralValue, exprName } from './expr/expr.js';
import { isWindowFunction } from './expr/window-functions.js';
import type { WindowSpec } from './window.js';
import { type DataType, MILLIS_PER_DAY, parseTypeName } from './types.js';

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

  private bin(fn: string, other: ColumnOrValue): Column {
    return new Column({ kind: 'call', fn, args: [this.expr, toExpr(other)] });
  }

  /** `this + other` */
  plus(other: ColumnOrValue): Column { return this.bin('add', other); }
  /** `this - other` */
  minus(other: ColumnOrValue): Column { return this.bin('subtract', other); }
  /** `this * other` */
  multiply(other: ColumnOrValue): Column { return this.bin('multiply', other); }
  /** `this / other` (always double; null when dividing by zero). */
  divide(other: ColumnOrValue): Column { return this.bin('divide', other); }
  /** `this % other` */
  mod(other: ColumnOrValue): Column { return this.bin('mod', other); }
  /** `-this` */
  negate(): Column { return new Column({ kind: 'call', fn: 'negative', args: [this.expr] }); }

  /** `this = other` (null if either side is null). */
  eq(other: ColumnOrValue): Column { return this.bin('eq', other); }
  /** `this != other` */
  neq(other: ColumnOrValue): Column { return this.bin('neq', other); }
  /** `this < other` */
  lt(other: ColumnOrValue): Column { return this.bin('lt', other); }
  /** `this <= other` */
  leq(other: ColumnOrValue): Column { return this.bin('lte', other); }
  /** `this > other` */
  gt(other: ColumnOrValue): Column { return this.bin('gt', other); }
  /** `this >= other` */
  geq(other: ColumnOrValue): Column { return this.bin('gte', other); }
  /** Null-safe equality `this <=> other` (null <=> null is true). */
  eqNullSafe(other: ColumnOrValue): Column { return this.bin('eq_null_safe', other); }

  /** `this AND other` (three-valued). */
  and(other: ColumnOrValue): Column { return this.bin('and', other); }
  /** `this OR other` (three-valued). */
  or(other: ColumnOrValue): Column { return this.bin('or', other); }
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
    return new Column({ kind: 'call', fn: 'in', args: [this.expr, ...flat.map(toExpr)] });
  }

  /** `lower <= this AND this <= upper` */
  between(lower: ColumnOrValue, upper: ColumnOrValue): Column {
    return this.geq(lower).and(this.leq(upper));
  }

  /** SQL LIKE (`%` any run, `_` one character). */
  like(pattern: string): Column { return this.bin('like', pattern); }
  /** Case-insensitive LIKE. */
  ilike(pattern: string): Column { return this.bin('ilike', pattern); }
  /** Regular-expression match anywhere in the string (Java/JS regex syntax). */
  rlike(pattern: string): Column { return this.bin('rlike', pattern); }
  /** True if the string contains `other`. */
  contains(other: ColumnOrValue): Column { return this.bin('contains', other); }
  /** True if the string starts with `other`. */
  startswith(other: ColumnOrValue): Column { return this.bin('startswith', other); }
  /** True if the string ends with `other`. */
  endswith(other: ColumnOrValue): Column { return this.bin('endswith', other); }
  /** Substring from 1-based `pos` of `len` characters. */
  substr(pos: number, len: number): Column {
    return new Column({ kind: 'call', fn: 'substring', args: [this.expr, toExpr(pos), toExpr(len)] });
  }

  /** Casts to a type: 'int', 'long'/'bigint', 'double', 'string', 'boolean', 'date', 'timestamp'. */
  cast(type: DataType | string): Column {
    const t = parseTypeName(type);
    if (!t) throw new IllegalArgumentError(`unknown type '${type}' in cast; use one of boolean, int, long, double, string, date, timestamp`);
    return new Column({ kind: 'cast', expr: this.expr, to: t });
  }
  /** Alias of `cast`. */
  astype(type: DataType | string): Column { return this.cast(type); }

  /** Names the output column. */
  alias(name: string): Column {
    const inner = this.expr.kind === 'alias' ? this.expr.expr : this.expr;
    return new Column({ kind: 'alias', expr: inner, name });
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
    return new Column({ ...this.expr, branches: [...this.expr.branches, [condition.expr, toExpr(value)]] });
  }

  /** For `F.when(...)`: the value when no branch matches (null if never called). */
  otherwise(value: ColumnOrValue): Column {
    if (this.expr.kind !== 'case' || this.expr.otherwise !== null) {
      throw new IllegalArgumentError('otherwise() can only be applied once on a Column previously generated by F.when()');
    }
    return new Column({ ...this.expr, otherwise: toExpr(value) });
  }

  /**
   * This aggregate (`F.sum('x')`, `F.count('*')`, any registered aggregate) or window function
   * (`F.row_number()`, `F.rank()`, `F.lag('x')`, ...) evaluated over a window:
   * `F.rank().over(Window.partitionBy('dept').orderBy(col('salary').desc()))`.
   */
  over(window: WindowSpec): Column {
    const e = this.expr;
    if (e.kind === 'alias') return new Column({ kind: 'alias', expr: new Column(e.expr).over(window).expr, name: e.name });
    const spec = window.toExpr();
    if (e.kind === 'agg') return new Column({ kind: 'window', fn: e.fn, args: e.args, distinct: e.distinct, spec });
    if (e.kind === 'call' && isWindowFunction(e.fn)) return new Column({ kind: 'window', fn: e.fn, args: e.args, distinct: false, spec });
    if (e.kind === 'window') throw new AnalysisError(`${exprName(e)} already has a window; call over() once`);
    throw new AnalysisError(`over() needs an aggregate or window function (F.sum, F.count, F.row_number, F.rank, F.lag, ...), not ${exprName(e)}`);
  }
}

/** A literal's Kindling type and storage value. */
export function literal(value: LiteralInput): { value: LiteralValue; type: DataType } {
  if (value === null || value === undefined) return { value: null, type: 'null' };
  if (typeof value === 'boolean') return { value, type: 'boolean' };
  if (typeof value === 'string') return { value, type: 'utf8' };
  if (typeof value === 'bigint') return { value: Number(value), type: 'int64' };
  if (value instanceof Date) {
    const ms = value.getTime();
    // Dates at UTC midnight are date literals (as `createDataFrame` rows of dates), others timestamps.
    return ms % MILLIS_PER_DAY === 0 ? { value: ms / MILLIS_PER_DAY, type: 'date32' } : { value: ms * 1000, type: 'timestamp' };
  }
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return { value, type: Math.abs(value) <= 2147483647 ? 'int32' : 'int64' };
    return { value, type: 'float64' };
  }
  throw new IllegalArgumentError(`unsupported literal ${String(value)} of type ${typeof value}`);
}

/** Converts a Column or JS value into an expression. */
export function toExpr(v: ColumnOrValue): Expr {
  if (v instanceof Column) return v.expr;
  const { value, type } = literal(v);
  return { kind: 'lit', value, type };
}

/** Converts a Column or a column name into an expression (`'*'` is all columns). */
export function nameOrColumn(v: ColumnOrName): Expr {
  if (v instanceof Column) return v.expr;
  if (v === '*') return { kind: 'star' };
  if (v.endsWith('.*')) return { kind: 'star', qualifier: v.slice(0, -2) };
  return parseColumnName(v);
}

/** Parses `name` or `alias.name` (backticks quote a name containing dots). */
export function parseColumnName(name: string): Expr {
  if (name.startsWith('`') && name.endsWith('`')) return { kind: 'col', name: name.slice(1, -1) };
  const dot = name.indexOf('.');
  if (dot > 0 && !name.includes('`')) return { kind: 'col', name: name.slice(dot + 1), qualifier: name.slice(0, dot) };
  return { kind: 'col', name };
}

/** A column by name (`'x'` or `'alias.x'`). */
export function col(name: string): Column {
  return new Column(nameOrColumn(name));
}

/** Alias of `col`. */
export const column = col;

/** A literal column. */
export function lit(value: LiteralInput | Column): Column {
  if (value instanceof Column) return value;
  return new Column(toExpr(value));
}

/** Conditional expression: `when(cond, value).when(...).otherwise(value)`. */
export function when(condition: Column, value: ColumnOrValue): Column {
  return new Column({ kind: 'case', branches: [[condition.expr, toExpr(value)]], otherwise: null });
}

/** Column expression from SQL-like text is provided by `F.expr` once the SQL module lands. */
export type { Expr };

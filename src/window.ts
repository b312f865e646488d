/**
 * The public window specification API (PySpark's `Window` / `WindowSpec`):
 * `Window.partitionBy(...).orderBy(...).rowsBetween(start, end)` builds an immutable spec that
 * `Column.over(spec)` attaches to an aggregate or window function.
 */
import { type ColumnOrName, nameOrColumn } from './column.js';
import { IllegalArgumentError } from './errors.js';
import type { Expr, FrameBound, WindowFrame, WindowSpecExpr } from './expr/expr.js';

type Cols = (ColumnOrName | readonly ColumnOrName[])[];

function flat(cols: Cols): ColumnOrName[] {
  return cols.flatMap((c) => (Array.isArray(c) ? [...(c as readonly ColumnOrName[])] : [c as ColumnOrName]));
}

function toSortExpr(c: ColumnOrName, i: number): Expr {
  const e = nameOrColumn(c, 'orderBy()', i + 1);
  if (e.kind === 'star') throw new IllegalArgumentError(`'*' cannot be used in a window's orderBy()`);
  return e.kind === 'sort' ? e : { kind: 'sort', expr: e, ascending: true, nullsFirst: true };
}

function toBound(x: number | FrameBound, which: 'start' | 'end', type: 'rows' | 'range'): FrameBound {
  let b: FrameBound;
  if (x === 'unboundedPreceding' || x === 'unboundedFollowing') b = x;
  else if (typeof x !== 'number' || Number.isNaN(x)) throw new IllegalArgumentError(`${type}Between(): the ${which} bound must be a number, got ${String(x)}`);
  else if (x <= Window.unboundedPreceding) b = 'unboundedPreceding';
  else if (x >= Window.unboundedFollowing) b = 'unboundedFollowing';
  else {
    if (type === 'rows' && !Number.isInteger(x)) throw new IllegalArgumentError(`rowsBetween(): bounds are row counts and must be integers, got ${x}`);
    b = x === 0 ? 0 : x; // normalise -0
  }
  if (which === 'start' && b === 'unboundedFollowing') throw new IllegalArgumentError(`${type}Between(): the start of a frame cannot be Window.unboundedFollowing`);
  if (which === 'end' && b === 'unboundedPreceding') throw new IllegalArgumentError(`${type}Between(): the end of a frame cannot be Window.unboundedPreceding`);
  return b;
}

function frame(type: 'rows' | 'range', start: number | FrameBound, end: number | FrameBound): WindowFrame {
  const s = toBound(start, 'start', type);
  const e = toBound(end, 'end', type);
  if (typeof s === 'number' && typeof e === 'number' && s > e) {
    throw new IllegalArgumentError(`${type}Between(${s}, ${e}): the frame's lower bound must not be greater than its upper bound`);
  }
  return { type, start: s, end: e };
}

/**
 * An immutable window specification: partitioning, ordering and frame. Build it with the static
 * methods of {@link Window}; every method returns a new spec.
 */
export class WindowSpec {
  /** @internal Use `Window.partitionBy(...)` / `Window.orderBy(...)`. */
  constructor(
    /** @internal PARTITION BY expressions. */
    readonly partitionExprs: readonly Expr[] = [],
    /** @internal ORDER BY expressions ('sort' expressions). */
    readonly orderExprs: readonly Expr[] = [],
    /** @internal The frame, or null for Spark's default. */
    readonly frame: WindowFrame | null = null,
  ) {}

  /** A copy partitioned by these columns (replacing any previous partitioning). */
  partitionBy(...cols: Cols): WindowSpec {
    const exprs = flat(cols).map((c, i) => nameOrColumn(c, 'partitionBy()', i + 1));
    if (exprs.some((e) => e.kind === 'star')) throw new IllegalArgumentError(`'*' cannot be used in a window's partitionBy()`);
    return new WindowSpec(exprs, this.orderExprs, this.frame);
  }

  /** A copy ordered by these columns (replacing any previous ordering); names sort ascending, use `col(x).desc()` for descending. */
  orderBy(...cols: Cols): WindowSpec {
    return new WindowSpec(this.partitionExprs, flat(cols).map(toSortExpr), this.frame);
  }

  /**
   * A copy with a ROWS frame from `start` to `end`, counted in rows relative to the current row
   * (negative = preceding, 0 = current row, positive = following); use
   * `Window.unboundedPreceding` / `Window.unboundedFollowing` / `Window.currentRow`.
   */
  rowsBetween(start: number, end: number): WindowSpec {
    return new WindowSpec(this.partitionExprs, this.orderExprs, frame('rows', start, end));
  }

  /**
   * A copy with a RANGE frame from `start` to `end`: rows whose ORDER BY value lies within the
   * offsets of the current row's value (0 / `Window.currentRow` means the row and its peers).
   * Numeric offsets need a single numeric or date ORDER BY column.
   */
  rangeBetween(start: number, end: number): WindowSpec {
    return new WindowSpec(this.partitionExprs, this.orderExprs, frame('range', start, end));
  }

  /** @internal The spec as the plain data a `window` expression holds. */
  toExpr(): WindowSpecExpr {
    return { partitionBy: this.partitionExprs, orderBy: this.orderExprs, frame: this.frame };
  }

  /** Readable form, e.g. `WindowSpec(PARTITION BY k ORDER BY t ASC NULLS FIRST ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)`. */
  toString(): string {
    const { partitionBy, orderBy, frame: f } = this.toExpr();
    const parts: string[] = [];
    if (partitionBy.length) parts.push(`PARTITION BY ${partitionBy.map(exprText).join(', ')}`);
    if (orderBy.length) parts.push(`ORDER BY ${orderBy.map(exprText).join(', ')}`);
    if (f) parts.push(`${f.type.toUpperCase()} BETWEEN ${boundText(f.start)} AND ${boundText(f.end)}`);
    return `WindowSpec(${parts.join(' ')})`;
  }
}

function exprText(e: Expr): string {
  if (e.kind === 'sort') return `${exprText(e.expr)} ${e.ascending ? 'ASC' : 'DESC'} NULLS ${e.nullsFirst ? 'FIRST' : 'LAST'}`;
  if (e.kind === 'col') return e.name;
  return JSON.stringify(e);
}

function boundText(b: FrameBound): string {
  if (b === 'unboundedPreceding') return 'UNBOUNDED PRECEDING';
  if (b === 'unboundedFollowing') return 'UNBOUNDED FOLLOWING';
  if (b === 0) return 'CURRENT ROW';
  return b < 0 ? `${-b} PRECEDING` : `${b} FOLLOWING`;
}

/**
 * Entry point for window specifications, as PySpark's `Window`:
 *
 * ```ts
 * const w = Window.partitionBy('dept').orderBy(col('salary').desc());
 * df.withColumn('rank', F.rank().over(w));
 * df.withColumn('running', F.sum('amount').over(Window.orderBy('day').rowsBetween(Window.unboundedPreceding, Window.currentRow)));
 * ```
 */
export class Window {
  private constructor() {}

  /**
   * Frame bound: the first row of the partition. PySpark uses the smallest 64-bit integer; here
   * any bound ≤ `Number.MIN_SAFE_INTEGER` (including `-Infinity`) means unbounded preceding.
   */
  static readonly unboundedPreceding: number = Number.MIN_SAFE_INTEGER;
  /** Frame bound: the last row of the partition (any bound ≥ `Number.MAX_SAFE_INTEGER`, including `Infinity`). */
  static readonly unboundedFollowing: number = Number.MAX_SAFE_INTEGER;
  /** Frame bound: the current row (for RANGE frames: the current row and its peers). */
  static readonly currentRow: number = 0;

  /** A spec partitioned by these columns. */
  static partitionBy(...cols: Cols): WindowSpec {
    return new WindowSpec().partitionBy(...cols);
  }
  /** A spec ordered by these columns (one partition holding every row unless partitionBy is added). */
  static orderBy(...cols: Cols): WindowSpec {
    return new WindowSpec().orderBy(...cols);
  }
  /** A spec with a ROWS frame (see {@link WindowSpec.rowsBetween}). */
  static rowsBetween(start: number, end: number): WindowSpec {
    return new WindowSpec().rowsBetween(start, end);
  }
  /** A spec with a RANGE frame (see {@link WindowSpec.rangeBetween}). */
  static rangeBetween(start: number, end: number): WindowSpec {
    return new WindowSpec().rangeBetween(start, end);
  }
}

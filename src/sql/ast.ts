/**
 * The SQL abstract syntax tree: statements, queries (SELECT cores, set operations, CTEs), FROM
 * items and expressions. Every node carries the position of its first token (`pos`) so the planner
 * can point errors at the spot. The parser builds it; the planner lowers it into DataFrames and
 * `Expr` trees.
 */
import type { LiteralValue } from '../expr/expr.js';
import type { LogicalPlan } from '../plan/logical.js';
import type { DataType } from '../types.js';
import type { Pos } from './errors.js';

export type { Pos };

// ------------------------------------------------------------------ expressions

/** A window specification as written: `OVER (w PARTITION BY ... ORDER BY ... ROWS BETWEEN ...)`. */
export interface SqlWindowSpec {
  /** A named window this spec extends (`OVER (w ORDER BY ...)`) or refers to (`OVER w`). */
  readonly base: string | null;
  readonly partitionBy: readonly SqlExpr[];
  readonly orderBy: readonly SqlOrderItem[];
  readonly frame: SqlFrame | null;
  readonly pos: Pos;
}

/** One end of a frame as written. */
export type SqlFrameBound =
  | { readonly kind: 'unboundedPreceding' }
  | { readonly kind: 'unboundedFollowing' }
  | { readonly kind: 'currentRow' }
  | { readonly kind: 'preceding' | 'following'; readonly value: SqlExpr };

/** `ROWS|RANGE BETWEEN start AND end` (or a single start bound, ending at CURRENT ROW). */
export interface SqlFrame {
  readonly type: 'rows' | 'range';
  readonly start: SqlFrameBound;
  readonly end: SqlFrameBound;
  readonly pos: Pos;
}

/** An ORDER BY item. */
export interface SqlOrderItem {
  readonly expr: SqlExpr;
  readonly ascending: boolean;
  /** null = the default (nulls first ascending, last descending). */
  readonly nullsFirst: boolean | null;
  readonly pos: Pos;
}

/** A SQL expression. */
export type SqlExpr =
  | { readonly kind: 'ident'; readonly parts: readonly string[]; readonly pos: Pos; readonly partPos: readonly Pos[] }
  | { readonly kind: 'star'; readonly qualifier: string | null; readonly pos: Pos }
  | { readonly kind: 'literal'; readonly value: LiteralValue; readonly type: DataType; readonly pos: Pos; readonly text: string }
  | { readonly kind: 'interval'; readonly months: number; readonly days: number; readonly micros: number; readonly pos: Pos; readonly text: string }
  | { readonly kind: 'unary'; readonly op: '-' | '+' | 'not'; readonly arg: SqlExpr; readonly pos: Pos }
  | { readonly kind: 'binary'; readonly op: string; readonly left: SqlExpr; readonly right: SqlExpr; readonly pos: Pos; readonly opPos: Pos }
  | { readonly kind: 'is'; readonly arg: SqlExpr; readonly test: 'null' | 'true' | 'false'; readonly negated: boolean; readonly pos: Pos }
  | { readonly kind: 'distinctFrom'; readonly left: SqlExpr; readonly right: SqlExpr; readonly negated: boolean; readonly pos: Pos }
  | { readonly kind: 'between'; readonly arg: SqlExpr; readonly low: SqlExpr; readonly high: SqlExpr; readonly negated: boolean; readonly pos: Pos }
  | { readonly kind: 'inList'; readonly arg: SqlExpr; readonly list: readonly SqlExpr[]; readonly negated: boolean; readonly pos: Pos }
  | { readonly kind: 'inSubquery'; readonly arg: SqlExpr; readonly query: SqlQuery; readonly negated: boolean; readonly pos: Pos }
  | { readonly kind: 'like'; readonly op: 'like' | 'ilike' | 'rlike'; readonly arg: SqlExpr; readonly pattern: SqlExpr; readonly negated: boolean; readonly escape: string | null; readonly pos: Pos }
  | { readonly kind: 'exists'; readonly query: SqlQuery; readonly pos: Pos }
  | { readonly kind: 'subquery'; readonly query: SqlQuery; readonly pos: Pos }
  | {
      readonly kind: 'func';
      /** Lower-cased function name. */
      readonly name: string;
      readonly args: readonly SqlExpr[];
      readonly distinct: boolean;
      /** `count(*)`. */
      readonly star: boolean;
      /** `FILTER (WHERE ...)` on an aggregate. */
      readonly filter: SqlExpr | null;
      /** `IGNORE NULLS` after the call. */
      readonly ignoreNulls: boolean;
      readonly over: SqlWindowSpec | null;
      readonly pos: Pos;
    }
  | { readonly kind: 'case'; readonly operand: SqlExpr | null; readonly whens: readonly (readonly [SqlExpr, SqlExpr])[]; readonly otherwise: SqlExpr | null; readonly pos: Pos }
  | { readonly kind: 'cast'; readonly arg: SqlExpr; readonly to: DataType; readonly typeText: string; readonly pos: Pos }
  | { readonly kind: 'extract'; readonly field: string; readonly arg: SqlExpr; readonly pos: Pos; readonly fieldPos: Pos }
  | { readonly kind: 'subscript'; readonly arg: SqlExpr; readonly index: SqlExpr; readonly pos: Pos }
  /** A lambda function argument of a higher-order function: `x -> body`, `(acc, x) -> body`. */
  | { readonly kind: 'lambda'; readonly params: readonly { readonly name: string; readonly pos: Pos }[]; readonly body: SqlExpr; readonly pos: Pos };

// ------------------------------------------------------------------ queries

/** One item of a SELECT list. */
export interface SqlSelectItem {
  readonly expr: SqlExpr;
  readonly alias: string | null;
  /** `AS (a, b)`: a generator's output names (`alias` is then the first). */
  readonly aliases?: readonly string[];
  /** True when the alias was written without AS (used to spot misspelt keywords). */
  readonly implicitAlias: boolean;
  readonly pos: Pos;
}

/** A FROM item. */
export type SqlFrom =
  | { readonly kind: 'table'; readonly name: string; readonly alias: string | null; readonly columns: readonly string[] | null; readonly pos: Pos }
  | { readonly kind: 'derived'; readonly query: SqlQuery; readonly alias: string | null; readonly columns: readonly string[] | null; readonly pos: Pos }
  | {
      readonly kind: 'join';
      readonly left: SqlFrom;
      readonly right: SqlFrom;
      readonly type: 'inner' | 'left' | 'right' | 'full' | 'cross' | 'left_semi' | 'left_anti';
      readonly on: SqlExpr | null;
      readonly using: readonly { readonly name: string; readonly pos: Pos }[] | null;
      readonly natural: boolean;
      readonly pos: Pos;
    }
  /** The table-valued function `range(end)` / `range(start, end[, step[, partitions]])`. */
  | { readonly kind: 'range'; readonly args: readonly SqlExpr[]; readonly alias: string | null; readonly columns: readonly string[] | null; readonly pos: Pos }
  /** `input PIVOT (agg [AS a], ... FOR col | (c1, c2) IN (value [AS n], (v1, v2) [AS n], ...)) [[AS] alias]`. */
  | {
      readonly kind: 'pivot';
      readonly input: SqlFrom;
      readonly aggs: readonly SqlSelectItem[];
      readonly columns: readonly { readonly name: string; readonly pos: Pos }[];
      readonly values: readonly { readonly exprs: readonly SqlExpr[]; readonly alias: string | null; readonly pos: Pos }[];
      readonly alias: string | null;
      readonly pos: Pos;
    }
  /** `input UNPIVOT [INCLUDE|EXCLUDE NULLS] (v FOR name IN (c [AS n], ...))` or `((v1, v2) FOR name IN ((c1, c2) [AS n], ...))`. */
  | {
      readonly kind: 'unpivot';
      readonly input: SqlFrom;
      readonly includeNulls: boolean;
      readonly valueColumns: readonly { readonly name: string; readonly pos: Pos }[];
      readonly nameColumn: { readonly name: string; readonly pos: Pos };
      readonly sets: readonly { readonly columns: readonly SqlExpr[]; readonly alias: string | null; readonly pos: Pos }[];
      readonly alias: string | null;
      readonly pos: Pos;
    }
  /** Internal: an existing plan (for `df.filter('...')`). */
  | { readonly kind: 'plan'; readonly plan: LogicalPlan; readonly alias: string | null; readonly pos: Pos };

/** `LATERAL VIEW [OUTER] explode(expr) table [AS] col [, col]` after the FROM items. */
export interface SqlLateralView {
  readonly func: Extract<SqlExpr, { kind: 'func' }>;
  readonly outer: boolean;
  readonly table: string;
  /** Output column names; null: the generator's defaults (col / pos, col). */
  readonly columns: readonly string[] | null;
  readonly pos: Pos;
}

/** A named window `WINDOW w AS (...)`. */
export interface SqlNamedWindow {
  readonly name: string;
  readonly spec: SqlWindowSpec;
  readonly pos: Pos;
}

/** One SELECT ... FROM ... WHERE ... GROUP BY ... HAVING ... WINDOW ... block. */
export interface SqlSelect {
  readonly kind: 'select';
  readonly distinct: boolean;
  readonly items: readonly SqlSelectItem[];
  /** Comma-separated FROM items (empty without FROM). */
  readonly from: readonly SqlFrom[];
  /** LATERAL VIEWs after the FROM items, applied in order (each may read the previous ones' columns). */
  readonly lateralViews?: readonly SqlLateralView[];
  readonly where: SqlExpr | null;
  readonly groupBy: readonly SqlExpr[] | null;
  /** ROLLUP / CUBE / GROUPING SETS: each set as indexes into `groupBy` (absent for a plain GROUP BY). */
  readonly groupingSets?: readonly (readonly number[])[];
  /** `GROUP BY ALL`: group by every select item without an aggregate (groupBy is then empty). */
  readonly groupByAll?: boolean;
  readonly having: SqlExpr | null;
  readonly windows: readonly SqlNamedWindow[];
  readonly pos: Pos;
}

/** UNION / INTERSECT / EXCEPT of two query bodies. */
export interface SqlSetOp {
  readonly kind: 'setop';
  readonly op: 'union' | 'intersect' | 'except';
  readonly all: boolean;
  readonly left: SqlQueryBody;
  readonly right: SqlQueryBody;
  readonly pos: Pos;
}

/** `VALUES (..), (..)` as a query body. */
export interface SqlValues {
  readonly kind: 'values';
  readonly rows: readonly (readonly SqlExpr[])[];
  readonly pos: Pos;
}

/** A query body: a SELECT block, a set operation, VALUES, or a parenthesised query. */
export type SqlQueryBody = SqlSelect | SqlSetOp | SqlValues | { readonly kind: 'nested'; readonly query: SqlQuery; readonly pos: Pos };

/** A common table expression `name [(cols)] AS (query)`. */
export interface SqlCte {
  readonly name: string;
  readonly columns: readonly string[] | null;
  readonly query: SqlQuery;
  readonly pos: Pos;
}

/** A full query: WITH, a body, ORDER BY, LIMIT, OFFSET. */
export interface SqlQuery {
  readonly kind: 'query';
  readonly ctes: readonly SqlCte[];
  readonly body: SqlQueryBody;
  readonly orderBy: readonly SqlOrderItem[];
  /** `ORDER BY ALL [ASC|DESC] [NULLS FIRST|LAST]` (Spark 4): every output column, left to right (orderBy then holds only this item's direction, over the identifier `all`). */
  readonly orderByAll?: boolean;
  readonly limit: SqlExpr | null;
  readonly offset: SqlExpr | null;
  readonly pos: Pos;
}

// ------------------------------------------------------------------ statements

/** A SQL statement. */
export type SqlStatement =
  | SqlQuery
  | { readonly kind: 'createView'; readonly name: string; readonly replace: boolean; readonly ifNotExists: boolean; readonly columns: readonly string[] | null; readonly query: SqlQuery; readonly pos: Pos }
  | { readonly kind: 'dropView'; readonly name: string; readonly ifExists: boolean; readonly pos: Pos }
  | { readonly kind: 'cacheTable'; readonly name: string; readonly lazy: boolean; readonly query: SqlQuery | null; readonly pos: Pos; readonly namePos: Pos }
  | { readonly kind: 'uncacheTable'; readonly name: string; readonly ifExists: boolean; readonly pos: Pos; readonly namePos: Pos }
  | { readonly kind: 'clearCache'; readonly pos: Pos }
  | { readonly kind: 'showTables'; readonly pattern: string | null; readonly pos: Pos }
  | { readonly kind: 'showFunctions'; readonly pattern: string | null; readonly pos: Pos }
  | { readonly kind: 'showColumns'; readonly table: string; readonly pos: Pos; readonly tablePos: Pos }
  | { readonly kind: 'describe'; readonly table: string | null; readonly query: SqlQuery | null; readonly pos: Pos; readonly tablePos: Pos }
  | { readonly kind: 'explain'; readonly mode: 'simple' | 'extended' | 'formatted'; readonly statement: SqlStatement; readonly pos: Pos };

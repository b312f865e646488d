/**
 * Window-only functions (ranking and offset functions: row_number, rank, dense_rank,
 * percent_rank, cume_dist, ntile, lag, lead, nth_value): their names, arities and type rules,
 * shared by the DataFrame API and SQL. Every registered aggregate can also run over a window;
 * those keep their definitions in the aggregate registry.
 *
 * Each window function is also registered as a scalar placeholder whose type rule fails with a
 * clear AnalysisError, so `F.row_number()` used without `.over(...)` (or SQL `row_number()`
 * without OVER) explains what is missing instead of reporting an unknown function.
 */
import { AnalysisError, TypeMismatchError } from '../errors.js';
import { type DataType, commonType, isNumeric } from '../types.js';
import type { Expr } from './expr.js';
import { registerScalar } from './registry.js';

/** A window-only function definition. */
export interface WindowFunctionDef {
  /** Lower-case canonical name. */
  readonly name: string;
  /** Minimum and maximum number of arguments. */
  readonly arity: readonly [number, number];
  /** One-line description. */
  readonly doc: string;
  /** True when the window must have an ORDER BY (Spark rejects e.g. `row_number()` over an unordered window). */
  readonly requiresOrder: boolean;
  /** True when the function reads the window frame (nth_value); ranking and offset functions ignore it. */
  readonly usesFrame: boolean;
  /**
   * Result type and argument coercions. Arguments that must be constants (ntile's bucket count,
   * lag's offset, nth_value's n) are checked by the window planner, not here.
   */
  resolve(argTypes: readonly DataType[], display: string): { type: DataType; argTypes: readonly DataType[] };
}

const ranking = (name: string, type: DataType, doc: string): WindowFunctionDef => ({
  name, arity: [0, 0], doc, requiresOrder: true, usesFrame: false,
  resolve: () => ({ type, argTypes: [] }),
});

function offsetResolve(argTypes: readonly DataType[], display: string): { type: DataType; argTypes: readonly DataType[] } {
  const t = argTypes[0]!;
  const off = argTypes[1];
  if (off !== undefined && off !== 'int32' && off !== 'int64' && off !== 'null') {
    throw new TypeMismatchError(`cannot resolve ${display}: the offset must be an integer, got ${off}`);
  }
  const d = argTypes[2];
  if (d !== undefined && d !== 'null' && d !== t && t !== 'null' && !(isNumeric(d) && isNumeric(t)) && commonType(d, t) === undefined) {
    throw new TypeMismatchError(`cannot resolve ${display}: the default value has type ${d}, which does not fit the column type ${t}`);
  }
  // Spark casts the default to the input's type (numbers implicitly to any numeric type).
  const type = t === 'null' && d !== undefined ? d : t;
  const out: DataType[] = [type];
  if (off !== undefined) out.push('int32');
  if (d !== undefined) out.push(type);
  return { type, argTypes: out };
}

const DEFS: readonly WindowFunctionDef[] = [
  ranking('row_number', 'int32', 'Sequential number of the row within its window partition, starting at 1.'),
  ranking('rank', 'int32', 'Rank of the row within its partition, with gaps after ties (1, 1, 3).'),
  ranking('dense_rank', 'int32', 'Rank of the row within its partition, without gaps after ties (1, 1, 2).'),
  ranking('percent_rank', 'float64', 'Relative rank (rank - 1) / (rows in partition - 1), 0 for a single-row partition.'),
  ranking('cume_dist', 'float64', 'Fraction of partition rows ordered at or before the row (peers included).'),
  {
    name: 'ntile', arity: [1, 1], requiresOrder: true, usesFrame: false,
    doc: 'ntile(n): splits each ordered partition into n buckets as evenly as possible (earlier buckets get the extra rows) and returns the bucket number.',
    resolve: (argTypes, display) => {
      const t = argTypes[0]!;
      if (t !== 'int32' && t !== 'int64') throw new TypeMismatchError(`cannot resolve ${display}: the number of buckets must be an integer, got ${t}`);
      return { type: 'int32', argTypes: ['int32'] };
    },
  },
  {
    name: 'lag', arity: [1, 3], requiresOrder: true, usesFrame: false,
    doc: 'lag(x, offset = 1, default = null): x from the row `offset` rows before within the partition, or default.',
    resolve: offsetResolve,
  },
  {
    name: 'lead', arity: [1, 3], requiresOrder: true, usesFrame: false,
    doc: 'lead(x, offset = 1, default = null): x from the row `offset` rows after within the partition, or default.',
    resolve: offsetResolve,
  },
  {
    name: 'nth_value', arity: [2, 3], requiresOrder: false, usesFrame: true,
    doc: 'nth_value(x, n, ignoreNulls = false): x at the n-th row (1-based) of the window frame, or null when the frame is shorter.',
    resolve: (argTypes, display) => {
      const n = argTypes[1]!;
      if (n !== 'int32' && n !== 'int64') throw new TypeMismatchError(`cannot resolve ${display}: n must be an integer, got ${n}`);
      if (argTypes[2] !== undefined && argTypes[2] !== 'boolean') throw new TypeMismatchError(`cannot resolve ${display}: ignoreNulls must be a boolean, got ${argTypes[2]}`);
      return { type: argTypes[0]!, argTypes: argTypes.length === 3 ? [argTypes[0]!, 'int32', 'boolean'] : [argTypes[0]!, 'int32'] };
    },
  },
];

const BY_NAME = new Map(DEFS.map((d) => [d.name, d]));

/** True if `name` is a window-only function (row_number, rank, lag, ...). Aggregates are not included. */
export function isWindowFunction(name: string): boolean {
  return BY_NAME.has(name.toLowerCase());
}

/** The definition of a window-only function, or undefined. */
export function getWindowFunction(name: string): WindowFunctionDef | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/** Names of the window-only functions. */
export function windowFunctionNames(): string[] {
  return DEFS.map((d) => d.name);
}

/** True if the expression contains a window function call (`... OVER (...)`). */
export function containsWindow(e: Expr): boolean {
  switch (e.kind) {
    case 'window': return true;
    case 'call': case 'agg': return e.args.some(containsWindow);
    case 'alias': case 'cast': case 'sort': return containsWindow(e.expr);
    case 'case': return e.branches.some(([c, v]) => containsWindow(c) || containsWindow(v)) || (e.otherwise !== null && containsWindow(e.otherwise));
    default: return false;
  }
}

// Scalar placeholders: a window function called without OVER fails at analysis with a clear message.
registerScalar(...DEFS.map((d) => ({
  name: d.name,
  arity: d.arity,
  doc: `${d.doc} (window function: needs .over(window) / OVER (...))`,
  nulls: 'custom' as const,
  deterministic: false,
  resolve(_argTypes: readonly DataType[], display: string): never {
    throw new AnalysisError(
      `window function ${display} needs a window: use it with .over(...), e.g. F.${d.name}(${d.arity[0] ? '...' : ''}).over(Window.partitionBy(...).orderBy(...)) (SQL: ${d.name}(...) OVER (PARTITION BY ... ORDER BY ...))`,
    );
  },
})));

/** Marker so the module is imported for its registrations. */
export const WINDOW_FUNCTIONS_LOADED = true;

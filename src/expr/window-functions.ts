/**
 * Window-only functions (ranking and offset functions: row_number, rank, dense_rank,
 * percent_rank, cume_dist, ntile, lag, lead, nth_value) as the DataFrame API, SQL and the planner
 * see them: lookups into the function registry (src/expr/registry.ts), where the definitions in
 * src/expr/window/ are registered with their names, type rules and evaluators. Every registered
 * aggregate can also run over a window; those keep their definitions in the aggregate registry.
 */
import type { Expr } from './expr.js';
import { anyExpr } from './tree.js';

export type { WindowFunctionDef } from './function-defs.js';
export { getWindowFunction, isWindowFunction, registerWindowFunction, windowFunctionNames } from './registry.js';

/** True if the expression contains a window function call (`... OVER (...)`). */
export function containsWindow(e: Expr): boolean {
  return anyExpr(e, (x) => x.kind === 'window');
}

/**
 * Builders for unresolved `Expr` nodes shared by the SQL planner and the plan rewrites that
 * build plans through the plan builder (optimizer rules): calls, literals, aliases and balanced
 * AND / OR chains. Positional column references are in positional.ts.
 */
import type { Expr } from '../../expr/expr.js';
import type { DataType } from '../../types.js';
import { combineBalanced } from '../../expr/tree.js';

/** A function call `fn(args...)`. */
export function call(fn: string, ...args: Expr[]): Expr {
  return { kind: 'call', fn, args };
}

/** A literal of the given type. */
export function lit(value: number | string | boolean | null, type: DataType): Expr {
  return { kind: 'lit', value, type };
}

/** `e AS name` (replacing an alias `e` already has). */
export function alias(e: Expr, name: string): Expr {
  if (e.kind === 'alias' && e.names && e.name === name) return e; // a generator's names (`AS (p, c)`)
  return { kind: 'alias', expr: e.kind === 'alias' ? e.expr : e, name };
}

/** The conjunction of `es`, or null when there are none. */
export function andAll(es: readonly Expr[]): Expr | null {
  if (es.length === 0) return null;
  return combineLogical('and', es);
}

/** Combines operands with AND / OR, left-deep for short chains and balanced for long ones (see `combineBalanced`). */
export function combineLogical(fn: 'and' | 'or', args: readonly Expr[]): Expr {
  return combineBalanced(args, (a, b) => call(fn, a, b));
}

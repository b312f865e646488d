/**
 * Internal positional column references: `{ kind: 'col', qualifier: '@i' }` names the i-th
 * column of the input whatever its name (star expansion, renames, SQL's resolved names); the
 * binder resolves them by position.
 */
import type { Expr } from '../../expr/expr.js';

/** A reference to the input's column `i` (named `name` for messages, empty when unknown). */
export function positional(i: number, name = ''): Expr {
  return { kind: 'col', name, qualifier: `@${i}` };
}

/** The column index of a positional reference, or null for any other expression. */
export function positionOf(e: Expr): number | null {
  return e.kind === 'col' && e.qualifier?.startsWith('@') ? Number(e.qualifier.slice(1)) : null;
}

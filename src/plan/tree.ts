/**
 * Generic traversal of logical plans (`transformUp`/`transformDown`, visitors), built on
 * `children`/`withChildren` in logical.ts, so optimizer rules rewrite the nodes they care about
 * and leave the recursion over every other node kind to this module.
 */
import { children, type LogicalPlan, withChildren } from './logical.js';

/** A copy of `p` with new inputs, or `p` itself when they are the same objects. */
export function withInputs(p: LogicalPlan, kids: readonly LogicalPlan[]): LogicalPlan {
  const old = children(p);
  return old.length === kids.length && old.every((k, i) => k === kids[i]) ? p : withChildren(p, kids);
}

/** Rewrites bottom-up: inputs first, then `f` on the rebuilt node (return the node to keep it). */
export function transformUp(p: LogicalPlan, f: (p: LogicalPlan) => LogicalPlan): LogicalPlan {
  return f(withInputs(p, children(p).map((c) => transformUp(c, f))));
}

/**
 * Rewrites top-down: `f` sees a node before its inputs and its result's inputs are then
 * transformed in turn. Return the node unchanged to keep it.
 */
export function transformDown(p: LogicalPlan, f: (p: LogicalPlan) => LogicalPlan): LogicalPlan {
  const q = f(p);
  return withInputs(q, children(q).map((c) => transformDown(c, f)));
}

/** Visits every node pre-order; `f` returning `false` skips that node's inputs. */
export function visitPlan(p: LogicalPlan, f: (p: LogicalPlan) => boolean | void): void {
  if (f(p) === false) return;
  for (const c of children(p)) visitPlan(c, f);
}

/** True if any node of the plan satisfies `pred`. */
export function anyPlan(p: LogicalPlan, pred: (p: LogicalPlan) => boolean): boolean {
  return pred(p) || children(p).some((c) => anyPlan(c, pred));
}

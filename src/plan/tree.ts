/**
 * Generic traversal of logical plans (`transformUp`/`transformDown`, visitors), built on
 * `children`/`withChildren` in logical.ts, so optimizer rules rewrite the nodes they care about
 * and leave the recursion over every other node kind to this module.
 */
import { rewriteIter, treeOps } from '../expr/tree.js';
import { children, type LogicalPlan, withChildren } from './logical.js';

/** A copy of `p` with new inputs, or `p` itself when they are the same objects. */
export function withInputs(p: LogicalPlan, kids: readonly LogicalPlan[]): LogicalPlan {
  const old = children(p);
  return old.length === kids.length && old.every((k, i) => k === kids[i]) ? p : withChildren(p, kids);
}

const planOps = treeOps(children, withInputs);

/** Rewrites bottom-up: inputs first, then `f` on the rebuilt node (return the node to keep it). */
export const transformUp: (p: LogicalPlan, f: (p: LogicalPlan) => LogicalPlan) => LogicalPlan = planOps.transformUp;

/**
 * Rewrites top-down: `f` sees a node before its inputs and its result's inputs are then
 * transformed in turn. Return the node unchanged to keep it.
 */
export function transformDown(p: LogicalPlan, f: (p: LogicalPlan) => LogicalPlan): LogicalPlan {
  return rewriteIter(p, children, (x) => ({ descend: true, node: f(x) }), withInputs);
}

/** Visits every node pre-order; `f` returning `false` skips that node's inputs. */
export const visitPlan: (p: LogicalPlan, f: (p: LogicalPlan) => boolean | void) => void = planOps.visit;

/** True if any node of the plan satisfies `pred`. */
export const anyPlan: (p: LogicalPlan, pred: (p: LogicalPlan) => boolean) => boolean = planOps.any;

/** The number of operators on the longest path from `p` down to a leaf. */
export const planDepth: (p: LogicalPlan) => number = planOps.depth;

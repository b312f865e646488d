/**
 * The expressions a logical node holds itself (not its inputs'): a generic map over them, so a
 * rule that rewrites or remaps expressions (folding, column pruning) does not switch over every
 * node kind.
 */
import type { BoundExpr } from '../../expr/expr.js';
import type { LogicalPlan } from '../logical.js';

/** A copy of `p` with `f` applied to each expression of the node (join keys included); inputs untouched. */
export function mapNodeExprs(p: LogicalPlan, f: (e: BoundExpr) => BoundExpr): LogicalPlan {
  switch (p.kind) {
    case 'scan': return { ...p, filters: p.filters.map(f) };
    case 'project': return { ...p, exprs: p.exprs.map(f) };
    case 'expand': return { ...p, projections: p.projections.map((ps) => ps.map(f)) };
    case 'filter': return { ...p, condition: f(p.condition) };
    case 'aggregate': return { ...p, groupBy: p.groupBy.map(f), aggs: p.aggs.map((a) => ({ ...a, args: a.args.map(f) })) };
    case 'sort': return { ...p, keys: p.keys.map((k) => ({ ...k, expr: f(k.expr) })) };
    case 'repartition': return { ...p, keys: p.keys.map(f) };
    case 'window': return {
      ...p,
      partitionBy: p.partitionBy.map(f),
      orderBy: p.orderBy.map((k) => ({ ...k, expr: f(k.expr) })),
      functions: p.functions.map((fn) => ({ ...fn, args: fn.args.map(f) })),
    };
    case 'windowGroupLimit': return { ...p, partitionBy: p.partitionBy.map(f), orderBy: p.orderBy.map((k) => ({ ...k, expr: f(k.expr) })) };
    case 'flatMapGroupsInArrow': return { ...p, keys: p.keys.map(f) };
    case 'generate': return { ...p, arg: f(p.arg) };
    case 'evalUdfs': return { ...p, udfs: p.udfs.map((u) => ({ ...u, args: u.args.map(f) })) };
    case 'join': return { ...p, leftKeys: p.leftKeys.map(f), rightKeys: p.rightKeys.map(f), condition: p.condition ? f(p.condition) : null };
    // A subquery node holds unbound expressions; rewrite_subqueries runs before any rule that maps expressions.
    case 'limit': case 'sample': case 'union': case 'empty': case 'subquery': case 'mapInArrow': return p;
  }
}

/** The expressions of the node itself, in {@link mapNodeExprs} order. */
export function nodeExprs(p: LogicalPlan): BoundExpr[] {
  const out: BoundExpr[] = [];
  mapNodeExprs(p, (e) => (out.push(e), e));
  return out;
}

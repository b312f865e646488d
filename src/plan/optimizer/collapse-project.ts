/**
 * `collapse_project` (Spark's CollapseProject): a projection right above another becomes one,
 * the upper expressions reading the lower ones directly. It applies only where that computes
 * nothing twice and changes no result: every lower expression the upper ones read is
 * deterministic, and each computed (not a plain column or literal) lower expression is read at
 * most once, and no expression gets deeper than 64 levels. Chains of the fold operators merge into one call (`(a + 1) + 1` is `add(a, 1, 1)`),
 * so thousands of chained `withColumn` calls give one projection with a flat expression.
 */
import { foldBound } from '../../expr/binder.js';
import type { BoundExpr } from '../../expr/expr.js';
import { boundDepth, transformBoundUp, visitBound } from '../../expr/tree.js';
import type { LogicalPlan } from '../logical.js';
import { transformUp } from '../tree.js';
import { isDeterministic } from './expr-utils.js';
import type { OptimizerRule } from './rule.js';

/** The deepest expression a collapse may produce (code generation recurses once per level). */
const MAX_COLLAPSED_DEPTH = 64;

export const collapseProject: OptimizerRule = {
  name: 'collapse_project',
  apply: (plan) => transformUp(plan, collapse),
};

function collapse(p: LogicalPlan): LogicalPlan {
  if (p.kind !== 'project' || p.input.kind !== 'project') return p;
  const lower = p.input.exprs;
  const reads = new Map<number, number>();
  for (const e of p.exprs) {
    visitBound(e, (x) => {
      if (x.kind === 'ref') reads.set(x.index, (reads.get(x.index) ?? 0) + 1);
    });
  }
  for (const [i, n] of reads) {
    const e = lower[i]!;
    if (!isDeterministic(e)) return p;
    if (n > 1 && e.kind !== 'ref' && e.kind !== 'lit') return p;
  }
  const exprs = p.exprs.map((e) => transformBoundUp(e, (x) => inline(x, lower)));
  // Chained withColumn(abs(...)) would nest without bound: past a depth the projections stay apart.
  if (exprs.some((e) => boundDepth(e) > MAX_COLLAPSED_DEPTH)) return p;
  return { kind: 'project', input: p.input.input, exprs, schema: p.schema };
}

/** One node of an upper expression: a ref becomes the lower expression; a fold call absorbs a chain of its operator. */
function inline(x: BoundExpr, lower: readonly BoundExpr[]): BoundExpr {
  if (x.kind === 'ref') return lower[x.index]!;
  if (x.kind === 'call' && x.args.length === 2) return foldBound(x.fn, x.args[0]!, x.args[1]!, x.type);
  return x;
}

/**
 * `constant_folding`: folds constant sub-expressions of every expression in the plan and
 * simplifies AND/OR/CASE with literal operands (Spark's ConstantFolding + BooleanSimplification).
 */
import { transformUp } from '../tree.js';
import { foldExpr } from './expr-utils.js';
import { mapNodeExprs } from './plan-exprs.js';
import type { OptimizerRule } from './rule.js';

export const constantFolding: OptimizerRule = {
  name: 'constant_folding',
  apply: (plan) => transformUp(plan, (p) =>
    // A join's equi-keys are left as built (they always have been): only its residual condition folds.
    p.kind === 'join' ? { ...p, condition: p.condition ? foldExpr(p.condition) : null } : mapNodeExprs(p, foldExpr)),
};

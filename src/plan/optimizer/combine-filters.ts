/**
 * `combine_filters` (Spark's CombineFilters): a filter right above another becomes one filter
 * whose condition ANDs both (the lower one's conjuncts first), when both are deterministic. A
 * chain of thousands of `df.filter(...)` calls becomes one filter with a balanced AND, so the
 * rules, the physical planner and the code generator after it see a shallow plan.
 */
import type { FilterNode, LogicalPlan } from '../logical.js';
import { transformDown } from '../tree.js';
import { andAll, conjuncts, isDeterministic } from './expr-utils.js';
import type { OptimizerRule } from './rule.js';

export const combineFilters: OptimizerRule = {
  name: 'combine_filters',
  apply: (plan) => transformDown(plan, combine),
};

/** The run of deterministic filters from `p` down, as one filter (linear in the run's length). */
function combine(p: LogicalPlan): LogicalPlan {
  if (p.kind !== 'filter' || p.input.kind !== 'filter') return p;
  // Non-deterministic conditions (rand() < 0.5) see exactly the rows the filters below keep; they stay apart.
  const run: FilterNode[] = [];
  for (let q: LogicalPlan = p; q.kind === 'filter' && isDeterministic(q.condition); q = q.input) run.push(q);
  if (run.length < 2) return p;
  const preds = run.reverse().flatMap((f) => conjuncts(f.condition));
  return { kind: 'filter', input: run[0]!.input, condition: andAll(preds), schema: p.schema };
}

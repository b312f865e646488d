/**
 * `eliminate_filter`: a filter whose condition is a literal goes away: TRUE keeps its input,
 * FALSE or NULL becomes an empty relation (runs after constant folding made conditions literal).
 */
import { transformUp } from '../tree.js';
import type { OptimizerRule } from './rule.js';

export const eliminateFilter: OptimizerRule = {
  name: 'eliminate_filter',
  apply: (plan) => transformUp(plan, (p) => {
    if (p.kind !== 'filter' || p.condition.kind !== 'lit') return p;
    return p.condition.value === true ? p.input : { kind: 'empty', schema: p.schema };
  }),
};

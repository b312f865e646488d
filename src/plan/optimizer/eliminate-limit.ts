/** `eliminate_limit`: `LIMIT 0` becomes an empty relation (its input is never run). */
import { transformUp } from '../tree.js';
import type { OptimizerRule } from './rule.js';

export const eliminateLimit: OptimizerRule = {
  name: 'eliminate_limit',
  apply: (plan) => transformUp(plan, (p) => (p.kind === 'limit' && p.limit === 0 ? { kind: 'empty', schema: p.schema } : p)),
};

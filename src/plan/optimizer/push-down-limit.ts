/**
 * `push_down_limit`: a limit moves below projections, caps the rows a scan reads (per
 * partition; the limit stays above), and puts a copy of itself (limit + offset rows) on each
 * input of a union.
 */
import type { LimitNode, LogicalPlan } from '../logical.js';
import { transformUp } from '../tree.js';
import type { OptimizerRule } from './rule.js';

export const pushDownLimit: OptimizerRule = {
  name: 'push_down_limit',
  apply: (plan) => pushLimits(plan),
};

function pushLimits(p: LogicalPlan): LogicalPlan {
  return transformUp(p, (q) => (q.kind === 'limit' ? pushLimit(q) : q));
}

/** One limit whose input was already rewritten. */
function pushLimit(p: LimitNode): LogicalPlan {
  const input = p.input;
  const k = p.limit + p.offset;
  switch (input.kind) {
    // The limit goes below and is pushed again from there (its new input's subtree is rewritten once more, as it always was).
    case 'project': return { ...input, input: pushLimits({ ...p, input: input.input, schema: input.input.schema }) };
    case 'scan': return { ...p, input: { ...input, limit: Math.min(input.limit ?? Infinity, k) } };
    case 'union': return { ...p, input: { ...input, inputs: input.inputs.map((i) => pushLimits({ kind: 'limit', input: i, limit: k, offset: 0, schema: i.schema })) } };
    default: return p;
  }
}

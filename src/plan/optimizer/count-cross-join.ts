/**
 * `count_cross_join`: `count(*)` over a cross join (a join without keys or condition, possibly
 * under projections, which keep the row count) is the product of its inputs' counts. The
 * aggregate becomes a projection of `count(left) * count(right)` over a cross join of the two
 * one-row counts, so the join's rows are never produced: a count of a 1e5 × 1e5 cross join reads
 * 2e5 rows instead of pairing 1e10. Nested cross joins are rewritten on each side.
 */
import type { BoundAgg, BoundExpr } from '../../expr/expr.js';
import { Schema } from '../../types.js';
import type { AggregateNode, LogicalPlan } from '../logical.js';
import { transformUp } from '../tree.js';
import type { OptimizerRule } from './rule.js';

export const countCrossJoin: OptimizerRule = {
  name: 'count_cross_join',
  apply: (plan) => transformUp(plan, (p) => (p.kind === 'aggregate' ? rewrite(p) : p)),
};

const COUNT: BoundAgg = { fn: 'count', args: [], distinct: false, type: 'int64' };

/** count(*), or count of non-null literals (count(1)): counts every row. */
function countsRows(a: BoundAgg): boolean {
  return a.fn === 'count' && !a.distinct && a.args.every((x) => x.kind === 'lit' && x.value !== null);
}

/** `count(*)` of `input`: a one-row plan with one non-null int64 column. */
function countOf(input: LogicalPlan, name: string): LogicalPlan {
  const agg: AggregateNode = { kind: 'aggregate', input, groupBy: [], aggs: [COUNT], schema: new Schema([{ name, type: 'int64', nullable: false }]) };
  return rewrite(agg);
}

function rewrite(agg: AggregateNode): LogicalPlan {
  if (agg.groupBy.length || agg.aggs.length === 0 || !agg.aggs.every(countsRows)) return agg;
  if (!agg.schema.fields.every((f) => f.type === 'int64')) return agg;
  let input = agg.input;
  while (input.kind === 'project') input = input.input;
  if (input.kind !== 'join' || (input.joinType !== 'inner' && input.joinType !== 'cross') || input.condition || input.leftKeys.length) return agg;
  const left = countOf(input.left, 'count_left');
  const right = countOf(input.right, 'count_right');
  const schema = new Schema([...left.schema.fields, ...right.schema.fields]);
  const join: LogicalPlan = { kind: 'join', left, right, joinType: 'cross', leftKeys: [], rightKeys: [], condition: null, schema };
  const ref = (index: number): BoundExpr => ({ kind: 'ref', index, type: 'int64', name: schema.fields[index]!.name });
  const product: BoundExpr = { kind: 'call', fn: 'multiply', args: [ref(0), ref(1)], type: 'int64' };
  return { kind: 'project', input: join, exprs: agg.aggs.map(() => product), schema: agg.schema };
}

/**
 * `infer_window_group_limit` (Spark 3.5's InferWindowGroupLimit): a filter that bounds a rank-like
 * window function (`row_number() OVER w <= k`, also `< k`, `k >= rn`, `rn = k`; rank and
 * dense_rank alike) over a Window whose functions are all rank-like gets a WindowGroupLimit node
 * below that Window, so the planner keeps at most k rows per window partition (all tied rows for
 * rank and dense_rank) before and after the shuffle instead of sorting every row (db-benchmark q8,
 * "largest two v3 by id6"). The filter and the Window stay: the rows kept are a prefix of each
 * partition in window order, so the Window computes the same values for them and the filter the
 * same rows. As in Spark, limits above `WINDOW_GROUP_LIMIT_THRESHOLD` are left to the sort.
 */
import type { BoundExpr } from '../../expr/expr.js';
import type { LogicalPlan, WindowGroupLimitNode, WindowNode } from '../logical.js';
import { transformDown } from '../tree.js';
import { conjuncts, containsUdf, isDeterministic } from './expr-utils.js';
import type { OptimizerRule } from './rule.js';

/** Largest k planned as a per-group top-k (Spark's spark.sql.optimizer.windowGroupLimitThreshold default). */
export const WINDOW_GROUP_LIMIT_THRESHOLD = 1000;

const RANK_LIKE = new Set(['row_number', 'rank', 'dense_rank']);

/** Comparison names with the window column on the left (`rn OP k`), and their mirror (`k OP rn`). */
const MIRROR: Record<string, string> = { lte: 'gte', lt: 'gt', eq: 'eq', gte: 'lte', gt: 'lt' };

export const inferWindowGroupLimit: OptimizerRule = {
  name: 'infer_window_group_limit',
  apply: (plan) => transformDown(plan, rewrite),
};

function rewrite(p: LogicalPlan): LogicalPlan {
  if (p.kind !== 'filter' || p.input.kind !== 'window' || !isDeterministic(p.condition)) return p;
  const w = p.input;
  if (w.input.kind === 'windowGroupLimit' || w.orderBy.length === 0 || !w.functions.every((f) => RANK_LIKE.has(f.fn))) return p;
  // UDF calls in the keys are moved out of the Window by extract_udfs, which runs later; not out of this node.
  if (w.partitionBy.some(containsUdf) || w.orderBy.some((k) => containsUdf(k.expr))) return p;
  let best: { fn: WindowGroupLimitNode['fn']; limit: number } | null = null;
  for (const c of conjuncts(p.condition)) {
    const b = boundOf(c, w);
    // Any bound will do; the smallest keeps the fewest rows (row_number's before rank's on ties of k).
    if (b && (!best || b.limit < best.limit || (b.limit === best.limit && b.fn === 'row_number'))) best = b;
  }
  if (!best || best.limit < 1 || best.limit > WINDOW_GROUP_LIMIT_THRESHOLD) return p;
  const limit: WindowGroupLimitNode = { kind: 'windowGroupLimit', input: w.input, partitionBy: w.partitionBy, orderBy: w.orderBy, fn: best.fn, limit: best.limit, schema: w.input.schema };
  const window: WindowNode = { ...w, input: limit };
  return { ...p, input: window };
}

/** The limit a conjunct puts on a rank-like function of `w` (`rn <= 2` → 2, `rn < 2` → 1), or null. */
function boundOf(c: BoundExpr, w: WindowNode): { fn: WindowGroupLimitNode['fn']; limit: number } | null {
  if (c.kind !== 'call' || c.args.length !== 2 || !(c.fn in MIRROR)) return null;
  const [a, b] = c.args as [BoundExpr, BoundExpr];
  const fnOf = (e: BoundExpr) => {
    const r = e.kind === 'cast' ? e.expr : e;
    const j = r.kind === 'ref' ? r.index - w.input.schema.length : -1;
    return j >= 0 ? w.functions[j]!.fn as WindowGroupLimitNode['fn'] : null;
  };
  const numberOf = (e: BoundExpr) => (e.kind === 'lit' && (typeof e.value === 'number' || typeof e.value === 'bigint') ? Number(e.value) : null);
  let fn = fnOf(a);
  let v = numberOf(b);
  let op = c.fn;
  if (fn === null || v === null) {
    fn = fnOf(b);
    v = numberOf(a);
    op = MIRROR[c.fn]!;
  }
  if (fn === null || v === null || Number.isNaN(v)) return null;
  switch (op) {
    case 'lte': return { fn, limit: Math.floor(v) };
    case 'lt': return { fn, limit: Math.ceil(v) - 1 };
    case 'eq': return Number.isInteger(v) ? { fn, limit: v } : null;
    default: return null;
  }
}

/**
 * rewrite_subqueries: turns every Subquery node (an EXISTS / IN / scalar subquery the SQL layer
 * left in the plan with its correlation as data) into joins, as Spark's optimizer rules
 * RewritePredicateSubquery and RewriteCorrelatedScalarSubquery do; subqueries never run per row.
 *  - `exists` / `in` → left semi joins; `not_exists` → left anti joins (the correlated
 *    predicates, equalities and others, become the join condition);
 *  - `not_in` → null-aware anti join: uncorrelated, a hash anti join on `x = y` plus a
 *    cross-joined one-row (count(*), count(y)) of the subquery that drops every row when the
 *    subquery holds a null and rows with a null `x` when it is non-empty; correlated, an anti join
 *    on the correlation keys with the residual `x = y OR x IS NULL OR y IS NULL`;
 *  - correlated `scalar` (an aggregate) → the subquery grouped by its correlation columns,
 *    left-joined on them (with a match flag so `count` gives 0, not null, for rows without a
 *    match); uncorrelated → a cross join with its one row: a global aggregate as it is, a LIMIT 1
 *    through `first` (null when empty), anything else through an aggregate of its row count and
 *    first value that fails the job with `raise_error(tooManyRows)` when it has several rows;
 *  - `exists_value` / `in_value` (under OR, in SELECT) → a left join to the distinct keys plus a
 *    match flag (and, for IN, the subquery's row / non-null counts for SQL's null rules).
 * The rule is required for correctness (the physical planner has no subquery operator), so it
 * cannot be excluded. The SQL layer builds the nodes with `subqueryNode` (which checks them by
 * building the rewrite once, so analysis errors surface while the SQL is lowered) and reads a
 * value subquery's result with `subqueryResult`.
 */
import type { Expr } from '../../expr/expr.js';
import { anyExpr, transformExprDown, visitExpr } from '../../expr/tree.js';
import { liftGroupExprs } from '../analyzer/aggregate.js';
import { alias, andAll, call, lit } from '../analyzer/expr-build.js';
import { positional as ref } from '../analyzer/positional.js';
import * as B from '../builder.js';
import type { LogicalPlan, SubqueryMode, SubqueryNode } from '../logical.js';
import { transformUp } from '../tree.js';
import { OptimizerError, type OptimizerRule } from './rule.js';

/** What a Subquery node is made of besides its inputs (see SubqueryNode; its schema follows from the rewrite). */
export interface SubquerySpec {
  readonly mode: SubqueryMode;
  readonly correlation?: readonly Expr[];
  readonly value?: Expr | null;
  readonly item?: Expr | null;
  readonly singleRow?: boolean;
  readonly tooManyRows?: string | null;
}

/** Called with an input column a correlated scalar subquery's item uses outside its aggregates. */
export type OnUngrouped = (col: Expr) => never;

/**
 * A Subquery node over `input`. Its schema is that of the joins it stands for: the rewrite is
 * built once here, so the errors it can raise (types of IN operands, join conditions,
 * aggregates; `onUngrouped` for a correlated scalar item using a column outside its aggregates)
 * are raised now.
 */
export function subqueryNode(input: LogicalPlan, subquery: LogicalPlan, spec: SubquerySpec, onUngrouped?: OnUngrouped): SubqueryNode {
  const node: SubqueryNode = {
    kind: 'subquery', input, subquery, mode: spec.mode,
    correlation: spec.correlation ?? [], value: spec.value ?? null, item: spec.item ?? null, singleRow: spec.singleRow ?? false,
    tooManyRows: spec.tooManyRows ?? null,
    schema: input.schema,
  };
  return { ...node, schema: rewriteSubquery(node, onUngrouped).schema };
}

/** The rule: every Subquery node, innermost first, becomes joins. */
export const rewriteSubqueries: OptimizerRule = {
  name: 'rewrite_subqueries',
  required: true,
  apply: (plan) => transformUp(plan, (p) => (p.kind === 'subquery' ? rewriteSubquery(p) : p)),
};

/**
 * The value of a value subquery (`exists_value`, `in_value`, `scalar`) as an expression over the
 * node's output, e.g. the appended scalar column or a test of the match flag.
 */
export function subqueryResult(node: SubqueryNode): Expr {
  const W = node.input.schema.length;
  const n = node.schema.length;
  const correlated = node.correlation.length > 0;
  switch (node.mode) {
    case 'exists_value':
      return correlated ? call('isnotnull', ref(n - 1, '__m')) : call('gt', ref(W, '__e'), lit(0, 'int64'));
    case 'in_value': {
      const x = node.value!;
      const m = ref(W + 3, '__m');
      return {
        kind: 'case',
        branches: [
          [call('isnotnull', m), lit(true, 'boolean')],
          [call('eq', ref(W, '__n'), lit(0, 'int64')), lit(false, 'boolean')],
          [call('or', call('isnull', x), call('lt', ref(W + 1, '__nn'), ref(W, '__n'))), lit(null, 'boolean')],
        ],
        otherwise: lit(false, 'boolean'),
      };
    }
    case 'scalar': {
      if (!correlated) return ref(W, node.schema.fields[W]!.name);
      const v = ref(n - 2, '__v');
      // Outer rows without a match see the aggregate over no rows: count → 0, most others null.
      const empty = emptyAggregateValue(node.item!);
      if (empty === null) return v;
      return { kind: 'case', branches: [[call('isnull', ref(n - 1, '__m')), empty]], otherwise: v };
    }
    default:
      throw new OptimizerError(`internal error: a ${node.mode} subquery filters rows and has no value`);
  }
}

const internal: OnUngrouped = (col) => {
  throw new OptimizerError(`internal error: rewrite_subqueries: column ${JSON.stringify(col)} is used outside the subquery's aggregates`);
};

/** The joins one Subquery node stands for (its inputs as they are). */
function rewriteSubquery(node: SubqueryNode, onUngrouped: OnUngrouped = internal): LogicalPlan {
  const { input, subquery: sub, correlation } = node;
  const W = input.schema.length;
  const correlated = correlation.length > 0;
  switch (node.mode) {
    case 'exists': case 'not_exists': {
      const how = node.mode === 'exists' ? 'left_semi' : 'left_anti';
      return correlated ? B.join(input, sub, andAll(correlation), how) : B.join(input, B.limit(sub, 1), null, how);
    }
    case 'in': case 'not_in': {
      const x = node.value!;
      if (correlated) {
        const y = node.item!;
        const match = node.mode === 'not_in' ? call('or', call('or', call('eq', x, y), call('isnull', x)), call('isnull', y)) : call('eq', x, y);
        return B.join(input, sub, andAll([...correlation, match]), node.mode === 'not_in' ? 'left_anti' : 'left_semi');
      }
      const yName = sub.schema.names[0]!;
      if (node.mode === 'in') return B.join(input, sub, call('eq', x, ref(W, yName)), 'left_semi');
      // Null-aware anti join: drop everything when the subquery holds a null; drop null x when it is non-empty.
      const n = ref(W, '__n');
      const nn = ref(W + 1, '__nn');
      const keep = call('or', call('eq', n, lit(0, 'int64')), call('and', call('isnotnull', x), call('eq', nn, n)));
      const withStats = B.filter(B.crossJoin(input, counts(sub)), keep);
      return B.join(withStats, sub, call('eq', x, ref(withStats.schema.length, yName)), 'left_anti');
    }
    case 'exists_value': {
      if (correlated) return correlatedAggregateJoin(node, null, onUngrouped);
      const mark = B.aggregate(B.limit(sub, 1), [], [alias({ kind: 'agg', fn: 'count', args: [], distinct: false }, '__e')]);
      return B.crossJoin(input, mark);
    }
    case 'in_value': {
      const yName = sub.schema.names[0]!;
      const distinctKeys = B.project(B.aggregate(sub, [alias(ref(0, yName), '__k')], []), [ref(0, '__k'), lit(true, 'boolean')], ['__k', '__m']);
      return B.join(B.crossJoin(input, counts(sub)), distinctKeys, call('eq', node.value!, ref(W + 2, '__k')), 'left');
    }
    case 'scalar': {
      if (correlated) return correlatedAggregateJoin(node, node.item!, onUngrouped);
      if (node.singleRow) return B.crossJoin(input, sub); // a global aggregate: exactly one row
      return B.crossJoin(input, oneRow(sub, atMostOneRow(sub) ? null : node.tooManyRows));
    }
  }
}

/**
 * A scalar subquery's one row (its first value, null when it has none). With `tooManyRows`, its
 * row count is taken too, and the value is `CASE WHEN __n > 1 THEN raise_error(tooManyRows) ...`,
 * so a subquery with several rows fails the job at run time, as Spark's does.
 */
function oneRow(sub: LogicalPlan, tooManyRows: string | null): LogicalPlan {
  const name = sub.schema.names[0]!;
  const first = alias({ kind: 'agg', fn: 'first', args: [ref(0, name)], distinct: false }, name);
  if (tooManyRows === null) return B.aggregate(sub, [], [first]);
  const agg = B.aggregate(sub, [], [alias({ kind: 'agg', fn: 'count', args: [], distinct: false }, '__n'), first]);
  const check: Expr = { kind: 'case', branches: [[call('gt', ref(0, '__n'), lit(1, 'int64')), call('raise_error', lit(tooManyRows, 'utf8'))]], otherwise: ref(1, name) };
  return B.project(agg, [check], [name]);
}

/** True when the plan yields at most one row whatever its input (a LIMIT 0/1, a global aggregate), seen through projections and filters. */
function atMostOneRow(p: LogicalPlan): boolean {
  switch (p.kind) {
    case 'limit': return p.limit <= 1 || atMostOneRow(p.input);
    case 'aggregate': return p.groupBy.length === 0;
    case 'project': case 'filter': return atMostOneRow(p.input);
    default: return false;
  }
}

/** One row: the subquery's row count `__n` and its first column's non-null count `__nn`. */
function counts(sub: LogicalPlan): LogicalPlan {
  return B.aggregate(sub, [], [
    alias({ kind: 'agg', fn: 'count', args: [], distinct: false }, '__n'),
    alias({ kind: 'agg', fn: 'count', args: [ref(0, sub.schema.names[0]!)], distinct: false }, '__nn'),
  ]);
}

/** Which side of input ++ subquery (input width `W`) an expression reads. */
function side(e: Expr, W: number): 'outer' | 'inner' | 'both' | 'none' {
  let o = false;
  let i = false;
  visitExpr(e, (x) => {
    if (x.kind === 'col' && x.qualifier?.startsWith('@')) (Number(x.qualifier.slice(1)) < W ? (o = true) : (i = true));
  });
  return o && i ? 'both' : o ? 'outer' : i ? 'inner' : 'none';
}

/** Moves `@i` references by `-W` (input ++ subquery → subquery layout). */
function shift(e: Expr, by: number): Expr {
  return transformExprDown(e, (x) => (x.kind === 'col' && x.qualifier?.startsWith('@') ? ref(Number(x.qualifier.slice(1)) + by, x.name) : undefined));
}

/**
 * Splits the correlation into equalities inner-expr = outer-expr (inner sides over the subquery,
 * outer sides over the input); null when some predicate is not such an equality.
 */
function equiPreds(correlation: readonly Expr[], W: number): { inner: Expr[]; outer: Expr[] } | null {
  const inner: Expr[] = [];
  const outer: Expr[] = [];
  for (const e of correlation) {
    if (e.kind !== 'call' || e.fn !== 'eq') return null;
    const [a, b] = e.args as [Expr, Expr];
    const sa = side(a, W);
    const sb = side(b, W);
    if (sa === 'inner' && sb === 'outer') { inner.push(shift(a, -W)); outer.push(b); continue; }
    if (sa === 'outer' && sb === 'inner') { inner.push(shift(b, -W)); outer.push(a); continue; }
    return null;
  }
  return { inner, outer };
}

/**
 * Aggregates a correlated subquery per outer row's correlation values and left-joins the result
 * onto the input, appending [keys..., __v (when `item` is given), __m (a match flag)].
 *
 * With only equality correlations (`inner.k = outer.k`) the subquery is grouped by its inner
 * keys. Otherwise (e.g. `inner.x > outer.y`) the distinct outer values referenced (the
 * "domain") are joined to the subquery on all its correlated predicates and the result is
 * grouped by the domain columns. Either way the outer rows join the aggregate on equality keys.
 */
function correlatedAggregateJoin(node: SubqueryNode, item: Expr | null, onUngrouped: OnUngrouped): LogicalPlan {
  const { input, subquery: sub, correlation } = node;
  const W = input.schema.length;
  const eq = equiPreds(correlation, W);
  let source: LogicalPlan;
  let groups: Expr[];
  let outerKeys: Expr[];
  let value = item;
  if (eq) {
    source = sub;
    groups = eq.inner;
    outerKeys = eq.outer;
  } else {
    const outerIdx = new Set<number>();
    for (const e of correlation) visitExpr(e, (x) => { if (x.kind === 'col' && x.qualifier?.startsWith('@') && Number(x.qualifier.slice(1)) < W) outerIdx.add(Number(x.qualifier.slice(1))); });
    const idx = [...outerIdx].sort((a, b) => a - b);
    const k = idx.length;
    const slot = new Map(idx.map((i, j) => [i, j]));
    const domain = B.distinct(B.project(input, idx.map((i) => ref(i, input.schema.fields[i]!.name)), idx.map((_, j) => `__d${j}`)));
    // Outer references → domain columns; subquery columns after them.
    const move = (e: Expr, innerBase: number) => transformExprDown(e, (x) => {
      if (x.kind !== 'col' || !x.qualifier?.startsWith('@')) return undefined;
      const i = Number(x.qualifier.slice(1));
      if (i < innerBase) return ref(slot.get(i)!, `__d${slot.get(i)!}`);
      return ref(i - innerBase + k, x.name);
    });
    source = B.join(domain, sub, andAll(correlation.map((e) => move(e, W))), 'inner');
    groups = idx.map((_, j) => ref(j, `__d${j}`));
    outerKeys = idx.map((i) => ref(i, input.schema.fields[i]!.name));
    value = item ? move(item, 0) : null;
  }
  const keyNames = groups.map((_, i) => `__k${i}`);
  const outs: Expr[] = [];
  if (value) outs.push(alias(liftGroupExprs(value, groups, onUngrouped), '__v'));
  outs.push(alias(lit(true, 'boolean'), '__m'));
  const agg = B.aggregate(source, groups.map((g, i) => alias(g, keyNames[i]!)), outs);
  const cond = andAll(outerKeys.map((o, i) => call('eq', o, ref(W + i, keyNames[i]!))))!;
  return B.join(input, agg, cond, 'left');
}

/**
 * The value an aggregate expression takes over no rows (count → 0, other aggregates → null), or
 * null when that is certainly null (then no match flag is needed).
 */
function emptyAggregateValue(e: Expr): Expr | null {
  let sawCount = false;
  const replaced = transformExprDown(e, (x) => {
    if (x.kind === 'agg') {
      if (x.fn === 'count') {
        sawCount = true;
        return lit(0, 'int64');
      }
      return lit(null, 'null');
    }
    return undefined;
  });
  if (!sawCount && !containsNullAbsorbing(e)) return null;
  return replaced;
}

/** True if the expression has a construct that can turn a null into a value (coalesce, CASE, ...). */
function containsNullAbsorbing(e: Expr): boolean {
  const absorbing = ['coalesce', 'nvl', 'ifnull', 'nvl2', 'if', 'isnull', 'isnotnull', 'eq_null_safe', 'concat_ws', 'or', 'and', 'in'];
  return anyExpr(e, (x) => x.kind === 'case' || (x.kind === 'call' && absorbing.includes(x.fn)), (x) => x.kind !== 'agg');
}

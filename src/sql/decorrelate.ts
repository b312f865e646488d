/**
 * Subquery decorrelation: subqueries are rewritten into joins, never run per row.
 *  - `EXISTS` / `IN` as WHERE conjuncts → left semi joins; `NOT EXISTS` → left anti joins (the
 *    correlated predicates, equalities and others, become the join condition);
 *  - `x NOT IN (subquery)` → null-aware anti join: uncorrelated, a hash anti join on `x = y` plus a
 *    cross-joined one-row (count(*), count(y)) of the subquery that drops every row when the
 *    subquery holds a null and rows with a null `x` when it is non-empty; correlated, an anti join
 *    on the correlation keys with the residual `x = y OR x IS NULL OR y IS NULL`;
 *  - correlated scalar subqueries (which must be aggregates, as in Spark) → the subquery grouped by
 *    its correlation columns, left-joined on them (with a match flag so `count` gives 0, not null,
 *    for rows without a match); uncorrelated scalar subqueries → a cross join with their one row;
 *  - `EXISTS` / `IN` elsewhere (under OR, in SELECT) → a left join to the distinct keys plus a
 *    match flag (and, for IN, the subquery's row / non-null counts for SQL's null rules).
 * Correlated references are `^i` columns (into the enclosing frame) while a subquery is planned.
 */
import { bindExpr } from '../expr/binder.js';
import type { Expr } from '../expr/expr.js';
import { anyExpr, transformExprDown, visitExpr } from '../expr/tree.js';
import * as B from '../plan/builder.js';
import type { LogicalPlan } from '../plan/logical.js';
import { type DataType, Schema } from '../types.js';
import type { Pos, SqlExpr, SqlOrderItem, SqlQuery, SqlSelect, SqlSelectItem } from './ast.js';
import { ref, call, lit, alias, andAll, hasQualifierPrefix, containsKind, astHasAggregate } from './expr-helpers.js';
import { Frame, type Deferred, type Env, type XCtx, type SubqueryPlan } from './scope.js';
import { ExpressionTranslator } from './expressions.js';

/**
 * Subquery decorrelation: EXISTS / IN / scalar subqueries become semi, anti, left or cross joins
 * onto the frame being planned (see the module comment). Entry points: `subqueryConjunct` for a
 * WHERE conjunct holding a subquery, `subqueryValue` for a subquery used as a value.
 */
export abstract class SubqueryDecorrelator extends ExpressionTranslator {
  protected abstract planQuery(q: SqlQuery, envIn: Env, outer: Frame | null): LogicalPlan;
  protected abstract withCtes(q: SqlQuery, envIn: Env): Env;
  protected abstract fromWhere(sel: SqlSelect, env: Env, outer: Frame | null, corr: Expr[] | null): Frame;
  protected abstract finishSelect(sel: SqlSelect, orderBy: readonly SqlOrderItem[], frame: Frame, env: Env): LogicalPlan;
  protected abstract applyLimit(dfIn: LogicalPlan, q: SqlQuery): LogicalPlan;
  protected abstract liftForAggregate(e: Expr, groups: readonly Expr[]): Expr;

  /** A WHERE conjunct holding a subquery: semi/anti joins at the top level, else a filter over joined values. */
  protected subqueryConjunct(c: SqlExpr, frame: Frame, env: Env): void {
    let node = c;
    let negated = false;
    while (node.kind === 'unary' && node.op === 'not') {
      negated = !negated;
      node = node.arg;
    }
    if (node.kind === 'exists') {
      this.semiAntiExists(node, negated, frame, env);
      return;
    }
    if (node.kind === 'inSubquery') {
      this.semiAntiIn(node, negated !== node.negated, frame, env);
      return;
    }
    const ctx = this.ctx(frame, env, 'a WHERE condition that also contains a subquery', { subqueries: 'immediate', outerRefs: false });
    const e = this.tx(c, ctx);
    this.checkBoolean(e, ctx, c.pos, 'WHERE condition');
    frame.setPlan(this.at(c.pos, () => B.filter(frame.plan!, e)));
  }

  /** Plans a subquery against the enclosing `outer` frame, detecting correlation. */
  protected planSubquery(q: SqlQuery, outer: Frame, envIn: Env): SubqueryPlan {
    const env = this.withCtes(q, envIn);
    if (q.body.kind === 'select') {
      const sel = q.body;
      const corr: Expr[] = [];
      const inner = this.fromWhere(sel, env, outer, corr);
      if (corr.length === 0) {
        const df = this.applyLimit(this.finishSelect(sel, q.orderBy, inner, env), q);
        return { correlated: false, plan: df, singleRow: isSingleRow(sel, q) };
      }
      return { correlated: true, inner, preds: corr, sel, query: q, env };
    }
    const df = this.planQuery(q, env, outer);
    return { correlated: false, plan: df, singleRow: false };
  }

  /** Moves correlated predicates onto the layout outer ++ inner (`^i` → `@i`, `@j` → `@(W + j)`). */
  protected combineRefs(e: Expr, outerWidth: number): Expr {
    return transformExprDown(e, (x) => {
      if (x.kind !== 'col' || !x.qualifier) return undefined;
      if (x.qualifier.startsWith('^')) return ref(Number(x.qualifier.slice(1)), x.name);
      if (x.qualifier.startsWith('@')) return ref(Number(x.qualifier.slice(1)) + outerWidth, x.name);
      return undefined;
    });
  }

  /** Rejects what correlated subqueries cannot have here. */
  protected checkCorrelatedShape(p: Extract<SubqueryPlan, { correlated: true }>, pos: Pos, what: string, allowAgg: boolean): void {
    const { sel, query } = p;
    if (sel.groupBy) this.err(pos, `correlated ${what} subquery with GROUP BY is not supported`);
    if (sel.having) this.err(pos, `correlated ${what} subquery with HAVING is not supported`);
    if (!allowAgg && sel.items.some((i) => astHasAggregate(i.expr))) this.err(pos, `correlated ${what} subquery with aggregate functions is not supported`);
    if (sel.windows.length || sel.items.some((i) => i.expr.kind === 'func' && i.expr.over)) this.err(pos, `correlated ${what} subquery with window functions is not supported`);
    if (query.limit && what !== 'EXISTS') this.err(pos, `correlated ${what} subquery with LIMIT is not supported`);
    if (query.offset) this.err(pos, `correlated ${what} subquery with OFFSET is not supported`);
  }

  /** Translates the select items of a correlated subquery over its inner frame. */
  protected correlatedItems(p: Extract<SubqueryPlan, { correlated: true }>, aggs: boolean): { exprs: Expr[]; items: readonly SqlSelectItem[] } {
    const ctx = this.ctx(p.inner, p.env, 'SELECT', { aggs, windows: false, subqueries: 'deny', outerRefs: false });
    const exprs: Expr[] = [];
    for (const it of p.sel.items) {
      if (it.expr.kind === 'star') {
        for (const i of this.expandStar(it.expr, p.inner)) exprs.push(ref(i, p.inner.schema.fields[i]!.name));
      } else exprs.push(this.tx(it.expr, ctx));
    }
    return { exprs, items: p.sel.items };
  }

  protected semiAntiExists(node: Extract<SqlExpr, { kind: 'exists' }>, negated: boolean, frame: Frame, env: Env): void {
    const p = this.planSubquery(node.query, frame, env);
    const how = negated ? 'left_anti' : 'left_semi';
    if (!p.correlated) {
      const sub = B.limit(p.plan, 1);
      frame.setPlan(this.at(node.pos, () => B.join(frame.plan!, sub, null, how)));
      return;
    }
    this.checkCorrelatedShape(p, node.pos, 'EXISTS', false);
    const cond = andAll(p.preds.map((e) => this.combineRefs(e, frame.width)))!;
    frame.setPlan(this.at(node.pos, () => B.join(frame.plan!, p.inner.plan!, cond, how)));
  }

  protected semiAntiIn(node: Extract<SqlExpr, { kind: 'inSubquery' }>, negated: boolean, frame: Frame, env: Env): void {
    const ctx = this.ctx(frame, env, 'WHERE', { subqueries: 'deny', outerRefs: false });
    const x = this.tx(node.arg, ctx);
    const p = this.planSubquery(node.query, frame, env);
    const W = frame.width;
    if (!p.correlated) {
      const sub = p.plan;
      const subCols = sub.schema.names;
      if (subCols.length !== 1) this.err(node.query.pos, `the IN subquery must return one column, but returns ${subCols.length} [${subCols.join(', ')}]`);
      const y = ref(W, subCols[0]!);
      const eq = call('eq', x, y);
      this.validateJoinCond(eq, frame, sub, node.pos);
      if (!negated) {
        frame.setPlan(this.at(node.pos, () => B.join(frame.plan!, sub, eq, 'left_semi')));
        return;
      }
      // Null-aware anti join: drop everything when the subquery holds a null; drop null x when it is non-empty.
      const stats = B.aggregate(sub, [], [
        alias({ kind: 'agg', fn: 'count', args: [], distinct: false }, '__n'),
        alias({ kind: 'agg', fn: 'count', args: [ref(0, subCols[0]!)], distinct: false }, '__nn'),
      ]);
      const n = ref(W, '__n');
      const nn = ref(W + 1, '__nn');
      const keep = call('or', call('eq', n, lit(0, 'int64')), call('and', call('isnotnull', x), call('eq', nn, n)));
      const withStats = this.at(node.pos, () => B.filter(B.crossJoin(frame.plan!, stats), keep));
      const W2 = withStats.schema.length;
      frame.setPlan(this.at(node.pos, () => B.join(withStats, sub, call('eq', x, ref(W2, subCols[0]!)), 'left_anti')));
      return;
    }
    this.checkCorrelatedShape(p, node.pos, 'IN', false);
    const { exprs } = this.correlatedItems(p, false);
    if (exprs.length !== 1) this.err(node.query.pos, `the IN subquery must return one column, but returns ${exprs.length}`);
    const y = this.combineRefs(exprs[0]!, W);
    const preds = p.preds.map((e) => this.combineRefs(e, W));
    const match = negated ? call('or', call('or', call('eq', x, y), call('isnull', x)), call('isnull', y)) : call('eq', x, y);
    const cond = andAll([...preds, match])!;
    frame.setPlan(this.at(node.pos, () => B.join(frame.plan!, p.inner.plan!, cond, negated ? 'left_anti' : 'left_semi')));
  }

  /** A scalar subquery must return one column. */
  protected checkOneColumn(p: LogicalPlan, pos: Pos): void {
    const cols = p.schema.names;
    if (cols.length !== 1) this.err(pos, `the scalar subquery must return one column, but returns ${cols.length} [${cols.join(', ')}]`);
  }

  protected validateJoinCond(cond: Expr, frame: Frame, sub: LogicalPlan, pos: Pos): void {
    const schema = new Schema([...frame.schema.fields, ...sub.schema.fields]);
    this.at(pos, () => bindExpr(cond, schema));
  }

  /** A subquery used as a value (scalar, or EXISTS / IN outside a top-level WHERE conjunct). */
  protected subqueryValue(node: SqlExpr, ctx: XCtx): Expr {
    if (ctx.subqueries === 'deny' || !ctx.frame) {
      this.err(node.pos, `subqueries are not allowed in ${ctx.clause}`);
    }
    if (ctx.subqueries === 'deferred') {
      // Planned now (to know its type), joined to the aggregate's output later. Only uncorrelated ones.
      const probe = this.planDetached(node, ctx);
      const k = ctx.deferred!.length;
      ctx.deferred!.push(probe);
      return { kind: 'col', name: exprNameOfSubquery(node), qualifier: `$${k}` };
    }
    return this.subqueryInto(node, ctx.frame, ctx);
  }

  /** Plans a subquery for an aggregate query's post-aggregation expressions (must be uncorrelated). */
  protected planDetached(node: SqlExpr, ctx: XCtx): Deferred {
    const q = (node as { query: SqlQuery }).query;
    const blank = new Frame(null, new Schema([]), [], null);
    const p = this.planSubquery(q, ctx.frame ?? blank, ctx.env);
    if (p.correlated) this.err(node.pos, `correlated subqueries are not supported in ${ctx.clause} of an aggregate query; join the aggregated subquery in FROM instead`);
    let type: DataType = 'boolean';
    if (node.kind === 'subquery') {
      this.checkOneColumn(p.plan, node.pos);
      type = p.plan.schema.fields[0]!.type;
    }
    return {
      node,
      type,
      resolve: (frame: Frame) => {
        if (node.kind === 'subquery') return this.scalarUncorrelated(p as Extract<SubqueryPlan, { correlated: false }>, frame, node.pos);
        if (node.kind === 'exists') return this.existsMark(p as Extract<SubqueryPlan, { correlated: false }>, frame, node.pos);
        this.err(node.pos, `IN (subquery) is not supported in ${ctx.clause} of an aggregate query; use a join`);
      },
    };
  }

  /** Joins what a value subquery needs onto `frame` and returns its value expression. */
  protected subqueryInto(node: SqlExpr, frame: Frame, ctx: XCtx): Expr {
    const q = (node as { query: SqlQuery }).query;
    const p = this.planSubquery(q, frame, ctx.env);
    if (node.kind === 'subquery') {
      if (!p.correlated) {
        this.checkOneColumn(p.plan, node.pos);
        return this.scalarUncorrelated(p, frame, node.pos);
      }
      return this.scalarCorrelated(p, frame, node.pos);
    }
    if (node.kind === 'exists') {
      if (!p.correlated) return this.existsMark(p, frame, node.pos);
      this.checkCorrelatedShape(p, node.pos, 'EXISTS', false);
      const W = frame.width;
      const m = this.correlatedAggregateJoin(p, frame, null, node.pos);
      return call('isnotnull', ref(W + m.keys, '__m'));
    }
    // x IN (subquery) as a value, with SQL's null rules.
    const inNode = node as Extract<SqlExpr, { kind: 'inSubquery' }>;
    if (p.correlated) this.err(node.pos, 'a correlated IN subquery is only supported as a WHERE condition (AND-ed at the top level)');
    const x = this.tx(inNode.arg, { ...ctx, subqueries: 'deny' } as XCtx);
    const sub = p.plan;
    const subCols = sub.schema.names;
    if (subCols.length !== 1) this.err(q.pos, `the IN subquery must return one column, but returns ${subCols.length} [${subCols.join(', ')}]`);
    const yName = subCols[0]!;
    const W = frame.width;
    const stats = B.aggregate(sub, [], [
      alias({ kind: 'agg', fn: 'count', args: [], distinct: false }, '__n'),
      alias({ kind: 'agg', fn: 'count', args: [ref(0, yName)], distinct: false }, '__nn'),
    ]);
    const distinctKeys = B.project(B.aggregate(sub, [alias(ref(0, yName), '__k')], []), [ref(0, '__k'), lit(true, 'boolean')], ['__k', '__m']);
    const eq = call('eq', x, ref(W + 2, '__k'));
    this.validateJoinCond(eq, new Frame(null, new Schema([...frame.schema.fields, ...stats.schema.fields]), [], null), distinctKeys, node.pos);
    frame.setPlan(this.at(node.pos, () => B.join(B.crossJoin(frame.plan!, stats), distinctKeys, eq, 'left')));
    const n = ref(W, '__n');
    const nn = ref(W + 1, '__nn');
    const m = ref(W + 3, '__m');
    const value: Expr = {
      kind: 'case',
      branches: [
        [call('isnotnull', m), lit(true, 'boolean')],
        [call('eq', n, lit(0, 'int64')), lit(false, 'boolean')],
        [call('or', call('isnull', x), call('lt', nn, n)), lit(null, 'boolean')],
      ],
      otherwise: lit(false, 'boolean'),
    };
    return inNode.negated ? call('not', value) : value;
  }

  protected existsMark(p: Extract<SubqueryPlan, { correlated: false }>, frame: Frame, pos: Pos): Expr {
    const W = frame.width;
    const mark = B.aggregate(B.limit(p.plan, 1), [], [alias({ kind: 'agg', fn: 'count', args: [], distinct: false }, '__e')]);
    frame.setPlan(this.at(pos, () => B.crossJoin(frame.plan!, mark)));
    return call('gt', ref(W, '__e'), lit(0, 'int64'));
  }

  protected scalarUncorrelated(p: Extract<SubqueryPlan, { correlated: false }>, frame: Frame, pos: Pos): Expr {
    const W = frame.width;
    const name = p.plan.schema.names[0]!;
    // A global aggregate has exactly one row; anything else is reduced to one row (null when empty).
    const one = p.singleRow ? p.plan : B.aggregate(p.plan, [], [alias({ kind: 'agg', fn: 'first', args: [ref(0, name)], distinct: false }, name)]);
    frame.setPlan(this.at(pos, () => B.crossJoin(frame.plan!, one)));
    return ref(W, name);
  }

  /**
   * Splits correlated predicates into equalities inner-expr = outer-expr (the outer side moved onto
   * the combined layout); null when some predicate is not such an equality.
   */
  protected equiPreds(p: Extract<SubqueryPlan, { correlated: true }>, outerWidth: number): { inner: Expr[]; outer: Expr[] } | null {
    const inner: Expr[] = [];
    const outer: Expr[] = [];
    const side = (x: Expr) => {
      const o = hasQualifierPrefix(x, '^');
      const i = hasQualifierPrefix(x, '@');
      return o && i ? 'both' : o ? 'outer' : i ? 'inner' : 'none';
    };
    for (const e of p.preds) {
      if (e.kind !== 'call' || e.fn !== 'eq') return null;
      const [a, b] = e.args as [Expr, Expr];
      const sa = side(a);
      const sb = side(b);
      if (sa === 'inner' && sb === 'outer') { inner.push(a); outer.push(this.combineRefs(b, outerWidth)); continue; }
      if (sa === 'outer' && sb === 'inner') { inner.push(b); outer.push(this.combineRefs(a, outerWidth)); continue; }
      return null;
    }
    return { inner, outer };
  }

  /**
   * Aggregates a correlated subquery per outer row's correlation values and left-joins the result
   * onto `frame`, appending [keys..., __v (when `item` is given), __m (a match flag)].
   *
   * With only equality correlations (`inner.k = outer.k`) the subquery is grouped by its inner
   * keys. Otherwise (e.g. `inner.x > outer.y`) the distinct outer values referenced (the
   * "domain") are joined to the subquery on all its correlated predicates and the result is
   * grouped by the domain columns. Either way the outer rows join the aggregate on equality keys.
   */
  protected correlatedAggregateJoin(p: Extract<SubqueryPlan, { correlated: true }>, frame: Frame, item: Expr | null, pos: Pos): { keys: number } {
    const W = frame.width;
    const eq = this.equiPreds(p, W);
    let source: LogicalPlan;
    let groups: Expr[];
    let outerKeys: Expr[];
    let value = item;
    if (eq) {
      source = p.inner.plan!;
      groups = eq.inner;
      outerKeys = eq.outer;
    } else {
      const outerIdx = new Set<number>();
      for (const e of p.preds) visitExpr(e, (x) => { if (x.kind === 'col' && x.qualifier?.startsWith('^')) outerIdx.add(Number(x.qualifier.slice(1))); });
      const idx = [...outerIdx].sort((a, b) => a - b);
      const k = idx.length;
      const slot = new Map(idx.map((i, j) => [i, j]));
      const domain = this.at(pos, () => B.distinct(B.project(frame.plan!, idx.map((i) => ref(i, frame.schema.fields[i]!.name)), idx.map((_, j) => `__d${j}`))));
      const move = (e: Expr) => transformExprDown(e, (x) => {
        if (x.kind !== 'col' || !x.qualifier) return undefined;
        if (x.qualifier.startsWith('^')) return ref(slot.get(Number(x.qualifier.slice(1)))!, `__d${slot.get(Number(x.qualifier.slice(1)))!}`);
        if (x.qualifier.startsWith('@')) return ref(Number(x.qualifier.slice(1)) + k, x.name);
        return undefined;
      });
      const cond = andAll(p.preds.map(move))!;
      source = this.at(pos, () => B.join(domain, p.inner.plan!, cond, 'inner'));
      groups = idx.map((_, j) => ref(j, `__d${j}`));
      outerKeys = idx.map((i) => ref(i, frame.schema.fields[i]!.name));
      value = item ? move(item) : null;
    }
    const keyNames = groups.map((_, i) => `__k${i}`);
    const outs: Expr[] = [];
    if (value) outs.push(alias(this.liftForAggregate(value, groups), '__v'));
    outs.push(alias(lit(true, 'boolean'), '__m'));
    const agg = this.at(pos, () => B.aggregate(source, groups.map((g, i) => alias(g, keyNames[i]!)), outs));
    const cond = andAll(outerKeys.map((o, i) => call('eq', o, ref(W + i, keyNames[i]!))))!;
    frame.setPlan(this.at(pos, () => B.join(frame.plan!, agg, cond, 'left')));
    return { keys: groups.length };
  }

  /** A correlated scalar subquery: aggregated per correlation value and left-joined (see correlatedAggregateJoin). */
  protected scalarCorrelated(p: Extract<SubqueryPlan, { correlated: true }>, frame: Frame, pos: Pos): Expr {
    this.checkCorrelatedShape(p, pos, 'scalar', true);
    const { exprs } = this.correlatedItems(p, true);
    if (exprs.length !== 1) this.err(p.query.pos, `the scalar subquery must return one column, but returns ${exprs.length}`);
    const item = exprs[0]!;
    if (!containsKind(item, 'agg')) this.err(p.sel.items[0]!.pos, 'a correlated scalar subquery must be aggregated (e.g. SELECT max(x) ...) so it returns at most one row per outer row');
    const W = frame.width;
    const { keys } = this.correlatedAggregateJoin(p, frame, item, pos);
    const v = ref(W + keys, '__v');
    // Outer rows without a match see the aggregate over no rows: count → 0, most others null.
    const empty = emptyAggregateValue(item);
    if (empty === null) return v;
    return { kind: 'case', branches: [[call('isnull', ref(W + keys + 1, '__m')), empty]], otherwise: v };
  }
}

function exprNameOfSubquery(node: SqlExpr): string {
  return node.kind === 'exists' ? 'exists(subquery)' : node.kind === 'inSubquery' ? 'in(subquery)' : 'scalarsubquery()';
}

/** True when a subquery returns exactly one row: a global aggregate without HAVING / LIMIT 0 / OFFSET. */
function isSingleRow(sel: SqlSelect, q: SqlQuery): boolean {
  return sel.groupBy === null && sel.having === null && q.offset === null && q.limit === null && !sel.distinct
    && sel.items.every((i) => i.expr.kind !== 'star') && sel.items.some((i) => astHasAggregate(i.expr));
}

/**
 * The value a scalar subquery's aggregate expression takes over no rows (count → 0, other
 * aggregates → null), or null when that is certainly null (then no match flag is needed).
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

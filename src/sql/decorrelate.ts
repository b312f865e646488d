/**
 * Subqueries in SQL: each EXISTS / IN / scalar subquery is planned against the frame it sits
 * in (correlated references are `^i` columns into the enclosing frame while it is planned),
 * checked (shape, one column, aggregated correlated scalars; errors with SQL positions) and left
 * in the plan as a Subquery node carrying the subquery plan and its correlation as data. The
 * optimizer rule rewrite_subqueries (src/plan/optimizer/rewrite-subqueries.ts) turns those into
 * semi / anti / left / cross joins; a value subquery's value is read from the node's output with
 * `subqueryResult`.
 */
import type { Expr } from '../expr/expr.js';
import { transformExprDown } from '../expr/tree.js';
import * as B from '../plan/builder.js';
import type { LogicalPlan, SubqueryNode } from '../plan/logical.js';
import { subqueryNode, subqueryResult, type SubquerySpec } from '../plan/optimizer/index.js';
import { type DataType, Schema } from '../types.js';
import type { Pos, SqlExpr, SqlOrderItem, SqlQuery, SqlSelect, SqlSelectItem } from './ast.js';
import { ref, call, containsKind, astHasAggregate } from './expr-helpers.js';
import { Frame, type Deferred, type Env, type XCtx, type SubqueryPlan } from './scope.js';
import { ExpressionTranslator } from './expressions.js';

/**
 * Subqueries: EXISTS / IN / scalar subqueries become Subquery nodes over the frame being planned
 * (see the module comment). Entry points: `subqueryConjunct` for a WHERE conjunct holding a
 * subquery, `subqueryValue` for a subquery used as a value.
 */
export abstract class SubqueryLowering extends ExpressionTranslator {
  protected abstract planQuery(q: SqlQuery, envIn: Env, outer: Frame | null): LogicalPlan;
  protected abstract withCtes(q: SqlQuery, envIn: Env): Env;
  protected abstract fromWhere(sel: SqlSelect, env: Env, outer: Frame | null, corr: Expr[] | null): Frame;
  protected abstract finishSelect(sel: SqlSelect, orderBy: readonly SqlOrderItem[], frame: Frame, env: Env): LogicalPlan;
  protected abstract applyLimit(dfIn: LogicalPlan, q: SqlQuery): LogicalPlan;
  /** The error for a column used outside aggregates (and not grouped). */
  protected abstract ungrouped(col: Expr): never;

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

  /** Puts a Subquery node over `frame` (checked now, errors at `pos`) and returns it. */
  protected applySubquery(frame: Frame, sub: LogicalPlan, spec: SubquerySpec, pos: Pos): SubqueryNode {
    const node = this.at(pos, () => subqueryNode(frame.plan!, sub, spec, (x) => this.ungrouped(x)));
    frame.setPlan(node);
    return node;
  }

  /** The correlated predicates on the layout frame ++ subquery. */
  protected correlation(p: Extract<SubqueryPlan, { correlated: true }>, frame: Frame): Expr[] {
    return p.preds.map((e) => this.combineRefs(e, frame.width));
  }

  protected semiAntiExists(node: Extract<SqlExpr, { kind: 'exists' }>, negated: boolean, frame: Frame, env: Env): void {
    const p = this.planSubquery(node.query, frame, env);
    const mode = negated ? 'not_exists' : 'exists';
    if (!p.correlated) {
      this.applySubquery(frame, p.plan, { mode }, node.pos);
      return;
    }
    this.checkCorrelatedShape(p, node.pos, 'EXISTS', false);
    this.applySubquery(frame, p.inner.plan!, { mode, correlation: this.correlation(p, frame) }, node.pos);
  }

  protected semiAntiIn(node: Extract<SqlExpr, { kind: 'inSubquery' }>, negated: boolean, frame: Frame, env: Env): void {
    const ctx = this.ctx(frame, env, 'WHERE', { subqueries: 'deny', outerRefs: false });
    const x = this.tx(node.arg, ctx);
    const p = this.planSubquery(node.query, frame, env);
    const mode = negated ? 'not_in' : 'in';
    if (!p.correlated) {
      this.checkInColumns(p.plan, node.query.pos);
      this.applySubquery(frame, p.plan, { mode, value: x }, node.pos);
      return;
    }
    this.checkCorrelatedShape(p, node.pos, 'IN', false);
    const { exprs } = this.correlatedItems(p, false);
    if (exprs.length !== 1) this.err(node.query.pos, `the IN subquery must return one column, but returns ${exprs.length}`);
    const item = this.combineRefs(exprs[0]!, frame.width);
    this.applySubquery(frame, p.inner.plan!, { mode, value: x, item, correlation: this.correlation(p, frame) }, node.pos);
  }

  /** A scalar subquery must return one column. */
  protected checkOneColumn(p: LogicalPlan, pos: Pos): void {
    const cols = p.schema.names;
    if (cols.length !== 1) this.err(pos, `the scalar subquery must return one column, but returns ${cols.length} [${cols.join(', ')}]`);
  }

  /** An IN subquery must return one column. */
  protected checkInColumns(p: LogicalPlan, pos: Pos): void {
    const cols = p.schema.names;
    if (cols.length !== 1) this.err(pos, `the IN subquery must return one column, but returns ${cols.length} [${cols.join(', ')}]`);
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
        if (node.kind === 'subquery') return this.scalarUncorrelated(p, frame, node.pos);
        if (node.kind === 'exists') return this.existsMark(p, frame, node.pos);
        this.err(node.pos, `IN (subquery) is not supported in ${ctx.clause} of an aggregate query; use a join`);
      },
    };
  }

  /** Puts what a value subquery needs over `frame` and returns its value expression. */
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
      return subqueryResult(this.applySubquery(frame, p.inner.plan!, { mode: 'exists_value', correlation: this.correlation(p, frame) }, node.pos));
    }
    // x IN (subquery) as a value, with SQL's null rules.
    const inNode = node as Extract<SqlExpr, { kind: 'inSubquery' }>;
    if (p.correlated) this.err(node.pos, 'a correlated IN subquery is only supported as a WHERE condition (AND-ed at the top level)');
    const x = this.tx(inNode.arg, { ...ctx, subqueries: 'deny' } as XCtx);
    this.checkInColumns(p.plan, q.pos);
    const value = subqueryResult(this.applySubquery(frame, p.plan, { mode: 'in_value', value: x }, node.pos));
    return inNode.negated ? call('not', value) : value;
  }

  protected existsMark(p: Extract<SubqueryPlan, { correlated: false }>, frame: Frame, pos: Pos): Expr {
    return subqueryResult(this.applySubquery(frame, p.plan, { mode: 'exists_value' }, pos));
  }

  protected scalarUncorrelated(p: Extract<SubqueryPlan, { correlated: false }>, frame: Frame, pos: Pos): Expr {
    // Spark's run-time error when the subquery has several rows, naming where it is.
    const tooManyRows = `more than one row returned by a subquery used as an expression: the scalar subquery at line ${pos.line}, column ${pos.column} (make it return one row, e.g. with an aggregate such as max(...) or LIMIT 1)`;
    return subqueryResult(this.applySubquery(frame, p.plan, { mode: 'scalar', singleRow: p.singleRow, tooManyRows }, pos));
  }

  /** A correlated scalar subquery: aggregated per correlation value and left-joined (by rewrite_subqueries). */
  protected scalarCorrelated(p: Extract<SubqueryPlan, { correlated: true }>, frame: Frame, pos: Pos): Expr {
    this.checkCorrelatedShape(p, pos, 'scalar', true);
    const { exprs } = this.correlatedItems(p, true);
    if (exprs.length !== 1) this.err(p.query.pos, `the scalar subquery must return one column, but returns ${exprs.length}`);
    const item = exprs[0]!;
    if (!containsKind(item, 'agg')) this.err(p.sel.items[0]!.pos, 'a correlated scalar subquery must be aggregated (e.g. SELECT max(x) ...) so it returns at most one row per outer row');
    return subqueryResult(this.applySubquery(frame, p.inner.plan!, { mode: 'scalar', item, correlation: this.correlation(p, frame) }, pos));
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

/**
 * SELECT lowering: the select list over the FROM/WHERE frame (stars, windows, value
 * subqueries), or the aggregate path (GROUP BY ordinals and aliases, HAVING, aggregates needed
 * after aggregation, deferred subqueries), then DISTINCT and ORDER BY (with hidden sort keys).
 */
import { type Expr, exprName } from '../expr/expr.js';
import { transformExprDown, visitExpr } from '../expr/tree.js';
import { liftGroupExprs } from '../plan/analyzer/aggregate.js';
import { isGroupingCall } from '../plan/analyzer/grouping-sets.js';
import * as B from '../plan/builder.js';
import type { LogicalPlan } from '../plan/logical.js';
import type { Pos, SqlExpr, SqlOrderItem, SqlSelect, SqlWindowSpec } from './ast.js';
import { generatorInfo, generatorNames } from '../expr/generators.js';
import { isGeneratorCall } from '../plan/analyzer/generate.js';
import { ref, alias, json, hasQualifierPrefix, containsKind, refIndex, astHasAggregate, sortExpr, displayName } from './expr-helpers.js';
import { Frame, type SubqueryMode, type Deferred, type Env } from './scope.js';
import { SubqueryLowering } from './decorrelate.js';

/** Lowers a SELECT block's list, GROUP BY, HAVING, windows, DISTINCT and ORDER BY over its FROM/WHERE frame. */
export abstract class SelectLowering extends SubqueryLowering {
  /** SELECT list, GROUP BY, HAVING, windows, DISTINCT and ORDER BY over the FROM/WHERE frame. */
  protected finishSelect(sel: SqlSelect, orderBy: readonly SqlOrderItem[], frame: Frame, env: Env): LogicalPlan {
    const namedWindows = this.namedWindows(sel);
    const isAgg = sel.groupBy !== null || sel.having !== null || sel.items.some((i) => astHasAggregate(i.expr));
    if (isAgg) return this.finishAggregate(sel, orderBy, frame, env, namedWindows);
    // Items over the frame.
    const ctx = this.ctx(frame, env, 'SELECT', { windows: true, subqueries: 'immediate', namedWindows, outerRefs: false });
    const items: { expr: Expr; name: string }[] = [];
    let generator: SqlExpr | null = null;
    let generatorWidth = 0;
    for (const it of sel.items) {
      if (it.expr.kind === 'star') {
        for (const i of this.expandStar(it.expr, frame)) items.push({ expr: ref(i, frame.schema.fields[i]!.name), name: frame.schema.fields[i]!.name });
        continue;
      }
      const e = this.tx(it.expr, ctx);
      const info = it.expr.kind === 'func' ? generatorInfo(it.expr.name) : undefined;
      if (info) {
        if (generator) this.err(it.expr.pos, `[UNSUPPORTED_GENERATOR.MULTI_GENERATOR] The generator is not supported: only one generator allowed per SELECT clause but found 2: ${this.display(generator)}, ${this.display(it.expr)}; use LATERAL VIEW for the others`);
        generator = it.expr;
        // The generator's output names: AS (p, c), AS c, else its defaults (col / pos, col / key, value / the struct's fields); the plan builder checks their number.
        const defaults = generatorNames(info, this.typeOf((e as Extract<Expr, { kind: 'call' }>).args[0]!, ctx, it.expr.pos));
        generatorWidth = defaults.length;
        const names = it.aliases ?? (it.alias !== null ? [it.alias] : null);
        items.push({ expr: names ? { kind: 'alias', expr: e, name: names[0]!, names } : e, name: names?.[0] ?? defaults[defaults.length - 1] ?? 'col' });
        continue;
      }
      if (it.aliases) this.err(it.pos, `an alias list AS (${it.aliases.join(', ')}) is only allowed on a generator such as posexplode(...)`);
      items.push({ expr: e, name: it.alias ?? this.display(it.expr) });
    }
    if (generator && orderBy.length && generatorWidth !== 1) {
      this.err(orderBy[0]!.pos, 'ORDER BY with a multi-column generator (posexplode, inline, explode of a map) in the same SELECT is not supported; order in an outer query');
    }
    // ORDER BY: ordinals, aliases (first), select expressions, else hidden expressions over the frame.
    const aliases = new Map<string, Expr>();
    for (const it of items) if (!aliases.has(it.name.toLowerCase())) aliases.set(it.name.toLowerCase(), it.expr);
    const keyRefs: { index: number; o: SqlOrderItem }[] = [];
    const hidden: Expr[] = [];
    for (const o of orderBy) {
      const k = this.ordinal(o.expr, items.length, 'ORDER BY');
      if (k !== null) {
        keyRefs.push({ index: k, o });
        continue;
      }
      const octx = this.ctx(frame, env, 'ORDER BY', { windows: true, subqueries: 'immediate', namedWindows, aliases, aliasFirst: true, outerRefs: false });
      const e = this.tx(o.expr, octx);
      const j = items.findIndex((it) => json(it.expr) === json(e));
      if (j >= 0) keyRefs.push({ index: j, o });
      else {
        if (sel.distinct) this.err(o.expr.pos, `ORDER BY expression ${exprName(e)} must appear in the SELECT DISTINCT list`);
        keyRefs.push({ index: items.length + hidden.length, o });
        hidden.push(e);
      }
    }
    return this.finishOutput(sel, frame.plan!, items, hidden, keyRefs);
  }

  /**
   * The final projection of the select `items` plus `hidden` ORDER BY expressions (skipped when
   * it would be the identity), then DISTINCT, ORDER BY over output positions, and the projection
   * that drops the hidden keys.
   */
  private finishOutput(sel: SqlSelect, input: LogicalPlan, items: readonly { expr: Expr; name: string }[], hidden: readonly Expr[], keys: readonly { index: number; o: SqlOrderItem }[]): LogicalPlan {
    const all = [...items, ...hidden.map((e) => ({ expr: e, name: this.fresh('sort') }))];
    const identity = hidden.length === 0 && all.length === input.schema.length && all.every((it, i) => refIndex(it.expr) === i && it.name === input.schema.fields[i]!.name);
    // A generator item keeps its own names (the plan builder names its columns).
    let out = identity ? input : this.at(sel.pos, () => B.select(input, all.map((it) => (isGeneratorCall(it.expr) || (it.expr.kind === 'alias' && it.expr.names) ? it.expr : alias(it.expr, it.name)))));
    if (sel.distinct) out = B.distinct(out);
    if (keys.length) {
      const cols = out.schema.names;
      out = B.orderBy(out, keys.map(({ index, o }) => sortExpr(ref(index, cols[index]!), o)));
    }
    if (hidden.length) out = B.project(out, items.map((it, i) => ref(i, it.name)), items.map((it) => it.name));
    return out;
  }

  protected namedWindows(sel: SqlSelect): Map<string, SqlWindowSpec> {
    const m = new Map<string, SqlWindowSpec>();
    for (const w of sel.windows) {
      if (m.has(w.name.toLowerCase())) this.err(w.pos, `window '${w.name}' is defined twice`);
      m.set(w.name.toLowerCase(), w.spec);
    }
    return m;
  }

  /** Replaces grouping expressions by references into the aggregate's group columns (for aggregate()'s outputs). */
  protected liftForAggregate(e: Expr, groups: readonly Expr[]): Expr {
    return liftGroupExprs(e, groups, (x) => this.ungrouped(x));
  }

  /** The error for a column used outside aggregates and GROUP BY (at the column when its position is known). */
  protected ungrouped(x: Expr): never {
    this.err(this.posOf.get(x) ?? { line: 1, column: 1, offset: 0 }, `column '${(x as { name: string }).name}' must appear in the GROUP BY clause or be used in an aggregate function`);
  }

  /** The aggregate path of finishSelect. */
  protected finishAggregate(sel: SqlSelect, orderBy: readonly SqlOrderItem[], frame: Frame, env: Env, namedWindows: Map<string, SqlWindowSpec>): LogicalPlan {
    const deferred: Deferred[] = [];
    const base = { aggs: true, windows: true, subqueries: 'deferred' as SubqueryMode, deferred, namedWindows, outerRefs: false };
    // 1. select items over the input
    const items: { expr: Expr; name: string; pos: Pos; post: boolean }[] = [];
    const sctx = this.ctx(frame, env, 'SELECT', base);
    for (const it of sel.items) {
      if (it.expr.kind === 'star') {
        for (const i of this.expandStar(it.expr, frame)) {
          const e = ref(i, frame.schema.fields[i]!.name);
          this.posOf.set(e, it.pos);
          items.push({ expr: e, name: frame.schema.fields[i]!.name, pos: it.pos, post: false });
        }
        continue;
      }
      const e = this.tx(it.expr, sctx);
      items.push({ expr: e, name: it.alias ?? this.display(it.expr), pos: it.pos, post: containsKind(e, 'window') || hasQualifierPrefix(e, '$') });
    }
    const aliases = new Map<string, Expr>();
    for (const it of items) if (!aliases.has(it.name.toLowerCase())) aliases.set(it.name.toLowerCase(), it.expr);
    // 2. GROUP BY: ordinals, input expressions, else select aliases
    const groups: Expr[] = [];
    const groupSlot: number[] = [];
    if (sel.groupByAll) {
      // Spark 3.4+: group by every select item that holds no aggregate (window and subquery items too are left out).
      for (const it of items) if (!containsKind(it.expr, 'agg') && !it.post && !groups.some((x) => json(x) === json(it.expr))) groups.push(it.expr);
    }
    for (const g of sel.groupBy ?? []) {
      const k = this.ordinal(g, items.length, 'GROUP BY');
      let e: Expr;
      if (k !== null) {
        e = items[k]!.expr;
        if (containsKind(e, 'agg')) this.err(g.pos, `GROUP BY position ${k + 1} refers to an aggregate function (${exprName(e)})`);
      } else {
        const gctx = this.ctx(frame, env, 'GROUP BY', { subqueries: 'deny', aliases, aliasFirst: false, outerRefs: false });
        e = this.tx(g, gctx);
        if (containsKind(e, 'agg')) this.err(g.pos, `aggregate functions are not allowed in GROUP BY (${exprName(e)})`);
        if (containsKind(e, 'window')) this.err(g.pos, 'window functions are not allowed in GROUP BY');
      }
      const at = groups.findIndex((x) => json(x) === json(e));
      groupSlot.push(at >= 0 ? at : groups.push(e) - 1);
    }
    const groupingSets = sel.groupingSets?.map((set) => [...new Set(set.map((i) => groupSlot[i]!))]);
    // 3. HAVING and ORDER BY over the input (aliases usable)
    let having: Expr | null = null;
    if (sel.having) {
      // As in Spark, HAVING sees the SELECT list's names first (`SELECT sum(v) AS v ... HAVING v > 0`).
      const hctx = this.ctx(frame, env, 'HAVING', { ...base, windows: false, aliases, aliasFirst: true });
      having = this.tx(sel.having, hctx);
      this.checkBoolean(having, hctx, sel.having.pos, 'HAVING condition');
    }
    const keys: { e: Expr | null; index: number | null; o: SqlOrderItem }[] = [];
    for (const o of orderBy) {
      const k = this.ordinal(o.expr, items.length, 'ORDER BY');
      if (k !== null) {
        keys.push({ e: null, index: k, o });
        continue;
      }
      const e = this.tx(o.expr, this.ctx(frame, env, 'ORDER BY', { ...base, aliases, aliasFirst: true }));
      const j = items.findIndex((it) => json(it.expr) === json(e));
      keys.push(j >= 0 ? { e: null, index: j, o } : { e, index: null, o });
    }
    // 4. aggregates needed after aggregation
    const gKeys = groups.map(json);
    const aggList: Expr[] = [];
    // grouping() / grouping_id() are per-group values too: HAVING and ORDER BY read them as hidden outputs.
    const collectAggs = (e: Expr, pos?: Pos) => visitExpr(e, (x) => {
      if (pos && isGroupingCall(x) && !groupingSets) this.err(pos, `${x.fn}() can only be used with GROUP BY ROLLUP / CUBE / GROUPING SETS`);
      if (x.kind === 'agg' || isGroupingCall(x)) {
        if (!aggList.some((a) => json(a) === json(x))) aggList.push(x);
        return false;
      }
      return gKeys.includes(json(x)) ? false : undefined;
    });
    for (const it of items) collectAggs(it.expr);
    if (having) collectAggs(having, sel.having!.pos);
    for (const k of keys) if (k.e) collectAggs(k.e, k.o.pos);
    // 5. aggregate(): group columns (named after the select items that are exactly them), then
    //    select items computable in the aggregate, then hidden aggregates.
    const gNames = groups.map((g) => {
      const it = items.find((i) => !i.post && json(i.expr) === json(g));
      return it ? it.name : displayName(g);
    });
    const G = groups.map((g, i) => (gNames[i] === displayName(g) ? g : alias(g, gNames[i]!)));
    const X: Expr[] = [];
    const xNames: string[] = [];
    const itemSlot: (number | null)[] = [];
    for (const it of items) {
      const gi = gKeys.indexOf(json(it.expr));
      if (gi >= 0 && gNames[gi] === it.name) { itemSlot.push(gi); continue; }
      if (it.post) { itemSlot.push(null); continue; }
      const lifted = this.at(it.pos, () => this.liftForAggregate(it.expr, groups));
      itemSlot.push(groups.length + X.length);
      X.push(alias(lifted, it.name));
      xNames.push(it.name);
    }
    const aggSlot = new Map<string, number>();
    for (const a of aggList) {
      const j = items.findIndex((it, i) => itemSlot[i] !== null && itemSlot[i]! >= groups.length && json(it.expr) === json(a));
      if (j >= 0) aggSlot.set(json(a), itemSlot[j]!);
      else {
        aggSlot.set(json(a), groups.length + X.length);
        const name = this.fresh('agg');
        // A grouping call's arguments name group columns: lift them to the group slots as for select items.
        X.push(alias(isGroupingCall(a) ? this.liftForAggregate(a, groups) : a, name));
        xNames.push(name);
      }
    }
    const aggDf = this.at(sel.pos, () => B.aggregate(frame.plan!, G, X, groupingSets));
    const post = Frame.of(aggDf, null, []);
    // 6. deferred subqueries joined onto the aggregate's output
    const subRefs = deferred.map((d) => d.resolve(post));
    const gOut = aggDf.schema.fields;
    const liftPost = (e: Expr, pos: Pos): Expr => transformExprDown(e, (x) => {
      const j = gKeys.indexOf(json(x));
      if (j >= 0) return ref(j, gOut[j]!.name);
      if (x.kind === 'agg' || isGroupingCall(x)) {
        const s = aggSlot.get(json(x))!;
        return ref(s, gOut[s]!.name);
      }
      if (x.kind === 'col' && x.qualifier?.startsWith('$')) return subRefs[Number(x.qualifier.slice(1))]!;
      if (x.kind === 'col' && x.qualifier?.startsWith('@')) {
        this.err(this.posOf.get(x) ?? pos, `column '${x.name}' must appear in the GROUP BY clause or be used in an aggregate function`);
      }
      return undefined;
    });
    // 7. HAVING
    if (having) {
      const h = liftPost(having, sel.having!.pos);
      post.setPlan(this.at(sel.having!.pos, () => B.filter(post.plan!, h)));
    }
    // 8. final projection (windows, subquery values), hidden ORDER BY keys, DISTINCT, ORDER BY
    const finals = items.map((it, i) => {
      const s = itemSlot[i];
      return { expr: s !== null ? ref(s, post.schema.fields[s]!.name) : liftPost(it.expr, it.pos), name: it.name };
    });
    const hidden: Expr[] = [];
    const sortKeys: { index: number; o: SqlOrderItem }[] = [];
    for (const k of keys) {
      if (k.index !== null) { sortKeys.push({ index: k.index, o: k.o }); continue; }
      if (sel.distinct) this.err(k.o.expr.pos, `ORDER BY expression ${exprName(k.e!)} must appear in the SELECT DISTINCT list`);
      sortKeys.push({ index: finals.length + hidden.length, o: k.o });
      hidden.push(liftPost(k.e!, k.o.pos));
    }
    return this.finishOutput(sel, post.plan!, finals, hidden, sortKeys);
  }
}

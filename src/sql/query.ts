/**
 * Query lowering: a query (WITH, body, ORDER BY, LIMIT/OFFSET) into a LogicalPlan through the
 * plan builder. Set operations, VALUES, FROM items and joins; comma joins are ordered like
 * Spark's ReorderJoin (each join gets a WHERE predicate connecting it to the relations before it
 * when one exists) and those predicates become the join conditions, so
 * `FROM a, b, c WHERE a.x = b.x AND b.y = c.y` plans hash joins, not cross products.
 */
import { didYouMean } from '../errors.js';
import type { Expr } from '../expr/expr.js';
import { transformExprDown, visitExpr } from '../expr/tree.js';
import * as B from '../plan/builder.js';
import { type LogicalPlan, withSchema } from '../plan/logical.js';
import { Schema } from '../types.js';
import type { Pos, SqlExpr, SqlFrom, SqlLateralView, SqlOrderItem, SqlQuery, SqlQueryBody, SqlSelect } from './ast.js';
import { generatorInfo } from '../expr/generators.js';
import { ref, call, lit, alias, andAll, conjunctsOf, refIndex, astHasSubquery, astHasAggregate, exprConjuncts, factorOr, sortExpr } from './expr-helpers.js';
import { bindExpr } from '../expr/binder.js';
import { resolvePivotValue } from '../plan/analyzer/pivot.js';
import { Frame, type Env, EMPTY_ENV } from './scope.js';
import { SelectLowering } from './select.js';

/** Lowers queries: WITH, set operations, VALUES, FROM (tables, derived tables, joins, comma joins) and WHERE. */
export abstract class QueryLowering extends SelectLowering {
  /** The same plan with its columns qualified only by `alias` (none when null). */
  protected requalify(df: LogicalPlan, aliasName: string | null): LogicalPlan {
    const fields = df.schema.fields.map(({ name, type, nullable }) => (aliasName ? { name, type, nullable, qualifiers: [aliasName] } : { name, type, nullable }));
    return withSchema(df, new Schema(fields));
  }

  protected renameColumns(df: LogicalPlan, columns: readonly string[] | null, pos: Pos, what: string): LogicalPlan {
    if (!columns) return df;
    const cols = df.schema.names;
    if (columns.length !== cols.length) this.err(pos, `${what} has ${cols.length} columns [${cols.join(', ')}] but ${columns.length} column names were given`);
    return B.toDF(df, columns);
  }

  /** Plans a full query (WITH, body, ORDER BY, LIMIT, OFFSET). `outer` is the enclosing frame of a subquery. */
  planQuery(q: SqlQuery, envIn: Env, outer: Frame | null): LogicalPlan {
    const env = this.withCtes(q, envIn);
    let df: LogicalPlan;
    if (q.orderByAll) return this.applyLimit(this.orderByAll(q, env, outer), q);
    if (q.body.kind === 'select') {
      const frame = this.fromWhere(q.body, env, outer, null);
      df = this.finishSelect(q.body, q.orderBy, frame, env);
    } else {
      df = this.planBody(q.body, env, outer);
      if (q.orderBy.length) df = this.orderOutput(df, q.orderBy, env);
    }
    return this.applyLimit(df, q);
  }

  /**
   * ORDER BY ALL: the query sorted by every output column, left to right, in the one direction
   * given; a column named `all` in the output takes precedence (it is then an ordinary ORDER BY).
   */
  private orderByAll(q: SqlQuery, env: Env, outer: Frame | null): LogicalPlan {
    const item = q.orderBy[0]!;
    const plain = this.planQuery({ ...q, orderBy: [], orderByAll: false, limit: null, offset: null }, env, outer);
    if (plain.schema.names.some((n) => n.toLowerCase() === 'all')) return this.planQuery({ ...q, orderByAll: false, limit: null, offset: null }, env, outer);
    const nullsFirst = item.nullsFirst ?? item.ascending;
    const keys: Expr[] = plain.schema.names.map((n, i) => ({ kind: 'sort', expr: ref(i, n), ascending: item.ascending, nullsFirst }));
    return this.at(item.pos, () => B.orderBy(plain, keys));
  }

  protected withCtes(q: SqlQuery, envIn: Env): Env {
    if (q.ctes.length === 0) return envIn;
    const env: Env = { ctes: new Map(), parent: envIn };
    for (const c of q.ctes) {
      if (env.ctes.has(c.name.toLowerCase())) this.err(c.pos, `CTE '${c.name}' is defined twice in the same WITH clause`);
      let df = this.planQuery(c.query, env, null);
      df = this.renameColumns(df, c.columns, c.pos, `CTE '${c.name}'`);
      env.ctes.set(c.name.toLowerCase(), df);
    }
    return env;
  }

  protected applyLimit(dfIn: LogicalPlan, q: SqlQuery): LogicalPlan {
    let df = dfIn;
    if (q.offset) {
      const n = this.constantInt(q.offset, 'OFFSET');
      df = B.offset(df, n);
    }
    if (q.limit) {
      const n = this.constantInt(q.limit, 'LIMIT');
      df = B.limit(df, n);
    }
    return df;
  }

  /** A set operation, VALUES list, or nested query. */
  protected planBody(b: SqlQueryBody, env: Env, outer: Frame | null): LogicalPlan {
    switch (b.kind) {
      case 'select': {
        const frame = this.fromWhere(b, env, outer, null);
        return this.finishSelect(b, [], frame, env);
      }
      case 'nested':
        return this.planQuery(b.query, env, outer);
      case 'values':
        return this.planValues(b.rows, b.pos);
      case 'setop': {
        const left = this.planBody(b.left, env, outer);
        const right = this.planBody(b.right, env, outer);
        const lc = left.schema.names;
        const rc = right.schema.names;
        if (lc.length !== rc.length) {
          this.err(b.pos, `${b.op.toUpperCase()} needs the same number of columns on both sides: the left has ${lc.length} [${lc.join(', ')}], the right ${rc.length} [${rc.join(', ')}]`);
        }
        if (b.op === 'union') {
          const u = this.at(b.pos, () => B.union(left, right));
          return b.all ? u : B.distinct(u);
        }
        if (b.all) return this.at(b.pos, () => B.intersectExceptAll(left, right, b.op as 'intersect' | 'except'));
        return this.at(b.pos, () => this.intersectExcept(left, right, b.op as 'intersect' | 'except'));
      }
    }
  }

  /**
   * INTERSECT / EXCEPT (DISTINCT) with SQL set semantics, where nulls compare equal: both sides
   * are tagged, unioned, grouped by every column, and the groups filtered on which sides they came from.
   */
  protected intersectExcept(left: LogicalPlan, right: LogicalPlan, op: 'intersect' | 'except'): LogicalPlan {
    const names = left.schema.names;
    const n = names.length;
    const tag = (df: LogicalPlan, l: number, r: number) =>
      B.project(df, [...df.schema.names.map((c, i) => ref(i, c)), lit(l, 'int32'), lit(r, 'int32')], [...df.schema.names, '__l', '__r']);
    const all = B.union(tag(left, 1, 0), tag(right, 0, 1));
    const grouped = B.aggregate(all,
      names.map((c, i) => alias(ref(i, c), c)),
      [alias({ kind: 'agg', fn: 'max', args: [ref(n, '__l')], distinct: false }, '__l'), alias({ kind: 'agg', fn: 'max', args: [ref(n + 1, '__r')], distinct: false }, '__r')],
    );
    const cond = op === 'intersect'
      ? call('and', call('eq', ref(n, '__l'), lit(1, 'int32')), call('eq', ref(n + 1, '__r'), lit(1, 'int32')))
      : call('and', call('eq', ref(n, '__l'), lit(1, 'int32')), call('eq', ref(n + 1, '__r'), lit(0, 'int32')));
    return B.project(B.filter(grouped, cond), names.map((c, i) => ref(i, c)), names);
  }

  /** VALUES rows: a union of one-row projections (columns col1, col2, ...). */
  protected planValues(rows: readonly (readonly SqlExpr[])[], pos: Pos): LogicalPlan {
    const width = rows[0]!.length;
    let out: LogicalPlan | null = null;
    const one = this.oneRow();
    for (const row of rows) {
      if (row.length !== width) this.err(row[0]?.pos ?? pos, `VALUES rows must all have ${width} values, this one has ${row.length}`);
      const ctx = this.ctx(Frame.of(one, null, []), EMPTY_ENV, 'VALUES', { subqueries: 'deny' });
      const exprs = row.map((e) => this.tx(e, ctx));
      const df = B.project(one, exprs, exprs.map((_, i) => `col${i + 1}`));
      out = out ? this.at(row[0]!.pos, () => B.union(out!, df)) : df;
    }
    return out!;
  }

  protected oneRow(): LogicalPlan {
    return this.session.range(0, 1, 1, 1).plan;
  }

  /** ORDER BY over the output columns of a set operation / nested query (names and ordinals). */
  protected orderOutput(df: LogicalPlan, orderBy: readonly SqlOrderItem[], env: Env): LogicalPlan {
    const frame = Frame.of(df, null);
    const keys = orderBy.map((o) => {
      let e: Expr;
      const ordinal = this.ordinal(o.expr, df.schema.length, 'ORDER BY');
      if (ordinal !== null) e = ref(ordinal, df.schema.names[ordinal]!);
      else e = this.tx(o.expr, this.ctx(frame, env, 'ORDER BY', { subqueries: 'deny' }));
      return sortExpr(e, o);
    });
    return B.orderBy(df, keys);
  }

  /**
   * Plans FROM (joins, comma joins in a connected order) and WHERE (filters, semi/anti joins for
   * subqueries). With `corr` (a subquery that may be correlated), WHERE conjuncts that reference
   * the enclosing frame are collected there instead of applied.
   */
  protected fromWhere(sel: SqlSelect, env: Env, outer: Frame | null, corr: Expr[] | null): Frame {
    const where = sel.where ? conjunctsOf(sel.where) : [];
    const plain: SqlExpr[] = [];
    const withSub: SqlExpr[] = [];
    for (const c of where) (astHasSubquery(c) ? withSub : plain).push(c);
    let frame: Frame;
    let pending: Expr[];
    if (sel.lateralViews?.length) {
      // FROM items, then each LATERAL VIEW over them; WHERE sees the generated columns.
      frame = sel.from.length === 1 ? this.planFrom(sel.from[0]!, env, outer) : this.commaJoin(sel.from, [], env, outer, corr).frame;
      for (const lv of sel.lateralViews) frame = this.lateralView(lv, frame, env);
      const f = frame;
      pending = plain.map((c) => this.whereConjunct(c, f, env, corr));
    } else if (sel.from.length === 0) {
      frame = Frame.of(this.oneRow(), outer, []);
      pending = plain.map((c) => this.whereConjunct(c, frame, env, corr));
    } else if (sel.from.length === 1) {
      frame = this.planFrom(sel.from[0]!, env, outer);
      pending = plain.map((c) => this.whereConjunct(c, frame, env, corr));
    } else {
      ({ frame, pending } = this.commaJoin(sel.from, plain, env, outer, corr));
    }
    const local = pending.filter((x) => x !== null);
    if (local.length) frame.setPlan(this.at(sel.where!.pos, () => B.filter(frame.plan!, andAll(local)!)));
    for (const c of withSub) this.subqueryConjunct(c, frame, env);
    return frame;
  }

  /** `LATERAL VIEW [OUTER] gen(expr) t [AS] c1, c2`: a Generate node over the frame, its columns qualified by `t`. */
  protected lateralView(lv: SqlLateralView, frame: Frame, env: Env): Frame {
    const info = generatorInfo(lv.func.name);
    if (!info) this.err(lv.func.pos, `LATERAL VIEW needs a generator function (explode, explode_outer, posexplode, posexplode_outer, inline, inline_outer), not ${lv.func.name}()`);
    const e = this.tx(lv.func, this.ctx(frame, env, 'LATERAL VIEW', { subqueries: 'deny' })) as Extract<Expr, { kind: 'call' }>;
    const fn = lv.outer && !info.outer ? `${info.name}_outer` : info.name;
    const plan = this.at(lv.pos, () => B.generate(frame.plan!, { kind: 'call', fn, args: e.args }, lv.columns, lv.table));
    const added = plan.schema.fields.map((_, i) => i).slice(frame.width);
    return Frame.of(plan, frame.outer, [...frame.names, ...added]);
  }

  /** Translates a WHERE conjunct; correlated ones go to `corr` (returning null). */
  protected whereConjunct(c: SqlExpr, frame: Frame, env: Env, corr: Expr[] | null): Expr {
    const ctx = this.ctx(frame, env, 'WHERE', { subqueries: 'deny', outerRefs: corr !== null });
    const e = factorOr(this.tx(c, ctx));
    this.checkBoolean(e, ctx, c.pos, 'WHERE condition');
    if (ctx.shared.sawOuter) {
      corr!.push(e);
      return null as unknown as Expr;
    }
    return e;
  }

  /** Plans one FROM item into a frame. */
  protected planFrom(f: SqlFrom, env: Env, outer: Frame | null): Frame {
    switch (f.kind) {
      case 'table': {
        let df = this.lookupTable(f.name, f.pos, env);
        df = this.renameColumns(df, f.columns, f.pos, `table '${f.name}'`);
        return Frame.of(this.requalify(df, f.alias ?? f.name), outer);
      }
      case 'derived': {
        let df = this.planQuery(f.query, env, null);
        df = this.renameColumns(df, f.columns, f.pos, 'the subquery');
        return Frame.of(this.requalify(df, f.alias), outer);
      }
      case 'plan':
        return Frame.of(f.alias ? B.alias(f.plan, f.alias) : f.plan, outer);
      case 'range': {
        const n = f.args.map((a) => this.constantNumber(a, 'range()'));
        const df = this.at(f.pos, () => (n.length === 1 ? this.session.range(n[0]!) : this.session.range(n[0]!, n[1], n[2] ?? 1, n[3])).plan);
        return Frame.of(this.requalify(this.renameColumns(df, f.columns, f.pos, 'range()'), f.alias ?? 'range'), outer);
      }
      case 'join':
        return this.planJoin(f, env, outer);
      case 'pivot':
        return this.planPivot(f, env, outer);
      case 'unpivot':
        return this.planUnpivot(f, env, outer);
    }
  }

  /** PIVOT over a FROM item: implicit GROUP BY of the columns that neither the pivot columns nor the aggregates read (src/plan/analyzer/pivot.ts). */
  protected planPivot(f: Extract<SqlFrom, { kind: 'pivot' }>, env: Env, outer: Frame | null): Frame {
    const inner = this.planFrom(f.input, env, outer);
    const input = inner.plan!;
    const cctx = this.ctx(inner, env, 'PIVOT', { outerRefs: false });
    const columns = f.columns.map((c) => this.tx({ kind: 'ident', parts: [c.name], pos: c.pos, partPos: [c.pos] }, cctx));
    const types = columns.map((c, j) => this.at(f.columns[j]!.pos, () => bindExpr(c, input.schema).type));
    const actx = this.ctx(inner, env, 'PIVOT', { aggs: true, outerRefs: false });
    const aggs = f.aggs.map((a) => {
      if (!astHasAggregate(a.expr)) this.err(a.pos, `Aggregate expression required for pivot, but '${this.display(a.expr)}' did not appear in any aggregate function`);
      return alias(this.tx(a.expr, actx), a.alias ?? this.display(a.expr));
    });
    const values = f.values.map((v) => {
      const spec = { exprs: v.exprs.map((e) => this.tx(e, cctx)), alias: v.alias };
      this.at(v.pos, () => resolvePivotValue(input.schema, types, spec));
      return spec;
    });
    const plan = this.at(f.pos, () => B.pivot(input, null, columns, values, aggs));
    return Frame.of(f.alias ? this.requalify(plan, f.alias) : plan, outer);
  }

  /** UNPIVOT over a FROM item: the other columns are the ids; EXCLUDE NULLS (the default) drops rows whose values are all null. */
  protected planUnpivot(f: Extract<SqlFrom, { kind: 'unpivot' }>, env: Env, outer: Frame | null): Frame {
    const inner = this.planFrom(f.input, env, outer);
    const ctx = this.ctx(inner, env, 'UNPIVOT', { outerRefs: false });
    const sets = f.sets.map((s) => {
      if (s.columns.length !== f.valueColumns.length) {
        this.err(s.pos, `All unpivot value columns must have the same size as there are value column names (${f.valueColumns.length}), but this one has ${s.columns.length}`);
      }
      return { columns: s.columns.map((c) => this.tx(c, ctx)), name: s.alias ?? s.columns.map((c) => (c.kind === 'ident' ? c.parts[c.parts.length - 1]! : this.display(c))).join('_') };
    });
    const plan = this.at(f.pos, () => B.unpivot(inner.plan!, null, sets, f.nameColumn.name, f.valueColumns.map((v) => v.name), f.includeNulls));
    return Frame.of(f.alias ? this.requalify(plan, f.alias) : plan, outer);
  }

  protected planJoin(j: Extract<SqlFrom, { kind: 'join' }>, env: Env, outer: Frame | null): Frame {
    const left = this.planFrom(j.left, env, outer);
    const right = this.planFrom(j.right, env, outer);
    const ldf = left.plan!;
    const rdf = right.plan!;
    let using = j.using;
    if (j.natural) {
      const rnames = right.names.map((i) => right.schema.fields[i]!.name.toLowerCase());
      using = left.names.map((i) => left.schema.fields[i]!.name).filter((n) => rnames.includes(n.toLowerCase())).map((name) => ({ name, pos: j.pos }));
      if (using.length === 0) return this.joinFrames(left, right, null, j.type === 'inner' ? 'cross' : j.type, j.pos, outer);
    }
    if (using) {
      for (const u of using) {
        for (const [side, fr] of [['left', left], ['right', right]] as const) {
          const matches = fr.names.filter((i) => fr.schema.fields[i]!.name.toLowerCase() === u.name.toLowerCase());
          if (matches.length === 0) this.err(u.pos, `USING column '${u.name}' cannot be resolved on the ${side} side of the join${didYouMean(u.name, fr.names.map((i) => fr.schema.fields[i]!.name))}; columns: [${fr.names.map((i) => fr.schema.fields[i]!.name).join(', ')}]`);
          if (matches.length > 1) this.err(u.pos, `USING column '${u.name}' is ambiguous on the ${side} side of the join`);
        }
      }
      const df = this.at(j.pos, () => B.join(ldf, rdf, using!.map((u) => u.name), j.type));
      return Frame.of(df, outer);
    }
    if (j.type === 'cross' || j.on === null) {
      if (j.type !== 'cross' && j.type !== 'inner') this.err(j.pos, `${j.type.toUpperCase().replace('_', ' ')} JOIN needs an ON or USING condition`);
      return this.joinFrames(left, right, null, 'cross', j.pos, outer);
    }
    const combined = this.combinedFrame(left, right, outer);
    const ctx = this.ctx(combined, env, 'JOIN condition', { subqueries: 'deny' });
    if (astHasSubquery(j.on)) this.err(j.on.pos, 'subqueries in JOIN conditions are not supported; move the condition to WHERE');
    const cond = factorOr(this.tx(j.on, ctx));
    this.checkBoolean(cond, ctx, j.on.pos, 'JOIN condition');
    return this.joinFrames(left, right, cond, j.type, j.pos, outer);
  }

  /** A frame over left ++ right (for translating a join condition). */
  protected combinedFrame(left: Frame, right: Frame, outer: Frame | null): Frame {
    const schema = new Schema([...left.schema.fields, ...right.schema.fields]);
    return new Frame(null, schema, [...left.names, ...right.names.map((i) => i + left.width)], outer);
  }

  protected joinFrames(left: Frame, right: Frame, cond: Expr | null, type: string, pos: Pos, outer: Frame | null): Frame {
    const df = this.at(pos, () => (cond ? B.join(left.plan!, right.plan!, cond, type) : type === 'cross' ? B.crossJoin(left.plan!, right.plan!) : B.join(left.plan!, right.plan!, null, type)));
    const semi = type === 'left_semi' || type === 'left_anti';
    return Frame.of(df, outer, semi ? left.names : [...left.names, ...right.names.map((i) => i + left.width)]);
  }

  /**
   * Comma joins: translates the WHERE conjuncts over the FROM-order layout, then joins the items in
   * an order where each join has a connecting predicate when one exists (Spark's ReorderJoin),
   * using those predicates as join conditions. Returns the frame and the remaining conjuncts.
   */
  protected commaJoin(items: readonly SqlFrom[], plain: SqlExpr[], env: Env, outer: Frame | null, corr: Expr[] | null): { frame: Frame; pending: Expr[] } {
    const frames = items.map((f) => this.planFrom(f, env, outer));
    const offsets: number[] = [];
    let w = 0;
    for (const f of frames) {
      offsets.push(w);
      w += f.width;
    }
    const fromOrder = new Frame(null, new Schema(frames.flatMap((f) => f.schema.fields)), frames.flatMap((f, k) => f.names.map((i) => i + offsets[k]!)), outer);
    const relOf = (i: number) => {
      let k = 0;
      while (k + 1 < offsets.length && offsets[k + 1]! <= i) k++;
      return k;
    };
    const conj: { e: Expr; rels: Set<number>; equi: boolean; used: boolean }[] = [];
    const correlated: Expr[] = [];
    for (const c of plain) {
      const ctx = this.ctx(fromOrder, env, 'WHERE', { subqueries: 'deny', outerRefs: corr !== null });
      const translated = factorOr(this.tx(c, ctx));
      this.checkBoolean(translated, ctx, c.pos, 'WHERE condition');
      if (ctx.shared.sawOuter) {
        correlated.push(translated);
        continue;
      }
      for (const e of exprConjuncts(translated)) addConj(e);
    }
    function addConj(e: Expr): void {
      const rels = new Set<number>();
      visitExpr(e, (x) => {
        const r = refIndex(x);
        if (r !== null) rels.add(relOf(r));
      });
      const equi = e.kind === 'call' && e.fn === 'eq' && rels.size === 2;
      conj.push({ e, rels, equi, used: false });
    }
    // Greedy order: start with the first item; next, the first remaining item connected by an
    // equality to those joined so far (else by any predicate, else the next in FROM order).
    const order = [0];
    const remaining = frames.map((_, k) => k).slice(1);
    const joined = new Set([0]);
    const connects = (k: number, equiOnly: boolean) =>
      conj.some((c) => !c.used && c.rels.size > 1 && (!equiOnly || c.equi) && c.rels.has(k) && [...c.rels].every((r) => r === k || joined.has(r)));
    while (remaining.length) {
      let pick = remaining.findIndex((k) => connects(k, true));
      if (pick < 0) pick = remaining.findIndex((k) => connects(k, false));
      if (pick < 0) pick = 0;
      const k = remaining.splice(pick, 1)[0]!;
      order.push(k);
      joined.add(k);
      for (const c of conj) if (!c.used && c.rels.size > 1 && [...c.rels].every((r) => joined.has(r))) (c as { joinAt?: number }).joinAt = k;
    }
    // New layout: items in join order.
    const newOffset: number[] = [];
    let nw = 0;
    for (const k of order) {
      newOffset[k] = nw;
      nw += frames[k]!.width;
    }
    const remapIndex = (i: number) => {
      const k = relOf(i);
      return i - offsets[k]! + newOffset[k]!;
    };
    const remap = (e: Expr) => transformExprDown(e, (x) => {
      const r = refIndex(x);
      return r === null ? undefined : ref(remapIndex(r), (x as { name: string }).name);
    });
    let acc = frames[order[0]!]!;
    for (const k of order.slice(1)) {
      const here = conj.filter((c) => (c as { joinAt?: number }).joinAt === k);
      for (const c of here) c.used = true;
      const cond = andAll(here.map((c) => remap(c.e)));
      const pos = items[k]!.pos;
      const df = this.at(pos, () => (cond ? B.join(acc.plan!, frames[k]!.plan!, cond, 'inner') : B.crossJoin(acc.plan!, frames[k]!.plan!)));
      acc = Frame.of(df, outer);
    }
    const frame = Frame.of(acc.plan!, outer, fromOrder.names.map(remapIndex));
    if (corr) corr.push(...correlated.map(remap));
    return { frame, pending: conj.filter((c) => !c.used).map((c) => remap(c.e)) };
  }
}

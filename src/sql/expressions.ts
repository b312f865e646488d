/**
 * SQL expressions → `Expr`: the `tx` translation of every AST expression kind (operators,
 * functions, CASE, casts, intervals, window calls), checked against the frame so errors point
 * at the failing part, and Spark's display names of unaliased expressions.
 */
import { didYouMean } from '../errors.js';
import { MAX_EXPR_DEPTH, bindExpr } from '../expr/binder.js';
import { evaluateConstant } from '../expr/codegen.js';
import { type BoundExpr, type Expr, type FrameBound, type WindowFrame, type WindowSpecExpr, LEFT_FOLD_OPS, exprName } from '../expr/expr.js';
import { checkArity, functionNames, getAggregate, getScalar, isAggregate, isScalar } from '../expr/registry.js';
import { getWindowFunction, isWindowFunction, windowFunctionNames } from '../expr/window-functions.js';
import { formatDate, formatTimestamp } from '../expr/runtime.js';
import { transformExprDown } from '../expr/tree.js';
import { generatorArgMismatch, generatorInfo } from '../expr/generators.js';
import { type DataType, Schema, isList, isMap, isStruct, sparkSimpleName } from '../types.js';
import type { Pos, SqlExpr, SqlWindowSpec } from './ast.js';
import { EXTRACT_FIELDS } from './parser.js';
import { ref, call, lit, hasQualifierPrefix, containsKind, astHasSubquery, combineLogical, astChain, errorPos, astChildren, sortExpr } from './expr-helpers.js';
import { type XCtx, EMPTY_ENV } from './scope.js';
import { PlannerScope } from './scope.js';

/** Translates SQL AST expressions into `Expr` trees (validated against the frame) and names them. */
export abstract class ExpressionTranslator extends PlannerScope {
  /** A subquery used as a value (implemented by the decorrelation layer). */
  protected abstract subqueryValue(node: SqlExpr, ctx: XCtx): Expr;

  /** The type of a translated expression (binding it against the frame). */
  protected typeOf(e: Expr, ctx: XCtx, pos: Pos): DataType {
    if (!ctx.frame) return 'null';
    return this.validate(e, ctx, pos).type;
  }

  /**
   * Binds `e` against the frame to check names and types now (so errors carry the SQL position):
   * aggregates and windows are typed through the registry, outer references against the enclosing
   * frame, deferred subqueries by their planned type.
   */
  protected validate(e: Expr, ctx: XCtx, pos: Pos): BoundExpr {
    const frame = ctx.frame!;
    let schema = frame.schema;
    let expr = e;
    if (hasQualifierPrefix(e, '^') || hasQualifierPrefix(e, '$')) {
      const w = frame.width;
      const outer = frame.outer;
      if (outer) schema = new Schema([...frame.schema.fields, ...outer.schema.fields]);
      expr = transformExprDown(e, (x) => {
        if (x.kind !== 'col' || !x.qualifier) return undefined;
        if (x.qualifier.startsWith('^')) return ref(Number(x.qualifier.slice(1)) + w, x.name);
        if (x.qualifier.startsWith('$')) return lit(null, ctx.deferred?.[Number(x.qualifier.slice(1))]?.type ?? 'null');
        return undefined;
      });
    }
    const opts = {
      onAggregate: (a: Extract<Expr, { kind: 'agg' }>): BoundExpr => ({ kind: 'lit', value: null, type: this.aggType(a, schema, opts) }),
      onWindow: (w: Extract<Expr, { kind: 'window' }>): BoundExpr => ({ kind: 'lit', value: null, type: this.windowType(w, schema, opts) }),
    };
    const gen = expr.kind === 'alias' ? expr.expr : expr;
    // A generator item: its argument is checked here, the generator when the select list is planned.
    if (gen.kind === 'call' && generatorInfo(gen.fn)) return this.at(pos, () => bindExpr(gen.args[0] ?? lit(null, 'null'), schema, opts));
    return this.at(pos, () => bindExpr(expr, schema, opts));
  }

  protected aggType(a: Extract<Expr, { kind: 'agg' }>, schema: Schema, opts: Parameters<typeof bindExpr>[2]): DataType {
    const def = getAggregate(a.fn);
    const display = exprName(a);
    checkArity(def, a.args.length, display);
    const args = a.args.map((x) => bindExpr(x, schema, opts));
    return def.resolve(args.map((x) => x.type), display).type;
  }

  protected windowType(w: Extract<Expr, { kind: 'window' }>, schema: Schema, opts: Parameters<typeof bindExpr>[2]): DataType {
    for (const p of w.spec.partitionBy) bindExpr(p, schema, opts);
    for (const o of w.spec.orderBy) bindExpr(o, schema, opts);
    const display = exprName(w);
    const args = w.args.map((x) => bindExpr(x, schema, opts));
    const wf = getWindowFunction(w.fn);
    if (wf) {
      checkArity(wf, args.length, display);
      return wf.resolve(args.map((x) => x.type), display).type;
    }
    const def = getAggregate(w.fn);
    checkArity(def, args.length, display);
    return def.resolve(args.map((x) => x.type), display).type;
  }

  protected checkBoolean(e: Expr, ctx: XCtx, pos: Pos, what: string): void {
    const t = this.typeOf(e, ctx, pos);
    if (t !== 'boolean' && t !== 'null') this.err(pos, `${what} must be boolean but ${exprName(e)} is ${sparkSimpleName(t)}`);
  }

  /** An integer argument such as range()'s, which must be a constant. */
  protected constantNumber(e: SqlExpr, what: string): number {
    const v = this.constantValue(e, what, `the arguments of ${what} must be constant integers`);
    if (typeof v !== 'number' || !Number.isInteger(v)) this.err(e.pos, `the arguments of ${what} must be integers, got ${String(v)}`);
    return v;
  }

  /** LIMIT / OFFSET: a constant non-negative integer. */
  protected constantInt(e: SqlExpr, clause: string): number {
    const v = this.constantValue(e, clause, `${clause} must be a constant integer`);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) this.err(e.pos, `${clause} must be a non-negative integer, got ${String(v)}`);
    return v;
  }

  /** Evaluates a constant expression (no columns, no subqueries); `notConstant` is the error otherwise. */
  private constantValue(e: SqlExpr, clause: string, notConstant: string): unknown {
    const x = this.tx(e, this.ctx(null, EMPTY_ENV, clause, { subqueries: 'deny' }));
    try {
      return evaluateConstant(bindExpr(x, new Schema([])));
    } catch {
      this.err(e.pos, notConstant);
    }
  }

  /** Translates an AST expression into an Expr. */
  tx(node: SqlExpr, ctx: XCtx): Expr {
    ctx.shared.depth++;
    let e: Expr;
    try {
      if (ctx.shared.depth > MAX_EXPR_DEPTH) {
        // Chains of one operator are flat; mixed ones (`a - 1 + 2 - 1 ...`) nest once per operator.
        this.err(errorPos(node), `expression nested more than ${MAX_EXPR_DEPTH} levels deep (operators of different kinds alternating, or calls inside calls); split it into steps (a subquery or withColumn)`);
      }
      e = this.txInner(node, ctx);
    } finally {
      ctx.shared.depth--;
    }
    if (!this.posOf.has(e)) this.posOf.set(e, node.pos);
    this.txOf.set(node, e);
    // Names and types are checked once per clause expression; only when that fails is the tree
    // searched for the innermost failing part, so errors point at it (and checking stays linear).
    if (ctx.shared.depth === 0 && ctx.frame) this.validateTree(node, ctx);
    return e;
  }

  /** Validates the translation of `node`; on failure, reports the innermost failing sub-expression. */
  protected validateTree(node: SqlExpr, ctx: XCtx): void {
    const e = this.txOf.get(node);
    if (!e) return;
    try {
      this.validate(e, ctx, errorPos(node));
    } catch (err) {
      for (const child of astChildren(node)) {
        if (child.kind === 'lambda') continue; // its body is only valid with the parameters bound
        const ce = this.txOf.get(child);
        if (!ce) continue;
        let bad = false;
        try {
          this.validate(ce, ctx, child.pos);
        } catch {
          bad = true;
        }
        if (bad) this.validateTree(child, ctx);
      }
      throw err;
    }
  }

  /** Spark-style output name of an unaliased SELECT expression, e.g. `(a + 1)`, `count(1)`, `CAST(x AS STRING)`. */
  display(n: SqlExpr): string {
    const d = (x: SqlExpr) => this.display(x);
    const e = this.txOf.get(n);
    switch (n.kind) {
      case 'ident': return e && e.kind === 'col' ? e.name : e && !(e.kind === 'call' && e.fn === 'get_field') ? exprName(e) : n.parts[n.parts.length - 1]!;
      case 'star': return n.qualifier ? `${n.qualifier}.*` : '*';
      case 'literal':
        if (n.value === null) return 'NULL';
        if (n.type === 'binary') return n.text;
        if (n.type === 'date32') return `DATE '${formatDate(n.value as number)}'`;
        if (n.type === 'timestamp') return `TIMESTAMP '${formatTimestamp(n.value as number)}'`;
        if (n.type === 'float64') return n.text.replace(/(BD|[DF])$/i, '');
        return String(n.value);
      case 'interval': return n.text.replace(/^interval/i, 'INTERVAL');
      case 'unary': return n.op === 'not' ? `(NOT ${d(n.arg)})` : n.op === '-' ? `(- ${d(n.arg)})` : d(n.arg);
      case 'binary': {
        if (n.op === 'concat') return `concat(${d(n.left)}, ${d(n.right)})`;
        const sym: Record<string, string> = { add: '+', subtract: '-', multiply: '*', divide: '/', mod: '%', div: 'div', eq: '=', neq: '!=', lt: '<', lte: '<=', gt: '>', gte: '>=', eq_null_safe: '<=>', and: 'AND', or: 'OR' };
        return `(${d(n.left)} ${sym[n.op] ?? n.op} ${d(n.right)})`;
      }
      case 'is': return `(${d(n.arg)} IS ${n.negated ? 'NOT ' : ''}${n.test.toUpperCase()})`;
      case 'distinctFrom': return `(${d(n.left)} IS ${n.negated ? 'NOT ' : ''}DISTINCT FROM ${d(n.right)})`;
      case 'between': return `(${d(n.arg)} ${n.negated ? 'NOT ' : ''}BETWEEN ${d(n.low)} AND ${d(n.high)})`;
      case 'inList': return `(${d(n.arg)} ${n.negated ? 'NOT ' : ''}IN (${n.list.map(d).join(', ')}))`;
      case 'inSubquery': return `(${d(n.arg)} ${n.negated ? 'NOT ' : ''}IN (listquery()))`;
      case 'like': return `${n.negated ? 'NOT ' : ''}${d(n.arg)} ${n.op.toUpperCase()} ${d(n.pattern)}`;
      case 'exists': return 'exists()';
      case 'subquery': return 'scalarsubquery()';
      case 'func': {
        if (e && e.kind === 'window') return exprName(e);
        const args = n.star ? '1' : n.args.map(d).join(', ');
        const base = `${n.name}(${n.distinct ? 'DISTINCT ' : ''}${args})`;
        return n.filter ? `${base} FILTER (WHERE ${d(n.filter)})` : base;
      }
      case 'case': {
        const parts = n.whens.map(([c, v]) => `WHEN ${d(c)} THEN ${d(v)}`).join(' ');
        return `CASE ${n.operand ? d(n.operand) + ' ' : ''}${parts}${n.otherwise ? ` ELSE ${d(n.otherwise)}` : ''} END`;
      }
      case 'cast': return `CAST(${d(n.arg)} AS ${n.typeText})`;
      case 'extract': return `extract(${n.field.toLowerCase()} FROM ${d(n.arg)})`;
      case 'subscript': return `${d(n.arg)}[${d(n.index)}]`;
      case 'lambda': return `lambdafunction(${d(n.body)}, ${n.params.map((p) => p.name).join(', ')})`;
    }
  }

  protected checked(e: Expr, _ctx: XCtx, pos: Pos): Expr {
    this.posOf.set(e, pos);
    return e;
  }

  protected txInner(node: SqlExpr, ctx: XCtx): Expr {
    const t = (x: SqlExpr) => this.tx(x, ctx);
    switch (node.kind) {
      case 'ident':
        return this.resolveIdent(node, ctx);
      case 'star':
        this.err(node.pos, `'${node.qualifier ? node.qualifier + '.' : ''}*' is only allowed in the SELECT list and in count(*)`);
      // falls through (unreachable)
      case 'literal':
        return lit(node.value as never, node.type);
      case 'interval':
        this.err(node.pos, `INTERVAL values are only supported in date/timestamp arithmetic (e.g. d + ${node.text})`);
      // falls through (unreachable)
      case 'unary':
        if (node.op === 'not') return this.checked(call('not', t(node.arg)), ctx, node.pos);
        if (node.op === '-') return this.checked(call('negative', t(node.arg)), ctx, node.pos);
        return t(node.arg);
      case 'binary':
        return this.binary(node, ctx);
      case 'is': {
        const a = t(node.arg);
        let e: Expr;
        if (node.test === 'null') e = call(node.negated ? 'isnotnull' : 'isnull', a);
        else {
          e = call('eq_null_safe', a, lit(node.test === 'true', 'boolean'));
          if (node.negated) e = call('not', e);
        }
        return this.checked(e, ctx, node.pos);
      }
      case 'distinctFrom': {
        const e = call('eq_null_safe', t(node.left), t(node.right));
        return this.checked(node.negated ? e : call('not', e), ctx, node.pos);
      }
      case 'between': {
        const a = t(node.arg);
        const e = call('and', call('gte', a, t(node.low)), call('lte', a, t(node.high)));
        return this.checked(node.negated ? call('not', e) : e, ctx, node.pos);
      }
      case 'inList': {
        const e = call('in', t(node.arg), ...node.list.map(t));
        return this.checked(node.negated ? call('not', e) : e, ctx, node.pos);
      }
      case 'like': {
        const a = t(node.arg);
        let p = t(node.pattern);
        if (node.escape !== null && node.escape !== '\\') {
          if (p.kind !== 'lit' || typeof p.value !== 'string') this.err(node.pattern.pos, 'LIKE ... ESCAPE needs a literal pattern');
          p = lit(convertEscape(p.value as string, node.escape), 'utf8');
        }
        const e = call(node.op, a, p);
        return this.checked(node.negated ? call('not', e) : e, ctx, node.pos);
      }
      case 'exists': case 'subquery': case 'inSubquery':
        return this.subqueryValue(node, ctx);
      case 'func':
        return this.func(node, ctx);
      case 'case': {
        const operand = node.operand ? t(node.operand) : null;
        const branches = node.whens.map(([c, v]) => [operand ? call('eq', operand, t(c)) : t(c), t(v)] as const);
        const e: Expr = { kind: 'case', branches, otherwise: node.otherwise ? t(node.otherwise) : null };
        return this.checked(e, ctx, node.pos);
      }
      case 'cast':
        return this.checked({ kind: 'cast', expr: t(node.arg), to: node.to }, ctx, node.pos);
      case 'extract': {
        const fn = EXTRACT_FIELDS[node.field.toUpperCase()];
        if (!fn) this.err(node.fieldPos, `unknown field '${node.field}' in EXTRACT; use YEAR, QUARTER, MONTH, WEEK, DAY, DAYOFWEEK, DAYOFYEAR, HOUR, MINUTE or SECOND`);
        return this.checked(call(fn, t(node.arg)), ctx, node.pos);
      }
      case 'lambda':
        this.err(node.pos, 'a lambda function is only allowed as an argument of a higher-order function such as transform, filter, exists, forall, aggregate or zip_with');
      // falls through (unreachable)
      case 'subscript': {
        const base = t(node.arg);
        const bt = ctx.frame ? this.typeOf(base, ctx, node.arg.pos) : 'null';
        // s['field'] on a struct, m[key] on a map; arrays are 0-based below.
        if (isStruct(bt) || isMap(bt)) return this.checked(call(isStruct(bt) ? 'get_field' : 'element_at', base, t(node.index)), ctx, node.pos);
        if (node.index.kind === 'literal' && node.index.type === 'utf8' && bt !== 'null' && !isList(bt)) this.err(node.index.pos, `cannot read field '${String(node.index.value)}' of a value of type ${sparkSimpleName(bt)}, which is not a struct`);
        const idx = t(node.index);
        const one = idx.kind === 'lit' && typeof idx.value === 'number' ? lit(idx.value + 1, idx.type) : call('add', idx, lit(1, 'int32'));
        return this.checked(call('element_at', t(node.arg), one), ctx, node.pos);
      }
    }
  }

  protected binary(node: Extract<SqlExpr, { kind: 'binary' }>, ctx: XCtx): Expr {
    const { op } = node;
    if (op === 'and' || op === 'or') {
      const args = astChain(node).map((x) => this.tx(x, ctx));
      return this.checked(combineLogical(op, args), ctx, node.opPos);
    }
    if ((op === 'add' || op === 'subtract') && (node.left.kind === 'interval' || node.right.kind === 'interval')) {
      return this.intervalArithmetic(node, ctx);
    }
    const exact = exactDecimal(node);
    if (exact !== null && exact.decimal) return lit(Number(formatDecimal(exact)), 'float64');
    if (LEFT_FOLD_OPS.has(op)) {
      // `a + b + c ...` as one left fold: chains may be thousands of terms long.
      const args = astChain(node).map((x) => this.tx(x, ctx));
      return this.checked({ kind: 'call', fn: op, args }, ctx, node.opPos);
    }
    const a = this.tx(node.left, ctx);
    const b = this.tx(node.right, ctx);
    if (op === 'div') {
      return this.checked({ kind: 'cast', expr: call('divide', a, b), to: 'int64' }, ctx, node.opPos);
    }
    return this.checked(call(op, a, b), ctx, node.opPos);
  }

  /** `d ± INTERVAL ...`: days via date_add, months/years via add_months; sub-day units on timestamps. */
  protected intervalArithmetic(node: Extract<SqlExpr, { kind: 'binary' }>, ctx: XCtx): Expr {
    if (node.left.kind === 'interval' && node.right.kind === 'interval') {
      this.err(node.pos, 'adding two INTERVAL literals is not supported; write one INTERVAL with several units');
    }
    const ivNode = (node.right.kind === 'interval' ? node.right : node.left) as Extract<SqlExpr, { kind: 'interval' }>;
    const valueNode = node.right.kind === 'interval' ? node.left : node.right;
    if (node.op === 'subtract' && node.left.kind === 'interval') this.err(node.pos, 'cannot subtract a date from an INTERVAL; write d - INTERVAL ...');
    const sign = node.op === 'subtract' ? -1 : 1;
    const months = sign * ivNode.months;
    const days = sign * ivNode.days;
    const micros = sign * ivNode.micros;
    const v = this.tx(valueNode, ctx);
    const type = ctx.frame ? this.typeOf(v, ctx, valueNode.pos) : 'date32';
    if (type === 'null') return lit(null, 'null');
    const asDouble = (x: Expr): Expr => ({ kind: 'cast', expr: x, to: 'float64' });
    const toTs = (x: Expr): Expr => ({ kind: 'cast', expr: x, to: 'timestamp' });
    if (type === 'date32' && micros === 0) {
      let e = v;
      if (months) e = call('add_months', e, lit(months, 'int32'));
      if (days) e = call('date_add', e, lit(days, 'int32'));
      return this.checked(e, ctx, node.pos);
    }
    if (type === 'date32' || type === 'timestamp') {
      // Timestamps: months on the date part (keeping the time of day), days and smaller units in seconds.
      let ts = type === 'date32' ? toTs(v) : v;
      if (months) {
        const dayStart = toTs({ kind: 'cast', expr: ts, to: 'date32' });
        const timeOfDay = call('subtract', asDouble(ts), asDouble(dayStart));
        ts = toTs(call('add', asDouble(toTs(call('add_months', { kind: 'cast', expr: ts, to: 'date32' }, lit(months, 'int32')))), timeOfDay));
      }
      const secs = days * 86_400 + micros / 1e6;
      if (secs) ts = toTs(call('add', asDouble(ts), lit(secs, 'float64')));
      return this.checked(ts, ctx, node.pos);
    }
    this.err(valueNode.pos, `cannot add an INTERVAL to a value of type ${sparkSimpleName(type)}; it needs a date or timestamp`);
  }

  protected func(node: Extract<SqlExpr, { kind: 'func' }>, ctx: XCtx): Expr {
    const name = node.name;
    if (name === 'date_part' || name === 'datepart') {
      const f = node.args[0];
      if (!f || f.kind !== 'literal' || typeof f.value !== 'string' || node.args.length !== 2) this.err(node.pos, `${name}(field, source) needs a string literal field and a date/timestamp`);
      const fn = EXTRACT_FIELDS[(f.value as string).toUpperCase()];
      if (!fn) this.err(f.pos, `unknown field '${String(f.value)}' in ${name}; use YEAR, QUARTER, MONTH, WEEK, DAY, DAYOFWEEK, DAYOFYEAR, HOUR, MINUTE or SECOND`);
      return this.checked(call(fn, this.tx(node.args[1]!, ctx)), ctx, node.pos);
    }
    const udf = node.over ? undefined : this.session?.udf.get(name);
    if (udf) {
      // A session UDF shadows a built-in function of the same name (as spark.udf.register does).
      if (node.distinct || node.star || node.filter || node.ignoreNulls) this.err(node.pos, `${name}(...) is a UDF: DISTINCT, *, FILTER and IGNORE NULLS are only for aggregate functions`);
      return this.checked({ kind: 'udf', udf: udf.spec, args: node.args.map((a) => this.tx(a, ctx)) }, ctx, node.pos);
    }
    if (node.over) return this.windowCall(node, ctx);
    if (isAggregate(name)) {
      if (ctx.inAgg) this.err(node.pos, `aggregate functions cannot be nested: ${name}(...) inside another aggregate`);
      if (!ctx.aggs) this.err(node.pos, `aggregate function ${name}(...) is not allowed in ${ctx.clause}`);
      const actx: XCtx = { ...ctx, inAgg: true, windows: false, subqueries: 'deny' };
      if (node.args.some((a) => astHasSubquery(a))) this.err(node.pos, `subqueries inside aggregate functions are not supported`);
      let args = node.star ? [] : node.args.map((a) => this.tx(a, actx));
      if (node.star && name !== 'count') this.err(node.pos, `${name}(*) is not supported; only count(*)`);
      if (node.filter) {
        const cond = this.tx(node.filter, { ...actx, clause: 'FILTER' });
        args = args.length === 0 ? [{ kind: 'case', branches: [[cond, lit(1, 'int32')]], otherwise: null }] : [{ kind: 'case', branches: [[cond, args[0]!]], otherwise: null }, ...args.slice(1)];
      }
      if (node.ignoreNulls) {
        if (!['first', 'last', 'first_value', 'last_value'].includes(name)) this.err(node.pos, `IGNORE NULLS is only supported for first/last/first_value/last_value, not ${name}`);
        args = [args[0]!, lit(true, 'boolean')];
      }
      const canonical = getAggregate(name).name;
      const e: Expr = { kind: 'agg', fn: canonical === 'count' && args.length === 0 ? 'count' : canonical, args, distinct: node.distinct };
      if (node.distinct && args.length === 0) this.err(node.pos, `${name}(DISTINCT) needs an argument`);
      if (containsKind({ kind: 'call', fn: 'x', args }, 'window')) this.err(node.pos, 'window functions are not allowed inside aggregate functions');
      return this.checked(e, ctx, node.pos);
    }
    if (node.distinct) this.err(node.pos, `DISTINCT is only allowed in aggregate functions, not in ${name}(...)`);
    if (node.star) this.err(node.pos, `${name}(*) is not allowed; only count(*) takes '*'`);
    if (node.filter) this.err(node.pos, `FILTER (WHERE ...) is only allowed on aggregate functions, not on ${name}(...)`);
    if (generatorInfo(name)) return this.generatorCall(node, ctx);
    if (!isScalar(name)) {
      if (isWindowFunction(name)) this.err(node.pos, `window function ${name}() needs an OVER clause, e.g. ${name}() OVER (PARTITION BY ... ORDER BY ...)`);
      try {
        getScalar(name);
      } catch (e) {
        this.err(node.pos, (e as Error).message);
      }
    }
    if (isWindowFunction(name)) this.err(node.pos, `window function ${name}() needs an OVER clause, e.g. ${name}() OVER (PARTITION BY ... ORDER BY ...)`);
    if (node.ignoreNulls) this.err(node.pos, `IGNORE NULLS is not allowed on ${name}(...)`);
    const args = node.args.map((a) => (a.kind === 'lambda' ? this.lambda(a, ctx) : this.tx(a, ctx)));
    if (name === 'range') this.err(node.pos, 'range(...) is a table-valued function; use it in FROM: SELECT * FROM range(10)');
    return this.checked(call(name, ...args), ctx, node.pos);
  }

  /** A lambda argument: its body translated with the parameters in scope (shadowing columns). */
  protected lambda(node: Extract<SqlExpr, { kind: 'lambda' }>, ctx: XCtx): Expr {
    const params = node.params.map((p) => p.name);
    const body = this.tx(node.body, { ...ctx, lambdas: [...(ctx.lambdas ?? []), ...params] });
    const e: Expr = { kind: 'lambda', params, body };
    this.posOf.set(e, node.pos);
    this.txOf.set(node, e);
    return e;
  }

  /**
   * A generator call (explode, posexplode, ...): only as a whole SELECT item of a query without
   * aggregates (the select lowering plans it as a Generate node) or in LATERAL VIEW.
   */
  protected generatorCall(node: Extract<SqlExpr, { kind: 'func' }>, ctx: XCtx): Expr {
    const shown = this.display(node);
    if (ctx.clause !== 'SELECT' && ctx.clause !== 'LATERAL VIEW' && ctx.clause !== 'an expression') {
      this.err(node.pos, `[UNSUPPORTED_GENERATOR.OUTSIDE_SELECT] The generator is not supported: outside the SELECT clause, found: ${shown}; use it as a whole SELECT item or in LATERAL VIEW`);
    }
    if (ctx.shared.depth !== 1 || ctx.lambdas?.length) {
      this.err(node.pos, `[UNSUPPORTED_GENERATOR.NESTED_IN_EXPRESSIONS] The generator is not supported: nested in expressions: ${shown} must be a whole SELECT item; compute on its column in an outer query or use LATERAL VIEW`);
    }
    if (ctx.aggs && ctx.clause === 'SELECT') this.err(node.pos, `a generator in an aggregate query is not supported: ${shown}; aggregate in a subquery and explode its result in the outer query`);
    if (node.args.length !== 1) this.err(node.pos, `${node.name}() takes exactly one argument, but ${shown} has ${node.args.length}`);
    const arg = this.tx(node.args[0]!, ctx);
    const t = this.typeOf(arg, ctx, node.args[0]!.pos);
    const mismatch = generatorArgMismatch(generatorInfo(node.name)!, t);
    if (ctx.frame && mismatch !== null) this.err(node.args[0]!.pos, `[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve ${shown} due to data type mismatch: parameter 1 requires ${mismatch}, however ${this.display(node.args[0]!)} has the type ${sparkSimpleName(t)}`);
    return this.checked(call(node.name, arg), ctx, node.pos);
  }

  protected windowCall(node: Extract<SqlExpr, { kind: 'func' }>, ctx: XCtx): Expr {
    const name = node.name;
    if (!ctx.windows) this.err(node.pos, `window functions are not allowed in ${ctx.clause}`);
    if (ctx.inAgg) this.err(node.pos, 'window functions are not allowed inside aggregate functions');
    const isWin = isWindowFunction(name);
    if (!isWin && !isAggregate(name)) {
      if (isScalar(name)) this.err(node.pos, `${name}(...) is not an aggregate or window function, so it cannot be used with OVER`);
      const all = [...functionNames().aggregate, ...windowFunctionNames()];
      this.err(node.pos, `undefined window function '${name}'${didYouMean(name, all)}`);
    }
    if (node.filter) this.err(node.pos, 'FILTER (WHERE ...) is not supported on window functions');
    const actx: XCtx = { ...ctx, windows: false, subqueries: 'deny' };
    let args = node.star ? [] : node.args.map((a) => this.tx(a, actx));
    if (node.star && name !== 'count') this.err(node.pos, `${name}(*) is not supported; only count(*)`);
    if (node.ignoreNulls) {
      if (!['first', 'last', 'first_value', 'last_value'].includes(name)) this.err(node.pos, `IGNORE NULLS is only supported for first/last/first_value/last_value, not ${name}`);
      args = [args[0]!, lit(true, 'boolean')];
    }
    const spec = this.windowSpec(node.over!, ctx, actx);
    const fn = isWin ? name : getAggregate(name).name;
    const e: Expr = { kind: 'window', fn, args, distinct: node.distinct, spec };
    return this.checked(e, ctx, node.pos);
  }

  protected windowSpec(s: SqlWindowSpec, ctx: XCtx, actx: XCtx): WindowSpecExpr {
    let partition = s.partitionBy;
    let order = s.orderBy;
    let frame = s.frame;
    if (s.base !== null) {
      const base = ctx.namedWindows?.get(s.base.toLowerCase());
      if (!base) this.err(s.pos, `window '${s.base}' is not defined${didYouMean(s.base, [...(ctx.namedWindows?.keys() ?? [])])}; define it with WINDOW ${s.base} AS (...)`);
      if (base.base !== null) this.err(s.pos, `window '${s.base}' refers to another named window, which is not supported`);
      if (partition.length && base.partitionBy.length) this.err(s.pos, `window '${s.base}' already has a PARTITION BY`);
      if (order.length && base.orderBy.length) this.err(s.pos, `window '${s.base}' already has an ORDER BY`);
      partition = partition.length ? partition : base.partitionBy;
      order = order.length ? order : base.orderBy;
      frame = frame ?? base.frame;
    }
    const partitionBy = partition.map((p) => this.tx(p, actx));
    const orderBy = order.map((o) => sortExpr(this.tx(o.expr, actx), o));
    let wf: WindowFrame | null = null;
    if (frame) {
      const bound = (b: typeof frame.start): FrameBound => {
        switch (b.kind) {
          case 'unboundedPreceding': return 'unboundedPreceding';
          case 'unboundedFollowing': return 'unboundedFollowing';
          case 'currentRow': return 0;
          default: {
            const v = b.value;
            if (v.kind !== 'literal' || typeof v.value !== 'number') this.err(v.pos, 'window frame bounds must be numeric literals');
            if (frame!.type === 'rows' && !Number.isInteger(v.value)) this.err(v.pos, `ROWS frame bounds must be integers, got ${v.value}`);
            if ((v.value as number) < 0) this.err(v.pos, `window frame offsets must not be negative, got ${v.value}`);
            const n = v.value as number;
            return b.kind === 'preceding' ? (n === 0 ? 0 : -n) : n;
          }
        }
      };
      const start = bound(frame.start);
      const end = bound(frame.end);
      if (start === 'unboundedFollowing') this.err(frame.pos, 'a window frame cannot start at UNBOUNDED FOLLOWING');
      if (end === 'unboundedPreceding') this.err(frame.pos, 'a window frame cannot end at UNBOUNDED PRECEDING');
      if (typeof start === 'number' && typeof end === 'number' && start > end) this.err(frame.pos, 'the window frame starts after it ends');
      if (frame.type === 'range' && (typeof start === 'number' && start !== 0 || typeof end === 'number' && end !== 0) && orderBy.length !== 1) {
        this.err(frame.pos, 'a RANGE frame with offsets needs exactly one ORDER BY expression');
      }
      wf = { type: frame.type, start, end };
    }
    return { partitionBy, orderBy, frame: wf };
  }

  /** `F.expr('...')`: an unresolved expression (names resolve when the Column is used). */
  freeExpr(node: SqlExpr): Expr {
    return this.tx(node, this.ctx(null, EMPTY_ENV, 'an expression', { aggs: true, windows: true, subqueries: 'deny' }));
  }
}

/** An exact decimal constant: value = v / 10^scale. */
interface Decimal {
  readonly v: bigint;
  readonly scale: number;
  /** True when a decimal (not integer) literal took part. */
  readonly decimal: boolean;
}

/**
 * Folds `+ - *` over decimal literals exactly (Spark types `.06 + 0.01` as DECIMAL, so it is
 * exactly 0.07; in doubles it would be 0.06999999999999999 and `BETWEEN .06 - 0.01 AND .06 + 0.01`
 * would miss 0.07, as in TPC-H Q6). Null when the expression is not such a constant.
 */
function exactDecimal(n: SqlExpr): Decimal | null {
  // The left spine of a chain iteratively (chains may be long), the right operands recursively.
  const spine: Extract<SqlExpr, { kind: 'binary' }>[] = [];
  let cur = n;
  while (cur.kind === 'binary' && (cur.op === 'add' || cur.op === 'subtract' || cur.op === 'multiply')) {
    spine.push(cur);
    cur = cur.left;
  }
  if (cur.kind !== 'literal' || typeof cur.value !== 'number') return null;
  const m = /^(-?)(\d*)(?:\.(\d*))?(BD)?$/i.exec(cur.text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const frac = m[3] ?? '';
  let a: Decimal = { v: BigInt((m[2] || '0') + frac) * (m[1] ? -1n : 1n), scale: frac.length, decimal: frac.length > 0 || m[3] !== undefined || m[4] !== undefined };
  for (let i = spine.length - 1; i >= 0; i--) {
    const node = spine[i]!;
    const b = exactDecimal(node.right);
    if (!b) return null;
    const decimal = a.decimal || b.decimal;
    if (node.op === 'multiply') {
      a = { v: a.v * b.v, scale: a.scale + b.scale, decimal };
      continue;
    }
    const scale = Math.max(a.scale, b.scale);
    const av = a.v * 10n ** BigInt(scale - a.scale);
    const bv = b.v * 10n ** BigInt(scale - b.scale);
    a = { v: node.op === 'add' ? av + bv : av - bv, scale, decimal };
  }
  return a;
}

function formatDecimal(d: Decimal): string {
  const neg = d.v < 0n;
  const digits = (neg ? -d.v : d.v).toString().padStart(d.scale + 1, '0');
  const int = digits.slice(0, digits.length - d.scale);
  const frac = digits.slice(digits.length - d.scale);
  return `${neg ? '-' : ''}${int}${frac ? '.' + frac : ''}`;
}

/** Rewrites a LIKE pattern using a custom escape character to use backslash. */
function convertEscape(pattern: string, esc: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === esc && i + 1 < pattern.length) {
      out += '\\' + pattern[++i];
    } else if (c === '\\') out += '\\\\';
    else out += c;
  }
  return out;
}

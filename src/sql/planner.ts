/**
 * The SQL planner: lowers the AST of ./parser.ts into DataFrames built with the DataFrame API's
 * own builders (`project`, `aggregate`, `join`, `union`, `orderBy`, `limit`, `distinct`,
 * `filter`), with expressions as the shared `Expr` trees, so SQL and DataFrame code produce the
 * same logical plans and run through the same binder, registry, optimizer and codegen.
 *
 * Name resolution happens here, before the DataFrame builders run, so errors point at the spot in
 * the SQL text. Columns become positional references (`@i`) into the current relation's layout, so
 * the later joins that decorrelate subqueries (which append columns on the right) never disturb
 * them, and self-joins with clashing names stay unambiguous.
 *
 * Subqueries are decorrelated into joins, never run per row:
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
 * Comma joins are ordered like Spark's ReorderJoin (each join gets a WHERE predicate connecting it
 * to the relations before it when one exists) and those predicates become the join conditions, so
 * `FROM a, b, c WHERE a.x = b.x AND b.y = c.y` plans hash joins, not cross products.
 */
import type { DataFrame } from '../dataframe.js';
import { IllegalArgumentError, didYouMean } from '../errors.js';
import { bindExpr } from '../expr/binder.js';
import { evaluateConstant } from '../expr/codegen.js';
import { type BoundExpr, type Expr, type FrameBound, type WindowFrame, type WindowSpecExpr, exprName } from '../expr/expr.js';
import { checkArity, functionNames, getAggregate, getScalar, isAggregate, isScalar } from '../expr/registry.js';
import { getWindowFunction, isWindowFunction, windowFunctionNames } from '../expr/window-functions.js';
import { formatDate, formatTimestamp } from '../expr/runtime.js';
import * as B from '../plan/builder.js';
import { type ExplainMode, explainString } from '../plan/explain.js';
import { type LogicalPlan, withSchema } from '../plan/logical.js';
import type { PlannerConfig } from '../plan/physical.js';
import type { Session } from '../session.js';
import { type DataType, type Field, Schema, sparkSimpleName } from '../types.js';
import type {
  Pos, SqlExpr, SqlFrom, SqlOrderItem, SqlQuery, SqlQueryBody, SqlSelect, SqlSelectItem, SqlStatement, SqlWindowSpec,
} from './ast.js';
import { analysisErrorAt, positioned } from './errors.js';
import { EXTRACT_FIELDS, parseExpression, parseSelectItem, parseSql } from './parser.js';

// ==================================================================== helpers over Expr trees

/** A positional column reference into the current layout. */
function ref(index: number, name: string): Expr {
  return { kind: 'col', name, qualifier: `@${index}` };
}
function call(fn: string, ...args: Expr[]): Expr {
  return { kind: 'call', fn, args };
}
function lit(value: number | string | boolean | null, type: DataType): Expr {
  return { kind: 'lit', value, type };
}
function alias(e: Expr, name: string): Expr {
  return { kind: 'alias', expr: e.kind === 'alias' ? e.expr : e, name };
}
function andAll(es: readonly Expr[]): Expr | null {
  if (es.length === 0) return null;
  return combineLogical('and', es);
}
function conjunctsOf(e: SqlExpr): SqlExpr[] {
  if (e.kind === 'binary' && e.op === 'and') return [...conjunctsOf(e.left), ...conjunctsOf(e.right)];
  return [e];
}
function json(e: Expr): string {
  return JSON.stringify(e);
}

/** Rebuilds an Expr bottom-up, letting `f` replace any node (return undefined to recurse). */
function mapExpr(e: Expr, f: (e: Expr) => Expr | undefined): Expr {
  const r = f(e);
  if (r !== undefined) return r;
  const m = (x: Expr) => mapExpr(x, f);
  switch (e.kind) {
    case 'col': case 'lit': case 'star': return e;
    case 'call': return { ...e, args: e.args.map(m) };
    case 'agg': return { ...e, args: e.args.map(m) };
    case 'alias': return { ...e, expr: m(e.expr) };
    case 'cast': return { ...e, expr: m(e.expr) };
    case 'sort': return { ...e, expr: m(e.expr) };
    case 'case': return { ...e, branches: e.branches.map(([c, v]) => [m(c), m(v)] as const), otherwise: e.otherwise ? m(e.otherwise) : null };
    case 'window': return { ...e, args: e.args.map(m), spec: { ...e.spec, partitionBy: e.spec.partitionBy.map(m), orderBy: e.spec.orderBy.map(m) } };
  }
}

/** Visits every node of an Expr. */
function walkExpr(e: Expr, f: (e: Expr) => boolean | void): void {
  if (f(e) === false) return;
  const w = (x: Expr) => walkExpr(x, f);
  switch (e.kind) {
    case 'call': case 'agg': e.args.forEach(w); break;
    case 'alias': case 'cast': case 'sort': w(e.expr); break;
    case 'case': e.branches.forEach(([c, v]) => { w(c); w(v); }); if (e.otherwise) w(e.otherwise); break;
    case 'window': e.args.forEach(w); e.spec.partitionBy.forEach(w); e.spec.orderBy.forEach(w); break;
    default: break;
  }
}

function hasQualifierPrefix(e: Expr, prefix: string): boolean {
  let found = false;
  walkExpr(e, (x) => {
    if (x.kind === 'col' && x.qualifier?.startsWith(prefix)) found = true;
    return !found;
  });
  return found;
}
function containsKind(e: Expr, kind: Expr['kind']): boolean {
  let found = false;
  walkExpr(e, (x) => {
    if (x.kind === kind) found = true;
    return !found;
  });
  return found;
}
function refIndex(e: Expr): number | null {
  return e.kind === 'col' && e.qualifier?.startsWith('@') ? Number(e.qualifier.slice(1)) : null;
}

/** True if the AST expression holds a subquery (not looking inside the subqueries themselves). */
function astHasSubquery(e: SqlExpr | null): boolean {
  if (!e) return false;
  let found = false;
  walkAst(e, (x) => {
    if (x.kind === 'exists' || x.kind === 'subquery' || x.kind === 'inSubquery') found = true;
  });
  return found;
}
/** True if the AST holds an aggregate call outside OVER (not inside subqueries). */
function astHasAggregate(e: SqlExpr | null): boolean {
  if (!e) return false;
  let found = false;
  walkAst(e, (x) => {
    if (x.kind === 'func' && x.over === null && isAggregate(x.name)) found = true;
  });
  return found;
}
function walkAst(e: SqlExpr, f: (e: SqlExpr) => void): void {
  f(e);
  const w = (x: SqlExpr | null) => { if (x) walkAst(x, f); };
  switch (e.kind) {
    case 'unary': w(e.arg); break;
    case 'binary': w(e.left); w(e.right); break;
    case 'is': w(e.arg); break;
    case 'distinctFrom': w(e.left); w(e.right); break;
    case 'between': w(e.arg); w(e.low); w(e.high); break;
    case 'inList': w(e.arg); e.list.forEach(w); break;
    case 'inSubquery': w(e.arg); break;
    case 'like': w(e.arg); w(e.pattern); break;
    case 'func':
      e.args.forEach(w);
      w(e.filter);
      if (e.over) { e.over.partitionBy.forEach(w); e.over.orderBy.forEach((o) => w(o.expr)); }
      break;
    case 'case': w(e.operand); e.whens.forEach(([c, v]) => { w(c); w(v); }); w(e.otherwise); break;
    case 'cast': w(e.arg); break;
    case 'extract': w(e.arg); break;
    case 'subscript': w(e.arg); w(e.index); break;
    default: break;
  }
}

/** Names a user can qualify a field by (aliases; not DataFrame ids). */
function userQualifiers(f: Field): string[] {
  return (f.qualifiers ?? []).filter((q) => !q.startsWith('#'));
}

// ==================================================================== frames and contexts

/**
 * A relation being planned: its DataFrame (null while only its layout is known, for comma joins
 * before they are built), its layout, which positions are visible by name / `*` (in display
 * order), and the enclosing query's frame for correlated references.
 */
class Frame {
  constructor(
    public df: LogicalPlan | null,
    public schema: Schema,
    public names: number[],
    readonly outer: Frame | null,
  ) {}

  static of(df: LogicalPlan, outer: Frame | null, names?: number[]): Frame {
    return new Frame(df, df.schema, names ?? df.schema.fields.map((_, i) => i), outer);
  }

  setDf(df: LogicalPlan): void {
    this.df = df;
    this.schema = df.schema;
  }

  get width(): number {
    return this.schema.length;
  }

  /** Relation names visible in this frame. */
  relations(): string[] {
    const out: string[] = [];
    for (const i of this.names) for (const q of userQualifiers(this.schema.fields[i]!)) if (!out.some((o) => o.toLowerCase() === q.toLowerCase())) out.push(q);
    return out;
  }
}

type SubqueryMode = 'immediate' | 'deferred' | 'deny';

/** A subquery planned ahead of the aggregate and joined to its output afterwards. */
interface Deferred {
  readonly node: SqlExpr;
  readonly type: DataType;
  /** Produces the value expression over `frame`, joining what it needs onto it. */
  readonly resolve: (frame: Frame) => Expr;
}

/** CTEs in scope (innermost first). */
interface Env {
  readonly ctes: Map<string, LogicalPlan>;
  readonly parent: Env | null;
}

/** How expressions of one clause are translated. */
interface XCtx {
  /** Where names resolve (null: no relation, e.g. F.expr: names stay unresolved). */
  readonly frame: Frame | null;
  readonly env: Env;
  /** Clause name for messages ('WHERE', 'GROUP BY', ...). */
  readonly clause: string;
  readonly aggs: boolean;
  readonly windows: boolean;
  readonly subqueries: SubqueryMode;
  readonly deferred?: Deferred[];
  /** SELECT aliases usable here, and whether they win over input columns. */
  readonly aliases?: Map<string, Expr>;
  readonly aliasFirst?: boolean;
  /** Whether references to the enclosing query's columns are allowed (they become `^i`). */
  readonly outerRefs: boolean;
  /** State shared by a clause's context and the contexts derived from it (aggregate arguments, windows). */
  readonly shared: { sawOuter: boolean; depth: number };
  readonly namedWindows?: Map<string, SqlWindowSpec>;
  /** Inside an aggregate's arguments (nested aggregates are errors). */
  readonly inAgg?: boolean;
}

/** The result of planning a subquery against an enclosing frame. */
type SubqueryPlan =
  | { readonly correlated: false; readonly df: LogicalPlan; readonly singleRow: boolean }
  | {
      readonly correlated: true;
      /** The subquery's FROM/WHERE frame (local predicates applied). */
      readonly inner: Frame;
      /** Correlated predicates over the inner layout, with `^i` references to the enclosing frame. */
      readonly preds: Expr[];
      readonly sel: SqlSelect;
      readonly query: SqlQuery;
      readonly env: Env;
    };

const EMPTY_ENV: Env = { ctes: new Map(), parent: null };

// ==================================================================== the planner

/** Plans SQL statements and expressions for one session. */
export class SqlPlanner {
  /** Positions of translated expressions (for errors found after translation). */
  private readonly posOf = new WeakMap<object, Pos>();
  /** The translation of each AST expression (for output names). */
  private readonly txOf = new WeakMap<SqlExpr, Expr>();
  private hiddenCounter = 0;

  constructor(readonly session: Session, readonly source: string) {}

  private err(pos: Pos, message: string): never {
    throw analysisErrorAt(this.source, pos, message);
  }

  /** Runs `f`, re-raising Kindling errors with the SQL position prefixed. */
  private at<T>(pos: Pos, f: () => T): T {
    try {
      return f();
    } catch (e) {
      throw positioned(this.source, pos, e);
    }
  }

  private fresh(prefix: string): string {
    return `__${prefix}${this.hiddenCounter++}`;
  }

  // ------------------------------------------------------------------ statements

  /** Executes / plans statements; returns the DataFrame of the last one. */
  runStatements(stmts: readonly SqlStatement[]): DataFrame {
    let last: DataFrame | null = null;
    for (const s of stmts) last = this.statement(s);
    return last!;
  }

  private emptyResult(): DataFrame {
    return this.session.createDataFrame([], new Schema([]));
  }

  private rowsFrame(rows: Record<string, unknown>[], fields: [string, DataType][]): DataFrame {
    return this.session.createDataFrame(rows, new Schema(fields.map(([name, type]) => ({ name, type, nullable: true }))));
  }

  private statement(s: SqlStatement): DataFrame {
    switch (s.kind) {
      case 'query':
        return this.session.dataFrameOf(this.planQuery(s, EMPTY_ENV, null));
      case 'createView': {
        const catalog = this.session.catalog;
        if (catalog.tableExists(s.name)) {
          if (s.ifNotExists) return this.emptyResult();
          if (!s.replace) this.err(s.pos, `temporary view '${s.name}' already exists; use CREATE OR REPLACE TEMP VIEW`);
        }
        let plan = this.planQuery(s.query, EMPTY_ENV, null);
        if (s.columns) {
          const cols = plan.schema.names;
          if (s.columns.length !== cols.length) this.err(s.pos, `view '${s.name}' lists ${s.columns.length} column names but its query returns ${cols.length} columns [${cols.join(', ')}]`);
          plan = B.toDF(plan, s.columns);
        }
        const df = this.session.dataFrameOf(plan);
        this.at(s.pos, () => catalog.registerView(s.name, df, true));
        return this.emptyResult();
      }
      case 'dropView': {
        if (!this.session.catalog.dropTempView(s.name) && !s.ifExists) {
          this.err(s.pos, `temporary view '${s.name}' not found${didYouMean(s.name, this.session.catalog.listTables().map((t) => t.name))}; use DROP VIEW IF EXISTS to ignore`);
        }
        return this.emptyResult();
      }
      case 'showTables': {
        const match = s.pattern === null ? null : sparkPattern(s.pattern);
        const rows = this.session.catalog.listTables().filter((t) => !match || match.test(t.name)).map((t) => ({ namespace: '', tableName: t.name, isTemporary: true }));
        return this.rowsFrame(rows, [['namespace', 'utf8'], ['tableName', 'utf8'], ['isTemporary', 'boolean']]);
      }
      case 'showFunctions': {
        const match = s.pattern === null ? null : sparkPattern(s.pattern);
        const { scalar, aggregate } = functionNames();
        const internal = new Set(['add', 'subtract', 'multiply', 'divide', 'mod', 'negative', 'eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'eq_null_safe', 'and', 'or', 'not', 'in', '%']);
        const names = [...new Set([...scalar, ...aggregate, ...windowFunctionNames()])].filter((n) => !internal.has(n)).sort();
        return this.rowsFrame(names.filter((n) => !match || match.test(n)).map((n) => ({ function: n })), [['function', 'utf8']]);
      }
      case 'showColumns': {
        const df = this.lookupTable(s.table, s.tablePos, EMPTY_ENV);
        return this.rowsFrame(df.schema.names.map((c) => ({ col_name: c })), [['col_name', 'utf8']]);
      }
      case 'describe': {
        const df = s.table !== null ? this.lookupTable(s.table, s.tablePos, EMPTY_ENV) : this.planQuery(s.query!, EMPTY_ENV, null);
        const rows = df.schema.fields.map((f) => ({ col_name: f.name, data_type: sparkSimpleName(f.type), comment: null }));
        return this.rowsFrame(rows, [['col_name', 'utf8'], ['data_type', 'utf8'], ['comment', 'utf8']]);
      }
      case 'explain': {
        if (s.statement.kind !== 'query') {
          this.statement(s.statement);
          return this.rowsFrame([{ plan: 'OK' }], [['plan', 'utf8']]);
        }
        const plan = this.planQuery(s.statement, EMPTY_ENV, null);
        return this.rowsFrame([{ plan: explainString(plan, this.session.plannerConfig(), s.mode) }], [['plan', 'utf8']]);
      }
    }
  }

  // ------------------------------------------------------------------ tables

  private lookupTable(name: string, pos: Pos, env: Env): LogicalPlan {
    const lower = name.toLowerCase();
    for (let e: Env | null = env; e; e = e.parent) {
      const cte = e.ctes.get(lower);
      if (cte) return cte;
    }
    const catalog = this.session.catalog;
    if (catalog.tableExists(name)) return catalog.table(name).plan;
    const candidates = [...catalog.listTables().map((t) => t.name)];
    for (let e: Env | null = env; e; e = e.parent) candidates.push(...e.ctes.keys());
    this.err(pos, `table or view '${name}' not found${didYouMean(name, candidates)}`);
  }

  /** The same plan with its columns qualified only by `alias` (none when null). */
  private requalify(df: LogicalPlan, aliasName: string | null): LogicalPlan {
    const fields = df.schema.fields.map(({ name, type, nullable }) => (aliasName ? { name, type, nullable, qualifiers: [aliasName] } : { name, type, nullable }));
    return withSchema(df, new Schema(fields));
  }

  private renameColumns(df: LogicalPlan, columns: readonly string[] | null, pos: Pos, what: string): LogicalPlan {
    if (!columns) return df;
    const cols = df.schema.names;
    if (columns.length !== cols.length) this.err(pos, `${what} has ${cols.length} columns [${cols.join(', ')}] but ${columns.length} column names were given`);
    return B.toDF(df, columns);
  }

  // ------------------------------------------------------------------ queries

  /** Plans a full query (WITH, body, ORDER BY, LIMIT, OFFSET). `outer` is the enclosing frame of a subquery. */
  planQuery(q: SqlQuery, envIn: Env, outer: Frame | null): LogicalPlan {
    const env = this.withCtes(q, envIn);
    let df: LogicalPlan;
    if (q.body.kind === 'select') {
      const frame = this.fromWhere(q.body, env, outer, null);
      df = this.finishSelect(q.body, q.orderBy, frame, env);
    } else {
      df = this.planBody(q.body, env, outer);
      if (q.orderBy.length) df = this.orderOutput(df, q.orderBy, env);
    }
    return this.applyLimit(df, q);
  }

  private withCtes(q: SqlQuery, envIn: Env): Env {
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

  private applyLimit(dfIn: LogicalPlan, q: SqlQuery): LogicalPlan {
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

  private constantNumber(e: SqlExpr, what: string): number {
    const x = this.tx(e, this.ctx(null, EMPTY_ENV, what, { subqueries: 'deny' }));
    let v: unknown;
    try {
      v = evaluateConstant(bindExpr(x, new Schema([])));
    } catch {
      this.err(e.pos, `the arguments of ${what} must be constant integers`);
    }
    if (typeof v !== 'number' || !Number.isInteger(v)) this.err(e.pos, `the arguments of ${what} must be integers, got ${String(v)}`);
    return v;
  }

  private constantInt(e: SqlExpr, clause: string): number {
    const x = this.tx(e, this.ctx(null, EMPTY_ENV, clause, { subqueries: 'deny' }));
    let v: unknown;
    try {
      v = evaluateConstant(bindExpr(x, new Schema([])));
    } catch {
      this.err(e.pos, `${clause} must be a constant integer`);
    }
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) this.err(e.pos, `${clause} must be a non-negative integer, got ${String(v)}`);
    return v;
  }

  /** A set operation, VALUES list, or nested query. */
  private planBody(b: SqlQueryBody, env: Env, outer: Frame | null): LogicalPlan {
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
        return this.at(b.pos, () => this.intersectExcept(left, right, b.op as 'intersect' | 'except'));
      }
    }
  }

  /**
   * INTERSECT / EXCEPT (DISTINCT) with SQL set semantics, where nulls compare equal: both sides
   * are tagged, unioned, grouped by every column, and the groups filtered on which sides they came from.
   */
  private intersectExcept(left: LogicalPlan, right: LogicalPlan, op: 'intersect' | 'except'): LogicalPlan {
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
  private planValues(rows: readonly (readonly SqlExpr[])[], pos: Pos): LogicalPlan {
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

  private oneRow(): LogicalPlan {
    return this.session.range(0, 1, 1, 1).plan;
  }

  /** ORDER BY over the output columns of a set operation / nested query (names and ordinals). */
  private orderOutput(df: LogicalPlan, orderBy: readonly SqlOrderItem[], env: Env): LogicalPlan {
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

  /** The 0-based select-list position an integer literal names (ORDER BY 2, GROUP BY 1), or null. */
  private ordinal(e: SqlExpr, n: number, clause: string): number | null {
    if (e.kind !== 'literal' || (e.type !== 'int32' && e.type !== 'int64')) return null;
    const k = e.value as number;
    if (k < 1 || k > n) this.err(e.pos, `${clause} position ${k} is not in the select list (valid range is [1, ${n}])`);
    return k - 1;
  }

  // ------------------------------------------------------------------ FROM and WHERE

  /**
   * Plans FROM (joins, comma joins in a connected order) and WHERE (filters, semi/anti joins for
   * subqueries). With `corr` (a subquery that may be correlated), WHERE conjuncts that reference
   * the enclosing frame are collected there instead of applied.
   */
  private fromWhere(sel: SqlSelect, env: Env, outer: Frame | null, corr: Expr[] | null): Frame {
    const where = sel.where ? conjunctsOf(sel.where) : [];
    const plain: SqlExpr[] = [];
    const withSub: SqlExpr[] = [];
    for (const c of where) (astHasSubquery(c) ? withSub : plain).push(c);
    let frame: Frame;
    let pending: Expr[];
    if (sel.from.length === 0) {
      frame = Frame.of(this.oneRow(), outer, []);
      pending = plain.map((c) => this.whereConjunct(c, frame, env, corr));
    } else if (sel.from.length === 1) {
      frame = this.planFrom(sel.from[0]!, env, outer);
      pending = plain.map((c) => this.whereConjunct(c, frame, env, corr));
    } else {
      ({ frame, pending } = this.commaJoin(sel.from, plain, env, outer, corr));
    }
    const local = pending.filter((x) => x !== null);
    if (local.length) frame.setDf(this.at(sel.where!.pos, () => B.filter(frame.df!, andAll(local)!)));
    for (const c of withSub) this.subqueryConjunct(c, frame, env);
    return frame;
  }

  /** Translates a WHERE conjunct; correlated ones go to `corr` (returning null). */
  private whereConjunct(c: SqlExpr, frame: Frame, env: Env, corr: Expr[] | null): Expr {
    const ctx = this.ctx(frame, env, 'WHERE', { subqueries: 'deny', outerRefs: corr !== null });
    const e = factorOr(this.tx(c, ctx));
    this.checkBoolean(e, ctx, c.pos, 'WHERE condition');
    if (ctx.shared.sawOuter) {
      corr!.push(e);
      return null as unknown as Expr;
    }
    return e;
  }

  private checkBoolean(e: Expr, ctx: XCtx, pos: Pos, what: string): void {
    const t = this.typeOf(e, ctx, pos);
    if (t !== 'boolean' && t !== 'null') this.err(pos, `${what} must be boolean but ${exprName(e)} is ${sparkSimpleName(t)}`);
  }

  /** Plans one FROM item into a frame. */
  private planFrom(f: SqlFrom, env: Env, outer: Frame | null): Frame {
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
    }
  }

  private planJoin(j: Extract<SqlFrom, { kind: 'join' }>, env: Env, outer: Frame | null): Frame {
    const left = this.planFrom(j.left, env, outer);
    const right = this.planFrom(j.right, env, outer);
    const ldf = left.df!;
    const rdf = right.df!;
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
  private combinedFrame(left: Frame, right: Frame, outer: Frame | null): Frame {
    const schema = new Schema([...left.schema.fields, ...right.schema.fields]);
    return new Frame(null, schema, [...left.names, ...right.names.map((i) => i + left.width)], outer);
  }

  private joinFrames(left: Frame, right: Frame, cond: Expr | null, type: string, pos: Pos, outer: Frame | null): Frame {
    const df = this.at(pos, () => (cond ? B.join(left.df!, right.df!, cond, type) : type === 'cross' ? B.crossJoin(left.df!, right.df!) : B.join(left.df!, right.df!, null, type)));
    const semi = type === 'left_semi' || type === 'left_anti';
    return Frame.of(df, outer, semi ? left.names : [...left.names, ...right.names.map((i) => i + left.width)]);
  }

  /**
   * Comma joins: translates the WHERE conjuncts over the FROM-order layout, then joins the items in
   * an order where each join has a connecting predicate when one exists (Spark's ReorderJoin),
   * using those predicates as join conditions. Returns the frame and the remaining conjuncts.
   */
  private commaJoin(items: readonly SqlFrom[], plain: SqlExpr[], env: Env, outer: Frame | null, corr: Expr[] | null): { frame: Frame; pending: Expr[] } {
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
      walkExpr(e, (x) => {
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
    const remap = (e: Expr) => mapExpr(e, (x) => {
      const r = refIndex(x);
      return r === null ? undefined : ref(remapIndex(r), (x as { name: string }).name);
    });
    let acc = frames[order[0]!]!;
    for (const k of order.slice(1)) {
      const here = conj.filter((c) => (c as { joinAt?: number }).joinAt === k);
      for (const c of here) c.used = true;
      const cond = andAll(here.map((c) => remap(c.e)));
      const pos = items[k]!.pos;
      const df = this.at(pos, () => (cond ? B.join(acc.df!, frames[k]!.df!, cond, 'inner') : B.crossJoin(acc.df!, frames[k]!.df!)));
      acc = Frame.of(df, outer);
    }
    const frame = Frame.of(acc.df!, outer, fromOrder.names.map(remapIndex));
    if (corr) corr.push(...correlated.map(remap));
    return { frame, pending: conj.filter((c) => !c.used).map((c) => remap(c.e)) };
  }

  /** A WHERE conjunct holding a subquery: semi/anti joins at the top level, else a filter over joined values. */
  private subqueryConjunct(c: SqlExpr, frame: Frame, env: Env): void {
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
    frame.setDf(this.at(c.pos, () => B.filter(frame.df!, e)));
  }

  // ------------------------------------------------------------------ subqueries

  /** Plans a subquery against the enclosing `outer` frame, detecting correlation. */
  private planSubquery(q: SqlQuery, outer: Frame, envIn: Env): SubqueryPlan {
    const env = this.withCtes(q, envIn);
    if (q.body.kind === 'select') {
      const sel = q.body;
      const corr: Expr[] = [];
      const inner = this.fromWhere(sel, env, outer, corr);
      if (corr.length === 0) {
        const df = this.applyLimit(this.finishSelect(sel, q.orderBy, inner, env), q);
        return { correlated: false, df, singleRow: isSingleRow(sel, q) };
      }
      return { correlated: true, inner, preds: corr, sel, query: q, env };
    }
    const df = this.planQuery(q, env, outer);
    return { correlated: false, df, singleRow: false };
  }

  /** Moves correlated predicates onto the layout outer ++ inner (`^i` → `@i`, `@j` → `@(W + j)`). */
  private combineRefs(e: Expr, outerWidth: number): Expr {
    return mapExpr(e, (x) => {
      if (x.kind !== 'col' || !x.qualifier) return undefined;
      if (x.qualifier.startsWith('^')) return ref(Number(x.qualifier.slice(1)), x.name);
      if (x.qualifier.startsWith('@')) return ref(Number(x.qualifier.slice(1)) + outerWidth, x.name);
      return undefined;
    });
  }

  /** Rejects what correlated subqueries cannot have here. */
  private checkCorrelatedShape(p: Extract<SubqueryPlan, { correlated: true }>, pos: Pos, what: string, allowAgg: boolean): void {
    const { sel, query } = p;
    if (sel.groupBy) this.err(pos, `correlated ${what} subquery with GROUP BY is not supported`);
    if (sel.having) this.err(pos, `correlated ${what} subquery with HAVING is not supported`);
    if (!allowAgg && sel.items.some((i) => astHasAggregate(i.expr))) this.err(pos, `correlated ${what} subquery with aggregate functions is not supported`);
    if (sel.windows.length || sel.items.some((i) => i.expr.kind === 'func' && i.expr.over)) this.err(pos, `correlated ${what} subquery with window functions is not supported`);
    if (query.limit && what !== 'EXISTS') this.err(pos, `correlated ${what} subquery with LIMIT is not supported`);
    if (query.offset) this.err(pos, `correlated ${what} subquery with OFFSET is not supported`);
  }

  /** Translates the select items of a correlated subquery over its inner frame. */
  private correlatedItems(p: Extract<SubqueryPlan, { correlated: true }>, aggs: boolean): { exprs: Expr[]; items: readonly SqlSelectItem[] } {
    const ctx = this.ctx(p.inner, p.env, 'SELECT', { aggs, windows: false, subqueries: 'deny', outerRefs: false });
    const exprs: Expr[] = [];
    for (const it of p.sel.items) {
      if (it.expr.kind === 'star') {
        for (const i of this.expandStar(it.expr, p.inner)) exprs.push(ref(i, p.inner.schema.fields[i]!.name));
      } else exprs.push(this.tx(it.expr, ctx));
    }
    return { exprs, items: p.sel.items };
  }

  private semiAntiExists(node: Extract<SqlExpr, { kind: 'exists' }>, negated: boolean, frame: Frame, env: Env): void {
    const p = this.planSubquery(node.query, frame, env);
    const how = negated ? 'left_anti' : 'left_semi';
    if (!p.correlated) {
      const sub = B.limit(p.df, 1);
      frame.setDf(this.at(node.pos, () => B.join(frame.df!, sub, null, how)));
      return;
    }
    this.checkCorrelatedShape(p, node.pos, 'EXISTS', false);
    const cond = andAll(p.preds.map((e) => this.combineRefs(e, frame.width)))!;
    frame.setDf(this.at(node.pos, () => B.join(frame.df!, p.inner.df!, cond, how)));
  }

  private semiAntiIn(node: Extract<SqlExpr, { kind: 'inSubquery' }>, negated: boolean, frame: Frame, env: Env): void {
    const ctx = this.ctx(frame, env, 'WHERE', { subqueries: 'deny', outerRefs: false });
    const x = this.tx(node.arg, ctx);
    const p = this.planSubquery(node.query, frame, env);
    const W = frame.width;
    if (!p.correlated) {
      const sub = p.df;
      const subCols = sub.schema.names;
      if (subCols.length !== 1) this.err(node.query.pos, `the IN subquery must return one column, but returns ${subCols.length} [${subCols.join(', ')}]`);
      const y = ref(W, subCols[0]!);
      const eq = call('eq', x, y);
      this.validateJoinCond(eq, frame, sub, node.pos);
      if (!negated) {
        frame.setDf(this.at(node.pos, () => B.join(frame.df!, sub, eq, 'left_semi')));
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
      const withStats = this.at(node.pos, () => B.filter(B.crossJoin(frame.df!, stats), keep));
      const W2 = withStats.schema.length;
      frame.setDf(this.at(node.pos, () => B.join(withStats, sub, call('eq', x, ref(W2, subCols[0]!)), 'left_anti')));
      return;
    }
    this.checkCorrelatedShape(p, node.pos, 'IN', false);
    const { exprs } = this.correlatedItems(p, false);
    if (exprs.length !== 1) this.err(node.query.pos, `the IN subquery must return one column, but returns ${exprs.length}`);
    const y = this.combineRefs(exprs[0]!, W);
    const preds = p.preds.map((e) => this.combineRefs(e, W));
    const match = negated ? call('or', call('or', call('eq', x, y), call('isnull', x)), call('isnull', y)) : call('eq', x, y);
    const cond = andAll([...preds, match])!;
    frame.setDf(this.at(node.pos, () => B.join(frame.df!, p.inner.df!, cond, negated ? 'left_anti' : 'left_semi')));
  }

  /** A scalar subquery must return one column. */
  private checkOneColumn(p: LogicalPlan, pos: Pos): void {
    const cols = p.schema.names;
    if (cols.length !== 1) this.err(pos, `the scalar subquery must return one column, but returns ${cols.length} [${cols.join(', ')}]`);
  }

  private validateJoinCond(cond: Expr, frame: Frame, sub: LogicalPlan, pos: Pos): void {
    const schema = new Schema([...frame.schema.fields, ...sub.schema.fields]);
    this.at(pos, () => bindExpr(cond, schema));
  }

  /** A subquery used as a value (scalar, or EXISTS / IN outside a top-level WHERE conjunct). */
  private subqueryValue(node: SqlExpr, ctx: XCtx): Expr {
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
  private planDetached(node: SqlExpr, ctx: XCtx): Deferred {
    const q = (node as { query: SqlQuery }).query;
    const blank = new Frame(null, new Schema([]), [], null);
    const p = this.planSubquery(q, ctx.frame ?? blank, ctx.env);
    if (p.correlated) this.err(node.pos, `correlated subqueries are not supported in ${ctx.clause} of an aggregate query; join the aggregated subquery in FROM instead`);
    let type: DataType = 'boolean';
    if (node.kind === 'subquery') {
      this.checkOneColumn(p.df, node.pos);
      type = p.df.schema.fields[0]!.type;
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
  private subqueryInto(node: SqlExpr, frame: Frame, ctx: XCtx): Expr {
    const q = (node as { query: SqlQuery }).query;
    const p = this.planSubquery(q, frame, ctx.env);
    if (node.kind === 'subquery') {
      if (!p.correlated) {
        this.checkOneColumn(p.df, node.pos);
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
    const sub = p.df;
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
    frame.setDf(this.at(node.pos, () => B.join(B.crossJoin(frame.df!, stats), distinctKeys, eq, 'left')));
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

  private existsMark(p: Extract<SubqueryPlan, { correlated: false }>, frame: Frame, pos: Pos): Expr {
    const W = frame.width;
    const mark = B.aggregate(B.limit(p.df, 1), [], [alias({ kind: 'agg', fn: 'count', args: [], distinct: false }, '__e')]);
    frame.setDf(this.at(pos, () => B.crossJoin(frame.df!, mark)));
    return call('gt', ref(W, '__e'), lit(0, 'int64'));
  }

  private scalarUncorrelated(p: Extract<SubqueryPlan, { correlated: false }>, frame: Frame, pos: Pos): Expr {
    const W = frame.width;
    const name = p.df.schema.names[0]!;
    // A global aggregate has exactly one row; anything else is reduced to one row (null when empty).
    const one = p.singleRow ? p.df : B.aggregate(p.df, [], [alias({ kind: 'agg', fn: 'first', args: [ref(0, name)], distinct: false }, name)]);
    frame.setDf(this.at(pos, () => B.crossJoin(frame.df!, one)));
    return ref(W, name);
  }

  /**
   * Splits correlated predicates into equalities inner-expr = outer-expr (the outer side moved onto
   * the combined layout); null when some predicate is not such an equality.
   */
  private equiPreds(p: Extract<SubqueryPlan, { correlated: true }>, outerWidth: number): { inner: Expr[]; outer: Expr[] } | null {
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
  private correlatedAggregateJoin(p: Extract<SubqueryPlan, { correlated: true }>, frame: Frame, item: Expr | null, pos: Pos): { keys: number } {
    const W = frame.width;
    const eq = this.equiPreds(p, W);
    let source: LogicalPlan;
    let groups: Expr[];
    let outerKeys: Expr[];
    let value = item;
    if (eq) {
      source = p.inner.df!;
      groups = eq.inner;
      outerKeys = eq.outer;
    } else {
      const outerIdx = new Set<number>();
      for (const e of p.preds) walkExpr(e, (x) => { if (x.kind === 'col' && x.qualifier?.startsWith('^')) outerIdx.add(Number(x.qualifier.slice(1))); });
      const idx = [...outerIdx].sort((a, b) => a - b);
      const k = idx.length;
      const slot = new Map(idx.map((i, j) => [i, j]));
      const domain = this.at(pos, () => B.distinct(B.project(frame.df!, idx.map((i) => ref(i, frame.schema.fields[i]!.name)), idx.map((_, j) => `__d${j}`))));
      const move = (e: Expr) => mapExpr(e, (x) => {
        if (x.kind !== 'col' || !x.qualifier) return undefined;
        if (x.qualifier.startsWith('^')) return ref(slot.get(Number(x.qualifier.slice(1)))!, `__d${slot.get(Number(x.qualifier.slice(1)))!}`);
        if (x.qualifier.startsWith('@')) return ref(Number(x.qualifier.slice(1)) + k, x.name);
        return undefined;
      });
      const cond = andAll(p.preds.map(move))!;
      source = this.at(pos, () => B.join(domain, p.inner.df!, cond, 'inner'));
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
    frame.setDf(this.at(pos, () => B.join(frame.df!, agg, cond, 'left')));
    return { keys: groups.length };
  }

  /** A correlated scalar subquery: aggregated per correlation value and left-joined (see correlatedAggregateJoin). */
  private scalarCorrelated(p: Extract<SubqueryPlan, { correlated: true }>, frame: Frame, pos: Pos): Expr {
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

  // ------------------------------------------------------------------ SELECT

  /** Star expansion: visible positions of `*` or `t.*`. */
  private expandStar(s: Extract<SqlExpr, { kind: 'star' }>, frame: Frame): number[] {
    if (s.qualifier === null) return [...frame.names];
    const q = s.qualifier.toLowerCase();
    const out = frame.names.filter((i) => userQualifiers(frame.schema.fields[i]!).some((x) => x.toLowerCase() === q));
    if (out.length === 0) this.err(s.pos, `cannot resolve '${s.qualifier}.*': no table or alias '${s.qualifier}' in FROM${didYouMean(s.qualifier, frame.relations())}`);
    return out;
  }

  /** SELECT list, GROUP BY, HAVING, windows, DISTINCT and ORDER BY over the FROM/WHERE frame. */
  private finishSelect(sel: SqlSelect, orderBy: readonly SqlOrderItem[], frame: Frame, env: Env): LogicalPlan {
    const namedWindows = this.namedWindows(sel);
    const isAgg = sel.groupBy !== null || sel.having !== null || sel.items.some((i) => astHasAggregate(i.expr));
    if (isAgg) return this.finishAggregate(sel, orderBy, frame, env, namedWindows);
    // Items over the frame.
    const ctx = this.ctx(frame, env, 'SELECT', { windows: true, subqueries: 'immediate', namedWindows, outerRefs: false });
    const items: { expr: Expr; name: string }[] = [];
    for (const it of sel.items) {
      if (it.expr.kind === 'star') {
        for (const i of this.expandStar(it.expr, frame)) items.push({ expr: ref(i, frame.schema.fields[i]!.name), name: frame.schema.fields[i]!.name });
        continue;
      }
      const e = this.tx(it.expr, ctx);
      items.push({ expr: e, name: it.alias ?? this.display(it.expr) });
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
    const df = frame.df!;
    const all = [...items, ...hidden.map((e) => ({ expr: e, name: this.fresh('sort') }))];
    const identity = hidden.length === 0 && all.length === df.schema.length && all.every((it, i) => refIndex(it.expr) === i && it.name === df.schema.fields[i]!.name);
    let out = identity ? df : this.at(sel.pos, () => B.select(df, all.map((it) => alias(it.expr, it.name))));
    if (sel.distinct) out = B.distinct(out);
    if (keyRefs.length) {
      const cols = out.schema.names;
      out = B.orderBy(out, keyRefs.map(({ index, o }) => sortExpr(ref(index, cols[index]!), o)));
    }
    if (hidden.length) out = B.project(out, items.map((it, i) => ref(i, it.name)), items.map((it) => it.name));
    return out;
  }

  private namedWindows(sel: SqlSelect): Map<string, SqlWindowSpec> {
    const m = new Map<string, SqlWindowSpec>();
    for (const w of sel.windows) {
      if (m.has(w.name.toLowerCase())) this.err(w.pos, `window '${w.name}' is defined twice`);
      m.set(w.name.toLowerCase(), w.spec);
    }
    return m;
  }

  /** Replaces grouping expressions by references into the aggregate's group columns (for aggregate()'s outputs). */
  private liftForAggregate(e: Expr, groups: readonly Expr[]): Expr {
    const keys = groups.map(json);
    return mapExpr(e, (x) => {
      const j = keys.indexOf(json(x));
      if (j >= 0) return { kind: 'col', name: `${displayName(groups[j]!)}\u0000`, qualifier: `@${j}` };
      if (x.kind === 'agg') return x;
      if (x.kind === 'col' && x.qualifier?.startsWith('@')) {
        this.err(this.posOf.get(x) ?? { line: 1, column: 1, offset: 0 }, `column '${x.name}' must appear in the GROUP BY clause or be used in an aggregate function`);
      }
      return undefined;
    });
  }

  /** The aggregate path of finishSelect. */
  private finishAggregate(sel: SqlSelect, orderBy: readonly SqlOrderItem[], frame: Frame, env: Env, namedWindows: Map<string, SqlWindowSpec>): LogicalPlan {
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
      if (!groups.some((x) => json(x) === json(e))) groups.push(e);
    }
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
    const collectAggs = (e: Expr) => walkExpr(e, (x) => {
      if (x.kind === 'agg') {
        if (!aggList.some((a) => json(a) === json(x))) aggList.push(x);
        return false;
      }
      return gKeys.includes(json(x)) ? false : undefined;
    });
    for (const it of items) collectAggs(it.expr);
    if (having) collectAggs(having);
    for (const k of keys) if (k.e) collectAggs(k.e);
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
        X.push(alias(a, name));
        xNames.push(name);
      }
    }
    const aggDf = this.at(sel.pos, () => B.aggregate(frame.df!, G, X));
    const post = Frame.of(aggDf, null, []);
    // 6. deferred subqueries joined onto the aggregate's output
    const subRefs = deferred.map((d) => d.resolve(post));
    const gOut = aggDf.schema.fields;
    const liftPost = (e: Expr, pos: Pos): Expr => mapExpr(e, (x) => {
      const j = gKeys.indexOf(json(x));
      if (j >= 0) return ref(j, gOut[j]!.name);
      if (x.kind === 'agg') {
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
      post.setDf(this.at(sel.having!.pos, () => B.filter(post.df!, h)));
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
    const all = [...finals, ...hidden.map((e) => ({ expr: e, name: this.fresh('sort') }))];
    const pdf = post.df!;
    const identity = hidden.length === 0 && all.length === pdf.schema.length && all.every((it, i) => refIndex(it.expr) === i && it.name === pdf.schema.fields[i]!.name);
    let out = identity ? pdf : this.at(sel.pos, () => B.select(pdf, all.map((it) => alias(it.expr, it.name))));
    if (sel.distinct) out = B.distinct(out);
    if (sortKeys.length) {
      const cols = out.schema.names;
      out = B.orderBy(out, sortKeys.map(({ index, o }) => sortExpr(ref(index, cols[index]!), o)));
    }
    if (hidden.length) out = B.project(out, finals.map((it, i) => ref(i, it.name)), finals.map((it) => it.name));
    return out;
  }

  // ------------------------------------------------------------------ expressions

  private ctx(frame: Frame | null, env: Env, clause: string, opts: Partial<XCtx> = {}): XCtx {
    return { frame, env, clause, aggs: false, windows: false, subqueries: 'deny', outerRefs: false, shared: { sawOuter: false, depth: 0 }, ...opts } as XCtx;
  }

  /** The type of a translated expression (binding it against the frame). */
  private typeOf(e: Expr, ctx: XCtx, pos: Pos): DataType {
    if (!ctx.frame) return 'null';
    return this.validate(e, ctx, pos).type;
  }

  /**
   * Binds `e` against the frame to check names and types now (so errors carry the SQL position):
   * aggregates and windows are typed through the registry, outer references against the enclosing
   * frame, deferred subqueries by their planned type.
   */
  private validate(e: Expr, ctx: XCtx, pos: Pos): BoundExpr {
    const frame = ctx.frame!;
    let schema = frame.schema;
    let expr = e;
    if (hasQualifierPrefix(e, '^') || hasQualifierPrefix(e, '$')) {
      const w = frame.width;
      const outer = frame.outer;
      if (outer) schema = new Schema([...frame.schema.fields, ...outer.schema.fields]);
      expr = mapExpr(e, (x) => {
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
    return this.at(pos, () => bindExpr(expr, schema, opts));
  }

  private aggType(a: Extract<Expr, { kind: 'agg' }>, schema: Schema, opts: Parameters<typeof bindExpr>[2]): DataType {
    const def = getAggregate(a.fn);
    const display = exprName(a);
    checkArity(def, a.args.length, display);
    const args = a.args.map((x) => bindExpr(x, schema, opts));
    return def.resolve(args.map((x) => x.type), display).type;
  }

  private windowType(w: Extract<Expr, { kind: 'window' }>, schema: Schema, opts: Parameters<typeof bindExpr>[2]): DataType {
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

  /** Translates an AST expression into an Expr. */
  tx(node: SqlExpr, ctx: XCtx): Expr {
    ctx.shared.depth++;
    let e: Expr;
    try {
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
  private validateTree(node: SqlExpr, ctx: XCtx): void {
    const e = this.txOf.get(node);
    if (!e) return;
    try {
      this.validate(e, ctx, errorPos(node));
    } catch (err) {
      for (const child of astChildren(node)) {
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
      case 'ident': return e && e.kind === 'col' ? e.name : e ? exprName(e) : n.parts[n.parts.length - 1]!;
      case 'star': return n.qualifier ? `${n.qualifier}.*` : '*';
      case 'literal':
        if (n.value === null) return 'NULL';
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
    }
  }

  private checked(e: Expr, _ctx: XCtx, pos: Pos): Expr {
    this.posOf.set(e, pos);
    return e;
  }

  private txInner(node: SqlExpr, ctx: XCtx): Expr {
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
      case 'subscript': {
        const idx = t(node.index);
        const one = idx.kind === 'lit' && typeof idx.value === 'number' ? lit(idx.value + 1, idx.type) : call('add', idx, lit(1, 'int32'));
        return this.checked(call('element_at', t(node.arg), one), ctx, node.pos);
      }
    }
  }

  private binary(node: Extract<SqlExpr, { kind: 'binary' }>, ctx: XCtx): Expr {
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
    const a = this.tx(node.left, ctx);
    const b = this.tx(node.right, ctx);
    if (op === 'div') {
      return this.checked({ kind: 'cast', expr: call('divide', a, b), to: 'int64' }, ctx, node.opPos);
    }
    return this.checked(call(op, a, b), ctx, node.opPos);
  }

  /** `d ± INTERVAL ...`: days via date_add, months/years via add_months; sub-day units on timestamps. */
  private intervalArithmetic(node: Extract<SqlExpr, { kind: 'binary' }>, ctx: XCtx): Expr {
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

  private func(node: Extract<SqlExpr, { kind: 'func' }>, ctx: XCtx): Expr {
    const name = node.name;
    if (name === 'date_part' || name === 'datepart') {
      const f = node.args[0];
      if (!f || f.kind !== 'literal' || typeof f.value !== 'string' || node.args.length !== 2) this.err(node.pos, `${name}(field, source) needs a string literal field and a date/timestamp`);
      const fn = EXTRACT_FIELDS[(f.value as string).toUpperCase()];
      if (!fn) this.err(f.pos, `unknown field '${String(f.value)}' in ${name}; use YEAR, QUARTER, MONTH, WEEK, DAY, DAYOFWEEK, DAYOFYEAR, HOUR, MINUTE or SECOND`);
      return this.checked(call(fn, this.tx(node.args[1]!, ctx)), ctx, node.pos);
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
    const args = node.args.map((a) => this.tx(a, ctx));
    if (name === 'range') this.err(node.pos, 'range(...) is a table-valued function; use it in FROM: SELECT * FROM range(10)');
    return this.checked(call(name, ...args), ctx, node.pos);
  }

  private windowCall(node: Extract<SqlExpr, { kind: 'func' }>, ctx: XCtx): Expr {
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

  private windowSpec(s: SqlWindowSpec, ctx: XCtx, actx: XCtx): WindowSpecExpr {
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

  /** Resolves a (possibly qualified) column name: SELECT aliases, the frame, then the enclosing query. */
  private resolveIdent(node: Extract<SqlExpr, { kind: 'ident' }>, ctx: XCtx): Expr {
    const parts = node.parts;
    if (parts.length > 2) this.err(node.pos, `'${parts.join('.')}' cannot be resolved: nested field access and database-qualified names are not supported`);
    const name = parts[parts.length - 1]!;
    const qualifier = parts.length === 2 ? parts[0]! : null;
    const namePos = node.partPos[node.partPos.length - 1]!;
    const aliasHit = qualifier === null ? ctx.aliases?.get(name.toLowerCase()) : undefined;
    if (aliasHit && ctx.aliasFirst) return aliasHit;
    const frame = ctx.frame;
    if (!frame) return qualifier ? { kind: 'col', name, qualifier } : { kind: 'col', name };
    const local = this.lookup(frame, name, qualifier, node);
    if (local !== null) return ref(local, frame.schema.fields[local]!.name);
    if (aliasHit) return aliasHit;
    // The enclosing query (correlated reference).
    const outer = frame.outer;
    if (outer) {
      const o = this.lookup(outer, name, qualifier, node);
      if (o !== null) {
        if (!ctx.outerRefs) {
          this.err(node.pos, `correlated reference to outer column '${parts.join('.')}' is only supported in the WHERE clause of a subquery (not in ${ctx.clause})`);
        }
        ctx.shared.sawOuter = true;
        return { kind: 'col', name: outer.schema.fields[o]!.name, qualifier: `^${o}` };
      }
      if (outer.outer && this.lookup(outer.outer, name, qualifier, node) !== null) {
        this.err(node.pos, `correlated reference to '${parts.join('.')}' from two query levels up is not supported`);
      }
    }
    // Not found: explain where we looked.
    const rels = frame.relations();
    const visible = frame.names.map((i) => frame.schema.fields[i]!);
    if (qualifier !== null) {
      const q = qualifier.toLowerCase();
      const inRel = visible.filter((f) => userQualifiers(f).some((x) => x.toLowerCase() === q));
      const outerRel = outer ? outer.names.map((i) => outer.schema.fields[i]!).filter((f) => userQualifiers(f).some((x) => x.toLowerCase() === q)) : [];
      if (inRel.length === 0 && outerRel.length === 0) {
        this.err(node.pos, `unknown table or alias '${qualifier}' in '${parts.join('.')}'${didYouMean(qualifier, rels)}${rels.length ? `; tables in FROM: ${rels.map((r) => `'${r}'`).join(', ')}` : ''}`);
      }
      const cands = (inRel.length ? inRel : outerRel).map((f) => f.name);
      this.err(namePos, `unknown column '${name}' in table '${qualifier}'${didYouMean(name, cands)}`);
    }
    const candidates = [...visible.map((f) => f.name), ...(ctx.aliases ? [...ctx.aliases.keys()] : [])];
    const where = rels.length === 1 ? ` in table '${rels[0]}'` : rels.length > 1 ? ` in tables ${rels.map((r) => `'${r}'`).join(', ')}` : visible.length === 0 ? ' (the query has no FROM clause)' : '';
    this.err(node.pos, `unknown column '${name}'${where}${didYouMean(name, candidates)}`);
  }

  /** Index of a visible column of `frame`, null when absent; ambiguity is an error. */
  private lookup(frame: Frame, name: string, qualifier: string | null, node: Extract<SqlExpr, { kind: 'ident' }>): number | null {
    const lower = name.toLowerCase();
    const q = qualifier?.toLowerCase();
    const matches: number[] = [];
    for (const i of frame.names) {
      const f = frame.schema.fields[i]!;
      if (f.name.toLowerCase() !== lower) continue;
      if (q !== undefined && !userQualifiers(f).some((x) => x.toLowerCase() === q)) continue;
      matches.push(i);
    }
    if (matches.length > 1) {
      const exact = matches.filter((i) => frame.schema.fields[i]!.name === name);
      if (exact.length === 1) return exact[0]!;
      const opts = matches.map((i) => {
        const f = frame.schema.fields[i]!;
        const qs = userQualifiers(f);
        return `'${qs.length ? qs[qs.length - 1] + '.' : ''}${f.name}'`;
      });
      const distinct = [...new Set(opts)];
      if (distinct.length < matches.length) this.err(node.pos, `column reference '${node.parts.join('.')}' is ambiguous: it matches ${matches.length} columns named '${name}'; rename one of them or qualify it with a table alias`);
      this.err(node.pos, `column reference '${node.parts.join('.')}' is ambiguous: it could be ${distinct.join(' or ')}; qualify it with a table name or alias`);
    }
    return matches.length === 1 ? matches[0]! : null;
  }

  // ------------------------------------------------------------------ entry points for the DataFrame API

  /** `df.selectExpr(...)`: SELECT-list items over a DataFrame. */
  selectExprs(df: LogicalPlan, items: readonly SqlSelectItem[]): LogicalPlan {
    const pos = items[0]?.pos ?? { line: 1, column: 1, offset: 0 };
    const sel: SqlSelect = { kind: 'select', distinct: false, items, from: [], where: null, groupBy: null, having: null, windows: [], pos };
    return this.finishSelect(sel, [], Frame.of(df, null), EMPTY_ENV);
  }

  /** `df.filter('...')`: a WHERE condition over a DataFrame (subqueries over views allowed). */
  filterExpr(df: LogicalPlan, cond: SqlExpr): LogicalPlan {
    const sel: SqlSelect = { kind: 'select', distinct: false, items: [], from: [{ kind: 'plan', plan: df, alias: null, pos: cond.pos }], where: cond, groupBy: null, having: null, windows: [], pos: cond.pos };
    const frame = this.fromWhere(sel, EMPTY_ENV, null, null);
    const out = frame.df!;
    const n = df.schema.length;
    if (out.schema.length === n) return out;
    return B.project(out, df.schema.fields.map((f, i) => ref(i, f.name)), df.schema.names);
  }

  /** `F.expr('...')`: an unresolved expression (names resolve when the Column is used). */
  freeExpr(node: SqlExpr): Expr {
    return this.tx(node, this.ctx(null, EMPTY_ENV, 'an expression', { aggs: true, windows: true, subqueries: 'deny' }));
  }
}

// ==================================================================== small helpers

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
  if (n.kind === 'literal') {
    if (typeof n.value !== 'number') return null;
    const m = /^(-?)(\d*)(?:\.(\d*))?(BD)?$/i.exec(n.text);
    if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
    const frac = m[3] ?? '';
    const v = BigInt((m[2] || '0') + frac) * (m[1] ? -1n : 1n);
    return { v, scale: frac.length, decimal: frac.length > 0 || m[3] !== undefined || m[4] !== undefined };
  }
  if (n.kind !== 'binary' || (n.op !== 'add' && n.op !== 'subtract' && n.op !== 'multiply')) return null;
  const a = exactDecimal(n.left);
  const b = exactDecimal(n.right);
  if (!a || !b) return null;
  const decimal = a.decimal || b.decimal;
  if (n.op === 'multiply') return { v: a.v * b.v, scale: a.scale + b.scale, decimal };
  const scale = Math.max(a.scale, b.scale);
  const av = a.v * 10n ** BigInt(scale - a.scale);
  const bv = b.v * 10n ** BigInt(scale - b.scale);
  return { v: n.op === 'add' ? av + bv : av - bv, scale, decimal };
}

function formatDecimal(d: Decimal): string {
  const neg = d.v < 0n;
  const digits = (neg ? -d.v : d.v).toString().padStart(d.scale + 1, '0');
  const int = digits.slice(0, digits.length - d.scale);
  const frac = digits.slice(digits.length - d.scale);
  return `${neg ? '-' : ''}${int}${frac ? '.' + frac : ''}`;
}

/** Splits an Expr on AND. */
function exprConjuncts(e: Expr): Expr[] {
  return flattenCalls(e, 'and');
}
function exprDisjuncts(e: Expr): Expr[] {
  return flattenCalls(e, 'or');
}
/** The operands of a chain of one associative operator, left to right (iterative: chains may be long). */
function flattenCalls(e: Expr, fn: string): Expr[] {
  const out: Expr[] = [];
  const stack: Expr[] = [e];
  while (stack.length) {
    const x = stack.pop()!;
    if (x.kind === 'call' && x.fn === fn) for (let i = x.args.length - 1; i >= 0; i--) stack.push(x.args[i]!);
    else out.push(x);
  }
  return out;
}

/**
 * Combines operands with AND / OR: left-deep like the Column API for short chains (so plans
 * match DataFrame code), balanced for long ones (machine-generated `a = 1 OR a = 2 OR ...`), which
 * keeps expression trees shallow for the recursive binder and code generator.
 */
function combineLogical(fn: 'and' | 'or', args: readonly Expr[]): Expr {
  if (args.length <= 8) return args.reduce((a, b) => call(fn, a, b));
  const mid = args.length >> 1;
  return call(fn, combineLogical(fn, args.slice(0, mid)), combineLogical(fn, args.slice(mid)));
}

/** The operands of a left-deep AND / OR chain in the AST, left to right. */
function astChain(node: Extract<SqlExpr, { kind: 'binary' }>): SqlExpr[] {
  const ops: SqlExpr[] = [];
  let cur: SqlExpr = node;
  while (cur.kind === 'binary' && cur.op === node.op) {
    ops.push(cur.right);
    cur = cur.left;
  }
  ops.push(cur);
  return ops.reverse();
}

/**
 * Pulls conjuncts shared by every branch of an OR out of it (`(a AND b) OR (a AND c)` →
 * `a AND (b OR c)`), as Spark's optimizer does, so join keys repeated in each branch (TPC-H Q19)
 * become hash-join keys instead of a nested-loop condition.
 */
function factorOr(e: Expr): Expr {
  if (e.kind === 'call' && e.fn === 'and') return andAll(e.args.map(factorOr))!;
  if (!(e.kind === 'call' && e.fn === 'or')) return e;
  const branches = exprDisjuncts(e).map(exprConjuncts);
  const common = branches[0]!.filter((c) => branches.every((b) => b.some((x) => json(x) === json(c))));
  if (common.length === 0) return e;
  const keys = new Set(common.map(json));
  const rests = branches.map((b) => b.filter((x) => !keys.has(json(x))));
  // A branch that is only common conjuncts makes the OR true: the result is just the common part.
  if (rests.some((r) => r.length === 0)) return andAll(common)!;
  const or = combineLogical('or', rests.map((r) => andAll(r)!));
  return andAll([...common, or])!;
}

/** Where an error in an expression is reported: binary operators at the operator. */
function errorPos(n: SqlExpr): Pos {
  return n.kind === 'binary' ? n.opPos : n.pos;
}

/** The direct sub-expressions of an AST expression (not looking into subqueries). */
function astChildren(e: SqlExpr): SqlExpr[] {
  switch (e.kind) {
    case 'unary': case 'is': case 'cast': case 'extract': return [e.arg];
    case 'binary': return e.op === 'and' || e.op === 'or' ? astChain(e) : [e.left, e.right];
    case 'distinctFrom': return [e.left, e.right];
    case 'between': return [e.arg, e.low, e.high];
    case 'inList': return [e.arg, ...e.list];
    case 'inSubquery': return [e.arg];
    case 'like': return [e.arg, e.pattern];
    case 'func': return [...e.args, ...(e.filter ? [e.filter] : []), ...(e.over ? [...e.over.partitionBy, ...e.over.orderBy.map((o) => o.expr)] : [])];
    case 'case': return [...(e.operand ? [e.operand] : []), ...e.whens.flat(), ...(e.otherwise ? [e.otherwise] : [])];
    case 'subscript': return [e.arg, e.index];
    default: return [];
  }
}

function sortExpr(e: Expr, o: SqlOrderItem): Expr {
  const nullsFirst = o.nullsFirst ?? o.ascending;
  return { kind: 'sort', expr: e, ascending: o.ascending, nullsFirst };
}

/** Spark's name for an unaliased select expression. */
function displayName(e: Expr): string {
  return exprName(e);
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
  const replaced = mapExpr(e, (x) => {
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
  let found = false;
  walkExpr(e, (x) => {
    if (x.kind === 'agg') return false;
    if (x.kind === 'case' || (x.kind === 'call' && ['coalesce', 'nvl', 'ifnull', 'nvl2', 'if', 'isnull', 'isnotnull', 'eq_null_safe', 'concat_ws', 'or', 'and', 'in'].includes(x.fn))) found = true;
    return !found;
  });
  return found;
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

/** Spark's SHOW TABLES / SHOW FUNCTIONS pattern: `*` any characters, `|` alternatives, case-insensitive. */
function sparkPattern(p: string): RegExp {
  const alts = p.split('|').map((a) => a.trim().split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*'));
  return new RegExp(`^(?:${alts.join('|')})$`, 'i');
}

/** The explain text of a DataFrame (the same text `df.explain(mode)` prints), without printing. */
export function explainText(df: { readonly plan: LogicalPlan; readonly session: { plannerConfig(): PlannerConfig } }, mode: ExplainMode): string {
  return explainString(df.plan, df.session.plannerConfig(), mode);
}

// ==================================================================== public entry points

/** Parses and plans SQL text (one or more `;`-separated statements); returns the last statement's DataFrame. */
export function sqlToDataFrame(session: Session, text: string): DataFrame {
  if (typeof text !== 'string') throw new IllegalArgumentError('spark.sql() takes a SQL string');
  const stmts = parseSql(text);
  return new SqlPlanner(session, text).runStatements(stmts);
}

/** An unresolved Column expression from SQL text (`F.expr('a + 1')`, `F.expr('sum(x) AS total')`). */
export function exprFromSql(text: string): Expr {
  const item = parseSelectItem(text);
  if (item.expr.kind === 'star') {
    return item.expr.qualifier ? { kind: 'star', qualifier: item.expr.qualifier } : { kind: 'star' };
  }
  const planner = new SqlPlanner(null as unknown as Session, text);
  const e = planner.freeExpr(item.expr);
  return item.alias ? alias(e, item.alias) : e;
}

/** `df.selectExpr(...texts)`: the projection (or aggregate) of SELECT-list items over `plan`. */
export function selectExprPlan(session: Session, plan: LogicalPlan, texts: readonly string[]): LogicalPlan {
  const items = texts.map((t) => parseSelectItem(t));
  return new SqlPlanner(session, texts[0] ?? '').selectExprs(plan, items);
}

/** `df.filter('condition')` / `df.where('condition')`: `plan` filtered by a SQL condition. */
export function filterPlan(session: Session, plan: LogicalPlan, text: string): LogicalPlan {
  const cond = parseExpression(text);
  return new SqlPlanner(session, text).filterExpr(plan, cond);
}

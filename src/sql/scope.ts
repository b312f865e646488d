/**
 * Name resolution for the SQL planner: frames (a relation being planned, its visible columns and
 * its enclosing query), CTE environments, clause contexts, and the base class that resolves
 * table, column and `*` references against them (errors carry the SQL position).
 */
import { didYouMean } from '../errors.js';
import type { Expr } from '../expr/expr.js';
import type { LogicalPlan } from '../plan/logical.js';
import type { Session } from '../session.js';
import { type DataType, type Field, Schema, isStruct, sparkSimpleName, structFields } from '../types.js';
import type { Pos, SqlExpr, SqlQuery, SqlSelect, SqlWindowSpec } from './ast.js';
import { analysisErrorAt, positioned } from './errors.js';
import { ref } from './expr-helpers.js';

/** Names a user can qualify a field by (aliases; not DataFrame ids). */
export function userQualifiers(f: Field): string[] {
  return (f.qualifiers ?? []).filter((q) => !q.startsWith('#'));
}

/**
 * A relation being planned: its plan (null while only its layout is known, for comma joins
 * before they are built), its layout, which positions are visible by name / `*` (in display
 * order), and the enclosing query's frame for correlated references.
 */
export class Frame {
  constructor(
    public plan: LogicalPlan | null,
    public schema: Schema,
    public names: number[],
    readonly outer: Frame | null,
  ) {}

  static of(plan: LogicalPlan, outer: Frame | null, names?: number[]): Frame {
    return new Frame(plan, plan.schema, names ?? plan.schema.fields.map((_, i) => i), outer);
  }

  setPlan(plan: LogicalPlan): void {
    this.plan = plan;
    this.schema = plan.schema;
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

export type SubqueryMode = 'immediate' | 'deferred' | 'deny';

/** A subquery planned ahead of the aggregate and joined to its output afterwards. */
export interface Deferred {
  readonly node: SqlExpr;
  readonly type: DataType;
  /** Produces the value expression over `frame`, joining what it needs onto it. */
  readonly resolve: (frame: Frame) => Expr;
}

/** CTEs in scope (innermost first). */
export interface Env {
  readonly ctes: Map<string, LogicalPlan>;
  readonly parent: Env | null;
}

/** How expressions of one clause are translated. */
export interface XCtx {
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
  /** Parameters of the lambda functions enclosing the expression (they shadow columns). */
  readonly lambdas?: readonly string[];
}

/** The result of planning a subquery against an enclosing frame. */
export type SubqueryPlan =
  | { readonly correlated: false; readonly plan: LogicalPlan; readonly singleRow: boolean }
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

export const EMPTY_ENV: Env = { ctes: new Map(), parent: null };

/**
 * The base of the SQL planner's layers: the SQL text and session, error reporting with
 * positions, clause contexts, and name resolution (tables and CTEs, columns of a frame and its
 * enclosing frames, `*`). The layers above translate expressions (expressions.ts), lower
 * subqueries to Subquery nodes (decorrelate.ts), lower SELECT (select.ts) and queries (query.ts), and run
 * statements (statements.ts).
 */
export abstract class PlannerScope {
  /** Positions of translated expressions (for errors found after translation). */
  protected readonly posOf = new WeakMap<object, Pos>();

  /** The translation of each AST expression (for output names). */
  protected readonly txOf = new WeakMap<SqlExpr, Expr>();

  protected hiddenCounter = 0;

  constructor(readonly session: Session, readonly source: string) {}

  protected err(pos: Pos, message: string): never {
    throw analysisErrorAt(this.source, pos, message);
  }

  /** Runs `f`, re-raising Kindling errors with the SQL position prefixed. */
  protected at<T>(pos: Pos, f: () => T): T {
    try {
      return f();
    } catch (e) {
      throw positioned(this.source, pos, e);
    }
  }

  protected fresh(prefix: string): string {
    return `__${prefix}${this.hiddenCounter++}`;
  }

  protected ctx(frame: Frame | null, env: Env, clause: string, opts: Partial<XCtx> = {}): XCtx {
    return { frame, env, clause, aggs: false, windows: false, subqueries: 'deny', outerRefs: false, shared: { sawOuter: false, depth: 0 }, ...opts } as XCtx;
  }

  protected lookupTable(name: string, pos: Pos, env: Env): LogicalPlan {
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

  /** Star expansion: visible positions of `*` or `t.*`. */
  protected expandStar(s: Extract<SqlExpr, { kind: 'star' }>, frame: Frame): number[] {
    if (s.qualifier === null) return [...frame.names];
    const q = s.qualifier.toLowerCase();
    const out = frame.names.filter((i) => userQualifiers(frame.schema.fields[i]!).some((x) => x.toLowerCase() === q));
    if (out.length === 0) this.err(s.pos, `cannot resolve '${s.qualifier}.*': no table or alias '${s.qualifier}' in FROM${didYouMean(s.qualifier, frame.relations())}`);
    return out;
  }

  /** The 0-based select-list position an integer literal names (ORDER BY 2, GROUP BY 1), or null. */
  protected ordinal(e: SqlExpr, n: number, clause: string): number | null {
    if (e.kind !== 'literal' || (e.type !== 'int32' && e.type !== 'int64')) return null;
    const k = e.value as number;
    if (k < 1 || k > n) this.err(e.pos, `${clause} position ${k} is not in the select list (valid range is [1, ${n}])`);
    return k - 1;
  }

  /** Resolves a (possibly qualified) column name: SELECT aliases, the frame, then the enclosing query. */
  protected resolveIdent(node: Extract<SqlExpr, { kind: 'ident' }>, ctx: XCtx): Expr {
    const parts = node.parts;
    const field = this.resolveFieldPath(node, ctx);
    if (field) return field;
    if (parts.length > 2) this.err(node.pos, `'${parts.join('.')}' cannot be resolved: nested field access and database-qualified names are not supported`);
    const name = parts[parts.length - 1]!;
    const qualifier = parts.length === 2 ? parts[0]! : null;
    const namePos = node.partPos[node.partPos.length - 1]!;
    if (qualifier === null && ctx.lambdas?.some((p) => p.toLowerCase() === name.toLowerCase())) return { kind: 'lambdavar', name };
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

  /**
   * `s.a` / `t.s.a` / `s.a.b`: a field of a struct column, as Spark resolves it (a table
   * qualifier first, then a column); undefined when the name is not a struct field path.
   */
  private resolveFieldPath(node: Extract<SqlExpr, { kind: 'ident' }>, ctx: XCtx): Expr | undefined {
    const { parts, partPos } = node;
    const frame = ctx.frame;
    if (!frame || parts.length < 2) return undefined;
    let col = parts.length > 2 ? this.lookup(frame, parts[1]!, parts[0]!, node) : null;
    let first = 2;
    if (col === null) {
      if (this.lookup(frame, parts[1]!, parts[0]!, node) !== null) return undefined; // t.col
      col = this.lookup(frame, parts[0]!, null, node);
      first = 1;
    }
    if (col === null || !isStruct(frame.schema.fields[col]!.type)) return undefined;
    let type: DataType = frame.schema.fields[col]!.type;
    let e: Expr = ref(col, frame.schema.fields[col]!.name);
    for (let k = first; k < parts.length; k++) {
      const name = parts[k]!;
      if (!isStruct(type)) this.err(partPos[k]!, `cannot read field '${name}' of '${parts.slice(0, k).join('.')}', which is ${sparkSimpleName(type)}, not a struct`);
      const fields = structFields(type);
      const f = fields.find((x) => x.name === name) ?? fields.find((x) => x.name.toLowerCase() === name.toLowerCase());
      if (!f) this.err(partPos[k]!, `no field '${name}' in '${parts.slice(0, k).join('.')}' (${sparkSimpleName(type)})${didYouMean(name, fields.map((x) => x.name))}`);
      type = f.type;
      e = { kind: 'call', fn: 'get_field', args: [e, { kind: 'lit', value: f.name, type: 'utf8' }] };
    }
    return e;
  }

  /** Index of a visible column of `frame`, null when absent; ambiguity is an error. */
  protected lookup(frame: Frame, name: string, qualifier: string | null, node: Extract<SqlExpr, { kind: 'ident' }>): number | null {
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
}

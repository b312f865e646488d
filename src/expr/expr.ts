/**
 * Expression trees as plain data (JSON-serialisable, so plans can be shipped to worker threads).
 * `Expr` is what the API and SQL build (names unresolved); `BoundExpr` is what the binder
 * produces (column indices, types) and what codegen compiles.
 */
import type { DataType } from '../types.js';
import { exprChildren } from './tree.js';
import type { UdfSpec } from '../udf/spec.js';

/** A literal's storage value: numbers (also for dates in days / timestamps in micros), strings, booleans, null. */
export type LiteralValue = number | string | boolean | null;

/** One end of a window frame: an offset (negative = preceding, positive = following, 0 = current row) or unbounded. */
export type FrameBound = number | 'unboundedPreceding' | 'unboundedFollowing';

/** A window frame: ROWS or RANGE between two bounds. */
export interface WindowFrame {
  readonly type: 'rows' | 'range';
  readonly start: FrameBound;
  readonly end: FrameBound;
}

/** A window specification (PARTITION BY / ORDER BY / frame). `orderBy` holds 'sort' expressions. */
export interface WindowSpecExpr {
  readonly partitionBy: readonly Expr[];
  readonly orderBy: readonly Expr[];
  /** null = the default frame (Spark: RANGE UNBOUNDED PRECEDING..CURRENT ROW with ORDER BY, else the whole partition). */
  readonly frame: WindowFrame | null;
}

/** An unresolved expression. */
export type Expr =
  | { readonly kind: 'col'; readonly name: string; readonly qualifier?: string }
  | { readonly kind: 'lit'; readonly value: LiteralValue; readonly type: DataType }
  | { readonly kind: 'call'; readonly fn: string; readonly args: readonly Expr[] }
  | { readonly kind: 'agg'; readonly fn: string; readonly args: readonly Expr[]; readonly distinct: boolean }
  /** `names`: a generator's several output names (`posexplode(a) AS (p, c)`, `.alias('p', 'c')`); `name` is then the first. */
  | { readonly kind: 'alias'; readonly expr: Expr; readonly name: string; readonly names?: readonly string[] }
  | { readonly kind: 'cast'; readonly expr: Expr; readonly to: DataType }
  | { readonly kind: 'case'; readonly branches: readonly (readonly [Expr, Expr])[]; readonly otherwise: Expr | null }
  | { readonly kind: 'star'; readonly qualifier?: string }
  | { readonly kind: 'sort'; readonly expr: Expr; readonly ascending: boolean; readonly nullsFirst: boolean }
  /** A window function call: a ranking/offset function (row_number, rank, lag, ...) or any aggregate, OVER a window. */
  | { readonly kind: 'window'; readonly fn: string; readonly args: readonly Expr[]; readonly distinct: boolean; readonly spec: WindowSpecExpr }
  /** A user-defined function call (src/udf/): evaluated in the workers by an EvalUdfs node the optimizer puts below its consumer. */
  | { readonly kind: 'udf'; readonly udf: UdfSpec; readonly args: readonly Expr[] }
  /**
   * A lambda function `(x, y) -> body`, only as an argument of a higher-order function
   * (transform, filter, aggregate, ...); `body` refers to its parameters as `lambdavar` nodes.
   */
  | { readonly kind: 'lambda'; readonly params: readonly string[]; readonly body: Expr }
  /** A reference to a parameter of an enclosing lambda function. */
  | { readonly kind: 'lambdavar'; readonly name: string };

/** A resolved, typed expression over a batch's columns. */
export type BoundExpr =
  | { readonly kind: 'ref'; readonly index: number; readonly type: DataType; readonly name: string }
  | { readonly kind: 'lit'; readonly value: LiteralValue; readonly type: DataType }
  | { readonly kind: 'call'; readonly fn: string; readonly args: readonly BoundExpr[]; readonly type: DataType }
  | { readonly kind: 'cast'; readonly expr: BoundExpr; readonly type: DataType }
  | { readonly kind: 'case'; readonly branches: readonly (readonly [BoundExpr, BoundExpr])[]; readonly otherwise: BoundExpr | null; readonly type: DataType }
  | { readonly kind: 'udf'; readonly udf: UdfSpec; readonly args: readonly BoundExpr[]; readonly type: DataType }
  /**
   * A bound lambda function (an argument of a higher-order function): each parameter has a
   * `slot`, unique among the lambdas enclosing it, through which the body's `lambdavar`s read
   * it; `type` is the body's type. Codegen inlines the body in the function's element loop.
   */
  | { readonly kind: 'lambda'; readonly params: readonly LambdaParam[]; readonly body: BoundExpr; readonly type: DataType }
  | { readonly kind: 'lambdavar'; readonly name: string; readonly slot: number; readonly type: DataType };

/** A parameter of a bound lambda function. */
export interface LambdaParam {
  readonly name: string;
  readonly slot: number;
  readonly type: DataType;
}

/** A bound UDF call (what an EvalUdfs node evaluates). */
export type BoundUdf = Extract<BoundExpr, { kind: 'udf' }>;

/** A resolved aggregate call: function name, bound arguments, distinct flag, result type. */
export interface BoundAgg {
  readonly fn: string;
  readonly args: readonly BoundExpr[];
  readonly distinct: boolean;
  readonly type: DataType;
}

/** A resolved sort key. */
export interface BoundSortKey {
  readonly expr: BoundExpr;
  readonly ascending: boolean;
  readonly nullsFirst: boolean;
}

/** Column reference. */
export function colExpr(name: string, qualifier?: string): Expr {
  return qualifier === undefined ? { kind: 'col', name } : { kind: 'col', name, qualifier };
}

/** Function call. */
export function callExpr(fn: string, ...args: Expr[]): Expr {
  return { kind: 'call', fn, args };
}

/**
 * Binary operators whose left-deep chains are held as one call with more than two arguments, a
 * left fold: `add(a, b, c)` means `(a + b) + c`, evaluated left to right with each step typed and
 * checked as the binary operator is. It keeps long chains (`a + b + ...` over thousands of terms,
 * a sum across every column) one level deep for the binder, optimizer, code generator and the
 * plan codec, where a nested chain would be thousands of levels deep.
 */
export const LEFT_FOLD_OPS: ReadonlySet<string> = new Set(['add', 'subtract', 'multiply', 'divide']);

/** `fn(left, right)`, appended to `left`'s arguments when `left` is already an unaliased chain of the fold operator `fn`. */
export function foldCall(fn: string, left: Expr, right: Expr): Expr {
  if (LEFT_FOLD_OPS.has(fn) && left.kind === 'call' && left.fn === fn) return { kind: 'call', fn, args: [...left.args, right] };
  return { kind: 'call', fn, args: [left, right] };
}

/** `(a op b) op c ...` for a left fold of the infix operator `op` over already rendered operands. */
export function foldText(op: string, parts: readonly string[]): string {
  let s = '('.repeat(parts.length - 1) + parts[0]!;
  for (let i = 1; i < parts.length; i++) s += ` ${op} ${parts[i]!})`;
  return s;
}

const nameCache = new WeakMap<Expr, string>();

/** The name Spark would give an unaliased expression's output column (e.g. `(age > 30)`, `sum(balance)`). Memoised per node. */
export function exprName(e: Expr): string {
  let n = nameCache.get(e);
  if (n === undefined) {
    // Children first, with an explicit stack (expressions may be thousands of levels deep), so
    // each node's name is built from its children's cached names.
    const stack: [Expr, boolean][] = [[e, false]];
    while (stack.length) {
      const [x, ready] = stack.pop()!;
      if (nameCache.has(x)) continue;
      if (ready) {
        nameCache.set(x, computeExprName(x));
        continue;
      }
      stack.push([x, true]);
      for (const k of exprChildren(x)) if (!nameCache.has(k)) stack.push([k, false]);
    }
    n = nameCache.get(e)!;
  }
  return n;
}

function computeExprName(e: Expr): string {
  switch (e.kind) {
    case 'col': return e.name;
    case 'lit': return e.value === null ? 'NULL' : e.type === 'binary' ? `X'${Buffer.from(String(e.value), 'latin1').toString('hex').toUpperCase()}'` : String(e.value);
    case 'alias': return e.name;
    case 'cast': return `CAST(${exprName(e.expr)} AS ${e.to.toUpperCase()})`;
    case 'star': return e.qualifier ? `${e.qualifier}.*` : '*';
    case 'sort': return exprName(e.expr);
    case 'case': {
      const parts = e.branches.map(([c, v]) => `WHEN ${exprName(c)} THEN ${exprName(v)}`);
      return `CASE ${parts.join(' ')}${e.otherwise ? ` ELSE ${exprName(e.otherwise)}` : ''} END`;
    }
    case 'window': {
      const parts = [
        e.spec.partitionBy.length ? `PARTITION BY ${e.spec.partitionBy.map(exprName).join(', ')}` : '',
        e.spec.orderBy.length ? `ORDER BY ${e.spec.orderBy.map((o) => (o.kind === 'sort' ? `${exprName(o.expr)} ${o.ascending ? 'ASC' : 'DESC'} NULLS ${o.nullsFirst ? 'FIRST' : 'LAST'}` : exprName(o))).join(', ')}` : '',
        e.spec.frame ? frameText(e.spec.frame) : '',
      ].filter(Boolean).join(' ');
      const call = e.fn === 'count' && e.args.length === 0 ? 'count(1)' : `${e.fn}(${e.distinct ? 'DISTINCT ' : ''}${e.args.map(exprName).join(', ')})`;
      return `${call} OVER (${parts})`;
    }
    case 'agg': {
      const inner = e.args.length === 0 ? '*' : e.args.map(exprName).join(', ');
      if (e.fn === 'count' && e.args.length === 0) return 'count(1)';
      return `${e.fn}(${e.distinct ? 'DISTINCT ' : ''}${inner})`;
    }
    case 'udf': return `${e.udf.name}(${e.args.map(exprName).join(', ')})`;
    case 'lambda': return `lambdafunction(${exprName(e.body)}, ${e.params.join(', ')})`;
    case 'lambdavar': return e.name;
    case 'call': {
      const op = INFIX[e.fn];
      if (op && (e.args.length === 2 || (e.args.length > 2 && LEFT_FOLD_OPS.has(e.fn)))) return foldText(op, e.args.map(exprName));
      if (e.fn === 'not') return `(NOT ${exprName(e.args[0]!)})`;
      if (e.fn === 'negative') return `(- ${exprName(e.args[0]!)})`;
      if (e.fn === 'get_field' && e.args[1]?.kind === 'lit') return `${exprName(e.args[0]!)}.${String(e.args[1].value)}`;
      if (e.fn === 'isnull') return `(${exprName(e.args[0]!)} IS NULL)`;
      if (e.fn === 'isnotnull') return `(${exprName(e.args[0]!)} IS NOT NULL)`;
      return `${e.fn}(${e.args.map(exprName).join(', ')})`;
    }
  }
}

function frameText(f: WindowFrame): string {
  const b = (x: FrameBound) =>
    x === 'unboundedPreceding' ? 'UNBOUNDED PRECEDING' : x === 'unboundedFollowing' ? 'UNBOUNDED FOLLOWING' : x === 0 ? 'CURRENT ROW' : x < 0 ? `${-x} PRECEDING` : `${x} FOLLOWING`;
  return `${f.type.toUpperCase()} BETWEEN ${b(f.start)} AND ${b(f.end)}`;
}

const INFIX: Record<string, string> = {
  add: '+', subtract: '-', multiply: '*', divide: '/', mod: '%', eq: '=', neq: '!=', lt: '<', lte: '<=', gt: '>', gte: '>=',
  and: 'AND', or: 'OR', eq_null_safe: '<=>',
};

/** True if the expression contains an aggregate call (not looking into window calls). Iterative: expressions may be deep. */
export function containsAgg(e: Expr): boolean {
  const stack: Expr[] = [e];
  while (stack.length) {
    const x = stack.pop()!;
    switch (x.kind) {
      case 'agg': return true;
      case 'call': case 'udf': for (const a of x.args) stack.push(a); break;
      case 'alias': case 'cast': case 'sort': stack.push(x.expr); break;
      case 'lambda': stack.push(x.body); break;
      case 'case':
        for (const [c, v] of x.branches) stack.push(c, v);
        if (x.otherwise !== null) stack.push(x.otherwise);
        break;
      default: break;
    }
  }
  return false;
}

/** Column names referenced (unqualified) by a bound expression, as indices. */
export function boundRefs(e: BoundExpr, out: Set<number> = new Set()): Set<number> {
  const stack: BoundExpr[] = [e];
  while (stack.length) {
    const x = stack.pop()!;
    switch (x.kind) {
      case 'ref': out.add(x.index); break;
      case 'call': case 'udf': for (const a of x.args) stack.push(a); break;
      case 'cast': stack.push(x.expr); break;
      case 'lambda': stack.push(x.body); break;
      case 'case':
        for (const [c, v] of x.branches) stack.push(c, v);
        if (x.otherwise) stack.push(x.otherwise);
        break;
      default: break;
    }
  }
  return out;
}

/** Rewrites the column indices of a bound expression. */
export function remapRefs(e: BoundExpr, map: (i: number) => number): BoundExpr {
  switch (e.kind) {
    case 'ref': return { ...e, index: map(e.index) };
    case 'lit': case 'lambdavar': return e;
    case 'lambda': return { ...e, body: remapRefs(e.body, map) };
    case 'call': case 'udf': return { ...e, args: e.args.map((a) => remapRefs(a, map)) };
    case 'cast': return { ...e, expr: remapRefs(e.expr, map) };
    case 'case': return {
      ...e,
      branches: e.branches.map(([c, v]) => [remapRefs(c, map), remapRefs(v, map)] as const),
      otherwise: e.otherwise ? remapRefs(e.otherwise, map) : null,
    };
  }
}

/** A readable rendering of a bound expression (for explain). */
export function boundToString(e: BoundExpr): string {
  switch (e.kind) {
    case 'ref': return `${e.name}#${e.index}`;
    case 'lit': return typeof e.value === 'string' ? `'${e.value}'` : String(e.value);
    case 'cast': return `cast(${boundToString(e.expr)} as ${e.type})`;
    case 'case': return `CASE ${e.branches.map(([c, v]) => `WHEN ${boundToString(c)} THEN ${boundToString(v)}`).join(' ')}${e.otherwise ? ` ELSE ${boundToString(e.otherwise)}` : ''} END`;
    case 'udf': return `${e.udf.name}(${e.args.map(boundToString).join(', ')})`;
    case 'lambda': return `lambdafunction(${boundToString(e.body)}, ${e.params.map((p) => p.name).join(', ')})`;
    case 'lambdavar': return `lambda ${e.name}`;
    case 'call': {
      const op = INFIX[e.fn];
      if (op && (e.args.length === 2 || (e.args.length > 2 && LEFT_FOLD_OPS.has(e.fn)))) return foldText(op, e.args.map(boundToString));
      return `${e.fn}(${e.args.map(boundToString).join(', ')})`;
    }
  }
}

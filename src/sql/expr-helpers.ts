/**
 * Small helpers over the planner's expressions: builders for `Expr` nodes (positional `@i`
 * references, calls, literals, aliases), AND/OR chains (split, combine, factor common
 * conjuncts), and walks over the SQL AST (`astChildren`, `walkAst`, subquery / aggregate tests).
 */
import { type Expr, LEFT_FOLD_OPS, exprName } from '../expr/expr.js';
import { isAggregate } from '../expr/registry.js';
import { anyExpr } from '../expr/tree.js';
import type { Pos, SqlExpr, SqlOrderItem } from './ast.js';

/** A positional column reference into the current layout (`@i`); `refIndex` reads one back. */
export { positional as ref, positionOf as refIndex } from '../plan/analyzer/positional.js';
export { call, lit, alias, andAll, combineLogical } from '../plan/analyzer/expr-build.js';
import { andAll, combineLogical } from '../plan/analyzer/expr-build.js';

export function conjunctsOf(e: SqlExpr): SqlExpr[] {
  if (e.kind === 'binary' && e.op === 'and') return [...conjunctsOf(e.left), ...conjunctsOf(e.right)];
  return [e];
}
export function json(e: Expr): string {
  return JSON.stringify(e);
}

export function hasQualifierPrefix(e: Expr, prefix: string): boolean {
  return anyExpr(e, (x) => x.kind === 'col' && x.qualifier?.startsWith(prefix) === true);
}
export function containsKind(e: Expr, kind: Expr['kind']): boolean {
  return anyExpr(e, (x) => x.kind === kind);
}

/** True if the AST expression holds a subquery (not looking inside the subqueries themselves). */
export function astHasSubquery(e: SqlExpr | null): boolean {
  if (!e) return false;
  let found = false;
  walkAst(e, (x) => {
    if (x.kind === 'exists' || x.kind === 'subquery' || x.kind === 'inSubquery') found = true;
  });
  return found;
}
/** True if the AST holds an aggregate call outside OVER (not inside subqueries). */
export function astHasAggregate(e: SqlExpr | null): boolean {
  if (!e) return false;
  let found = false;
  walkAst(e, (x) => {
    if (x.kind === 'func' && x.over === null && isAggregate(x.name)) found = true;
  });
  return found;
}
/** Visits every AST node pre-order (not looking into subqueries). */
export function walkAst(e: SqlExpr, f: (e: SqlExpr) => void): void {
  const stack: SqlExpr[] = [e];
  while (stack.length) {
    const x = stack.pop()!;
    f(x);
    const ks = astChildren(x);
    for (let i = ks.length - 1; i >= 0; i--) stack.push(ks[i]!);
  }
}

/** Splits an Expr on AND. */
export function exprConjuncts(e: Expr): Expr[] {
  return flattenCalls(e, 'and');
}

export function exprDisjuncts(e: Expr): Expr[] {
  return flattenCalls(e, 'or');
}

/** The operands of a chain of one associative operator, left to right (iterative: chains may be long). */
export function flattenCalls(e: Expr, fn: string): Expr[] {
  const out: Expr[] = [];
  const stack: Expr[] = [e];
  while (stack.length) {
    const x = stack.pop()!;
    if (x.kind === 'call' && x.fn === fn) for (let i = x.args.length - 1; i >= 0; i--) stack.push(x.args[i]!);
    else out.push(x);
  }
  return out;
}

/** The operands of a left-deep chain of one operator (AND / OR, a fold operator such as `+`) in the AST, left to right. */
export function astChain(node: Extract<SqlExpr, { kind: 'binary' }>): SqlExpr[] {
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
export function factorOr(e: Expr): Expr {
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
export function errorPos(n: SqlExpr): Pos {
  return n.kind === 'binary' ? n.opPos : n.pos;
}

/** The direct sub-expressions of an AST expression (not looking into subqueries). */
export function astChildren(e: SqlExpr): SqlExpr[] {
  switch (e.kind) {
    case 'unary': case 'is': case 'cast': case 'extract': return [e.arg];
    case 'binary': return e.op === 'and' || e.op === 'or' || LEFT_FOLD_OPS.has(e.op) ? astChain(e) : [e.left, e.right];
    case 'distinctFrom': return [e.left, e.right];
    case 'between': return [e.arg, e.low, e.high];
    case 'inList': return [e.arg, ...e.list];
    case 'inSubquery': return [e.arg];
    case 'like': return [e.arg, e.pattern];
    case 'func': return [...e.args, ...(e.filter ? [e.filter] : []), ...(e.over ? [...e.over.partitionBy, ...e.over.orderBy.map((o) => o.expr)] : [])];
    case 'case': return [...(e.operand ? [e.operand] : []), ...e.whens.flat(), ...(e.otherwise ? [e.otherwise] : [])];
    case 'subscript': return [e.arg, e.index];
    case 'lambda': return [e.body];
    default: return [];
  }
}

export function sortExpr(e: Expr, o: SqlOrderItem): Expr {
  const nullsFirst = o.nullsFirst ?? o.ascending;
  return { kind: 'sort', expr: e, ascending: o.ascending, nullsFirst };
}

/** Spark's name for an unaliased select expression. */
export function displayName(e: Expr): string {
  return exprName(e);
}

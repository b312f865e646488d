/**
 * Generic traversal of expression trees: the children of a node, a copy with new children, and
 * the transforms and visitors built on them (`transformUp`/`transformDown` as in Spark's
 * TreeNode and DataFusion's TreeNode). Rules and walkers use these instead of a `switch` over
 * every node kind, so a new expression kind is added here once.
 */
import type { BoundExpr, Expr } from './expr.js';

// ---------------------------------------------------------------- unresolved expressions (Expr)

/** The sub-expressions of an `Expr`, in a fixed order (a window call: args, PARTITION BY, ORDER BY). */
export function exprChildren(e: Expr): readonly Expr[] {
  switch (e.kind) {
    case 'col': case 'lit': case 'star': return [];
    case 'call': case 'agg': return e.args;
    case 'alias': case 'cast': case 'sort': return [e.expr];
    case 'case': return caseKids(e.branches, e.otherwise);
    case 'window': return [...e.args, ...e.spec.partitionBy, ...e.spec.orderBy];
  }
}

/** A copy of `e` with new children (same order and count as {@link exprChildren}); `e` itself when they are the same. */
export function withExprChildren(e: Expr, kids: readonly Expr[]): Expr {
  if (sameKids(exprChildren(e), kids)) return e;
  switch (e.kind) {
    case 'col': case 'lit': case 'star': return e;
    case 'call': case 'agg': return { ...e, args: [...kids] };
    case 'alias': case 'cast': case 'sort': return { ...e, expr: kids[0]! };
    case 'case': return { ...e, ...caseFrom(kids, e.otherwise !== null) };
    case 'window': {
      const a = e.args.length;
      const p = e.spec.partitionBy.length;
      return { ...e, args: kids.slice(0, a), spec: { ...e.spec, partitionBy: kids.slice(a, a + p), orderBy: kids.slice(a + p) } };
    }
  }
}

/** Rewrites bottom-up: children first, then `f` on the rebuilt node (return the node to keep it). */
export function transformExprUp(e: Expr, f: (e: Expr) => Expr): Expr {
  return f(withExprChildren(e, exprChildren(e).map((k) => transformExprUp(k, f))));
}

/**
 * Rewrites top-down: `f` sees a node first; returning `undefined` descends into its children,
 * returning a node replaces it without descending further.
 */
export function transformExprDown(e: Expr, f: (e: Expr) => Expr | undefined): Expr {
  const r = f(e);
  if (r !== undefined) return r;
  return withExprChildren(e, exprChildren(e).map((k) => transformExprDown(k, f)));
}

/** Visits every node pre-order; `f` returning `false` skips that node's children. */
export function visitExpr(e: Expr, f: (e: Expr) => boolean | void): void {
  if (f(e) === false) return;
  for (const k of exprChildren(e)) visitExpr(k, f);
}

/** True if any node satisfies `pred` (stops at the first). `descend` may stop the search below a node. */
export function anyExpr(e: Expr, pred: (e: Expr) => boolean, descend: (e: Expr) => boolean = () => true): boolean {
  if (pred(e)) return true;
  if (!descend(e)) return false;
  return exprChildren(e).some((k) => anyExpr(k, pred, descend));
}

// ---------------------------------------------------------------- bound expressions (BoundExpr)

/** The sub-expressions of a `BoundExpr`. */
export function boundChildren(e: BoundExpr): readonly BoundExpr[] {
  switch (e.kind) {
    case 'ref': case 'lit': return [];
    case 'call': return e.args;
    case 'cast': return [e.expr];
    case 'case': return caseKids(e.branches, e.otherwise);
  }
}

/** A copy of `e` with new children (same order and count as {@link boundChildren}); `e` itself when they are the same. */
export function withBoundChildren(e: BoundExpr, kids: readonly BoundExpr[]): BoundExpr {
  if (sameKids(boundChildren(e), kids)) return e;
  switch (e.kind) {
    case 'ref': case 'lit': return e;
    case 'call': return { ...e, args: [...kids] };
    case 'cast': return { ...e, expr: kids[0]! };
    case 'case': return { ...e, ...caseFrom(kids, e.otherwise !== null) };
  }
}

/** Rewrites bottom-up: children first, then `f` on the rebuilt node. */
export function transformBoundUp(e: BoundExpr, f: (e: BoundExpr) => BoundExpr): BoundExpr {
  return f(withBoundChildren(e, boundChildren(e).map((k) => transformBoundUp(k, f))));
}

/** Rewrites top-down: `undefined` from `f` descends, a node replaces without descending. */
export function transformBoundDown(e: BoundExpr, f: (e: BoundExpr) => BoundExpr | undefined): BoundExpr {
  const r = f(e);
  if (r !== undefined) return r;
  return withBoundChildren(e, boundChildren(e).map((k) => transformBoundDown(k, f)));
}

/** Visits every node pre-order; `f` returning `false` skips that node's children. */
export function visitBound(e: BoundExpr, f: (e: BoundExpr) => boolean | void): void {
  if (f(e) === false) return;
  for (const k of boundChildren(e)) visitBound(k, f);
}

/** True if any node satisfies `pred`. */
export function anyBound(e: BoundExpr, pred: (e: BoundExpr) => boolean): boolean {
  return pred(e) || boundChildren(e).some((k) => anyBound(k, pred));
}

/** True if every node satisfies `pred`. */
export function allBound(e: BoundExpr, pred: (e: BoundExpr) => boolean): boolean {
  return !anyBound(e, (x) => !pred(x));
}

// ---------------------------------------------------------------- shared

function caseKids<T>(branches: readonly (readonly [T, T])[], otherwise: T | null): T[] {
  const out: T[] = [];
  for (const [c, v] of branches) out.push(c, v);
  if (otherwise !== null) out.push(otherwise);
  return out;
}

function caseFrom<T>(kids: readonly T[], hasOtherwise: boolean): { branches: (readonly [T, T])[]; otherwise: T | null } {
  const n = hasOtherwise ? kids.length - 1 : kids.length;
  const branches: (readonly [T, T])[] = [];
  for (let i = 0; i < n; i += 2) branches.push([kids[i]!, kids[i + 1]!] as const);
  return { branches, otherwise: hasOtherwise ? kids[kids.length - 1]! : null };
}

function sameKids<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

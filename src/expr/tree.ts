/**
 * Generic traversal of expression trees: the children of a node, a copy with new children, and
 * the transforms and visitors built on them (`transformUp`/`transformDown` as in Spark's
 * TreeNode and DataFusion's TreeNode). Rules and walkers use these instead of a `switch` over
 * every node kind, so a new expression kind is added here once. `treeOps` derives the traversals
 * from a children function and a rebuild, for expressions here and logical plans in src/plan/tree.ts.
 */
import type { BoundExpr, Expr } from './expr.js';

// ---------------------------------------------------------------- unresolved expressions (Expr)

/** The sub-expressions of an `Expr`, in a fixed order (a window call: args, PARTITION BY, ORDER BY). */
export function exprChildren(e: Expr): readonly Expr[] {
  switch (e.kind) {
    case 'col': case 'lit': case 'star': case 'lambdavar': return [];
    case 'lambda': return [e.body];
    case 'call': case 'agg': case 'udf': return e.args;
    case 'alias': case 'cast': case 'sort': return [e.expr];
    case 'case': return caseKids(e.branches, e.otherwise);
    case 'window': return [...e.args, ...e.spec.partitionBy, ...e.spec.orderBy];
  }
}

/** A copy of `e` with new children (same order and count as {@link exprChildren}); `e` itself when they are the same. */
export function withExprChildren(e: Expr, kids: readonly Expr[]): Expr {
  if (sameKids(exprChildren(e), kids)) return e;
  switch (e.kind) {
    case 'col': case 'lit': case 'star': case 'lambdavar': return e;
    case 'lambda': return { ...e, body: kids[0]! };
    case 'call': case 'agg': case 'udf': return { ...e, args: [...kids] };
    case 'alias': case 'cast': case 'sort': return { ...e, expr: kids[0]! };
    case 'case': return { ...e, ...caseFrom(kids, e.otherwise !== null) };
    case 'window': {
      const a = e.args.length;
      const p = e.spec.partitionBy.length;
      return { ...e, args: kids.slice(0, a), spec: { ...e.spec, partitionBy: kids.slice(a, a + p), orderBy: kids.slice(a + p) } };
    }
  }
}

const exprOps = treeOps(exprChildren, withExprChildren);

/** Rewrites bottom-up: children first, then `f` on the rebuilt node (return the node to keep it). */
export const transformExprUp: (e: Expr, f: (e: Expr) => Expr) => Expr = exprOps.transformUp;

/**
 * Rewrites top-down: `f` sees a node first; returning `undefined` descends into its children,
 * returning a node replaces it without descending further.
 */
export const transformExprDown: (e: Expr, f: (e: Expr) => Expr | undefined) => Expr = exprOps.transformDown;

/** Visits every node pre-order; `f` returning `false` skips that node's children. */
export const visitExpr: (e: Expr, f: (e: Expr) => boolean | void) => void = exprOps.visit;

/** True if any node satisfies `pred` (stops at the first). `descend` may stop the search below a node. */
export const anyExpr: (e: Expr, pred: (e: Expr) => boolean, descend?: (e: Expr) => boolean) => boolean = exprOps.any;

/** The nesting depth of an expression (1 for a column or literal; a left fold's arguments are one level below it). */
export const exprDepth: (e: Expr) => number = exprOps.depth;

// ---------------------------------------------------------------- bound expressions (BoundExpr)

/** The sub-expressions of a `BoundExpr`. */
export function boundChildren(e: BoundExpr): readonly BoundExpr[] {
  switch (e.kind) {
    case 'ref': case 'lit': case 'lambdavar': return [];
    case 'lambda': return [e.body];
    case 'call': case 'udf': return e.args;
    case 'cast': return [e.expr];
    case 'case': return caseKids(e.branches, e.otherwise);
  }
}

/** A copy of `e` with new children (same order and count as {@link boundChildren}); `e` itself when they are the same. */
export function withBoundChildren(e: BoundExpr, kids: readonly BoundExpr[]): BoundExpr {
  if (sameKids(boundChildren(e), kids)) return e;
  switch (e.kind) {
    case 'ref': case 'lit': case 'lambdavar': return e;
    case 'lambda': return { ...e, body: kids[0]! };
    case 'call': case 'udf': return { ...e, args: [...kids] };
    case 'cast': return { ...e, expr: kids[0]! };
    case 'case': return { ...e, ...caseFrom(kids, e.otherwise !== null) };
  }
}

const boundOps = treeOps(boundChildren, withBoundChildren);

/** Rewrites bottom-up: children first, then `f` on the rebuilt node. */
export const transformBoundUp: (e: BoundExpr, f: (e: BoundExpr) => BoundExpr) => BoundExpr = boundOps.transformUp;

/** Rewrites top-down: `undefined` from `f` descends, a node replaces without descending. */
export const transformBoundDown: (e: BoundExpr, f: (e: BoundExpr) => BoundExpr | undefined) => BoundExpr = boundOps.transformDown;

/** Visits every node pre-order; `f` returning `false` skips that node's children. */
export const visitBound: (e: BoundExpr, f: (e: BoundExpr) => boolean | void) => void = boundOps.visit;

/** True if any node satisfies `pred`. */
export const anyBound: (e: BoundExpr, pred: (e: BoundExpr) => boolean) => boolean = boundOps.any;

/** The nesting depth of a bound expression. */
export const boundDepth: (e: BoundExpr) => number = boundOps.depth;

/** True if every node satisfies `pred`. */
export function allBound(e: BoundExpr, pred: (e: BoundExpr) => boolean): boolean {
  return !anyBound(e, (x) => !pred(x));
}

// ---------------------------------------------------------------- shared

/** The traversals of one kind of tree, derived from its children and a rebuild with new children. */
export interface TreeOps<T> {
  /** Bottom-up rewrite: children first, then `f` on the rebuilt node. */
  transformUp(t: T, f: (t: T) => T): T;
  /** Top-down rewrite: `undefined` from `f` descends, a node replaces without descending. */
  transformDown(t: T, f: (t: T) => T | undefined): T;
  /** Pre-order visit; `f` returning `false` skips that node's children. */
  visit(t: T, f: (t: T) => boolean | void): void;
  /** True if any node satisfies `pred`; `descend` may stop the search below a node. */
  any(t: T, pred: (t: T) => boolean, descend?: (t: T) => boolean): boolean;
  /** The number of nodes on the longest path from `t` down to a leaf (1 for a leaf). */
  depth(t: T): number;
}

/**
 * Builds {@link TreeOps} for a tree type (expressions here, logical plans in src/plan/tree.ts).
 * The walks use explicit stacks, not recursion, so trees thousands of levels deep (machine-written
 * SQL, expressions built in a loop, long chains of DataFrame calls) do not overflow the JS stack.
 */
export function treeOps<T>(kids: (t: T) => readonly T[], rebuild: (t: T, kids: readonly T[]) => T): TreeOps<T> {
  return {
    transformUp: (t, f) => rewriteIter(t, kids, (x) => ({ descend: true, node: x }), (x, ks) => f(rebuild(x, ks))),
    transformDown: (t, f) => rewriteIter(t, kids, (x) => {
      const r = f(x);
      return r !== undefined ? { descend: false, node: r } : { descend: true, node: x };
    }, rebuild),
    visit: (t, f) => {
      const stack: T[] = [t];
      while (stack.length) {
        const x = stack.pop()!;
        if (f(x) === false) continue;
        const ks = kids(x);
        for (let i = ks.length - 1; i >= 0; i--) stack.push(ks[i]!);
      }
    },
    any: (t, pred, descend) => {
      const stack: T[] = [t];
      while (stack.length) {
        const x = stack.pop()!;
        if (pred(x)) return true;
        if (descend && !descend(x)) continue;
        const ks = kids(x);
        for (let i = ks.length - 1; i >= 0; i--) stack.push(ks[i]!);
      }
      return false;
    },
    depth: (t) => {
      let max = 0;
      const stack: [T, number][] = [[t, 1]];
      while (stack.length) {
        const [x, d] = stack.pop()!;
        if (d > max) max = d;
        for (const k of kids(x)) stack.push([k, d + 1]);
      }
      return max;
    },
  };
}

/**
 * The rewrite behind transformUp / transformDown, with an explicit stack: `enter` sees a node
 * first and says whether to descend (and which node to descend into); `exit` rebuilds a node from
 * its rewritten children. Children are rewritten left to right, as the recursive form would.
 */
export function rewriteIter<T>(
  root: T,
  kids: (t: T) => readonly T[],
  enter: (t: T) => { descend: boolean; node: T },
  exit: (t: T, kids: readonly T[]) => T,
): T {
  interface Frame { node: T; kids: readonly T[]; done: T[] }
  const start = (t: T, frames: Frame[]): T | undefined => {
    const e = enter(t);
    if (!e.descend) return e.node;
    const ks = kids(e.node);
    if (ks.length === 0) return exit(e.node, ks);
    frames.push({ node: e.node, kids: ks, done: [] });
    return undefined;
  };
  const frames: Frame[] = [];
  let result = start(root, frames);
  while (frames.length) {
    const top = frames[frames.length - 1]!;
    if (result !== undefined) {
      top.done.push(result);
      result = undefined;
    }
    if (top.done.length === top.kids.length) {
      frames.pop();
      result = exit(top.node, top.done);
      continue;
    }
    result = start(top.kids[top.done.length]!, frames);
  }
  return result!;
}

/**
 * Joins `items` pairwise with `pair` (an associative operator such as AND / OR): left-deep like
 * the Column API for short lists (so plans match DataFrame code), balanced for long ones
 * (machine-written `a = 1 OR a = 2 OR ...`, thousands of chained filters), which keeps trees
 * shallow for the code generator and the plan codec. `items` must not be empty.
 */
export function combineBalanced<T>(items: readonly T[], pair: (a: T, b: T) => T): T {
  if (items.length <= 8) return items.reduce(pair);
  const mid = items.length >> 1;
  return pair(combineBalanced(items.slice(0, mid), pair), combineBalanced(items.slice(mid), pair));
}

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

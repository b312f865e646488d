/**
 * Expression helpers the optimizer rules share (and the DataFrame/SQL builders reuse): constant
 * folding, determinism, AND-splitting and joining, substitution of column references, and
 * splitting an equi-join condition into key pairs.
 */
import { evaluateConstant } from '../../expr/codegen.js';
import type { BoundExpr } from '../../expr/expr.js';
import { boundRefs, remapRefs } from '../../expr/expr.js';
import { getScalar } from '../../expr/registry.js';
import { allBound, anyBound, combineBalanced, transformBoundDown, transformBoundUp } from '../../expr/tree.js';

const TRUE: BoundExpr = { kind: 'lit', value: true, type: 'boolean' };

/** True unless some function in `e` is registered as non-deterministic (rand, uuid, ...) or is a non-deterministic UDF. */
export function isDeterministic(e: BoundExpr): boolean {
  return allBound(e, (x) => (x.kind === 'udf' ? x.udf.deterministic : x.kind !== 'call' || getScalar(x.fn).deterministic !== false));
}

/** True if `e` calls a UDF: such expressions are never copied (a UDF runs once per row) nor evaluated outside an EvalUdfs node. */
export function containsUdf(e: BoundExpr): boolean {
  return anyBound(e, (x) => x.kind === 'udf');
}

/** Folds constant sub-expressions and simplifies AND/OR/NOT and CASE with literal operands. */
export function foldExpr(e: BoundExpr): BoundExpr {
  return transformBoundUp(e, foldNode);
}

/** One folding step on a node whose children are already folded. */
function foldNode(e: BoundExpr): BoundExpr {
  switch (e.kind) {
    case 'ref': case 'lit': case 'lambda': case 'lambdavar': return e;
    // UDFs run in the workers, once per row: never folded, even with literal arguments.
    case 'udf': return e;
    case 'cast': return e.expr.kind === 'lit' ? literalOf(e) : e;
    case 'case': {
      const branches = e.branches.filter(([c]) => !(c.kind === 'lit' && c.value !== true));
      if (branches.length > 0 && branches[0]![0].kind === 'lit' && branches[0]![0].value === true) return branches[0]![1];
      if (branches.length === 0) return e.otherwise ?? { kind: 'lit', value: null, type: e.type };
      return { ...e, branches };
    }
    case 'call': {
      if (e.fn === 'and' || e.fn === 'or') {
        const dom = e.fn === 'or';
        for (const a of e.args) if (a.kind === 'lit' && a.value === dom) return { kind: 'lit', value: dom, type: 'boolean' };
        const rest = e.args.filter((a) => !(a.kind === 'lit' && a.value === !dom));
        if (rest.length === 1) return rest[0]!;
        if (rest.length === 0) return { kind: 'lit', value: !dom, type: 'boolean' };
      }
      if (e.args.every((a) => a.kind === 'lit') && getScalar(e.fn).deterministic !== false) return literalOf(e);
      return e;
    }
  }
}

function literalOf(e: BoundExpr): BoundExpr {
  try {
    const v = evaluateConstant(e);
    return { kind: 'lit', value: v as never, type: e.type };
  } catch {
    return e; // errors (e.g. overflow) surface at run time, per row, as Spark does
  }
}

/** Splits a condition into its AND-ed parts. */
export function conjuncts(e: BoundExpr): BoundExpr[] {
  const out: BoundExpr[] = [];
  const stack: BoundExpr[] = [e];
  while (stack.length) {
    const x = stack.pop()!;
    if (x.kind === 'call' && x.fn === 'and') for (let i = x.args.length - 1; i >= 0; i--) stack.push(x.args[i]!);
    else if (!(x.kind === 'lit' && x.value === true)) out.push(x);
  }
  return out;
}

/** ANDs conditions together (true for none), left-deep for a few and balanced for many (see `combineBalanced`). */
export function andAll(es: readonly BoundExpr[]): BoundExpr {
  if (es.length === 0) return TRUE;
  return combineBalanced(es, (a, b) => ({ kind: 'call', fn: 'and', args: [a, b], type: 'boolean' }));
}

/** Replaces each column ref `#i` with `exprs[i]` (pushing a condition through a projection). */
export function substitute(e: BoundExpr, exprs: readonly BoundExpr[]): BoundExpr {
  return transformBoundDown(e, (x) => (x.kind === 'ref' ? exprs[x.index]! : undefined));
}

/** The column indices `e` reads, as an array. */
export function refList(e: BoundExpr): number[] {
  return [...boundRefs(e)];
}

/** Shifts refs to a join's right side (index ≥ `leftWidth`) to indices into the right input. */
export function toRightSide(e: BoundExpr, leftWidth: number): BoundExpr {
  return remapRefs(e, (i) => i - leftWidth);
}

/** Splits an equi-join condition over left ++ right columns into key pairs and a residual. */
export function extractJoinKeys(condition: BoundExpr | null, leftWidth: number): { leftKeys: BoundExpr[]; rightKeys: BoundExpr[]; residual: BoundExpr | null } {
  const leftKeys: BoundExpr[] = [];
  const rightKeys: BoundExpr[] = [];
  const rest: BoundExpr[] = [];
  const side = (x: BoundExpr) => {
    const r = refList(x);
    if (r.length === 0) return 'none';
    if (r.every((i) => i < leftWidth)) return 'left';
    if (r.every((i) => i >= leftWidth)) return 'right';
    return 'both';
  };
  for (const c of condition ? conjuncts(condition) : []) {
    if (c.kind === 'call' && c.fn === 'eq') {
      const [a, b] = c.args as [BoundExpr, BoundExpr];
      const sa = side(a);
      const sb = side(b);
      if (sa === 'left' && sb === 'right') { leftKeys.push(a); rightKeys.push(toRightSide(b, leftWidth)); continue; }
      if (sa === 'right' && sb === 'left') { leftKeys.push(b); rightKeys.push(toRightSide(a, leftWidth)); continue; }
    }
    rest.push(c);
  }
  return { leftKeys, rightKeys, residual: rest.length ? andAll(rest) : null };
}

/**
 * Window analysis: resolves the `window` expressions of a projection (`F.rank().over(w)`, SQL
 * `sum(x) OVER (...)`) against the input, checks them the way Spark's analyzer does (ordered
 * windows for ranking functions, constant offsets, RANGE offsets over one numeric key), fills in
 * the default frame, and stacks one logical Window node per distinct PARTITION BY / ORDER BY on
 * the input. The caller then binds its output expressions with `onWindow`, which turns each
 * window call into a reference to the node column that computes it. Shared by the DataFrame API
 * and SQL.
 */
import { AnalysisError } from '../errors.js';
import { bindExpr, castTo } from '../expr/binder.js';
import { evaluateConstant } from '../expr/codegen.js';
import type { BoundExpr, BoundSortKey, Expr, WindowFrame } from '../expr/expr.js';
import { boundRefs, containsAgg, exprName } from '../expr/expr.js';
import { checkArity, getAggregate, isAggregate, isScalar } from '../expr/registry.js';
import { containsWindow, getWindowFunction } from '../expr/window-functions.js';
import { visitExpr } from '../expr/tree.js';
import { type Field, Schema, isList, isNested, isNumeric } from '../types.js';
import type { BoundWindowFn, LogicalPlan, WindowNode } from './logical.js';

/** A `window` expression. */
export type WindowExpr = Extract<Expr, { kind: 'window' }>;

/** One resolved window call: its spec and its function. */
export interface BoundWindowCall {
  readonly partitionBy: readonly BoundExpr[];
  readonly orderBy: readonly BoundSortKey[];
  readonly fn: BoundWindowFn;
  /** Output column name (Spark's display name of the call). */
  readonly name: string;
  /** False when the function never returns null (ranking functions, count). */
  readonly nullable: boolean;
}

/** Spark's default frame: RANGE UNBOUNDED PRECEDING..CURRENT ROW when ordered, else the whole partition. */
export function defaultFrame(ordered: boolean): WindowFrame {
  return ordered ? { type: 'range', start: 'unboundedPreceding', end: 0 } : { type: 'rows', start: 'unboundedPreceding', end: 'unboundedFollowing' };
}

export function constantOf(e: BoundExpr, what: string, display: string): unknown {
  if (boundRefs(e).size > 0) throw new AnalysisError(`${what} of ${display} must be a constant, not a column expression`);
  try {
    return evaluateConstant(e);
  } catch (err) {
    throw new AnalysisError(`${what} of ${display} cannot be evaluated: ${(err as Error).message}`);
  }
}

function checkKey(b: BoundExpr, e: Expr, where: string, display: string): BoundExpr {
  if (isList(b.type)) throw new AnalysisError(`cannot ${where} an array column (${exprName(e)}) in the window of ${display}`);
  if (isNested(b.type)) throw new AnalysisError(`cannot ${where} a struct or map column (${exprName(e)}) in the window of ${display}; use one of its fields`);
  return b;
}

function bindPlain(e: Expr, schema: Schema, what: string, display: string): BoundExpr {
  if (containsWindow(e)) throw new AnalysisError(`window functions cannot be nested: ${display} uses another window function in its ${what}`);
  if (containsAgg(e)) throw new AnalysisError(`aggregate functions are not allowed in the ${what} of ${display}; aggregate first (groupBy().agg()), then apply the window to the result`);
  return bindExpr(e, schema);
}

function checkFrame(frame: WindowFrame, orderBy: readonly BoundSortKey[], display: string): void {
  if (frame.type !== 'range') return;
  const offset = (b: WindowFrame['start']) => typeof b === 'number' && b !== 0;
  if (!offset(frame.start) && !offset(frame.end)) return;
  if (orderBy.length !== 1) {
    throw new AnalysisError(`a RANGE frame with value offsets (${display}) needs exactly one ORDER BY column, but the window has ${orderBy.length}; use rowsBetween() or order by a single numeric column`);
  }
  const t = orderBy[0]!.expr.type;
  if (!isNumeric(t) && t !== 'date32') {
    throw new AnalysisError(`a RANGE frame with value offsets (${display}) needs a numeric or date ORDER BY column, but it is ${t}; use rowsBetween() instead`);
  }
}

/** Resolves one window call against the input schema. */
export function bindWindowCall(e: WindowExpr, schema: Schema): BoundWindowCall {
  const display = exprName(e);
  const partitionBy = e.spec.partitionBy.map((x) => checkKey(bindPlain(x, schema, 'PARTITION BY', display), x, 'partition by', display));
  const orderBy: BoundSortKey[] = e.spec.orderBy.map((o) => {
    const inner = o.kind === 'sort' ? o.expr : o;
    const expr = checkKey(bindPlain(inner, schema, 'ORDER BY', display), inner, 'order by', display);
    return o.kind === 'sort' ? { expr, ascending: o.ascending, nullsFirst: o.nullsFirst } : { expr, ascending: true, nullsFirst: true };
  });
  const ordered = orderBy.length > 0;
  const frame = e.spec.frame ?? defaultFrame(ordered);
  const bindArgs = () => e.args.map((a) => {
    if (a.kind === 'star') throw new AnalysisError(`'*' is only allowed in count(*), not in ${display}`);
    return bindPlain(a, schema, 'arguments', display);
  });

  const constant = (a: BoundExpr, what: string) => constantOf(a, what, display);

  const wdef = getWindowFunction(e.fn);
  if (wdef) {
    checkArity(wdef, e.args.length, display);
    if (e.distinct) throw new AnalysisError(`DISTINCT is not allowed with window function ${wdef.name}: ${display}`);
    if (wdef.requiresOrder && !ordered) {
      throw new AnalysisError(`window function ${wdef.name}() requires an ordered window: add orderBy(...) to the window spec, e.g. Window.partitionBy(...).orderBy(...) (in ${display})`);
    }
    const raw = bindArgs();
    const sig = wdef.resolve(raw.map((a) => a.type), display);
    const cast = raw.map((a, i) => castTo(a, sig.argTypes[i] ?? a.type));
    const args = wdef.bindArgs ? wdef.bindArgs(cast, constant, display) : cast;
    if (wdef.usesFrame) checkFrame(frame, orderBy, display);
    return { partitionBy, orderBy, fn: { fn: wdef.name, args, distinct: false, frame, type: sig.type }, name: display, nullable: wdef.nullable };
  }

  if (!isAggregate(e.fn)) {
    if (isScalar(e.fn)) throw new AnalysisError(`${e.fn} is neither an aggregate nor a window function, so it cannot be used with over(): ${display}`);
  }
  const def = getAggregate(e.fn); // unknown names fail here with suggestions
  checkArity(def, e.args.length, display);
  const raw = bindArgs();
  const sig = def.resolve(raw.map((a) => a.type), display);
  const cast = raw.map((a, i) => castTo(a, sig.argTypes[i] ?? a.type));
  const bind = def.window?.bindArgs ?? def.bindArgs;
  const args = bind ? bind(cast, constant, display) : cast;
  checkFrame(frame, orderBy, display);
  return { partitionBy, orderBy, fn: { fn: def.name, args, distinct: e.distinct, frame, type: sig.type }, name: display, nullable: def.window?.nullable ?? true };
}

/** Collects the distinct window calls of expressions (outermost first, left to right). */
export function collectWindowCalls(exprs: readonly Expr[]): WindowExpr[] {
  const out = new Map<string, WindowExpr>();
  for (const root of exprs) {
    visitExpr(root, (e) => {
      if (e.kind !== 'window') return;
      const key = JSON.stringify(e);
      if (!out.has(key)) out.set(key, e);
      return false; // window calls do not nest
    });
  }
  return [...out.values()];
}

/** The result of {@link planWindows}. */
export interface WindowPlan {
  /** The input with the Window nodes stacked on it: the input's columns, then one column per window call. */
  readonly plan: LogicalPlan;
  /** Binder hook (`BindOptions.onWindow`): a reference to the column computing a window call. */
  readonly onWindow: (e: WindowExpr) => BoundExpr;
}

/**
 * Adds Window nodes for every window call in `exprs` over `input` (one node per distinct
 * PARTITION BY / ORDER BY; functions with the same spec share a node). Bind the output
 * expressions against `plan.schema` with `{ onWindow }`; the input's columns keep their positions.
 */
export function planWindows(input: LogicalPlan, exprs: readonly Expr[]): WindowPlan {
  const calls = collectWindowCalls(exprs);
  const schema = input.schema;
  const groups = new Map<string, { partitionBy: readonly BoundExpr[]; orderBy: readonly BoundSortKey[]; fns: BoundWindowFn[]; fields: Field[]; keys: string[] }>();
  for (const e of calls) {
    const b = bindWindowCall(e, schema);
    const specKey = JSON.stringify([b.partitionBy, b.orderBy]);
    let g = groups.get(specKey);
    if (!g) {
      g = { partitionBy: b.partitionBy, orderBy: b.orderBy, fns: [], fields: [], keys: [] };
      groups.set(specKey, g);
    }
    g.fns.push(b.fn);
    g.fields.push({ name: b.name, type: b.fn.type, nullable: b.nullable });
    g.keys.push(JSON.stringify(e));
  }
  const refs = new Map<string, BoundExpr>();
  let plan = input;
  for (const g of groups.values()) {
    const base = plan.schema.length;
    g.keys.forEach((k, j) => refs.set(k, { kind: 'ref', index: base + j, type: g.fns[j]!.type, name: g.fields[j]!.name }));
    const node: WindowNode = {
      kind: 'window', input: plan, partitionBy: g.partitionBy, orderBy: g.orderBy, functions: g.fns,
      schema: new Schema([...plan.schema.fields, ...g.fields]),
    };
    plan = node;
  }
  return {
    plan,
    onWindow: (e) => {
      const r = refs.get(JSON.stringify(e));
      if (!r) throw new AnalysisError(`internal: window call ${exprName(e)} was not planned`);
      return r;
    },
  };
}

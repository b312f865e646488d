/**
 * Logical optimiser rules, applied in order: constant folding and boolean simplification,
 * predicate pushdown (through projections, sorts, aggregates' grouping keys, windows' partition
 * keys, joins, unions, into scans), limit pushdown (through projections and unions, into scans),
 * and projection pruning (only the columns an operator above needs are read from scans; unused
 * window functions are dropped).
 */
import { evaluateConstant } from '../expr/codegen.js';
import type { BoundAgg, BoundExpr, BoundSortKey } from '../expr/expr.js';
import { boundRefs, remapRefs } from '../expr/expr.js';
import { getScalar } from '../expr/registry.js';
import { Schema } from '../types.js';
import type { JoinNode, LogicalPlan } from './logical.js';

/** Runs every rule; the result computes the same rows as the input. */
export function optimize(plan: LogicalPlan): LogicalPlan {
  let p = foldPlan(plan);
  p = pushFilters(p, []);
  p = pushLimits(p);
  p = pruneRoot(p);
  return p;
}

// ---------------------------------------------------------------- expressions

const TRUE: BoundExpr = { kind: 'lit', value: true, type: 'boolean' };

function isDeterministic(e: BoundExpr): boolean {
  switch (e.kind) {
    case 'call': return getScalar(e.fn).deterministic !== false && e.args.every(isDeterministic);
    case 'cast': return isDeterministic(e.expr);
    case 'case': return e.branches.every(([c, v]) => isDeterministic(c) && isDeterministic(v)) && (!e.otherwise || isDeterministic(e.otherwise));
    default: return true;
  }
}

/** Folds constant sub-expressions and simplifies AND/OR/NOT with literal operands. */
export function foldExpr(e: BoundExpr): BoundExpr {
  switch (e.kind) {
    case 'ref': case 'lit': return e;
    case 'cast': {
      const inner = foldExpr(e.expr);
      const ne: BoundExpr = { ...e, expr: inner };
      return inner.kind === 'lit' ? literalOf(ne) : ne;
    }
    case 'case': {
      const branches = e.branches.map(([c, v]) => [foldExpr(c), foldExpr(v)] as const).filter(([c]) => !(c.kind === 'lit' && c.value !== true));
      const otherwise = e.otherwise ? foldExpr(e.otherwise) : null;
      if (branches.length > 0 && branches[0]![0].kind === 'lit' && branches[0]![0].value === true) return branches[0]![1];
      if (branches.length === 0) return otherwise ?? { kind: 'lit', value: null, type: e.type };
      return { ...e, branches, otherwise };
    }
    case 'call': {
      const args = e.args.map(foldExpr);
      const ne: BoundExpr = { ...e, args };
      if (e.fn === 'and' || e.fn === 'or') {
        const dom = e.fn === 'or';
        for (const a of args) if (a.kind === 'lit' && a.value === dom) return { kind: 'lit', value: dom, type: 'boolean' };
        const rest = args.filter((a) => !(a.kind === 'lit' && a.value === !dom));
        if (rest.length === 1) return rest[0]!;
        if (rest.length === 0) return { kind: 'lit', value: !dom, type: 'boolean' };
      }
      if (args.every((a) => a.kind === 'lit') && getScalar(e.fn).deterministic !== false) return literalOf(ne);
      return ne;
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
  if (e.kind === 'call' && e.fn === 'and') return e.args.flatMap(conjuncts);
  if (e.kind === 'lit' && e.value === true) return [];
  return [e];
}

/** ANDs conditions together (true for none). */
export function andAll(es: readonly BoundExpr[]): BoundExpr {
  if (es.length === 0) return TRUE;
  return es.reduce((a, b) => ({ kind: 'call', fn: 'and', args: [a, b], type: 'boolean' }));
}

/** Replaces column refs with the given expressions (for pushing through projections). */
function substitute(e: BoundExpr, exprs: readonly BoundExpr[]): BoundExpr {
  switch (e.kind) {
    case 'ref': return exprs[e.index]!;
    case 'lit': return e;
    case 'call': return { ...e, args: e.args.map((a) => substitute(a, exprs)) };
    case 'cast': return { ...e, expr: substitute(e.expr, exprs) };
    case 'case': return {
      ...e,
      branches: e.branches.map(([c, v]) => [substitute(c, exprs), substitute(v, exprs)] as const),
      otherwise: e.otherwise ? substitute(e.otherwise, exprs) : null,
    };
  }
}

/** Splits an equi-join condition over left ++ right columns into key pairs and a residual. */
export function extractJoinKeys(condition: BoundExpr | null, leftWidth: number): { leftKeys: BoundExpr[]; rightKeys: BoundExpr[]; residual: BoundExpr | null } {
  const leftKeys: BoundExpr[] = [];
  const rightKeys: BoundExpr[] = [];
  const rest: BoundExpr[] = [];
  for (const c of condition ? conjuncts(condition) : []) {
    if (c.kind === 'call' && c.fn === 'eq') {
      const [a, b] = c.args as [BoundExpr, BoundExpr];
      const side = (x: BoundExpr) => {
        const r = [...boundRefs(x)];
        if (r.length === 0) return 'none';
        if (r.every((i) => i < leftWidth)) return 'left';
        if (r.every((i) => i >= leftWidth)) return 'right';
        return 'both';
      };
      const sa = side(a);
      const sb = side(b);
      const shiftRight = (x: BoundExpr) => remapRefs(x, (i) => i - leftWidth);
      if (sa === 'left' && sb === 'right') { leftKeys.push(a); rightKeys.push(shiftRight(b)); continue; }
      if (sa === 'right' && sb === 'left') { leftKeys.push(b); rightKeys.push(shiftRight(a)); continue; }
    }
    rest.push(c);
  }
  return { leftKeys, rightKeys, residual: rest.length ? andAll(rest) : null };
}

// ---------------------------------------------------------------- constant folding

function foldPlan(p: LogicalPlan): LogicalPlan {
  switch (p.kind) {
    case 'scan': return { ...p, filters: p.filters.map(foldExpr) };
    case 'empty': return p;
    case 'project': return { ...p, input: foldPlan(p.input), exprs: p.exprs.map(foldExpr) };
    case 'filter': {
      const input = foldPlan(p.input);
      const condition = foldExpr(p.condition);
      if (condition.kind === 'lit') return condition.value === true ? input : { kind: 'empty', schema: p.schema };
      return { ...p, input, condition };
    }
    case 'aggregate': return { ...p, input: foldPlan(p.input), groupBy: p.groupBy.map(foldExpr), aggs: p.aggs.map((a) => ({ ...a, args: a.args.map(foldExpr) })) };
    case 'sort': return { ...p, input: foldPlan(p.input), keys: p.keys.map((k) => ({ ...k, expr: foldExpr(k.expr) })) };
    case 'limit': return p.limit === 0 ? { kind: 'empty', schema: p.schema } : { ...p, input: foldPlan(p.input) };
    case 'sample': return { ...p, input: foldPlan(p.input) };
    case 'repartition': return { ...p, input: foldPlan(p.input), keys: p.keys.map(foldExpr) };
    case 'window': return {
      ...p,
      input: foldPlan(p.input),
      partitionBy: p.partitionBy.map(foldExpr),
      orderBy: p.orderBy.map((k) => ({ ...k, expr: foldExpr(k.expr) })),
      functions: p.functions.map((f) => ({ ...f, args: f.args.map(foldExpr) })),
    };
    case 'union': return { ...p, inputs: p.inputs.map(foldPlan) };
    case 'join': return { ...p, left: foldPlan(p.left), right: foldPlan(p.right), condition: p.condition ? foldExpr(p.condition) : null };
  }
}

// ---------------------------------------------------------------- predicate pushdown

function wrapFilter(p: LogicalPlan, preds: readonly BoundExpr[]): LogicalPlan {
  if (preds.length === 0) return p;
  return { kind: 'filter', input: p, condition: andAll(preds), schema: p.schema };
}

function pushFilters(p: LogicalPlan, preds: BoundExpr[]): LogicalPlan {
  switch (p.kind) {
    case 'filter':
      return pushFilters(p.input, [...preds, ...conjuncts(p.condition)]);
    case 'scan': {
      const pushable = preds.filter(isDeterministic);
      const kept = preds.filter((e) => !isDeterministic(e));
      return wrapFilter({ ...p, filters: [...p.filters, ...pushable] }, kept);
    }
    case 'empty':
      return p;
    case 'project': {
      const down: BoundExpr[] = [];
      const up: BoundExpr[] = [];
      for (const e of preds) {
        const used = [...boundRefs(e)];
        if (used.every((i) => isDeterministic(p.exprs[i]!))) down.push(substitute(e, p.exprs));
        else up.push(e);
      }
      return wrapFilter({ ...p, input: pushFilters(p.input, down) }, up);
    }
    case 'sort':
      return { ...p, input: pushFilters(p.input, preds) };
    case 'aggregate': {
      const nKeys = p.groupBy.length;
      const down: BoundExpr[] = [];
      const up: BoundExpr[] = [];
      for (const e of preds) {
        const used = [...boundRefs(e)];
        if (nKeys > 0 && used.every((i) => i < nKeys) && isDeterministic(e)) down.push(substitute(e, p.groupBy));
        else up.push(e);
      }
      return wrapFilter({ ...p, input: pushFilters(p.input, down) }, up);
    }
    case 'union':
      return { ...p, inputs: p.inputs.map((i) => pushFilters(i, preds)) };
    case 'window': {
      // A filter on partition-by columns only keeps or drops whole window partitions, so it can run first.
      const keyCols = new Set(p.partitionBy.filter((e) => e.kind === 'ref').map((e) => (e as { index: number }).index));
      const down: BoundExpr[] = [];
      const up: BoundExpr[] = [];
      for (const e of preds) {
        const used = [...boundRefs(e)];
        if (used.length > 0 && used.every((i) => keyCols.has(i)) && isDeterministic(e)) down.push(e);
        else up.push(e);
      }
      return wrapFilter({ ...p, input: pushFilters(p.input, down) }, up);
    }
    case 'join':
      return pushIntoJoin(p, preds);
    case 'repartition': {
      // Filtering before a shuffle moves fewer rows; rows are independent, so deterministic predicates commute.
      const down = preds.filter(isDeterministic);
      return wrapFilter({ ...p, input: pushFilters(p.input, down) }, preds.filter((e) => !isDeterministic(e)));
    }
    case 'limit':
    case 'sample':
      return wrapFilter({ ...p, input: pushFilters(p.input, []) }, preds);
  }
}

function pushIntoJoin(p: JoinNode, preds: BoundExpr[]): LogicalPlan {
  const lw = p.left.schema.length;
  const jt = p.joinType;
  const leftOk = jt === 'inner' || jt === 'cross' || jt === 'left' || jt === 'left_semi' || jt === 'left_anti';
  const rightOk = jt === 'inner' || jt === 'cross' || jt === 'right';
  const toLeft: BoundExpr[] = [];
  const toRight: BoundExpr[] = [];
  const toJoin: BoundExpr[] = [];
  const up: BoundExpr[] = [];
  for (const e of preds) {
    const used = [...boundRefs(e)];
    if (!isDeterministic(e)) up.push(e);
    else if (used.every((i) => i < lw) && leftOk) toLeft.push(e);
    else if (used.length > 0 && used.every((i) => i >= lw) && rightOk) toRight.push(remapRefs(e, (i) => i - lw));
    else if (jt === 'inner' || jt === 'cross') toJoin.push(e);
    else up.push(e);
  }
  // The join's own residual condition: for inner joins, side-only parts can go down too.
  let residual = p.condition;
  if (residual && (jt === 'inner' || jt === 'cross')) {
    toJoin.push(...conjuncts(residual));
    residual = null;
  } else if (residual && (jt === 'left' || jt === 'left_semi' || jt === 'left_anti')) {
    // Conditions on the right side only can filter the right input of a left join.
    const keep: BoundExpr[] = [];
    for (const c of conjuncts(residual)) {
      const used = [...boundRefs(c)];
      if (used.length > 0 && used.every((i) => i >= lw) && isDeterministic(c)) toRight.push(remapRefs(c, (i) => i - lw));
      else keep.push(c);
    }
    residual = keep.length ? andAll(keep) : null;
  }
  let joinType = jt;
  let leftKeys = [...p.leftKeys];
  let rightKeys = [...p.rightKeys];
  if (toJoin.length) {
    // Side-only conjuncts of an inner join condition are pushed to the sides; equalities become keys.
    const stay: BoundExpr[] = [];
    for (const c of toJoin) {
      const used = [...boundRefs(c)];
      if (used.every((i) => i < lw) && used.length) toLeft.push(c);
      else if (used.length > 0 && used.every((i) => i >= lw)) toRight.push(remapRefs(c, (i) => i - lw));
      else stay.push(c);
    }
    const ex = extractJoinKeys(stay.length ? andAll(stay) : null, lw);
    leftKeys = [...leftKeys, ...ex.leftKeys];
    rightKeys = [...rightKeys, ...ex.rightKeys];
    residual = ex.residual;
    if (joinType === 'cross' && leftKeys.length) joinType = 'inner';
  }
  const node: JoinNode = {
    ...p,
    joinType,
    left: pushFilters(p.left, toLeft),
    right: pushFilters(p.right, toRight),
    leftKeys,
    rightKeys,
    condition: residual,
  };
  return wrapFilter(node, up);
}

// ---------------------------------------------------------------- limit pushdown

function pushLimits(p: LogicalPlan): LogicalPlan {
  switch (p.kind) {
    case 'limit': {
      const input = pushLimits(p.input);
      const k = p.limit + p.offset;
      if (input.kind === 'project') {
        return { ...input, input: pushLimits({ ...p, input: input.input, schema: input.input.schema }) };
      }
      if (input.kind === 'scan') return { ...p, input: { ...input, limit: Math.min(input.limit ?? Infinity, k) } };
      if (input.kind === 'union') {
        return { ...p, input: { ...input, inputs: input.inputs.map((i) => pushLimits({ kind: 'limit', input: i, limit: k, offset: 0, schema: i.schema })) } };
      }
      return { ...p, input };
    }
    case 'scan': case 'empty': return p;
    case 'join': return { ...p, left: pushLimits(p.left), right: pushLimits(p.right) };
    case 'union': return { ...p, inputs: p.inputs.map(pushLimits) };
    default: return { ...p, input: pushLimits(p.input) } as LogicalPlan;
  }
}

// ---------------------------------------------------------------- projection pruning

interface Pruned {
  plan: LogicalPlan;
  /** old output index → new output index (for the required columns). */
  map: Map<number, number>;
}

function pruneRoot(p: LogicalPlan): LogicalPlan {
  const all = p.schema.fields.map((_, i) => i);
  const r = prune(p, new Set(all));
  // Extra columns (read only for filters) never reach the root because the root requires everything.
  return r.plan;
}

function remap(e: BoundExpr, map: Map<number, number>): BoundExpr {
  return remapRefs(e, (i) => {
    const j = map.get(i);
    if (j === undefined) throw new Error(`optimizer: column #${i} was pruned but is still used`);
    return j;
  });
}

function identityMap(n: number): Map<number, number> {
  return new Map(Array.from({ length: n }, (_, i) => [i, i]));
}

function refsOf(es: readonly BoundExpr[], into: Set<number>): Set<number> {
  for (const e of es) boundRefs(e, into);
  return into;
}

function prune(p: LogicalPlan, required: Set<number>): Pruned {
  switch (p.kind) {
    case 'scan': {
      const need = refsOf(p.filters, new Set(required));
      let keep = [...need].sort((a, b) => a - b);
      if (keep.length === 0 && p.columns.length > 0) keep = [0]; // row counts still need one column
      const map = new Map(keep.map((old, i) => [old, i]));
      const filters = p.filters.map((f) => remap(f, map));
      return { plan: { ...p, columns: keep.map((i) => p.columns[i]!), filters, schema: new Schema(keep.map((i) => p.schema.fields[i]!)) }, map };
    }
    case 'empty': {
      const keep = [...required].sort((a, b) => a - b);
      return { plan: { kind: 'empty', schema: new Schema(keep.map((i) => p.schema.fields[i]!)) }, map: new Map(keep.map((o, i) => [o, i])) };
    }
    case 'project': {
      const keep = [...required].sort((a, b) => a - b);
      const exprs = keep.map((i) => p.exprs[i]!);
      const child = prune(p.input, refsOf(exprs, new Set()));
      const newExprs = exprs.map((e) => remap(e, child.map));
      return {
        plan: { kind: 'project', input: child.plan, exprs: newExprs, schema: new Schema(keep.map((i) => p.schema.fields[i]!)) },
        map: new Map(keep.map((o, i) => [o, i])),
      };
    }
    case 'filter': {
      const child = prune(p.input, refsOf([p.condition], new Set(required)));
      return { plan: { ...p, input: child.plan, condition: remap(p.condition, child.map), schema: child.plan.schema }, map: child.map };
    }
    case 'sort': {
      const child = prune(p.input, refsOf(p.keys.map((k) => k.expr), new Set(required)));
      const keys: BoundSortKey[] = p.keys.map((k) => ({ ...k, expr: remap(k.expr, child.map) }));
      return { plan: { ...p, input: child.plan, keys, schema: child.plan.schema }, map: child.map };
    }
    case 'limit':
    case 'sample': {
      const child = prune(p.input, required);
      return { plan: { ...p, input: child.plan, schema: child.plan.schema } as LogicalPlan, map: child.map };
    }
    case 'repartition': {
      const child = prune(p.input, refsOf(p.keys, new Set(required)));
      return { plan: { ...p, input: child.plan, keys: p.keys.map((k) => remap(k, child.map)), schema: child.plan.schema }, map: child.map };
    }
    case 'window': {
      const inWidth = p.input.schema.length;
      const fnIdx = p.functions.map((_, j) => j).filter((j) => required.has(inWidth + j));
      const needIn = new Set([...required].filter((i) => i < inWidth));
      // No function is used above: the node adds nothing (it never changes the rows), so drop it.
      if (fnIdx.length === 0) return prune(p.input, needIn);
      const fns = fnIdx.map((j) => p.functions[j]!);
      refsOf(p.partitionBy, needIn);
      refsOf(p.orderBy.map((k) => k.expr), needIn);
      for (const f of fns) refsOf(f.args, needIn);
      const child = prune(p.input, needIn);
      const w = child.plan.schema.length;
      const map = new Map(child.map);
      fnIdx.forEach((j, k) => map.set(inWidth + j, w + k));
      return {
        plan: {
          ...p,
          input: child.plan,
          partitionBy: p.partitionBy.map((e) => remap(e, child.map)),
          orderBy: p.orderBy.map((k) => ({ ...k, expr: remap(k.expr, child.map) })),
          functions: fns.map((f) => ({ ...f, args: f.args.map((a) => remap(a, child.map)) })),
          schema: new Schema([...child.plan.schema.fields, ...fnIdx.map((j) => p.schema.fields[inWidth + j]!)]),
        },
        map,
      };
    }
    case 'aggregate': {
      const nKeys = p.groupBy.length;
      const aggIdx = p.aggs.map((_, j) => j).filter((j) => required.has(nKeys + j));
      const aggs: BoundAgg[] = aggIdx.map((j) => p.aggs[j]!);
      const need = refsOf(p.groupBy, new Set());
      for (const a of aggs) refsOf(a.args, need);
      const child = prune(p.input, need);
      const map = identityMap(nKeys);
      aggIdx.forEach((j, k) => map.set(nKeys + j, nKeys + k));
      const schema = new Schema([...p.schema.fields.slice(0, nKeys), ...aggIdx.map((j) => p.schema.fields[nKeys + j]!)]);
      return {
        plan: {
          ...p,
          input: child.plan,
          groupBy: p.groupBy.map((g) => remap(g, child.map)),
          aggs: aggs.map((a) => ({ ...a, args: a.args.map((x) => remap(x, child.map)) })),
          schema,
        },
        map,
      };
    }
    case 'union': {
      const keep = [...required].sort((a, b) => a - b);
      const inputs = p.inputs.map((inp) => {
        const c = prune(inp, new Set(keep));
        const exprs: BoundExpr[] = keep.map((i) => {
          const j = c.map.get(i)!;
          const f = c.plan.schema.fields[j]!;
          return { kind: 'ref', index: j, type: f.type, name: f.name };
        });
        const identity = exprs.length === c.plan.schema.length && exprs.every((e, i) => e.kind === 'ref' && e.index === i);
        if (identity) return c.plan;
        return { kind: 'project', input: c.plan, exprs, schema: new Schema(keep.map((i) => inp.schema.fields[i]!)) } as LogicalPlan;
      });
      return { plan: { ...p, inputs, schema: new Schema(keep.map((i) => p.schema.fields[i]!)) }, map: new Map(keep.map((o, i) => [o, i])) };
    }
    case 'join': {
      const lw = p.left.schema.length;
      const semi = p.joinType === 'left_semi' || p.joinType === 'left_anti';
      const needL = refsOf(p.leftKeys, new Set());
      const needR = refsOf(p.rightKeys, new Set());
      const condRefs = p.condition ? boundRefs(p.condition) : new Set<number>();
      for (const i of [...required, ...condRefs]) {
        if (i < lw) needL.add(i);
        else needR.add(i - lw);
      }
      const l = prune(p.left, needL);
      const r = prune(p.right, needR);
      const nlw = l.plan.schema.length;
      const joined = new Map<number, number>();
      for (const [o, n] of l.map) joined.set(o, n);
      for (const [o, n] of r.map) joined.set(o + lw, n + nlw);
      const schema = semi ? l.plan.schema : new Schema([...l.plan.schema.fields, ...r.plan.schema.fields].map((f, i) => {
        // keep outer-join nullability from the original schema
        const orig = [...joined.entries()].find(([, n]) => n === i);
        return orig ? p.schema.fields[orig[0]]! : f;
      }));
      return {
        plan: {
          ...p,
          left: l.plan,
          right: r.plan,
          leftKeys: p.leftKeys.map((k) => remap(k, l.map)),
          rightKeys: p.rightKeys.map((k) => remap(k, r.map)),
          condition: p.condition ? remap(p.condition, joined) : null,
          schema,
        },
        map: semi ? l.map : joined,
      };
    }
  }
}

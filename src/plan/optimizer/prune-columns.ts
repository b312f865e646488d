/**
 * `prune_columns`: every operator keeps only the columns some operator above it (or the result)
 * reads: scans read fewer columns, projections, aggregates and windows drop unused outputs (a
 * window none of whose functions is used goes away), joins and unions narrow their inputs.
 */
import type { BoundExpr } from '../../expr/expr.js';
import { boundRefs, remapRefs } from '../../expr/expr.js';
import { Schema } from '../../types.js';
import type { AggregateNode, JoinNode, LogicalPlan, UnionNode, WindowNode } from '../logical.js';
import { withInputs } from '../tree.js';
import { mapNodeExprs, nodeExprs } from './plan-exprs.js';
import { OptimizerError, type OptimizerRule } from './rule.js';

export const pruneColumns: OptimizerRule = {
  name: 'prune_columns',
  // The root requires all its columns, so columns read only for filters never reach it.
  apply: (plan) => prune(plan, new Set(plan.schema.fields.map((_, i) => i))).plan,
};

interface Pruned {
  plan: LogicalPlan;
  /** old output index → new output index (for the required columns). */
  map: Map<number, number>;
}

function remap(e: BoundExpr, map: Map<number, number>): BoundExpr {
  return remapRefs(e, (i) => {
    const j = map.get(i);
    if (j === undefined) throw new OptimizerError(`optimizer rule prune_columns: column #${i} was pruned but is still used`);
    return j;
  });
}

function refsOf(es: readonly BoundExpr[], into: Set<number>): Set<number> {
  for (const e of es) boundRefs(e, into);
  return into;
}

function sorted(s: Set<number>): number[] {
  return [...s].sort((a, b) => a - b);
}

/** old index → position in `keep`. */
function positions(keep: readonly number[]): Map<number, number> {
  return new Map(keep.map((old, i) => [old, i]));
}

function pick(schema: Schema, keep: readonly number[]): Schema {
  return new Schema(keep.map((i) => schema.fields[i]!));
}

/** `p` reduced to (at least) the `required` output columns, with where each one went. */
function prune(p: LogicalPlan, required: Set<number>): Pruned {
  switch (p.kind) {
    case 'scan': {
      let keep = sorted(refsOf(p.filters, new Set(required)));
      if (keep.length === 0 && p.columns.length > 0) keep = [0]; // row counts still need one column
      const map = positions(keep);
      return { plan: { ...p, columns: keep.map((i) => p.columns[i]!), filters: p.filters.map((f) => remap(f, map)), schema: pick(p.schema, keep) }, map };
    }
    case 'empty': {
      const keep = sorted(required);
      return { plan: { kind: 'empty', schema: pick(p.schema, keep) }, map: positions(keep) };
    }
    case 'project': {
      const keep = sorted(required);
      const exprs = keep.map((i) => p.exprs[i]!);
      const child = prune(p.input, refsOf(exprs, new Set()));
      return {
        plan: { kind: 'project', input: child.plan, exprs: exprs.map((e) => remap(e, child.map)), schema: pick(p.schema, keep) },
        map: positions(keep),
      };
    }
    case 'expand': {
      const keep = sorted(required);
      const projections = p.projections.map((ps) => keep.map((i) => ps[i]!));
      const child = prune(p.input, refsOf(projections.flat(), new Set()));
      return {
        plan: { kind: 'expand', input: child.plan, projections: projections.map((ps) => ps.map((e) => remap(e, child.map))), schema: pick(p.schema, keep) },
        map: positions(keep),
      };
    }
    case 'window': return pruneWindow(p, required);
    case 'aggregate': return pruneAggregate(p, required);
    case 'union': return pruneUnion(p, required);
    case 'join': return pruneJoin(p, required);
    case 'evalUdfs': {
      // Every call stays (each runs once per row); the input keeps what passes through and what the calls read.
      const w = p.input.schema.length;
      const child = prune(p.input, refsOf(p.udfs.flatMap((u) => u.args), new Set([...required].filter((i) => i < w))));
      const cw = child.plan.schema.length;
      const map = new Map(child.map);
      p.udfs.forEach((_, j) => map.set(w + j, cw + j));
      const udfs = p.udfs.map((u) => ({ ...u, args: u.args.map((a) => remap(a, child.map)) }));
      return { plan: { ...p, input: child.plan, udfs, schema: new Schema([...child.plan.schema.fields, ...p.schema.fields.slice(w)]) }, map };
    }
    case 'generate': {
      // The generator stays (it sets the row count); only the passed-through columns asked for are repeated.
      const w = p.passthrough.length;
      const keep = sorted(new Set([...required].filter((i) => i < w)));
      const child = prune(p.input, refsOf([p.arg], new Set(keep.map((j) => p.passthrough[j]!))));
      const map = positions(keep);
      for (let j = w; j < p.schema.length; j++) map.set(j, keep.length + j - w);
      const schema = new Schema([...keep.map((j) => p.schema.fields[j]!), ...p.schema.fields.slice(w)]);
      return { plan: { ...p, input: child.plan, arg: remap(p.arg, child.map), passthrough: keep.map((j) => child.map.get(p.passthrough[j]!)!), schema }, map };
    }
    case 'subquery': throw new OptimizerError('internal error: prune_columns met a Subquery node; rewrite_subqueries runs first');
    case 'mapInArrow': case 'flatMapGroupsInArrow': {
      // The user function sees every input column and produces every output column: keep them all.
      const child = prune(p.input, new Set(p.input.schema.fields.map((_, i) => i)));
      const plan = withInputs(mapNodeExprs(p, (e) => remap(e, child.map)), [child.plan]);
      return { plan, map: positions(p.schema.fields.map((_, i) => i)) };
    }
    case 'filter': case 'sort': case 'limit': case 'sample': case 'repartition': case 'windowGroupLimit': {
      // Output columns are the input's: require what is required plus what the node's own expressions read.
      const child = prune(p.input, refsOf(nodeExprs(p), new Set(required)));
      const plan = withInputs(mapNodeExprs(p, (e) => remap(e, child.map)), [child.plan]);
      return { plan: { ...plan, schema: child.plan.schema }, map: child.map };
    }
  }
}

function pruneWindow(p: WindowNode, required: Set<number>): Pruned {
  const inWidth = p.input.schema.length;
  const fnIdx = p.functions.map((_, j) => j).filter((j) => required.has(inWidth + j));
  const needIn = new Set([...required].filter((i) => i < inWidth));
  // No function is used above: the node adds nothing (it never changes the rows), so drop it.
  if (fnIdx.length === 0) return prune(p.input, needIn);
  const used: WindowNode = { ...p, functions: fnIdx.map((j) => p.functions[j]!) };
  const child = prune(p.input, refsOf(nodeExprs(used), needIn));
  const w = child.plan.schema.length;
  const map = new Map(child.map);
  fnIdx.forEach((j, k) => map.set(inWidth + j, w + k));
  const plan = mapNodeExprs({ ...used, input: child.plan }, (e) => remap(e, child.map));
  return { plan: { ...plan, schema: new Schema([...child.plan.schema.fields, ...fnIdx.map((j) => p.schema.fields[inWidth + j]!)]) }, map };
}

function pruneAggregate(p: AggregateNode, required: Set<number>): Pruned {
  const nKeys = p.groupBy.length;
  const aggIdx = p.aggs.map((_, j) => j).filter((j) => required.has(nKeys + j));
  const used: AggregateNode = { ...p, aggs: aggIdx.map((j) => p.aggs[j]!) };
  const child = prune(p.input, refsOf(nodeExprs(used), new Set()));
  const map = positions(Array.from({ length: nKeys }, (_, i) => i));
  aggIdx.forEach((j, k) => map.set(nKeys + j, nKeys + k));
  const schema = new Schema([...p.schema.fields.slice(0, nKeys), ...aggIdx.map((j) => p.schema.fields[nKeys + j]!)]);
  return { plan: { ...mapNodeExprs({ ...used, input: child.plan }, (e) => remap(e, child.map)), schema }, map };
}

function pruneUnion(p: UnionNode, required: Set<number>): Pruned {
  const keep = sorted(required);
  const inputs = p.inputs.map((inp) => {
    const c = prune(inp, new Set(keep));
    const exprs: BoundExpr[] = keep.map((i) => {
      const j = c.map.get(i)!;
      const f = c.plan.schema.fields[j]!;
      return { kind: 'ref', index: j, type: f.type, name: f.name };
    });
    const identity = exprs.length === c.plan.schema.length && exprs.every((e, i) => e.kind === 'ref' && e.index === i);
    if (identity) return c.plan;
    return { kind: 'project', input: c.plan, exprs, schema: pick(inp.schema, keep) } as LogicalPlan;
  });
  return { plan: { ...p, inputs, schema: pick(p.schema, keep) }, map: positions(keep) };
}

function pruneJoin(p: JoinNode, required: Set<number>): Pruned {
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

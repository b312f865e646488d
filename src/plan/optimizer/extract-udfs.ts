/**
 * `extract_udfs` (required, runs last; Spark's ExtractPythonUDFs): pulls every UDF call out of
 * the expressions of projections, filters, aggregates (keys and arguments), sorts, windows,
 * repartitions and join keys into an EvalUdfs node below the consumer, which then reads the
 * appended columns. Nested calls (`u1(u2(x))`) become layers of EvalUdfs nodes; identical
 * deterministic calls in one node are evaluated once; a non-deterministic call is never shared.
 * A filter's conjuncts that call no UDF run below the EvalUdfs node, so the UDF sees only the
 * rows that pass them. A UDF in an inner join's residual condition becomes a filter above the
 * join; in an outer/semi/anti join's condition it is refused, as in Spark.
 */
import { type BoundExpr, type BoundUdf, remapRefs } from '../../expr/expr.js';
import { transformBoundDown } from '../../expr/tree.js';
import { AnalysisError } from '../../errors.js';
import { type Field, Schema } from '../../types.js';
import { type EvalUdfsNode, type JoinNode, type LogicalPlan, joinSchema } from '../logical.js';
import { transformUp } from '../tree.js';
import { andAll, conjuncts, containsUdf } from './expr-utils.js';
import { mapNodeExprs, nodeExprs } from './plan-exprs.js';
import type { OptimizerRule } from './rule.js';

export const extractUdfs: OptimizerRule = {
  name: 'extract_udfs',
  required: true,
  apply: (plan) => transformUp(plan, extract),
};

function hasUdf(p: LogicalPlan): boolean {
  return p.kind !== 'evalUdfs' && nodeExprs(p).some(containsUdf);
}

function extract(p: LogicalPlan): LogicalPlan {
  if (!hasUdf(p)) return p;
  switch (p.kind) {
    case 'project': case 'aggregate':
      return layered(p);
    case 'filter': {
      // Conjuncts without UDFs filter first, so the UDF is called only for rows that pass them.
      const parts = conjuncts(p.condition);
      const plain = parts.filter((c) => !containsUdf(c));
      const withUdf = parts.filter(containsUdf);
      const input: LogicalPlan = plain.length ? { kind: 'filter', input: p.input, condition: andAll(plain), schema: p.input.schema } : p.input;
      return restoreWidth(layered({ ...p, input, condition: andAll(withUdf) }), p.schema);
    }
    case 'sort': case 'repartition':
      return restoreWidth(layered(p), p.schema);
    case 'generate':
      // explode(udf(x)): the call goes below; the node passes only its own input columns through, so its output is unchanged.
      return layered(p);
    case 'window': {
      const w = p.input.schema.length;
      const inner = layered(p) as typeof p;
      const iw = inner.input.schema.length;
      const fnFields = p.schema.fields.slice(w);
      const widened: LogicalPlan = { ...inner, schema: new Schema([...inner.input.schema.fields, ...fnFields]) };
      return project(widened, [...range(0, w), ...range(iw, iw + fnFields.length)], p.schema);
    }
    case 'join':
      return extractJoin(p);
    default:
      return p;
  }
}

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, i) => a + i);
}

/** A projection of `input`'s columns `cols`, with the output schema `schema`. */
function project(input: LogicalPlan, cols: readonly number[], schema: Schema): LogicalPlan {
  const exprs: BoundExpr[] = cols.map((i) => ({ kind: 'ref', index: i, type: input.schema.fields[i]!.type, name: input.schema.fields[i]!.name }));
  return { kind: 'project', input, exprs, schema };
}

/** A node whose output is its input's columns, narrowed back to the original ones (the UDF columns dropped). */
function restoreWidth(p: LogicalPlan, schema: Schema): LogicalPlan {
  const widened = { ...p, schema: p.kind === 'project' || p.kind === 'aggregate' ? p.schema : (p as { input: LogicalPlan }).input.schema } as LogicalPlan;
  return widened.schema.length === schema.length ? widened : project(widened, range(0, schema.length), schema);
}

/** A single-input node with its UDF calls evaluated by EvalUdfs nodes below it (one per nesting level). */
function layered<T extends LogicalPlan & { readonly input: LogicalPlan }>(p: T): T {
  let node = p;
  while (nodeExprs(node).some(containsUdf)) {
    const { input, rewrite } = evalLayer(node.input);
    node = { ...(mapNodeExprs(node, rewrite) as T), input: input() };
  }
  return node;
}

/**
 * One layer over `input`: `rewrite` replaces each innermost UDF call (one calling no other UDF)
 * by a reference to its column; `input()` then gives the EvalUdfs node computing those columns.
 */
function evalLayer(input: LogicalPlan): { rewrite: (e: BoundExpr) => BoundExpr; input: () => LogicalPlan } {
  const w = input.schema.length;
  const calls: BoundUdf[] = [];
  const shared = new Map<string, number>();
  const rewrite = (e: BoundExpr) => transformBoundDown(e, (x) => {
    if (x.kind !== 'udf' || x.args.some(containsUdf)) return undefined;
    let j: number | undefined;
    const key = x.udf.deterministic ? `${x.udf.fn.id}|${JSON.stringify(x.args)}` : null;
    if (key !== null) j = shared.get(key);
    if (j === undefined) {
      j = calls.length;
      calls.push(x);
      if (key !== null) shared.set(key, j);
    }
    return { kind: 'ref', index: w + j, type: x.type, name: x.udf.name };
  });
  const node = (): EvalUdfsNode => {
    const fields: Field[] = calls.map((u) => ({ name: `${u.udf.name}(${u.args.map((a) => (a.kind === 'ref' ? a.name : '...')).join(', ')})`, type: u.type, nullable: true }));
    return { kind: 'evalUdfs', input, udfs: calls, schema: new Schema([...input.schema.fields, ...fields]) };
  };
  return { rewrite, input: node };
}

/** Join keys calling UDFs are evaluated on their side; a UDF in an inner join's condition moves to a filter above it. */
function extractJoin(p: JoinNode): LogicalPlan {
  if (p.condition && containsUdf(p.condition)) {
    if (p.joinType !== 'inner' && p.joinType !== 'cross') {
      let name = '';
      transformBoundDown(p.condition, (x) => (x.kind === 'udf' && !name ? ((name = x.udf.name), x) : undefined));
      throw new AnalysisError(`the UDF ${name} in the condition of a ${p.joinType} join is not supported (as in Spark): compute it as a column of one side first (withColumn) and join on that column`);
    }
    const join: JoinNode = { ...p, condition: null };
    return extract({ kind: 'filter', input: extract(join), condition: p.condition, schema: p.schema });
  }
  const side = (input: LogicalPlan, keys: readonly BoundExpr[]) => {
    let plan = input;
    let ks = keys;
    while (ks.some(containsUdf)) {
      const layer = evalLayer(plan);
      ks = ks.map(layer.rewrite);
      plan = layer.input();
    }
    return { plan, keys: ks };
  };
  const l = side(p.left, p.leftKeys);
  const r = side(p.right, p.rightKeys);
  const lw = p.left.schema.length;
  const nlw = l.plan.schema.length;
  const semi = p.joinType === 'left_semi' || p.joinType === 'left_anti';
  const wide: JoinNode = {
    ...p, left: l.plan, right: r.plan, leftKeys: l.keys, rightKeys: r.keys,
    // The residual condition reads left ++ right: the right side's columns moved by the left's UDF columns.
    condition: p.condition ? remapRefs(p.condition, (i) => (i < lw ? i : i + nlw - lw)) : null,
    schema: joinSchema(l.plan.schema, r.plan.schema, p.joinType),
  };
  const cols = semi ? range(0, lw) : [...range(0, lw), ...range(nlw, nlw + p.right.schema.length)];
  return project(wide, cols, p.schema);
}

/**
 * Aggregate binding: turns group expressions and output expressions (which may hold aggregate
 * calls anywhere inside them) into an Aggregate node (group keys, then each distinct aggregate
 * once) and the Project over it that computes the outputs. Shared by `groupBy().agg()`,
 * `select()` with aggregates and SQL's GROUP BY.
 */
import { AnalysisError } from '../../errors.js';
import { bindExpr, castTo } from '../../expr/binder.js';
import { type BoundAgg, type BoundExpr, type Expr, containsAgg, exprName } from '../../expr/expr.js';
import { checkArity, getAggregate } from '../../expr/registry.js';
import { transformExprDown, visitExpr } from '../../expr/tree.js';
import { type Field, Schema } from '../../types.js';
import { type LogicalPlan, projectSchema } from '../logical.js';
import { expandGroupingSets, rejectGroupingCalls } from './grouping-sets.js';
import { collectWindowCalls, constantOf } from '../windows.js';

/**
 * Aggregate + Project: output columns are the group expressions (named by `exprName`) and then
 * one column per output expression. Group columns in outputs are matched by expression, other
 * columns must sit inside an aggregate (AnalysisError otherwise).
 */
export function aggregate(input: LogicalPlan, groupExprs: readonly Expr[], outExprsIn: readonly Expr[], groupingSets?: readonly (readonly number[])[]): LogicalPlan {
  const windowed = collectWindowCalls([...groupExprs, ...outExprsIn])[0];
  if (windowed) {
    throw new AnalysisError(`window function ${exprName(windowed)} cannot be used in groupBy() / agg() or next to aggregates in one select(); aggregate first, then apply the window in a select() / withColumn() on the result`);
  }
  const inSchema = input.schema;
  const plain = groupExprs.map((g) => bindExpr(g, inSchema));
  const sets = groupingSets ? expandGroupingSets(input, groupExprs, plain, outExprsIn, groupingSets) : null;
  if (!sets) rejectGroupingCalls(outExprsIn);
  const outExprs = sets ? sets.outExprs : outExprsIn;
  const groupBound = sets ? sets.groupBound : plain;
  const groupNames = sets ? sets.groupNames : groupExprs.map(exprName);
  const aggs: BoundAgg[] = [];
  const aggKeys = new Map<string, number>();
  const nKeys = groupBound.length;
  const aggFields: Field[] = [];
  const bindAgg = (e: Extract<Expr, { kind: 'agg' }>): void => {
    const key = JSON.stringify(e);
    if (aggKeys.has(key)) return;
    const def = getAggregate(e.fn);
    const display = exprName(e);
    checkArity(def, e.args.length, display);
    const args = e.args.map((a) => {
      if (a.kind === 'star') throw new AnalysisError(`'*' is only allowed in count(*), not in ${display}`);
      if (containsAgg(a)) throw new AnalysisError(`aggregate functions cannot be nested: ${display}`);
      return bindExpr(a, inSchema);
    });
    const sig = def.resolve(args.map((a) => a.type), display);
    aggKeys.set(key, aggs.length);
    const cast = args.map((a, i) => castTo(a, sig.argTypes[i] ?? a.type));
    aggs.push({ fn: def.name, args: def.bindArgs ? def.bindArgs(cast, (a, what) => constantOf(a, what, display), display) : cast, distinct: e.distinct, type: sig.type });
    aggFields.push({ name: display, type: sig.type, nullable: true });
  };
  for (const out of outExprs) {
    visitExpr(out, (e) => {
      if (e.kind !== 'agg') return true;
      bindAgg(e);
      return false;
    });
  }
  const groupFields: Field[] = groupBound.map((g, i) => {
    const src = g.kind === 'ref' && !sets ? inSchema.fields[g.index]! : undefined;
    return { name: groupNames[i]!, type: g.type, nullable: src ? src.nullable : true, ...(src?.qualifiers ? { qualifiers: src.qualifiers } : {}) };
  });
  const aggSchema = new Schema([...groupFields, ...aggFields]);
  const aggPlan: LogicalPlan = { kind: 'aggregate', input: sets ? sets.expand : input, groupBy: groupBound, aggs, schema: aggSchema };
  // Output expressions are bound over the aggregate's output: group columns by name/expression, aggregates by position.
  const groupSchemaOnly = new Schema(groupFields);
  const bindOut = (e: Expr): BoundExpr => {
    const gi = groupExprs.findIndex((g) => JSON.stringify(g) === JSON.stringify(e.kind === 'alias' ? e.expr : e));
    if (gi >= 0) return { kind: 'ref', index: gi, type: groupFields[gi]!.type, name: groupFields[gi]!.name };
    try {
      return bindExpr(e, groupSchemaOnly, {
        onAggregate: (a) => {
          const j = aggKeys.get(JSON.stringify(a))!;
          return { kind: 'ref', index: nKeys + j, type: aggs[j]!.type, name: aggFields[j]!.name };
        },
      });
    } catch (err) {
      if (err instanceof AnalysisError && resolvesIn(e, inSchema)) {
        throw new AnalysisError(`expression ${exprName(e)} is neither in groupBy(${groupNames.join(', ')}) nor inside an aggregate function; add it to groupBy or wrap it in first()/max()/...`);
      }
      throw err;
    }
  };
  const outs = [...groupExprs.map((_, i) => ({ kind: 'ref', index: i, type: groupFields[i]!.type, name: groupFields[i]!.name }) as BoundExpr), ...outExprs.map(bindOut)];
  const names = [...groupNames.slice(0, groupExprs.length), ...outExprsIn.map(exprName)];
  return { kind: 'project', input: aggPlan, exprs: outs, schema: projectSchema(aggSchema, outs, names) };
}

/** True if `e` binds against `schema` when aggregates are ignored (to tell "not grouped" from "unknown column"). */
function resolvesIn(e: Expr, schema: Schema): boolean {
  try {
    bindExpr(e, schema, { onAggregate: () => ({ kind: 'lit', value: null, type: 'null' }) });
    return true;
  } catch {
    return false;
  }
}

/**
 * Rewrites an output expression of an aggregate grouped by `groups` (expressions over its input)
 * for `aggregate()`: each sub-expression equal to a group expression becomes a positional
 * reference to that group column, aggregates stay as they are. `onUngrouped` is called with a
 * positional input reference left outside any aggregate (a column that is not grouped).
 */
export function liftGroupExprs(e: Expr, groups: readonly Expr[], onUngrouped: (col: Expr) => never): Expr {
  const keys = groups.map((g) => JSON.stringify(g));
  return transformExprDown(e, (x) => {
    const j = keys.indexOf(JSON.stringify(x));
    if (j >= 0) return { kind: 'col', name: `${exprName(groups[j]!)}\u0000`, qualifier: `@${j}` };
    if (x.kind === 'agg') return x;
    if (x.kind === 'col' && x.qualifier?.startsWith('@')) onUngrouped(x);
    return undefined;
  });
}

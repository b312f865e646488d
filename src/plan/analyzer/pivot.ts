/**
 * PIVOT and UNPIVOT (SQL `FROM t PIVOT (...)` / `UNPIVOT (...)`, `groupBy().pivot()`,
 * `df.unpivot()` / `melt()`), planned with Spark's semantics through ordinary plan nodes.
 *
 * PIVOT turns each (pivot value, aggregate) pair into one output column. Like Spark's
 * ResolvePivot it has two lowerings:
 *  - two-phase (Spark's PivotFirst), used when every aggregate's result type is numeric, boolean
 *    or decimal: a first hash aggregate groups by the group keys *and* the pivot columns (one
 *    aggregate evaluation per input row, whatever the number of pivot values), and a second groups
 *    the (much smaller) result by the group keys, picking each pivot value's row with
 *    `first(if(pivot <=> value, agg, null), true)`. A combination with no input rows is null
 *    there, so `count` gives null for it, as Spark's does (its two-phase plan has the same result);
 *  - conditional, for other result types (strings, arrays, ...): one aggregate per pair over the
 *    input with its arguments wrapped as `if(pivot <=> value, arg, null)` (first/last skip nulls),
 *    so aggregates that ignore nulls see only the pivot value's rows.
 * Both compare with `<=>`, so a null pivot value collects the rows whose pivot column is null.
 * Pivot values are constants cast to the pivot column's type; columns are named as Spark names
 * them: the value (or its alias) for one aggregate, `value_agg` (the aggregate's alias or SQL
 * text) for several, `{v1, v2}` for an unaliased tuple of several pivot columns.
 *
 * UNPIVOT is an Expand node (src/exec/expand.ts): each input batch is emitted once per value
 * column set, as [ids..., 'name', values cast to their common type...], columnar (no per-row
 * work beyond the casts), then, with EXCLUDE NULLS (SQL's default), a filter that drops rows whose
 * values are all null.
 */
import { AnalysisError } from '../../errors.js';
import { bindExpr, castTo } from '../../expr/binder.js';
import { type BoundExpr, type Expr, type LiteralValue, containsAgg, exprName } from '../../expr/expr.js';
import { evaluateConstant } from '../../expr/codegen.js';
import { transformExprDown, visitExpr } from '../../expr/tree.js';
import { type DataType, type Field, Schema, commonType, isDecimal, isNumeric, sparkSimpleName } from '../../types.js';
import type { LogicalPlan } from '../logical.js';
import { aggregate } from './aggregate.js';
import { alias, andAll, call, lit } from './expr-build.js';
import { positional } from './positional.js';

/** One pivot value: a constant per pivot column, and an optional output name. */
export interface PivotValueSpec {
  readonly exprs: readonly Expr[];
  readonly alias?: string | null;
}

/** A pivot value resolved against the pivot columns: literals of their types and the output name. */
export interface ResolvedPivotValue {
  readonly literals: readonly Expr[];
  readonly name: string;
}

/** Spark's `spark.sql.pivotMaxValues` key and default (for `pivot(col)` without values). */
export const PIVOT_MAX_VALUES_KEY = 'spark.sql.pivotMaxValues';
export const PIVOT_MAX_VALUES_DEFAULT = 10000;

function unalias(e: Expr): Expr {
  return e.kind === 'alias' ? e.expr : e;
}

/** A constant's text as Spark's cast to string gives it (`null` for null). */
function valueText(b: BoundExpr): string {
  const s = evaluateConstant(castTo(b, 'utf8'));
  return s === null || s === undefined ? 'null' : String(s);
}

/**
 * Resolves one pivot value: each expression must be a constant that casts to its pivot column's
 * type (Spark's NON_LITERAL_PIVOT_VALUES / PIVOT_VALUE_DATA_TYPE_MISMATCH errors otherwise).
 */
export function resolvePivotValue(input: Schema, columnTypes: readonly DataType[], v: PivotValueSpec): ResolvedPivotValue {
  if (v.exprs.length !== columnTypes.length) {
    throw new AnalysisError(`pivot value (${v.exprs.map(exprName).join(', ')}) has ${v.exprs.length} value${v.exprs.length === 1 ? '' : 's'} but there ${columnTypes.length === 1 ? 'is 1 pivot column' : `are ${columnTypes.length} pivot columns`}; give one value per pivot column, e.g. (1, 'a')`);
  }
  const texts: string[] = [];
  const literals = v.exprs.map((e, j) => {
    const shown = exprName(unalias(e));
    if (containsAgg(e)) throw new AnalysisError(`Literal expressions required for pivot values, found '${shown}'`);
    let b: BoundExpr;
    try {
      b = bindExpr(unalias(e), new Schema([]));
    } catch {
      throw new AnalysisError(`Literal expressions required for pivot values, found '${shown}'`);
    }
    const to = columnTypes[j]!;
    let value: LiteralValue;
    try {
      value = evaluateConstant(castTo(b, to)) as LiteralValue;
    } catch {
      throw new AnalysisError(`Invalid pivot value '${shown}': value data type ${sparkSimpleName(b.type)} does not match pivot column data type ${sparkSimpleName(to)}`);
    }
    if (value === null && b.type !== 'null' && evaluateConstant(b) !== null) {
      throw new AnalysisError(`Invalid pivot value '${shown}': value data type ${sparkSimpleName(b.type)} does not match pivot column data type ${sparkSimpleName(to)}`);
    }
    texts.push(e.kind === 'alias' ? e.name : valueText(b));
    return lit(value ?? null, to);
  });
  const name = v.alias ?? (texts.length === 1 ? texts[0]! : `{${texts.join(', ')}}`);
  return { literals, name };
}

/** Input column indexes an expression reads (positional or by name). */
function referencedColumns(schema: Schema, exprs: readonly Expr[]): Set<number> {
  const out = new Set<number>();
  for (const e of exprs) {
    visitExpr(e, (x) => {
      if (x.kind !== 'col') return true;
      try {
        const b = bindExpr(x, schema);
        if (b.kind === 'ref') out.add(b.index);
      } catch {
        // unknown names fail later with the binder's own message
      }
      return false;
    });
  }
  return out;
}

/** True for the types Spark's PivotFirst handles (so the two-phase lowering applies). */
function pivotFirstType(t: DataType): boolean {
  return isNumeric(t) || isDecimal(t) || t === 'boolean';
}

/**
 * PIVOT: groups by `groupExprs` (null: every input column that neither the pivot columns nor the
 * aggregates read, as SQL's PIVOT does), and computes each aggregate once per pivot value. Output:
 * the group columns, then per value (in order) one column per aggregate.
 */
export function pivot(
  input: LogicalPlan, groupExprs: readonly Expr[] | null, columns: readonly Expr[], values: readonly PivotValueSpec[], aggExprs: readonly Expr[],
): LogicalPlan {
  const schema = input.schema;
  if (columns.length === 0) throw new AnalysisError('PIVOT needs at least one pivot column');
  if (aggExprs.length === 0) throw new AnalysisError('PIVOT needs at least one aggregate expression, e.g. sum(x)');
  if (values.length === 0) throw new AnalysisError('PIVOT needs at least one pivot value');
  for (const a of aggExprs) {
    if (!containsAgg(a)) throw new AnalysisError(`Aggregate expression required for pivot, but '${exprName(unalias(a))}' did not appear in any aggregate function`);
  }
  const colBound = columns.map((c) => {
    if (containsAgg(c)) throw new AnalysisError(`the pivot column ${exprName(c)} cannot be an aggregate`);
    return bindExpr(c, schema);
  });
  const resolved = values.map((v) => resolvePivotValue(schema, colBound.map((b) => b.type), v));
  const groups = groupExprs ?? implicitGroups(schema, [...columns, ...aggExprs]);
  const single = aggExprs.length === 1;
  const outName = (v: ResolvedPivotValue, a: Expr): string => (single ? v.name : `${v.name}_${a.kind === 'alias' ? a.name : exprName(a)}`);
  const nG = groups.length;
  const nP = columns.length;
  // Phase one of the two-phase plan: aggregates per (group keys, pivot columns).
  const pivotKeys = columns.map((c, j) => alias(c, `__pivot_col${j}`));
  const first = aggregate(input, [...groups, ...pivotKeys], aggExprs.map((a, k) => alias(unalias(a), `__pivot_agg${k}`)));
  const aggTypes = first.schema.fields.slice(nG + nP).map((f) => f.type);
  const cond = (v: ResolvedPivotValue, keyAt: (j: number) => Expr): Expr => andAll(v.literals.map((l, j) => call('eq_null_safe', keyAt(j), l)))!;
  if (aggTypes.every(pivotFirstType)) {
    const names = first.schema.names;
    const outs: Expr[] = [];
    for (const v of resolved) {
      const c = cond(v, (j) => positional(nG + j, names[nG + j]));
      aggExprs.forEach((a, k) => {
        const picked = call('if', c, positional(nG + nP + k, names[nG + nP + k]), lit(null, 'null'));
        outs.push(alias({ kind: 'agg', fn: 'first', args: [picked, lit(true, 'boolean')], distinct: false }, outName(v, a)));
      });
    }
    return aggregate(first, groups.map((_, i) => positional(i, names[i])), outs);
  }
  const outs: Expr[] = [];
  for (const v of resolved) {
    const c = cond(v, (j) => columns[j]!);
    for (const a of aggExprs) outs.push(alias(conditional(unalias(a), c), outName(v, a)));
  }
  return aggregate(input, groups, outs);
}

/** Every input column not read by `used`, as positional references (SQL PIVOT's implicit GROUP BY). */
function implicitGroups(schema: Schema, used: readonly Expr[]): Expr[] {
  const read = referencedColumns(schema, used);
  return schema.fields.flatMap((f, i) => (read.has(i) ? [] : [alias(positional(i, f.name), f.name)]));
}

/** `a` with each aggregate's column arguments as `if(cond, arg, null)` (first/last then skip nulls). */
function conditional(a: Expr, cond: Expr): Expr {
  const wrap = (x: Expr): Expr => call('if', cond, x, lit(null, 'null'));
  const readsColumns = (x: Expr): boolean => {
    let found = false;
    visitExpr(x, (y) => {
      if (y.kind === 'col') found = true;
      return !found;
    });
    return found;
  };
  return transformExprDown(a, (x) => {
    if (x.kind !== 'agg') return undefined;
    if (x.args.length === 0 || (x.args.length === 1 && x.args[0]!.kind === 'star')) return { ...x, args: [wrap(lit(1, 'int32'))] };
    if (x.fn === 'first' || x.fn === 'last') return { ...x, args: [wrap(x.args[0]!), lit(true, 'boolean')] };
    return { ...x, args: x.args.map((y) => (readsColumns(y) ? wrap(y) : y)) };
  });
}

/** One set of value columns of an UNPIVOT and the name it gets in the variable column (null: from the columns). */
export interface UnpivotSet {
  readonly columns: readonly Expr[];
  readonly name?: string | null;
}

/**
 * UNPIVOT / `df.unpivot` / `melt`: one output row per input row and value set, with the `ids`
 * columns (null: every input column not among the values), the variable column holding the set's
 * name, and the value columns (each the common type of its position across the sets).
 * `includeNulls` false drops rows whose values are all null (SQL's default EXCLUDE NULLS).
 */
export function unpivot(
  input: LogicalPlan, ids: readonly Expr[] | null, sets: readonly UnpivotSet[] | null, variableColumnName: string, valueColumnNames: readonly string[], includeNulls: boolean,
): LogicalPlan {
  const schema = input.schema;
  const idBound = ids?.map((e) => bindExpr(e, schema));
  let valueSets = sets;
  if (!valueSets) {
    // df.unpivot(ids, null, ...): every column that is not an id.
    const taken = new Set(idBound?.flatMap((b) => (b.kind === 'ref' ? [b.index] : [])));
    valueSets = schema.fields.flatMap((f, i) => (taken.has(i) ? [] : [{ columns: [positional(i, f.name)] }]));
  }
  if (valueSets.length === 0) throw new AnalysisError('At least one value column needs to be specified for UNPIVOT, all columns specified as ids');
  const width = valueColumnNames.length;
  const bound = valueSets.map((s) => {
    if (s.columns.length !== width) {
      throw new AnalysisError(`All unpivot value columns must have the same size as there are value column names (${width}): (${s.columns.map(exprName).join(', ')}) has ${s.columns.length}`);
    }
    return s.columns.map((c) => {
      if (containsAgg(c)) throw new AnalysisError(`UNPIVOT value column ${exprName(c)} cannot be an aggregate`);
      return bindExpr(c, schema);
    });
  });
  const idsOut = idBound ?? (() => {
    const read = new Set(bound.flatMap((bs) => bs.flatMap((b) => (b.kind === 'ref' ? [b.index] : []))));
    return schema.fields.flatMap((f, i): BoundExpr[] => (read.has(i) ? [] : [{ kind: 'ref', index: i, type: f.type, name: f.name }]));
  })();
  const types = valueColumnNames.map((_, j) => {
    let t: DataType | undefined = 'null';
    for (const bs of bound) t = t === undefined ? undefined : commonType(t, bs[j]!.type);
    if (t === undefined) {
      const listed = bound.map((bs, k) => `${exprName(valueSets[k]!.columns[j]!)} ${sparkSimpleName(bs[j]!.type)}`);
      throw new AnalysisError(`Unpivot value columns must share a least common type, some types do not: [${listed.join(', ')}]`);
    }
    return t;
  });
  const setNames = valueSets.map((s) => s.name ?? s.columns.map((c) => (c.kind === 'alias' ? c.name : exprName(c))).join('_'));
  const idFields: Field[] = idsOut.map((b, i) => {
    const src = b.kind === 'ref' ? schema.fields[b.index]! : undefined;
    const name = ids ? exprName(ids[i]!) : src!.name;
    return { name, type: b.type, nullable: src ? src.nullable : true, ...(src?.qualifiers && src.name === name ? { qualifiers: src.qualifiers } : {}) };
  });
  const fields: Field[] = [
    ...idFields,
    { name: variableColumnName, type: 'utf8', nullable: false },
    ...valueColumnNames.map((name, j): Field => ({ name, type: types[j]!, nullable: true })),
  ];
  const projections = bound.map((bs, k): BoundExpr[] => [
    ...idsOut,
    { kind: 'lit', value: setNames[k]!, type: 'utf8' },
    ...bs.map((b, j) => castTo(b, types[j]!)),
  ]);
  const expand: LogicalPlan = { kind: 'expand', input, projections, schema: new Schema(fields) };
  if (includeNulls) return expand;
  const nId = idFields.length;
  const vals = valueColumnNames.map((n, j) => positional(nId + 1 + j, n));
  const test = call('isnotnull', vals.length === 1 ? vals[0]! : call('coalesce', ...vals));
  return { kind: 'filter', input: expand, condition: bindExpr(test, expand.schema), schema: expand.schema };
}

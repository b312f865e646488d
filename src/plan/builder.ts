/**
 * The plan builder: functions that take a resolved LogicalPlan and unresolved `Expr`s and return
 * a new LogicalPlan (names resolved and checked, star expanded, windows and aggregates planned).
 * The DataFrame API and the SQL planner both build plans only through these, so the same
 * operation gives the same plan and the same errors from either.
 */
import { AnalysisError, IllegalArgumentError } from '../errors.js';
import { bindExpr, castTo, resolveColumn } from '../expr/binder.js';
import { type BoundSortKey, type Expr, containsAgg, exprName } from '../expr/expr.js';
import { containsWindow } from '../expr/window-functions.js';
import { type LogicalPlan, projectSchema, qualify, withSchema } from './logical.js';
import { aggregate } from './analyzer/aggregate.js';
import { crossJoin, join, union, unionByName as unionByNameWith } from './analyzer/join.js';
import { positional } from './analyzer/positional.js';
import { pivot, unpivot } from './analyzer/pivot.js';
import { generate, generatorSelect, hasGenerator, isGeneratorCall } from './analyzer/generate.js';
import { planWindows } from './windows.js';
import { type DataType, type Schema, isNumeric } from '../types.js';

export { aggregate, crossJoin, generate, join, pivot, positional, union, unpivot };
export { JOIN_KINDS } from './analyzer/join.js';

// ------------------------------------------------------------------ projections

/** Expands `*` / `t.*` into positional references to the matching columns, with their names. */
export function expandStars(schema: Schema, exprs: readonly Expr[]): { expr: Expr; name: string }[] {
  const out: { expr: Expr; name: string }[] = [];
  const fields = schema.fields;
  for (const e of exprs) {
    if (e.kind === 'star') {
      const q = e.qualifier?.toLowerCase();
      const matching = fields.filter((f) => q === undefined || (f.qualifiers ?? []).some((x) => x.toLowerCase() === q));
      if (q !== undefined && matching.length === 0) throw new AnalysisError(`cannot resolve '${e.qualifier}.*': no input is named '${e.qualifier}'`);
      for (const f of matching) out.push({ expr: positional(fields.indexOf(f)), name: f.name });
    } else {
      out.push({ expr: e, name: exprName(e) });
    }
  }
  return out;
}

/** A projection (stars expanded), or a whole-input aggregate when any expression holds an aggregate. */
export function select(input: LogicalPlan, exprs: readonly Expr[]): LogicalPlan {
  if (exprs.some(containsAgg)) return aggregate(input, [], exprs);
  const expanded = expandStars(input.schema, exprs);
  return project(input, expanded.map((e) => e.expr), expanded.map((e) => e.name));
}

/** A Project of `exprs` named `names`; window calls first become Window nodes under it. */
export function project(input: LogicalPlan, exprs: readonly Expr[], names: readonly string[]): LogicalPlan {
  // A generator item (explode(a)): a Generate node below, the projection over its output.
  const gen = hasGenerator(exprs) ? generatorSelect(input, exprs, names) : null;
  if (gen) return project(gen.plan, gen.exprs, gen.names);
  if (exprs.some(containsWindow)) {
    // Window calls: Window nodes (one per PARTITION BY / ORDER BY) over the input, then the projection over their output.
    const w = planWindows(input, exprs);
    const bound = exprs.map((e) => bindExpr(e, w.plan.schema, { onWindow: w.onWindow }));
    return { kind: 'project', input: w.plan, exprs: bound, schema: projectSchema(w.plan.schema, bound, names) };
  }
  const bound = exprs.map((e) => bindExpr(e, input.schema));
  return { kind: 'project', input, exprs: bound, schema: projectSchema(input.schema, bound, names) };
}

/** Adds or replaces (by case-insensitive name) columns; aggregates are not allowed. */
export function withColumns(input: LogicalPlan, cols: readonly (readonly [string, Expr])[]): LogicalPlan {
  const fields = input.schema.fields;
  const exprs: Expr[] = fields.map((_, i) => positional(i));
  const names = fields.map((f) => f.name);
  for (let [name, e] of cols) {
    if (containsAgg(e)) throw new AnalysisError(`withColumn('${name}', ...) cannot hold an aggregate (${exprName(e)}); use groupBy().agg() or a window`);
    const i = names.findIndex((n) => n.toLowerCase() === name.toLowerCase());
    // withColumn('x', F.explode(a)): the generated column is named x.
    if (isGeneratorCall(e)) e = { kind: 'alias', expr: e, name };
    if (i >= 0) {
      exprs[i] = e;
      names[i] = name;
    } else {
      exprs.push(e);
      names.push(name);
    }
  }
  return project(input, exprs, names);
}

/** Renames columns by case-insensitive name (names not present are ignored, as in Spark). */
export function renameColumns(input: LogicalPlan, mapping: Readonly<Record<string, string>>): LogicalPlan {
  const lower = new Map(Object.entries(mapping).map(([k, v]) => [k.toLowerCase(), v]));
  return toDF(input, input.schema.fields.map((f) => lower.get(f.name.toLowerCase()) ?? f.name), false);
}

/** Drops columns given by name (all of that name; absent names are ignored) or by expression (a column reference). */
export function dropColumns(input: LogicalPlan, cols: readonly (string | Expr)[]): LogicalPlan {
  const fields = input.schema.fields;
  const dropIdx = new Set<number>();
  for (const c of cols) {
    if (typeof c === 'string') {
      fields.forEach((f, i) => { if (f.name.toLowerCase() === c.toLowerCase()) dropIdx.add(i); });
    } else {
      const b = bindExpr(c, input.schema);
      if (b.kind === 'ref') dropIdx.add(b.index);
    }
  }
  const keep = fields.map((_, i) => i).filter((i) => !dropIdx.has(i));
  return project(input, keep.map((i) => positional(i)), keep.map((i) => fields[i]!.name));
}

/** Renames all columns positionally (`check`: the count must match, IllegalArgumentError otherwise). */
export function toDF(input: LogicalPlan, names: readonly string[], check = true): LogicalPlan {
  const fields = input.schema.fields;
  if (check && names.length !== fields.length) throw new IllegalArgumentError(`toDF() got ${names.length} names for ${fields.length} columns`);
  return project(input, fields.map((_, i) => positional(i)), names);
}

/** The same plan with every column also qualified by `alias` (`df.alias('t')`, `t.x`). */
export function alias(input: LogicalPlan, name: string): LogicalPlan {
  return withSchema(input, qualify(input.schema, name));
}

// ------------------------------------------------------------------ filters, ordering, limits

/** Keeps rows where `condition` (boolean, no aggregates) is true. */
export function filter(input: LogicalPlan, condition: Expr): LogicalPlan {
  if (containsAgg(condition)) throw new AnalysisError(`aggregate functions are not allowed in filter(): ${exprName(condition)}; filter after groupBy().agg() instead`);
  const b = bindExpr(condition, input.schema);
  if (b.type !== 'boolean' && b.type !== 'null') {
    throw new AnalysisError(`filter condition ${exprName(condition)} must be boolean but is ${b.type}`);
  }
  return { kind: 'filter', input, condition: castTo(b, 'boolean'), schema: input.schema };
}

/**
 * Sorts by `keys`: a `sort` expression (`col.desc()`) carries its direction; any other key is
 * ascending with nulls first unless `ascending` (one flag, or one per key) says otherwise.
 */
export function orderBy(input: LogicalPlan, keys: readonly Expr[], ascending?: boolean | readonly boolean[]): LogicalPlan {
  if (keys.length === 0) throw new IllegalArgumentError('orderBy() needs at least one column');
  const bound: BoundSortKey[] = keys.map((k, i) => {
    let e = k;
    let asc = true;
    let nullsFirst = true;
    if (e.kind === 'sort') {
      asc = e.ascending;
      nullsFirst = e.nullsFirst;
      e = e.expr;
    } else if (ascending !== undefined) {
      asc = typeof ascending === 'boolean' ? ascending : ascending[i] ?? true;
      nullsFirst = asc;
    }
    return { expr: bindExpr(e, input.schema), ascending: asc, nullsFirst };
  });
  return { kind: 'sort', input, keys: bound, schema: input.schema };
}

/** The first `n` rows (a limit directly over a limit without offset folds into it). */
export function limit(input: LogicalPlan, n: number): LogicalPlan {
  if (!Number.isInteger(n) || n < 0) throw new IllegalArgumentError(`limit(${n}): the limit must be a non-negative integer`);
  if (input.kind === 'limit' && input.offset === 0) return { ...input, limit: Math.min(n, input.limit) };
  return { kind: 'limit', input, limit: n, offset: 0, schema: input.schema };
}

/** Skips the first `n` rows. */
export function offset(input: LogicalPlan, n: number): LogicalPlan {
  if (!Number.isInteger(n) || n < 0) throw new IllegalArgumentError(`offset(${n}): the offset must be a non-negative integer`);
  return { kind: 'limit', input, limit: Number.MAX_SAFE_INTEGER, offset: n, schema: input.schema };
}

/** Distinct rows (an aggregate grouped by every column, names kept). */
export function distinct(input: LogicalPlan): LogicalPlan {
  const fields = input.schema.fields;
  return toDF(aggregate(input, fields.map((_, i) => positional(i)), []), fields.map((f) => f.name), false);
}

/**
 * INTERSECT ALL / EXCEPT ALL (bag semantics, nulls equal): both sides tagged and unioned; per
 * distinct row, the left copies are numbered (row_number over the row's columns, left first) and
 * the right copies counted, and left copy k is kept when k <= the right count (INTERSECT ALL:
 * min(left, right) copies) or k > it (EXCEPT ALL: left - right copies).
 */
export function intersectExceptAll(left: LogicalPlan, right: LogicalPlan, op: 'intersect' | 'except'): LogicalPlan {
  const names = left.schema.names;
  const n = names.length;
  const cols = names.map((c, i) => positional(i, c));
  const tag = (df: LogicalPlan, side: number) => project(df, [...df.schema.names.map((c, i) => positional(i, c)), { kind: 'lit', value: side, type: 'int32' }], [...names, '__side']);
  const all = union(tag(left, 0), tag(right, 1));
  const side = positional(n, '__side');
  const rowNumber: Expr = { kind: 'window', fn: 'row_number', args: [], distinct: false, spec: { partitionBy: cols, orderBy: [{ kind: 'sort', expr: side, ascending: true, nullsFirst: true }], frame: null } };
  const rightCount: Expr = { kind: 'window', fn: 'sum', args: [side], distinct: false, spec: { partitionBy: cols, orderBy: [], frame: null } };
  const numbered = project(all, [...cols, side, rowNumber, rightCount], [...names, '__side', '__rn', '__rc']);
  const keep: Expr = { kind: 'call', fn: op === 'intersect' ? 'lte' : 'gt', args: [positional(n + 1, '__rn'), positional(n + 2, '__rc')] };
  const cond: Expr = { kind: 'call', fn: 'and', args: [{ kind: 'call', fn: 'eq', args: [side, { kind: 'lit', value: 0, type: 'int32' }] }, keep] };
  return project(filter(numbered, cond), cols, names);
}

/** The first row for each distinct value of the columns `subset` (all columns when empty), in the input's column order. */
export function dropDuplicates(input: LogicalPlan, subset: readonly string[]): LogicalPlan {
  if (subset.length === 0) return distinct(input);
  const fields = input.schema.fields;
  const keyIdx = subset.map((name) => resolveColumn(input.schema, name));
  const others = fields.map((_, i) => i).filter((i) => !keyIdx.includes(i));
  const outs: Expr[] = others.map((i) => ({ kind: 'agg', fn: 'first', args: [positional(i)], distinct: false }));
  const grouped = aggregate(input, keyIdx.map((i) => positional(i)), outs);
  // Restore the original column order and names.
  const order = fields.map((_, i) => (keyIdx.includes(i) ? keyIdx.indexOf(i) : keyIdx.length + others.indexOf(i)));
  return project(grouped, order.map((i) => positional(i)), fields.map((f) => f.name));
}

/** Union matching columns by name (see analyzer/join.ts). */
export function unionByName(first: LogicalPlan, second: LogicalPlan, allowMissingColumns = false): LogicalPlan {
  return unionByNameWith(first, second, allowMissingColumns, project);
}

// ------------------------------------------------------------------ partitioning and sampling

/** `n` partitions: round-robin, or by hash of `keys`. */
export function repartition(input: LogicalPlan, n: number, keys: readonly Expr[]): LogicalPlan {
  if (!Number.isInteger(n) || n < 1) throw new IllegalArgumentError(`repartition(${n}): the number of partitions must be a positive integer`);
  const bound = keys.map((k) => bindExpr(k, input.schema));
  return { kind: 'repartition', input, mode: bound.length ? 'hash' : 'roundrobin', partitions: n, keys: bound, schema: input.schema };
}

/** At most `n` partitions by merging neighbours (no shuffle). */
export function coalesce(input: LogicalPlan, n: number): LogicalPlan {
  if (!Number.isInteger(n) || n < 1) throw new IllegalArgumentError(`coalesce(${n}): the number of partitions must be a positive integer`);
  return { kind: 'repartition', input, mode: 'coalesce', partitions: n, keys: [], schema: input.schema };
}

/** A random sample (`fraction` in [0, 1] without replacement, ≥ 0 with). */
export function sample(input: LogicalPlan, fraction: number, withReplacement: boolean, seed: number): LogicalPlan {
  if (!(fraction >= 0) || (!withReplacement && fraction > 1)) {
    throw new IllegalArgumentError(`sample() fraction must be in [0, 1] without replacement (or ≥ 0 with replacement), got ${fraction}`);
  }
  return { kind: 'sample', input, fraction, withReplacement, seed, schema: input.schema };
}

// ------------------------------------------------------------------ nulls

/** Replaces nulls (and NaN in double columns) of column `i` by `fills.get(i)` (cast to the column's type). */
export function fillNulls(input: LogicalPlan, fills: ReadonlyMap<number, Expr>): LogicalPlan {
  const fields = input.schema.fields;
  const exprs: Expr[] = fields.map((f, i) => {
    const ref = positional(i);
    const fill = fills.get(i);
    if (fill === undefined) return ref;
    const isMissing: Expr = f.type === 'float64'
      ? { kind: 'call', fn: 'or', args: [{ kind: 'call', fn: 'isnull', args: [ref] }, { kind: 'call', fn: 'isnan', args: [ref] }] }
      : { kind: 'call', fn: 'isnull', args: [ref] };
    return { kind: 'case', branches: [[isMissing, { kind: 'cast', expr: fill, to: f.type }]], otherwise: ref };
  });
  return project(input, exprs, fields.map((f) => f.name));
}

/** Keeps rows with at least `need` non-null (and non-NaN) values among the columns `idx`. */
export function dropNulls(input: LogicalPlan, idx: readonly number[], need: number): LogicalPlan {
  const fields = input.schema.fields;
  const present: Expr[] = idx.map((i) => {
    const ref = positional(i);
    const notNull: Expr = { kind: 'call', fn: 'isnotnull', args: [ref] };
    const ok: Expr = fields[i]!.type === 'float64' ? { kind: 'call', fn: 'and', args: [notNull, { kind: 'call', fn: 'not', args: [{ kind: 'call', fn: 'isnan', args: [ref] }] }] } : notNull;
    return { kind: 'case', branches: [[ok, { kind: 'lit', value: 1, type: 'int32' }]], otherwise: { kind: 'lit', value: 0, type: 'int32' } };
  });
  if (present.length === 0) return input;
  const total = present.reduce((a, b) => ({ kind: 'call', fn: 'add', args: [a, b] }));
  return filter(input, { kind: 'call', fn: 'gte', args: [total, { kind: 'lit', value: need, type: 'int32' }] });
}

/** Columns a value of this kind can fill in `fillna` (numbers numeric columns, strings strings, booleans booleans). */
export function fillableColumns(schema: Schema, valueType: DataType): number[] {
  return schema.fields.flatMap((f, i) => {
    const fits = (isNumeric(valueType) && isNumeric(f.type)) || (valueType === 'utf8' && f.type === 'utf8') || (valueType === 'boolean' && f.type === 'boolean');
    return fits ? [i] : [];
  });
}

/**
 * The lazy DataFrame (PySpark's DataFrame): transformations resolve names eagerly and build a
 * logical plan; actions (collect, toArrow, count, show, write) optimise and run it. Also
 * GroupedData (groupBy(...).agg) and DataFrameNaFunctions (df.na.fill / drop).
 */
import type * as arrow from 'apache-arrow';
import { Column, type ColumnOrName, type ColumnOrValue, type LiteralInput, literal, nameOrColumn, toExpr } from './column.js';
import { Batch, concatBatches } from './data/batch.js';
import { batchesToTable } from './data/arrow.js';
import { AnalysisError, IllegalArgumentError } from './errors.js';
import { bindExpr, castTo, resolveColumn, widenValueType } from './expr/binder.js';
import { type BoundAgg, type BoundExpr, type BoundSortKey, type Expr, containsAgg, exprName } from './expr/expr.js';
import { checkArity, getAggregate } from './expr/registry.js';
import { containsWindow } from './expr/window-functions.js';
import { formatDouble, formatDate, formatTimestamp } from './expr/runtime.js';
import { runJob, prepare } from './exec/scheduler.js';
import { type JoinType, type LogicalPlan, joinSchema, logicalToString, projectSchema, qualify } from './plan/logical.js';
import { extractJoinKeys } from './plan/optimizer/index.js';
import { physicalToString } from './plan/physical.js';
import { collectWindowCalls, planWindows } from './plan/windows.js';
import { type DataType, type Field, type Row, Schema, elementType, isList, isNumeric, sparkSimpleName } from './types.js';
import type { Session } from './session.js';
import { DataFrameWriter } from './writer.js';
import { filterByExpr, selectExprs } from './sql/planner.js';

let nextId = 1;

/** Join kinds accepted by `join(..., how)`, with PySpark's synonyms. */
export type JoinHow =
  | 'inner' | 'cross' | 'outer' | 'full' | 'fullouter' | 'full_outer' | 'left' | 'leftouter' | 'left_outer'
  | 'right' | 'rightouter' | 'right_outer' | 'semi' | 'leftsemi' | 'left_semi' | 'anti' | 'leftanti' | 'left_anti';

const JOIN_KINDS: Record<string, JoinType> = {
  inner: 'inner', cross: 'cross', outer: 'full', full: 'full', fullouter: 'full', full_outer: 'full',
  left: 'left', leftouter: 'left', left_outer: 'left', right: 'right', rightouter: 'right', right_outer: 'right',
  semi: 'left_semi', leftsemi: 'left_semi', left_semi: 'left_semi', anti: 'left_anti', leftanti: 'left_anti', left_anti: 'left_anti',
};

/** Options of actions. */
export interface ActionOptions {
  /** Cancels the running job when aborted (the action rejects; workers stop their tasks). */
  signal?: AbortSignal;
}

/** Options of `show()`. */
export interface ShowOptions {
  /** Rows to show (default 20). */
  n?: number;
  /** Truncate cells longer than 20 characters (true) or this many characters (a number); false shows them whole. */
  truncate?: boolean | number;
  /** One block per row instead of a table. */
  vertical?: boolean;
}

/** A distributed collection of rows with a schema, evaluated lazily. */
export class DataFrame {
  /** @internal Unique id used to qualify this DataFrame's columns (`df.col('x')`). */
  readonly id: string;
  /** @internal The resolved logical plan. */
  readonly plan: LogicalPlan;

  /** @internal Use Session methods or transformations to create DataFrames. */
  constructor(readonly session: Session, plan: LogicalPlan) {
    this.id = `#${nextId++}`;
    this.plan = { ...plan, schema: qualify(plan.schema, this.id) } as LogicalPlan;
  }

  private derive(plan: LogicalPlan): DataFrame {
    return new DataFrame(this.session, plan);
  }

  // ------------------------------------------------------------------ schema

  /** The schema (names, types, nullability). */
  get schema(): Schema {
    return new Schema(this.plan.schema.fields.map(({ name, type, nullable }) => ({ name, type, nullable })));
  }
  /** Column names. */
  get columns(): string[] {
    return this.plan.schema.names;
  }
  /** `[name, type]` pairs, e.g. `['age', 'int']`. */
  get dtypes(): [string, string][] {
    return this.plan.schema.dtypes();
  }
  /** Prints the schema as a tree (and returns it). */
  printSchema(): string {
    const s = this.plan.schema.treeString();
    process.stdout.write(s);
    return s;
  }

  /** This DataFrame's column `name`, usable unambiguously after joins (`df1.col('id').eq(df2.col('id'))`). */
  col(name: string): Column {
    resolveColumn(this.plan.schema, name); // fail early with suggestions
    return new Column({ kind: 'col', name, qualifier: this.id });
  }

  /** A copy of this DataFrame whose columns can be qualified as `alias.column`. */
  alias(alias: string): DataFrame {
    return new DataFrame(this.session, { ...this.plan, schema: qualify(this.plan.schema, alias) } as LogicalPlan);
  }

  // ------------------------------------------------------------------ projections

  private bind(e: Expr): BoundExpr {
    return bindExpr(e, this.plan.schema);
  }

  /** Expands `*` and names, binds, and builds a projection (or a whole-frame aggregate if any aggregate appears). */
  select(...cols: (ColumnOrName | ColumnOrName[])[]): DataFrame {
    const exprs = cols.flat().map(nameOrColumn);
    if (exprs.some(containsAgg)) return this.aggregate([], exprs);
    const expanded = this.expandStars(exprs);
    return this.project(expanded.map((e) => e.expr), expanded.map((e) => e.name));
  }

  private expandStars(exprs: readonly Expr[]): { expr: Expr; name: string }[] {
    const out: { expr: Expr; name: string }[] = [];
    const fields = this.plan.schema.fields;
    for (const e of exprs) {
      if (e.kind === 'star') {
        const q = e.qualifier?.toLowerCase();
        const matching = fields.filter((f) => q === undefined || (f.qualifiers ?? []).some((x) => x.toLowerCase() === q));
        if (q !== undefined && matching.length === 0) throw new AnalysisError(`cannot resolve '${e.qualifier}.*': no input is named '${e.qualifier}'`);
        for (const f of matching) {
          const idx = fields.indexOf(f);
          out.push({ expr: { kind: 'col', name: f.name, qualifier: fieldKey(idx) }, name: f.name });
        }
      } else {
        out.push({ expr: e, name: exprName(e) });
      }
    }
    return out;
  }

  /** @internal Builds a Project node from expressions and output names. */
  project(exprs: readonly Expr[], names: readonly string[]): DataFrame {
    if (exprs.some(containsWindow)) {
      // Window calls: Window nodes (one per PARTITION BY / ORDER BY) over the input, then the projection over their output.
      const w = planWindows(this.plan, exprs);
      const bound = exprs.map((e) => bindExpr(e, w.plan.schema, { onWindow: w.onWindow }));
      return this.derive({ kind: 'project', input: w.plan, exprs: bound, schema: projectSchema(w.plan.schema, bound, names) });
    }
    const schema = this.plan.schema;
    const bound = exprs.map((e) => this.bindPositional(e));
    return this.derive({ kind: 'project', input: this.plan, exprs: bound, schema: projectSchema(schema, bound, names) });
  }

  /** Binds an expression (including internal positional refs) against this DataFrame's columns. */
  private bindPositional(e: Expr): BoundExpr {
    return this.bind(e);
  }

  /** Projects SQL expressions (`df.selectExpr('a', 'b * 2 AS b2', 'count(*)')`), parsed like a SELECT list. */
  selectExpr(...exprs: (string | string[])[]): DataFrame {
    const flat = exprs.flat();
    if (flat.length === 0) throw new IllegalArgumentError('selectExpr() needs at least one expression');
    return selectExprs(this, flat);
  }

  /** Adds or replaces a column. */
  withColumn(name: string, c: Column): DataFrame {
    return this.withColumns({ [name]: c });
  }

  /** Adds or replaces several columns. */
  withColumns(cols: Record<string, Column>): DataFrame {
    const fields = this.plan.schema.fields;
    const exprs: Expr[] = fields.map((_, i) => positional(i));
    const names = fields.map((f) => f.name);
    for (const [name, c] of Object.entries(cols)) {
      if (containsAgg(c.expr)) throw new AnalysisError(`withColumn('${name}', ...) cannot hold an aggregate (${exprName(c.expr)}); use groupBy().agg() or a window`);
      const i = names.findIndex((n) => n.toLowerCase() === name.toLowerCase());
      if (i >= 0) {
        exprs[i] = c.expr;
        names[i] = name;
      } else {
        exprs.push(c.expr);
        names.push(name);
      }
    }
    return this.project(exprs, names);
  }

  /** Renames a column (no-op if it does not exist, as in Spark). */
  withColumnRenamed(existing: string, newName: string): DataFrame {
    return this.withColumnsRenamed({ [existing]: newName });
  }

  /** Renames several columns. */
  withColumnsRenamed(mapping: Record<string, string>): DataFrame {
    const fields = this.plan.schema.fields;
    const lower = new Map(Object.entries(mapping).map(([k, v]) => [k.toLowerCase(), v]));
    const names = fields.map((f) => lower.get(f.name.toLowerCase()) ?? f.name);
    return this.project(fields.map((_, i) => positional(i)), names);
  }

  /** Drops columns (names that do not exist are ignored, as in Spark). */
  drop(...cols: ColumnOrName[]): DataFrame {
    const fields = this.plan.schema.fields;
    const dropIdx = new Set<number>();
    for (const c of cols) {
      if (typeof c === 'string') {
        fields.forEach((f, i) => { if (f.name.toLowerCase() === c.toLowerCase()) dropIdx.add(i); });
      } else {
        const b = this.bind(c.expr);
        if (b.kind === 'ref') dropIdx.add(b.index);
      }
    }
    const keep = fields.map((_, i) => i).filter((i) => !dropIdx.has(i));
    return this.project(keep.map(positional), keep.map((i) => fields[i]!.name));
  }

  /** Renames all columns positionally. */
  toDF(...names: string[]): DataFrame {
    const fields = this.plan.schema.fields;
    if (names.length !== fields.length) throw new IllegalArgumentError(`toDF() got ${names.length} names for ${fields.length} columns`);
    return this.project(fields.map((_, i) => positional(i)), names);
  }

  // ------------------------------------------------------------------ filters

  /** Keeps rows where the condition is true (null counts as false): a Column, or a SQL condition string like `'age > 30'`. */
  filter(condition: Column | string): DataFrame {
    if (typeof condition === 'string') return filterByExpr(this, condition);
    if (!(condition instanceof Column)) throw new IllegalArgumentError('filter() takes a Column condition, e.g. col("age").gt(30), or a SQL condition string');
    if (containsAgg(condition.expr)) throw new AnalysisError(`aggregate functions are not allowed in filter(): ${exprName(condition.expr)}; filter after groupBy().agg() instead`);
    const b = this.bind(condition.expr);
    if (b.type !== 'boolean' && b.type !== 'null') {
      throw new AnalysisError(`filter condition ${exprName(condition.expr)} must be boolean but is ${b.type}`);
    }
    return this.derive({ kind: 'filter', input: this.plan, condition: castTo(b, 'boolean'), schema: this.plan.schema });
  }

  /** Alias of filter. */
  where(condition: Column | string): DataFrame {
    return this.filter(condition);
  }

  // ------------------------------------------------------------------ aggregation

  /** Groups by columns for aggregation. */
  groupBy(...cols: (ColumnOrName | ColumnOrName[])[]): GroupedData {
    return new GroupedData(this, cols.flat().map(nameOrColumn));
  }
  /** Alias of groupBy. */
  groupby(...cols: (ColumnOrName | ColumnOrName[])[]): GroupedData {
    return this.groupBy(...cols);
  }

  /** Aggregates over the whole frame (`df.agg(F.max('x'))`). */
  agg(...exprs: (Column | Column[])[]): DataFrame {
    return this.aggregate([], exprs.flat().map((c) => c.expr));
  }

  /** @internal Builds Aggregate + Project for group expressions and (aggregate) output expressions. */
  aggregate(groupExprs: readonly Expr[], outExprs: readonly Expr[]): DataFrame {
    const windowed = collectWindowCalls([...groupExprs, ...outExprs])[0];
    if (windowed) {
      throw new AnalysisError(`window function ${exprName(windowed)} cannot be used in groupBy() / agg() or next to aggregates in one select(); aggregate first, then apply the window in a select() / withColumn() on the result`);
    }
    const input = this.plan.schema;
    const groupBound = groupExprs.map((g) => bindExpr(g, input));
    const groupNames = groupExprs.map(exprName);
    const aggs: BoundAgg[] = [];
    const aggKeys = new Map<string, number>();
    const nKeys = groupBound.length;
    const aggFields: Field[] = [];
    const collect = (e: Expr): void => {
      if (e.kind === 'agg') {
        const key = JSON.stringify(e);
        if (aggKeys.has(key)) return;
        const def = getAggregate(e.fn);
        const display = exprName(e);
        checkArity(def, e.args.length, display);
        const args = e.args.map((a) => {
          if (a.kind === 'star') throw new AnalysisError(`'*' is only allowed in count(*), not in ${display}`);
          if (containsAgg(a)) throw new AnalysisError(`aggregate functions cannot be nested: ${display}`);
          return bindExpr(a, input);
        });
        const sig = def.resolve(args.map((a) => a.type), display);
        aggKeys.set(key, aggs.length);
        aggs.push({ fn: def.name, args: args.map((a, i) => castTo(a, sig.argTypes[i] ?? a.type)), distinct: e.distinct, type: sig.type });
        aggFields.push({ name: display, type: sig.type, nullable: true });
        return;
      }
      switch (e.kind) {
        case 'call': e.args.forEach(collect); break;
        case 'alias': case 'cast': case 'sort': collect(e.expr); break;
        case 'case': e.branches.forEach(([c, v]) => { collect(c); collect(v); }); if (e.otherwise) collect(e.otherwise); break;
        default: break;
      }
    };
    outExprs.forEach(collect);
    const groupFields: Field[] = groupBound.map((g, i) => {
      const src = g.kind === 'ref' ? input.fields[g.index]! : undefined;
      return { name: groupNames[i]!, type: g.type, nullable: src ? src.nullable : true, ...(src?.qualifiers ? { qualifiers: src.qualifiers } : {}) };
    });
    const aggSchema = new Schema([...groupFields, ...aggFields]);
    const aggPlan: LogicalPlan = { kind: 'aggregate', input: this.plan, groupBy: groupBound, aggs, schema: aggSchema };
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
        if (err instanceof AnalysisError && resolvesIn(e, input)) {
          throw new AnalysisError(`expression ${exprName(e)} is neither in groupBy(${groupNames.join(', ')}) nor inside an aggregate function; add it to groupBy or wrap it in first()/max()/...`);
        }
        throw err;
      }
    };
    const outs = [...groupExprs.map((_, i) => ({ kind: 'ref', index: i, type: groupFields[i]!.type, name: groupFields[i]!.name }) as BoundExpr), ...outExprs.map(bindOut)];
    const names = [...groupNames, ...outExprs.map(exprName)];
    const schema = projectSchema(aggSchema, outs, names);
    const projected = new DataFrame(this.session, aggPlan);
    return projected.derive({ kind: 'project', input: projected.plan, exprs: outs, schema });
  }

  // ------------------------------------------------------------------ ordering, limits, distinct

  /** Sorts by columns (names sort ascending; use `col(x).desc()` or `{ ascending }` for descending). */
  orderBy(...args: (ColumnOrName | ColumnOrName[] | { ascending: boolean | boolean[] })[]): DataFrame {
    let ascending: boolean | boolean[] | undefined;
    const cols: ColumnOrName[] = [];
    for (const a of args) {
      if (Array.isArray(a)) cols.push(...a);
      else if (typeof a === 'object' && !(a instanceof Column)) ascending = a.ascending;
      else cols.push(a);
    }
    if (cols.length === 0) throw new IllegalArgumentError('orderBy() needs at least one column');
    const keys: BoundSortKey[] = cols.map((c, i) => {
      let e = nameOrColumn(c);
      let asc = true;
      let nullsFirst = true;
      if (e.kind === 'sort') {
        asc = e.ascending;
        nullsFirst = e.nullsFirst;
        e = e.expr;
      } else if (ascending !== undefined) {
        asc = Array.isArray(ascending) ? ascending[i] ?? true : ascending;
        nullsFirst = asc;
      }
      return { expr: this.bind(e), ascending: asc, nullsFirst };
    });
    return this.derive({ kind: 'sort', input: this.plan, keys, schema: this.plan.schema });
  }
  /** Alias of orderBy. */
  sort(...args: (ColumnOrName | ColumnOrName[] | { ascending: boolean | boolean[] })[]): DataFrame {
    return this.orderBy(...args);
  }

  /** The first `n` rows. */
  limit(n: number): DataFrame {
    if (!Number.isInteger(n) || n < 0) throw new IllegalArgumentError(`limit(${n}): the limit must be a non-negative integer`);
    if (this.plan.kind === 'limit' && this.plan.offset === 0) {
      return this.derive({ ...this.plan, limit: Math.min(n, this.plan.limit) });
    }
    return this.derive({ kind: 'limit', input: this.plan, limit: n, offset: 0, schema: this.plan.schema });
  }

  /** Skips the first `n` rows. */
  offset(n: number): DataFrame {
    if (!Number.isInteger(n) || n < 0) throw new IllegalArgumentError(`offset(${n}): the offset must be a non-negative integer`);
    return this.derive({ kind: 'limit', input: this.plan, limit: Number.MAX_SAFE_INTEGER, offset: n, schema: this.plan.schema });
  }

  /** Distinct rows. */
  distinct(): DataFrame {
    const fields = this.plan.schema.fields;
    return this.aggregate(fields.map((_, i) => positional(i)), []).renameTo(fields.map((f) => f.name));
  }

  /** Keeps the first row for each distinct value of `subset` (all columns if omitted). */
  dropDuplicates(subset?: string[]): DataFrame {
    if (!subset || subset.length === 0) return this.distinct();
    const fields = this.plan.schema.fields;
    const keyIdx = subset.map((name) => resolveColumn(this.plan.schema, name));
    const keyExprs = keyIdx.map(positional);
    const others = fields.map((_, i) => i).filter((i) => !keyIdx.includes(i));
    const outs: Expr[] = others.map((i) => ({ kind: 'agg', fn: 'first', args: [positional(i)], distinct: false }));
    const grouped = this.aggregate(keyExprs, outs);
    // Restore the original column order and names.
    const order = fields.map((_, i) => (keyIdx.includes(i) ? keyIdx.indexOf(i) : keyIdx.length + others.indexOf(i)));
    return grouped.project(order.map(positional), fields.map((f) => f.name));
  }
  /** Alias of dropDuplicates. */
  drop_duplicates(subset?: string[]): DataFrame {
    return this.dropDuplicates(subset);
  }

  private renameTo(names: string[]): DataFrame {
    return this.project(names.map((_, i) => positional(i)), names);
  }

  // ------------------------------------------------------------------ joins and unions

  /**
   * Joins with another DataFrame: `on` is a column name, a list of names (equi-join keeping one
   * copy of each key), or a Column condition; `how` is one of Spark's join kinds (default inner).
   */
  join(other: DataFrame, on?: string | string[] | Column | Column[], how: JoinHow = 'inner'): DataFrame {
    const joinType = JOIN_KINDS[String(how).toLowerCase()];
    if (!joinType) throw new IllegalArgumentError(`unsupported join type '${how}'; use one of ${Object.keys(JOIN_KINDS).join(', ')}`);
    if (on === undefined || (Array.isArray(on) && on.length === 0)) {
      return this.joinOn(other, null, joinType === 'inner' ? 'cross' : joinType);
    }
    if (typeof on === 'string' || (Array.isArray(on) && typeof on[0] === 'string')) {
      return this.joinUsing(other, (Array.isArray(on) ? on : [on]) as string[], joinType);
    }
    const conds = (Array.isArray(on) ? on : [on]) as Column[];
    const cond = conds.slice(1).reduce((a, b) => a.and(b), conds[0]!);
    return this.joinOn(other, cond, joinType);
  }

  /** Cartesian product. */
  crossJoin(other: DataFrame): DataFrame {
    return this.joinOn(other, null, 'cross');
  }

  private joinOn(other: DataFrame, cond: Column | null, joinType: JoinType): DataFrame {
    const left = this.plan;
    const right = other.plan;
    const combined = new Schema([...left.schema.fields, ...right.schema.fields]);
    let condition: BoundExpr | null = null;
    if (cond) {
      const b = bindExpr(cond.expr, combined);
      if (b.type !== 'boolean') throw new AnalysisError(`join condition ${exprName(cond.expr)} must be boolean but is ${b.type}`);
      condition = b;
    }
    const { leftKeys, rightKeys, residual } = extractJoinKeys(condition, left.schema.length);
    const kind = joinType === 'cross' && leftKeys.length ? 'inner' : joinType;
    return this.derive({ kind: 'join', left, right, joinType: kind, leftKeys, rightKeys, condition: residual, schema: joinSchema(left.schema, right.schema, kind) });
  }

  private joinUsing(other: DataFrame, names: string[], joinType: JoinType): DataFrame {
    const left = this.plan;
    const right = other.plan;
    const li = names.map((n) => resolveColumn(left.schema, n));
    const ri = names.map((n) => resolveColumn(right.schema, n));
    const leftKeys: BoundExpr[] = [];
    const rightKeys: BoundExpr[] = [];
    li.forEach((l, k) => {
      const lf = left.schema.fields[l]!;
      const rf = right.schema.fields[ri[k]!]!;
      const t = widenValueType(lf.type, rf.type) ?? (lf.type === 'utf8' || rf.type === 'utf8' ? 'utf8' : undefined);
      if (!t) throw new AnalysisError(`join key '${names[k]}' has type ${lf.type} on the left and ${rf.type} on the right; cast one side`);
      leftKeys.push(castTo({ kind: 'ref', index: l, type: lf.type, name: lf.name }, t));
      rightKeys.push(castTo({ kind: 'ref', index: ri[k]!, type: rf.type, name: rf.name }, t));
    });
    const schema = joinSchema(left.schema, right.schema, joinType);
    const joined = this.derive({ kind: 'join', left, right, joinType, leftKeys, rightKeys, condition: null, schema });
    if (joinType === 'left_semi' || joinType === 'left_anti') return joined;
    // Spark's USING output: keys once (from the side that has them), then the other columns.
    const lw = left.schema.length;
    const keyExprs: Expr[] = li.map((l, k) => {
      const lref = positional(l);
      const rref = positional(lw + ri[k]!);
      if (joinType === 'right') return rref;
      if (joinType === 'full') return { kind: 'call', fn: 'coalesce', args: [lref, rref] };
      return lref;
    });
    const restL = left.schema.fields.map((_, i) => i).filter((i) => !li.includes(i));
    const restR = right.schema.fields.map((_, i) => i).filter((i) => !ri.includes(i));
    const exprs = [...keyExprs, ...restL.map(positional), ...restR.map((i) => positional(lw + i))];
    const outNames = [...li.map((l) => left.schema.fields[l]!.name), ...restL.map((i) => left.schema.fields[i]!.name), ...restR.map((i) => right.schema.fields[i]!.name)];
    const bound = exprs.map((e) => joined.bindPositional(e));
    // Keep the qualifiers of both sides on the key columns so df1.col('k') and df2.col('k') still resolve.
    const jf = joined.plan.schema.fields;
    const outSchema = projectSchema(joined.plan.schema, bound, outNames);
    const fields = outSchema.fields.map((f, i) => {
      if (i >= li.length) return f;
      const q = [...(jf[li[i]!]!.qualifiers ?? []), ...(jf[lw + ri[i]!]!.qualifiers ?? [])];
      return { ...f, qualifiers: q, nullable: joinType === 'inner' ? jf[li[i]!]!.nullable : true };
    });
    return joined.derive({ kind: 'project', input: joined.plan, exprs: bound, schema: new Schema(fields) });
  }

  /** Union by column position (duplicates kept, like SQL UNION ALL). */
  union(other: DataFrame): DataFrame {
    const a = this.plan.schema;
    const b = other.plan.schema;
    if (a.length !== b.length) {
      throw new AnalysisError(`union() needs the same number of columns: the first DataFrame has ${a.length} [${a.names.join(', ')}], the second ${b.length} [${b.names.join(', ')}]; use unionByName(other, true) to match by name`);
    }
    const types: DataType[] = a.fields.map((f, i) => {
      const t = widenValueType(f.type, b.fields[i]!.type) ?? (f.type === 'utf8' || b.fields[i]!.type === 'utf8' ? 'utf8' : undefined);
      if (!t) throw new AnalysisError(`union() column ${i + 1} ('${f.name}') has type ${f.type} in the first DataFrame and ${b.fields[i]!.type} in the second; cast one of them`);
      return t;
    });
    const conform = (df: DataFrame): LogicalPlan => {
      const fields = df.plan.schema.fields;
      if (fields.every((f, i) => f.type === types[i])) return df.plan;
      const exprs = fields.map((f, i) => castTo({ kind: 'ref', index: i, type: f.type, name: f.name }, types[i]!));
      return { kind: 'project', input: df.plan, exprs, schema: projectSchema(df.plan.schema, exprs, fields.map((f) => f.name)) };
    };
    const inputs = [conform(this), conform(other)];
    const schema = new Schema(a.fields.map((f, i) => ({ name: f.name, type: types[i]!, nullable: f.nullable || b.fields[i]!.nullable })));
    return this.derive({ kind: 'union', inputs, schema });
  }
  /** Alias of union. */
  unionAll(other: DataFrame): DataFrame {
    return this.union(other);
  }

  /** Union matching columns by name; with `allowMissingColumns`, absent columns are null. */
  unionByName(other: DataFrame, allowMissingColumns = false): DataFrame {
    const mine = this.columns;
    const theirs = other.columns;
    const lower = (s: string) => s.toLowerCase();
    const missingInOther = mine.filter((n) => !theirs.some((t) => lower(t) === lower(n)));
    const missingInMine = theirs.filter((n) => !mine.some((t) => lower(t) === lower(n)));
    if (!allowMissingColumns && (missingInOther.length || missingInMine.length)) {
      throw new AnalysisError(`unionByName(): column(s) [${[...missingInOther, ...missingInMine].join(', ')}] are not in both DataFrames; pass allowMissingColumns = true to fill them with nulls`);
    }
    const all = [...mine, ...missingInMine];
    const typeOf = (df: DataFrame, n: string) => df.plan.schema.fields.find((f) => lower(f.name) === lower(n))?.type;
    const pick = (df: DataFrame, names: readonly string[]) =>
      df.project(all.map((n) => {
        const has = names.some((x) => lower(x) === lower(n));
        if (has) return { kind: 'col', name: n } as Expr;
        const t = typeOf(this, n) ?? typeOf(other, n) ?? 'null';
        return { kind: 'lit', value: null, type: t } as Expr;
      }), all);
    return pick(this, mine).union(pick(other, theirs));
  }

  // ------------------------------------------------------------------ partitioning

  /** Redistributes rows into `n` partitions: round-robin, or by hash of `cols` (a shuffle). */
  repartition(n: number, ...cols: ColumnOrName[]): DataFrame {
    if (!Number.isInteger(n) || n < 1) throw new IllegalArgumentError(`repartition(${n}): the number of partitions must be a positive integer`);
    const keys = cols.map((c) => this.bind(nameOrColumn(c)));
    return this.derive({ kind: 'repartition', input: this.plan, mode: keys.length ? 'hash' : 'roundrobin', partitions: n, keys, schema: this.plan.schema });
  }

  /** Reduces the number of partitions to at most `n` by merging neighbours (no shuffle). */
  coalesce(n: number): DataFrame {
    if (!Number.isInteger(n) || n < 1) throw new IllegalArgumentError(`coalesce(${n}): the number of partitions must be a positive integer`);
    return this.derive({ kind: 'repartition', input: this.plan, mode: 'coalesce', partitions: n, keys: [], schema: this.plan.schema });
  }

  /** Number of partitions the physical plan produces (like `df.rdd.getNumPartitions()`). */
  getNumPartitions(): number {
    return prepare(this.plan, this.session.plannerConfig()).physical.numPartitions();
  }

  // ------------------------------------------------------------------ sampling and nulls

  /** Random sample: `sample(fraction, seed?)` or `sample(withReplacement, fraction, seed?)`. */
  sample(a: number | boolean, b?: number, c?: number): DataFrame {
    let withReplacement = false;
    let fraction: number;
    let seed: number | undefined;
    if (typeof a === 'boolean') {
      withReplacement = a;
      fraction = b ?? NaN;
      seed = c;
    } else {
      fraction = a;
      seed = b;
    }
    if (!(fraction >= 0) || (!withReplacement && fraction > 1)) {
      throw new IllegalArgumentError(`sample() fraction must be in [0, 1] without replacement (or ≥ 0 with replacement), got ${fraction}`);
    }
    return this.derive({ kind: 'sample', input: this.plan, fraction, withReplacement, seed: seed ?? Math.floor(Math.random() * 2 ** 31), schema: this.plan.schema });
  }

  /** Null handling functions (`df.na.fill`, `df.na.drop`). */
  get na(): DataFrameNaFunctions {
    return new DataFrameNaFunctions(this);
  }

  /**
   * Replaces nulls (and NaN in double columns): a number fills numeric columns, a string fills
   * string columns, a boolean fills boolean columns; an object maps column names to values.
   */
  fillna(value: LiteralInput | Record<string, LiteralInput>, subset?: string | string[]): DataFrame {
    const fields = this.plan.schema.fields;
    const only = subset === undefined ? undefined : (Array.isArray(subset) ? subset : [subset]).map((n) => resolveColumn(this.plan.schema, n));
    const perColumn = new Map<number, LiteralInput>();
    if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
      for (const [k, v] of Object.entries(value)) perColumn.set(resolveColumn(this.plan.schema, k), v);
    } else {
      fields.forEach((f, i) => {
        if (only && !only.includes(i)) return;
        const lt = literal(value as LiteralInput).type;
        const fits = (isNumeric(lt) && isNumeric(f.type)) || (lt === 'utf8' && f.type === 'utf8') || (lt === 'boolean' && f.type === 'boolean');
        if (fits) perColumn.set(i, value as LiteralInput);
      });
    }
    const exprs: Expr[] = fields.map((f, i) => {
      if (!perColumn.has(i)) return positional(i);
      const ref = positional(i);
      const isMissing: Expr = f.type === 'float64'
        ? { kind: 'call', fn: 'or', args: [{ kind: 'call', fn: 'isnull', args: [ref] }, { kind: 'call', fn: 'isnan', args: [ref] }] }
        : { kind: 'call', fn: 'isnull', args: [ref] };
      const fill: Expr = { kind: 'cast', expr: toExpr(perColumn.get(i)!), to: f.type };
      return { kind: 'case', branches: [[isMissing, fill]], otherwise: ref };
    });
    return this.project(exprs, fields.map((f) => f.name));
  }

  /** Drops rows with nulls (or NaN): `how` 'any' (default) or 'all', or keep rows with at least `thresh` non-null values. */
  dropna(how: 'any' | 'all' = 'any', thresh?: number, subset?: string | string[]): DataFrame {
    const fields = this.plan.schema.fields;
    const idx = subset === undefined ? fields.map((_, i) => i) : (Array.isArray(subset) ? subset : [subset]).map((n) => resolveColumn(this.plan.schema, n));
    const need = thresh ?? (how === 'all' ? 1 : idx.length);
    const present: Expr[] = idx.map((i) => {
      const ref = positional(i);
      const notNull: Expr = { kind: 'call', fn: 'isnotnull', args: [ref] };
      const ok: Expr = fields[i]!.type === 'float64' ? { kind: 'call', fn: 'and', args: [notNull, { kind: 'call', fn: 'not', args: [{ kind: 'call', fn: 'isnan', args: [ref] }] }] } : notNull;
      return { kind: 'case', branches: [[ok, { kind: 'lit', value: 1, type: 'int32' }]], otherwise: { kind: 'lit', value: 0, type: 'int32' } };
    });
    if (present.length === 0) return this;
    const total = present.reduce((a, b) => ({ kind: 'call', fn: 'add', args: [a, b] }));
    const cond = new Column({ kind: 'call', fn: 'gte', args: [total, { kind: 'lit', value: need, type: 'int32' }] });
    return this.filter(cond);
  }

  // ------------------------------------------------------------------ actions

  /** @internal Runs the plan and returns the result batches in order. */
  async execute(signal?: AbortSignal): Promise<{ schema: Schema; batches: Batch[] }> {
    const res = await runJob(await this.session.resolveCaches(this.plan), this.session.plannerConfig(), this.session.runOptions(signal));
    this.session.lastJob = res;
    return { schema: this.schema, batches: res.partitions.flat() };
  }

  /** All rows as plain objects. Pass `{ signal }` to cancel the job. */
  async collect(options: ActionOptions = {}): Promise<Row[]> {
    const { schema, batches } = await this.execute(options.signal);
    return concatBatches(schema, batches.map((b) => new Batch(schema, b.columns, b.numRows))).toRows();
  }

  /** The result as an apache-arrow Table. Pass `{ signal }` to cancel the job. */
  async toArrow(options: ActionOptions = {}): Promise<arrow.Table> {
    const { schema, batches } = await this.execute(options.signal);
    return batchesToTable(schema, batches);
  }

  /** Number of rows. Pass `{ signal }` to cancel the job. */
  async count(options: ActionOptions = {}): Promise<number> {
    const df = this.agg(new Column({ kind: 'agg', fn: 'count', args: [], distinct: false }).alias('count'));
    const rows = await df.collect(options);
    return rows[0]!['count'] as number;
  }

  /** The first `n` rows. */
  async take(n: number): Promise<Row[]> {
    return this.limit(n).collect();
  }
  /** The first `n` rows (default 1: then the row itself, or null when empty, as in PySpark). */
  async head(): Promise<Row | null>;
  async head(n: number): Promise<Row[]>;
  async head(n?: number): Promise<Row | Row[] | null> {
    if (n === undefined) return (await this.take(1))[0] ?? null;
    return this.take(n);
  }
  /** The first row, or null when empty. */
  async first(): Promise<Row | null> {
    return (await this.take(1))[0] ?? null;
  }
  /** True when there are no rows. */
  async isEmpty(): Promise<boolean> {
    return (await this.take(1)).length === 0;
  }

  /** Prints rows as an aligned text table like Spark's `show()` (and returns the text). */
  async show(n: number | ShowOptions = 20, truncate: boolean | number = true): Promise<string> {
    const opts: ShowOptions = typeof n === 'number' ? { n, truncate } : n;
    const text = await this.showString(opts.n ?? 20, opts.truncate ?? true, opts.vertical ?? false);
    process.stdout.write(text);
    return text;
  }

  /** The text `show()` prints. */
  async showString(n = 20, truncate: boolean | number = true, vertical = false): Promise<string> {
    const { schema, batches } = await this.limit(n + 1).execute();
    const all = concatBatches(schema, batches.map((b) => new Batch(schema, b.columns, b.numRows)));
    const shown = Math.min(n, all.numRows);
    const width = truncate === true ? 20 : typeof truncate === 'number' ? truncate : 0;
    const cell = (r: number, c: number): string => {
      let s = formatCell(all.value(r, c), schema.fields[c]!.type);
      if (width > 0 && s.length > width) s = width < 4 ? s.slice(0, width) : s.slice(0, width - 3) + '...';
      return s;
    };
    const names = schema.names;
    let out = '';
    if (vertical) {
      const w = Math.max(0, ...names.map((x) => x.length));
      for (let r = 0; r < shown; r++) {
        out += `-RECORD ${r}${'-'.repeat(Math.max(0, w + 10))}\n`;
        names.forEach((name, c) => { out += ` ${name.padEnd(w)} | ${cell(r, c)}\n`; });
      }
      if (shown === 0) out += '(0 rows)\n';
    } else {
      const cells = Array.from({ length: shown }, (_, r) => names.map((_, c) => cell(r, c)));
      const widths = names.map((name, c) => Math.max(3, name.length, ...cells.map((row) => row[c]!.length)));
      const sep = '+' + widths.map((w) => '-'.repeat(w)).join('+') + '+\n';
      const line = (vals: string[]) => '|' + vals.map((v, c) => (width > 0 ? v.padStart(widths[c]!) : v.padEnd(widths[c]!))).join('|') + '|\n';
      out = sep + line(names) + sep + cells.map(line).join('') + sep;
    }
    if (all.numRows > n) out += `only showing top ${n} row${n === 1 ? '' : 's'}\n`;
    return out;
  }

  /** Basic statistics (count, mean, stddev, min, max) of numeric and string columns, as strings. */
  describe(...cols: string[]): DataFrame {
    const fields = this.plan.schema.fields.filter((f) => (cols.length ? cols.some((c) => c.toLowerCase() === f.name.toLowerCase()) : isNumeric(f.type) || f.type === 'utf8'));
    for (const c of cols) resolveColumn(this.plan.schema, c);
    const stats = ['count', 'mean', 'stddev', 'min', 'max'] as const;
    const aggs: Column[] = [];
    for (const f of fields) {
      const ref = new Column({ kind: 'col', name: f.name });
      for (const s of stats) {
        const fn = s === 'mean' ? 'avg' : s;
        const numeric = isNumeric(f.type);
        const e: Expr = (s === 'mean' || s === 'stddev') && !numeric
          ? { kind: 'lit', value: null, type: 'float64' }
          : { kind: 'agg', fn, args: [ref.expr], distinct: false };
        aggs.push(new Column({ kind: 'cast', expr: e, to: 'utf8' }).alias(`${s}_${f.name}`));
      }
    }
    const summary = this.agg(...aggs);
    const session = this.session;
    return session.lazyFrom(async () => {
      const row = (await summary.collect())[0] ?? {};
      const rows = stats.map((s) => {
        const r: Record<string, string | null> = { summary: s };
        for (const f of fields) r[f.name] = (row[`${s}_${f.name}`] as string | null) ?? null;
        return r;
      });
      return rows;
    }, new Schema([{ name: 'summary', type: 'utf8', nullable: true }, ...fields.map((f) => ({ name: f.name, type: 'utf8' as DataType, nullable: true }))]));
  }

  /**
   * The plans as text: 'simple' (physical), 'extended' (logical, optimised, physical), or
   * 'formatted'. Printed and returned.
   */
  explain(mode: 'analyze'): Promise<string>;
  explain(mode?: boolean | 'simple' | 'extended' | 'formatted'): string;
  explain(mode: boolean | 'simple' | 'extended' | 'formatted' | 'analyze' = 'simple'): string | Promise<string> {
    if (mode === 'analyze') return this.explainAnalyze();
    const m = mode === true ? 'extended' : mode === false ? 'simple' : mode;
    const { optimized, physical } = prepare(this.plan, this.session.plannerConfig());
    let text: string;
    if (m === 'simple') {
      text = `== Physical Plan ==\n${physicalToString(physical)}\n`;
    } else {
      text = `== Analyzed Logical Plan ==\n${logicalToString(this.plan)}\n\n== Optimized Logical Plan ==\n${logicalToString(optimized)}\n\n== Physical Plan ==\n${physicalToString(physical)}\n`;
    }
    process.stdout.write(text);
    return text;
  }

  /**
   * Runs the job and returns (and prints) the physical plan followed by per-stage metrics:
   * tasks, rows and bytes produced, wall time, and whether the stage ran on worker threads.
   */
  async explainAnalyze(): Promise<string> {
    const res = await runJob(await this.session.resolveCaches(this.plan), this.session.plannerConfig(), this.session.runOptions());
    const lines = [`== Physical Plan ==`, physicalToString(res.physical), '', `== Stages (job ${res.timeMs.toFixed(1)} ms) ==`];
    for (const st of [...res.stages].sort((a, b) => a.stageId - b.stageId)) {
      lines.push(`Stage ${st.stageId} ${st.description}: tasks=${st.tasks}${st.morsels ? ` morsels=${st.morsels}` : ''} rows=${st.rows} bytes=${formatBytes(st.bytes)} time=${st.timeMs.toFixed(1)}ms${st.onWorkers ? ' (workers)' : ' (main thread)'}${st.retries ? ` retries=${st.retries}` : ''}`);
    }
    const text = lines.join('\n') + '\n';
    process.stdout.write(text);
    return text;
  }

  /** Writer for saving this DataFrame (`df.write.mode('overwrite').parquet(path)`). */
  get write(): DataFrameWriter {
    return new DataFrameWriter(this);
  }

  /** Registers this DataFrame as a temporary view for SQL (replacing one of the same name). */
  createOrReplaceTempView(name: string): void {
    this.session.catalog.registerView(name, this, true);
  }
  /** Registers this DataFrame as a temporary view; fails if the name is taken. */
  createTempView(name: string): void {
    this.session.catalog.registerView(name, this, false);
  }

  /**
   * Marks this DataFrame to be kept in memory: the first action computes it, later actions (of
   * this DataFrame and of DataFrames built on it) reuse the partitions. Returns this DataFrame.
   */
  cache(): this {
    this.session.cacheManager.mark(this.plan);
    return this;
  }

  /** Same as cache() (Kindling keeps cached data in memory only; the storage level is accepted for compatibility). */
  persist(_storageLevel?: string): this {
    return this.cache();
  }

  /** Drops this DataFrame's cached data. */
  async unpersist(): Promise<this> {
    this.session.cacheManager.drop(this.plan);
    return this;
  }

  /** True if cache()/persist() was called (and not undone). */
  get isCached(): boolean {
    return this.session.cacheManager.has(this.plan);
  }
}

/** A positional column reference (used internally for star expansion and renames). */
function positional(i: number): Expr {
  return { kind: 'col', name: '', qualifier: fieldKey(i) };
}
function fieldKey(i: number): string {
  return `@${i}`;
}

function resolvesIn(e: Expr, schema: Schema): boolean {
  try {
    bindExpr(e, schema, { onAggregate: () => ({ kind: 'lit', value: null, type: 'null' }) });
    return true;
  } catch {
    return false;
  }
}

function formatBytes(n: number): string {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

/** Formats a value for show(). */
export function formatCell(v: unknown, type: DataType): string {
  if (v === null || v === undefined) return 'NULL';
  if (isList(type)) {
    const et = elementType(type);
    return `[${(v as unknown[]).map((x) => formatCell(x, et)).join(', ')}]`;
  }
  if (type === 'float64') return formatDouble(v as number);
  if (type === 'date32') return formatDate(Math.floor((v as Date).getTime() / 86_400_000));
  if (type === 'timestamp') return formatTimestamp((v as Date).getTime() * 1000);
  return String(v);
}

/** The result of `groupBy(...)`: aggregate with `agg(...)` or shortcuts. */
export class GroupedData {
  /** @internal */
  constructor(private readonly df: DataFrame, private readonly keys: readonly Expr[]) {}

  /** Aggregates per group; output has the group columns then one column per expression. */
  agg(...exprs: (Column | Column[])[]): DataFrame {
    const flat = exprs.flat();
    if (flat.length === 0) throw new IllegalArgumentError('agg() needs at least one aggregate expression');
    return this.df.aggregate(this.keys, flat.map((c) => c.expr));
  }
  /** Rows per group, as column `count`. */
  count(): DataFrame {
    return this.df.aggregate(this.keys, [{ kind: 'alias', expr: { kind: 'agg', fn: 'count', args: [], distinct: false }, name: 'count' }]);
  }
  private each(fn: string, cols: string[]): DataFrame {
    const names = cols.length ? cols : this.df.plan.schema.fields.filter((f) => isNumeric(f.type)).map((f) => f.name);
    return this.df.aggregate(this.keys, names.map((n) => ({ kind: 'agg', fn, args: [{ kind: 'col', name: n }], distinct: false })));
  }
  /** Sum of each (numeric) column. */
  sum(...cols: string[]): DataFrame { return this.each('sum', cols); }
  /** Mean of each (numeric) column. */
  avg(...cols: string[]): DataFrame { return this.each('avg', cols); }
  /** Alias of avg. */
  mean(...cols: string[]): DataFrame { return this.each('avg', cols); }
  /** Min of each (numeric) column. */
  min(...cols: string[]): DataFrame { return this.each('min', cols); }
  /** Max of each (numeric) column. */
  max(...cols: string[]): DataFrame { return this.each('max', cols); }
}

/** `df.na`: null-handling helpers. */
export class DataFrameNaFunctions {
  /** @internal */
  constructor(private readonly df: DataFrame) {}
  /** See DataFrame.fillna. */
  fill(value: LiteralInput | Record<string, LiteralInput>, subset?: string | string[]): DataFrame {
    return this.df.fillna(value, subset);
  }
  /** See DataFrame.dropna. */
  drop(how: 'any' | 'all' = 'any', thresh?: number, subset?: string | string[]): DataFrame {
    return this.df.dropna(how, thresh, subset);
  }
}

export type { ColumnOrValue };
void sparkSimpleName;

/**
 * The lazy DataFrame (PySpark's DataFrame): a session plus a resolved logical plan. Transformations
 * turn their arguments into `Expr`s and call the plan builder (src/plan/builder.ts), which
 * resolves names and builds the new plan; actions (collect, toArrow, count, show, write) optimise
 * and run it. Also GroupedData (groupBy(...).agg) and DataFrameNaFunctions (df.na.fill / drop).
 */
import type * as arrow from 'apache-arrow';
import { argError, expectArray, expectBoolean, expectInstance, expectInteger, expectName, expectNumber, expectOneOf, expectRecord, expectString } from './api-args.js';
import { Column, type ColumnOrName, type ColumnOrValue, type LiteralInput, expectColumn, literal, nameOrColumn, namesOrColumns, toExpr } from './column.js';
import { Batch, concatBatches } from './data/batch.js';
import { batchesToTable } from './data/arrow.js';
import { AnalysisError, IllegalArgumentError } from './errors.js';
import { resolveColumn } from './expr/binder.js';
import { type Expr, exprName } from './expr/expr.js';
import { formatDouble, formatDate, formatTimestamp } from './expr/runtime.js';
import { runJob, prepare, streamPhysical } from './exec/scheduler.js';
import * as B from './plan/builder.js';
import { explainString } from './plan/explain.js';
import { type LogicalPlan, qualify } from './plan/logical.js';
import { cubeSets, rollupSets } from './plan/analyzer/grouping-sets.js';
import { PIVOT_MAX_VALUES_DEFAULT, PIVOT_MAX_VALUES_KEY, type PivotValueSpec } from './plan/analyzer/pivot.js';
import { physicalToString } from './plan/physical.js';
import { type DataType, type Row, Schema, elementType, isList, isMap, isNumeric, isStruct, mapTypes, structFields } from './types.js';
import type { UdfSchemaInput } from './udf/arrow-results.js';
import { type ApplyInArrowFunction, type ApplyInArrowKeyFunction, type ApplyInArrowOptions, type MapInArrowFunction, type MapInArrowOptions, applyInArrowPlan, mapInArrowPlan } from './udf/batch-udfs.js';
import type { FunctionRef } from './udf/function-ref.js';
import type { Session } from './session.js';
import { DataFrameWriter } from './writer.js';
import { filterPlan, selectExprPlan } from './sql/planner.js';

let nextId = 1;

/** Join kinds accepted by `join(..., how)`, with PySpark's synonyms. */
export type JoinHow =
  | 'inner' | 'cross' | 'outer' | 'full' | 'fullouter' | 'full_outer' | 'left' | 'leftouter' | 'left_outer'
  | 'right' | 'rightouter' | 'right_outer' | 'semi' | 'leftsemi' | 'left_semi' | 'anti' | 'leftanti' | 'left_anti';

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
    expectName(name, 'DataFrame.col()', 1, 'column name');
    resolveColumn(this.plan.schema, name); // fail early with suggestions
    return new Column({ kind: 'col', name, qualifier: this.id });
  }

  /** A copy of this DataFrame whose columns can be qualified as `alias.column`. */
  alias(alias: string): DataFrame {
    return new DataFrame(this.session, B.alias(this.plan, expectName(alias, 'alias()', 1, 'alias')));
  }

  // ------------------------------------------------------------------ projections

  /** Expands `*` and names, binds, and builds a projection (or a whole-frame aggregate if any aggregate appears). */
  select(...cols: (ColumnOrName | ColumnOrName[])[]): DataFrame {
    return this.derive(B.select(this.plan, namesOrColumns(cols, 'select()')));
  }

  /** @internal Builds a Project node from expressions and output names. */
  project(exprs: readonly Expr[], names: readonly string[]): DataFrame {
    return this.derive(B.project(this.plan, exprs, names));
  }

  /** Projects SQL expressions (`df.selectExpr('a', 'b * 2 AS b2', 'count(*)')`), parsed like a SELECT list. */
  selectExpr(...exprs: (string | string[])[]): DataFrame {
    const flat = exprs.flat();
    if (flat.length === 0) throw new IllegalArgumentError('selectExpr() needs at least one expression');
    flat.forEach((e, i) => expectString(e, 'selectExpr()', i + 1, 'a SQL expression string'));
    return this.derive(selectExprPlan(this.session, this.plan, flat));
  }

  /** Adds or replaces a column. */
  withColumn(name: string, c: Column): DataFrame {
    expectName(name, 'withColumn()', 1, 'new column name');
    return this.derive(B.withColumns(this.plan, [[name, expectColumn(c, 'withColumn()', 2).expr]]));
  }

  /** Adds or replaces several columns. */
  withColumns(cols: Record<string, Column>): DataFrame {
    const entries = Object.entries(expectRecord(cols, 'withColumns()', 1, 'an object mapping column names to Columns'));
    return this.derive(B.withColumns(this.plan, entries.map(([name, c]) => [name, expectColumn(c, 'withColumns()', `1['${name}']`).expr] as const)));
  }

  /** Renames a column (no-op if it does not exist, as in Spark). */
  withColumnRenamed(existing: string, newName: string): DataFrame {
    expectName(existing, 'withColumnRenamed()', 1, 'existing column name');
    expectName(newName, 'withColumnRenamed()', 2, 'new column name');
    return this.withColumnsRenamed({ [existing]: newName });
  }

  /** Renames several columns. */
  withColumnsRenamed(mapping: Record<string, string>): DataFrame {
    const m = expectRecord(mapping, 'withColumnsRenamed()', 1, 'an object mapping existing names to new names');
    for (const [k, v] of Object.entries(m)) expectName(v, 'withColumnsRenamed()', `1['${k}']`, 'new column name');
    return this.derive(B.renameColumns(this.plan, m as Record<string, string>));
  }

  /** Drops columns (names that do not exist are ignored, as in Spark). */
  drop(...cols: ColumnOrName[]): DataFrame {
    return this.derive(B.dropColumns(this.plan, cols.map((c, i) => (typeof c === 'string' ? c : expectColumn(c, 'drop()', i + 1).expr))));
  }

  /** Renames all columns positionally. */
  toDF(...names: string[]): DataFrame {
    names.forEach((n, i) => expectName(n, 'toDF()', i + 1, 'column name'));
    return this.derive(B.toDF(this.plan, names));
  }

  // ------------------------------------------------------------------ filters

  /** Keeps rows where the condition is true (null counts as false): a Column, or a SQL condition string like `'age > 30'`. */
  filter(condition: Column | string): DataFrame {
    if (typeof condition === 'string') return this.derive(filterPlan(this.session, this.plan, condition));
    if (!(condition instanceof Column)) throw argError('filter()', 1, 'a Column condition, e.g. col("age").gt(30), or a SQL condition string', condition);
    return this.derive(B.filter(this.plan, condition.expr));
  }

  /** Alias of filter. */
  where(condition: Column | string): DataFrame {
    return this.filter(condition);
  }

  // ------------------------------------------------------------------ aggregation

  /** Groups by columns for aggregation. */
  groupBy(...cols: (ColumnOrName | ColumnOrName[])[]): GroupedData {
    return new GroupedData(this, namesOrColumns(cols, 'groupBy()'));
  }
  /** Multi-level aggregation: groups by every prefix of `cols` (a, b), (a), () — GROUP BY ROLLUP. */
  rollup(...cols: (ColumnOrName | ColumnOrName[])[]): GroupedData {
    const keys = namesOrColumns(cols, 'rollup()');
    return new GroupedData(this, keys, rollupSets(keys.length));
  }
  /** Aggregation over every subset of `cols` — GROUP BY CUBE. */
  cube(...cols: (ColumnOrName | ColumnOrName[])[]): GroupedData {
    const keys = namesOrColumns(cols, 'cube()');
    return new GroupedData(this, keys, cubeSets(keys.length));
  }
  /** Alias of groupBy. */
  groupby(...cols: (ColumnOrName | ColumnOrName[])[]): GroupedData {
    return this.groupBy(...cols);
  }

  /**
   * Unpivots (PySpark's `unpivot` / `melt`): one row per input row and value column, with the
   * `ids` columns, `variableColumnName` holding the value column's name and `valueColumnName` its
   * value (the values' common type; an error names the columns when there is none). `values`
   * null: every column that is not an id. Rows with null values are kept (SQL's UNPIVOT drops them
   * unless INCLUDE NULLS).
   */
  unpivot(ids: ColumnOrName | readonly ColumnOrName[], values: ColumnOrName | readonly ColumnOrName[] | null, variableColumnName: string, valueColumnName: string): DataFrame {
    const idExprs = namesOrColumns([ids as ColumnOrName | ColumnOrName[]], 'unpivot()');
    const valueExprs = values === null || values === undefined ? null : namesOrColumns([values as ColumnOrName | ColumnOrName[]], 'unpivot()', 2);
    expectString(variableColumnName, 'unpivot()', 3);
    expectString(valueColumnName, 'unpivot()', 4);
    return this.derive(B.unpivot(this.plan, idExprs, valueExprs && valueExprs.map((e) => ({ columns: [e] })), variableColumnName, [valueColumnName], true));
  }
  /** Alias of unpivot (PySpark's `melt`). */
  melt(ids: ColumnOrName | readonly ColumnOrName[], values: ColumnOrName | readonly ColumnOrName[] | null, variableColumnName: string, valueColumnName: string): DataFrame {
    return this.unpivot(ids, values, variableColumnName, valueColumnName);
  }

  /** Aggregates over the whole frame (`df.agg(F.max('x'))`). */
  agg(...exprs: (Column | Column[])[]): DataFrame {
    return this.aggregate([], exprs.flat().map((c, i) => expectColumn(c, 'agg()', i + 1).expr));
  }

  /** @internal Builds Aggregate + Project for group expressions and (aggregate) output expressions. */
  aggregate(groupExprs: readonly Expr[], outExprs: readonly Expr[], groupingSets?: readonly (readonly number[])[]): DataFrame {
    return this.derive(B.aggregate(this.plan, groupExprs, outExprs, groupingSets));
  }

  // ------------------------------------------------------------------ ordering, limits, distinct

  /** Sorts by columns (names sort ascending; use `col(x).desc()` or `{ ascending }` for descending). */
  orderBy(...args: (ColumnOrName | ColumnOrName[] | { ascending: boolean | boolean[] })[]): DataFrame {
    let ascending: boolean | boolean[] | undefined;
    const cols: ColumnOrName[] = [];
    for (const a of args) {
      if (Array.isArray(a)) cols.push(...a);
      else if (a !== null && typeof a === 'object' && !(a instanceof Column) && 'ascending' in a) ascending = a.ascending;
      else cols.push(a as ColumnOrName);
    }
    if (ascending !== undefined && typeof ascending !== 'boolean') expectArray(ascending, 'orderBy()', 'ascending', 'true, false or an array of them', (x, at) => expectBoolean(x, 'orderBy()', at));
    return this.derive(B.orderBy(this.plan, namesOrColumns(cols, 'orderBy()'), ascending));
  }
  /** Alias of orderBy. */
  sort(...args: (ColumnOrName | ColumnOrName[] | { ascending: boolean | boolean[] })[]): DataFrame {
    return this.orderBy(...args);
  }

  /** The first `n` rows. */
  limit(n: number): DataFrame {
    return this.derive(B.limit(this.plan, expectInteger(n, 'limit()', 1, 0)));
  }

  /** Skips the first `n` rows. */
  offset(n: number): DataFrame {
    return this.derive(B.offset(this.plan, expectInteger(n, 'offset()', 1, 0)));
  }

  /** Distinct rows. */
  distinct(): DataFrame {
    return this.derive(B.distinct(this.plan));
  }

  /** Keeps the first row for each distinct value of `subset` (all columns if omitted). */
  dropDuplicates(subset?: string[]): DataFrame {
    const names = subset === undefined ? [] : expectArray(subset, 'dropDuplicates()', 1, 'an array of column names', (x, at) => expectName(x, 'dropDuplicates()', at, 'column name'));
    return this.derive(B.dropDuplicates(this.plan, names));
  }
  /** Alias of dropDuplicates. */
  drop_duplicates(subset?: string[]): DataFrame {
    return this.dropDuplicates(subset);
  }

  // ------------------------------------------------------------------ joins and unions

  /**
   * Joins with another DataFrame: `on` is a column name, a list of names (equi-join keeping one
   * copy of each key), or a Column condition; `how` is one of Spark's join kinds (default inner).
   */
  join(other: DataFrame, on?: string | string[] | Column | Column[], how: JoinHow = 'inner'): DataFrame {
    expectInstance(other, DataFrame, 'join()', 1, 'a DataFrame');
    const onKinds = 'a column name, an array of names, a Column condition or an array of Columns';
    let cond: readonly string[] | Expr | null = null;
    if (typeof on === 'string') cond = [on];
    else if (Array.isArray(on) && typeof on[0] === 'string') cond = expectArray(on, 'join()', 2, onKinds, (x, at) => expectName(x, 'join()', at, 'join column name'));
    else if (on !== undefined && on !== null && !(Array.isArray(on) && on.length === 0)) {
      const conds = Array.isArray(on) ? on.map((c, i) => expectColumn(c, 'join()', `2[${i}]`)) : [expectColumn(on, 'join()', 2)];
      cond = conds.slice(1).reduce((a, b) => a.and(b), conds[0]!).expr;
    }
    return this.derive(B.join(this.plan, other.plan, cond, expectString(how, 'join()', 3, "a join type such as 'inner' or 'left'")));
  }

  /** Cartesian product. */
  crossJoin(other: DataFrame): DataFrame {
    return this.derive(B.crossJoin(this.plan, expectInstance(other, DataFrame, 'crossJoin()', 1, 'a DataFrame').plan));
  }

  /** Union by column position (duplicates kept, like SQL UNION ALL). */
  union(other: DataFrame): DataFrame {
    return this.derive(B.union(this.plan, expectInstance(other, DataFrame, 'union()', 1, 'a DataFrame').plan));
  }
  /** Alias of union. */
  unionAll(other: DataFrame): DataFrame {
    return this.union(other);
  }

  /** Rows in both frames, keeping duplicates (min of the two counts per row; SQL INTERSECT ALL; columns by position). */
  intersectAll(other: DataFrame): DataFrame {
    return this.derive(B.intersectExceptAll(this.plan, expectInstance(other, DataFrame, 'intersectAll()', 1, 'a DataFrame').plan, 'intersect'));
  }
  /** Rows of this frame not in `other`, keeping duplicates (count here minus count there per row; SQL EXCEPT ALL). */
  exceptAll(other: DataFrame): DataFrame {
    return this.derive(B.intersectExceptAll(this.plan, expectInstance(other, DataFrame, 'exceptAll()', 1, 'a DataFrame').plan, 'except'));
  }

  /** Union matching columns by name; with `allowMissingColumns`, absent columns are null. */
  unionByName(other: DataFrame, allowMissingColumns = false): DataFrame {
    expectInstance(other, DataFrame, 'unionByName()', 1, 'a DataFrame');
    return this.derive(B.unionByName(this.plan, other.plan, expectBoolean(allowMissingColumns, 'unionByName()', 2)));
  }

  // ------------------------------------------------------------------ partitioning

  /** Redistributes rows into `n` partitions: round-robin, or by hash of `cols` (a shuffle). */
  repartition(n: number, ...cols: ColumnOrName[]): DataFrame {
    return this.derive(B.repartition(this.plan, expectInteger(n, 'repartition()', 1, 1), namesOrColumns(cols, 'repartition()', 2)));
  }

  /**
   * Runs `fn` over each partition's rows (PySpark's `mapInPandas` / `mapInArrow`): it receives an
   * async iterable of Arrow RecordBatches (at most `spark.sql.execution.arrow.maxRecordsPerBatch`
   * rows each, default 10,000, read when this is called) and the UDF context last, and yields (or
   * returns) RecordBatches or Tables with the columns of `schema` (a DDL string such as
   * `'label int, p double'`, a Schema or an Arrow Schema), matched by name; rows may be added or
   * dropped. `fn` is shipped by source (closures are refused: pass values as `options.args`, build
   * per-worker state with `options.init`) or is a module reference (`moduleFunction` /
   * `F.fromModule`), and runs in the worker threads. Its errors, and output that does not fit the
   * schema, fail the job with a `UdfError` naming it and the partition.
   */
  mapInArrow<Args = unknown, State = unknown>(fn: MapInArrowFunction<Args, State> | FunctionRef, schema: UdfSchemaInput, options?: MapInArrowOptions<Args>): DataFrame {
    const batchSize = this.session.conf.arrowMaxRecordsPerBatch();
    return this.derive(mapInArrowPlan(this.plan, fn, schema, options, batchSize));
  }

  /** Reduces the number of partitions to at most `n` by merging neighbours (no shuffle). */
  coalesce(n: number): DataFrame {
    return this.derive(B.coalesce(this.plan, expectInteger(n, 'coalesce()', 1, 1)));
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
      fraction = expectNumber(b, 'sample()', 2);
      seed = c;
    } else {
      fraction = expectNumber(a, 'sample()', 1);
      seed = b;
    }
    if (seed !== undefined) expectInteger(seed, 'sample()', 'seed');
    return this.derive(B.sample(this.plan, fraction, withReplacement, seed ?? Math.floor(Math.random() * 2 ** 31)));
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
    const schema = this.plan.schema;
    const only = subset === undefined ? undefined : columnSubset(schema, subset, 'fillna()', 2);
    const fills = new Map<number, Expr>();
    if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
      for (const [k, v] of Object.entries(expectRecord(value, 'fillna()', 1, 'a fill value or an object mapping column names to values'))) {
        fills.set(resolveColumn(schema, k), toExpr(v as LiteralInput, 'fillna()', `1['${k}']`));
      }
    } else {
      const v = value as LiteralInput;
      const e = toExpr(v, 'fillna()', 1);
      for (const i of B.fillableColumns(schema, literal(v, 'fillna()', 1).type)) if (!only || only.includes(i)) fills.set(i, e);
    }
    return this.derive(B.fillNulls(this.plan, fills));
  }

  /** Drops rows with nulls (or NaN): `how` 'any' (default) or 'all', or keep rows with at least `thresh` non-null values. */
  dropna(how: 'any' | 'all' = 'any', thresh?: number, subset?: string | string[]): DataFrame {
    const schema = this.plan.schema;
    expectOneOf(how, 'dropna()', 1, ['any', 'all'] as const);
    if (thresh !== undefined && thresh !== null) expectInteger(thresh, 'dropna()', 2, 0);
    const idx = subset === undefined ? schema.fields.map((_, i) => i) : columnSubset(schema, subset, 'dropna()', 3);
    const out = B.dropNulls(this.plan, idx, thresh ?? (how === 'all' ? 1 : idx.length));
    return out === this.plan ? this : this.derive(out);
  }

  // ------------------------------------------------------------------ actions

  /**
   * @internal Runs the plan and returns the result batches in order. `asRows`: the caller turns them
   * into row objects, so maxResultSize also counts an estimate of each row's heap size.
   */
  async execute(signal?: AbortSignal, asRows = false): Promise<{ schema: Schema; batches: Batch[] }> {
    const opts = this.session.runOptions(signal);
    const res = await runJob(await this.session.resolveCaches(this.plan), this.session.plannerConfig(), asRows ? { ...opts, resultRowBytes: rowObjectBytes(this.schema) } : opts);
    // The job's result is not kept on the session: its plan would keep cached data alive after unpersist().
    return { schema: this.schema, batches: res.partitions.flat() };
  }

  /**
   * All rows as plain objects. Pass `{ signal }` to cancel the job. Fails with a ResultTooLargeError
   * when the result would exceed the session's `maxResultSize`; use `toLocalIterator()` or `write` then.
   */
  async collect(options: ActionOptions = {}): Promise<Row[]> {
    const { schema, batches } = await this.execute(options.signal, true);
    return concatBatches(schema, batches.map((b) => new Batch(schema, b.columns, b.numRows))).toRows();
  }

  /** The result as an apache-arrow Table. Pass `{ signal }` to cancel the job. */
  async toArrow(options: ActionOptions = {}): Promise<arrow.Table> {
    const { schema, batches } = await this.execute(options.signal);
    return batchesToTable(schema, batches);
  }

  /**
   * The rows as an async iterator (PySpark's `toLocalIterator()`), in the same order as `collect()`.
   * Runs one job: the stages before the last run once (a shuffle's output, e.g. of `orderBy`, stays in
   * memory until the iteration ends), then the last stage runs one partition at a time, each fetched
   * when the previous one is consumed, so at most one result partition is held at once. Not limited by
   * `maxResultSize`. Stopping the iteration early (`break`) ends the job.
   */
  async *toLocalIterator(options: ActionOptions = {}): AsyncGenerator<Row> {
    for await (const part of this.resultPartitions(options.signal)) for (const b of part) yield* b.toRows();
  }

  /** Like `toLocalIterator()`, but yields apache-arrow RecordBatches (each result partition's batches) instead of rows. */
  async *toLocalIteratorBatches(options: ActionOptions = {}): AsyncGenerator<arrow.RecordBatch> {
    for await (const part of this.resultPartitions(options.signal)) if (part.length > 0) yield* batchesToTable(this.schema, part).batches;
  }

  /** The result stage's partitions in order, one at a time (see toLocalIterator). */
  private async *resultPartitions(signal?: AbortSignal): AsyncGenerator<Batch[]> {
    const schema = this.schema;
    const { physical } = prepare(await this.session.resolveCaches(this.plan), this.session.plannerConfig());
    for await (const part of streamPhysical(physical, this.session.runOptions(signal))) yield part.map((b) => new Batch(schema, b.columns, b.numRows));
  }

  /** Number of rows. Pass `{ signal }` to cancel the job. */
  async count(options: ActionOptions = {}): Promise<number> {
    const df = this.agg(new Column({ kind: 'agg', fn: 'count', args: [], distinct: false }).alias('count'));
    const rows = await df.collect(options);
    return rows[0]!['count'] as number;
  }

  /** The first `n` rows. */
  async take(n: number): Promise<Row[]> {
    return this.limit(expectInteger(n, 'take()', 1, 0)).collect();
  }
  /** The first `n` rows (default 1: then the row itself, or null when empty, as in PySpark). */
  async head(): Promise<Row | null>;
  async head(n: number): Promise<Row[]>;
  async head(n?: number): Promise<Row | Row[] | null> {
    if (n === undefined) return (await this.take(1))[0] ?? null;
    return this.limit(expectInteger(n, 'head()', 1, 0)).collect();
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
    const opts: ShowOptions = typeof n === 'number' ? { n, truncate } : expectRecord(n, 'show()', 1, 'a row count or options { n, truncate, vertical }');
    if (opts.n !== undefined) expectInteger(opts.n, 'show()', typeof n === 'number' ? 1 : 'n', 0);
    if (typeof opts.truncate !== 'number') expectBoolean(opts.truncate ?? true, 'show()', typeof n === 'number' ? 2 : 'truncate');
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
    cols.forEach((c, i) => expectName(c, 'describe()', i + 1, 'column name'));
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
    if (typeof mode !== 'boolean') expectOneOf(mode, 'explain()', 1, ['simple', 'extended', 'formatted', 'analyze'] as const);
    if (mode === 'analyze') return this.explainAnalyze();
    const m = mode === true ? 'extended' : mode === false ? 'simple' : mode;
    const text = explainString(this.session.cacheManager.substituteForExplain(this.plan), this.session.plannerConfig(), m);
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
    this.session.catalog.registerView(expectName(name, 'createOrReplaceTempView()', 1, 'view name'), this, true);
  }
  /** Registers this DataFrame as a temporary view; fails if the name is taken. */
  createTempView(name: string): void {
    this.session.catalog.registerView(expectName(name, 'createTempView()', 1, 'view name'), this, false);
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

  /**
   * True if this DataFrame's data is cached: cache()/persist() was called on it, or on another
   * DataFrame with the same plan (e.g. the frame behind a cached view), and not undone.
   */
  get isCached(): boolean {
    return this.session.cacheManager.has(this.plan);
  }

  /** PySpark's name for {@link isCached}. */
  get is_cached(): boolean {
    return this.isCached;
  }

  /**
   * The storage level, as PySpark reports it: `'MEMORY_ONLY'` when cached (Kindling keeps cached
   * partitions in memory, in one process), `'NONE'` otherwise.
   */
  get storageLevel(): 'MEMORY_ONLY' | 'NONE' {
    return this.isCached ? 'MEMORY_ONLY' : 'NONE';
  }
}

/** Column indices of a `subset` argument: one name or an array of names. */
function columnSubset(schema: Schema, subset: string | string[], method: string, arg: number): number[] {
  const names = typeof subset === 'string' ? [subset] : expectArray(subset, method, arg, 'a column name or an array of names', (x, at) => expectName(x, method, at, 'column name'));
  return names.map((n) => resolveColumn(schema, n));
}

function formatBytes(n: number): string {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

/** Estimated heap bytes of one row object of this schema (object header plus a slot and a boxed value per field). */
function rowObjectBytes(schema: Schema): number {
  return 32 + 24 * schema.fields.length;
}

/** Formats a value for show(). */
export function formatCell(v: unknown, type: DataType): string {
  if (v === null || v === undefined) return 'NULL';
  if (isList(type)) {
    const et = elementType(type);
    return `[${(v as unknown[]).map((x) => formatCell(x, et)).join(', ')}]`;
  }
  // Spark's show(): structs as {1, a}, maps as {a -> 1}.
  if (isStruct(type)) return `{${structFields(type).map((f) => formatCell((v as Record<string, unknown>)[f.name], f.type)).join(', ')}}`;
  if (isMap(type)) {
    const { key, value } = mapTypes(type);
    return `{${[...(v as Map<unknown, unknown>)].map(([k, x]) => `${formatCell(k, key)} -> ${formatCell(x, value)}`).join(', ')}}`;
  }
  if (type === 'float64') return formatDouble(v as number);
  if (type === 'date32') return formatDate(Math.floor((v as Date).getTime() / 86_400_000));
  if (type === 'timestamp') return formatTimestamp((v as Date).getTime() * 1000);
  if (type === 'binary') return `[${Array.from(v as Uint8Array, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ')}]`;
  return String(v);
}

/** The result of `groupBy(...)`: aggregate with `agg(...)` or shortcuts. */
export class GroupedData {
  /** @internal */
  constructor(
    private readonly df: DataFrame, private readonly keys: readonly Expr[], private readonly sets?: readonly (readonly number[])[],
    private readonly pivotSpec?: { readonly column: Expr; readonly values: readonly PivotValueSpec[] },
  ) {}

  /** Aggregates per group; output has the group columns then one column per expression (after `pivot()`: one per pivot value and expression). */
  agg(...exprs: (Column | Column[])[]): DataFrame {
    const flat = exprs.flat();
    if (flat.length === 0) throw new IllegalArgumentError('agg() needs at least one aggregate expression');
    return this.aggregate(flat.map((c, i) => expectColumn(c, 'GroupedData.agg()', i + 1).expr));
  }
  private aggregate(outExprs: readonly Expr[]): DataFrame {
    if (!this.pivotSpec) return this.df.aggregate(this.keys, outExprs, this.sets);
    return this.df.session.dataFrameOf(B.pivot(this.df.plan, this.keys, [this.pivotSpec.column], this.pivotSpec.values, outExprs));
  }
  /**
   * Pivots `pivotCol` (PySpark's `GroupedData.pivot`): the aggregation that follows (`agg`, `sum`,
   * `count`, ...) gives one column per value of `pivotCol` (per value and aggregate with several
   * aggregates, named `value_aggregate`), grouped by the groupBy columns. With `values` it returns
   * the pivoted GroupedData at once; without, it first runs a job for the column's distinct values
   * (sorted, nulls first; more than `spark.sql.pivotMaxValues` = 10000 is an error) and so returns
   * a Promise, as Kindling's jobs are asynchronous.
   */
  pivot(pivotCol: ColumnOrName, values: readonly (LiteralInput | Column)[]): GroupedData;
  pivot(pivotCol: ColumnOrName): Promise<GroupedData>;
  pivot(pivotCol: ColumnOrName, values?: readonly (LiteralInput | Column)[]): GroupedData | Promise<GroupedData> {
    if (this.sets) throw new IllegalArgumentError('pivot() is only supported after groupBy(), not after rollup() / cube()');
    if (this.pivotSpec) throw new IllegalArgumentError('Repeated pivots are not supported: call pivot() once after groupBy()');
    const column = nameOrColumn(pivotCol, 'pivot()', 1);
    const make = (vs: readonly Expr[]) => new GroupedData(this.df, this.keys, undefined, { column, values: vs.map((e) => ({ exprs: [e] })) });
    if (values !== undefined && values !== null) return make(expectArray(values, 'pivot()', 2, 'an array of pivot values', (v, at) => toExpr(v as LiteralInput | Column, 'pivot()', at)));
    return this.distinctPivotValues(column).then(make);
  }
  /** The sorted distinct values of the pivot column, as literals cast to its type (Spark's first pivot job). */
  private async distinctPivotValues(column: Expr): Promise<Expr[]> {
    const maxValues = Number(this.df.session.conf.get(PIVOT_MAX_VALUES_KEY, String(PIVOT_MAX_VALUES_DEFAULT)));
    const one = this.df.select(new Column(column));
    const type = one.plan.schema.fields[0]!.type;
    const rows = await one.distinct().limit(maxValues + 1).orderBy(one.plan.schema.fields[0]!.name).collect();
    if (rows.length > maxValues) {
      throw new AnalysisError(`The pivot column ${exprName(column)} has more than ${maxValues} distinct values, this could indicate an error. If this was intended, set ${PIVOT_MAX_VALUES_KEY} to at least the number of distinct values of the pivot column.`);
    }
    return rows.map((r): Expr => ({ kind: 'cast', expr: toExpr(Object.values(r)[0] as LiteralInput, 'pivot()', 1), to: type }));
  }
  /**
   * Runs `fn` once per group (PySpark's `applyInPandas`): the rows are shuffled by the grouping
   * keys, and each group reaches `fn` as one Arrow Table with every column (keys included), the
   * UDF context last (`withKey: true`: the key values first, `(key, table, ctx)`). It returns a
   * Table, a RecordBatch or an array of them, sync or async, with the columns of `schema`
   * (matched by name). Rows with null keys form one group. A group must fit in a worker's memory:
   * one larger than `maxGroupBytes` (default a quarter of the worker's heap limit) fails the job
   * with a `UdfError` naming its key values.
   */
  applyInArrow<Args = unknown, State = unknown>(fn: ApplyInArrowKeyFunction<Args, State>, schema: UdfSchemaInput, options: ApplyInArrowOptions<Args> & { readonly withKey: true }): DataFrame;
  applyInArrow<Args = unknown, State = unknown>(fn: ApplyInArrowFunction<Args, State> | FunctionRef, schema: UdfSchemaInput, options?: ApplyInArrowOptions<Args>): DataFrame;
  applyInArrow(fn: ApplyInArrowFunction | ApplyInArrowKeyFunction | FunctionRef, schema: UdfSchemaInput, options?: ApplyInArrowOptions): DataFrame {
    return new DataFrame(this.df.session, applyInArrowPlan(this.df.plan, this.keys, fn, schema, options));
  }
  /** Rows per group, as column `count`. */
  count(): DataFrame {
    return this.aggregate([{ kind: 'alias', expr: { kind: 'agg', fn: 'count', args: [], distinct: false }, name: 'count' }]);
  }
  private each(fn: string, cols: string[]): DataFrame {
    cols.forEach((c, i) => expectName(c, `GroupedData.${fn}()`, i + 1, 'column name'));
    const names = cols.length ? cols : this.df.plan.schema.fields.filter((f) => isNumeric(f.type)).map((f) => f.name);
    return this.aggregate(names.map((n) => ({ kind: 'agg', fn, args: [{ kind: 'col', name: n }], distinct: false })));
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

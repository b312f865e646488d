/**
 * Session (PySpark's SparkSession): configuration, the entry points that create DataFrames
 * (read, createDataFrame, range), the temp-view catalog, and lifecycle (stop).
 */
import { type KernelsDescription, type KernelsOption, chooseKernels, parseKernelsOption } from './kernels/index.js';
import { UDFRegistration } from './udf/registration.js';
import { ModelCatalog } from './models/handle.js';
import { setMaxListeners } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { pathToFileURL } from 'node:url';
import * as arrow from 'apache-arrow';
import { Batch, BATCH_SIZE, batchFromRows } from './data/batch.js';
import { tableToBatches } from './data/arrow.js';
import { DataFrame } from './dataframe.js';
import { sqlToDataFrame } from './sql/planner.js';
import { AnalysisError, ArithmeticOverflowError, ExecutionError, IllegalArgumentError, didYouMean } from './errors.js';
import { argError, expectInteger, expectName, expectString } from './api-args.js';
import { type JobEvents, type RunOptions, runJob } from './exec/scheduler.js';
import { CacheManager, sharedCacheLayout } from './cache.js';
import { encodeCachedPartitions } from './data/dictionary.js';
import { cacheLoadPlan } from './io/csv-cache.js';
import { DictionaryMerger } from './io/csv-dictionary-merge.js';
import { RuntimeConfig } from './conf.js';
import type { LogicalPlan } from './plan/logical.js';
import { type WorkerPool, acquirePool, releasePool } from './exec/pool.js';
import { ProgressReporter } from './exec/progress.js';
import { defaultMemoryLimit, parseMemorySize } from './exec/memory.js';
import type { CsvReadOptions } from './io/csv.js';
import { parseDDLSchema } from './io/csv.js';
import { csvReadFormat } from './io/file-sources.js';
import { type JsonReadOptions, jsonReadFormat } from './io/json.js';
import { type ReadContext, readFormat } from './io/read-format.js';
import { type DataSource, MemorySource, RangeSource } from './io/source.js';
import type { PlannerConfig } from './plan/physical.js';
import { MAX_EXACT_INT, type Row, Schema } from './types.js';

/** Options of `Session.create`. */
export interface SessionOptions {
  /** Worker threads for execution (default: the number of CPU cores). */
  threads?: number;
  /** Partitions after a shuffle (default: 2 × threads), like spark.sql.shuffle.partitions. */
  shufflePartitions?: number;
  /** Largest estimated size in bytes of a join side to broadcast (default 10 MiB; -1 disables), like spark.sql.autoBroadcastJoinThreshold. */
  autoBroadcastJoinThreshold?: number;
  /** Target bytes per CSV split (default 32 MiB), like spark.sql.files.maxPartitionBytes. */
  maxPartitionBytes?: number;
  /** Application name (informational). */
  appName?: string;
  /** Retries of a task whose worker died (crash, out of memory, process.exit), like spark.task.maxFailures - 1 (default 3). */
  maxTaskRetries?: number;
  /** Modules every worker imports once before running tasks (e.g. files that register UDFs or load models). */
  workerModules?: string[];
  /** Show a progress bar on stderr for jobs longer than a second when stderr is a TTY (default true). */
  progress?: boolean;
  /**
   * Heap limit of each worker thread in MiB (V8's old generation; default: V8's own limit). A task
   * that exceeds it kills its worker: the task is retried like any worker death, then the job fails
   * with an ExecutionError. Like spark.executor.memory for a Spark executor.
   */
  workerHeapMB?: number;
  /**
   * Largest result in bytes that `collect()`, `toArrow()`, `take()` and `show()` gather in the main
   * thread, like spark.driver.maxResultSize (default: a quarter of the main thread's heap limit, at
   * most 1 GiB; 0 = unlimited). Checked as each result partition arrives: columnar bytes, plus an
   * estimate of each row object's heap size for `collect()`. Past it the job fails with a
   * ResultTooLargeError; `df.toLocalIterator()` streams results without this limit.
   */
  maxResultSize?: number;
  /**
   * Memory that operators may buffer, in bytes or as a size like `'512m'` or `'4g'` (default: half
   * of the machine's memory, or of the process's cgroup limit; 0 = unlimited), like DuckDB's
   * memory_limit. Join build sides, aggregation tables, sorts, window partitions, task outputs and
   * the shuffle data and results a job holds count against it (their buffers live outside the V8
   * heap, so `--max-old-space-size` does not bound them); each task on a worker gets
   * `memoryLimit / threads`. Past it the job fails with a MemoryLimitError naming the operator.
   */
  memoryLimit?: number | string;
  /**
   * The kernel backend expressions, grouped sums and dense model scoring run on (README,
   * Kernels): 'js' (default), 'auto' (per operator and batch, the backend the measured
   * calibration says is cheapest among those that load, else js), or a forced 'tfjs-cpu' | 'tfjs-wasm' |
   * 'tfjs-node' | 'tfjs-node-gpu' | 'webgpu'; `{ backend, precision: 'float32' }` lets the
   * float32 TensorFlow.js backends take float64/int columns too. One that does not load prints
   * a one-line notice and falls back to js.
   */
  kernels?: KernelsOption;
}

/** Temp views by name (case-insensitive, like Spark). */
export class Catalog {
  private readonly views = new Map<string, { name: string; df: DataFrame }>();

  /** @internal */
  constructor(private readonly cacheManager: CacheManager) {}

  /** @internal */
  registerView(name: string, df: DataFrame, replace: boolean): void {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new IllegalArgumentError(`invalid view name '${name}': use letters, digits and underscores, not starting with a digit`);
    const key = name.toLowerCase();
    if (!replace && this.views.has(key)) throw new AnalysisError(`temporary view '${name}' already exists; use createOrReplaceTempView`);
    this.views.set(key, { name, df: df.alias(name) });
  }

  /** Names of the temp views. */
  listTables(): { name: string; isTemporary: boolean }[] {
    return [...this.views.values()].map((v) => ({ name: v.name, isTemporary: true })).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Drops a temp view; returns whether it existed. */
  dropTempView(name: string): boolean {
    return this.views.delete(name.toLowerCase());
  }

  /** True if a temp view of this name exists. */
  tableExists(name: string): boolean {
    return this.views.has(name.toLowerCase());
  }

  /** The DataFrame behind a view (AnalysisError with suggestions if unknown). */
  table(name: string): DataFrame {
    const v = this.views.get(name.toLowerCase());
    if (!v) throw new AnalysisError(`table or view '${name}' not found${didYouMean(name, [...this.views.values()].map((x) => x.name))}`);
    return v.df;
  }

  /**
   * Caches a view's data (Spark's `spark.catalog.cacheTable`): lazily, computed by the first
   * query that reads it; queries over the view, and over any plan containing it, then read the
   * cache. Returns the view's DataFrame.
   */
  cacheTable(name: string): DataFrame {
    return this.table(expectName(name, 'cacheTable()', 1, 'view name')).cache();
  }

  /** Drops a view's cached data (`UNCACHE TABLE`); the view stays. */
  uncacheTable(name: string): void {
    void this.table(expectName(name, 'uncacheTable()', 1, 'view name')).unpersist();
  }

  /** True if the view's data is cached. */
  isCached(name: string): boolean {
    return this.table(expectName(name, 'isCached()', 1, 'view name')).isCached;
  }

  /** Drops all cached data of the session (`CLEAR CACHE`). */
  clearCache(): void {
    this.cacheManager.clear();
  }
}

/** CSV reader options as accepted by `spark.read.csv` (Spark's option names). */
export type CsvOptions = CsvReadOptions;

/** `spark.read`: CSV and Parquet readers, in PySpark's shapes. */
export class DataFrameReader {
  private fmt = 'parquet';
  private readonly opts: Record<string, unknown> = {};
  private userSchema: Schema | string | undefined;

  /** @internal */
  constructor(private readonly session: Session) {}

  /** Input format for load(): 'csv', 'parquet' or 'json'. */
  format(format: string): this {
    this.fmt = format.toLowerCase();
    return this;
  }
  /** Sets one reader option (e.g. header, sep, inferSchema). */
  option(key: string, value: string | number | boolean): this {
    this.opts[key] = value;
    return this;
  }
  /** Sets several reader options. */
  options(options: Record<string, string | number | boolean>): this {
    Object.assign(this.opts, options);
    return this;
  }
  /** An explicit schema (a Schema or a DDL string like 'a INT, b STRING'). */
  schema(schema: Schema | string): this {
    this.userSchema = schema;
    return this;
  }

  /** Reads CSV from a file, a folder of part files, or a glob. */
  csv(path: string | string[], options: CsvOptions = {}): DataFrame {
    // CSV opens synchronously (its files are listed and sampled now), so csv() returns a DataFrame.
    return this.session.fromSource(csvReadFormat.open(path, { ...this.opts, ...options }, this.userSchema, this.context()) as DataSource);
  }

  /**
   * Reads JSON Lines (one object per line; `multiLine: true`: one JSON value per file) from a
   * file, a folder of part files, a glob or a list of those. The schema is inferred from the
   * records (Spark's rules) unless given with `.schema()` or the `schema` option.
   */
  json(path: string | string[], options: JsonReadOptions = {}): DataFrame {
    // JSON opens synchronously (its files are listed and inferred now), so json() returns a DataFrame.
    return this.session.fromSource(jsonReadFormat.open(path, { ...this.opts, ...options }, this.userSchema, this.context()) as DataSource);
  }

  /** Reads Parquet from a file, a folder of part files, or a glob (async: the footers are read now). */
  async parquet(path: string | string[]): Promise<DataFrame> {
    return this.from('parquet', path);
  }

  /** Reads in the format set by format() (any registered input format, see `registerReadFormat`). */
  async load(path: string | string[]): Promise<DataFrame> {
    return this.from(this.fmt, path);
  }

  private async from(format: string, path: string | string[]): Promise<DataFrame> {
    return this.session.fromSource(await readFormat(format).open(path, this.opts, this.userSchema, this.context()));
  }

  private context(): ReadContext {
    return { maxPartitionBytes: this.session.options.maxPartitionBytes, threads: this.session.threads, dictionary: this.session.conf.dictionaryEnabled() };
  }
}

/** Worker modules are imported by URL: resolve paths against the current directory. */
function resolveModule(m: string): string {
  if (/^[a-z]+:/.test(m)) return m;
  return pathToFileURL(path.resolve(m)).href;
}

/**
 * A `range()` bound: an integer (a number or a bigint) within ±2^53, where ids are exact; beyond
 * it `ArithmeticOverflowError`, as for every long value (README "Types").
 */
function rangeBound(v: unknown, name: string): number {
  const big = typeof v === 'bigint' ? v : typeof v === 'number' && Number.isInteger(v) ? null : undefined;
  if (big === undefined) return expectInteger(v, 'range()', name);
  const n = Number(v);
  if (big !== null ? big > BigInt(MAX_EXACT_INT) || big < -BigInt(MAX_EXACT_INT) : Math.abs(n) > MAX_EXACT_INT) {
    throw new ArithmeticOverflowError(`range(): ${name} ${String(v)} is outside the exact range ±2^53 that Kindling supports for long ids; use bounds within ±9007199254740991`);
  }
  return n;
}

/** The entry point: holds configuration and creates DataFrames. */
export class Session {
  /** Resolved options. */
  readonly options: Required<Omit<SessionOptions, 'workerHeapMB' | 'memoryLimit' | 'kernels'>> & Pick<SessionOptions, 'workerHeapMB'> & { readonly memoryLimit: number };
  private pool: WorkerPool | null = null;
  /** Aborted by stop(): cancels the jobs still running. */
  private readonly stopping = new AbortController();
  private readonly listeners = new Map<keyof JobEvents, Set<(payload: never) => void>>();
  /** @internal Cached DataFrames (cache()/persist(), CACHE TABLE). */
  readonly cacheManager = new CacheManager();
  /** Temp views and their caching (`spark.catalog`). */
  readonly catalog = new Catalog(this.cacheManager);
  /** Runtime settings (`spark.conf`), e.g. `spark.sql.optimizer.excludedRules`. */
  readonly conf = new RuntimeConfig();
  /** This session's UDFs for SQL (`spark.udf.register(name, f, returnType?)`), invisible to other sessions. */
  readonly udf = new UDFRegistration();
  /** Models for scoring (`spark.models.load(uri)` → a handle whose `udf()` / `F.predict` scores in the workers). */
  readonly models = new ModelCatalog(() => (this.kernelChoice ? { kernels: { backend: this.kernelChoice.expr.name, precision: this.kernelChoice.description.precision } } : {}));
  /** File readers. */
  get read(): DataFrameReader {
    return new DataFrameReader(this);
  }

  /** @internal Substitutes cached subtrees (materialising them on first use). */
  resolveCaches(plan: LogicalPlan): Promise<LogicalPlan> {
    return this.cacheManager.substitute(plan, async (p) => {
      // The cache holds compact layouts: low-cardinality strings as dictionaries (data/dictionary.ts),
      // read by CSV scans as one dictionary per split and merged here (io/csv-cache.ts).
      const dict = this.conf.dictionaryEnabled();
      const load = dict ? cacheLoadPlan(p) : { plan: p, fresh: false };
      // Split dictionaries are merged as the partitions arrive (io/csv-dictionary-merge.ts).
      const merger = dict && load.fresh ? new DictionaryMerger() : null;
      const parts = (await runJob(load.plan, this.plannerConfig(), merger ? { ...this.runOptions(), onResult: (i, bs) => merger.add(i, bs) } : this.runOptions())).partitions;
      const compact = dict ? encodeCachedPartitions(parts, { shared: this.options.threads > 1, inPlace: load.fresh, ...(merger ? { premerged: (c, ps) => merger.column(c, ps) } : {}) }) : parts;
      // With workers, the cache holds each buffer once, in shared memory (cache.ts).
      return this.options.threads > 1 ? sharedCacheLayout(compact) : compact;
    });
  }

  private stopped = false;

  private constructor(options: SessionOptions) {
    const threads = options.threads ?? Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
    if (!Number.isInteger(threads) || threads < 1) throw new IllegalArgumentError(`threads must be a positive integer, got ${options.threads}`);
    this.options = {
      threads,
      shufflePartitions: options.shufflePartitions ?? Math.max(1, threads * 2),
      autoBroadcastJoinThreshold: options.autoBroadcastJoinThreshold ?? 10 * 1024 * 1024,
      maxPartitionBytes: options.maxPartitionBytes ?? 32 * 1024 * 1024,
      appName: options.appName ?? 'kindling',
      maxTaskRetries: options.maxTaskRetries ?? 3,
      workerModules: (options.workerModules ?? []).map(resolveModule),
      progress: options.progress ?? true,
      workerHeapMB: options.workerHeapMB,
      maxResultSize: options.maxResultSize ?? Math.min(2 ** 30, Math.floor(v8.getHeapStatistics().heap_size_limit / 4)),
      memoryLimit: options.memoryLimit === undefined ? defaultMemoryLimit() : parseMemorySize(options.memoryLimit, 'memoryLimit'),
    };
    // Every running job listens for stop() (and stops listening when it ends): not a leak.
    setMaxListeners(0, this.stopping.signal);
    const heap = options.workerHeapMB;
    if (heap !== undefined && !(Number.isInteger(heap) && heap >= 16)) throw new IllegalArgumentError(`workerHeapMB must be an integer number of MiB of at least 16, got ${heap}`);
    const mrs = this.options.maxResultSize;
    if (!(Number.isSafeInteger(mrs) && mrs >= 0)) throw new IllegalArgumentError(`maxResultSize must be a whole number of bytes (0 = unlimited), got ${String(mrs)}`);
  }

  /** Subscribes to job events: 'jobStart', 'stageSubmitted', 'taskEnd', 'stageCompleted', 'jobEnd'. Returns an unsubscribe function. */
  on<K extends keyof JobEvents>(event: K, listener: (payload: JobEvents[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as (payload: never) => void);
    return () => set!.delete(listener as (payload: never) => void);
  }

  /** @internal How jobs of this session run (pool, worker modules, events, cancellation). */
  runOptions(signal?: AbortSignal): RunOptions {
    this.checkOpen();
    if (!this.pool && this.options.threads > 1) {
      const { threads, maxTaskRetries, workerModules: modules, workerHeapMB } = this.options;
      this.pool = acquirePool({ threads, maxTaskRetries, modules, workerHeapMB });
    }
    const progress = this.options.progress && process.stderr.isTTY ? new ProgressReporter(process.stderr) : null;
    const emit = <K extends keyof JobEvents>(event: K, payload: JobEvents[K]) => {
      progress?.handle(event, payload);
      for (const l of this.listeners.get(event) ?? []) (l as (p: JobEvents[K]) => void)(payload);
    };
    // A job ends when its caller aborts it or when the session stops, whichever comes first.
    return { pool: this.pool, modules: this.options.workerModules, emit, stopSignal: this.stopping.signal, maxResultSize: this.options.maxResultSize, memoryLimit: this.options.memoryLimit, ...(signal ? { signal } : {}), ...(this.kernelChoice && this.kernelChoice.expr.name !== 'js' ? { kernels: { backend: this.kernelChoice.expr.name, precision: this.kernelChoice.description.precision } } : {}) };
  }

  /** Creates a session. */
  static async create(options: SessionOptions = {}): Promise<Session> {
    parseKernelsOption(options.kernels);
    const session = new Session(options);
    if (options.kernels !== undefined) session.kernelChoice = await chooseKernels(options.kernels);
    return session;
  }

  private kernelChoice: Awaited<ReturnType<typeof chooseKernels>> | undefined;

  /** The kernel backends: `spark.kernels.describe()` says which were tried, which loaded and which was chosen. */
  get kernels(): { describe(): KernelsDescription } {
    const c = this.kernelChoice;
    return { describe: () => c?.description ?? { requested: 'js', precision: 'exact', tried: [{ backend: 'js', loaded: true }], chosen: 'js', candidates: ['js'], transfers: {} } };
  }

  /** Worker threads. */
  get threads(): number {
    return this.options.threads;
  }

  /** @internal Planner settings. */
  plannerConfig(): PlannerConfig {
    this.checkOpen();
    return {
      shufflePartitions: this.options.shufflePartitions, autoBroadcastJoinThreshold: this.options.autoBroadcastJoinThreshold, optimizerExcludedRules: this.conf.excludedRules(),
      arrowMaxRecordsPerBatch: this.conf.arrowMaxRecordsPerBatch(), directAggregation: this.conf.directAggregation(), aggregateSplitGroups: this.conf.aggregateSplitGroups(),
      ...(this.kernelChoice ? { exprBackend: this.kernelChoice.expr } : {}),
    };
  }

  private checkOpen(): void {
    if (this.stopped) throw new IllegalArgumentError('this Session was stopped; create a new one with Session.create()');
  }

  /** @internal A DataFrame over a resolved logical plan (how the SQL planner hands back its results). */
  dataFrameOf(plan: LogicalPlan): DataFrame {
    return new DataFrame(this, plan);
  }

  /** @internal A DataFrame scanning a source. */
  fromSource(source: DataSource): DataFrame {
    this.checkOpen();
    const columns = source.schema.fields.map((_, i) => i);
    return new DataFrame(this, { kind: 'scan', source, columns, filters: [], limit: null, schema: source.schema });
  }

  /**
   * A DataFrame from rows (plain objects) or an apache-arrow Table. The schema is inferred from
   * the values unless given (a Schema, a DDL string 'a INT, b STRING', or column names for arrays of arrays).
   */
  createDataFrame(data: readonly Record<string, unknown>[] | readonly unknown[][] | arrow.Table, schema?: Schema | string | string[]): DataFrame {
    this.checkOpen();
    if (!(data instanceof arrow.Table) && !Array.isArray(data)) {
      throw argError('createDataFrame()', 1, 'an array of rows (objects or arrays) or an apache-arrow Table', data);
    }
    if (schema !== undefined && schema !== null && typeof schema !== 'string' && !(schema instanceof Schema) && !Array.isArray(schema)) {
      throw argError('createDataFrame()', 2, "a Schema, a DDL string like 'a INT, b STRING', or an array of column names", schema);
    }
    if (Array.isArray(schema)) schema.forEach((n, i) => expectName(n, 'createDataFrame()', `2[${i}]`, 'column name'));
    let s: Schema | undefined = typeof schema === 'string' ? parseDDLSchema(schema) : schema instanceof Schema ? schema : undefined;
    let batches: Batch[];
    if (data instanceof arrow.Table) {
      const t = tableToBatches(data);
      s = t.schema;
      batches = t.batches;
    } else {
      let rows = data as readonly Record<string, unknown>[];
      const arrays = rows.length > 0 && Array.isArray(rows[0]);
      rows.forEach((r, i) => {
        if (arrays ? !Array.isArray(r) : r === null || typeof r !== 'object' || Array.isArray(r) || r instanceof Date) {
          throw argError('createDataFrame()', `1[${i}]`, arrays ? 'an array (as row 0 is)' : 'a row object like { a: 1 } (or every row an array)', r);
        }
      });
      if (arrays) {
        const names = Array.isArray(schema) ? schema : s ? s.names : (rows[0] as unknown as unknown[]).map((_, i) => `_${i + 1}`);
        (data as unknown[][]).forEach((r, i) => {
          if ((Array.isArray(schema) || s) && r.length !== names.length) {
            throw new IllegalArgumentError(`createDataFrame(): row ${i} has ${r.length} values but the schema has ${names.length} columns (${names.join(', ')})`);
          }
        });
        rows = (data as unknown[][]).map((r) => Object.fromEntries(names.map((n, i) => [n, r[i]])));
      }
      if (rows.length === 0 && !s) throw new IllegalArgumentError('createDataFrame([]) needs a schema to know the columns');
      const all = batchFromRows(rows, s);
      s = all.schema;
      batches = [];
      for (let i = 0; i < Math.max(1, all.numRows); i += BATCH_SIZE) batches.push(all.slice(i, i + BATCH_SIZE));
    }
    // Spread batches over partitions (round-robin), so in-memory data is partitioned like files.
    const n = Math.max(1, Math.min(this.threads, batches.length));
    const parts: Batch[][] = Array.from({ length: n }, () => []);
    batches.forEach((b, i) => parts[i % n]!.push(b));
    return this.fromSource(new MemorySource(s!, parts));
  }

  /** A DataFrame with one int64 column `id`: `range(end)` or `range(start, end, step?, numPartitions?)`. */
  range(start: number | bigint, end?: number | bigint, step: number | bigint = 1, numPartitions?: number): DataFrame {
    this.checkOpen();
    if (end === undefined || end === null) {
      end = start;
      start = 0;
    }
    const [lo, hi, by] = [rangeBound(start, 'start'), rangeBound(end, 'end'), rangeBound(step, 'step')];
    if (by === 0) throw new IllegalArgumentError('range() step must not be 0');
    const parts = numPartitions === undefined ? this.threads : expectInteger(numPartitions, 'range()', 'numPartitions', 1);
    return this.fromSource(new RangeSource(lo, hi, by, parts));
  }

  /** The DataFrame registered as temp view `name`. */
  table(name: string): DataFrame {
    return this.catalog.table(expectName(name, 'table()', 1, 'view name'));
  }

  /**
   * Runs SQL (Spark's dialect) over the temp views: a query returns a lazy DataFrame (parsing and
   * planning happen now, so errors surface here with line, column and a caret); CREATE TEMP VIEW,
   * DROP VIEW, SHOW TABLES, DESCRIBE and EXPLAIN run now. Several `;`-separated statements run in
   * order and the last one's DataFrame is returned.
   */
  sql(text: string): DataFrame {
    this.checkOpen();
    return sqlToDataFrame(this, expectString(text, 'sql()', 1, 'a SQL text'));
  }

  /** @internal A DataFrame whose rows are computed by `produce` when an action runs (used by describe()). */
  lazyFrom(produce: () => Promise<Row[] | Record<string, unknown>[]>, schema: Schema): DataFrame {
    let cached: Promise<Batch> | undefined;
    const source: DataSource = {
      schema,
      numPartitions: () => 1,
      describe: () => 'computed',
      estimatedBytes: () => undefined,
      read: (_p, columns) => ({
        async *[Symbol.asyncIterator]() {
          cached ??= produce().then((rows) => batchFromRows(rows, schema));
          const b = await cached;
          yield new Batch(new Schema(columns.map((i) => schema.fields[i]!)), columns.map((i) => b.columns[i]!), b.numRows);
        },
      }),
    };
    return this.fromSource(source);
  }

  /**
   * Stops the session and terminates its worker threads. Further use raises an error. Jobs still
   * running fail with an ExecutionError "job cancelled because the session was stopped" (their
   * tasks are not retried).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort(new ExecutionError('job cancelled because the session was stopped (Session.stop() was called while it ran)'));
    const pool = this.pool;
    this.pool = null;
    if (pool) await releasePool(pool);
  }

  /** @internal Live worker threads (0 before the first parallel job and after stop()). */
  get workerCount(): number {
    return this.pool?.size ?? 0;
  }
}

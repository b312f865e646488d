/**
 * The engines of `npm run bench:compare`, one per child process: Kindling (the built package),
 * DuckDB (@duckdb/node-api), Polars (nodejs-polars) and Arquero. Each loads a suite's inputs
 * into memory and answers its questions, materialising every answer inside the engine (Kindling:
 * `cache()` + `count()`, DuckDB: a temp table, Polars: an eager DataFrame, Arquero: a reified
 * table); the checksum (rows, then the sums of the numeric columns) is taken afterwards, untimed.
 *
 * Memory protocol (peak RSS is the child's `process.resourceUsage().maxRSS`: every thread, the
 * whole run, load included): the inputs stay loaded for the whole suite, and each answer is freed
 * after its checksum, before the next run (Kindling: `unpersist()`, DuckDB: `DROP TABLE ans`,
 * Polars and Arquero: the answer is dropped for their garbage collectors), so at most one answer
 * is alive at a time in every engine. `bench/mem-probe.ts` splits Kindling's peak by phase.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { GROUPBY_LABELS, GROUPBY_SCHEMA, GROUPBY_SQL, JOIN_LABELS, JOIN_SCHEMAS, JOIN_SQL, kindlingGroupby, kindlingJoin, questionId } from '../questions.js';
import { TPCH_SEP, TPCH_TABLES, tpchDDL } from '../../scripts/generate-tpch.js';
import { TPCH_QUERIES } from '../../test/tpch/queries.js';

export type Suite = 'groupby' | 'join' | 'tpch';
/** Input files of the suites. */
export interface SuiteFiles { groupby?: string; join?: { x: string; small: string; medium: string; big: string }; tpch?: Record<string, string> }

/** What an engine does in its child process. */
export interface Engine {
  /** The engine's settings in words (threads, types). */
  settings: string;
  /** Loads and materialises the suite's inputs. */
  load(suite: Suite, files: SuiteFiles): Promise<void>;
  /** Question labels of the suite this engine answers ('unsupported' for the others). */
  labels(suite: Suite): string[];
  /** Answers one question, materialised; resolves to a thunk that checksums the answer and frees it. */
  answer(suite: Suite, label: string): Promise<() => Promise<number[]>>;
}

export const TPCH_LABELS = TPCH_QUERIES.map((q) => `tpch${q.id}`);
export const allLabels = (suite: Suite): string[] => (suite === 'groupby' ? [...GROUPBY_LABELS] : suite === 'join' ? [...JOIN_LABELS] : TPCH_LABELS);
const tpchQuery = (label: string) => TPCH_QUERIES.find((q) => `tpch${q.id}` === label)!;
const sqlOf = (suite: Suite, label: string): string => (suite === 'groupby' ? GROUPBY_SQL : JOIN_SQL)[questionId(label)]!;

/** Kindling, from dist/ (what users run): `threads` worker threads; answers cached and counted. */
async function kindling(threads: number): Promise<Engine> {
  const lib = (await import(new URL('../../dist/index.js', import.meta.url).href)) as typeof import('../../src/index.js');
  const { Session, col, functions: F } = lib;
  type DF = import('../../src/index.js').DataFrame;
  const s = await Session.create({ threads, progress: false });
  await s.range(threads * 1000).groupBy(col('id').mod(7)).count().collect(); // warm the worker pool
  let inputs: DF[] = [];
  let questions = new Map<string, () => DF>();
  return {
    settings: `threads: ${threads} (Session.create({ threads })), built package dist/, strings as STRING`,
    labels: allLabels,
    async load(suite, files) {
      for (const d of inputs) await d.unpersist();
      const read = (file: string, schema: string, sep = ',') => s.read.csv(file, { header: true, schema, sep }).cache();
      if (suite === 'groupby') {
        const x = read(files.groupby!, GROUPBY_SCHEMA);
        inputs = [x];
        questions = new Map(kindlingGroupby(lib).map(([l, q]) => [l, () => q(x)]));
      } else if (suite === 'join') {
        const t = Object.fromEntries((['x', 'small', 'medium', 'big'] as const).map((n) => [n, read(files.join![n], JOIN_SCHEMAS[n])])) as Record<'x' | 'small' | 'medium' | 'big', DF>;
        inputs = Object.values(t);
        questions = new Map(kindlingJoin(t).map(([l, q]) => [l, () => q(t.x)]));
      } else {
        inputs = TPCH_TABLES.map((name) => { const d = read(files.tpch![name]!, tpchDDL(name), TPCH_SEP); d.createOrReplaceTempView(name); return d; });
        questions = new Map(TPCH_LABELS.map((l) => [l, () => s.sql(tpchQuery(l).sql)]));
      }
      await Promise.all(inputs.map((d) => d.count()));
    },
    async answer(_suite, label) {
      const a = questions.get(label)!().cache();
      await a.count();
      return async () => {
        const numeric = a.dtypes.filter(([, t]) => /^(tinyint|smallint|int|bigint|float|double|decimal)/.test(t)).map(([n]) => F.sum(col(n)).cast('double'));
        const row = Object.values((await a.agg(F.count('*').alias('n'), ...numeric).collect())[0]!);
        await a.unpersist();
        return row.map((v) => (v === null ? NaN : Number(v)));
      };
    },
  };
}

/** DuckDB: `SET threads`; groupby id1..id3 and join id4..id6 as ENUM types, as db-benchmark's DuckDB solution; answers as temp tables. */
async function duckdb(threads: number): Promise<Engine> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  const con = await db.connect();
  const q = (sql: string) => con.run(sql);
  const readCsv = (file: string, ddl: string, sep = ',') => `read_csv('${file.replaceAll("'", "''")}', header = true, delim = '${sep}', quote = '', columns = {${ddl.split(', ').map((c) => { const [n, t] = c.split(' '); return `'${n}': '${t === 'STRING' ? 'VARCHAR' : t === 'INT' ? 'INTEGER' : t}'`; }).join(', ')}})`;
  /** Loads `tables` from CSV, turning the columns `enums` into ENUM types shared by all tables (so joins compare codes). */
  const loadWithEnums = async (tables: Record<string, [string, string]>, enums: string[]) => {
    for (const [name, [file, ddl]] of Object.entries(tables)) await q(`CREATE OR REPLACE TABLE ${name}_csv AS SELECT * FROM ${readCsv(file, ddl)}`);
    for (const e of enums) {
      const sources = Object.entries(tables).filter(([, [, ddl]]) => ddl.includes(`${e} `)).map(([n]) => `SELECT ${e} AS v FROM ${n}_csv`);
      await q(`DROP TYPE IF EXISTS ${e}_enum`);
      await q(`CREATE TYPE ${e}_enum AS ENUM (SELECT DISTINCT v FROM (${sources.join(' UNION ALL ')}) WHERE v IS NOT NULL ORDER BY v)`);
    }
    for (const [name, [, ddl]] of Object.entries(tables)) {
      const cols = ddl.split(', ').map((c) => c.split(' ')[0]!).map((c) => (enums.includes(c) ? `${c}::${c}_enum AS ${c}` : c));
      await q(`CREATE OR REPLACE TABLE ${name} AS SELECT ${cols.join(', ')} FROM ${name}_csv`);
      await q(`DROP TABLE ${name}_csv`);
    }
  };
  return {
    settings: `threads: ${threads} (SET threads), @duckdb/node-api 1.5.5-r.5, groupby id1..id3 and join id4..id6 as ENUM`,
    labels: allLabels,
    async load(suite, files) {
      if (suite === 'groupby') await loadWithEnums({ x: [files.groupby!, GROUPBY_SCHEMA] }, ['id1', 'id2', 'id3']);
      else if (suite === 'join') await loadWithEnums(Object.fromEntries(Object.entries(files.join!).map(([n, f]) => [n, [f, JOIN_SCHEMAS[n as keyof typeof JOIN_SCHEMAS]]])), ['id4', 'id5', 'id6']);
      else for (const t of TPCH_TABLES) await q(`CREATE OR REPLACE TABLE ${t} AS SELECT * FROM ${readCsv(files.tpch![t]!, tpchDDL(t), TPCH_SEP)}`);
    },
    async answer(suite, label) {
      const sql = suite === 'tpch' ? (tpchQuery(label).duckdb ?? tpchQuery(label).sql) : sqlOf(suite, label);
      await q(`CREATE OR REPLACE TEMP TABLE ans AS ${sql}`);
      return async () => {
        const cols = (await con.runAndReadAll('DESCRIBE ans')).getRows().filter((r) => /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|FLOAT|DOUBLE|DECIMAL|U)/.test(String(r[1]))).map((r) => `sum("${String(r[0])}")::DOUBLE`);
        const row = (await con.runAndReadAll(`SELECT count(*)::DOUBLE${cols.map((c) => `, ${c}`).join('')} FROM ans`)).getRows()[0]!;
        await q('DROP TABLE ans');
        return row.map((v) => (v === null ? NaN : Number(v)));
      };
    },
  };
}

/**
 * Polars (nodejs-polars, eager): POLARS_MAX_THREADS set by the parent; groupby id1..id3 as
 * Categorical, as db-benchmark's Polars solution; TPC-H through SQLContext. Not a devDependency
 * (its lock file entries break `npm ci`, see README); loaded only when installed, hence untyped.
 */
async function polars(threads: number): Promise<Engine> {
  let pl;
  try {
    pl = createRequire(import.meta.url)('nodejs-polars');
  } catch {
    throw new Error('nodejs-polars is not installed (npm install --no-save nodejs-polars@0.26.1 nodejs-polars-linux-x64-gnu@0.26.1)');
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- optional package without types at compile time
  type PDF = any;
  let t: Record<string, PDF> = {};
  let ctx: PDF;
  const c = pl.col as (name: string) => PDF;
  const groupby: ((x: PDF) => PDF)[] = [
    (x) => x.groupBy('id1').agg(c('v1').sum()),
    (x) => x.groupBy(['id1', 'id2']).agg(c('v1').sum()),
    (x) => x.groupBy('id3').agg(c('v1').sum(), c('v3').mean()),
    (x) => x.groupBy('id4').agg(c('v1').mean(), c('v2').mean(), c('v3').mean()),
    (x) => x.groupBy('id6').agg(c('v1').sum(), c('v2').sum(), c('v3').sum()),
    (x) => x.groupBy(['id4', 'id5']).agg(c('v3').median().alias('median_v3'), c('v3').std().alias('sd_v3')),
    (x) => x.groupBy('id3').agg(c('v1').max().minus(c('v2').min()).alias('range_v1_v2')),
    (x) => x.dropNulls('v3').sort('v3', true).groupBy('id6').agg(c('v3').head(2)).explode('v3'),
    (x) => x.groupBy(['id2', 'id4']).agg(pl.pearsonCorr('v1', 'v2').pow(2).alias('r2')),
    (x) => x.groupBy(['id1', 'id2', 'id3', 'id4', 'id5', 'id6']).agg(c('v3').sum(), c('v1').count().alias('count')),
  ];
  const join: ((x: PDF) => PDF)[] = [
    (x) => x.join(t.small!.select('id1', 'v2'), { on: 'id1' }),
    (x) => x.join(t.medium!.select('id2', 'v2'), { on: 'id2' }),
    (x) => x.join(t.medium!.select('id2', 'v2'), { on: 'id2', how: 'left' }),
    (x) => x.join(t.medium!.select('id5', 'v2'), { on: 'id5' }),
    (x) => x.join(t.big!.select('id3', 'v2'), { on: 'id3' }),
  ];
  const read = (file: string, sep = ',') => pl.readCSV(file, { sep, tryParseDates: true });
  return {
    settings: `threads: ${threads} (POLARS_MAX_THREADS), nodejs-polars 0.26.1 eager API, groupby id1..id3 as Categorical`,
    labels: allLabels,
    async load(suite, files) {
      if (suite === 'groupby') t = { x: read(files.groupby!).withColumns(c('id1').cast(pl.Categorical), c('id2').cast(pl.Categorical), c('id3').cast(pl.Categorical)) };
      else if (suite === 'join') t = Object.fromEntries(Object.entries(files.join!).map(([n, f]) => [n, read(f)]));
      else { t = Object.fromEntries(TPCH_TABLES.map((n) => [n, read(files.tpch![n]!, TPCH_SEP)])); ctx = pl.SQLContext(t); }
    },
    async answer(suite, label) {
      const i = (suite === 'groupby' ? (GROUPBY_LABELS as readonly string[]) : (JOIN_LABELS as readonly string[])).indexOf(label);
      const a: PDF = suite === 'tpch' ? polarsSql(ctx!, tpchQuery(label).sql) : (suite === 'groupby' ? groupby : join)[i]!(t.x!);
      return async () => [a.height, ...a.getColumns().filter((s: PDF) => s.isNumeric()).map((s: PDF) => Number(s.sum()))];
    },
  };
}

/**
 * Runs one TPC-H query through Polars' SQLContext. Its SQL dialect spells intervals
 * `INTERVAL '90 days'` (not `INTERVAL '90' DAY`), so those are rewritten; a query Polars cannot
 * plan comes back as a lazy frame wrapping an Error (nodejs-polars 0.26.1), which is thrown with
 * Polars' own message so the report says why (e.g. "subquery comparisons with '=' are not supported").
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- optional package without types at compile time
function polarsSql(ctx: any, sql: string): any {
  const lf = ctx.execute(sql.replace(/INTERVAL\s+'(\d+)'\s+(DAY|MONTH|YEAR)S?\b/gi, (_m, n: string, u: string) => `INTERVAL '${n} ${u.toLowerCase()}s'`));
  if (lf._ldf instanceof Error) throw new Error(`Polars SQL: ${lf._ldf.message.slice(0, 160)}`);
  return lf.collectSync();
}

/** Arquero (single-threaded JavaScript): CSV parsed with its type inference; no SQL, so no TPC-H. */
async function arquero(): Promise<Engine> {
  const aq = await import('arquero');
  const { op } = aq;
  type T = import('arquero').ColumnTable;
  let t: Record<string, T> = {};
  const groupby: ((x: T) => T)[] = [
    (x) => x.groupby('id1').rollup({ v1: op.sum('v1') }),
    (x) => x.groupby('id1', 'id2').rollup({ v1: op.sum('v1') }),
    (x) => x.groupby('id3').rollup({ v1: op.sum('v1'), v3: op.mean('v3') }),
    (x) => x.groupby('id4').rollup({ v1: op.mean('v1'), v2: op.mean('v2'), v3: op.mean('v3') }),
    (x) => x.groupby('id6').rollup({ v1: op.sum('v1'), v2: op.sum('v2'), v3: op.sum('v3') }),
    (x) => x.groupby('id4', 'id5').rollup({ median_v3: op.median('v3'), sd_v3: op.stdev('v3') }),
    (x) => x.groupby('id3').rollup({ range_v1_v2: (d: Record<string, number>) => op.max(d.v1) - op.min(d.v2) }),
    (x) => x.filter((d: Record<string, number>) => d.v3 != null).groupby('id6').orderby(aq.desc('v3')).filter(() => op.row_number() <= 2).select('id6', 'v3').reify(),
    (x) => x.groupby('id2', 'id4').rollup({ r2: (d: Record<string, number>) => op.pow(op.corr(d.v1, d.v2), 2) }),
    (x) => x.groupby('id1', 'id2', 'id3', 'id4', 'id5', 'id6').rollup({ v3: op.sum('v3'), count: op.count() }),
  ];
  const join: ((x: T) => T)[] = [
    (x) => x.join(t.small!.select('id1', 'v2'), 'id1'),
    (x) => x.join(t.medium!.select('id2', 'v2'), 'id2'),
    (x) => x.join_left(t.medium!.select('id2', 'v2'), 'id2'),
    (x) => x.join(t.medium!.select('id5', 'v2'), 'id5'),
    (x) => x.join(t.big!.select('id3', 'v2'), 'id3'),
  ];
  const read = (file: string) => aq.fromCSV(fs.readFileSync(file, 'utf8'));
  return {
    settings: 'single-threaded (JavaScript), arquero 8.0.3, CSV types inferred',
    labels: (suite) => (suite === 'tpch' ? [] : allLabels(suite)),
    async load(suite, files) {
      if (suite === 'groupby') t = { x: read(files.groupby!) };
      else if (suite === 'join') t = Object.fromEntries(Object.entries(files.join!).map(([n, f]) => [n, read(f)]));
    },
    async answer(suite, label) {
      const i = (suite === 'groupby' ? (GROUPBY_LABELS as readonly string[]) : (JOIN_LABELS as readonly string[])).indexOf(label);
      const a = (suite === 'groupby' ? groupby : join)[i]!(t.x!);
      return async () => {
        const sums = a.columnNames().map((n) => a.array(n) as ArrayLike<unknown>).filter((arr) => typeof arr[0] === 'number').map((arr) => {
          let s = 0;
          for (let k = 0; k < arr.length; k++) { const v = arr[k]; if (typeof v === 'number') s += v; }
          return s;
        });
        return [a.numRows(), ...sums];
      };
    },
  };
}

/** Starts an engine by name. */
export async function startEngine(name: string, threads: number): Promise<Engine> {
  switch (name) {
    case 'kindling': return kindling(threads);
    case 'duckdb': return duckdb(threads);
    case 'polars': return polars(threads);
    case 'arquero': return arquero();
    default: throw new Error(`unknown engine '${name}' (use kindling, duckdb, polars, arquero)`);
  }
}
export const ENGINES = ['kindling', 'duckdb', 'polars', 'arquero'];


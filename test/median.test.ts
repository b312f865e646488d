/**
 * median and stddev per group (median's values kept in typed-array chunks, grouped by a counting
 * sort at the end): compared with DuckDB on seeded data with many groups spread over several
 * input partitions, nulls, all-null groups, duplicates, and groups of even and odd sizes, with a
 * shuffle (several partitions) and without one (one partition).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { type DataFrame, Session, functions as F } from '../src/index.js';
import { mulberry32 } from '../src/exec/basic.js';
import { canon, expectSame } from './median-helpers.js';
import { testThreads } from './threads.js';

type R = { g: number; h: string | null; v: number | null };
function makeRows(n: number, seed: number): R[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const g = Math.floor(r() * 700);
    return {
      g,
      h: r() < 0.05 ? null : `h${Math.floor(r() * 2)}`,
      // Groups 650 and up are all null; elsewhere 15% nulls and many duplicates.
      v: g >= 650 || r() < 0.15 ? null : Math.floor(r() * 200) / 8 - 5,
    };
  });
}
const ROWS = makeRows(6000, 7);
const SCHEMA = 'g INT, h STRING, v DOUBLE';

let db: DuckDBConnection;
let spark: Session;
let local: Session;
beforeAll(async () => {
  spark = await Session.create({ threads: testThreads(), shufflePartitions: 3 });
  local = await Session.create({ threads: 1, shufflePartitions: 1 });
  db = await (await DuckDBInstance.create(':memory:')).connect();
  await db.run(`CREATE TABLE t (g INTEGER, h VARCHAR, v DOUBLE)`);
  const q = (x: unknown) => (x === null ? 'NULL' : typeof x === 'string' ? `'${x}'` : String(x));
  await db.run(`INSERT INTO t VALUES ${ROWS.map((r) => `(${r.g}, ${q(r.h)}, ${q(r.v)})`).join(',\n')}`);
});
afterAll(async () => {
  db.closeSync();
  await spark.stop();
  await local.stop();
});

const duck = async (sql: string) => canon((await db.runAndReadAll(sql)).getRowObjects());
const data = (s: Session): DataFrame => s.createDataFrame(ROWS, SCHEMA).repartition(4);

describe.each([['a shuffle', () => spark], ['one partition', () => local]] as const)('median and stddev with %s', (_name, session) => {
  it('by two keys, as db-benchmark q6', async () => {
    const df = data(session()).groupBy('g', 'h').agg(F.median('v').alias('m'), F.stddev('v').alias('sd'));
    expect(df.explain()).toMatch(/HashAggregate\(mode=final, keys=\[g, h\], functions=\[median\(v#\d+\), stddev\(v#\d+\)\]\)[^]*MedianPartialAggregate\(keys=\[g#\d+, h#\d+\], functions=\[median\(v#\d+\), stddev\(v#\d+\)\], buckets=\d\)/);
    const ours = canon(await df.collect());
    expect(ours.length).toBeGreaterThan(1000);
    expectSame(ours, await duck('SELECT g, h, median(v) AS m, stddev_samp(v) AS sd FROM t GROUP BY g, h'));
  });

  it('groups of every size, all-null groups, and a whole-table median', async () => {
    const s = session();
    const byG = canon(await data(s).groupBy('g').agg(F.median('v').alias('m'), F.count('v').alias('c'), F.var_pop('v').alias('vp')).collect());
    expectSame(byG, await duck('SELECT g, median(v) AS m, count(v) AS c, var_pop(v) AS vp FROM t GROUP BY g'));
    // Both even and odd counts occur, and the all-null groups give null.
    const counts = ROWS.reduce((m, r) => m.set(r.g, (m.get(r.g) ?? 0) + (r.v === null ? 0 : 1)), new Map<number, number>());
    expect([...counts.values()].some((c) => c > 0 && c % 2 === 0) && [...counts.values()].some((c) => c % 2 === 1)).toBe(true);
    expect(byG.filter((r) => r[0] === 0 && r[2] === null).length).toBe(50); // [c, g, m, vp]
    const all = canon(await data(s).agg(F.median('v').alias('m'), F.stddev_pop('v').alias('sd')).collect());
    expectSame(all, await duck('SELECT median(v) AS m, stddev_pop(v) AS sd FROM t'));
  });

  it('over an empty input and over only nulls', async () => {
    const s = session();
    const none = data(s).filter('g < 0').groupBy('g').agg(F.median('v'));
    expect(await none.collect()).toEqual([]);
    const nulls = await data(s).filter('g >= 650').agg(F.median('v').alias('m'), F.stddev('v').alias('sd')).collect();
    expect(nulls).toEqual([{ m: null, sd: null }]);
  });
});

describe('median over many rows per task', () => {
  // 70,000 rows: more than one 64K chunk of group ids in a task (one partition), nulls only in the
  // first half (so some batches have a validity array and others none), a few NaN, an integer
  // column (median casts it; percentile keeps its type), and two medians in one aggregate (both
  // regroup through the same per-thread scratch array).
  const N = 70000;
  const big = Array.from({ length: N }, (_, i) => ({
    g: i % 97,
    v: i < N / 2 && i % 13 === 0 ? null : i % 1009 === 0 ? Number.NaN : ((i * 7919) % 1000) / 4,
    w: (i * 31) % 500,
  }));
  beforeAll(async () => {
    await db.run('CREATE TABLE big (g INTEGER, v DOUBLE, w INTEGER)');
    const q = (x: number | null) => (x === null ? 'NULL' : Number.isNaN(x) ? "'NaN'::DOUBLE" : String(x));
    await db.run(`INSERT INTO big VALUES ${big.map((r) => `(${r.g}, ${q(r.v)}, ${r.w})`).join(',')}`);
  });
  it.each([['a shuffle', () => spark], ['one partition', () => local]] as const)('with %s, against DuckDB', async (_name, session) => {
    const df = session().createDataFrame(big, 'g INT, v DOUBLE, w INT').groupBy('g')
      .agg(F.median('v').alias('mv'), F.median('w').alias('mw'), F.percentile('w', 0.25).alias('pw'), F.stddev('w').alias('sd'));
    const ours = canon(await df.collect());
    const theirs = await duck('SELECT g, median(v) AS mv, median(w::DOUBLE) AS mw, quantile_cont(w, 0.25) AS pw, stddev_samp(w) AS sd FROM big GROUP BY g');
    // NaN compares unequal: the groups with a NaN take the NaN path of the select (the median stays a number).
    const nanFree = (rows: unknown[][]) => rows.map((r) => r.map((x) => (Number.isNaN(x) ? 'NaN' : x)));
    expect(ours.length).toBe(97);
    expectSame(nanFree(ours), nanFree(theirs));
  });
});

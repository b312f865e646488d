/**
 * Fault corpus, resources category: long and deep inputs (issue 17). Expressions thousands of
 * terms long or levels deep, written in SQL or built with the DataFrame API in a loop, run and
 * give the right answer (compared with a value computed here) instead of overflowing the stack
 * with an internal RangeError; where a real nesting limit remains, the error is a KindlingError
 * that names the limit and the SQL position or the expression.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnalysisError, type Column, type DataFrame, KindlingError, ParseError, Session, col, functions as F, lit } from '../../src/index.js';
import { prepare } from '../../src/exec/scheduler.js';
import { logicalToString } from '../../src/plan/logical.js';
import { testThreads } from '../threads.js';

const A = [1, 5, 20000, 3, 10001, -7];
const WIDE = 2000;

/** The error `f` throws (sync or async), asserted to be a KindlingError and not a RangeError. */
async function failure(f: () => unknown): Promise<Error> {
  let err: unknown;
  try {
    await f();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected an error').toBeInstanceOf(KindlingError);
  expect(String((err as Error).message)).not.toContain('Maximum call stack');
  return err as Error;
}

describe('long and deep inputs', () => {
  let spark: Session;
  let wide: DataFrame;
  const wideRows = [0, 1, 2].map((r) => Object.fromEntries(Array.from({ length: WIDE }, (_, c) => [`c${c}`, r * 1000 + c])));
  const plan = (df: DataFrame, excluded: string[] = []) =>
    logicalToString(prepare(df.plan, { ...spark.plannerConfig(), optimizerExcludedRules: excluded }).optimized);

  beforeAll(async () => {
    spark = await Session.create({ threads: testThreads(), progress: false });
    spark.createDataFrame(A.map((a) => ({ a })), 'a INT').createOrReplaceTempView('t');
    wide = spark.createDataFrame(wideRows, Array.from({ length: WIDE }, (_, c) => `c${c} INT`).join(', '));
    wide.createOrReplaceTempView('w');
  });
  afterAll(async () => {
    await spark.stop();
    expect(process.getActiveResourcesInfo().filter((r) => r === 'MessagePort' || r === 'Worker')).toEqual([]);
  });

  const values = async (df: DataFrame, c = 's') => (await df.collect()).map((r) => r[c]);

  it('10,000 + terms in SQL', async () => {
    const sql = `SELECT ${Array(10000).fill('a').join(' + ')} AS s FROM t`;
    expect(await values(spark.sql(sql))).toEqual(A.map((a) => a * 10000));
  });

  it('mixed + and - terms: 600 run left to right; 10,000 fail naming the nesting limit and position', async () => {
    // a - 1 + 2 - 1 + 2 ... : runs of one operator alternate, so each one nests.
    const terms = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? '- 1' : '+ 2')).join(' ');
    expect(await values(spark.sql(`SELECT a ${terms(600)} AS s FROM t`))).toEqual(A.map((a) => a + 300));
    const err = await failure(() => spark.sql(`SELECT a ${terms(10000)} AS s FROM t`));
    expect(err).toBeInstanceOf(AnalysisError);
    expect(err.message).toMatch(/^line 1, column \d+: expression nested more than 1000 levels deep/);
  });

  it('10,000 OR terms in SQL', async () => {
    const where = Array.from({ length: 10000 }, (_, i) => `a = ${i + 1}`).join(' OR ');
    const rows = await spark.sql(`SELECT a FROM t WHERE ${where} ORDER BY a`).collect();
    expect(rows.map((r) => r['a'])).toEqual(A.filter((a) => a >= 1 && a <= 10000).sort((x, y) => x - y));
  });

  it('parentheses nested 5,000 deep in SQL', async () => {
    expect(await values(spark.sql(`SELECT ${'('.repeat(5000)}a${')'.repeat(5000)} AS s FROM t`))).toEqual(A);
    // Each level continues with operators after the level inside it: ((a + 1) * 1 - -1) ...
    const nested = `${'('.repeat(400)}a${' + 1) * 1 - -1)'.repeat(200)}`;
    expect(await values(spark.sql(`SELECT ${nested} AS s FROM t`))).toEqual(A.map((a) => a + 400));
  });

  it('function calls nested 200 deep run; 5,000 deep fail with a ParseError naming the limit and position', async () => {
    const deep = (n: number) => `SELECT 1 AS one,\n  ${'abs('.repeat(n)}a - 1${')'.repeat(n)} AS s FROM t`;
    expect(await values(spark.sql(deep(200)))).toEqual(A.map((a) => Math.abs(a - 1)));
    const err = await failure(() => spark.sql(deep(5000)));
    expect(err).toBeInstanceOf(ParseError);
    expect(err.message).toContain('more than 256 levels deep');
    expect(err.message).toMatch(/^line 2, column \d+:/);
    expect(err.message.length).toBeLessThan(1000); // the excerpt of the 20,000-character line is windowed
  });

  it('DataFrame expressions nested 900 deep run; 5,000 deep fail with an AnalysisError naming the limit', async () => {
    const nest = (n: number) => {
      let e: Column = col('a');
      for (let i = 0; i < n; i++) e = F.abs(e.minus(lit(1)));
      return e;
    };
    const expected = A.map((a) => {
      let v = a;
      for (let i = 0; i < 450; i++) v = Math.abs(v - 1);
      return v;
    });
    expect(await values(spark.table('t').select(nest(450).alias('s')))).toEqual(expected);
    const err = await failure(() => spark.table('t').select(nest(5000).alias('s')).collect());
    expect(err).toBeInstanceOf(AnalysisError);
    expect(err.message).toContain('more than the limit of 1000 levels');
    expect(err.message).toContain('abs(');
  });

  it('a sum across 2,000 columns with the DataFrame API and in SQL', async () => {
    const expected = wideRows.map((r) => Object.values(r).reduce((x, y) => x + y, 0));
    const cols = Array.from({ length: WIDE }, (_, c) => `c${c}`);
    expect(await values(wide.select(cols.map((c) => col(c)).reduce((x, y) => x.plus(y)).alias('s')))).toEqual(expected);
    expect(await values(spark.sql(`SELECT ${cols.join(' + ')} AS s FROM w`))).toEqual(expected);
  });

  it('3,000 chained filters: count and collect', async () => {
    let df = spark.table('t');
    for (let i = 0; i < 3000; i++) df = df.filter(col('a').gt(lit(i % 4)));
    const kept = A.filter((a) => a > 3);
    expect(await df.count()).toBe(kept.length);
    expect((await df.collect()).map((r) => r['a'])).toEqual(kept);
    // All pushed into the scan; without push_down_filter, combine_filters makes them one filter.
    expect(plan(df)).not.toContain('Filter');
    expect(plan(df, ['push_down_filter']).match(/Filter/g)).toHaveLength(1);
  });

  it('3,000 chained withColumn calls', async () => {
    let df = spark.table('t');
    for (let i = 0; i < 3000; i++) df = df.withColumn('a', col('a').plus(lit(1)));
    expect(await values(df, 'a')).toEqual(A.map((a) => a + 3000));
    expect(plan(df).match(/Project/g)).toHaveLength(1);
  });

  it('chained withColumn calls that cannot be combined: 200 run, 1,000 fail naming the plan depth limit', async () => {
    // `b` reads the new `a` twice over (itself and the next `a`), so the projections stay apart.
    const chain = (n: number) => {
      let df = spark.table('t');
      for (let i = 0; i < n; i++) df = df.withColumn('a', col('a').plus(lit(1))).withColumn('b', col('a').multiply(lit(2)));
      return df;
    };
    const rows = await chain(200).collect();
    expect(rows.map((r) => [r['a'], r['b']])).toEqual(A.map((a) => [a + 200, (a + 200) * 2]));
    const err = await failure(() => chain(1000).collect());
    expect(err).toBeInstanceOf(AnalysisError);
    expect(err.message).toContain('operators deep after optimization, more than the limit of 500');
  });

  it('3,000 chained withColumn calls that nest (abs) keep the projections apart past a depth', async () => {
    let df = spark.table('t');
    for (let i = 0; i < 3000; i++) df = df.withColumn('a', F.abs(col('a').minus(lit(1))));
    const expected = A.map((a) => {
      let v = a;
      for (let i = 0; i < 3000; i++) v = Math.abs(v - 1);
      return v;
    });
    expect(await values(df, 'a')).toEqual(expected);
  });

  it('non-deterministic expressions are neither duplicated nor merged', async () => {
    const df = spark.table('t').withColumn('r', F.rand(7)).withColumn('x', col('r').plus(col('r')));
    expect(plan(df).match(/Project/g)!.length).toBeGreaterThanOrEqual(2);
    for (const row of await df.collect()) expect(row['x']).toBe((row['r'] as number) * 2);
    // Read once, rand() still stays in its own projection (Spark's CollapseProject keeps it too).
    const once = spark.table('t').withColumn('r', F.rand(7)).select(col('r').plus(lit(1)).alias('x'));
    expect(plan(once).match(/Project/g)!.length).toBe(2);
    const f = spark.table('t').filter(col('a').gt(lit(0))).filter(F.rand(3).lt(lit(2)));
    expect(plan(f, ['push_down_filter']).match(/Filter/g)).toHaveLength(2);
    expect(await f.count()).toBe(A.filter((a) => a > 0).length);
  });
});

/**
 * Fault corpus, SQL category: queries Spark rejects or answers differently. Each case asserts the
 * error class and that the message names the offending SQL position, or asserts the correct
 * result. Scalar subqueries: one that returns several rows fails the job at run time with Spark's
 * "more than one row returned by a subquery used as an expression" (at 1 thread and several,
 * with the subquery's rows spread over partitions), while one or zero rows give the value / null
 * and provably single-row subqueries keep their unchecked plan.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnalysisError, ExecutionError, KindlingError, Session } from '../../src/index.js';
import { prepare } from '../../src/exec/scheduler.js';
import { logicalToString } from '../../src/plan/logical.js';

const TOO_MANY = 'more than one row returned by a subquery used as an expression';

/** Asserts that the promise rejects with `cls` and a message containing every fragment. */
async function rejects(p: Promise<unknown>, cls: new (...args: never[]) => Error, ...fragments: string[]): Promise<void> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err, 'expected an error').toBeInstanceOf(cls);
  expect(err).toBeInstanceOf(KindlingError);
  for (const f of fragments) expect((err as Error).message).toContain(f);
}

describe.each([1, 2])('scalar subqueries at %i thread(s)', (threads) => {
  let spark: Session;
  beforeAll(async () => {
    spark = await Session.create({ threads, shufflePartitions: 2, progress: false });
    spark.createDataFrame([{ k: 1, x: 10 }, { k: 2, x: 20 }, { k: 2, x: 30 }], 'k INT, x INT').createOrReplaceTempView('t');
    spark.createDataFrame([{ id: 1, name: 'a' }, { id: 2, name: 'b' }], 'id INT, name STRING').createOrReplaceTempView('o');
  });
  afterAll(async () => {
    await spark.stop();
    // No worker threads left behind once the session stopped.
    expect(process.getActiveResourcesInfo().filter((r) => r === 'MessagePort' || r === 'Worker')).toEqual([]);
  });

  const rows = async (sql: string) => (await spark.sql(sql).collect()).map((r) => ({ ...r }));
  const plan = (sql: string) => logicalToString(prepare(spark.sql(sql).plan, spark.plannerConfig()).optimized);

  it('a 3-row scalar subquery in SELECT fails at run time, naming its position', async () => {
    const df = spark.sql('SELECT id, (SELECT x FROM t) AS v FROM o'); // analysis succeeds, as in Spark
    await rejects(df.collect(), ExecutionError, TOO_MANY, 'line 1, column 12');
  });

  it('a 3-row scalar subquery in WHERE fails at run time', async () => {
    await rejects(spark.sql('SELECT id FROM o\nWHERE id < (SELECT x FROM t)').collect(), ExecutionError, TOO_MANY, 'line 2, column 12');
  });

  it('fails when the rows are spread over partitions (one row each) and with no outer columns', async () => {
    await rejects(spark.sql('SELECT (SELECT id FROM range(0, 3, 1, 3)) AS v').collect(), ExecutionError, TOO_MANY);
    await rejects(spark.sql('SELECT count(*) FROM o WHERE id = (SELECT k FROM t WHERE x > 15)').collect(), ExecutionError, TOO_MANY);
  });

  it('a 1-row scalar subquery gives its value, a 0-row one null', async () => {
    expect(await rows('SELECT id, (SELECT x FROM t WHERE k = 1) AS v FROM o ORDER BY id')).toEqual([{ id: 1, v: 10 }, { id: 2, v: 10 }]);
    expect(await rows('SELECT id, (SELECT x FROM t WHERE k = 9) AS v FROM o ORDER BY id')).toEqual([{ id: 1, v: null }, { id: 2, v: null }]);
    expect(await rows('SELECT id FROM o WHERE id < (SELECT x FROM t WHERE k = 1) ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
    expect(await rows('SELECT id FROM o WHERE id < (SELECT x FROM t WHERE k = 9)')).toEqual([]);
  });

  it('single-row subqueries (global aggregate, LIMIT 1) keep their unchecked plan and values', async () => {
    expect(await rows('SELECT (SELECT max(x) FROM t) AS m, (SELECT x FROM t ORDER BY x DESC LIMIT 1) AS l')).toEqual([{ m: 30, l: 30 }]);
    expect(plan('SELECT id, (SELECT max(x) FROM t) AS m FROM o')).not.toContain('raise_error');
    expect(plan('SELECT id, (SELECT x FROM t ORDER BY x LIMIT 1) AS l FROM o')).not.toContain('raise_error');
    expect(plan('SELECT id, (SELECT x FROM t) AS v FROM o')).toContain('raise_error');
  });

  it('a correlated scalar subquery must be an aggregate (one row per outer row)', async () => {
    let err: unknown;
    try {
      spark.sql('SELECT id, (SELECT x FROM t WHERE t.k = o.id) AS v FROM o');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AnalysisError);
    expect((err as Error).message).toContain('must be aggregated');
    expect((err as Error).message).toMatch(/line 1, column \d+/);
    expect(await rows('SELECT id, (SELECT max(x) FROM t WHERE t.k = o.id) AS v FROM o ORDER BY id')).toEqual([{ id: 1, v: 10 }, { id: 2, v: 30 }]);
  });

  it('raise_error fails the job with its message at run time, not when the query is planned', async () => {
    const df = spark.sql("SELECT id, CASE WHEN id > 1 THEN raise_error('id too big') ELSE id END AS v FROM o");
    await rejects(df.collect(), ExecutionError, 'id too big');
    await rejects(spark.sql("SELECT raise_error('stop here')").collect(), ExecutionError, 'stop here');
    expect(await rows("SELECT id, CASE WHEN id > 5 THEN raise_error('never') ELSE id END AS v FROM o ORDER BY id")).toEqual([{ id: 1, v: 1 }, { id: 2, v: 2 }]);
  });
});

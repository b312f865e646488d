/**
 * Materialising answers and memory. toArrow() writes long columns' Int64 words by arithmetic (no
 * BigInt per value): values must survive, negatives, large ones and nulls included; a cached join
 * answer built in the workers reads back the same.
 * Shuffle buffers are released as soon as they are read (src/exec/scheduler.ts): a chain of
 * shuffles holds about one shuffle's data at a time, not every shuffle's until the job ends. The
 * memory budget shows it: a job whose three copies of the data (two shuffles and the result)
 * would exceed memoryLimit runs, because each shuffle is given back once its reader has run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session, col } from '../src/index.js';
import { testThreads } from './threads.js';

const N = 200_000; // one bigint column: 1.6 MB per copy of the data

describe('materialised answers', () => {
  let spark: Session;
  beforeAll(async () => {
    spark = await Session.create({ threads: testThreads(2), shufflePartitions: 3 });
  });
  afterAll(() => spark.stop());

  it('toArrow() of long and timestamp columns', async () => {
    const xs = [0, 1, -1, 2 ** 31, -(2 ** 31), 2 ** 32, -(2 ** 32) - 5, 2 ** 53 - 1, -(2 ** 53 - 1), 123456789012, null];
    const df = spark.createDataFrame(xs.map((x) => ({ x })), 'x BIGINT').select('x', col('x').cast('timestamp').alias('t'));
    const t = await df.toArrow();
    expect(Array.from(t.getChild('x')!, (v) => (v === null ? null : BigInt(v as bigint)))).toEqual(xs.map((x) => (x === null ? null : BigInt(x))));
    const small = (x: number | null) => x === null || Math.abs(x) < 2 ** 40; // seconds whose microseconds are exact doubles
    expect(Array.from(t.getChild('t')!, (v) => (v === null ? null : Number(v))).filter((_, i) => small(xs[i]!))).toEqual(xs.filter(small).map((x) => (x === null ? null : x * 1000)));
  });

  it('a cached join answer reads back the rows computed in the workers', async () => {
    const a = spark.range(0, 5000, 1, 4).select(col('id'), col('id').mod(7).cast('string').alias('s'), col('id').multiply(0.5).alias('d'));
    const b = spark.range(0, 5000, 3, 2).select(col('id'), col('id').mod(5).alias('m'));
    const j = a.join(b, 'id').cache();
    expect(await j.count()).toBe(1667);
    const rows = (await j.orderBy('id').collect()).slice(0, 3);
    expect(rows).toEqual([{ id: 0, s: '0', d: 0, m: 0 }, { id: 3, s: '3', d: 1.5, m: 3 }, { id: 6, s: '6', d: 3, m: 1 }]);
  });
});

describe('shuffle data released once read', () => {
  let spark: Session;
  beforeAll(async () => {
    spark = await Session.create({ threads: testThreads(1), shufflePartitions: 4, memoryLimit: 2 * 8 * N + 400_000, maxResultSize: 0 });
  });
  afterAll(() => spark.stop());

  it('two shuffles in a row and the result fit in the budget of two copies', async () => {
    const df = spark.range(0, N, 1, 4).repartition(4).filter(col('id').geq(0)).repartition(3, 'id');
    const parts = await df.toArrow();
    expect(parts.numRows).toBe(N);
  });

  it('an exchange read twice in one job (a self-join) is kept until both reads ran', async () => {
    const t = spark.range(0, 1000, 1, 2).repartition(2, 'id');
    const rows = await t.join(t.withColumnRenamed('id', 'id2'), col('id').eqNullSafe(col('id2'))).count();
    expect(rows).toBe(1000);
  });
});

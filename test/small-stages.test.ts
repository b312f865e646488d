/**
 * Small stages run in the main thread (src/exec/scheduler.ts `smallStage`): with a pool, a stage
 * that reads at most `smallStageRows()` rows of in-memory data (exchange output, cached or local
 * frames) skips the round trip to a worker, while larger stages, scans of files or ranges, UDFs
 * and sessions with worker modules stay on the workers. Answers match one thread and the
 * all-workers setting. (The rest of the suite runs with KINDLING_SMALL_STAGE_ROWS=0, see
 * vitest.config.ts, so its small data keeps exercising the workers; this file restores the default.)
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataFrame, Session, col, functions as F } from '../src/index.js';
import { smallStageRows } from '../src/exec/scheduler.js';
import './fixtures/worker-udfs.js';
import { stagesOf } from './stage-events.js';

delete process.env['KINDLING_SMALL_STAGE_ROWS'];

let one: Session;
let four: Session;
beforeAll(async () => {
  one = await Session.create({ threads: 1, progress: false });
  four = await Session.create({ threads: 4, shufflePartitions: 4, progress: false });
});
afterAll(async () => {
  await one.stop();
  await four.stop();
});

/** Runs `run` with every stage sent to the pool (the setting the rest of the suite uses). */
async function allOnWorkers<T>(run: () => Promise<T>): Promise<T> {
  process.env['KINDLING_SMALL_STAGE_ROWS'] = '0';
  try {
    return await run();
  } finally {
    delete process.env['KINDLING_SMALL_STAGE_ROWS'];
  }
}

// 2 cached partitions of 50k rows: the map stage reads 100k rows, far over the limit.
const cached = (s: Session) => s.range(0, 100_000, 1, 2).withColumn('k', col('id').mod(7)).withColumn('x', col('id').multiply(0.5)).cache();
const q = (df: DataFrame) => df.groupBy('k').agg(F.sum('x').alias('s'), F.count('*').alias('n'), F.avg('id').alias('a')).orderBy('k');

describe('small stages in the main thread', () => {
  it('defaults to 32768 rows', () => {
    expect(smallStageRows()).toBe(32_768);
  });

  it('a large map stage stays on the workers; the final aggregate and sort of its few rows run in the main thread', async () => {
    const [c4, c1] = [cached(four), cached(one)];
    await c4.count();
    await c1.count();
    const a = await stagesOf(four, () => q(c4).collect());
    const map = a.stages.find((m) => m.description.includes('hashpartitioning'))!;
    expect(map).toMatchObject({ tasks: 2, onWorkers: true });
    const rest = a.stages.filter((m) => m !== map);
    expect(rest.length).toBeGreaterThan(0);
    expect(rest.every((m) => !m.onWorkers)).toBe(true);
    expect(a.out.map((r) => r['k'])).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // Same answers as one thread and as with every stage on the workers.
    expect(a.out).toEqual(await q(c1).collect());
    const w = await allOnWorkers(() => stagesOf(four, () => q(c4).collect()));
    expect(w.stages.every((m) => m.onWorkers)).toBe(true);
    expect(w.out).toEqual(a.out);
    await c4.unpersist();
    await c1.unpersist();
  });

  it('a cached answer is counted without the workers; a larger one is not', async () => {
    const small = four.createDataFrame(Array.from({ length: 500 }, (_, i) => ({ g: i % 10, v: i }))).groupBy('g').agg(F.sum('v').alias('s')).cache();
    const a = await stagesOf(four, () => small.count());
    expect(a.out).toBe(10);
    expect(a.stages.length).toBeGreaterThan(0);
    expect(a.stages.every((m) => !m.onWorkers)).toBe(true);
    expect(await small.orderBy('g').collect()).toEqual(await one.createDataFrame(Array.from({ length: 500 }, (_, i) => ({ g: i % 10, v: i }))).groupBy('g').agg(F.sum('v').alias('s')).orderBy('g').collect());
    await small.unpersist();
    const big = four.range(0, 40_000, 1, 4).withColumn('w', col('id').mod(3)).cache();
    await big.count();
    const b = await stagesOf(four, () => big.filter(col('w').eq(1)).count());
    expect(b.out).toBe(13_333);
    expect(b.stages.some((m) => m.onWorkers)).toBe(true);
    await big.unpersist();
  });

  it('scans of files or ranges stay on the workers, however small', async () => {
    const a = await stagesOf(four, () => four.range(0, 100, 1, 2).groupBy(col('id').mod(3).alias('m')).count().orderBy('m').collect());
    expect(a.out).toEqual([{ m: 0, count: 34 }, { m: 1, count: 33 }, { m: 2, count: 33 }]);
    expect(a.stages.find((m) => m.description.includes('hashpartitioning'))?.onWorkers).toBe(true);
    const csv = await stagesOf(four, () => four.read.csv('data/bank.csv', { header: true, sep: ';', inferSchema: true }).limit(5).count());
    expect(csv.out).toBe(5);
    expect(csv.stages.some((m) => m.onWorkers)).toBe(true);
  });

  it('UDFs, and every stage of a session with worker modules, stay on the workers', async () => {
    const withModules = await Session.create({ threads: 2, progress: false, workerModules: [path.resolve(import.meta.dirname, 'fixtures/worker-udfs.ts')] });
    try {
      const df = withModules.createDataFrame([{ x: 1 }, { x: 2 }, { x: 3 }]);
      const a = await stagesOf(withModules, () => df.groupBy(col('x').mod(2).alias('m')).agg(F.sum('x').alias('s')).orderBy('m').collect());
      expect(a.out).toEqual([{ m: 0, s: 2 }, { m: 1, s: 4 }]);
      expect(a.stages.every((m) => m.onWorkers)).toBe(true);
    } finally {
      await withModules.stop();
    }
    const plusOne = F.udf((x: number) => x + 1, 'int');
    const df = four.createDataFrame([{ x: 1 }, { x: 2 }]).repartition(2);
    const u = await stagesOf(four, () => df.select(plusOne(col('x')).alias('y')).orderBy('y').collect());
    expect(u.out).toEqual([{ y: 2 }, { y: 3 }]);
    expect(u.stages.filter((m) => m.onWorkers).length).toBeGreaterThan(0);
  });
});

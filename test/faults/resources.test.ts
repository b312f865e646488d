/**
 * Fault corpus, resource limits (scaled down): a result larger than the session's maxResultSize
 * fails the job with a ResultTooLargeError that suggests write / toLocalIterator(), the session stays
 * usable, and toLocalIterator() streams the same rows as collect() one result partition at a time.
 * Operators that buffer more than the session's memoryLimit (a cross join's output, an aggregation
 * table, a sort) fail the job with a MemoryLimitError naming the operator, and a cross join's
 * count is computed without producing its rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutionError, IllegalArgumentError, MemoryLimitError, ResultTooLargeError, Session, Window, col, functions as F } from '../../src/index.js';
import { testThreads } from '../threads.js';

const liveWorkers = () => process.getActiveResourcesInfo().filter((r) => r === 'Worker').length;
let baseline = 0;
/** A session whose results may hold at most 64 KiB. */
let small: Session;
beforeAll(async () => {
  baseline = liveWorkers();
  small = await Session.create({ threads: testThreads(), shufflePartitions: 3, maxResultSize: 64 * 1024 });
});
afterAll(async () => {
  await small.stop();
  expect(liveWorkers()).toBe(baseline);
});

/** 20,000 ids in 4 partitions, sorted descending (a range shuffle into 3 partitions). */
const sorted = (s: Session) => s.range(0, 20_000, 1, 4).orderBy(col('id').desc());

describe('maxResultSize', () => {
  it('fails collect() of a larger result with a clear error, and the session stays usable', async () => {
    const err = await small.range(0, 100_000).collect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResultTooLargeError);
    expect(err).toBeInstanceOf(ExecutionError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/Total size of results \(at least [\d.]+ MiB\) is bigger than maxResultSize \(0\.1 MiB\)/);
    expect(msg).toContain('df.write');
    expect(msg).toContain('toLocalIterator()');
    expect(await small.range(0, 10).collect()).toEqual(Array.from({ length: 10 }, (_, i) => ({ id: i })));
  });

  it('applies to toArrow(), and to results gathered from several partitions', async () => {
    await expect(small.range(0, 100_000, 1, 4).toArrow()).rejects.toThrow(ResultTooLargeError);
    await expect(sorted(small).collect()).rejects.toThrow(/bigger than maxResultSize/);
  });

  it('lets results under the limit through, and aggregates of large inputs', async () => {
    expect((await small.range(0, 500, 1, 4).collect()).length).toBe(500);
    expect(await small.range(0, 1_000_000).count()).toBe(1_000_000);
  });

  it('is unlimited at 0 and rejects a bad value', async () => {
    const s = await Session.create({ threads: 1, maxResultSize: 0 });
    try {
      expect((await s.range(0, 100_000).collect()).length).toBe(100_000);
    } finally {
      await s.stop();
    }
    await expect(Session.create({ maxResultSize: -1 })).rejects.toThrow(IllegalArgumentError);
    await expect(Session.create({ maxResultSize: '1g' as never })).rejects.toThrow(/maxResultSize must be a whole number of bytes/);
  });
});

describe('toLocalIterator()', () => {
  it('yields the same rows in the same order as collect(), where collect() exceeds maxResultSize', async () => {
    const big = await Session.create({ threads: testThreads(), shufflePartitions: 3, maxResultSize: 0 });
    try {
      const expected = await sorted(big).collect();
      expect(expected.length).toBe(20_000);
      const rows = [];
      for await (const r of sorted(small).toLocalIterator()) rows.push(r);
      expect(rows).toEqual(expected);
      let n = 0;
      for await (const b of sorted(small).toLocalIteratorBatches()) n += b.numRows;
      expect(n).toBe(20_000);
    } finally {
      await big.stop();
    }
  });

  it('runs the result stage one partition at a time and ends the job on break', async () => {
    const resultStages = new Set<number>();
    let resultTasks = 0;
    const off1 = small.on('stageSubmitted', (e) => e.description === 'ResultStage' && resultStages.add(e.stageId));
    const off2 = small.on('taskEnd', (e) => resultStages.has(e.stageId) && resultTasks++);
    try {
      const it = sorted(small).toLocalIterator();
      const first = await it.next();
      expect(first.value).toEqual({ id: 19_999 });
      expect(resultTasks).toBe(1);
      await it.return(undefined);
      expect(resultTasks).toBe(1);
    } finally {
      off1();
      off2();
    }
    expect(await small.range(0, 3).collect()).toEqual([{ id: 0 }, { id: 1 }, { id: 2 }]);
  });
});

describe('memoryLimit', () => {
  /** A session whose operators may buffer 32 MiB (each worker task its share). */
  let tight: Session;
  beforeAll(async () => {
    tight = await Session.create({ threads: testThreads(), shufflePartitions: 2, memoryLimit: '32m', maxResultSize: 0 });
  });
  afterAll(async () => {
    await tight.stop();
  });
  const ids = (s: Session, n: number, name: string) => s.range(0, n).withColumnRenamed('id', name);

  it('fails a cross join whose output outgrows it, naming the operator and the limit; the session stays usable', async () => {
    const err = await ids(tight, 2000, 'a').crossJoin(ids(tight, 2000, 'b')).collect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MemoryLimitError);
    expect(err).toBeInstanceOf(ExecutionError);
    const msg = (err as Error).message;
    expect(msg).toContain('NestedLoopJoin');
    expect(msg).toMatch(/over the limit of [\d.]+ MiB \((a task's share: )?memoryLimit 32\.0 MiB/);
    expect(msg).toContain('raise Session.create({ memoryLimit })');
    expect(msg).toContain('join on equality keys');
    // The next job runs, and its result is right.
    const small = await ids(tight, 30, 'a').crossJoin(ids(tight, 20, 'b')).agg(F.sum('a'), F.count('b')).collect();
    expect(small).toEqual([{ 'sum(a)': 20 * (29 * 30) / 2, 'count(b)': 600 }]);
  });

  it('fails a group-by whose table outgrows it, and a window', async () => {
    const wide = await Session.create({ threads: testThreads(), shufflePartitions: 2, memoryLimit: '16m', maxResultSize: 0 });
    try {
      const err = await wide.range(0, 1_000_000).groupBy(col('id').mod(500_000).alias('k')).agg(F.sum('id'), F.max('id')).collect().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MemoryLimitError);
      expect((err as Error).message).toMatch(/HashAggregate\(mode=\w+, keys=\[\(id#0 % 500000\)\].*over the limit of/);
      // A window over all rows holds them in one task (in the main thread: no exchange before it): 20 MiB.
      const one = await Session.create({ threads: 1, memoryLimit: '16m', maxResultSize: 0 });
      try {
        const win = one.range(0, 2_500_000, 1, 1).select(col('id'), F.row_number().over(Window.orderBy('id')).alias('rn'));
        const winErr = await win.collect().catch((e: unknown) => e);
        expect(winErr).toBeInstanceOf(MemoryLimitError);
        expect((winErr as Error).message).toMatch(/^the partitions of Window \[row_number\(\)/);
        expect(await one.range(0, 5).select(F.row_number().over(Window.orderBy(col('id').desc())).alias('rn')).collect()).toEqual([1, 2, 3, 4, 5].map((rn) => ({ rn })));
      } finally {
        await one.stop();
      }
      const rows = await wide.range(0, 10).groupBy(col('id').mod(2).alias('k')).count().orderBy('k').collect();
      expect(rows).toEqual([{ k: 0, count: 5 }, { k: 1, count: 5 }]);
    } finally {
      await wide.stop();
    }
  });

  it("counts a 1e5 × 1e5 cross join (1e10 rows) without producing them", async () => {
    const before = process.memoryUsage();
    expect(await ids(tight, 100_000, 'a').crossJoin(ids(tight, 100_000, 'b')).count()).toBe(1e10);
    const after = process.memoryUsage();
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(64 * 2 ** 20);
    expect(after.rss - before.rss).toBeLessThan(256 * 2 ** 20);
    // A projection over it, and SQL, too; with a join condition it is a real join.
    tight.range(0, 1000).createOrReplaceTempView('t1k');
    expect((await tight.sql('SELECT count(*) AS n FROM t1k x CROSS JOIN t1k y CROSS JOIN t1k z').collect())[0]).toEqual({ n: 1e9 });
    expect((await tight.sql('SELECT count(*) AS n FROM t1k x JOIN t1k y ON x.id < y.id AND y.id < 10').collect())[0]).toEqual({ n: 45 });
  });

  it('pairs a nested-loop join in bounded chunks, with every join type right across chunk boundaries', async () => {
    // One left batch of 600 rows × 500 build rows = 300,000 candidate pairs, more than one chunk (2^18).
    const l = tight.range(0, 600, 1, 1).withColumnRenamed('id', 'a');
    const r = tight.range(0, 500, 1, 1).withColumnRenamed('id', 'b');
    const on = col('a').plus(col('b')).eq(800);
    const count = async (how: 'inner' | 'left' | 'full') => (await l.join(r, on, how).agg(F.count('*').alias('n'), F.count('a').alias('na'), F.count('b').alias('nb')).collect())[0];
    expect(await count('inner')).toEqual({ n: 299, na: 299, nb: 299 });
    expect(await count('left')).toEqual({ n: 600, na: 600, nb: 299 });
    expect(await count('full')).toEqual({ n: 801, na: 600, nb: 500 });
    expect((await l.join(r, on, 'left_semi').agg(F.count('*').alias('n'), F.min('a').alias('lo')).collect())[0]).toEqual({ n: 299, lo: 301 });
    expect((await l.join(r, on, 'left_anti').agg(F.count('*').alias('n'), F.max('a').alias('hi')).collect())[0]).toEqual({ n: 301, hi: 300 });
  });

  it('accepts bytes or sizes like 512m and rejects anything else', async () => {
    const s = await Session.create({ threads: 1, memoryLimit: '1.5g' });
    expect(s.options.memoryLimit).toBe(1.5 * 2 ** 30);
    await s.stop();
    const d = await Session.create({ threads: 1 });
    expect(d.options.memoryLimit).toBeGreaterThan(0);
    await d.stop();
    await expect(Session.create({ memoryLimit: 'lots' })).rejects.toThrow(/memoryLimit must be a whole number of bytes or a size like '512m' or '4g' \(0 = unlimited\), got string 'lots'/);
    await expect(Session.create({ memoryLimit: -5 })).rejects.toThrow(IllegalArgumentError);
  });
});

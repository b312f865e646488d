/**
 * Fault corpus, resource limits (scaled down): a result larger than the session's maxResultSize
 * fails the job with a ResultTooLargeError that suggests write / toLocalIterator(), the session stays
 * usable, and toLocalIterator() streams the same rows as collect() one result partition at a time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutionError, IllegalArgumentError, ResultTooLargeError, Session, col } from '../../src/index.js';
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

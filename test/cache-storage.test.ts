/**
 * How the cache holds its data (issue 18, memory): after a CSV table is cached, low-cardinality
 * strings are dictionaries (one per column, counted once), and with worker threads every buffer is
 * in shared memory, so the scans that post the cache to the workers do not keep a second copy of
 * the buffers the main thread made (the dictionary indices). The data reads back unchanged.
 * `unpersist()` of large cached data frees it at once (a full collection), not at the main
 * thread's next garbage collection.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataFrame, Session, col, functions as F } from '../src/index.js';
import type { Batch } from '../src/data/batch.js';
import { RELEASE_COLLECT_BYTES } from '../src/cache.js';
import { testThreads } from './threads.js';

const ROWS = 4000;
let spark: Session;
let dir: string;
let file: string;

beforeAll(async () => {
  spark = await Session.create({ threads: testThreads(2), shufflePartitions: 3, maxPartitionBytes: 16 * 1024 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-cache-storage-'));
  file = path.join(dir, 't.csv');
  const lines = ['k,s,n,v'];
  for (let i = 0; i < ROWS; i++) lines.push(`k${i % 5},s${i},${i % 97},${i / 4}`);
  fs.writeFileSync(file, lines.join('\n') + '\n');
});
afterAll(async () => {
  await spark.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const OPTS = { header: true, schema: 'k string, s string, n int, v double' };

describe('the cache layout', () => {
  it('is unknown before the data is computed, and reported per column after', async () => {
    const df = spark.read.csv(file, OPTS).cache();
    expect(spark.cacheManager.storage(df.plan)).toBeNull();
    expect(await df.count()).toBe(ROWS);
    const st = spark.cacheManager.storage(df.plan)!;
    expect(st.map((c) => [c.name, c.layout])).toEqual([['k', 'dictionary'], ['s', 'plain'], ['n', 'plain'], ['v', 'plain']]);
    const byName = Object.fromEntries(st.map((c) => [c.name, c]));
    // int32 and double values at 4 and 8 bytes a row; the dictionary column: int32 indices + one 5-entry dictionary
    expect(byName['n']!.bytes).toBe(4 * ROWS);
    expect(byName['v']!.bytes).toBe(8 * ROWS);
    expect(byName['k']!.bytes).toBe(4 * ROWS + 6 * 4 + 5 * 2);
    await df.unpersist();
    expect(spark.cacheManager.storage(df.plan)).toBeNull();
  });

  it('with worker threads, holds every buffer once, in shared memory, and reads back the same rows', async () => {
    const df = spark.read.csv(file, OPTS).filter(col('n').geq(0)).cache();
    await df.count();
    const st = spark.cacheManager.storage(df.plan)!;
    expect(st.map((c) => c.shared)).toEqual(st.map(() => spark.options.threads > 1));
    const rows = await df.groupBy('k').agg(F.count('*').alias('c'), F.sum('n').alias('n')).orderBy('k').collect();
    expect(rows).toEqual([0, 1, 2, 3, 4].map((j) => {
      let n = 0;
      for (let i = j; i < ROWS; i += 5) n += i % 97;
      return { k: `k${j}`, c: ROWS / 5, n };
    }));
    expect((await df.orderBy(col('v').desc()).limit(1).collect())[0]).toEqual({ k: 'k4', s: `s${ROWS - 1}`, n: (ROWS - 1) % 97, v: (ROWS - 1) / 4 });
    await df.unpersist();
  });
});

/** A weak reference to the first batch of a cached frame's data (made here, so no strong reference stays on the caller's stack). */
function firstCachedBatch(spark: Session, df: DataFrame): WeakRef<Batch> {
  const entries = (spark.cacheManager as unknown as { entries: Map<string, { parts: Batch[][] | null }> }).entries;
  const b = [...entries.values()].flatMap((e) => (e.parts ?? []).flat())[0]!;
  expect(spark.cacheManager.storage(df.plan)).not.toBeNull();
  return new WeakRef(b);
}

describe('unpersist()', () => {
  it('frees large cached data at once', async () => {
    const rows = Math.ceil(RELEASE_COLLECT_BYTES / 8) + 1000; // one double column just over the threshold
    const df = spark.range(0, rows, 1, 2).select(col('id').multiply(0.5).alias('x')).cache();
    expect(await df.count()).toBe(rows);
    const ref = firstCachedBatch(spark, df);
    await new Promise((r) => setTimeout(r, 0)); // a WeakRef's target stays alive until the task that made it ends
    await df.unpersist();
    expect(ref.deref()).toBeUndefined();
    expect(spark.cacheManager.storage(df.plan)).toBeNull();
  });
});

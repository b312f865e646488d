/**
 * Parallel execution on worker threads: stages and exchanges, parity with single-threaded runs,
 * retries after worker crashes, deterministic failures, cancellation, cleanup, events, explain.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArithmeticOverflowError, type DataFrame, ExecutionError, Session, col, functions as F } from '../src/index.js';
import './fixtures/worker-udfs.js';
import { stagesOf } from './stage-events.js';

const fixture = path.resolve(import.meta.dirname, 'fixtures/worker-udfs.ts');
const workerModules = [fixture];

function rows(n: number) {
  const out: { k: string | null; g: number; v: number | null }[] = [];
  for (let i = 0; i < n; i++) out.push({ k: i % 13 === 0 ? null : `k${i % 17}`, g: i % 5, v: i % 11 === 0 ? null : (i * 7919) % 1000 });
  return out;
}

let one: Session;
let four: Session;
beforeAll(async () => {
  one = await Session.create({ threads: 1 });
  four = await Session.create({ threads: 4, shufflePartitions: 4, workerModules });
});
afterAll(async () => {
  await one.stop();
  await four.stop();
});

describe('parity: threads = 1 and threads = 4 give the same results', () => {
  const queries: [string, (s: Session) => Promise<unknown>][] = [
    ['groupBy', async (s) => s.createDataFrame(rows(5000)).groupBy('k', 'g').agg(F.sum('v').alias('s'), F.count('*').alias('n'), F.avg('v').alias('a')).orderBy('k', 'g').collect()],
    ['global sort', async (s) => s.createDataFrame(rows(3000)).orderBy(col('v').desc(), col('k').asc_nulls_last(), 'g').collect()],
    ['join + aggregate', async (s) => {
      const a = s.createDataFrame(rows(2000));
      const b = s.createDataFrame(rows(300)).groupBy('k').agg(F.max('v').alias('mv'));
      return a.join(b, 'k', 'left').groupBy('g').agg(F.sum('mv').alias('smv'), F.count('k').alias('nk')).orderBy('g').collect();
    }],
    ['distinct + count', async (s) => s.createDataFrame(rows(4000)).select('k', 'g').distinct().count()],
    ['range + filter + limit', async (s) => s.range(0, 100_000, 3).filter(col('id').mod(7).eq(1)).orderBy('id').limit(5).collect()],
    ['union + dropDuplicates', async (s) => s.createDataFrame(rows(500)).union(s.createDataFrame(rows(500))).dropDuplicates(['k']).orderBy('k').select('k').collect()],
  ];
  it.each(queries)('%s', async (_name, q) => {
    expect(await q(four)).toEqual(await q(one));
  });

  it('a cached frame scanned twice in one stage, each scan sent only its own columns', async () => {
    const q = async (s: Session) => {
      const df = s.createDataFrame(rows(3000)).repartition(3).withColumn('w', col('v').multiply(2)).cache();
      await df.count();
      const stages: { onWorkers: boolean }[] = [];
      const off = s.on('stageCompleted', (m) => stages.push(m));
      // Union of two projections of the same cached partitions (different columns, different
      // order), filtered on a column the other scan does not read.
      const out = await df.select('k', 'v').filter(col('v').gt(500)).union(df.select(col('w').cast('string').alias('k'), col('g').alias('v')))
        .groupBy('k').agg(F.sum('v').alias('s'), F.count('*').alias('n')).orderBy('k').collect();
      off();
      await df.unpersist();
      return { out, workers: stages.some((m) => m.onWorkers) };
    };
    const [a, b] = [await q(four), await q(one)];
    expect(a.workers).toBe(true);
    expect(b.workers).toBe(false);
    expect(a.out.length).toBeGreaterThan(100);
    expect(a.out).toEqual(b.out);
  });

  it('CSV scans split across workers agree with one thread', async () => {
    const bank = (s: Session) => s.read.csv('data/bank.csv', { header: true, sep: ';', inferSchema: true, maxPartitionBytes: 512 * 1024 });
    const q = (s: Session) => bank(s).groupBy('job', 'marital').agg(F.sum('balance').alias('b'), F.countDistinct('age').alias('ages')).orderBy('job', 'marital').collect();
    expect(await q(four)).toEqual(await q(one));
  });
});

describe('stages on workers', () => {
  it('runs stages on the pool and reports them through events', async () => {
    const events: string[] = [];
    const stages: { description: string; tasks: number; onWorkers: boolean; rows: number }[] = [];
    const off1 = four.on('stageCompleted', (m) => stages.push(m));
    const off2 = four.on('jobEnd', (e) => events.push(`end:${e.succeeded}`));
    const off3 = four.on('jobStart', (e) => events.push(`start:${e.stages}`));
    await four.range(10_000).withColumn('k', col('id').mod(10)).groupBy('k').count().orderBy('k').collect();
    off1(); off2(); off3();
    expect(events).toEqual(['start:4', 'end:true']);
    expect(stages.every((s) => s.onWorkers)).toBe(true);
    expect(stages.map((s) => s.description)).toEqual(expect.arrayContaining([expect.stringContaining('hashpartitioning'), expect.stringContaining('rangepartitioning'), 'ResultStage']));
    expect(four.workerCount).toBe(4);
  });

  it('explain shows exchanges and partition counts; explain analyze shows per-stage metrics', async () => {
    const df = four.range(1000).groupBy(col('id').mod(3).alias('m')).count();
    expect(df.explain()).toMatch(/Exchange hashpartitioning\(m#\d+, 4\) \(partitions=4\) \[stage 0\]/);
    expect(df.explain()).toMatch(/HashAggregate\(mode=partial.*\(partitions=4\) \[stage 1\]/);
    const text = await df.explainAnalyze();
    expect(text).toMatch(/Stage \d+ .*tasks=\d+.*rows=\d+.*bytes=.*time=/);
    expect(text).toContain('ResultStage');
  });
});

describe('morsel-driven map stages', () => {
  // 3 cached partitions of 100k rows: 2 batches each (BATCH_SIZE 65,536), so 6 morsels.
  const cachedRange = (s: Session) => s.range(0, 300_000, 1, 3).withColumn('k', col('id').mod(7)).withColumn('x', col('id').multiply(0.1)).cache();

  it('a scan feeding a hash or single-partition exchange runs one task per worker over the batches; results match one thread', async () => {
    const q = (df: DataFrame) => df.filter(col('id').mod(3).neq(0)).groupBy('k').agg(F.sum('x').alias('s'), F.count('*').alias('n')).orderBy('k');
    const [c4, c1] = [cachedRange(four), cachedRange(one)];
    await c4.count();
    await c1.count();
    const a = await stagesOf(four, () => q(c4).collect());
    const b = await stagesOf(one, () => q(c1).collect());
    const mapA = a.stages.find((m) => m.description.includes('hashpartitioning'))!;
    const mapB = b.stages.find((m) => m.description.includes('hashpartitioning'))!;
    expect(mapA).toMatchObject({ tasks: 4, morsels: 6, onWorkers: true, rows: 4 * 7 });
    expect(mapB).toMatchObject({ tasks: 1, morsels: 6, onWorkers: false, rows: 7 });
    expect(a.out.map((r) => r['n'])).toEqual(b.out.map((r) => r['n']));
    a.out.forEach((r, i) => expect(r['s'] as number).toBeCloseTo(b.out[i]!['s'] as number, 3));
    expect(await q(c4).explainAnalyze()).toMatch(/hashpartitioning.*tasks=4 morsels=6 /);
    // The deal is fixed: the same job gives the same floating-point sums every time.
    for (let i = 0; i < 3; i++) expect(await q(c4).collect()).toEqual(a.out);
    // Each task takes a contiguous run of morsels, so a single-partition exchange (a global
    // aggregate) still sees the rows in order.
    const list = await stagesOf(four, () => c4.filter(col('id').mod(1000).eq(0)).agg(F.collect_list('id').alias('l')).collect());
    expect(list.out[0]!['l']).toEqual(Array.from({ length: 300 }, (_, i) => i * 1000));
    expect(list.stages.find((m) => m.description.includes('SinglePartition'))).toMatchObject({ tasks: 4, morsels: 6 });
    await c4.unpersist();
    await c1.unpersist();
  });

  it('probes a broadcast join inside the morsel tasks, and leaves stages that must keep partitions alone', async () => {
    const c4 = cachedRange(four);
    const small = four.createDataFrame([{ k: 1, name: 'one' }, { k: 3, name: 'three' }, { k: 5, name: 'five' }]);
    const joined = await stagesOf(four, () => c4.join(small, 'k').groupBy('name').agg(F.count('*').alias('n')).orderBy('name').collect());
    expect(joined.out).toEqual([{ name: 'five', n: 42857 }, { name: 'one', n: 42857 }, { name: 'three', n: 42857 }]);
    expect(joined.stages.find((m) => m.description.includes('hashpartitioning'))).toMatchObject({ tasks: 4, morsels: 6 });
    // A pushed-down limit, a result stage and a round-robin exchange keep one task per partition.
    const limited = await stagesOf(four, () => c4.limit(10).groupBy('k').count().collect());
    expect(limited.stages.every((m) => m.morsels === 0)).toBe(true);
    const rr = await stagesOf(four, () => c4.repartition(5).count());
    expect(rr.stages.every((m) => m.morsels === 0)).toBe(true);
    await c4.unpersist();
  });

  it('retries a morsel task whose worker died; the retry redoes its morsels', async () => {
    const marker = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-crash-')), 'marker');
    const c4 = cachedRange(four);
    await c4.count();
    const res = await stagesOf(four, () =>
      c4.select(col('k'), F.call_function('crash_once', col('id'), marker).alias('y')).groupBy('k').agg(F.sum('y').alias('s'), F.count('*').alias('n')).orderBy('k').collect());
    const expected = Array.from({ length: 7 }, (_, k) => {
      let s = 0;
      let n = 0;
      for (let i = k; i < 300_000; i += 7) { s += i; n++; }
      return { k, s, n };
    });
    expect(res.out).toEqual(expected);
    expect(fs.existsSync(marker)).toBe(true);
    expect(res.stages.find((m) => m.description.includes('hashpartitioning'))).toMatchObject({ tasks: 4, morsels: 6, retries: 1 });
    await c4.unpersist();
  });
});

describe('repartition and coalesce', () => {
  it('round-robin and hash repartitioning keep every row and set the partition count', async () => {
    const df = four.range(1000);
    expect(df.repartition(7).getNumPartitions()).toBe(7);
    expect(await df.repartition(7).count()).toBe(1000);
    const byKey = df.withColumn('k', col('id').mod(5)).repartition(3, 'k');
    expect(byKey.explain()).toMatch(/Exchange hashpartitioning\(k#\d+, 3\)/);
    expect((await byKey.groupBy('k').count().orderBy('k').collect()).map((r) => r['count'])).toEqual([200, 200, 200, 200, 200]);
    expect(() => df.repartition(0)).toThrow(/positive integer/);
  });

  it('shuffles keep every value of every type, nulls that start mid-task included, in buckets of any size', async () => {
    // One input partition, so a single task writes all 70k rows, and nulls first appear after
    // 50k rows of null-free batches (bucket-writer.test.ts covers full and growing chunks).
    const wide = (s: Session) => s.range(0, 70_000, 1, 1).select(
      col('id'),
      col('id').mod(7).cast('int').alias('k'),
      F.when(col('id').gt(50_000), F.lit(null)).otherwise(F.concat(F.lit('s'), col('id').mod(97).cast('string'))).alias('s'),
      col('id').mod(3).eq(0).alias('b'),
      F.when(col('id').mod(5).eq(0).and(col('id').gt(40_000)), F.lit(null)).otherwise(col('id').divide(4)).alias('d'),
      F.date_add(F.to_date(F.lit('2024-01-01')), col('id').mod(400).cast('int')).alias('dt'),
      F.lit(null).alias('n'),
    );
    const lines = async (df: DataFrame) =>
      (await df.orderBy('id').withColumn('dt', col('dt').cast('string')).collect()).map((r) => Object.values(r).map(String).join('|'));
    const expected = await lines(wide(one));
    expect(expected.filter((r) => r.includes('|null|'))).toHaveLength(19_999 + 2_000);
    for (const shuffled of [wide(four).repartition(2, 'k'), wide(four).repartition(7), wide(four).repartition(3, 's', 'b')]) {
      const got = await lines(shuffled);
      expect(got.length).toBe(expected.length);
      expect(got.filter((r, i) => r !== expected[i]).slice(0, 3)).toEqual([]);
    }
    // Hash buckets put every key in one partition: one part file per partition, each key in one file.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-shuffle-'));
    await wide(four).repartition(3, 'k').write.mode('overwrite').parquet(path.join(dir, 'out'));
    const files = fs.readdirSync(path.join(dir, 'out')).filter((f) => f.endsWith('.parquet'));
    expect(files).toHaveLength(3);
    const fileOfKey = new Map<unknown, string>();
    for (const f of files) {
      for (const r of await (await four.read.parquet(path.join(dir, 'out', f))).select('k').distinct().collect()) {
        expect(fileOfKey.get(r['k'])).toBeUndefined();
        fileOfKey.set(r['k'], f);
      }
    }
    expect(fileOfKey.size).toBe(7);
  });

  it('coalesce merges partitions without a shuffle', async () => {
    const df = four.range(0, 100, 1, 8);
    const c = df.coalesce(3);
    expect(c.getNumPartitions()).toBe(3);
    expect(c.explain()).not.toContain('Exchange');
    expect((await c.collect()).map((r) => r['id'])).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(df.coalesce(20).getNumPartitions()).toBe(8);
  });

  it('each output partition becomes one part file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-parts-'));
    await four.range(100).repartition(3).write.mode('overwrite').parquet(path.join(dir, 'out'));
    expect(fs.readdirSync(path.join(dir, 'out')).filter((f) => f.endsWith('.parquet'))).toHaveLength(3);
    await four.range(100).repartition(3).coalesce(1).write.mode('overwrite').csv(path.join(dir, 'one'));
    expect(fs.readdirSync(path.join(dir, 'one')).filter((f) => f.endsWith('.csv'))).toHaveLength(1);
  });
});

describe('robustness', () => {
  it('retries a task whose worker died, on a fresh worker', async () => {
    const marker = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-crash-')), 'marker');
    let retries = 0;
    const off = four.on('stageCompleted', (m) => { retries += m.retries; });
    const res = await four.range(100).select(F.call_function('crash_once', col('id'), marker).alias('x')).agg(F.sum('x').alias('s')).collect();
    off();
    expect(res).toEqual([{ s: 4950 }]);
    expect(fs.existsSync(marker)).toBe(true);
    expect(retries).toBe(1);
  });

  it('gives up after maxTaskRetries when the worker keeps dying', async () => {
    const s = await Session.create({ threads: 2, maxTaskRetries: 1, workerModules });
    await expect(s.range(10).select(F.call_function('crash_always', col('id'))).collect()).rejects.toThrow(/worker died/);
    await s.stop();
  });

  it('fails at once with the original error, the stage and the partition', async () => {
    const df = four.range(100).select(col('id').cast('int').multiply(2_000_000_000).alias('x'));
    const err = await df.collect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArithmeticOverflowError);
    expect((err as Error).message).toMatch(/integer overflow.*\[stage \d+ .*partition \d+\]/);
  });

  it('cancels a running job with an AbortSignal', async () => {
    const ac = new AbortController();
    const slow = four.range(20_000).select(F.call_function('slow_identity', col('id')).alias('x'));
    const t = performance.now();
    setTimeout(() => ac.abort(), 200);
    // sum(x), not count(): a count prunes the projection and never runs slow_identity.
    await expect(slow.agg(F.sum('x')).collect({ signal: ac.signal })).rejects.toThrow(ExecutionError);
    expect(performance.now() - t).toBeLessThan(4000);
    // the pool still works afterwards
    expect(await four.range(10).count()).toBe(10);
  });

  it('stop() terminates every worker, also after a failed job', async () => {
    const s = await Session.create({ threads: 3, maxTaskRetries: 0 });
    await expect(s.range(10).select(col('id').cast('int').multiply(2_000_000_000)).collect()).rejects.toThrow();
    expect(s.workerCount).toBe(3);
    await s.stop();
    expect(s.workerCount).toBe(0);
    const workers = (process.getActiveResourcesInfo?.() ?? []).filter((r) => r === 'Worker');
    expect(workers.length).toBeLessThanOrEqual(4); // only the shared four-thread pool of this file remains
  });
});

describe('progress bar', () => {
  it('draws stage, tasks and rows/s for jobs longer than a second, then clears the line', async () => {
    const { ProgressReporter } = await import('../src/exec/progress.js');
    const written: string[] = [];
    const stream = { write: (s: string) => { written.push(s); return true; } } as unknown as NodeJS.WriteStream;
    const p = new ProgressReporter(stream);
    p.handle('jobStart', { jobId: 1, stages: 2 });
    p.handle('stageSubmitted', { jobId: 1, stageId: 0, tasks: 4, description: 'x' });
    p.handle('taskEnd', { jobId: 1, stageId: 0, partition: 0, rows: 5000, timeMs: 1, attempt: 0 });
    p.handle('taskEnd', { jobId: 1, stageId: 0, partition: 1, rows: 5000, timeMs: 1, attempt: 0 });
    expect(written).toEqual([]); // silent during the first second
    await new Promise((r) => setTimeout(r, 1300));
    const line = written.at(-1)!;
    expect(line).toMatch(/\[Stage 1\/2\] \[=+ *\] 2\/4 tasks, [\d.]+k? rows\/s/);
    p.handle('jobEnd', { jobId: 1, timeMs: 1300, succeeded: true, stages: [] });
    expect(written.at(-1)).toBe('\r\x1b[2K');
  });

  it('is silent when stderr is not a TTY', async () => {
    const s = await Session.create({ threads: 1 });
    const writes: unknown[] = [];
    const orig = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: unknown) => { writes.push(chunk); return true; }) as typeof process.stderr.write;
    try {
      await s.range(10).count();
    } finally {
      process.stderr.write = orig;
      await s.stop();
    }
    expect(process.stderr.isTTY ? 'tty' : writes.length).toBe(process.stderr.isTTY ? 'tty' : 0);
  });
});

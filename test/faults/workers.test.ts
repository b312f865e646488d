/**
 * Fault corpus, worker faults: every error of the pool and its workers becomes the job's error
 * (or is dropped once its job already failed), the session stays usable, retries happen only for
 * workers that died, and stop() cancels running jobs. A stress case repeats failing jobs
 * (deterministic errors, crashed workers, out-of-memory workers, aborts) on one shared session,
 * and a child process proves that the process itself survives them.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataFormatError, ExecutionError, KindlingError, Session, col, functions as F } from '../../src/index.js';
import '../fixtures/worker-udfs.js';
import './fixtures/fault-udfs.js';

const workerModules = [path.resolve(import.meta.dirname, '../fixtures/worker-udfs.ts'), path.resolve(import.meta.dirname, 'fixtures/fault-udfs.ts')];
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-faults-'));
const liveWorkers = () => process.getActiveResourcesInfo().filter((r) => r === 'Worker').length;

/** Errors that reached the process instead of a job's promise. */
const stray: unknown[] = [];
const onStray = (e: unknown) => stray.push(e);
let baseline = 0;
beforeAll(() => {
  baseline = liveWorkers();
  process.on('uncaughtException', onStray);
  process.on('unhandledRejection', onStray);
});
afterAll(() => {
  process.off('uncaughtException', onStray);
  process.off('unhandledRejection', onStray);
});

/** A folder of four good CSV files and one whose only row has a non-integer `v`. */
function mixedFolder(): string {
  const dir = tmp();
  for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(dir, `good${i}.csv`), 'id,v\n' + Array.from({ length: 50 }, (_, j) => `${j},${j}`).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'bad.csv'), 'id,v\n1,x\n');
  return dir;
}

/** Polls for a file a worker writes (hang() writes its marker when it starts). */
async function waitForFile(file: string): Promise<void> {
  while (!fs.existsSync(file)) await new Promise((r) => setTimeout(r, 10));
}

describe('worker faults', () => {
  it('retries a task whose worker was killed mid-task, and counts the retry', async () => {
    const s = await Session.create({ threads: 2, progress: false, workerModules });
    const marker = path.join(tmp(), 'marker');
    let retries = 0;
    s.on('stageCompleted', (m) => { retries += m.retries; });
    const res = await s.range(0, 1000, 1, 2).select(F.call_function('crash_once', col('id'), marker).alias('x')).agg(F.sum('x').alias('s')).collect();
    expect(res).toEqual([{ s: 499_500 }]);
    expect(retries).toBe(1);
    await s.stop();
  });

  it('does not retry a deterministic error: the task runs once and the job fails with it', async () => {
    const s = await Session.create({ threads: 2, progress: false, maxTaskRetries: 3, workerModules });
    const log = path.join(tmp(), 'log');
    const err = await s.range(0, 10, 1, 1).select(F.call_function('fail_logged', col('id'), log)).collect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecutionError);
    expect((err as Error).message).toMatch(/fail_logged: deliberate failure.*\[stage \d+ .*partition 0\]/);
    expect(fs.readFileSync(log, 'utf8')).toBe('ran\n');
    await s.stop();
  });

  it('stop() during a running job cancels it, without retries, and says why', async () => {
    const s = await Session.create({ threads: 2, progress: false, maxTaskRetries: 3, workerModules });
    const marker = path.join(tmp(), 'started');
    // hang() never returns: only terminating its worker ends the task.
    const job = s.range(0, 10, 1, 1).select(F.call_function('hang', col('id'), marker).alias('x')).collect();
    const outcome = job.catch((e: unknown) => e);
    await waitForFile(marker);
    await s.stop();
    const err = await outcome;
    expect(err).toBeInstanceOf(ExecutionError);
    expect((err as Error).message).toMatch(/^job cancelled because the session was stopped/);
    expect((err as Error).message).not.toMatch(/worker died/);
    expect(s.workerCount).toBe(0);
  });

  it('stop() during a main-thread job (threads: 1) cancels it the same way', async () => {
    const s = await Session.create({ threads: 1, progress: false });
    const started = new Promise((r) => s.on('jobStart', r));
    const job = s.range(0, 3_000_000, 1, 50).agg(F.sum('id')).collect().catch((e: unknown) => e);
    await started;
    await s.stop();
    const err = await job;
    expect(err).toBeInstanceOf(ExecutionError);
    expect((err as Error).message).toMatch(/^job cancelled because the session was stopped/);
  });

  it('an AbortSignal cancels a function that never returns; the session stays usable', async () => {
    const s = await Session.create({ threads: 2, progress: false, workerModules });
    const marker = path.join(tmp(), 'started');
    const ac = new AbortController();
    const job = s.range(0, 10, 1, 1).select(F.call_function('hang', col('id'), marker).alias('x')).collect({ signal: ac.signal }).catch((e: unknown) => e);
    await waitForFile(marker);
    ac.abort();
    const err = await job;
    expect(err).toBeInstanceOf(ExecutionError);
    expect((err as Error).message).toBe('job cancelled');
    expect(await s.range(100).agg(F.sum('id').alias('s')).collect()).toEqual([{ s: 4950 }]);
    await s.stop();
  });

  it('rejects a workerHeapMB that is not a sensible number of MiB', async () => {
    await expect(Session.create({ workerHeapMB: 0.5 })).rejects.toThrow(/workerHeapMB must be an integer number of MiB of at least 16, got 0.5/);
  });
});

describe('stress: failing jobs in a loop on one shared session', () => {
  it('deterministic errors, crashed and out-of-memory workers and aborts never end the process or poison the session', async () => {
    const s = await Session.create({ threads: 2, progress: false, maxTaskRetries: 0, workerHeapMB: 64, workerModules });
    const dir = mixedFolder();
    const good = s.range(0, 20_000, 1, 4).withColumn('k', col('id').mod(7)).groupBy('k').agg(F.sum('id').alias('s'), F.count('*').alias('n')).orderBy('k');
    const expected = Array.from({ length: 7 }, (_, k) => {
      let sum = 0;
      let n = 0;
      for (let i = k; i < 20_000; i += 7) { sum += i; n++; }
      return { k, s: sum, n };
    });
    const failures: Record<string, number> = { failfast: 0, crash: 0, oom: 0, abort: 0 };
    for (let round = 0; round < 4; round++) {
      // A deterministic error: FAILFAST over a folder with one bad file.
      for (let i = 0; i < 4; i++) {
        const err = await s.read.csv(dir, { header: true, schema: 'id INT, v INT', mode: 'FAILFAST' }).collect().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DataFormatError);
        expect((err as Error).message).toContain('bad.csv');
        failures['failfast']!++;
      }
      expect(await good.collect()).toEqual(expected);
      // A worker that exits mid-task (no retries on this session).
      const crash = await s.range(0, 10, 1, 2).select(F.call_function('crash_always', col('id'))).collect().catch((e: unknown) => e);
      expect(crash).toBeInstanceOf(ExecutionError);
      expect((crash as Error).message).toMatch(/worker died/);
      failures['crash']!++;
      expect(await good.collect()).toEqual(expected);
      // Workers that run out of heap (both tasks: one fails the job while the other is dying).
      const oom = await s.range(0, 4, 1, 2).select(F.call_function('eat_memory', col('id'))).collect().catch((e: unknown) => e);
      expect(oom).toBeInstanceOf(ExecutionError);
      expect((oom as Error).message).toMatch(/memory/);
      failures['oom']!++;
      // Aborted jobs: one before its tasks start, one while a function that never returns runs.
      const early = new AbortController();
      const earlyJob = s.range(0, 20_000, 1, 4).select(F.call_function('slow_identity', col('id')).alias('x')).agg(F.sum('x')).collect({ signal: early.signal });
      early.abort();
      await expect(earlyJob).rejects.toThrow('job cancelled');
      const marker = path.join(tmp(), 'started');
      const late = new AbortController();
      const lateJob = s.range(0, 10, 1, 1).select(F.call_function('hang', col('id'), marker)).collect({ signal: late.signal }).catch((e: unknown) => e);
      await waitForFile(marker);
      late.abort();
      expect(await lateJob).toBeInstanceOf(KindlingError);
      failures['abort']! += 2;
      expect(await good.collect()).toEqual(expected);
    }
    expect(failures).toEqual({ failfast: 16, crash: 4, oom: 4, abort: 8 });
    await s.stop();
    expect(stray).toEqual([]);
    expect(liveWorkers()).toBe(baseline);
  });

  it('a child process that repeats failing jobs exits normally with the right answers', () => {
    const script = path.resolve(import.meta.dirname, 'fixtures/failing-jobs.ts');
    const res = spawnSync(process.execPath, ['--max-old-space-size=256', '--import', 'tsx', script, tmp(), '8'], { encoding: 'utf8', timeout: 120_000 });
    expect({ status: res.status, signal: res.signal, stderr: res.stderr.split('\n').filter((l) => /Error|FATAL|Assert/.test(l)).slice(0, 5) }).toEqual({ status: 0, signal: null, stderr: [] });
    expect(res.stdout.trim()).toBe('failfast=8 oom=3 sum=499500');
  });
});

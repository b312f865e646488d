/**
 * Per-task overhead of the parallel scheduler (`npx tsx bench/task-overhead.ts`): a job of many
 * one-row partitions (dispatch + stage rebuild + result return per task), and the cost of moving
 * data out of workers (a stage producing ~8 MB per task, copied once into shared memory).
 * Compared with the same jobs in the main thread (threads = 1) in the same run.
 */
import { Session, col, functions as F } from '../src/index.js';

async function measure(threads: number): Promise<{ perTaskUs: number; mbPerS: number }> {
  const s = await Session.create({ threads, progress: false });
  await s.range(0, 100, 1, threads).count(); // warm the pool
  const tasks = 400;
  const tiny = s.range(0, tasks, 1, tasks).select(col('id').plus(1).alias('x'));
  for (let i = 0; i < 2; i++) await tiny.collect(); // JIT warm-up
  let t = performance.now();
  await tiny.collect();
  const perTaskUs = ((performance.now() - t) * 1000) / tasks;
  // 8 partitions × 1M float64 rows = 8 MB per task moved back to the main thread.
  const big = s.range(0, 8_000_000, 1, 8).select(col('id').cast('double').alias('v'));
  await big.agg(F.count('*')).collect();
  t = performance.now();
  const res = await big.toArrow();
  const secs = (performance.now() - t) / 1000;
  await s.stop();
  return { perTaskUs, mbPerS: (res.numRows * 8) / 1e6 / secs };
}

const one = await measure(1);
const two = await measure(2);
console.log('threads  per-task overhead (µs)  8 MB tasks end to end (MB/s)');
console.log(`1        ${one.perTaskUs.toFixed(0).padStart(8)}                ${one.mbPerS.toFixed(0).padStart(8)}`);
console.log(`2        ${two.perTaskUs.toFixed(0).padStart(8)}                ${two.mbPerS.toFixed(0).padStart(8)}`);

/**
 * The worker pool starts a stage's tasks in partition order, one per thread (pool.ts `slot`):
 * piscina's own queue, given every task at once, started them as 0, 1, 2, 4, 6, 3, 7, 5, which
 * defeated the CSV reader's plan of smaller splits at the end of a scan (csv.ts `planCsvScan`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Session, col, functions as F } from '../src/index.js';

let spark: Session;
let dir: string;
beforeAll(async () => {
  spark = await Session.create({ threads: 2, progress: false });
  // Eight one-row CSV files: eight splits, one task each.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-pool-order-'));
  for (let k = 0; k < 8; k++) fs.writeFileSync(path.join(dir, `part-${k}.csv`), `id\n${k}\n`);
});
afterAll(async () => {
  await spark.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('tasks start in partition order, two at a time on two threads', async () => {
  // Each one-row split notes when its task started and then stays busy for 150 ms (a stalled thread rarely lags that long).
  const started = F.udf((_id: number) => {
    const t = performance.timeOrigin + performance.now();
    while (performance.timeOrigin + performance.now() - t < 150);
    return t;
  }, 'double');
  const q = () => spark.read.csv(dir, { header: true, schema: 'id INT' }).select(col('id'), started(col('id')).alias('t')).collect();
  await q(); // both workers warm (started, the function compiled)
  const rows = await q();
  const t = rows.sort((a, b) => Number(a['id']) - Number(b['id'])).map((r) => Number(r['t']));
  expect(t).toHaveLength(8);
  // Partition k + 2 starts only once k or k + 1 has finished (times from each worker's clock).
  for (let k = 0; k + 2 < 8; k++) expect(t[k + 2]!, `partition ${k + 2} after ${k}`).toBeGreaterThan(t[k]!);
});

// The Quickstart's main job (`npm run demo` = examples/bank-predict.ts) runs end to end: features
// with a SQL-registered UDF, scoring with the bundled model in the workers, Parquet written.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

it('npm run demo scores every bank.csv row and writes the predictions', async () => {
  const out = await mkdtemp(path.join(tmpdir(), 'kindling-demo-'));
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/bank-predict.ts', out], { timeout: 120_000 });
    expect(stdout).toMatch(/Scored 45,211 rows in [\d.]+ s/);
    expect(stdout).toMatch(/Predicted yes: 1500, predicted no: 43711 \(actual yes: 5252\)/);
    expect(stdout).toMatch(/Accuracy: 0\.890\d\s+AUC: 0\.821\d/);
    expect((await readdir(path.join(out, 'bank_predictions'))).some((f) => f.endsWith('.parquet'))).toBe(true);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}, 150_000);

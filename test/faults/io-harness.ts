/**
 * Shared set-up of the I/O fault files (csv, writes): one session and one temporary folder per
 * file, stopped and removed after it, checking that no worker threads are left behind.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { Session } from '../../src/index.js';
import { testThreads } from '../threads.js';

/** Registers beforeAll/afterAll hooks; the returned object's fields are set once beforeAll ran. */
export function ioFaultSetup(prefix: string): { spark: Session; dir: string } {
  const env = {} as { spark: Session; dir: string };
  beforeAll(async () => {
    env.spark = await Session.create({ threads: testThreads(), shufflePartitions: 2 });
    env.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  afterAll(async () => {
    await env.spark.stop();
    fs.rmSync(env.dir, { recursive: true, force: true });
    // No worker threads left behind once the session stopped.
    expect(process.getActiveResourcesInfo().filter((r) => r === 'MessagePort' || r === 'Worker')).toEqual([]);
  });
  return env;
}

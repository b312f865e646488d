/**
 * Fault corpus, writes category: concurrent overwrites of one path (a consistent result, no
 * temporary folders left behind, and the losers told that another write won), targets that
 * cannot be written (missing or read-only locations: a WriteError naming the target), and a
 * write that fails part-way (the target unchanged).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KindlingError, WriteError } from '../../src/index.js';
import { TEMP_PREFIX, writeDataset } from '../../src/io/dataset-writer.js';
import { ioFaultSetup } from './io-harness.js';

const env = ioFaultSetup('kindling-faults-writes-');
let counter = 0;

/** A fresh folder to write into. */
function fresh(): string {
  const d = path.join(env.dir, `case${counter++}`);
  fs.mkdirSync(d);
  return d;
}

function leftovers(parent: string): string[] {
  return fs.readdirSync(parent).filter((n) => n.startsWith(TEMP_PREFIX));
}

describe('concurrent overwrites', () => {
  it('publish at the same moment: one wins, the losers say so and leave no temporary folders', async () => {
    const parent = fresh();
    const target = path.join(parent, 'out');
    let lost = 0;
    for (let round = 0; round < 10; round++) {
      // Every writer finishes its parts together, so all four publish at once.
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let waiting = 0;
      const writers = [0, 1, 2, 3].map((w) =>
        writeDataset(target, 'overwrite', 2, 'txt', async (f) => {
          fs.writeFileSync(f, `writer ${w}\n`);
          if (++waiting === 8) release();
          await gate;
        }),
      );
      const results = await Promise.allSettled(writers);
      for (const r of results) {
        if (r.status === 'fulfilled') continue;
        lost++;
        expect(r.reason).toBeInstanceOf(WriteError);
        expect((r.reason as Error).message).toContain(`another write to '${target}' won`);
      }
      expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
      expect(leftovers(parent)).toEqual([]);
      // The target holds exactly one writer's complete output.
      const parts = fs.readdirSync(target).filter((n) => n.startsWith('part-'));
      expect(parts).toHaveLength(2);
      expect(new Set(parts.map((n) => fs.readFileSync(path.join(target, n), 'utf8'))).size).toBe(1);
      expect(fs.existsSync(path.join(target, '_SUCCESS'))).toBe(true);
    }
    expect(lost).toBeGreaterThan(0);
  });

  it('four df.write overwrites of one path leave one consistent dataset and nothing else', async () => {
    const parent = fresh();
    const target = path.join(parent, 'out');
    const frames = [0, 1, 2, 3].map((w) => env.spark.range(0, 50).withColumnRenamed('id', `w${w}`));
    const results = await Promise.allSettled(frames.map((df) => df.write.mode('overwrite').csv(target, { header: true })));
    for (const r of results) if (r.status === 'rejected') expect((r.reason as Error).message).toContain('another write');
    expect(leftovers(parent)).toEqual([]);
    const back = env.spark.read.csv(target, { header: true, inferSchema: true });
    expect(back.columns).toHaveLength(1);
    expect(await back.count()).toBe(50);
  });
});

describe('targets that cannot be written', () => {
  const cases = process.platform === 'linux' ? ['/proc/kindling-out', '/proc/kindling-missing/deeper/out'] : [];
  it.runIf(cases.length > 0)('a missing or read-only location gives a WriteError naming the target', async () => {
    const df = env.spark.createDataFrame([{ a: 1 }]);
    for (const target of cases) {
      let err: unknown;
      try {
        await df.write.mode('overwrite').csv(target);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(WriteError);
      const msg = (err as Error).message;
      expect(msg).toContain(`cannot write to '${target}'`);
      expect(msg).not.toContain(TEMP_PREFIX);
    }
  });

  it('a file in the way of the target folder names the target', async () => {
    const parent = fresh();
    fs.writeFileSync(path.join(parent, 'file'), 'x');
    const target = path.join(parent, 'file', 'out');
    let err: unknown;
    try {
      await env.spark.createDataFrame([{ a: 1 }]).write.parquet(target);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WriteError);
    expect((err as Error).message).toContain(`cannot write to '${target}'`);
  });
});

describe('a write that fails part-way', () => {
  it('leaves the old dataset and no temporary folders', async () => {
    const parent = fresh();
    const target = path.join(parent, 'out');
    await writeDataset(target, 'overwrite', 1, 'txt', (f) => fs.writeFileSync(f, 'old'));
    const before = fs.readdirSync(target).sort();
    await expect(
      writeDataset(target, 'overwrite', 3, 'txt', (f, i) => {
        if (i === 1) throw new KindlingError('part 1 failed');
        fs.writeFileSync(f, 'new');
      }),
    ).rejects.toThrow('part 1 failed');
    expect(fs.readdirSync(target).sort()).toEqual(before);
    expect(leftovers(parent)).toEqual([]);
  });
});

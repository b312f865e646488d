/**
 * Morsel-driven map stages (src/exec/morsels.ts): how a scan's morsels are dealt to tasks and
 * which stages qualify. End-to-end behaviour (workers, retries, results) is in parallel.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { batchFromRows } from '../src/data/batch.js';
import { MemorySource, RangeSource } from '../src/io/source.js';
import { MorselSource, morselRun, morselsOf, partitionsOfRun } from '../src/exec/morsels.js';
import { Schema } from '../src/types.js';

const schema = new Schema([{ name: 'id', type: 'int64', nullable: false }]);

function memory(sizes: number[][]): MemorySource {
  let next = 0;
  const parts = sizes.map((p) => p.map((n) => batchFromRows(Array.from({ length: n }, () => ({ id: next++ })), schema)));
  return new MemorySource(schema, parts);
}

async function ids(src: MorselSource, task: number): Promise<number[]> {
  const out: number[] = [];
  for await (const b of src.read(task, [0])) for (const r of b.toRows()) out.push(Number(r['id']));
  return out;
}

describe('morsels', () => {
  it('are the non-empty batches of in-memory data and the partitions of other sources', () => {
    expect([...morselsOf(memory([[2, 0, 3], [], [1]]))]).toEqual([0, 0, 0, 2, 2, 0]);
    expect([...morselsOf(new RangeSource(0, 10, 1, 3))]).toEqual([0, -1, 1, -1, 2, -1]);
  });

  it('are dealt in equal contiguous runs that cover every morsel once, in order', async () => {
    const src = memory([[3, 3, 3], [3, 3], [3, 3, 3, 3]]); // 9 morsels, ids 0..26 in order
    for (const tasks of [1, 2, 4, 9]) {
      const plan = { morsels: morselsOf(src), tasks };
      const ms = new MorselSource(src, plan);
      const runs = Array.from({ length: tasks }, (_, t) => morselRun(plan, t));
      const sizes = runs.map(([a, b]) => b - a);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      const all: number[] = [];
      for (let t = 0; t < tasks; t++) all.push(...(await ids(ms, t)));
      expect(all).toEqual(Array.from({ length: 27 }, (_, i) => i));
    }
    const plan = { morsels: morselsOf(src), tasks: 2 };
    expect([...partitionsOfRun(plan, 0)]).toEqual([0, 1]); // morsels 0..3: partition 0 and the first batch of 1
    expect([...partitionsOfRun(plan, 1)]).toEqual([1, 2]);
  });

  it('read whole partitions of a non-memory source', async () => {
    const range = new RangeSource(0, 12, 1, 4);
    const ms = new MorselSource(range, { morsels: morselsOf(range), tasks: 2 });
    const got: number[] = [];
    for await (const b of ms.read(1, [0])) for (const r of b.toRows()) got.push(Number(r['id']));
    expect(got).toEqual([6, 7, 8, 9, 10, 11]);
    expect(ms.numPartitions()).toBe(2);
  });
});

/**
 * The shuffle write side (src/exec/bucket-writer.ts) against the `take`-based split it replaces:
 * same rows in every bucket, in order, for every column type, with batches of uneven sizes,
 * nulls that first appear mid-task, chunks that grow in place and chunks that fill and seal.
 * End-to-end shuffles through the public API are in parallel.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { BATCH_SIZE, Batch, fromValues } from '../src/data/batch.js';
import { allocateShared } from '../src/data/alloc.js';
import { BucketWriter } from '../src/exec/bucket-writer.js';
import { splitByPartition } from '../src/exec/task.js';
import { type DataType, Schema } from '../src/types.js';

const types: DataType[] = ['int32', 'int64', 'float64', 'boolean', 'utf8', 'date32', 'timestamp', 'null'];
const schema = new Schema(types.map((type, i) => ({ name: `c${i}`, type, nullable: true })));

/** Seeded pseudo-random numbers in [0, 1). */
function rng(seed: number): () => number {
  let s = seed;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

/** A batch of `n` rows starting at row `first`; nulls only from row `nullsFrom` on. */
function batch(first: number, n: number, nullsFrom: number, rnd: () => number): Batch {
  const cols = types.map((type) => {
    const vals: unknown[] = [];
    for (let i = first; i < first + n; i++) {
      if (type === 'null' || (i >= nullsFrom && rnd() < 0.3)) { vals.push(null); continue; }
      switch (type) {
        case 'boolean': vals.push(i % 3 === 0); break;
        case 'utf8': vals.push(i % 10 === 0 ? `a long string value of row ${i}, past the 32-byte copy cut-off` : `s${i}`); break;
        case 'float64': vals.push(i / 8); break;
        default: vals.push(i);
      }
    }
    return fromValues(type, vals);
  });
  return new Batch(schema, cols, n);
}

function rowsOf(batches: readonly Batch[]): string[] {
  const out: string[] = [];
  for (const b of batches) for (let r = 0; r < b.numRows; r++) out.push(types.map((_, c) => String(b.value(r, c))).join('|'));
  return out;
}

function check(buckets: number, sizes: readonly number[], nullsFrom: number, skew: boolean, shared: boolean) {
  allocateShared(shared);
  try {
    const rnd = rng(buckets * 7919 + sizes.length);
    const writer = new BucketWriter(schema, buckets);
    const expected: Batch[][] = Array.from({ length: buckets }, () => []);
    let first = 0;
    for (const n of sizes) {
      const b = batch(first, n, nullsFrom, rnd);
      const part = new Int32Array(n);
      // skew: bucket 0 gets most rows, so it grows and seals while the others stay small.
      for (let i = 0; i < n; i++) part[i] = skew && rnd() < 0.8 ? 0 : Math.floor(rnd() * buckets);
      writer.write(b, part);
      splitByPartition(b, part, buckets).forEach((pb, p) => expected[p]!.push(pb));
      first += n;
    }
    const got = writer.finish();
    expect(got).toHaveLength(buckets);
    let total = 0;
    for (let p = 0; p < buckets; p++) {
      for (const b of got[p]!) {
        expect(b.numRows).toBeGreaterThan(0);
        expect(b.numRows).toBeLessThanOrEqual(BATCH_SIZE);
        for (const c of b.columns) {
          const buffers = [c.values, c.validity, c.offsets, c.bytes].filter((x) => x !== null);
          for (const buf of buffers) expect(buf!.buffer instanceof SharedArrayBuffer).toBe(shared);
        }
      }
      const rows = rowsOf(got[p]!);
      const want = rowsOf(expected[p]!);
      expect(rows.length).toBe(want.length);
      expect(rows.filter((r, i) => r !== want[i]).slice(0, 3)).toEqual([]);
      total += rows.length;
    }
    expect(total).toBe(first);
  } finally {
    allocateShared(false);
  }
}

describe('BucketWriter', () => {
  it('matches the take-based split with uneven batches and nulls that start mid-task', () => {
    check(4, [10, 3000, 1, 700, 5000], 3500, false, false);
  });

  it('grows a small first chunk in place and seals full chunks at BATCH_SIZE rows', () => {
    // Bucket 0: ~100 rows first (chunk of 1,024), then ~69k rows: grows to 65,536, seals, goes on.
    check(3, [128, 40_000, 40_000], 50_000, true, false);
  });

  it('writes into shared memory inside workers, with hundreds of buckets', () => {
    check(300, [20_000, 20_000, 5], 30_000, false, true);
  });

  it('declines array columns and batches whose column types differ from the schema (split with take instead)', () => {
    expect(BucketWriter.supports(schema)).toBe(true);
    expect(BucketWriter.supports(new Schema([{ name: 'l', type: 'list<int32>' as DataType, nullable: true }]))).toBe(false);
    const writer = new BucketWriter(schema, 2);
    const b = batch(0, 10, 0, rng(1));
    expect(writer.accepts(b)).toBe(true);
    const cols = [...b.columns];
    cols[2] = fromValues('int32', Array.from({ length: 10 }, (_, i) => i)); // schema says float64
    expect(writer.accepts(new Batch(schema, cols, 10))).toBe(false);
  });
});

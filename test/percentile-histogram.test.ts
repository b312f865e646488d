/**
 * Exact percentiles of groups of at least 64 values, which select through a histogram of each
 * group's value range (histogramSelect in src/expr/aggregates.ts): median and percentile at many
 * ranks against a sort-based reference, over uniform, tied, skewed and outlier values, -0,
 * infinities and subnormal ranges (which select another way), NaN (ranked last), group sizes at
 * the threshold, and ranks whose upper neighbour lies in a later bucket; at 1 and 4 threads
 * (several input partitions, so the median's two-phase plan merges runs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session, functions as F } from '../src/index.js';
import { mulberry32 } from '../src/exec/basic.js';
import { testThreads } from './threads.js';

const QS = [0, 0.1, 0.25, 0.5, 0.77, 0.999, 1];

/** Per group, its values (each group is one distribution). */
function groups(): number[][] {
  const r = mulberry32(42);
  const n = (k: number, f: (i: number) => number) => Array.from({ length: k }, (_, i) => f(i));
  return [
    n(2000, () => r() * 100),
    n(300, () => Math.floor(r() * 4)),
    n(1000, () => Math.exp(r() * 50)),
    n(999, () => r()).concat([1e300]),
    n(500, () => (r() < 0.02 ? -Infinity : r() < 0.02 ? Infinity : r())),
    n(400, () => (r() < 0.1 ? NaN : r() - 0.5)),
    n(200, () => 5e-324 * Math.floor(r() * 4)),
    n(600, (i) => (i % 3 === 0 ? -0 : i % 3 === 1 ? 0 : -r() * 1e-300)),
    n(64, () => r()),
    n(65, () => Math.round(r() * 1e6) / 1e6),
    n(63, () => r()),
    n(700, (i) => (i % 2 === 0 ? 1.5 : -2.25)),
    n(128, () => 7),
    // Ranks at the middle fall between a block of zeros and a lone far value: rank hi lies buckets away.
    n(99, () => 0).concat(n(99, () => 1e6 + r())),
    n(5000, (i) => (i < 4990 ? r() * 1e-3 : 1e9 + i)),
  ];
}

/** Spark's percentile of `vals`: sorted, NaN last, linear interpolation between the closest ranks. */
function reference(vals: readonly number[], q: number): number {
  const v = [...vals].sort((a, b) => (Number.isNaN(a) ? 1 : Number.isNaN(b) ? -1 : a - b));
  const pos = q * (v.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  if (hi === lo) return v[lo]!;
  return v[lo]! + (v[hi]! - v[lo]!) * (pos - lo);
}

/** Equal, -0 and 0 alike (the selection does not order zeros), else within 1e-12 relative. */
function same(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 1e-12 * Math.abs(b);
}

describe.each([...new Set([testThreads(1), testThreads(4)])])('percentiles through a histogram at %i thread(s)', (threads) => {
  let spark: Session;
  beforeAll(async () => {
    spark = await Session.create({ threads, shufflePartitions: 3 });
  });
  afterAll(() => spark.stop());

  it('median and percentile match a sorted reference for every distribution', async () => {
    const gs = groups();
    const rows = gs.flatMap((vals, g) => vals.map((v) => ({ g, v })));
    // Shuffled so each group's values spread over the input partitions.
    const r = mulberry32(3);
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [rows[i], rows[j]] = [rows[j]!, rows[i]!];
    }
    const df = spark.createDataFrame(rows, 'g INT, v DOUBLE').repartition(4);
    const got = await df.groupBy('g').agg(F.median('v').alias('m'), F.percentile('v', QS).alias('p')).orderBy('g').collect();
    expect(got.map((x) => x['g'])).toEqual(gs.map((_, g) => g));
    const bad: unknown[] = [];
    got.forEach((row, g) => {
      const vals = gs[g]!;
      const m = row['m'] as number;
      if (!same(m, reference(vals, 0.5))) bad.push({ g, q: 'median', got: m, want: reference(vals, 0.5) });
      (row['p'] as number[]).forEach((p, i) => {
        if (!same(p, reference(vals, QS[i]!))) bad.push({ g, q: QS[i], got: p, want: reference(vals, QS[i]!) });
      });
    });
    expect(bad).toEqual([]);
  });
});

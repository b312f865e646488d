/**
 * Fused direct-key aggregation (src/expr/slot-aggregates.ts, GroupKeys.insertFused): group ids
 * and accumulation in one loop over states indexed by key slot. Checked through the public API
 * against the hash path (`kindling.aggregate.direct` = false, which writes ids and runs each
 * accumulator's loop) and DuckDB, at KINDLING_TEST_THREADS threads (the parity runs: 1 and 4):
 * key-range edges (the lowest and highest key, negative keys, a key past the range mid-batch that
 * moves the slots, a range past the fused limit that leaves the fused path mid-task), dictionary
 * codes of cached strings, null keys, null and NaN values, int sums past 2^31 and past 2^53, and
 * several avgs and counts sharing one count while some of their values are null.
 */
import { describe, expect, it } from 'vitest';
import { type DataFrame, col, functions as F } from '../src/index.js';
import { GroupKeys, MAX_FUSED_SLOTS } from '../src/data/direct-keys.js';
import { ColumnData } from '../src/data/column.js';
import { SumAcc } from '../src/expr/aggregates.js';
import { SlotAggregation } from '../src/expr/slot-aggregates.js';
import { mulberry32 } from '../src/exec/basic.js';
import { testThreads } from './threads.js';
import { canon, directFixture } from './direct-paths.js';

const threads = testThreads();

type Row = { k: number | null; s: string | null; v: number | null; w: number | null; x: number | null };

/** Seeded rows: int key k in [lo, lo + span), string key s of 9 values, int v, double w, int x; `nulls`: share of nulls per column (v: `vNulls`). */
function makeRows(n: number, seed: number, lo: number, span: number, nulls: number, vNulls = nulls): Row[] {
  const r = mulberry32(seed);
  const nul = <T>(x: T, p = nulls): T | null => (r() < p ? null : x);
  return Array.from({ length: n }, () => ({
    k: nul(lo + Math.floor(r() * span)),
    s: nul(`s${Math.floor(r() * 9)}`),
    v: nul(Math.floor(r() * 2000) - 700, vNulls),
    w: nul(Math.round(r() * 1e6) / 1e3),
    x: nul(Math.floor(r() * 40)),
  }));
}
const SCHEMA = 'k INT, s STRING, v INT, w DOUBLE, x INT';

describe(`fused direct aggregation at ${threads} thread(s)`, () => {
  const fx = directFixture(threads);
  const bothPaths = fx.bothPaths;

  /** Several batches in one task: frames unioned, one partition. */
  const batches = (...frames: Row[][]) => frames.map((rows) => fx.spark.createDataFrame(rows, SCHEMA)).reduce((a, b) => a.union(b)).coalesce(1);

  const aggs = () => [
    F.count('*').alias('n'), F.count('w').alias('nw'), F.count('v').alias('nv'), F.sum('v').alias('sv'), F.sum('w').alias('sw'),
    F.avg('v').alias('av'), F.avg('w').alias('aw'), F.avg('x').alias('ax'), F.min('w').alias('mi'), F.max('v').alias('ma'),
    F.corr('v', 'x').alias('r'),
  ];

  it('one int key: the range edges, negative keys, null keys, keys moving the slots mid-batch', async () => {
    const out = await bothPaths(() => batches(
      makeRows(400, 1, -60, 30, 0, 0), // no nulls: shared count, sums without has flags
      makeRows(400, 2, -60, 30, 0.1), // nulls in keys and values: counts unshared, has per row
      makeRows(300, 3, -200, 500, 0.05), // wider keys (both sides): the slots move mid-batch
      [-60, -31, -200, 299, -31, 299].map((k, i) => ({ k, s: 'a', v: i, w: i / 4, x: i })), // the ranges' ends
    ).groupBy('k').agg(...aggs()));
    for (const k of [-60, -31, -200, 299]) expect(out.find((r) => r['k'] === k)).toBeDefined();
    expect(out.some((r) => r['k'] === null)).toBe(true);
  });

  it('a group whose only values are null (sum null) next to groups that had values without nulls', async () => {
    const rows = (k: number[], v: (number | null)[]) => k.map((kk, i) => ({ k: kk, s: 'a', v: v[i]!, w: v[i] === null ? null : v[i]! / 2, x: 1 }));
    const q = () => batches(rows([1, 2, 2, 1], [5, 6, 7, 8]), rows([3, 1, 3], [null, 9, null]), rows([4, 2], [1, 2])).groupBy('k').agg(...aggs());
    const out = await bothPaths(q);
    const g3 = out.find((r) => r['k'] === 3)!;
    expect(g3['sv']).toBeNull();
    expect(g3['av']).toBeNull();
    expect(g3['n']).toBe(2);
    expect(g3['nv']).toBe(0);
    expect(out.find((r) => r['k'] === 1)!['sv']).toBe(22);
    expect(out.find((r) => r['k'] === 4)!['av']).toBe(1);
  });

  it('min / max without has flags per row until a batch brings null values (a group whose only values are null stays null)', async () => {
    const rows = (k: number[], v: (number | null)[]) => k.map((kk, i) => ({ k: kk, s: 'a', v: v[i]!, w: v[i] === null ? null : v[i]! / 2, x: 1 }));
    for (const nullsFirst of [false, true]) {
      const frames = [rows([1, 2, 2, 1], [5, -6, 7, 8]), rows([3, 1, 3, 5], [null, 9, null, null]), rows([4, 2, 5], [1, 2, 3])];
      const q = () => batches(...(nullsFirst ? frames.slice(1) : frames)).groupBy('k')
        .agg(F.max('v').alias('mv'), F.min('w').alias('mw'), F.max('x').alias('mx'), F.count('*').alias('n'));
      const out = await bothPaths(q);
      expect(out.find((r) => r['k'] === 3)).toEqual({ k: 3, mv: null, mw: null, mx: 1, n: 2 });
      expect(out.find((r) => r['k'] === 5)).toEqual({ k: 5, mv: 3, mw: 1.5, mx: 1, n: 2 });
      expect(out.find((r) => r['k'] === 2)!['mw']).toBe(nullsFirst ? 1 : -3);
    }
  });

  it('several avgs share a count until one meets a null', async () => {
    const rows = (k: number[], v: number[], w: (number | null)[]) => k.map((kk, i) => ({ k: kk, s: 'a', v: v[i]!, w: w[i]!, x: v[i]! * 2 }));
    const q = () => batches(rows([1, 2, 1], [1, 2, 3], [10, 20, 30]), rows([1, 2, 2], [4, 5, 6], [null, 50, null]), rows([2, 1], [7, 8], [70, 80]))
      .groupBy('k').agg(F.avg('v').alias('av'), F.avg('w').alias('aw'), F.avg('x').alias('ax'), F.count('*').alias('n'), F.count('w').alias('nw'));
    const out = await bothPaths(q);
    expect(canon(out)).toEqual(canon([
      { k: 1, av: 4, aw: 40, ax: 8, n: 4, nw: 3 },
      { k: 2, av: 5, aw: 140 / 3, ax: 10, n: 4, nw: 3 },
    ]));
  });

  it('dictionary codes of cached strings, alone and with an int key; NaN values', async () => {
    const withNaN = makeRows(500, 4, 0, 12, 0.05).map((r, i) => (i % 97 === 0 ? { ...r, w: NaN } : r));
    const cached = batches(makeRows(500, 5, 0, 12, 0), withNaN).cache();
    await cached.count();
    try {
      const one = await bothPaths(() => cached.groupBy('s').agg(...aggs()));
      expect(one.some((r) => Number.isNaN(r['sw']) && Number.isNaN(r['aw']))).toBe(true);
      expect(one.some((r) => r['s'] === null)).toBe(true);
      const two = await bothPaths(() => cached.groupBy('s', 'k').agg(...aggs()));
      expect(two.length).toBeGreaterThan(100);
    } finally {
      cached.unpersist();
    }
  });

  it('int sums past 2^31 become long; past 2^53 they raise', async () => {
    const big = 2 ** 31 - 1;
    const rows = (n: number, seed: number) => Array.from({ length: n }, (_, i) => ({ k: (i * 7 + seed) % 5, s: 'a', v: big, w: 1, x: 1 }));
    const out = await bothPaths(() => batches(rows(50, 0), rows(50, 1)).groupBy('k').agg(F.sum('v').alias('sv'), F.avg('v').alias('av')));
    expect(out.reduce((t, r) => t + Number(r['sv']), 0)).toBe(100 * big);
    expect(out.every((r) => r['av'] === big)).toBe(true);
    const huge = fx.spark.createDataFrame(Array.from({ length: 4 }, (_, i) => ({ k: i % 2, v: 2 ** 52 })), 'k INT, v BIGINT').coalesce(1);
    await expect(huge.groupBy('k').agg(F.sum('v').alias('sv')).collect()).rejects.toThrow(/sum overflowed the exact int64 range/);
  });

  it('int keys at the ends of int32, ranges widening past them (int32 slot arithmetic and its limits)', async () => {
    const rows = (ks: readonly number[], seed: number) => ks.map((k, i) => ({ k, s: 'a', v: (i * 7 + seed) % 13, w: i / 8, x: (i + seed) % 5 }));
    const span = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + ((i * 17) % n));
    const lo = -(2 ** 31);
    const hi = 2 ** 31 - 1;
    for (const keys of [
      // The range widens below -2^31 (its slack); then keys 2^32 above slots of it: hashed, not wrapped onto them.
      [span(lo + 10, 40), [lo, lo + 3, lo + 60, lo + 10], [hi, hi - 20, lo + 1], span(lo + 10, 40)],
      // The same above 2^31 - 1.
      [span(hi - 50, 40), [hi, hi - 3, hi - 70, hi - 50], [lo, lo + 30, hi - 1], span(hi - 50, 40)],
      // int32's two ends in one column from the start: too many slots, hashed.
      [span(hi - 40, 41), [lo, lo + 1, hi - 5]],
    ]) {
      const out = await bothPaths(() => batches(...keys.map((ks, b) => rows(ks, b))).groupBy('k').agg(F.count('*').alias('n'), F.sum('v').alias('sv'), F.avg('w').alias('aw')));
      expect(out.length).toBe(new Set(keys.flat()).size);
      expect(out.find((r) => r['k'] === keys[1]![0])!['n']).toBe(1);
    }
  });

  it('keys leaving the fused slot limit mid-task go on through the ids path', async () => {
    const q = () => batches(makeRows(300, 6, 10, 50, 0), makeRows(300, 7, 10, 50, 0.1), makeRows(200, 8, 10, MAX_FUSED_SLOTS + 5000, 0.1), makeRows(200, 9, 10, 50, 0))
      .groupBy('k').agg(...aggs());
    const out = await bothPaths(q);
    expect(out.reduce((t, r) => t + Number(r['n']), 0)).toBe(1000);
  });

  it('wide key ranges: slack around the first range, new keys in it after every seen key had an id, states moved by a widening, the fused limit left', async () => {
    // Batch 1 holds every key of 1000 .. 20,999 once (a first range of >= 2^14 values: the layout
    // gets slack, and every key seen has an id by its end); batch 2 brings keys inside the slack but
    // outside the part seen (they need new ids), with nulls; batch 3 keys past the slack (a widening
    // that moves each kind of state); batch 4 the ends; batch 5 keys past the fused limit.
    const every = Array.from({ length: 20_000 }, (_, i) => ({ k: 1000 + ((i * 7919) % 20_000), s: 'a', v: i % 2000 - 700, w: (i % 977) / 8, x: i % 40 }));
    const q = () => batches(
      every,
      [...makeRows(300, 21, -30_000, 8000, 0.1), ...makeRows(300, 22, 50_000, 8000, 0.1)],
      makeRows(400, 23, 80_000, 15_000, 0.05),
      [1000, 20_999, -30_000, 94_999, 57_999].map((k, i) => ({ k, s: 'b', v: i, w: i / 4, x: i })),
      makeRows(200, 24, 100_000, MAX_FUSED_SLOTS, 0.05),
    ).groupBy('k').agg(...aggs());
    const out = await bothPaths(q);
    for (const k of [1000, 20_999, -30_000, 94_999, 57_999]) expect(out.find((r) => r['k'] === k)).toBeDefined();
    expect(out.find((r) => r['k'] === 20_999)!['n']).toBe(2);
  });

  it('first key ranges of >= 2^14 values at the ends of int32 (the slack stops at them)', async () => {
    const top = 2 ** 31 - 1;
    const bottom = -(2 ** 31);
    for (const [lo, later] of [[top - 19_999, top - 60_000], [bottom, bottom + 70_000]] as const) {
      const first = Array.from({ length: 2000 }, (_, i) => ({ k: i === 0 ? lo : i === 1 ? lo + 19_999 : lo + ((i * 7919) % 20_000), s: 'a', v: i, w: i / 8, x: i % 40 }));
      const out = await bothPaths(() => batches(first, makeRows(300, 25, later, 5000, 0.1), [{ k: lo, s: 'a', v: 1, w: 1, x: 1 }]).groupBy('k').agg(...aggs()));
      expect(out.find((r) => r['k'] === lo)!['n']).toBe(2);
      expect(out.find((r) => r['k'] === lo + 19_999)).toBeDefined();
    }
  });

  it('ids (not fused) for keys in the slack of a first wide range keep their keys when the range widens', () => {
    // An int key (a first range of 20,000 values: slack) and a boolean; the ids path places a key
    // in the slack below the keys seen, then a key past the slack widens the int range.
    const keys = new GroupKeys(['int32', 'boolean']);
    const ids = new Int32Array(20_000);
    const cols = (k: number[], b: number) => [new ColumnData('int32', k.length, Int32Array.from(k), null), new ColumnData('boolean', k.length, new Uint8Array(k.length).fill(b), null)];
    keys.insert(cols(Array.from({ length: 20_000 }, (_, i) => i), 0), 20_000, ids);
    keys.insert(cols([-10_000], 1), 1, ids); // inside the slack, below the keys seen
    const id = ids[0]!;
    keys.insert(cols([40_000], 1), 1, ids); // past the slack: the range widens
    const [k, b] = keys.keyColumns();
    expect([k!.values![id], b!.values![id]]).toEqual([-10_000, 1]);
    keys.insert(cols([-10_000, 40_000], 1), 2, ids);
    expect(ids[0]).toBe(id);
    expect(keys.size).toBe(20_002);
  });

  it('keys of 1e5 values (q3 / q5) stay fused when a later batch widens their range', () => {
    // The first batch spans 10 .. 60,009; the second reaches 99,999. Widening with slack (room for
    // rising keys) would pass the fused limit; the exact range (99,990 slots) stays under it.
    const keys = new GroupKeys(['int32']);
    const make = () => [new SumAcc('int64')];
    const accs = make();
    const slots = new SlotAggregation(keys, accs, make);
    const batch = (lo: number, span: number) => {
      const k = Int32Array.from({ length: 4096 }, (_, i) => (i === 0 ? lo : i === 1 ? lo + span - 1 : lo + ((i * 7919) % span)));
      return [new ColumnData('int32', k.length, k, null), new ColumnData('int32', k.length, Int32Array.from(k, (x) => x % 7), null)] as const;
    };
    let want = 0;
    for (const [k, v] of [batch(10, 60_000), batch(10, 99_990)]) {
      expect(slots.consume([k], k.length, [[v]])).toBe(k.length);
      for (let i = 0; i < v.length; i++) want += v.values![i]!;
    }
    expect(99_990).toBeLessThanOrEqual(MAX_FUSED_SLOTS);
    slots.flush();
    const sums = accs[0]!.state(keys.size)[0]!;
    let got = 0;
    for (let g = 0; g < keys.size; g++) got += Number(sums.values![g]);
    expect(got).toBe(want);
  });

  it('new keys get ids in first-appearance order: the keys pass ends mid-batch (every key seen, or a key outside the range)', async () => {
    // Keys are given ids by a pass of the keys alone until every reachable slot has one or a key
    // falls outside the part seen; the work's loop then runs over those rows. Batch 1: keys 0..18,
    // then 19 (the last one, row 47: every key seen mid-batch), then repeats. Batch 2: repeats, then
    // 25 (outside: the range widens after every key had an id), new keys 21..26 (20 never comes).
    // Batch 3: 3 and 1, then -4 (outside while keys are still unseen), new 20 and -1. Batch 4: a key
    // past the fused limit (the rest hashed).
    const order = (n: number, seed: number, span: number) => Array.from({ length: n }, (_, i) => (i * 7 + seed) % span);
    const b1 = [...order(47, 3, 19), 19, ...order(30, 1, 20)];
    expect([new Set(b1.slice(0, 47)).size, b1.indexOf(19)]).toEqual([19, 47]);
    const b2 = [...order(25, 2, 20), 25, 3, 22, 21, 24, 23, 0, 26, 25];
    const b3 = [3, 1, -4, 2, 20, -1, 26, -4, 5];
    const b4 = [7, MAX_FUSED_SLOTS * 3, 7, -1, 30];
    const rows = (ks: readonly number[], seed: number) => ks.map((k, i) => ({ k, s: 'a', v: (i * 5 + seed) % 11 - 3, w: ((i + seed) % 9) / 4, x: i }));
    for (const frames of [[b1], [b1, b2], [b1, b2, b3], [b1, b2, b3, b4]]) {
      const q = () => batches(...frames.map((ks, b) => rows(ks, b))).groupBy('k')
        .agg(F.count('*').alias('n'), F.sum('v').alias('sv'), F.max('v').alias('mv'), F.min('w').alias('mw'), F.avg('w').alias('aw'));
      const direct = await bothPaths(q);
      // The same order as the hash path's (first appearance in the one task, then the shuffle).
      fx.spark.conf.set('kindling.aggregate.direct', false);
      try {
        expect(direct.map((r) => r['k'])).toEqual((await q().collect()).map((r) => r['k']));
      } finally {
        fx.spark.conf.unset('kindling.aggregate.direct');
      }
      const keys = frames.flat();
      expect(direct.length).toBe(new Set(keys).size);
      for (const k of [19, 25, -4, 20]) if (keys.includes(k)) expect(direct.find((r) => r['k'] === k)!['n']).toBe(keys.filter((x) => x === k).length);
    }
  });

  it('matches DuckDB on keys of 1e5 values (q3 / q5 shapes), the range widening mid-task', async () => {
    // Rows 0 .. 99,999 have keys 10 .. 60,009, later rows 0 .. 99,999; some null keys and values.
    const k = 'CASE WHEN id % 997 = 0 THEN NULL WHEN id < 100000 THEN id % 60000 + 10 ELSE (id * 7919) % 100000 END';
    const v = 'CASE WHEN id % 101 = 0 THEN NULL ELSE id % 1000 - 500 END';
    const w = 'CASE WHEN id % 89 = 0 THEN NULL ELSE (id % 97) / 4.0 END';
    const df = fx.spark.range(200_000).select(F.expr(k).cast('int').alias('k'), F.expr(v).cast('int').alias('v'), F.expr(w).cast('double').alias('w'), F.expr('id % 13').cast('int').alias('x'));
    const cached = df.withColumn('s', F.concat(F.lit('id'), col('k').cast('string'))).cache();
    await cached.count();
    try {
      const cases: [DataFrame, string][] = [
        [cached.groupBy('k').agg(F.sum('v').alias('v'), F.sum('x').alias('x'), F.sum('w').alias('w')), 'SELECT k, sum(v) AS v, sum(x) AS x, sum(w) AS w FROM t GROUP BY k'],
        [cached.groupBy('s').agg(F.sum('v').alias('v'), F.avg('w').alias('w')), 'SELECT s, sum(v) AS v, avg(w) AS w FROM t GROUP BY s'],
      ];
      await fx.db.run(`CREATE OR REPLACE TABLE t AS SELECT k, v, w, x, 'id' || k AS s FROM (SELECT CAST(${k} AS INTEGER) AS k, CAST(${v} AS INTEGER) AS v, CAST(${w} AS DOUBLE) AS w, CAST(id % 13 AS INTEGER) AS x FROM range(200000) r(id))`);
      for (const [q, sql] of cases) {
        const theirs = (await (await fx.db.runAndReadAll(sql)).getRowObjectsJS()).map((r) => Object.fromEntries(Object.entries(r).map(([c, x]) => [c, typeof x === 'bigint' ? Number(x) : x])));
        const ours = await q.collect();
        expect(ours.length).toBeGreaterThan(99_000);
        expect(canon(ours)).toEqual(canon(theirs));
      }
    } finally {
      cached.unpersist();
    }
  });

  it('matches DuckDB (q1 / q2 / q4 / q9 shapes)', async () => {
    const rows = [...makeRows(800, 10, 1, 100, 0), ...makeRows(800, 11, -5, 20, 0.08)];
    await fx.db.run('CREATE OR REPLACE TABLE t (k INTEGER, s VARCHAR, v INTEGER, w DOUBLE, x INTEGER)');
    const lit = (x: unknown) => (x === null ? 'NULL' : typeof x === 'string' ? `'${x}'` : String(x));
    await fx.db.run(`INSERT INTO t VALUES ${rows.map((r) => `(${[r.k, r.s, r.v, r.w, r.x].map(lit).join(', ')})`).join(', ')}`);
    const df = fx.spark.createDataFrame(rows, SCHEMA).repartition(threads).cache();
    await df.count();
    try {
      const cases: [DataFrame, string][] = [
        [df.groupBy('s').agg(F.sum('v').alias('v')), 'SELECT s, sum(v) AS v FROM t GROUP BY s'],
        [df.groupBy('s', 'k').agg(F.sum('v').alias('v')), 'SELECT s, k, sum(v) AS v FROM t GROUP BY s, k'],
        [df.groupBy('k').agg(F.avg('v').alias('v'), F.avg('x').alias('x'), F.avg('w').alias('w')), 'SELECT k, avg(v) AS v, avg(x) AS x, avg(w) AS w FROM t GROUP BY k'],
        [df.groupBy('s', 'k').agg(F.pow(F.corr('v', 'x'), F.lit(2)).alias('r2')), 'SELECT s, k, CASE WHEN count(v + x) < 2 THEN NULL ELSE pow(corr(v, x), 2) END AS r2 FROM t GROUP BY s, k'],
        [df.groupBy('k').agg(F.count('w').alias('n'), F.min('w').alias('mi'), F.max(col('v')).alias('ma')), 'SELECT k, count(w) AS n, min(w) AS mi, max(v) AS ma FROM t GROUP BY k'],
      ];
      for (const [q, sql] of cases) {
        const theirs = (await (await fx.db.runAndReadAll(sql)).getRowObjectsJS()).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
        expect(canon(await q.collect())).toEqual(canon(theirs));
      }
    } finally {
      df.unpersist();
    }
  });
});

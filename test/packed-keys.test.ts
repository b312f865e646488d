/**
 * Packed fixed-width keys (src/data/packed-keys.ts behind the KeyTable): group ids, key columns and
 * lookups against a plain reference (a JS Map over the rows' values, ids in order of first
 * appearance), for multi-column keys with nulls, negative and int32-limit values, utf8 codes,
 * booleans, dates and int64; ranges that widen mid-stream (re-layout and repack) and keys that
 * outgrow 64 bits (fallback to the per-column stores, same ids); NaN and -0 in double keys
 * (the per-column path); and through the DataFrame API (group-by, distinct, two-column joins),
 * at 1 and 4 worker threads (in test:parity).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session, functions as F, type Row } from '../src/index.js';
import { ColumnData } from '../src/data/column.js';
import { fromValues } from '../src/data/batch.js';
import { KeyTable } from '../src/data/key-table.js';
import type { DataType } from '../src/types.js';
import { mulberry32 } from '../src/exec/basic.js';
import { testThreads } from './threads.js';

type V = number | string | boolean | null;

/** A Map key for a row of values: null, NaN and -0 normalised as grouping compares them. */
const keyOf = (vals: readonly V[]): string => JSON.stringify(vals.map((v) => (typeof v === 'number' && Number.isNaN(v) ? 'NaN' : v === 0 ? 0 : v)));

/** Plain values of a key column (dictionary columns decoded; booleans as true/false). */
function plain(c: ColumnData): V[] {
  if (c.type === 'utf8') return c.strings();
  return Array.from({ length: c.length }, (_, i) => (c.isNull(i) ? null : c.type === 'boolean' ? c.values![i] === 1 : c.values![i]!));
}

/**
 * Feeds the batches (per batch, one array of values per column) to a KeyTable and to a Map and
 * expects the same ids for every row, the same size and, at the end, the same key columns;
 * returns the table and whether it was packed after each batch.
 */
function check(types: DataType[], batches: V[][][]): { table: KeyTable; ref: Map<string, number>; packed: boolean[] } {
  const table = new KeyTable(types);
  const ref = new Map<string, number>();
  const keys: V[][] = [];
  const packed: boolean[] = [];
  for (const batch of batches) {
    const cols = batch.map((vals, c) => fromValues(types[c]!, vals));
    const n = batch[0]!.length;
    const out = new Int32Array(n);
    table.insert(cols, n, out);
    const want = Array.from({ length: n }, (_, i) => {
      const row = batch.map((vals) => vals[i]!);
      const k = keyOf(row);
      if (!ref.has(k)) {
        ref.set(k, ref.size);
        keys.push(row);
      }
      return ref.get(k)!;
    });
    expect(Array.from(out)).toEqual(want);
    expect(table.size).toBe(ref.size);
    packed.push(table.isPacked);
  }
  const got = table.keyColumns();
  got.forEach((c, j) => {
    expect(c.length).toBe(ref.size);
    const norm = (v: V) => (typeof v === 'number' && v === 0 ? 0 : v);
    expect(plain(c).map(norm)).toEqual(keys.map((k) => norm(k[j]!)));
  });
  return { table, ref, packed };
}

/** find() on rows against the reference (-1 for absent keys). */
function checkFind(table: KeyTable, ref: Map<string, number>, types: DataType[], rows: V[][]): void {
  const cols = types.map((t, c) => fromValues(t, rows.map((r) => r[c]!)));
  const out = new Int32Array(rows.length);
  table.find(cols, rows.length, out);
  expect(Array.from(out)).toEqual(rows.map((r) => ref.get(keyOf(r)) ?? -1));
}

/** `count` rows of random values per column from `gen`, as one batch (column arrays). */
function randomBatch(r: () => number, count: number, gens: ((r: () => number) => V)[]): V[][] {
  return gens.map((g) => Array.from({ length: count }, () => g(r)));
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

describe('KeyTable with packed keys against a Map', () => {
  it('two int32 columns with nulls and negatives, widening up and down mid-stream', () => {
    const types: DataType[] = ['int32', 'int32'];
    const { table, ref, packed } = check(types, [
      [[1, 2, 1, null, 2], [5, 5, 5, 6, null]],
      [[3, null, 1, 2, 9], [5, null, 7, 6, 6]], // wider above
      [[-4, 1, -100, 3], [-2, 5, 0, 5]], // below: repack with the min moved down
      [[70000, -70000, 1, null], [2 ** 30 - 1, 5, 5, null]], // 18 + 31 bits
      [[1, 2], [5, 6]],
    ]);
    expect(packed).toEqual([true, true, true, true, true]);
    checkFind(table, ref, types, [[1, 5], [null, 6], [null, null], [1, 6], [-4, -2], [70000, 2 ** 30 - 1], [0, 0], [INT32_MIN, 0], [INT32_MAX, 5], [3, 99999], [null, 7]]);
  });

  it('utf8, boolean, date and int64 columns together, with nulls', () => {
    const types: DataType[] = ['utf8', 'boolean', 'date32', 'int64', 'utf8'];
    const r = mulberry32(5);
    const gens = [
      (r: () => number) => (r() < 0.1 ? null : `s${Math.floor(r() * 30)}`),
      (r: () => number) => (r() < 0.1 ? null : r() < 0.5),
      (r: () => number) => (r() < 0.1 ? null : 18000 + Math.floor(r() * 20)),
      (r: () => number) => (r() < 0.1 ? null : -(2 ** 40) + Math.floor(r() * 50)),
      (r: () => number) => (r() < 0.1 ? null : r() < 0.5 ? '' : `é${Math.floor(r() * 3)}`),
    ];
    const { table, ref, packed } = check(types, [randomBatch(r, 500, gens), randomBatch(r, 700, gens), randomBatch(r, 300, gens)]);
    expect(packed).toEqual([true, true, true]);
    checkFind(table, ref, types, [['s1', true, 18001, -(2 ** 40) + 3, ''], ['nope', true, 18001, -(2 ** 40) + 3, ''], [null, null, null, null, null], ['s2', false, 17000, -(2 ** 40), 'é1']]);
  });

  it('keys outgrowing 64 bits move to the per-column stores mid-stream with the same ids', () => {
    const types: DataType[] = ['int32', 'int32', 'int32'];
    const { table, ref, packed } = check(types, [
      [[1, 2, 3, 1], [1, 1, 2, 1], [7, 8, 9, 7]],
      [[1 << 24, 5, 1], [-(1 << 24), 6, 1], [1 << 24, 9, 7]], // 25 + 25 + 25 bits
      [[2, 1 << 24, 4], [1, -(1 << 24), null], [8, 1 << 24, 0]],
    ]);
    expect(packed).toEqual([true, false, false]);
    checkFind(table, ref, types, [[1, 1, 7], [1 << 24, -(1 << 24), 1 << 24], [4, 4, 4], [5, 6, 9]]);
    // The full int32 range in one column (32 bits) does not pack either.
    expect(check(['int32', 'int32'], [[[INT32_MIN, INT32_MAX, 0], [1, 1, 1]]]).packed).toEqual([false]);
    // reset() packs again.
    table.reset();
    const out = new Int32Array(2);
    table.insert(types.map((t) => fromValues(t, [3, 4])), 2, out);
    expect([table.isPacked, table.size, Array.from(out)]).toEqual([true, 2, [0, 1]]);
  });

  it('many groups: the slots grow many times; one int32 key stays on the per-column path', () => {
    const types: DataType[] = ['int32', 'utf8', 'int32'];
    const r = mulberry32(9);
    const gens = [(r: () => number) => Math.floor(r() * 300) - 150, (r: () => number) => (r() < 0.01 ? null : `k${Math.floor(r() * 40)}`), (r: () => number) => (r() < 0.01 ? null : Math.floor(r() * 20))];
    const batches = Array.from({ length: 12 }, () => randomBatch(r, 4096, gens));
    const { table, ref, packed } = check(types, batches);
    expect(packed.every((p) => p)).toBe(true);
    expect(ref.size).toBeGreaterThan(30000);
    checkFind(table, ref, types, Array.from({ length: 200 }, (_, i) => [i - 160, i % 9 === 0 ? null : `k${i % 45}`, i % 22]));
    const one = check(['int32'], Array.from({ length: 6 }, (_, b) => [Array.from({ length: 3000 }, () => (r() < 0.01 ? null : Math.floor(r() * 1e5) - b * 1e5))]));
    expect(one.packed.some((p) => p)).toBe(false);
    checkFind(one.table, one.ref, ['int32'], [[5], [-5], [null], [-1e6], [1e6]]);
  });

  it('double keys (NaN equals NaN, -0 equals 0) use the per-column stores', () => {
    const types: DataType[] = ['float64', 'int32'];
    const { table, ref, packed } = check(types, [[[NaN, -0, 0, NaN, 1.5, null], [1, 1, 1, 1, 2, 2]], [[0, -0, NaN, null], [1, 2, 1, 2]]]);
    expect(packed).toEqual([false, false]);
    expect(ref.size).toBe(5);
    checkFind(table, ref, types, [[-0, 1], [NaN, 1], [0, 3]]);
  });
});

describe('packed keys through the DataFrame API', () => {
  let spark: Session;
  beforeAll(async () => {
    spark = await Session.create({ threads: testThreads(), shufflePartitions: 3 });
  });
  afterAll(async () => {
    await spark.stop();
  });

  type R = { a: number | null; s: string | null; b: boolean | null; l: number | null; v: number };
  const SCHEMA = 'a INT, s STRING, b BOOLEAN, l BIGINT, v INT';
  /** Part p of the rows: each part has its own range of `a` (so the final tables widen batch by batch). */
  function rows(p: number, n: number): R[] {
    const r = mulberry32(100 + p);
    return Array.from({ length: n }, (_, i) => ({
      a: r() < 0.03 ? null : (p % 2 === 0 ? 1 : -1) * Math.floor(r() * 10 ** (p + 1)),
      s: r() < 0.03 ? null : `g${Math.floor(r() * 50)}`,
      b: r() < 0.03 ? null : r() < 0.5,
      l: r() < 0.03 ? null : 2 ** 33 + Math.floor(r() * 7),
      v: i,
    }));
  }
  const parts = [0, 1, 2, 3, 4].map((p) => rows(p, 1500));
  const all = parts.flat();
  const frame = () => parts.map((p) => spark.createDataFrame(p, SCHEMA)).reduce((x, y) => x.union(y));
  const sortRows = (rs: Row[]) => rs.map((r) => JSON.stringify(r)).sort();

  /** Reference group-by: count and sum of v per (a, s, b, l). */
  function refGroups(): Row[] {
    const m = new Map<string, { a: V; s: V; b: V; l: V; n: number; sv: number }>();
    for (const r of all) {
      const k = keyOf([r.a, r.s, r.b, r.l]);
      const e = m.get(k) ?? { a: r.a, s: r.s, b: r.b, l: r.l, n: 0, sv: 0 };
      e.n++;
      e.sv += r.v;
      m.set(k, e);
    }
    return [...m.values()].map((e) => ({ a: e.a, s: e.s, b: e.b, l: e.l, n: e.n, sv: e.sv }));
  }

  it.each([true, false])('group-by on four key columns (direct aggregation %s)', async (direct) => {
    spark.conf.set('kindling.aggregate.direct', String(direct));
    try {
      const got = await frame().groupBy('a', 's', 'b', 'l').agg(F.count('*').alias('n'), F.sum('v').alias('sv')).collect();
      const want = refGroups();
      expect(got.length).toBe(want.length);
      expect(sortRows(got.map((r) => ({ ...r, l: r.l === null ? null : Number(r.l), n: Number(r.n), sv: Number(r.sv) })))).toEqual(sortRows(want));
    } finally {
      spark.conf.set('kindling.aggregate.direct', 'true');
    }
  });

  it('distinct on three key columns', async () => {
    const got = await frame().select('a', 's', 'b').distinct().collect();
    const want = new Set(all.map((r) => keyOf([r.a, r.s, r.b])));
    expect(got.length).toBe(want.size);
    expect(new Set(got.map((r) => keyOf([r['a'] as V, r['s'] as V, r['b'] as V])))).toEqual(want);
  });

  it('an inner join on two columns (int and string; null keys never match)', async () => {
    const right = Array.from({ length: 400 }, (_, i) => ({ a: i % 7 === 0 ? null : (i % 2 === 0 ? 1 : -1) * (i % 100), s: i % 11 === 0 ? null : `g${i % 50}`, w: i }));
    const df = frame().join(spark.createDataFrame(right, 'a INT, s STRING, w INT'), ['a', 's']).select('v', 'w');
    const got = await df.collect();
    const idx = new Map<string, number[]>();
    for (const r of right) if (r.a !== null && r.s !== null) idx.set(keyOf([r.a, r.s]), [...(idx.get(keyOf([r.a, r.s])) ?? []), r.w]);
    const want: Row[] = [];
    for (const r of all) if (r.a !== null && r.s !== null) for (const w of idx.get(keyOf([r.a, r.s])) ?? []) want.push({ v: r.v, w });
    expect(want.length).toBeGreaterThan(50);
    expect(sortRows(got)).toEqual(sortRows(want));
    // The same through a count, as a check that the join used both keys.
    expect(await frame().join(spark.createDataFrame(right, 'a INT, s STRING, w INT'), ['a', 's']).count()).toBe(want.length);
  });
});

/**
 * Direct aggregation (src/data/direct-keys.ts): GroupKeys against the KeyTable at key-range edges
 * (int32 limits, negative keys, one value, the slot threshold and one past it, widening and
 * falling back mid-stream), with nulls and several key columns; and aggregates through the
 * direct path against the hash path (`kindling.aggregate.direct` = false) and DuckDB, at 1 and 4
 * worker threads.
 */
import { describe, expect, it } from 'vitest';
import { Window, col, functions as F, type DataFrame } from '../src/index.js';
import { ColumnData } from '../src/data/column.js';
import { KeyTable } from '../src/data/key-table.js';
import { GroupKeys, MAX_DIRECT_SLOTS, smallDomainCodes } from '../src/data/direct-keys.js';
import type { DataType } from '../src/types.js';
import { mulberry32 } from '../src/exec/basic.js';
import { canon, directFixture } from './direct-paths.js';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** A key column from JS values (null = null). */
function column(type: DataType, vals: readonly (number | null)[]): ColumnData {
  const n = vals.length;
  const values = type === 'int64' ? new Float64Array(n) : type === 'boolean' ? new Uint8Array(n) : new Int32Array(n);
  const anyNull = vals.some((v) => v === null);
  const validity = anyNull ? new Uint8Array(n) : null;
  vals.forEach((v, i) => {
    if (v !== null) values[i] = v;
    if (validity) validity[i] = v === null ? 0 : 1;
  });
  return new ColumnData(type, n, values, validity);
}

/** Plain values of a column (null for nulls). */
function plain(c: ColumnData): (number | null)[] {
  return Array.from({ length: c.length }, (_, i) => (c.isNull(i) ? null : c.values![i]!));
}

/**
 * Feeds the batches (one array of key values per column) to GroupKeys and to a KeyTable and
 * expects the same ids for every row and the same key columns; returns the GroupKeys and
 * whether it was direct after each batch.
 */
function crossCheck(types: DataType[], batches: (number | null)[][][], maxSlots?: number): { keys: GroupKeys; direct: boolean[] } {
  const keys = new GroupKeys(types, maxSlots === undefined ? {} : { maxSlots });
  const table = new KeyTable(types);
  const direct: boolean[] = [];
  for (const batch of batches) {
    const cols = batch.map((vals, c) => column(types[c]!, vals));
    const n = cols[0]!.length;
    const a = new Int32Array(n);
    const b = new Int32Array(n);
    keys.insert(cols, n, a);
    table.insert(cols, n, b);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(keys.size).toBe(table.size);
    direct.push(keys.direct);
  }
  const ours = keys.keyColumns();
  const theirs = table.keyColumns();
  ours.forEach((c, i) => {
    expect(c.type).toBe(types[i]);
    expect(plain(c)).toEqual(plain(theirs[i]!));
  });
  return { keys, direct };
}

describe('GroupKeys against the KeyTable', () => {
  it('negative keys, one value, the int32 limits', () => {
    expect(crossCheck(['int32'], [[[-3, -1, -3, -7, -1]]]).direct).toEqual([true]);
    expect(crossCheck(['int32'], [[[42, 42, 42]]]).direct).toEqual([true]);
    expect(crossCheck(['int32'], [[[INT32_MIN, INT32_MIN + 2, INT32_MIN + 1, INT32_MIN]]]).direct).toEqual([true]);
    expect(crossCheck(['int32'], [[[INT32_MAX, INT32_MAX - 5, INT32_MAX]]]).direct).toEqual([true]);
    // The whole int32 range is far past the threshold: hashed from the start.
    expect(crossCheck(['int32'], [[[INT32_MIN, INT32_MAX, 0, INT32_MIN]]]).direct).toEqual([false]);
  });

  it('a range exactly at the slot threshold is direct, one past it hashes', () => {
    // Slots = range + 1 (the null slot).
    expect(crossCheck(['int32'], [[[5, 5 + MAX_DIRECT_SLOTS - 2, 6]]]).direct).toEqual([true]);
    expect(crossCheck(['int32'], [[[5, 5 + MAX_DIRECT_SLOTS - 1, 6]]]).direct).toEqual([false]);
    // Two columns: 10 × 100 slots.
    expect(crossCheck(['int32', 'int32'], [[[0, 8, 3], [0, 98, 7]]], 1000).direct).toEqual([true]);
    expect(crossCheck(['int32', 'int32'], [[[0, 8, 3], [0, 99, 7]]], 1000).direct).toEqual([false]);
  });

  it('widens the range when a later batch goes past it, keeping ids', () => {
    const { direct } = crossCheck(['int32'], [[[3, 5, 4, 3]], [[1, 5, 9, 2]], [[-20, 40, 4]], [[100, -100, 0]]]);
    expect(direct).toEqual([true, true, true, true]);
    // Sorted input widens every batch.
    const sorted = Array.from({ length: 40 }, (_, b) => [Array.from({ length: 50 }, (_, i) => b * 50 + i)]);
    expect(crossCheck(['int32'], sorted).direct.every((d) => d)).toBe(true);
  });

  it('falls back to hashing mid-stream when a batch exceeds the domain, keeping ids', () => {
    const { direct, keys } = crossCheck(['int32', 'int64'], [[[1, 2, 1, null], [7, 7, 8, 9]], [[3, null, 1, 2], [1e7, 8, 7, null]], [[1, 5], [7, 8]]]);
    expect(direct).toEqual([true, false, false]);
    // reset() goes back to direct ids.
    keys.reset();
    const out = new Int32Array(2);
    keys.insert([column('int32', [4, 4]), column('int64', [1, 2])], 2, out);
    expect(keys.direct).toBe(true);
    expect(Array.from(out)).toEqual([0, 1]);
    expect(crossCheck(['int32'], [[[1, 2]], [[2, 3, 1000]]], 100).direct).toEqual([true, false]);
  });

  it('a batch that leaves the range part-way through (after placing rows) widens or moves to hashing, keeping ids', () => {
    expect(crossCheck(['int32'], [[[1, 2, 3]], [[2, 9, 1, -4, 2, 40]]]).direct).toEqual([true, true]);
    expect(crossCheck(['int32'], [[[1, null, 3]], [[null, 3, 7, null, -2, 1]]]).direct).toEqual([true, true]);
    expect(crossCheck(['int64'], [[[10, 11]], [[11, 12, 2 ** 60]], [[10, 13]]]).direct).toEqual([true, false, false]);
    expect(crossCheck(['int32'], [[[5, 6, 7]], [[6, 8, 5, 500, 9, 6]], [[5, 501]]], 64).direct).toEqual([true, false, false]);
    expect(crossCheck(['int32'], [[[5, 6, null]], [[null, 6, 8, 500, null]]], 64).direct).toEqual([true, false]);
    // Several columns: a later column misses, then the first; then past the slot limit.
    expect(crossCheck(['int32', 'int32'], [[[1, 2], [10, 11]], [[2, 1, 2], [11, 30, 10]], [[-5, 2], [10, 11]]]).direct).toEqual([true, true, true]);
    expect(crossCheck(['int32', 'int64'], [[[1, null], [10, 11]], [[2, 1, null], [null, 11, 99]]]).direct).toEqual([true, true]);
    expect(crossCheck(['int32', 'int32'], [[[1, 2], [10, 11]], [[2, 1, 2], [11, 10, 900]]], 100).direct).toEqual([true, false]);
  });

  it('larger batches of random keys, with and without nulls', () => {
    const r = mulberry32(7);
    const batch = (n: number, range: number, nulls: number) => Array.from({ length: n }, () => (r() < nulls ? null : Math.floor(r() * range) - 10));
    expect(crossCheck(['int32', 'int64'], [[batch(5000, 300, 0), batch(5000, 20, 0)], [batch(3000, 400, 0.1), batch(3000, 30, 0)]]).direct).toEqual([true, true]);
  });

  it('nulls get their own slot, in one and in several key columns', () => {
    expect(crossCheck(['int32'], [[[null, 1, null, 2, 1]]]).direct).toEqual([true]);
    expect(crossCheck(['int32'], [[[null, null]], [[null, 4, 3]], [[5, null]]]).direct).toEqual([true, true, true]);
    expect(crossCheck(['int32', 'boolean', 'date32'], [
      [[1, null, 1, null, 1, 2], [1, 0, null, null, 1, 1], [19000, 19000, null, 19001, 19000, null]],
      [[null, null, 3, 1], [null, null, 0, 1], [null, 18999, 19000, 19000]],
    ]).direct).toEqual([true, true]);
  });

  it('int64 keys beyond 2^31 (and hashing beyond 2^53)', () => {
    const big = 2 ** 40;
    expect(crossCheck(['int64'], [[[big + 3, big, big + 3, -big]]]).direct).toEqual([false]);
    expect(crossCheck(['int64'], [[[big + 3, big, big + 3, null]], [[big - 100, big + 1]]]).direct).toEqual([true, true]);
    expect(crossCheck(['int64', 'int32'], [[[-big, -big - 1, null], [INT32_MAX, INT32_MAX - 2, 0]]]).direct).toEqual([false]);
    expect(crossCheck(['int64', 'int32'], [[[-big, -big - 1, null], [INT32_MAX, INT32_MAX - 2, INT32_MAX]]]).direct).toEqual([true]);
    expect(crossCheck(['int64'], [[[2 ** 60, 2 ** 60 + 256]]]).direct).toEqual([false]);
  });

  it('booleans are a domain of two codes; other key types hash', () => {
    expect(smallDomainCodes(column('boolean', [1, 0]))?.domain).toBe(2);
    expect(smallDomainCodes(column('int32', [1, 0]))).toBeNull();
    expect(crossCheck(['boolean', 'boolean'], [[[1, 0, null, 1], [0, 0, 1, null]]]).direct).toEqual([true]);
    const keys = new GroupKeys(['float64']);
    keys.insert([new ColumnData('float64', 2, Float64Array.of(1.5, 1.5), null)], 2, new Int32Array(2));
    expect(keys.direct).toBe(false);
    expect(keys.size).toBe(1);
    expect(new GroupKeys(['int32'], { direct: false }).direct).toBe(false);
  });
});

/** Seeded rows with small-range keys of each direct kind, nulls in every column. */
type Row = { g: number; k: number | null; b: boolean | null; d: string | null; l: number | null; v: number | null; w: number | null };
function makeRows(n: number, seed: number, spread = 1): Row[] {
  const r = mulberry32(seed);
  const nul = <T>(x: T, p = 0.06): T | null => (r() < p ? null : x);
  return Array.from({ length: n }, () => ({
    g: Math.floor(r() * 50 * spread),
    k: nul(Math.floor(r() * 40 * spread) - 20 * spread),
    b: nul(r() < 0.5),
    d: nul(`2024-0${1 + Math.floor(r() * 3)}-1${Math.floor(r() * 10)}`),
    l: nul(2 ** 40 + Math.floor(r() * 5)),
    v: nul(Math.floor(r() * 1000) - 300, 0.1),
    w: nul(Math.round(r() * 1e6) / 1e3, 0.1),
  }));
}
const SCHEMA = 'g INT, k INT, b BOOLEAN, d DATE, l BIGINT, v INT, w DOUBLE';

describe.each([1, 4])('direct aggregation at %i thread(s)', (threads) => {
  const fx = directFixture(threads);
  const bothPaths = fx.bothPaths;

  // Several batches per task: frames unioned and coalesced into one partition.
  const frame = (seed: number, spread = 1) => fx.spark.createDataFrame(makeRows(700, seed, spread), SCHEMA);
  const batches = () => frame(1).union(frame(2, 3)).union(frame(3, 200)).coalesce(1);
  const spread = () => frame(4).union(frame(5)).repartition(threads);

  it('every aggregate kind through one and several key columns', async () => {
    const aggs = () => [
      F.count('*').alias('n'), F.count('v').alias('nv'), F.sum('v').alias('s'), F.avg('w').alias('a'), F.min('w').alias('mi'),
      F.max('v').alias('ma'), F.first(col('k').plus(1)).alias('f'), F.stddev('w').alias('sd'), F.variance('v').alias('var'),
      F.sort_array(F.collect_list('v')).alias('cl'), F.sort_array(F.collect_set('v')).alias('cs'), F.countDistinct('v').alias('dv'),
      F.sumDistinct('v').alias('sdv'), F.corr('v', 'w').alias('r'), F.median('w').alias('med'), F.mode('v').alias('mo'),
      F.count_if(col('v').gt(100)).alias('ci'), F.bool_and(col('v').gt(-250)).alias('ba'), F.approx_count_distinct('v').alias('acd'),
    ];
    const one = await bothPaths(() => batches().groupBy('g').agg(...aggs()));
    expect(one.length).toBeGreaterThan(500);
    const several = await bothPaths(() => spread().groupBy('k', 'b', 'd', 'l').agg(...aggs()));
    expect(several.some((r) => r['b'] === null && r['d'] === null)).toBe(true);
  });

  it('key-range edges: int32 limits, the threshold and one past it, widening, falling back mid-stream', async () => {
    // (createDataFrame refuses -2^31 for INT: the keys go in as BIGINT and are cast.)
    const rows = (ks: (number | null)[]) => fx.spark.createDataFrame(ks.map((k, i) => ({ k, v: i })), 'k BIGINT, v INT').select(col('k').cast('int').alias('k'), 'v');
    const cases = [
      [INT32_MIN, INT32_MIN + 3, null, INT32_MIN, INT32_MIN + 1],
      [INT32_MAX, INT32_MAX, INT32_MAX - 2, null],
      [INT32_MIN, INT32_MAX, 0, null, INT32_MIN],
      [5, 5 + MAX_DIRECT_SLOTS - 2, 6, 5],
      [5, 5 + MAX_DIRECT_SLOTS - 1, 6, 5],
      [-7, -7, -7],
    ];
    for (const ks of cases) {
      const out = await bothPaths(() => rows(ks).groupBy('k').agg(F.count('*').alias('n'), F.sum('v').alias('s')));
      expect(out.reduce((n, r) => n + Number(r['n']), 0)).toBe(ks.length);
      expect(out).toHaveLength(new Set(ks).size);
    }
    // Batches of one task: narrow, wider, then past the threshold.
    const grow = () => rows([1, 2, 3, 2]).union(rows([-50, 60, 2, null])).union(rows([3, 2 ** 30, 1])).union(rows([2, 4])).coalesce(1);
    const out = await bothPaths(() => grow().groupBy('k').agg(F.count('*').alias('n'), F.min('v').alias('m')));
    expect(canon(out)).toEqual(canon([
      { k: 1, n: 2, m: 0 }, { k: 2, n: 4, m: 0 }, { k: 3, n: 2, m: 0 }, { k: -50, n: 1, m: 0 }, { k: 60, n: 1, m: 1 },
      { k: null, n: 1, m: 3 }, { k: 2 ** 30, n: 1, m: 1 }, { k: 4, n: 1, m: 1 },
    ]));
  });

  it('distinct rows and dropDuplicates on integer keys', async () => {
    const d = await bothPaths(() => batches().select('k', 'b').distinct());
    expect(d).toHaveLength(new Set([1, 2, 3].flatMap((s, i) => makeRows(700, s, [1, 3, 200][i]).map((r) => `${r.k},${r.b}`))).size);
    await bothPaths(() => spread().dropDuplicates(['k', 'l']).select('k', 'l'));
  });

  it('kindling.aggregate.direct takes true or false', () => {
    expect(() => fx.spark.conf.set('kindling.aggregate.direct', 'maybe')).toThrow(/kindling.aggregate.direct: expected true or false, got 'maybe'/);
  });

  it('matches DuckDB', async () => {
    const rows = [...makeRows(700, 1), ...makeRows(700, 2, 3)];
    await fx.db.run('CREATE OR REPLACE TABLE t (g INTEGER, k INTEGER, b BOOLEAN, d DATE, l BIGINT, v INTEGER, w DOUBLE)');
    const lit = (x: unknown) => (x === null ? 'NULL' : typeof x === 'string' ? `'${x}'` : String(x));
    await fx.db.run(`INSERT INTO t VALUES ${rows.map((r) => `(${[r.g, r.k, r.b, r.d, r.l, r.v, r.w].map(lit).join(', ')})`).join(',\n')}`);
    const ours = await frame(1).union(frame(2, 3)).groupBy('k', 'b', 'l')
      .agg(F.count('*').alias('n'), F.sum('v').alias('s'), F.max('w').alias('mx'), F.countDistinct('v').alias('dv'), F.avg('v').alias('a'))
      .collect();
    const res = await fx.db.runAndReadAll('SELECT k, b, l, count(*) n, sum(v) s, max(w) mx, count(DISTINCT v) dv, avg(v) a FROM t GROUP BY k, b, l');
    const theirs = res.getRowObjects().map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
    expect(canon(ours)).toEqual(canon(theirs));
    // Window partitions on integer keys (windowOrder's partition ids come from GroupKeys too).
    const w = (cols: string[]) => Window.partitionBy(...cols);
    const win = await frame(1).union(frame(2, 3))
      .select('k', 'b', 'v', F.count('*').over(w(['k', 'b'])).alias('n'), F.sum('v').over(w(['k'])).alias('s'), F.max('w').over(w(['l', 'k'])).alias('mx'))
      .collect();
    const wres = await fx.db.runAndReadAll('SELECT k, b, v, count(*) OVER (PARTITION BY k, b) n, sum(v) OVER (PARTITION BY k) s, max(w) OVER (PARTITION BY l, k) mx FROM t');
    const wtheirs = wres.getRowObjects().map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
    expect(canon(win)).toEqual(canon(wtheirs));
  });
});

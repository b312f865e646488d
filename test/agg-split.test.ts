/**
 * Final aggregates split into sub-partitions (`kindling.aggregate.splitGroups`, src/exec/aggregate.ts):
 * a final partition whose sampled keys suggest many more groups than the setting is aggregated
 * in hash sub-partitions with fresh tables that keep their strings' codes and packed layout.
 * Checked against the unsplit path and DuckDB, over multi-column keys with and without nulls,
 * plain and cached (dictionary) strings, partial aggregation that passes rows through (nearly
 * unique keys) and one that reduces them, at 1 and 4 threads (in test:parity). The split path
 * gives groups in sub-partition order, so each test also expects the row order to differ from
 * the unsplit path's (first appearance), which fails when no split happens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { type DataFrame, Session, col, functions as F } from '../src/index.js';
import { splitCount } from '../src/exec/aggregate.js';
import { Batch, fromValues } from '../src/data/batch.js';
import { type ColumnData, dictColumn, utf8FromStrings } from '../src/data/column.js';
import { KeyTable } from '../src/data/key-table.js';
import { Schema } from '../src/types.js';
import { testThreads } from './threads.js';

const SCHEMA = 's1 string, s2 string, i1 int, i2 bigint, v double, w int';

/** Deterministic rows: `groups` distinct (s1, s2, i1, i2) keys, each row's key drawn by a LCG; some keys null when `nulls`. */
function makeRows(n: number, groups: number, nulls: boolean): Record<string, unknown>[] {
  let x = 12345;
  const rnd = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
  return Array.from({ length: n }, (_, i) => {
    const g = Math.floor(rnd() * groups);
    return {
      s1: nulls && g % 97 === 0 ? null : `a${g % 37}`,
      s2: `b${Math.floor(g / 37) % 300}`,
      i1: nulls && g % 89 === 3 ? null : Math.floor(g / 11100),
      i2: g % 5 === 0 ? -g : g,
      v: nulls && i % 13 === 0 ? null : (i % 1000) / 8,
      w: i % 7,
    };
  });
}

/** Rows as sorted JSON lines, doubles to 12 digits. */
function canon(rows: readonly Record<string, unknown>[]): string[] {
  const norm = (v: unknown): unknown => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(12)) : typeof v === 'bigint' ? Number(v) : v);
  return rows.map((r) => JSON.stringify(Object.keys(r).sort().map((k) => [k, norm(r[k])]))).sort();
}

describe.each([...new Set([testThreads(1), testThreads(4)])])('split final aggregates at %i thread(s)', (threads) => {
  let spark: Session;
  let db: DuckDBConnection;
  beforeAll(async () => {
    spark = await Session.create({ threads });
    db = await (await DuckDBInstance.create(':memory:')).connect();
  });
  afterAll(() => {
    db.closeSync();
    return spark.stop();
  });

  /** Collects `q` split (splitGroups = 64) and unsplit (0); expects the same rows in another order. */
  async function splitAndNot(q: () => DataFrame): Promise<Record<string, unknown>[]> {
    spark.conf.set('kindling.aggregate.splitGroups', 64);
    let split: Record<string, unknown>[];
    try {
      split = await q().collect();
    } finally {
      spark.conf.unset('kindling.aggregate.splitGroups');
    }
    spark.conf.set('kindling.aggregate.splitGroups', 0);
    try {
      const whole = await q().collect();
      expect(canon(split)).toEqual(canon(whole));
      expect(split.map((r) => JSON.stringify(r))).not.toEqual(whole.map((r) => JSON.stringify(r)));
    } finally {
      spark.conf.unset('kindling.aggregate.splitGroups');
    }
    return split;
  }

  async function duck(rows: Record<string, unknown>[], sql: string): Promise<Record<string, unknown>[]> {
    await db.run('CREATE OR REPLACE TABLE t (s1 VARCHAR, s2 VARCHAR, i1 INTEGER, i2 BIGINT, v DOUBLE, w INTEGER)');
    const app = await db.createAppender('t');
    for (const r of rows) {
      for (const k of ['s1', 's2']) (r[k] === null ? app.appendNull() : app.appendVarchar(r[k] as string));
      r.i1 === null ? app.appendNull() : app.appendInteger(r.i1 as number);
      app.appendBigInt(BigInt(r.i2 as number));
      r.v === null ? app.appendNull() : app.appendDouble(r.v as number);
      app.appendInteger(r.w as number);
      app.endRow();
    }
    app.closeSync();
    return (await db.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  }

  const aggs = () => [F.sum('v').alias('sv'), F.count('*').alias('n'), F.avg('w').alias('aw'), F.max('v').alias('mv'), F.min('w').alias('mw')];
  const duckAggs = 'SUM(v) AS sv, COUNT(*) AS n, AVG(w) AS aw, MAX(v) AS mv, MIN(w) AS mw';

  it('nearly unique keys with nulls (partial passes rows through), plain and cached strings', async () => {
    const rows = makeRows(12_000, 40_000, true);
    const df = spark.createDataFrame(rows, SCHEMA).repartition(3);
    const plain = await splitAndNot(() => df.groupBy('s1', 's2', 'i1', 'i2').agg(...aggs()));
    const want = await duck(rows, `SELECT s1, s2, i1, i2, ${duckAggs} FROM t GROUP BY ALL`);
    expect(canon(plain)).toEqual(canon(want));
    const cached = df.cache();
    await cached.count();
    try {
      const got = await splitAndNot(() => cached.groupBy('s1', 's2', 'i1', 'i2').agg(...aggs()));
      expect(canon(got)).toEqual(canon(want));
    } finally {
      await cached.unpersist();
    }
  });

  it('repeated keys without nulls (partial reduces), one string key, and distinct()', async () => {
    const rows = makeRows(20_000, 3_000, false);
    const df = spark.createDataFrame(rows, SCHEMA).repartition(2);
    const got = await splitAndNot(() => df.groupBy('i2', 's2').agg(...aggs()));
    expect(canon(got)).toEqual(canon(await duck(rows, `SELECT i2, s2, ${duckAggs} FROM t GROUP BY ALL`)));
    const one = await splitAndNot(() => df.groupBy(col('i2').plus(1).alias('k')).agg(F.count('*').alias('n')));
    expect(canon(one)).toEqual(canon(await duck(rows, 'SELECT i2 + 1 AS k, COUNT(*) AS n FROM t GROUP BY ALL')));
    const d = await splitAndNot(() => df.select('s1', 'i2').distinct());
    expect(canon(d)).toEqual(canon(await duck(rows, 'SELECT DISTINCT s1, i2 FROM t')));
  });

  it('cached keys through an expression whose dictionary repeats entries (lower), and keys too wide to pack', async () => {
    // s1 in mixed case: lower() maps 'A7' and 'a7' to one entry value twice in its dictionary.
    const rows = makeRows(12_000, 6_000, true).map((r, i): Record<string, unknown> => ({ ...r, s1: r.s1 === null ? null : i % 3 === 0 ? (r.s1 as string).toUpperCase() : r.s1 }));
    const df = spark.createDataFrame(rows, SCHEMA).repartition(3);
    const cached = df.cache();
    await cached.count();
    try {
      const got = await splitAndNot(() => cached.groupBy(F.lower(col('s1')).alias('ls'), 's2', 'i2').agg(...aggs()));
      expect(canon(got)).toEqual(canon(await duck(rows, `SELECT lower(s1) AS ls, s2, i2, ${duckAggs} FROM t GROUP BY ALL`)));
    } finally {
      await cached.unpersist();
    }
    // A bigint key spanning more than 2^31 values does not pack: the split codes columns per part instead.
    const wide = rows.map((r) => ({ ...r, i2: (r.i2 as number) * 2 ** 32 }));
    const wdf = spark.createDataFrame(wide, SCHEMA).repartition(2);
    const w = await splitAndNot(() => wdf.groupBy('i1', 'i2', 's2').agg(...aggs()));
    expect(canon(w)).toEqual(canon(await duck(wide, `SELECT i1, i2, s2, ${duckAggs} FROM t GROUP BY ALL`)));
  });

  it('pass-through partial states of count(*), count(x) and sums of doubles (nulls, -0) merge like hashed ones', async () => {
    // 480k rows over 460k keys: each task's partial aggregate passes rows through after 100k
    // rows; keys 0-19,999 appear twice. v: null every 7th row, -0 every 11th, else id / 8.
    const N = 480_000;
    const K = 460_000;
    const vOf = (i: number): number | null => (i % 7 === 0 ? null : i % 11 === 0 ? -0 : i / 8);
    const df = spark.range(0, N, 1, 2).select(
      col('id').mod(K).cast('int').alias('k'),
      F.when(col('id').mod(7).eq(0), F.lit(null).cast('double')).when(col('id').mod(11).eq(0), F.lit(-0)).otherwise(col('id').divide(8)).alias('v'),
    );
    const agg = df.groupBy('k').agg(F.count('*').alias('n'), F.count('v').alias('cv'), F.sum('v').alias('sv'), F.avg('v').alias('av'));
    const expected = (k: number): Record<string, unknown> => {
      let n = 0, cv = 0, sv: number | null = null;
      for (let i = k; i < N; i += K) {
        n++;
        const v = vOf(i);
        if (v !== null) { cv++; sv = (sv ?? 0) + v; }
      }
      return { k, n, cv, sv, av: sv === null ? null : sv / cv };
    };
    const keys = [0, 7, 11, 77, 13, 19_999, 20_000, 20_006, 20_009, 459_999];
    const got = await agg.filter(col('k').isin(...keys)).orderBy('k').collect();
    expect(got).toEqual([...keys].sort((a, b) => a - b).map(expected));
    expect(Object.is(got.find((r) => r['k'] === 20_009)!['sv'], 0)).toBe(true); // a lone -0 sums to 0, as Spark's 0 + -0
    const [tot] = await agg.agg(F.count('*').alias('keys'), F.sum('n').alias('n'), F.sum('cv').alias('cv'), F.count('sv').alias('withSum'), F.sum('sv').alias('sv')).collect();
    let cv = 0, sv = 0, withSum = 0;
    for (let k = 0; k < K; k++) { const e = expected(k); cv += e['cv'] as number; if (e['sv'] !== null) { withSum++; sv += e['sv'] as number; } }
    expect(tot).toEqual({ keys: K, n: N, cv, withSum, sv: expect.closeTo(sv, 0) });
  });

  it('split parts of thousands of groups: count states of ones, counts above one, null sums', async () => {
    // 600k rows; rows 0-999 share keys 0-9 (counts above one in the hashed partial output), the
    // others take key id mod 294,000 (keys below 12,000 three times, the rest twice; each task
    // passes rows through after 100k). Two int keys, so the final packs them and splits each
    // partition into parts of thousands of groups; count states of ones are merged without reading them.
    const N = 600_000;
    const K = 294_000; // a multiple of 7: keys k ≡ 0 (mod 7) have only null v
    const keyOf = (i: number): number => (i < 1000 ? i % 10 : i % K);
    const vOf = (i: number): number | null => (keyOf(i) % 7 === 0 ? null : i % 11 === 0 ? -0 : i / 8);
    const id = col('id');
    const k = F.when(id.lt(1000), id.mod(10)).otherwise(id.mod(K));
    const df = spark.range(0, N, 1, 3).select(
      k.divide(1000).cast('int').alias('a'),
      k.mod(1000).cast('int').alias('b'),
      F.when(k.mod(7).eq(0), F.lit(null).cast('double')).when(id.mod(11).eq(0), F.lit(-0)).otherwise(id.divide(8)).alias('v'),
    );
    spark.conf.set('kindling.aggregate.splitGroups', 8192);
    try {
      const agg = df.groupBy('a', 'b').agg(F.count('*').alias('n'), F.count('v').alias('cv'), F.sum('v').alias('sv'));
      const want = new Map<number, { n: number; cv: number; sv: number | null }>();
      for (let i = 0; i < N; i++) {
        const key = keyOf(i);
        const e = want.get(key) ?? { n: 0, cv: 0, sv: null };
        e.n++;
        const v = vOf(i);
        if (v !== null) { e.cv++; e.sv = (e.sv ?? 0) + v; }
        want.set(key, e);
      }
      const keys = [0, 3, 7, 9, 10, 11, 14, 11_999, 12_000, 12_001, 12_005, 200_011, 293_993, 293_999];
      const got = await agg.filter(col('a').multiply(1000).plus(col('b')).isin(...keys)).orderBy('a', 'b').collect();
      expect(got).toEqual([...keys].sort((x, y) => x - y).map((key) => ({ a: Math.floor(key / 1000), b: key % 1000, ...want.get(key)! })));
      const [tot] = await agg.agg(F.count('*').alias('keys'), F.sum('n').alias('n'), F.sum('cv').alias('cv'), F.count('sv').alias('withSum'), F.sum('sv').alias('sv')).collect();
      let cv = 0, sv = 0, withSum = 0;
      for (const e of want.values()) { cv += e.cv; if (e.sv !== null) { withSum++; sv += e.sv; } }
      expect(tot).toEqual({ keys: want.size, n: N, cv, withSum, sv: expect.closeTo(sv, 0) });
    } finally {
      spark.conf.unset('kindling.aggregate.splitGroups');
    }
  });

  it('kindling.aggregate.splitGroups takes a whole number', () => {
    expect(() => spark.conf.set('kindling.aggregate.splitGroups', 'many')).toThrow(/kindling.aggregate.splitGroups: expected a whole number of groups \(0 never splits\), got 'many'/);
  });
});

describe('splitCount', () => {
  const schema = new Schema([{ name: 'k', type: 'int32', nullable: true }]);
  const batch = (vals: number[]) => new Batch(schema, [fromValues('int32', vals)], vals.length);
  it('splits by the estimated number of groups, not the rows', () => {
    const unique = Array.from({ length: 50_000 }, (_, i) => i);
    expect(splitCount([batch(unique.slice(0, 20_000)), batch(unique.slice(20_000))], 1, 1000)).toBe(64);
    expect(splitCount([batch(unique)], 1, 4096)).toBe(16);
    // 500 groups in 50,000 rows: no split; 5,000 groups: about 5 parts of 1,000.
    expect(splitCount([batch(unique.map((i) => i % 500))], 1, 100)).toBe(8);
    expect(splitCount([batch(unique.map((i) => i % 500))], 1, 1000)).toBe(1);
    expect(splitCount([batch(unique.map((i) => (i * 7919) % 5000))], 1, 1000)).toBe(8);
    expect(splitCount([batch(unique.slice(0, 1500))], 1, 1000)).toBe(1);
  });
});

describe('KeyTable.packBatches (the split final aggregate packs each batch once)', () => {
  const ints = (vals: number[]) => fromValues('int32', vals);
  /** Ids of every row of the batches, through packBatches + insertPacked. */
  function packedIds(t: KeyTable, batches: ColumnData[][]): number[] {
    const ns = batches.map((b) => b[0]!.length);
    const words = t.packBatches(batches, ns)!;
    expect(words).not.toBeNull();
    return words.flatMap(({ lo, hi }, b) => {
      const out = new Int32Array(ns[b]!);
      t.insertPacked(lo, hi, ns[b]!, out);
      return [...out];
    });
  }

  it('uses a dictionary of distinct entries as the codes, and keys come out in it', () => {
    const dict = utf8FromStrings(['a', 'b', 'c']);
    const t = new KeyTable(['utf8', 'int32']);
    const ids = packedIds(t, [[dictColumn(Int32Array.from([0, 1, 2, 0]), dict, Uint8Array.from([1, 1, 1, 0])), ints([1, 1, 1, 1])], [dictColumn(Int32Array.from([1, 2]), dict, null), ints([1, 1])]]);
    expect(ids).toEqual([0, 1, 2, 3, 1, 2]);
    const [k] = t.keyColumns();
    expect(k!.dictionary).toBe(dict);
    expect(k!.strings()).toEqual(['a', 'b', 'c', null]);
  });

  it('codes a dictionary with repeated entries through strings (equal entries are one key)', () => {
    const dict = utf8FromStrings(['a', 'b', 'a']);
    const t = new KeyTable(['utf8', 'int32']);
    const ids = packedIds(t, [[dictColumn(Int32Array.from([0, 1, 2, 2]), dict, null), ints([5, 5, 5, 6])]]);
    expect(ids).toEqual([0, 1, 0, 2]);
    expect(t.keyColumns()[0]!.strings()).toEqual(['a', 'b', 'a']);
    expect(t.size).toBe(3);
  });

  it('codes columns of two dictionaries through strings', () => {
    const t = new KeyTable(['utf8', 'int32']);
    const ids = packedIds(t, [[dictColumn(Int32Array.from([0, 1]), utf8FromStrings(['x', 'y']), null), ints([1, 1])], [dictColumn(Int32Array.from([0, 1]), utf8FromStrings(['y', 'x']), null), ints([1, 1])]]);
    expect(ids).toEqual([0, 1, 1, 0]);
  });
});

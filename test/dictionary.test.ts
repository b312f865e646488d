/**
 * Dictionary-encoded strings (issue 18): low-cardinality utf8 columns read from CSV and held in
 * the cache as dictionary indices + values, through every operator. Each query runs three ways:
 * on the CSV read with dictionaries (per-batch dictionaries), on its cache (one dictionary per
 * column) and with `kindling.dictionary.enabled` off (plain strings), and all three must agree.
 * The data layer (take/concat/slice, key tables, hashing, serde, Arrow) is checked directly.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as A from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataFrame, type Row, Session, Window, col, functions as F, lit } from '../src/index.js';
import { Batch } from '../src/data/batch.js';
import { ColumnData, concatColumns, dictColumn, sliceColumn, take, utf8FromStrings } from '../src/data/column.js';
import { DictionaryBuilder, encodeBatchColumn, encodeCachedPartitions, estimateDistinct } from '../src/data/dictionary.js';
import { KeyTable, hashRows } from '../src/data/key-table.js';
import { batchToArrow, recordBatchToBatch, schemaFromArrow } from '../src/data/arrow.js';
import { shareBatch, unshareBatch } from '../src/exec/serde.js';
import { BucketWriter } from '../src/exec/bucket-writer.js';
import { mulberry32 } from '../src/exec/basic.js';
import { Schema } from '../src/types.js';
import { testThreads } from './threads.js';
import { cachedOnAndOff, sortRows } from './dictionary-pair.js';

let spark: Session;
let dir: string;
/** The same data read with dictionaries (CSV), cached with dictionaries, and read + cached without. */
let csvDict: DataFrame;
let cached: DataFrame;
let plain: DataFrame;
/** A second table whose `k` dictionary differs (other values, other order). */
let other: DataFrame;

const KS = ['alpha', 'beta', 'gamma', 'délta', '', 'zeta'];
const ROWS = 3000;

function writeData(file: string, rows: number, seed: number, ks: readonly string[]): void {
  const rnd = mulberry32(seed);
  const lines = ['k,k2,n,v,hi'];
  for (let i = 0; i < rows; i++) {
    const r = rnd();
    const k = r < 0.1 ? '' : `"${ks[Math.floor(rnd() * ks.length)]!}"`; // unquoted empty = null, "" = ''
    const k2 = ['x', 'y', 'z'][Math.floor(rnd() * 3)]!;
    lines.push(`${k},${k2},${Math.floor(rnd() * 10)},${Math.round(rnd() * 1000) / 10},h${i}`);
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

const OPTS = { header: true, schema: 'k string, k2 string, n int, v double, hi string' };

beforeAll(async () => {
  spark = await Session.create({ threads: testThreads(), shufflePartitions: 3 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-dict-'));
  for (const name of ['on.csv', 'cached.csv', 'off.csv']) writeData(path.join(dir, name), ROWS, 7, KS);
  writeData(path.join(dir, 'other.csv'), 500, 11, ['zeta', 'omega', 'beta', 'kappa']);
  csvDict = spark.read.csv(path.join(dir, 'on.csv'), OPTS);
  other = spark.read.csv(path.join(dir, 'other.csv'), OPTS);
  [cached, plain] = await cachedOnAndOff(spark, (on) => spark.read.csv(path.join(dir, on ? 'cached.csv' : 'off.csv'), OPTS));
}, 120_000);
afterAll(async () => {
  await spark.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});


/** Runs `q` on the three frames; returns the dictionary result after checking the others equal it. */
async function same(q: (df: DataFrame) => DataFrame, ordered = false): Promise<Row[]> {
  const [a, b, c] = await Promise.all([q(csvDict).collect(), q(cached).collect(), q(plain).collect()]);
  const norm = ordered ? (r: Row[]) => r : sortRows;
  expect(norm(a)).toEqual(norm(c));
  expect(norm(b)).toEqual(norm(c));
  return c;
}

describe('where dictionaries come from', () => {
  it('the cache holds the low-cardinality string columns dictionary-encoded, and not with the switch off', () => {
    expect(spark.cacheManager.dictionaryColumns(cached.plan)).toEqual(['k', 'k2']);
    expect(spark.cacheManager.dictionaryColumns(plain.plan)).toEqual([]);
  });

  it('CSV batches encode low-cardinality columns only', () => {
    const low = utf8FromStrings(Array.from({ length: 5000 }, (_, i) => (i % 13 === 0 ? null : KS[i % 4]!)));
    const enc = encodeBatchColumn(low);
    expect(enc.indices).not.toBeNull();
    expect(enc.dictionary!.length).toBe(4);
    expect(enc.strings()).toEqual(low.strings());
    const high = utf8FromStrings(Array.from({ length: 5000 }, (_, i) => `s${i}`));
    expect(encodeBatchColumn(high).indices).toBeNull();
  });

  it('the cache unifies per-batch dictionaries into one per column and skips high-cardinality columns', () => {
    const schema = new Schema([{ name: 'k', type: 'utf8', nullable: true }, { name: 'u', type: 'utf8', nullable: true }]);
    const mk = (vals: (string | null)[], off: number) =>
      new Batch(schema, [encodeBatchColumn(utf8FromStrings(vals)), utf8FromStrings(vals.map((_, i) => `u${off + i}`))], vals.length);
    const b1 = mk(Array.from({ length: 1000 }, (_, i) => ['p', 'q', null][i % 3]!), 0);
    const b2 = mk(Array.from({ length: 1000 }, (_, i) => ['r', 'q'][i % 2]!), 1000);
    const [[e1], [e2]] = encodeCachedPartitions([[b1], [b2]]);
    expect(e1!.columns[0]!.dictionary).toBe(e2!.columns[0]!.dictionary);
    expect(e1!.columns[0]!.dictionary!.strings()).toEqual(['p', 'q', 'r']);
    expect(e1!.columns[1]!.indices).toBeNull();
    expect(e1!.columns[0]!.strings()).toEqual(b1.columns[0]!.strings());
    expect(e2!.columns[0]!.strings()).toEqual(b2.columns[0]!.strings());
  });

  it('estimates the distinct count from a sample', () => {
    // 8192 rows sampled from 1e6 rows of 1e4 values hold about 5600 distinct ones.
    const d = 1e4 * (1 - Math.exp(-8192 / 1e4));
    expect(estimateDistinct(Math.round(d), 8192, 1e6)).toBeGreaterThan(9000);
    expect(estimateDistinct(Math.round(d), 8192, 1e6)).toBeLessThan(11000);
    expect(estimateDistinct(8192, 8192, 1e6)).toBe(1e6);
    expect(estimateDistinct(100, 8192, 8192)).toBe(100);
  });

  it('Arrow Dictionary vectors stay dictionary-encoded; toArrow gives Utf8 and collect() plain strings', async () => {
    const vec = A.vectorFromArray(['a', 'b', null, 'a', 'c'], new A.Dictionary(new A.Utf8(), new A.Int32()));
    const table = new A.Table({ s: vec });
    const b = recordBatchToBatch(table.batches[0]!, schemaFromArrow(table.schema));
    expect(b.columns[0]!.indices).not.toBeNull();
    expect(b.columns[0]!.strings()).toEqual(['a', 'b', null, 'a', 'c']);
    const back = batchToArrow(b);
    expect(String(back.schema.fields[0]!.type)).toBe('Utf8');
    expect(back.getChildAt(0)!.toArray()).toEqual(['a', 'b', null, 'a', 'c']);
    const df = spark.createDataFrame(table);
    expect(await df.groupBy('s').count().orderBy('s').collect()).toEqual([{ s: null, count: 1 }, { s: 'a', count: 2 }, { s: 'b', count: 1 }, { s: 'c', count: 1 }]);
    const t = await cached.select('k').limit(5).toArrow();
    expect(String(t.schema.fields[0]!.type)).toBe('Utf8');
    const rows = await cached.select('k').collect();
    expect(rows.every((r) => r['k'] === null || typeof r['k'] === 'string')).toBe(true);
  });
});

describe('dictionary columns through the operators (CSV, cache and plain agree)', () => {
  it('filters comparing with literals', async () => {
    expect((await same((d) => d.filter(col('k').eqNullSafe('beta')))).length).toBeGreaterThan(100);
    await same((d) => d.filter(col('k').like('%a').or(col('k').isin('', 'zeta'))));
    await same((d) => d.filter(col('k').isNull().or(col('k').gt('delta'))));
    await same((d) => d.where("k2 <> 'y' AND n > 3"));
  });

  it('expressions: upper, concat, length, coalesce, casts', async () => {
    const rows = await same((d) => d.select(F.upper(col('k')).alias('u'), F.concat(col('k'), lit('-'), col('k2')).alias('c'), F.length(col('k')).alias('l'), F.coalesce(col('k'), lit('?')).alias('z'), col('hi')));
    expect(rows.some((r) => r['u'] === 'DÉLTA')).toBe(true);
    expect(rows.some((r) => r['z'] === '?')).toBe(true);
    await same((d) => d.select(col('k').isNull().alias('isnull'), F.substring(col('k'), 1, 2).alias('s')).distinct());
  });

  it('group-by on one dictionary key, two, and a dictionary key with an int key', async () => {
    const g = await same((d) => d.groupBy('k').agg(F.count('*').alias('c'), F.sum('v').alias('s')));
    expect(g.map((r) => r['k'])).toContain(null);
    expect(g.map((r) => r['k'])).toContain('');
    expect(g).toHaveLength(7);
    await same((d) => d.groupBy('k', 'k2').agg(F.count('*').alias('c'), F.max('v').alias('m')));
    await same((d) => d.groupBy('n', 'k').agg(F.min('hi').alias('m')));
    await same((d) => d.groupBy('k2').agg(F.countDistinct('k').alias('dk')));
  });

  it('distinct and dropDuplicates', async () => {
    expect(await same((d) => d.select('k').distinct())).toHaveLength(7);
    await same((d) => d.dropDuplicates(['k', 'k2']).select('k', 'k2'));
  });

  it('joins on dictionary keys, both sides and against plain strings', async () => {
    await same((d) => d.join(d.groupBy('k').agg(F.count('*').alias('c')), ['k']).select('hi', 'k', 'c'));
    await same((d) => d.join(other.select('k', 'k2', col('hi').alias('hi2')), ['k', 'k2']).select('hi', 'hi2', 'k'));
    const names = spark.createDataFrame([{ k: 'beta', name: 'B' }, { k: 'zeta', name: 'Z' }, { k: 'nope', name: 'N' }, { k: '', name: 'E' }]);
    const j = await same((d) => d.join(names, ['k'], 'left').select('hi', 'name'));
    expect(j.filter((r) => r['name'] === 'E').length).toBeGreaterThan(0);
    await same((d) => d.join(names, ['k'], 'left_anti').select('hi'));
  });

  it('sorts asc / desc with nulls first / last', async () => {
    await same((d) => d.orderBy(col('k').asc_nulls_first(), col('hi')).select('k', 'hi'), true);
    await same((d) => d.orderBy(col('k').desc_nulls_last(), col('hi')).select('k', 'hi'), true);
    await same((d) => d.orderBy(col('k').desc_nulls_first(), col('k2').asc(), col('hi')).limit(50).select('k', 'k2', 'hi'), true);
    // orderBy + limit: a top-K per partition on the scan's (dictionary) batches, before any exchange.
    await same((d) => d.orderBy(col('k').asc_nulls_last(), col('hi')).limit(400).select('k', 'hi'), true);
    await same((d) => d.orderBy(col('k').desc(), col('hi').desc()).limit(400).select('k', 'hi'), true);
    const r = await same((d) => d.orderBy(col('k').asc_nulls_last(), col('hi')).select('k'), true);
    expect(r[0]!['k']).toBe('');
    expect(r[r.length - 1]!['k']).toBeNull();
  });

  it('windows partitioned by a dictionary column', async () => {
    const w = Window.partitionBy('k').orderBy('hi');
    await same((d) => d.select(col('hi'), col('k'), F.row_number().over(w).alias('rn'), F.count('*').over(Window.partitionBy('k', 'k2')).alias('c')));
  });

  it('unions of batches with different dictionaries', async () => {
    await same((d) => d.select('k', 'k2').union(other.select('k', 'k2')).groupBy('k').count());
    await same((d) => d.select('k').union(other.select('k')).distinct().orderBy('k'), true);
  });

  it('writes CSV and Parquet that read back as the plain data', async () => {
    for (const fmt of ['csv', 'parquet'] as const) {
      const out = path.join(dir, `w-${fmt}`);
      if (fmt === 'csv') await cached.write.mode('overwrite').csv(out, { header: true });
      else await cached.write.mode('overwrite').parquet(out);
      const back = fmt === 'csv' ? spark.read.csv(out, OPTS) : await spark.read.parquet(out);
      expect(sortRows(await back.collect())).toEqual(sortRows(await plain.collect()));
    }
  });
});

describe('the data layer', () => {
  const strs = ['b', 'a', null, 'c', 'a', 'b', 'b', null, 'é'];
  const plainCol = utf8FromStrings(strs);
  const dictOf = (values: (string | null)[], order: string[]) => {
    const b = new DictionaryBuilder();
    b.encode(utf8FromStrings(order));
    const p = utf8FromStrings(values);
    return new ColumnData('utf8', p.length, null, p.validity, null, null, null, null, b.dictionary(), b.encode(p)!);
  };
  const d1 = dictOf(strs, ['é', 'c', 'b', 'a']);
  const d2 = dictOf(['x', 'a', null, 'b'], ['x', 'b', 'a']);

  it('reads offsets/bytes lazily and agrees with the plain column', () => {
    expect(d1.strings()).toEqual(strs);
    expect(d1.stringAt(8)).toBe('é');
    expect(Array.from(d1.offsets!)).toEqual(Array.from(plainCol.offsets!));
    expect(Array.from(d1.bytes!)).toEqual(Array.from(plainCol.bytes!));
  });

  it('take, slice and concat gather indices and merge dictionaries', () => {
    const t = take(d1, Int32Array.from([3, -1, 0, 8]));
    expect(t.dictionary).toBe(d1.dictionary);
    expect(t.strings()).toEqual(['c', null, 'b', 'é']);
    const s = sliceColumn(d1, 2, 6);
    expect(s.indices).not.toBeNull();
    expect(s.strings()).toEqual(strs.slice(2, 6));
    const same = concatColumns('utf8', [d1, t]);
    expect(same.dictionary).toBe(d1.dictionary);
    expect(same.strings()).toEqual([...strs, 'c', null, 'b', 'é']);
    const merged = concatColumns('utf8', [d1, d2]);
    expect(merged.indices).not.toBeNull();
    expect(merged.strings()).toEqual([...strs, 'x', 'a', null, 'b']);
    expect(concatColumns('utf8', [d1, plainCol]).strings()).toEqual([...strs, ...strs]);
  });

  it('hashes like plain strings (so exchanges route both alike)', () => {
    expect(Array.from(hashRows([d1], d1.length))).toEqual(Array.from(hashRows([plainCol], plainCol.length)));
    const ints = new ColumnData('int32', d1.length, Int32Array.from(strs.map((_, i) => i % 3)), null);
    expect(Array.from(hashRows([ints, d1], d1.length))).toEqual(Array.from(hashRows([ints, plainCol], plainCol.length)));
  });

  it('key tables give the same ids and keys for dictionary and plain batches, one key or several', () => {
    for (const withInt of [false, true]) {
      const ints = new ColumnData('int32', strs.length, Int32Array.from(strs.map((_, i) => i % 2)), null);
      const keysOf = (c: ColumnData) => (withInt ? [ints, c] : [c]);
      const types = withInt ? (['int32', 'utf8'] as const) : (['utf8'] as const);
      const a = new KeyTable(types);
      const b = new KeyTable(types);
      const ia = new Int32Array(strs.length);
      const ib = new Int32Array(strs.length);
      a.insert(keysOf(plainCol), strs.length, ia);
      b.insert(keysOf(d1), strs.length, ib);
      expect(Array.from(ib)).toEqual(Array.from(ia));
      // A second batch with another dictionary: new keys continue the ids.
      const p2 = utf8FromStrings(['x', 'a', null, 'b']);
      const ints2 = new ColumnData('int32', 4, Int32Array.from([0, 1, 0, 1]), null);
      const k2 = (c: ColumnData) => (withInt ? [ints2, c] : [c]);
      const ja = new Int32Array(4);
      const jb = new Int32Array(4);
      a.insert(k2(p2), 4, ja);
      b.insert(k2(d2), 4, jb);
      expect(Array.from(jb)).toEqual(Array.from(ja));
      expect(b.keyColumns().map((c) => (c.type === 'utf8' ? c.strings() : Array.from(c.values!)))).toEqual(a.keyColumns().map((c) => (c.type === 'utf8' ? c.strings() : Array.from(c.values!))));
      // Lookups: a dictionary entry absent from the table gives -1.
      const probe = dictOf(['zz', 'a', null, 'zz'], ['zz', 'a']);
      const probePlain = utf8FromStrings(['zz', 'a', null, 'zz']);
      const fa = new Int32Array(4);
      const fb = new Int32Array(4);
      a.find(k2(probePlain), 4, fa);
      b.find(k2(probe), 4, fb);
      expect(Array.from(fb)).toEqual(Array.from(fa));
      expect(fb[0]).toBe(-1);
    }
  });

  it('crosses threads as indices plus one shared dictionary', () => {
    const schema = new Schema([{ name: 's', type: 'utf8', nullable: true }]);
    const s1 = shareBatch(new Batch(schema, [d1], d1.length));
    const s2 = shareBatch(new Batch(schema, [take(d1, Int32Array.from([0, 1]))], 2));
    expect(s1.columns[0]!.dictionary).toBe(s2.columns[0]!.dictionary);
    expect(s1.columns[0]!.bytes).toBeNull();
    const back = unshareBatch(s1);
    expect(back.columns[0]!.indices).not.toBeNull();
    expect(back.columns[0]!.strings()).toEqual(strs);
  });
});

describe('high-cardinality dictionaries (more than 2^16 values) through exchanges', () => {
  // 69999 values, about 10 rows each (1/10 distinct: the cache encodes it), scattered by a
  // quadratic hash (the cache samples rows at a fixed stride), nulls every 97th row.
  const VALUES = 70001;
  const N = VALUES * 10;
  let hiSpark: Session;
  let hi: DataFrame;
  let hiPlain: DataFrame;

  const frame = (s: Session) =>
    s.range(N).select(
      F.when(col('id').mod(97).eq(0), lit(null)).otherwise(F.concat(lit('key-'), col('id').multiply(7919).mod(1000003).multiply(col('id').multiply(7919).mod(1000003)).mod(1000003).mod(VALUES).cast('string'))).alias('k'),
      col('id').mod(13).cast('int').alias('v'),
      col('id'),
    );

  beforeAll(async () => {
    // No broadcast joins: joins shuffle both sides.
    hiSpark = await Session.create({ threads: testThreads(), shufflePartitions: 4, autoBroadcastJoinThreshold: -1 });
    // The plain copy first: once `hi` is cached, plans containing it would read its encoded data.
    hiSpark.conf.set('kindling.dictionary.enabled', false);
    hiPlain = frame(hiSpark).filter(col('id').geq(0)).cache();
    await hiPlain.count();
    hiSpark.conf.unset('kindling.dictionary.enabled');
    hi = frame(hiSpark).cache();
    await hi.count();
  }, 120_000);
  afterAll(async () => {
    await hiSpark.stop();
  });

  /** `q` on the encoded and the plain cache: equal results (sorted unless `ordered`), as JSON lines. */
  async function agree(q: (df: DataFrame) => DataFrame, ordered = false): Promise<string[]> {
    const [a, b] = await Promise.all([q(hi).collect(), q(hiPlain).collect()]);
    const norm = (rows: Row[]) => (ordered ? rows.map((r) => JSON.stringify(r)) : rows.map((r) => JSON.stringify(r)).sort());
    const [x, y] = [norm(a), norm(b)];
    expect(x.length).toBe(y.length);
    expect(x.join('\n') === y.join('\n')).toBe(true);
    return y;
  }

  it('the cache encodes the column', () => {
    expect(hiSpark.cacheManager.dictionaryColumns(hi.plan)).toEqual(['k']);
    expect(hiSpark.cacheManager.dictionaryColumns(hiPlain.plan)).toEqual([]);
  });

  it('group-by keeps the codes through the exchange: the answer comes out on the same dictionary', async () => {
    const agg = hi.groupBy('k').agg(F.count('*').alias('n'), F.sum('v').alias('s'), F.max('id').alias('m'), F.min('v').alias('lo'));
    const rows = await agree(() => agg);
    expect(rows.length).toBeGreaterThan(1 << 16);
    // Cached, the answer's keys are one dictionary column: the final aggregation grouped the codes
    // of one dictionary object (shared across tasks and threads). Were the exchange to decode, its
    // keys would be plain strings, all distinct, which the cache does not encode.
    const answer = agg.cache();
    await answer.count();
    expect(hiSpark.cacheManager.dictionaryColumns(answer.plan)).toEqual(['k']);
    await answer.unpersist();
    await agree((d) => d.groupBy(col('k'), col('v').mod(2).alias('odd')).agg(F.count('*').alias('n')));
    await agree((d) => d.select('k').distinct());
  });

  it('joins after shuffles, dictionary with dictionary and with plain strings', async () => {
    const counts = (d: DataFrame) => d.groupBy('k').agg(F.count('*').alias('c'));
    const summary = (j: DataFrame) => j.groupBy('k').agg(F.count('*').alias('n'), F.sum('c').alias('cs'), F.sum('v').alias('vs'));
    const rows = await agree((d) => summary(d.join(counts(d), 'k')));
    expect(rows.length).toBeGreaterThan(1 << 16);
    const mixed = (await summary(hi.join(counts(hiPlain), 'k')).collect()).map((r) => JSON.stringify(r)).sort();
    expect(mixed.join('\n') === rows.join('\n')).toBe(true);
    const left = await agree((d) => summary(d.filter(col('v').lt(3)).join(counts(d.filter(col('v').gt(10))), 'k', 'left')));
    expect(left.length).toBeGreaterThan(0);
  });

  it('sorts, filters, repartitions and unions', async () => {
    await agree((d) => d.orderBy(col('k').desc_nulls_first(), col('id')).limit(300).select('k', 'id'), true);
    await agree((d) => d.filter(col('k').startswith('key-1')).groupBy('v').agg(F.count('*').alias('n'), F.max('k').alias('mk')));
    await agree((d) => d.repartition(4, col('k')).groupBy('k').agg(F.sum('v').alias('s')));
    await agree((d) => d.repartition(3).filter(col('id').mod(50).eq(0)).select('k', 'id'));
    await agree((d) => d.filter(col('v').eq(1)).union(hiPlain.filter(col('v').eq(2))).repartition(4, col('k')).groupBy('k').agg(F.count('*').alias('n')));
  });
});

describe('dictionaries through the shuffle write side, threads and key tables', () => {
  const schema = new Schema([{ name: 's', type: 'utf8', nullable: true }, { name: 'n', type: 'int32', nullable: false }]);
  /** A dictionary column over `dict` with these indices (null where the index is -1). */
  const over = (dict: ColumnData, ix: number[]) => {
    const validity = ix.some((k) => k < 0) ? Uint8Array.from(ix, (k) => (k < 0 ? 0 : 1)) : null;
    return dictColumn(Int32Array.from(ix, (k) => Math.max(k, 0)), dict, validity);
  };
  const batchOf = (c: ColumnData) => new Batch(schema, [c, new ColumnData('int32', c.length, Int32Array.from({ length: c.length }, (_, i) => i), null)], c.length);
  const D = utf8FromStrings(['p', 'q', 'r', 'a longer entry, past the 32-byte copy cut-off of the writer']);
  const E = utf8FromStrings(['q', 'z']);

  it('bucket writers keep one dictionary as indices and fall back to bytes when dictionaries or layouts mix', () => {
    const batches = [
      batchOf(over(D, [0, 1, -1, 2, 3, 1])),
      batchOf(over(D, [3, 3, 0, -1])),
      batchOf(over(E, [1, 0, -1])),
      batchOf(utf8FromStrings(['plain', null, 'q'])),
      batchOf(over(D, [2, 0])),
    ];
    const route = (b: Batch) => Int32Array.from({ length: b.numRows }, (_, i) => i % 2);
    // Buckets fed only by D stay on D; a bucket that met E or plain strings holds bytes.
    const only = new BucketWriter(schema, 2);
    for (const b of batches.slice(0, 2)) only.write(b, route(b));
    for (const [bucket] of only.finish()) {
      expect(bucket!.columns[0]!.dictionary).toBe(D);
      expect(bucket!.columns[0]!.hasPlainLayout()).toBe(false);
    }
    const mixed = new BucketWriter(schema, 2);
    for (const b of batches) mixed.write(b, route(b));
    const out = mixed.finish();
    for (let p = 0; p < 2; p++) {
      const want: (string | null)[] = [];
      for (const b of batches) b.columns[0]!.strings().forEach((v, i) => { if (i % 2 === p) want.push(v); });
      expect(out[p]!.flatMap((b) => b.columns[0]!.strings())).toEqual(want);
      expect(out[p]![0]!.columns[0]!.indices).toBeNull();
    }
  });

  it('batches sharing a dictionary share one dictionary object after separate trips between threads', () => {
    const a = shareBatch(batchOf(over(D, [0, 1, 2])));
    const b = shareBatch(batchOf(over(D, [3, -1])));
    // Each postMessage clones its message on its own: simulate two messages.
    const [ua, ub] = [unshareBatch(structuredClone(a)), unshareBatch(structuredClone(b))];
    expect(ua.columns[0]!.dictionary).toBe(ub.columns[0]!.dictionary);
    expect(ub.columns[0]!.strings()).toEqual([D.stringAt(3), null]);
    // Shared again, the dictionary keeps its identity: a third message comes back to the same object.
    const again = unshareBatch(structuredClone(shareBatch(ua)));
    expect(again.columns[0]!.dictionary).toBe(ua.columns[0]!.dictionary);
    const other = unshareBatch(structuredClone(shareBatch(batchOf(over(E, [0])))));
    expect(other.columns[0]!.dictionary).not.toBe(ua.columns[0]!.dictionary);
  });

  it('one-column key tables map a dictionary once and stay right across batches, lookups, other dictionaries and reset', () => {
    const t = new KeyTable(['utf8']);
    const ref = new KeyTable(['utf8']);
    const ids = (table: KeyTable, c: ColumnData, find = false) => {
      const out = new Int32Array(c.length);
      if (find) table.find([c], c.length, out);
      else table.insert([c], c.length, out);
      return Array.from(out);
    };
    const steps: [ColumnData, boolean][] = [
      [over(D, [1, 1, -1]), false],
      [over(D, [3, 0]), true], // lookups: 3 and 0 absent
      [over(D, [0, 1, 3]), false], // now inserted
      [over(D, [3, 0, -1, 2]), true],
      [over(E, [1, 0]), false], // another dictionary: q already has an id
      [over(D, [2, 1, 0]), false],
    ];
    for (const [c, find] of steps) expect(ids(t, c, find)).toEqual(ids(ref, c.decoded(), find));
    expect(t.keyColumns()[0]!.strings()).toEqual(ref.keyColumns()[0]!.strings());
    t.reset();
    ref.reset();
    const c = over(D, [2, -1, 2]);
    expect(ids(t, c)).toEqual(ids(ref, c.decoded()));
    expect(ids(t, c)).toEqual([0, 1, 0]);
  });
});

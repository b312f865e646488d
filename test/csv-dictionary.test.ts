/**
 * CSV scans of a cache encode string columns while they read (issue 18, src/io/csv-dictionary.ts):
 * one dictionary per split and column, merged by the main thread into one dictionary per column
 * (`encodeCachedPartitions`). The cached data must answer exactly as with dictionaries switched
 * off, across splits whose dictionaries differ (values in one split only, nulls, empty splits),
 * and a split whose dictionary passes its limit falls back to plain strings.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataFrame, type Row, Session, col, functions as F } from '../src/index.js';
import { Batch } from '../src/data/batch.js';
import { dictColumn, utf8FromStrings } from '../src/data/column.js';
import { encodeCachedPartitions } from '../src/data/dictionary.js';
import { planCsvScan, readCsvSplit } from '../src/io/csv.js';
import { DictionaryMerger } from '../src/io/csv-dictionary-merge.js';
import { mulberry32 } from '../src/exec/basic.js';
import { Schema } from '../src/types.js';
import { testThreads } from './threads.js';
import { cachedOnAndOff, sortRows } from './dictionary-pair.js';

let spark: Session;
let dir: string;
let files: string[];
let cached: DataFrame;
let plain: DataFrame;
const ROWS = 12_000;
const SCHEMA = 'id int, seg string, low string, hi string, v double';
/** Small splits: about 30 of them, each with its own dictionaries. */
const OPTS = { header: true, schema: SCHEMA, maxPartitionBytes: 12_000 };

/**
 * `seg` holds values that live in one region of the file only (so in one or two splits) plus a few
 * everywhere; `low` has 5 values, nulls (unquoted empty) and '' (quoted empty), and is all null in
 * rows 3000..3999; `hi` is unique per row (stays plain).
 */
function writeData(file: string): void {
  const rnd = mulberry32(5);
  const lines = ['id,seg,low,hi,v'];
  for (let i = 0; i < ROWS; i++) {
    const seg = rnd() < 0.2 ? `all${Math.floor(rnd() * 3)}` : `s${Math.floor(i / 400)}_${Math.floor(rnd() * 6)}`;
    const r = rnd();
    const low = i >= 3000 && i < 4000 ? '' : r < 0.08 ? '' : r < 0.12 ? '""' : ['ab', 'cd', 'éf', 'gh', 'ij'][Math.floor(rnd() * 5)]!;
    lines.push(`${i},${seg},${low},h${i},${Math.floor(rnd() * 1000) / 8}`);
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

beforeAll(async () => {
  spark = await Session.create({ threads: testThreads(), shufflePartitions: 3 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-csvdict-'));
  files = [path.join(dir, 'a.csv'), path.join(dir, 'header-only.csv'), path.join(dir, 'empty.csv')];
  writeData(files[0]!);
  fs.writeFileSync(files[1]!, 'id,seg,low,hi,v\n');
  fs.writeFileSync(files[2]!, '');
  [cached, plain] = await cachedOnAndOff(spark, () => spark.read.csv(files, OPTS));
}, 120_000);
afterAll(async () => {
  await spark.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});


async function same(q: (df: DataFrame) => DataFrame): Promise<Row[]> {
  const [a, b] = await Promise.all([q(cached).collect(), q(plain).collect()]);
  expect(sortRows(a)).toEqual(sortRows(b));
  return a;
}

describe('a cache of a CSV read encodes its string columns per split and merges them', () => {
  it('holds the low-cardinality columns with one dictionary each, the unique column plain', () => {
    expect(spark.cacheManager.dictionaryColumns(cached.plan)).toEqual(['seg', 'low']);
    expect(spark.cacheManager.dictionaryColumns(plain.plan)).toEqual([]);
    // One dictionary shared by every cached batch: the storage view counts it once.
    const st = spark.cacheManager.storage(cached.plan)!;
    expect(st.find((c) => c.name === 'seg')!.layout).toBe('dictionary');
  });

  it('gives the same rows as with dictionaries switched off', async () => {
    const rows = await same((df) => df);
    expect(rows.length).toBe(ROWS);
    const first = (await cached.orderBy('id').limit(3).collect()).map((r) => r['id']);
    expect(first).toEqual([0, 1, 2]);
  });

  it('groups, filters, joins and sorts on the merged codes like on plain strings', async () => {
    await same((df) => df.groupBy('seg').agg(F.count('*').alias('n'), F.sum('v').alias('s')));
    await same((df) => df.groupBy('low', 'seg').count());
    await same((df) => df.filter(col('low').isNull()).groupBy('seg').count());
    await same((df) => df.filter(col('seg').startswith('s3')).select('id', 'seg', 'low'));
    await same((df) => df.groupBy('seg').count().join(df.select('seg', 'id'), 'seg').groupBy('seg').agg(F.max('count').alias('c'), F.count('*').alias('k')));
    const ordered = async (df: DataFrame) => (await df.orderBy('seg', 'id').select('seg', 'id').collect()).map((r) => `${r['seg']}/${r['id']}`);
    expect(await ordered(cached)).toEqual(await ordered(plain));
  });

  it('a cache of a frame derived from the cached one keeps the dictionaries (no in-place remap of shared data)', async () => {
    const derived = cached.filter(col('id').geq(0)).select('seg', 'low', 'id').cache();
    await derived.count();
    try {
      expect(sortRows(await derived.collect())).toEqual(sortRows(await plain.select('seg', 'low', 'id').collect()));
      expect(sortRows(await cached.collect())).toEqual(sortRows(await plain.collect()));
    } finally {
      derived.unpersist();
    }
  });

  it('a cache of a CSV read unioned with the cached frame leaves the cached frame intact', async () => {
    // The union's first batches come from the new scan, so the cached frame's indices are remapped:
    // into new arrays, since they belong to the other cache.
    // (Its values in another order than the cached dictionary's: the rows of the second half first.)
    // (A copy of the file: a read of the same files would be served by the cache.)
    const copy = path.join(dir, 'copy.csv');
    fs.copyFileSync(files[0]!, copy);
    const both = spark.read.csv(copy, OPTS).filter(col('id').geq(ROWS / 2)).union(cached).cache();
    await both.count();
    try {
      expect(spark.cacheManager.dictionaryColumns(both.plan)).toEqual(['seg', 'low']);
      const twice = await plain.filter(col('id').geq(ROWS / 2)).union(plain).collect();
      expect(sortRows(await both.collect())).toEqual(sortRows(twice));
      expect(sortRows(await cached.collect())).toEqual(sortRows(await plain.collect()));
    } finally {
      both.unpersist();
    }
  });
});

describe('split dictionaries', () => {
  const fields = new Schema([{ name: 'k', type: 'utf8', nullable: true }, { name: 'n', type: 'int32', nullable: true }]);

  it('a split whose dictionary passes its limit goes on in plain strings, values unchanged', () => {
    const file = path.join(dir, 'limit.csv');
    // A first batch of 20 values, then distinct ones: a 30-entry dictionary fills up in the second batch.
    const rows = 70_000;
    const ks = Array.from({ length: rows }, (_, i) => (i % 37 === 0 ? null : i < 66_000 ? `k${i % 20}` : `u${i}`));
    fs.writeFileSync(file, 'k,n\n' + ks.map((k, i) => `${k ?? ''},${i}`).join('\n') + '\n');
    const scan = planCsvScan(file, { header: true, schema: 'k string, n int', maxPartitionBytes: 1 << 30 });
    const batches = [...readCsvSplit({ ...scan, dictionary: 'split', splitDictionaryLimit: 30 }, scan.splits[0]!)];
    expect(batches.length).toBe(2);
    expect(batches[0]!.columns[0]!.indices).not.toBeNull();
    expect(batches[0]!.columns[0]!.dictionary!.length).toBe(30);
    expect(batches[1]!.columns[0]!.indices).toBeNull();
    expect(batches.flatMap((b) => b.columns[0]!.strings())).toEqual(ks);
    expect(batches.flatMap((b) => [...b.columns[1]!.values!])).toEqual(ks.map((_, i) => i));
  });

  /**
   * Encoded columns look short values up per batch (csv-build.ts `keys`): values up to 12 bytes
   * are deferred, longer ones flush the deferred rows first; a record dropped after its long
   * value was encoded must not leave its id behind, and a limit reached with both kinds pending
   * turns the rows back into their exact strings.
   */
  // Long values every 5th row (a flush each time) or every 4999th (runs of deferred rows reach KEY_RUN).
  let longEvery = 5;
  const mixed = (i: number): string | null =>
    i % 41 === 0 ? null : i % longEvery === 0 ? `long-value-${i % 7}-ééé` : i % 13 === 0 ? '' : i % 11 === 0 ? 'q"x' : i < 100_000 ? `k${i % 20}` : `u${i}`;
  const csvText = (v: string | null): string => (v === null ? '' : v === '' || v.includes('"') ? `"${v.replace(/"/g, '""')}"` : v);

  it('deferred lookups: short, long, quoted, empty, UTF-8 values and dropped records decode exactly', () => {
    const file = path.join(dir, 'deferred.csv');
    const rows = 140_000;
    // Every 17th record has a bad int after its string (dropped in DROPMALFORMED), some with a long string.
    const bad = (i: number): boolean => i % 17 === 0;
    const kept = Array.from({ length: rows }, (_, i) => i).filter((i) => !bad(i));
    for (const [every, limit] of [[5, undefined], [5, 30], [4999, undefined], [4999, 30]] as const) {
      longEvery = every;
      fs.writeFileSync(file, 'k,n\n' + Array.from({ length: rows }, (_, i) => `${csvText(mixed(i))},${bad(i) ? 'x' : i}`).join('\r\n') + '\n');
      const scan = planCsvScan(file, { header: true, schema: 'k string, n int', mode: 'DROPMALFORMED', maxPartitionBytes: 1 << 30 });
      const batches = [...readCsvSplit({ ...scan, dictionary: 'split', splitDictionaryLimit: limit }, scan.splits[0]!)];
      expect(batches[0]!.columns[0]!.indices).not.toBeNull();
      if (limit !== undefined) expect(batches.at(-1)!.columns[0]!.indices).toBeNull();
      expect(batches.flatMap((b) => b.columns[0]!.strings())).toEqual(kept.map(mixed));
      expect(batches.flatMap((b) => [...b.columns[1]!.values!])).toEqual(kept);
    }
  });

  it('deferred lookups through a cache answer as the plain read, with nulls and CRLF', async () => {
    longEvery = 4999;
    const file = path.join(dir, 'deferred-cache.csv');
    const rows = 70_000;
    fs.writeFileSync(file, 'k,n\r\n' + Array.from({ length: rows }, (_, i) => `${csvText(mixed(i))},${i}`).join('\r\n') + '\r\n');
    const [on, off] = await cachedOnAndOff(spark, () => spark.read.csv(file, { header: true, schema: 'k string, n int', maxPartitionBytes: 200_000 }));
    try {
      expect(spark.cacheManager.dictionaryColumns(on.plan)).toEqual(['k']);
      const [a, b] = await Promise.all([on.orderBy('n').collect(), off.orderBy('n').collect()]);
      expect(a).toEqual(b);
      expect(a.map((r) => r['k'])).toEqual(Array.from({ length: rows }, (_, i) => mixed(i)));
    } finally {
      await on.unpersist();
      await off.unpersist();
    }
  });

  it('batches of one split share its dictionary object', () => {
    const file = path.join(dir, 'batches.csv');
    const rows = 150_000;
    const lines = ['k,n'];
    for (let i = 0; i < rows; i++) lines.push(`v${(i * 7) % 97},${i}`);
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const scan = planCsvScan(file, { header: true, schema: 'k string, n int', maxPartitionBytes: 1 << 30 });
    const batches = [...readCsvSplit({ ...scan, dictionary: 'split' }, scan.splits[0]!)];
    expect(batches.length).toBeGreaterThan(1);
    const d = batches[0]!.columns[0]!.dictionary;
    expect(d).not.toBeNull();
    expect(batches.every((b) => b.columns[0]!.dictionary === d)).toBe(true);
    expect(d!.length).toBe(97);
    const got = batches.flatMap((b) => b.columns[0]!.strings());
    expect(got.length).toBe(rows);
    expect(got.every((s, i) => s === `v${(i * 7) % 97}`)).toBe(true);
  });

  it('the cache merges different dictionaries, remapping in place once even when a batch appears twice', () => {
    const mk = (vals: (string | null)[], dict: string[]) => {
      const idx = Int32Array.from(vals.map((v) => (v === null ? 0 : dict.indexOf(v))));
      const validity = vals.some((v) => v === null) ? Uint8Array.from(vals.map((v) => (v === null ? 0 : 1))) : null;
      return new Batch(fields, [dictColumn(idx, utf8FromStrings(dict), validity), utf8FromStrings(vals.map(() => '1'))], vals.length);
    };
    const a = Array.from({ length: 40 }, (_, i) => ['b', 'a', null][i % 3]!);
    const b = Array.from({ length: 40 }, (_, i) => ['c', 'a', 'b', 'only'][i % 4]!);
    const p0 = mk(a, ['b', 'a']);
    const p1 = mk(b, ['a', 'b', 'c', 'only']);
    const parts = [[p0], [p1, p1], []];
    const out = encodeCachedPartitions(parts, { inPlace: true });
    const d = out[0]![0]!.columns[0]!.dictionary;
    expect(out[1]![0]!.columns[0]!.dictionary).toBe(d);
    expect(out[1]![1]!.columns[0]!.dictionary).toBe(d);
    expect(out[0]![0]!.columns[0]!.strings()).toEqual(a);
    expect(out[1]![0]!.columns[0]!.strings()).toEqual(b);
    expect(out[1]![1]!.columns[0]!.strings()).toEqual(b);
    // The first partition's dictionary maps to itself: its indices are kept, not copied.
    expect(out[0]![0]!.columns[0]!.indices).toBe(p0.columns[0]!.indices);
  });

  it('merging while partitions arrive (any order) gives the dictionaries and codes of merging afterwards', async () => {
    const mk = (vals: string[], dict: string[], plain = false) => {
      const k = plain ? utf8FromStrings(vals) : dictColumn(Int32Array.from(vals.map((v) => dict.indexOf(v))), utf8FromStrings(dict), null);
      return new Batch(fields, [k, utf8FromStrings(vals.map(() => '1'))], vals.length);
    };
    // (At least 64 rows: fewer are not encoded at all.)
    const vals = [['b', 'a', 'b'], ['c', 'a', 'z', 'c'], ['z', 'y', 'b']].map((v) => Array.from({ length: 30 }, () => v).flat());
    const dicts = [['b', 'a'], ['a', 'c', 'z'], ['y', 'z', 'b']];
    const fresh = () => vals.map((v, i) => [mk(v, dicts[i]!)]);
    const after = encodeCachedPartitions(fresh(), { inPlace: true });
    const parts = fresh();
    const m = new DictionaryMerger();
    m.add(2, parts[2]!);
    m.add(0, parts[0]!);
    await new Promise((r) => setImmediate(r));
    m.add(1, parts[1]!);
    await new Promise((r) => setImmediate(r));
    const early = encodeCachedPartitions(parts, { inPlace: true, premerged: (c, ps) => m.column(c, ps) });
    expect(m.column(0, parts)).toBeDefined();
    expect(early[1]![0]!.columns[0]!.dictionary).toBe(early[0]![0]!.columns[0]!.dictionary);
    expect(early[0]![0]!.columns[0]!.dictionary!.strings()).toEqual(after[0]![0]!.columns[0]!.dictionary!.strings());
    for (let i = 0; i < 3; i++) {
      expect([...early[i]![0]!.columns[0]!.indices!]).toEqual([...after[i]![0]!.columns[0]!.indices!]);
      expect(early[i]![0]!.columns[0]!.strings()).toEqual(vals[i]);
    }
    // Partitions it was not given are merged when asked for.
    const parts3 = fresh();
    const m3 = new DictionaryMerger();
    m3.add(2, parts3[2]!);
    await new Promise((r) => setImmediate(r));
    const late = encodeCachedPartitions(parts3, { inPlace: true, premerged: (c, ps) => m3.column(c, ps) });
    for (let i = 0; i < 3; i++) expect([...late[i]![0]!.columns[0]!.indices!]).toEqual([...after[i]![0]!.columns[0]!.indices!]);
    expect(late[0]![0]!.columns[0]!.dictionary!.strings()).toEqual(after[0]![0]!.columns[0]!.dictionary!.strings());
    // Other partitions than the ones it was given, or a plain batch: no merge to offer.
    expect(m.column(0, fresh())).toBeUndefined();
    const withPlain = [[mk(vals[0]!, dicts[0]!)], [mk(vals[1]!, dicts[1]!, true)]];
    const m2 = new DictionaryMerger();
    m2.add(0, withPlain[0]!);
    m2.add(1, withPlain[1]!);
    expect(m2.column(0, withPlain)).toBeUndefined();
  });
});

/**
 * Short string values in dictionaries (issue 18, src/data/short-keys.ts): values of up to 12
 * bytes are held inline in the dictionary's hash table as three little-endian words plus their
 * length, and compared word by word. A cache of a CSV read encodes its string columns per split
 * through this table, so the cached rows must equal the file's values exactly (and the answers
 * with dictionaries switched off) for values around the word boundaries, multi-byte UTF-8,
 * quoted fields holding separators, quotes and line breaks, empty strings next to nulls, long
 * values, NUL bytes, and distinct values whose 32-bit hashes are equal.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataFrame, Session, functions as F } from '../src/index.js';
import { utf8FromStrings } from '../src/data/column.js';
import { DictionaryBuilder } from '../src/data/dictionary.js';
import { mulberry32 } from '../src/exec/basic.js';
import { testThreads } from './threads.js';
import { cachedOnAndOff, sortRows } from './dictionary-pair.js';

/** Pairs of 12-byte values with equal 32-bit hashes in the short-key table (found by search). */
const COLLIDING = ['807j97nuytuq', '9vesy3kx4mv2', 'g1muqq2trcpe', '54njqs36l0ju'];
/**
 * Pairs that start probing at the same slot of tables up to 2^16 slots (equal low 16 hash bits)
 * and differ in one word only (the first, second, third) or in their length only (a NUL byte).
 */
const SAME_SLOT = [['vlizefghijkl', 'et0oefghijkl'], ['abcd0ofbijkl', 'abcddejsijkl'], ['abcdefghko4q', 'abcdefghmtyn'], ['2ysxygg', '2ysxygg\u0000']];

/** Values that probe every word boundary of the inline keys (as JS strings). */
const POOL: string[] = [
  '', 'a', 'ab', 'abc', 'abcd', 'abce', 'abcde', 'abcdefg', 'abcdefgh', 'abcdefgi', 'bbcdefgh', 'abcdefghi',
  'abcdefghijk', 'abcdefghijkl', 'abcdefghijkm', 'abcdefgxijkl', 'abcdxfghijkl', 'xbcdefghijkl', 'abcdefghijklm', 'abcdefghijkln',
  'ab\u0000', 'ab\u0000\u0000', 'é', 'éé', 'éééééé', 'ééééééa', 'aéééééé', '日本語', '日本語漢', '日本語漢字', '😀', '😀😀😀', 'a😀😀😀',
  ...COLLIDING, ...SAME_SLOT.flat(), 'L'.repeat(40), 'L'.repeat(39) + 'M', 'x'.repeat(300),
];
/** Values that need quoting: separators and quotes (any file) and line breaks (multiLine files). */
const QUOTED = ['a,b', 'x"y', ',', '"', 'quoted,1234'];
const MULTILINE = ['a\nb', 'l1\r\nl2', '\n'];

const ROWS = 6000;
let spark: Session;
let dir: string;

/** The CSV field of value `v` (null: an unquoted empty field). */
function field(v: string | null): string {
  if (v === null) return '';
  return v === '' || /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** Rows whose `k` values drift through `pool` (so small splits see different dictionaries). */
function values(pool: string[], seed: number): (string | null)[] {
  const rnd = mulberry32(seed);
  const out: (string | null)[] = [];
  for (let i = 0; i < ROWS; i++) {
    const r = rnd();
    out.push(r < 0.05 ? null : pool[(Math.floor(i / 150) + Math.floor(r * 6)) % pool.length]!);
  }
  return out;
}

function writeCsv(file: string, ks: (string | null)[]): void {
  fs.writeFileSync(file, 'n,k\n' + ks.map((k, i) => `${i},${field(k)}`).join('\n') + '\n');
}

async function check(file: string, ks: (string | null)[], opts: Record<string, unknown>): Promise<void> {
  const read = () => spark.read.csv(file, { header: true, schema: 'n int, k string', ...opts });
  const [on, off] = await cachedOnAndOff(spark, read);
  try {
    expect(spark.cacheManager.dictionaryColumns(on.plan)).toEqual(['k']);
    const rows = await on.orderBy('n').collect();
    expect(rows.map((r) => r['k'])).toEqual(ks);
    // Distinct values keep distinct codes: per-value counts as in the file.
    const want = new Map<string | null, number>();
    for (const k of ks) want.set(k, (want.get(k) ?? 0) + 1);
    const counts = async (df: DataFrame) => sortRows(await df.groupBy('k').agg(F.count('*').alias('c')).collect());
    const got = await counts(on);
    expect(got.length).toBe(want.size);
    for (const r of got) expect(r['c']).toBe(want.get(r['k'] as string | null));
    expect(got).toEqual(await counts(off));
  } finally {
    on.unpersist();
    off.unpersist();
  }
}

beforeAll(async () => {
  spark = await Session.create({ threads: testThreads(), shufflePartitions: 3 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-shortkeys-'));
}, 60_000);
afterAll(async () => {
  await spark.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a cache of a CSV read keeps short string values exact', () => {
  it('values around the 4/8/12-byte boundaries, multi-byte UTF-8, NULs, colliding hashes, quoted separators; many splits', async () => {
    const file = path.join(dir, 'short.csv');
    const ks = values([...POOL, ...QUOTED], 1);
    writeCsv(file, ks);
    await check(file, ks, { maxPartitionBytes: 6000 });
  });

  it('quoted fields with line breaks (multiLine, one split)', async () => {
    const file = path.join(dir, 'multiline.csv');
    const ks = values([...POOL.slice(0, 24), ...QUOTED, ...MULTILINE], 2);
    writeCsv(file, ks);
    await check(file, ks, { multiLine: true });
  });
});

describe('DictionaryBuilder with short and long values', () => {
  it('gives one id per distinct value, in first-seen order, across table growth', () => {
    // 3000 short and 3000 long distinct values, interleaved, each seen twice; the table starts small.
    const distinct: string[] = [...POOL];
    for (let i = 0; i < 3000; i++) distinct.push(`s${i}`, `long-value-number-${i}`);
    const all = [...distinct, ...distinct.slice().reverse()];
    const b = new DictionaryBuilder(1 << 20);
    const ids = b.encode(utf8FromStrings(all))!;
    expect(b.size).toBe(distinct.length);
    expect([...ids]).toEqual(all.map((v) => distinct.indexOf(v)));
    expect(b.dictionary().strings()).toEqual(distinct);
  });

  it('values with equal hashes stay apart', () => {
    const b = new DictionaryBuilder(16);
    const ids = b.encode(utf8FromStrings([...COLLIDING, ...COLLIDING]))!;
    expect([...ids]).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
  });

  it('values that share a slot and differ in one word or in length only stay apart', () => {
    for (const pair of SAME_SLOT) {
      const b = new DictionaryBuilder(16);
      expect([...b.encode(utf8FromStrings([...pair, ...pair]))!]).toEqual([0, 1, 0, 1]);
      expect(b.dictionary().strings()).toEqual(pair);
    }
  });

  it('stops at maxEntries (null), short and long values counted together', () => {
    expect(new DictionaryBuilder(3).encode(utf8FromStrings(['a', 'long-value-1', 'b', 'a']))).not.toBeNull();
    expect(new DictionaryBuilder(3).encode(utf8FromStrings(['a', 'long-value-1', 'b', 'long-value-2']))).toBeNull();
  });
});

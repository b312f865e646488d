/**
 * Integer columns of the CSV fast path are parsed while the tokenizer scans them (csv-scan.ts
 * F_INT): the values, nulls and malformed-value handling must be those of the separate parse
 * (csv-values.ts parseIntBytes), including signs, leading zeros, range limits, quoted fields,
 * nullValue, CRLF, the last field without a line break and fields across read chunks.
 *
 * Double columns likewise when the field is a plain decimal (csv-scan.ts F_DOUBLE): the values
 * must be exactly `Number(text)` (the correctly rounded result of csv-values.ts
 * parseDoubleBytes), and every other text (exponents, more than 15 significant digits, spaces,
 * NaN, suffixes, quotes, nullValue, malformed values) must read as before. Also the batches a
 * split sizes from its remaining bytes (csv.ts readCsvSplit) must keep every row.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataFormatError, Session } from '../src/index.js';
import { CHUNK_BYTES } from '../src/io/csv-scan.js';
import { mulberry32 } from '../src/exec/basic.js';
import { testThreads } from './threads.js';

let spark: Session;
let dir: string;
beforeAll(async () => {
  spark = await Session.create({ threads: testThreads() });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-csvint-'));
});
afterAll(async () => {
  await spark.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const write = (name: string, text: string): string => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
};

describe('integer columns parsed while tokenized', () => {
  // [field text, INT value, BIGINT value] (null: null or malformed → null in PERMISSIVE)
  const cases: [string, number | null, number | null][] = [
    ['0', 0, 0],
    ['-0', 0, 0],
    ['+7', 7, 7],
    ['007', 7, 7],
    ['-12', -12, -12],
    ['2147483647', 2147483647, 2147483647],
    ['-2147483648', -2147483648, -2147483648],
    ['2147483648', null, 2147483648],
    ['-2147483649', null, -2147483649],
    ['9007199254740991', null, 9007199254740991],
    ['9007199254740993', null, null],
    ['"42"', 42, 42],
    ['""', null, null],
    ['', null, null],
    ['-', null, null],
    ['+', null, null],
    ['12a', null, null],
    ['1.5', null, null],
    ['1e3', null, null],
    [' 5', null, null],
    ['5 ', null, null],
    ['--5', null, null],
    ['١٢', null, null], // non-ASCII digits
  ];

  it('gives the values, nulls and malformed values of the separate parse (CRLF, last line without a break)', async () => {
    const text = 'i,l,s\r\n' + cases.map(([t], k) => `${t},${t},r${k}`).join('\r\n');
    const p = write('cases.csv', text);
    const rows = await spark.read.csv(p, { header: true, schema: 'i INT, l BIGINT, s STRING' }).collect();
    expect(rows.map((r) => r['s'])).toEqual(cases.map((_, k) => `r${k}`));
    expect(rows.map((r) => (r['i'] === null ? null : Number(r['i'])))).toEqual(cases.map((c) => c[1]));
    expect(rows.map((r) => (r['l'] === null ? null : Number(r['l'])))).toEqual(cases.map((c) => c[2]));
    // Last field of the file without a line break.
    const last = write('last.csv', 'i\n1\n-23');
    expect((await spark.read.csv(last, { header: true, schema: 'i INT' }).collect()).map((r) => r['i'])).toEqual([1, -23]);
  });

  it('a value equal to nullValue is null; FAILFAST names the bad value', async () => {
    const p = write('nullvalue.csv', 'i,j\n0,1\n5,0\n-0,7\n');
    const rows = await spark.read.csv(p, { header: true, schema: 'i INT, j INT', nullValue: '0' }).collect();
    expect(rows.map((r) => [r['i'], r['j']])).toEqual([[null, 1], [5, null], [0, 7]]);
    const bad = write('bad.csv', 'i,j\n1,2\n3,4x\n');
    const err = await spark.read.csv(bad, { header: true, schema: 'i INT, j INT', mode: 'FAILFAST' }).collect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFormatError);
    expect((err as Error).message).toContain(`line 3: value '4x' of column 'j'`);
  });

  it('fields across read chunks and split boundaries keep their values', async () => {
    // Rows of long digit runs (leading zeros) so that fields straddle the 4 MiB chunk boundary.
    const n = Math.ceil((CHUNK_BYTES * 1.5) / 40);
    const lines = ['a,b,c'];
    for (let k = 0; k < n; k++) lines.push(`${String(k).padStart(17, '0')},-${k % 1000},${String(k * 7).padStart(12, '0')}`);
    const p = write('chunks.csv', lines.join('\n') + '\n');
    const df = spark.read.csv(p, { header: true, schema: 'a BIGINT, b INT, c BIGINT', maxPartitionBytes: 1 << 20 });
    const sums = (await df.selectExpr('count(*) AS n', 'sum(a) AS a', 'sum(b) AS b', 'sum(c) AS c', 'count(a) + count(b) + count(c) AS nn').collect())[0]!;
    let b = 0;
    for (let k = 0; k < n; k++) b -= k % 1000;
    expect(Number(sums['n'])).toBe(n);
    expect(Number(sums['nn'])).toBe(3 * n);
    expect(Number(sums['a'])).toBe((n * (n - 1)) / 2);
    expect(Number(sums['b'])).toBe(b);
    expect(Number(sums['c'])).toBe((7 * n * (n - 1)) / 2);
  });
});

/** Reads column d (DOUBLE) of `texts`, one per line, with a row tag; returns the values in order. */
async function readDoubles(name: string, texts: readonly string[], eol = '\n', options: Record<string, unknown> = {}): Promise<(number | null)[]> {
  const p = write(name, 'd,s' + eol + texts.map((t, k) => `${t},r${k}`).join(eol));
  const rows = await spark.read.csv(p, { header: true, schema: 'd DOUBLE, s STRING', ...options }).collect();
  expect(rows.map((r) => r['s'])).toEqual(texts.map((_, k) => `r${k}`));
  return rows.map((r) => r['d'] as number | null);
}

describe('double columns parsed while tokenized', () => {
  it('plain decimals read exactly as Number(text), -0 included', async () => {
    const texts = [
      '0', '-0', '+0', '0.0', '-0.0', '-0.000', '.5', '-.5', '+.25', '5.', '-7.', '1.5', '+1.5', '-1.5',
      '0.1', '0.2', '0.3', '1.1', '2.675', '35.582012', '19.994555', '00012.50', '-000.0001',
      '123456789012345', '12345678901234.5', '0.123456789012345', '999999999999999', '-999999999999999.',
      '0.0000000000000000000001', '0.00000000000000000000001', '1.0000000000000000000000', '9007199254740991',
      '1234567890123456', '12345678901234567890', '0.1234567890123456789', '4.35', '8.95', '100.0000000000000001',
    ];
    const got = await readDoubles('plain.csv', texts);
    texts.forEach((t, k) => expect([t, Object.is(got[k], Number(t)) ? 'same' : got[k]]).toEqual([t, 'same']));
  });

  it('random decimals (up to 20 digits, signs, dots at either end) read as Number(text)', async () => {
    const r = mulberry32(18);
    const texts: string[] = [];
    while (texts.length < 20000) {
      const sign = ['', '', '-', '+'][Math.floor(r() * 4)]!;
      const digits = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 10)).join('');
      const a = digits(Math.floor(r() * 11));
      const b = digits(Math.floor(r() * (r() < 0.2 ? 24 : 10)));
      const t = r() < 0.15 ? sign + a + b : `${sign}${a}.${b}`;
      if (/[0-9]/.test(t)) texts.push(t);
    }
    const got = await readDoubles('random.csv', texts, '\r\n');
    const wrong = texts.filter((t, k) => !Object.is(got[k], Number(t)));
    expect(wrong).toEqual([]);
  });

  it('other texts read as the separate parse does (Java Double.parseDouble rules)', async () => {
    // [field text, value] (null: null, or malformed → null in PERMISSIVE)
    const cases: [string, number | null][] = [
      ['1e3', 1000], ['-2.5E-3', -0.0025], ['1.5e+2', 150], ['1e400', Infinity], ['1e-400', 0],
      ['1.5d', 1.5], ['2F', 2], ['NaN', NaN], ['-Infinity', -Infinity], ['Inf', Infinity],
      [' 1.5', 1.5], ['1.5 ', 1.5], ['"2.5"', 2.5], ['"-0.0"', -0], ['""', null], ['', null],
      ['-', null], ['+', null], ['.', null], ['1.5x', null], ['1..5', null], ['--1', null],
      ['1e', null], ['0x10', null], ['١٫٥', null],
    ];
    const got = await readDoubles('other.csv', cases.map((c) => c[0]));
    cases.forEach(([t, v], k) => expect([t, v === null ? got[k] : Object.is(got[k], v) ? 'same' : got[k]]).toEqual([t, v === null ? null : 'same']));
    // Last field of the file without a line break.
    const last = write('last.csv', 'd\n1.25\n-2.5');
    expect((await spark.read.csv(last, { header: true, schema: 'd DOUBLE' }).collect()).map((x) => x['d'])).toEqual([1.25, -2.5]);
  });

  it('a value equal to nullValue is null; FAILFAST names the bad value', async () => {
    const got = await readDoubles('nullvalue.csv', ['1.5', '0.0', '-0.0', '2'], '\n', { nullValue: '0.0' });
    expect(got.map((v) => (v === null ? null : Object.is(v, -0) ? '-0' : v))).toEqual([1.5, null, '-0', 2]);
    const bad = write('bad.csv', 'd,e\n1.5,2\n3.25,4.5x\n');
    const err = await spark.read.csv(bad, { header: true, schema: 'd DOUBLE, e DOUBLE', mode: 'FAILFAST' }).collect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFormatError);
    expect((err as Error).message).toContain(`line 3: value '4.5x' of column 'e'`);
  });

  it('fields across read chunks and split boundaries keep their values', async () => {
    // Long decimals (leading zeros) so that fields straddle the 4 MiB chunk boundary.
    const n = Math.ceil((CHUNK_BYTES * 1.5) / 44);
    const lines = ['a,b'];
    for (let k = 0; k < n; k++) lines.push(`${String(k).padStart(14, '0')}.${String(k % 1000).padStart(3, '0')},-${String(k % 97).padStart(20, '0')}.5`);
    const p = write('chunks.csv', lines.join('\n') + '\n');
    const df = spark.read.csv(p, { header: true, schema: 'a DOUBLE, b DOUBLE', maxPartitionBytes: 1 << 20 });
    const sums = (await df.selectExpr('count(*) AS n', 'sum(floor(a)) AS a', 'sum(round((a - floor(a)) * 1000)) AS f', 'sum(b) AS b', 'count(a) + count(b) AS nn').collect())[0]!;
    let f = 0;
    let b = 0;
    for (let k = 0; k < n; k++) {
      f += k % 1000;
      b -= (k % 97) + 0.5;
    }
    expect(Number(sums['n'])).toBe(n);
    expect(Number(sums['nn'])).toBe(2 * n);
    expect(Number(sums['a'])).toBe((n * (n - 1)) / 2);
    expect(Number(sums['f'])).toBe(f);
    expect(Number(sums['b'])).toBe(b);
  });

  it('batches sized from the split\'s remaining bytes keep every row (rows much shorter at the end; plain and cached reads)', async () => {
    // 150,000 long rows then 250,000 short ones: the last batches' row estimate (bytes left /
    // bytes per row so far) is far too low, so batches are cut at the estimate, again and again.
    const lines = ['a,s'];
    let sum = 0;
    for (let k = 0; k < 400000; k++) {
      const long = k < 150000;
      const v = long ? k + 0.25 : k % 7;
      sum += v;
      lines.push(long ? `${v},${'x'.repeat(40)}${k % 13}` : `${v},y`);
    }
    const p = write('rows.csv', lines.join('\n') + '\n');
    const want = { n: 400000, s: sum };
    const df = spark.read.csv(p, { header: true, schema: 'a DOUBLE, s STRING', maxPartitionBytes: 64 << 20 });
    const plain = (await df.selectExpr('count(*) AS n', 'sum(a) AS s').collect())[0]!;
    expect({ n: Number(plain['n']), s: plain['s'] }).toEqual(want);
    const cached = df.cache();
    try {
      const c = (await cached.selectExpr('count(*) AS n', 'sum(a) AS s', 'count(DISTINCT s) AS d').collect())[0]!;
      expect({ n: Number(c['n']), s: c['s'], d: Number(c['d']) }).toEqual({ ...want, d: 14 });
    } finally {
      cached.unpersist();
    }
  });
});

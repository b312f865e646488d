/**
 * Integer columns of the CSV fast path are parsed while the tokenizer scans them (csv-scan.ts
 * F_INT): the values, nulls and malformed-value handling must be those of the separate parse
 * (csv-values.ts parseIntBytes), including signs, leading zeros, range limits, quoted fields,
 * nullValue, CRLF, the last field without a line break and fields across read chunks.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataFormatError, Session } from '../src/index.js';
import { CHUNK_BYTES } from '../src/io/csv-scan.js';
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

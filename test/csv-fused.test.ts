/**
 * The CSV fused fast path (csv-build.ts `BatchBuilder.addRun`, driven by csv.ts readCsvSplit)
 * converts records straight from bytes and leaves every record it does not handle to the
 * tokenizer and `add`. Its rows must be exactly those of the path without it: the same values
 * (−0, 15/16 significant digits, int32 ends), nulls, malformed-record handling in every mode,
 * dictionary columns (deferred lookups, a dictionary passing its limit mid-run), projections,
 * CRLF / lone CR / blank and comment lines, and records across read chunks and split ends.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../src/index.js';
import { mulberry32 } from '../src/exec/basic.js';
import type { Batch } from '../src/data/batch.js';
import type { ColumnData } from '../src/data/column.js';
import { BatchBuilder, type ValueRules } from '../src/io/csv-build.js';
import { planCsvScan, readCsvSplit, parseDDLSchema } from '../src/io/csv.js';
import { CHUNK_BYTES } from '../src/io/csv-scan.js';
import { testThreads } from './threads.js';

let spark: Session;
let dir: string;
beforeAll(async () => {
  spark = await Session.create({ threads: testThreads() });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-csvfused-'));
});
afterAll(async () => {
  await spark.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const SCHEMA = 'a INT, b BIGINT, c DOUBLE, d STRING, e STRING';

/** Field texts: mostly what the fused path takes, sometimes what it must leave to `add`. */
function generator(seed: number, odd: number, shortOnly = false) {
  const r = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (): string =>
    r() < odd ? pick(['', '""', '"42"', '+7', '-0', '007', '2147483647', '-2147483648', '2147483648', '-2147483649', '12a', ' 5', '1.5', '-', '0000000000000042', '999999999999999']) : String(Math.floor((r() - 0.5) * 2 ** 32));
  const big = (): string =>
    r() < odd ? pick(['', '-0', '999999999999999', '-999999999999999', '1000000000000000', '9007199254740991', '9007199254740993', '"5"', 'x']) : String(Math.floor((r() - 0.5) * 2 ** 45));
  const dbl = (): string =>
    r() < odd
      ? pick(['', '-0.0', '-0', '0.0', '5.', '.5', '1e3', 'NaN', '-Infinity', '123456789012345.6', '12345678901234.56', '0.1234567890123456789012', '0.12345678901234567890123', '"2.5"', '-', '+1.25', '1.5x'])
      : (r() < 0.5 ? '-' : '') + (r() * 1000).toFixed(Math.floor(r() * 7));
  // shortOnly: no value over 12 bytes (each such value flushes the deferred dictionary lookups).
  const low = (): string => (r() < odd ? pick(['', '""', '"a,b"', '"q""x"', 'ab"c', 'twelve-bytes', 'é漢字', '"multi\nline"', ...(shortOnly ? [] : ['a-very-long-value-over-24-bytes', 'thirteen-byte'])]) : `k${Math.floor(r() * 30)}`);
  const high = (): string => (r() < odd ? pick(['', '""', '"x"', 'long-unique-value-number-' + Math.floor(r() * 1e6)]) : `id${Math.floor(r() * 1e7)}`);
  const record = (): string => {
    const f = [int(), big(), dbl(), low(), high()];
    if (r() < odd / 4) return f.slice(0, 1 + Math.floor(r() * 4)).join(','); // too few fields
    if (r() < odd / 4) return [...f, 'extra'].join(','); // too many
    if (r() < odd / 8) return '';
    if (r() < odd / 8) return '#comment,1,2';
    return f.join(',');
  };
  return { r, record };
}

/** Each column of each batch as JS values, concatenated. */
function columns(batches: Batch[]): unknown[][] {
  if (batches.length === 0) return [];
  const vals = (c: ColumnData): unknown[] =>
    c.type === 'utf8' ? c.strings() : String(c.type).startsWith('decimal') ? c.bigints().map((v, i) => (c.isNull(i) ? null : v)) : Array.from({ length: c.length }, (_, i) => (c.isNull(i) ? null : c.values![i]));
  return batches[0]!.columns.map((_, j) => batches.flatMap((b) => vals(b.columns[j]!)));
}

function readAll(file: string, options: Record<string, unknown>, extra: { dictionary?: boolean | 'split'; splitDictionaryLimit?: number; fused: boolean }, cols?: number[]): unknown[][] | string {
  const scan = planCsvScan(file, options as never);
  try {
    return columns(scan.splits.flatMap((sp) => [...readCsvSplit({ ...scan, ...extra }, sp, cols)]));
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

describe('fused CSV fast path', () => {
  it('reads exactly what the tokenizer and add read: modes, line ends, comments, projections, dictionaries, splits', () => {
    let compared = 0;
    for (const [k, cfg] of [
      { mode: 'PERMISSIVE', eol: '\n', odd: 0.05 },
      { mode: 'DROPMALFORMED', eol: '\r\n', odd: 0.05 },
      { mode: 'PERMISSIVE', eol: '\r', odd: 0.02, cols: [3, 0, 2] },
      { mode: 'FAILFAST', eol: '\n', odd: 0 },
      { mode: 'FAILFAST', eol: '\n', odd: 0.001 },
      { mode: 'PERMISSIVE', eol: '\n', odd: 0.3, comment: '#' },
      { mode: 'DROPMALFORMED', eol: '\n', odd: 0.01, dictionary: 'split' as const },
      { mode: 'PERMISSIVE', eol: '\r\n', odd: 0.01, dictionary: 'split' as const, limit: 20, cols: [4, 3, 1] },
      { mode: 'PERMISSIVE', eol: '\n', odd: 0.02, dictionary: true },
      { mode: 'PERMISSIVE', eol: '\n', odd: 0.02, dictionary: 'split' as const, shortOnly: true },
    ].entries()) {
      const g = generator(100 + k, cfg.odd, cfg.shortOnly);
      const rows = 30_000;
      const lines = ['a,b,c,d,e'];
      for (let i = 0; i < rows; i++) lines.push(g.record());
      const file = path.join(dir, `diff${k}.csv`);
      // Every other file ends without a line break.
      fs.writeFileSync(file, lines.join(cfg.eol) + (k % 2 === 0 ? cfg.eol : ''));
      for (const maxPartitionBytes of [1 << 30, 40_000]) {
        const opts = { header: true, schema: SCHEMA, mode: cfg.mode, maxPartitionBytes, ...(cfg.comment ? { comment: cfg.comment } : {}) };
        const extra = { dictionary: cfg.dictionary, splitDictionaryLimit: cfg.limit };
        const fused = readAll(file, opts, { ...extra, fused: true }, cfg.cols);
        const plain = readAll(file, opts, { ...extra, fused: false }, cfg.cols);
        expect(fused, `config ${k}, split bytes ${maxPartitionBytes}`).toEqual(plain);
        if (typeof plain !== 'string') compared += plain[0]!.length;
      }
    }
    expect(compared).toBeGreaterThan(400_000);
  });

  it('booleans, dates, timestamps and decimals (and custom date formats) read as through add', () => {
    const r = mulberry32(9);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const two = (n: number): string => String(n).padStart(2, '0');
    const date = (iso: boolean): string => {
      const [y, m, d] = [1900 + Math.floor(r() * 200), 1 + Math.floor(r() * 12), 1 + Math.floor(r() * 28)];
      return iso ? `${y}-${two(m)}-${two(d)}` : `${two(d)}/${two(m)}/${y}`;
    };
    for (const [k, iso] of [[0, true], [1, false]] as const) {
      const lines = ['a,b,c,d,e'];
      for (let i = 0; i < 20_000; i++) {
        const odd = r() < 0.1;
        const b = odd ? pick(['TRUE', 'False', 'yes', '1', '', '"true"']) : pick(['true', 'false']);
        const c = odd ? pick(['2020-02-30', '2020-1-5', '2020-01-05T10:00', '20200105', '', 'x', '31/12/1999', '1999-12-31']) : date(iso);
        const d = odd ? pick(['2020-01-05', '2020-01-05T10:11:12.1234567Z', '2020-01-05 10:11:12+02:00', '2020-13-01 00:00:00', 'x', '']) : `${date(true)} ${two(Math.floor(r() * 24))}:${two(Math.floor(r() * 60))}:${two(Math.floor(r() * 60))}`;
        const e = odd ? pick(['1.999', '-0.005', '12345678901.5', '99999999.99', '100000000', '1e3', '', '-', '"1.5"']) : ((r() - 0.5) * 1e6).toFixed(Math.floor(r() * 3));
        lines.push([i, b, c, d, e].join(','));
      }
      const file = path.join(dir, `typed${k}.csv`);
      fs.writeFileSync(file, lines.join('\n') + '\n');
      const opts = { header: true, schema: 'a INT, b BOOLEAN, c DATE, d TIMESTAMP, e DECIMAL(10,2)', ...(iso ? {} : { dateFormat: 'dd/MM/yyyy' }), maxPartitionBytes: 100_000 };
      const fused = readAll(file, opts, { fused: true });
      expect(fused).toEqual(readAll(file, opts, { fused: false }));
      const days = (fused as unknown[][])[2]!;
      expect(days.filter((v) => v !== null).length).toBeGreaterThan(17_000);
    }
  });

  it('records across read chunks keep their values', () => {
    const g = generator(7, 0.01);
    const lines = ['a,b,c,d,e'];
    let bytes = 0;
    while (bytes < CHUNK_BYTES * 2.3) {
      const l = g.record();
      lines.push(l);
      bytes += l.length + 1;
    }
    const file = path.join(dir, 'chunks.csv');
    fs.writeFileSync(file, lines.join('\n'));
    const opts = { header: true, schema: SCHEMA, maxPartitionBytes: 1 << 30 };
    const fused = readAll(file, opts, { fused: true, dictionary: 'split' });
    expect(fused).toEqual(readAll(file, opts, { fused: false, dictionary: 'split' }));
    expect((fused as unknown[][])[0]!.length).toBeGreaterThan(lines.length - 1 - lines.length / 50);
  });

  it('takes clean records and stops at the first record it must leave', () => {
    const schema = parseDDLSchema(SCHEMA);
    const rules: ValueRules = { nullValue: new Uint8Array(0), emptyValue: new Uint8Array(0), emptyIsNull: false, quote: 34, escape: 92, dateFormat: null, timestampFormat: null };
    const run = (text: string): { n: number; p: number } => {
      const b = new BatchBuilder(schema.fields, [0, 1, 2, 3, 4], 5, rules, true, 1024);
      const buf = Buffer.from(text);
      expect(b.canRun).toBe(true);
      const p = b.addRun(buf, 0, buf.length, buf.length, 44, 34, -1);
      return { n: b.n, p };
    };
    const clean = '1,2,3.5,k1,id1\n-4,5,-0.25,k2,id2\r\n';
    expect(run(clean)).toEqual({ n: 2, p: clean.length });
    for (const stopper of ['1,2,3.5,"k1",id1\n', '1,2,,k1,id1\n', '1,2,3.5,k1\n', '1,2,3.5,k1,id1,x\n', '1,2,1e3,k1,id1\n', '2147483648,2,3.5,k1,id1\n', '\n', '1,2,3.5,k1,id1']) {
      expect(run(clean + stopper), JSON.stringify(stopper)).toEqual({ n: 2, p: clean.length });
    }
    // Two columns of one field, or a nullValue, leave the whole scan to `add`.
    const dates = parseDDLSchema('a INT, d DATE');
    expect(new BatchBuilder(dates.fields, [0, 1], 2, rules, true, 16).canRun).toBe(true);
    expect(new BatchBuilder(dates.fields, [0, 1], 2, rules, true, 16, [0, 0]).canRun).toBe(false);
    expect(new BatchBuilder(schema.fields, [0], 5, { ...rules, nullValue: Buffer.from('NA') }, true, 16).canRun).toBe(false);
  });

  it('a separator that is a number character splits numbers (no digit loop runs past it)', async () => {
    const file = path.join(dir, 'digitsep.csv');
    fs.writeFileSync(file, 'a1b1c\n213142.5\n410511\n');
    const rows = await spark.read.csv(file, { header: true, sep: '1', schema: 'a INT, b BIGINT, c DOUBLE' }).collect();
    expect(rows.map((r) => [r['a'], Number(r['b']), r['c']])).toEqual([[2, 3, 42.5], [4, 5, null]]);
    const dot = path.join(dir, 'dotsep.csv');
    fs.writeFileSync(dot, 'x.y\n12.34\n');
    expect((await spark.read.csv(dot, { header: true, sep: '.', schema: 'x INT, y INT' }).collect()).map((r) => [r['x'], r['y']])).toEqual([[12, 34]]);
  });

  it('a cached read through the API gives the generated values', async () => {
    const r = mulberry32(42);
    const rows = 50_000;
    const want: [number, number, number, string, string][] = [];
    for (let i = 0; i < rows; i++) want.push([Math.floor((r() - 0.5) * 2 ** 32), Math.floor((r() - 0.5) * 2 ** 45), Number(((r() - 0.5) * 1e4).toFixed(3)), `k${Math.floor(r() * 50)}`, `id${i}`]);
    const file = path.join(dir, 'api.csv');
    fs.writeFileSync(file, 'a,b,c,d,e\n' + want.map((w) => w.join(',')).join('\n') + '\n');
    const df = spark.read.csv(file, { header: true, schema: SCHEMA, maxPartitionBytes: 300_000 }).cache();
    try {
      const got = await df.orderBy('e').collect();
      const sorted = [...want].sort((x, y) => (x[4] < y[4] ? -1 : 1));
      expect(got.map((g) => [g['a'], Number(g['b']), g['c'], g['d'], g['e']])).toEqual(sorted);
    } finally {
      await df.unpersist();
    }
  });
});

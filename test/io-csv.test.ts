/**
 * Tests for the CSV data source (src/io/csv.ts and its csv-* helpers): schema inference, header
 * handling, dialect options, null rules, parse modes, explicit schemas, projection, byte-range
 * splits, multiLine, globs/folders, the writer round trip, and equivalence of the byte-level fast
 * path with the csv-parse fallback.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocateShared } from '../src/data/alloc.js';
import { BATCH_SIZE, type Batch, batchFromRows, concatBatches } from '../src/data/batch.js';
import { DataFormatError, FileNotFoundError, IllegalArgumentError, KindlingError } from '../src/errors.js';
import {
  type CsvReadOptions,
  type CsvScan,
  type CsvSplit,
  type CsvWriteOptions,
  type ResolvedCsvOptions,
  parseDDLSchema,
  planCsvScan,
  readCsvSplit,
  resolveCsvOptions,
  writeCsvFile,
} from '../src/io/csv.js';
import { type Row, Schema } from '../src/types.js';

let dir: string;
let counter = 0;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-csv-'));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function file(content: string | Buffer, name?: string): string {
  const p = path.join(dir, name ?? `f${counter++}.csv`);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
  return p;
}

function readBatches(scan: CsvScan, columns?: number[], engine?: ResolvedCsvOptions['engine'], splits?: CsvSplit[]): Batch[] {
  const s = engine ? { ...scan, options: { ...scan.options, engine } } : scan;
  const out: Batch[] = [];
  for (const sp of splits ?? scan.splits) for (const b of readCsvSplit(s, sp, columns)) out.push(b);
  return out;
}

function rows(paths: string | string[], options: CsvReadOptions = {}, columns?: number[], engine?: ResolvedCsvOptions['engine']): Row[] {
  const scan = planCsvScan(paths, options);
  return readBatches(scan, columns, engine).flatMap((b) => b.toRows());
}

function types(p: string, options: CsvReadOptions = {}): [string, string][] {
  return planCsvScan(p, { inferSchema: true, ...options }).schema.fields.map((f) => [f.name, f.type]);
}

const d = (s: string): Date => new Date(s);

/** Deterministic pseudo-random numbers. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

describe('schema inference', () => {
  it('infers each type', () => {
    const p = file(
      'i,l,f,b,dt,ts,s,n\n' +
        '1,3000000000,1.5,true,2020-01-02,2020-01-02 03:04:05,abc,\n' +
        '-2,4,2e3,FALSE,2021-12-31,2021-12-31T23:59:59.123456Z,x y,\n' +
        ',,,,,,,\n',
    );
    expect(types(p, { header: true })).toEqual([
      ['i', 'int32'],
      ['l', 'int64'],
      ['f', 'float64'],
      ['b', 'boolean'],
      ['dt', 'date32'],
      ['ts', 'timestamp'],
      ['s', 'utf8'],
      ['n', 'utf8'],
    ]);
    expect(rows(p, { header: true, inferSchema: true })).toEqual([
      { i: 1, l: 3000000000, f: 1.5, b: true, dt: d('2020-01-02'), ts: d('2020-01-02T03:04:05Z'), s: 'abc', n: null },
      { i: -2, l: 4, f: 2000, b: false, dt: d('2021-12-31'), ts: d('2021-12-31T23:59:59.123Z'), s: 'x y', n: null },
      { i: null, l: null, f: null, b: null, dt: null, ts: null, s: null, n: null },
    ]);
  });

  it('widens like Spark', () => {
    const p = file('a,b,c,d,e,f,g\n1,1,1,2020-01-01,true,1,NaN\n2.5,x,9007199254740991,2020-01-01 10:00:00,1,99999999999999999999,Inf\n');
    expect(types(p, { header: true })).toEqual([
      ['a', 'float64'],
      ['b', 'utf8'],
      ['c', 'int64'],
      ['d', 'timestamp'],
      ['e', 'utf8'],
      ['f', 'utf8'], // beyond 2^53: kept exact as a string
      ['g', 'float64'],
    ]);
  });

  it('ignores nullValue and reads all-null columns as strings', () => {
    const p = file('a,b\nNA,NA\n5,NA\n');
    expect(types(p, { header: true, nullValue: 'NA' })).toEqual([
      ['a', 'int32'],
      ['b', 'utf8'],
    ]);
  });

  it('types every column as string without inferSchema', () => {
    const p = file('a,b\n1,2\n');
    expect(planCsvScan(p, { header: true }).schema.fields.map((f) => f.type)).toEqual(['utf8', 'utf8']);
    expect(rows(p, { header: true })).toEqual([{ a: '1', b: '2' }]);
  });

  it('respects samplingRatio without failing', () => {
    const lines = ['x'];
    for (let i = 0; i < 1000; i++) lines.push(String(i));
    const p = file(lines.join('\n') + '\n');
    expect(types(p, { header: true, samplingRatio: 0.1 })).toEqual([['x', 'int32']]);
  });

  it('uses custom date and timestamp formats', () => {
    const p = file('d,t\n31/12/2020,2020/01/02 03:04\n01/01/2021,2021/02/03 04:05\n');
    const o: CsvReadOptions = { header: true, inferSchema: true, dateFormat: 'dd/MM/yyyy', timestampFormat: 'yyyy/MM/dd HH:mm' };
    expect(types(p, o)).toEqual([
      ['d', 'date32'],
      ['t', 'timestamp'],
    ]);
    expect(rows(p, o)[0]).toEqual({ d: d('2020-12-31'), t: d('2020-01-02T03:04:00Z') });
  });
});

describe('header', () => {
  it('names columns _c0.. without a header', () => {
    const p = file('1,a\n2,b\n');
    expect(rows(p, { inferSchema: true })).toEqual([
      { _c0: 1, _c1: 'a' },
      { _c0: 2, _c1: 'b' },
    ]);
  });

  it('makes duplicate and empty header names safe like Spark', () => {
    const p = file('a,b,A,,c\n1,2,3,4,5\n');
    expect(planCsvScan(p, { header: true }).schema.names).toEqual(['a0', 'b', 'A2', '_c3', 'c']);
  });

  it('keeps header names as they are (spaces, quotes)', () => {
    const p = file(' x ,"y,z"\n1,2\n');
    expect(planCsvScan(p, { header: true }).schema.names).toEqual([' x ', 'y,z']);
  });

  it('skips the header of every file', () => {
    const a = file('k,v\n1,a\n', 'multi/a.csv');
    file('k,v\n2,b\n', 'multi/b.csv');
    expect(rows(path.dirname(a), { header: true, inferSchema: true })).toEqual([
      { k: 1, v: 'a' },
      { k: 2, v: 'b' },
    ]);
  });

  it('strips a UTF-8 BOM and handles CRLF', () => {
    const p = file(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('id,name\r\n1,é\r\n2,"x"\r\n')]));
    expect(rows(p, { header: true, inferSchema: true })).toEqual([
      { id: 1, name: 'é' },
      { id: 2, name: 'x' },
    ]);
  });
});

describe('dialect options', () => {
  it('reads sep ";" and tabs', () => {
    expect(rows(file('a;b\n1;x,y\n'), { header: true, sep: ';' })).toEqual([{ a: '1', b: 'x,y' }]);
    expect(rows(file('a\tb\n1\t2\n'), { header: true, sep: '\\t', inferSchema: true })).toEqual([{ a: 1, b: 2 }]);
    expect(rows(file('a\tb\n1\t2\n'), { header: true, delimiter: '\t' })).toEqual([{ a: '1', b: '2' }]);
  });

  it('handles quotes, doubled quotes and backslash escapes', () => {
    const p = file('a,b\n"x,1","say ""hi"""\n"back\\"slash","c:\\\\dir"\n"q\\x",z\n');
    expect(rows(p, { header: true })).toEqual([
      { a: 'x,1', b: 'say "hi"' },
      { a: 'back"slash', b: 'c:\\dir' },
      { a: 'q\\x', b: 'z' },
    ]);
  });

  it('supports a custom quote and escape, and disabling quotes', () => {
    expect(rows(file("a,b\n'x,y','it''s'\n"), { header: true, quote: "'" })).toEqual([{ a: 'x,y', b: "it's" }]);
    expect(rows(file('a\n"x#"y"\n'), { header: true, escape: '#' })).toEqual([{ a: 'x"y' }]);
    expect(rows(file('a,b\n"x,y"\n'), { header: true, quote: '' })).toEqual([{ a: '"x', b: 'y"' }]);
  });

  it('skips comment lines and empty lines', () => {
    const p = file('#comment\na,b\n\n1,2\n# another\n\r\n3,4\n');
    expect(rows(p, { header: true, comment: '#', inferSchema: true })).toEqual([
      { a: 1, b: 2 },
      { a: 3, b: 4 },
    ]);
  });

  it('keeps text after a closing quote and quotes inside unquoted fields', () => {
    expect(rows(file('a,b\nx"y,"ab"cd\n'), { header: true })).toEqual([{ a: 'x"y', b: '"ab"cd' }]);
  });

  it('rejects unsupported encodings and bad option values', () => {
    const p = file('a\n1\n');
    expect(() => planCsvScan(p, { encoding: 'latin1' })).toThrow(/UTF-8 only/);
    expect(() => planCsvScan(p, { encoding: 'UTF8' })).not.toThrow();
    expect(() => planCsvScan(p, { mode: 'FAILFST' as never })).toThrow(/did you mean 'FAILFAST'/);
    expect(() => planCsvScan(p, { quote: 'ab' })).toThrow(IllegalArgumentError);
    expect(() => planCsvScan(p, { sep: '' })).toThrow(/sep/);
    expect(() => planCsvScan(p, { dateFormat: 'yyyy-ww' })).toThrow(/invalid datetime pattern 'yyyy-ww': unsupported letter 'w'/); // Q is supported since the engine is shared with to_date
  });

  it('accepts option names in any case and string values', () => {
    const o = resolveCsvOptions({ HEADER: 'true', inferschema: 'TRUE', maxpartitionbytes: '1000', Mode: 'failfast' } as never);
    expect(o.header).toBe(true);
    expect(o.inferSchema).toBe(true);
    expect(o.maxPartitionBytes).toBe(1000);
    expect(o.mode).toBe('FAILFAST');
    expect(JSON.parse(JSON.stringify(o))).toEqual(o); // plain data
    expect(structuredClone(o)).toEqual(o);
  });
});

describe('nulls', () => {
  it('reads unquoted empty fields as null and a quoted "" as the empty string', () => {
    const p = file('a,b,c\n,"",x\n');
    expect(rows(p, { header: true })).toEqual([{ a: null, b: '', c: 'x' }]);
    // emptyValue set to the nullValue explicitly: "" reads as null (Spark 3's default)
    expect(rows(p, { header: true, emptyValue: '' })).toEqual([{ a: null, b: null, c: 'x' }]);
  });

  it('reads nullValue as null and a quoted empty string as "" when nullValue is set', () => {
    const p = file('a,b,c\nNA,"",\n"NA",x,1\n');
    expect(rows(p, { header: true, nullValue: 'NA' })).toEqual([
      { a: null, b: '', c: null },
      { a: null, b: 'x', c: '1' },
    ]);
  });

  it('reads a quoted empty field as emptyValue', () => {
    const p = file('a\n""\n\n');
    expect(rows(p, { header: true, emptyValue: 'EMPTY' })).toEqual([{ a: 'EMPTY' }]);
  });

  it('reads nullValue as null in typed columns', () => {
    const p = file('a,b,c\nnull,null,null\n1,2.5,2020-01-01\n');
    expect(rows(p, { header: true, nullValue: 'null', inferSchema: true })).toEqual([
      { a: null, b: null, c: null },
      { a: 1, b: 2.5, c: d('2020-01-01') },
    ]);
  });
});

describe('parse modes', () => {
  const content = 'a,b,c\n1,x,2020-01-01\n2,y\n3,z,2020-01-03,extra\nbad,w,2020-01-04\n5,v,2020-13-01\n6,u,2020-01-06\n';
  const schema = 'a INT, b STRING, c DATE';

  it('PERMISSIVE fills missing fields, drops extras and nulls bad values', () => {
    expect(rows(file(content), { header: true, schema })).toEqual([
      { a: 1, b: 'x', c: d('2020-01-01') },
      { a: 2, b: 'y', c: null },
      { a: 3, b: 'z', c: d('2020-01-03') },
      { a: null, b: 'w', c: d('2020-01-04') },
      { a: 5, b: 'v', c: null },
      { a: 6, b: 'u', c: d('2020-01-06') },
    ]);
  });

  it('DROPMALFORMED drops malformed records', () => {
    expect(rows(file(content), { header: true, schema, mode: 'DROPMALFORMED' })).toEqual([
      { a: 1, b: 'x', c: d('2020-01-01') },
      { a: 6, b: 'u', c: d('2020-01-06') },
    ]);
  });

  it('DROPMALFORMED only checks projected values (and the field count)', () => {
    const scan = planCsvScan(file(content), { header: true, schema, mode: 'DROPMALFORMED' });
    expect(readBatches(scan, [1]).flatMap((b) => b.toRows())).toEqual([{ b: 'x' }, { b: 'w' }, { b: 'v' }, { b: 'u' }]);
  });

  it.each(['fast', 'csv-parse'] as const)('FAILFAST names the file, line, column and value (%s)', (engine) => {
    const p = file('a,b\r\n1,x\r\n\r\n"2\n",y\r\n3,z\r\nfour,w\r\n');
    let err: unknown;
    try {
      rows(p, { header: true, schema: 'a INT, b STRING', mode: 'FAILFAST', multiLine: true }, undefined, engine);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataFormatError);
    const e = err as DataFormatError;
    expect(e.file).toBe(p);
    expect(e.message).toContain(p);
    // the quoted "2\n" value is bad too: it is on line 4
    expect(e.line).toBe(4);
    expect(e.message).toMatch(/line 4: value '2\n' of column 'a' is not a valid integer/);
    expect(e.message).toMatch(/PERMISSIVE/);
    expect(e.message).toMatch(/DROPMALFORMED/);
    expect(e.message).toMatch(/declare column 'a' as string/);
  });

  it('FAILFAST reports the line of a value error in a later split', () => {
    const lines = ['n'];
    for (let i = 0; i < 500; i++) lines.push(String(i));
    lines[321] = 'oops';
    const p = file(lines.join('\n') + '\n');
    const scan = planCsvScan(p, { header: true, schema: 'n INT', mode: 'FAILFAST', maxPartitionBytes: 100 });
    expect(scan.splits.length).toBeGreaterThan(5);
    expect(() => readBatches(scan)).toThrow(/line 322: value 'oops' of column 'n'/);
  });

  it('FAILFAST reports wrong field counts', () => {
    const p = file('a,b\n1,2\n3\n');
    let err: DataFormatError | undefined;
    try {
      rows(p, { header: true, mode: 'FAILFAST' });
    } catch (e) {
      err = e as DataFormatError;
    }
    expect(err).toBeInstanceOf(DataFormatError);
    expect(err!.line).toBe(3);
    expect(err!.message).toContain('only 1 field but the schema has 2 columns (a, b)');
  });

  it('PERMISSIVE nulls out-of-range integers', () => {
    const p = file('a,b\n2147483648,9007199254740993\n-2147483648,-9007199254740991\n');
    expect(rows(p, { header: true, schema: 'a INT, b BIGINT' })).toEqual([
      { a: null, b: null },
      { a: -2147483648, b: -9007199254740991 },
    ]);
  });
});

describe('explicit schema', () => {
  it('reads with a Schema and skips the header', () => {
    const schema = new Schema([
      { name: 'x', type: 'int64', nullable: true },
      { name: 'y', type: 'float64', nullable: true },
      { name: 'z', type: 'boolean', nullable: true },
    ]);
    const scan = planCsvScan(file('a,b,c\n1,2,true\n'), { header: true, schema });
    expect(scan.schema).toBe(schema);
    expect(readBatches(scan).flatMap((b) => b.toRows())).toEqual([{ x: 1, y: 2, z: true }]);
  });

  it('reads with a DDL string', () => {
    const p = file('1,2.5,2020-02-29,2020-02-29 12:00:00.5+01:00,hello,True,123456789012\n');
    expect(rows(p, { schema: 'a INT, b DOUBLE, c DATE, d TIMESTAMP, e STRING, f BOOLEAN, g BIGINT' })).toEqual([
      { a: 1, b: 2.5, c: d('2020-02-29'), d: d('2020-02-29T11:00:00.500Z'), e: 'hello', f: true, g: 123456789012 },
    ]);
  });

  it('parses timestamps with offsets and fractions to microseconds', () => {
    const p = file('t\n2020-01-01T00:00:00.000001Z\n2020-01-01 00:00\n2020-01-01\n1969-12-31T23:59:59.999999-0130\n');
    const scan = planCsvScan(p, { header: true, schema: 't TIMESTAMP' });
    const col = readBatches(scan)[0]!.column(0);
    const base = Date.UTC(2020, 0, 1) * 1000;
    expect(Array.from(col.values!)).toEqual([base + 1, base, base, -1 + 90 * 60 * 1_000_000]);
  });

  it('parseDDLSchema supports Spark forms and explains errors', () => {
    const s = parseDDLSchema('`my col` INT NOT NULL, b: string, c DECIMAL(10,2), d timestamp COMMENT \'x\', e smallint');
    expect(s.fields).toEqual([
      { name: 'my col', type: 'int32', nullable: false },
      { name: 'b', type: 'utf8', nullable: true },
      { name: 'c', type: 'decimal(10,2)', nullable: true },
      { name: 'd', type: 'timestamp', nullable: true },
      { name: 'e', type: 'int32', nullable: true },
    ]);
    expect(parseDDLSchema('struct<a:int,b:string>').names).toEqual(['a', 'b']);
    expect(() => parseDDLSchema('a INTT')).toThrow(/unknown type 'INTT' for column 'a'.*did you mean 'int'/);
    expect(() => parseDDLSchema('a INT, b')).toThrow(/column 'b' has no type/);
    expect(() => parseDDLSchema('a INT,, b INT')).toThrow(/empty column definition/);
    expect(() => parseDDLSchema('a INT, A STRING')).toThrow(/appears twice/);
    expect(parseDDLSchema('a ARRAY<INT>, s STRUCT<x: INT, y: MAP<STRING, DECIMAL(5,2)>>').fields.map((f) => f.type)).toEqual(['list<int32>', 'struct<x:int32,y:map<utf8,decimal(5,2)>>']);
  });
});

describe('projection', () => {
  const p = () => file('a,b,c\n1,x,true\n2,y,false\n');

  it('yields only the projected columns in the requested order', () => {
    const scan = planCsvScan(p(), { header: true, inferSchema: true });
    const batches = readBatches(scan, [2, 0]);
    expect(batches[0]!.schema.names).toEqual(['c', 'a']);
    expect(batches.flatMap((b) => b.toRows())).toEqual([
      { c: true, a: 1 },
      { c: false, a: 2 },
    ]);
  });

  it('counts rows with an empty projection', () => {
    const scan = planCsvScan(p(), { header: true });
    const batches = readBatches(scan, []);
    expect(batches.reduce((n, b) => n + b.numRows, 0)).toBe(2);
    expect(batches[0]!.columns).toHaveLength(0);
  });

  it('does not parse unprojected columns', () => {
    const scan = planCsvScan(file('a,b\n1,notanumber\n'), { header: true, schema: 'a INT, b INT', mode: 'FAILFAST' });
    expect(readBatches(scan, [0]).flatMap((b) => b.toRows())).toEqual([{ a: 1 }]);
  });

  it('rejects bad column indices', () => {
    const scan = planCsvScan(p(), { header: true });
    expect(() => readBatches(scan, [3])).toThrow(/out of range/);
  });
});

/** A CSV text exercising quoting, escapes, empty fields, unicode, CRLF and empty lines. */
function trickyCsv(n: number, seed: number, opts: { escape: 'quote' | 'backslash'; sep?: string; multiLine?: boolean }): string {
  const r = rng(seed);
  const sep = opts.sep ?? ',';
  const words = ['plain', 'with space', 'comma,inside', 'semi;colon', 'ünïcödé', '日本語', 'emoji 😀', 'quote"inside', '', 'tab\there', 'pipe||pipe', 'back\\slash'];
  if (opts.multiLine) words.push('line\nbreak', 'crlf\r\nbreak');
  const enc = (w: string): string => {
    const force = r() < 0.3;
    const emptyUnquoted = r() < 0.5;
    const needs = force || w.includes(sep) || w.includes('"') || w.includes('\n') || w.includes('\r') || w.includes('\\');
    if (!needs && w !== '') return w;
    if (w === '' && emptyUnquoted) return '';
    const inner = opts.escape === 'quote' ? w.replace(/"/g, '""') : w.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
    return '"' + inner + '"';
  };
  const lines = ['id' + sep + 'name' + sep + 'score' + sep + 'flag' + sep + 'day'];
  for (let i = 0; i < n; i++) {
    const score = r() < 0.1 ? '' : ((r() - 0.5) * 1e4).toFixed(Math.floor(r() * 5));
    const flag = r() < 0.1 ? '' : r() < 0.5 ? 'true' : 'False';
    const day = r() < 0.1 ? '' : `20${10 + Math.floor(r() * 20)}-0${1 + Math.floor(r() * 9)}-1${Math.floor(r() * 10)}`;
    lines.push([String(i), enc(words[Math.floor(r() * words.length)]!), score, flag, day].join(sep));
    if (r() < 0.03) lines.push('');
  }
  const eol = () => (r() < 0.5 ? '\r\n' : '\n');
  return lines.map((l) => l + eol()).join('');
}

const toJson = (bs: Batch[]): string => JSON.stringify(bs.flatMap((b) => b.toRows()));

describe('splits', () => {
  it('reads every record exactly once for any split point', () => {
    const text = 'a,b\n1,"x,\ny"\n\n22,"q""r"\r\n333,z\r4,\n55555,"""\n';
    const p = file(text);
    // escape '"' (RFC 4180) so that csv-parse reads the doubled quotes like the fast path
    const scan = planCsvScan(p, { header: true, escape: '"' });
    const size = Buffer.byteLength(text);
    const whole = toJson(readBatches(scan, undefined, undefined, [{ file: p, start: 0, end: size }]));
    expect(JSON.parse(whole)).toHaveLength(6);
    for (let k = 1; k < size; k++) {
      for (const engine of ['fast', 'csv-parse'] as const) {
        const parts = readBatches(scan, undefined, engine, [
          { file: p, start: 0, end: k },
          { file: p, start: k, end: size },
        ]);
        expect(toJson(parts), `split at ${k} (${engine})`).toBe(whole);
      }
    }
  });

  it.each([
    [200, [1, 7, 13, 64]],
    [3000, [97, 1000, 4097, 65536]],
  ])('concatenated split reads equal the unsplit read (%i rows, split sizes %j)', (n, sizes) => {
    const p = file(trickyCsv(n, 7, { escape: 'quote' }));
    const base = planCsvScan(p, { header: true, inferSchema: true, escape: '"' });
    expect(base.splits).toHaveLength(1);
    const whole = toJson(readBatches(base));
    expect(JSON.parse(whole)).toHaveLength(n);
    for (const size of sizes) {
      const scan = planCsvScan(p, { header: true, inferSchema: true, escape: '"', maxPartitionBytes: size });
      expect(scan.schema).toEqual(base.schema);
      expect(scan.splits.length).toBeGreaterThan(1);
      // splits tile the file
      expect(scan.splits[0]!.start).toBe(0);
      for (let i = 1; i < scan.splits.length; i++) expect(scan.splits[i]!.start).toBe(scan.splits[i - 1]!.end);
      expect(toJson(readBatches(scan)), `maxPartitionBytes ${size}`).toBe(whole);
    }
  });

  it('makes at least minPartitions splits of at least 1 MiB', () => {
    const line = 'abcdefghij,0123456789\n';
    const p = file(line.repeat(Math.ceil((3.5 * (1 << 20)) / line.length)));
    expect(planCsvScan(p, {}).splits).toHaveLength(1);
    expect(planCsvScan(p, {}, 3).splits).toHaveLength(3);
    expect(planCsvScan(p, {}, 100).splits).toHaveLength(4); // 1 MiB minimum
    const scan = planCsvScan(p, {}, 3);
    expect(readBatches(scan, []).reduce((n, b) => n + b.numRows, 0)).toBe(Math.ceil((3.5 * (1 << 20)) / line.length));
  });

  it('with more splits than workers, the last splits shrink (down to a quarter) so workers finish together', () => {
    const line = 'abcdefghij,0123456789\n';
    const rows = Math.ceil((12 * (1 << 20)) / line.length);
    const p = file(line.repeat(rows));
    const mib = 1 << 20;
    const sizes = (parts: number) => planCsvScan(p, { maxPartitionBytes: 2 * mib }, parts).splits.map((s) => s.end - s.start);
    // One worker: equal splits.
    expect(new Set(sizes(1).map((n) => Math.round(n / mib))).size).toBe(1);
    // Two workers: full splits (as with one), then shrinking ones of at least 1 MiB.
    const two = sizes(2);
    expect(two.length).toBeGreaterThan(sizes(1).length);
    expect(two[0]).toBe(sizes(1)[0]);
    for (let i = 1; i < two.length; i++) expect(two[i]!).toBeLessThanOrEqual(two[i - 1]! + 1);
    expect(two.at(-2)!).toBeLessThan(0.7 * two[0]!);
    expect(Math.min(...two)).toBeGreaterThanOrEqual(mib / 2);
    const scan = planCsvScan(p, { maxPartitionBytes: 2 * mib }, 2);
    expect(scan.splits[0]!.start).toBe(0);
    for (let i = 1; i < scan.splits.length; i++) expect(scan.splits[i]!.start).toBe(scan.splits[i - 1]!.end);
    expect(scan.splits.at(-1)!.end).toBe(rows * line.length);
    expect(readBatches(scan, []).reduce((n, b) => n + b.numRows, 0)).toBe(rows);
  });

  it('cuts batches at BATCH_SIZE rows', () => {
    const n = BATCH_SIZE + 1234;
    const p = file(Array.from({ length: n }, (_, i) => `${i},s${i}`).join('\n'));
    const batches = readBatches(planCsvScan(p, { inferSchema: true }));
    expect(batches.map((b) => b.numRows)).toEqual([BATCH_SIZE, 1234]);
    const all = concatBatches(batches[0]!.schema, batches);
    expect(all.value(n - 1, 0)).toBe(n - 1);
    expect(all.value(n - 1, 1)).toBe(`s${n - 1}`);
  });

  it('reads a file larger than the read chunk with long records straddling chunks', () => {
    const big = 'x'.repeat(5 << 20);
    const p = file(`a,b\n1,"${big}"\n2,${big}\n3,end`);
    const r = rows(p, { header: true, schema: 'a INT, b STRING' });
    expect(r.map((x) => x.a)).toEqual([1, 2, 3]);
    expect((r[0]!.b as string).length).toBe(big.length);
    expect(r[1]!.b).toBe(big);
  });
});

describe('multiLine', () => {
  it('reads quoted line breaks as values', () => {
    const p = file('id,text\n1,"line one\nline two"\n2,"crlf\r\ninside"\n3,plain\n');
    const o: CsvReadOptions = { header: true, multiLine: true, inferSchema: true };
    expect(planCsvScan(p, { ...o, maxPartitionBytes: 8 }).splits).toHaveLength(1);
    expect(rows(p, o)).toEqual([
      { id: 1, text: 'line one\nline two' },
      { id: 2, text: 'crlf\r\ninside' },
      { id: 3, text: 'plain' },
    ]);
    expect(rows(p, o, undefined, 'csv-parse')).toEqual(rows(p, o));
  });

  it('without multiLine a line break ends the record even inside quotes', () => {
    const p = file('id,text\n1,"open\n2,b\n');
    expect(rows(p, { header: true })).toEqual([
      { id: '1', text: 'open' },
      { id: '2', text: 'b' },
    ]);
    expect(rows(p, { header: true }, undefined, 'csv-parse')).toEqual(rows(p, { header: true }));
  });
});

describe('files', () => {
  it('reads a folder of part files, skipping _SUCCESS', () => {
    file('k\n1\n', 'out1/part-00000.csv');
    file('k\n2\n', 'out1/part-00001.csv');
    file('', 'out1/_SUCCESS');
    file('junk', 'out1/.part-00000.csv.crc');
    expect(rows(path.join(dir, 'out1'), { header: true, inferSchema: true })).toEqual([{ k: 1 }, { k: 2 }]);
  });

  it('reads a glob', () => {
    file('1\n', 'g/x_1.csv');
    file('2\n', 'g/x_2.csv');
    file('3\n', 'g/y_3.csv');
    expect(rows(path.join(dir, 'g/x_*.csv'), { inferSchema: true })).toEqual([{ _c0: 1 }, { _c0: 2 }]);
    expect(rows([path.join(dir, 'g/y_3.csv'), path.join(dir, 'g/x_{1,2}.csv')], { inferSchema: true })).toEqual([{ _c0: 3 }, { _c0: 1 }, { _c0: 2 }]);
  });

  it('reads gzip files as one split', () => {
    const p = file(zlib.gzipSync(Buffer.from('a,b\n1,x\n2,y\n')), 'z.csv.gz');
    const scan = planCsvScan(p, { header: true, inferSchema: true, maxPartitionBytes: 4 });
    expect(scan.splits).toHaveLength(1);
    expect(readBatches(scan).flatMap((b) => b.toRows())).toEqual([
      { a: 1, b: 'x' },
      { a: 2, b: 'y' },
    ]);
  });

  it('reads empty files as no rows', () => {
    const p = file('');
    const scan = planCsvScan(p, { header: true, inferSchema: true });
    expect(scan.schema.length).toBe(0);
    expect(scan.splits).toEqual([]);
    const p2 = file('a,b\n');
    expect(rows(p2, { header: true, inferSchema: true })).toEqual([]);
    expect(planCsvScan(p2, { header: true, inferSchema: true }).schema.names).toEqual(['a', 'b']);
  });

  it('raises FileNotFoundError for a missing file, with a suggestion', () => {
    const p = file('a\n', 'present.csv');
    expect(() => planCsvScan(p.replace('present', 'presnet'), {})).toThrow(FileNotFoundError);
    expect(() => planCsvScan(p.replace('present', 'presnet'), {})).toThrow(/did you mean 'present.csv'/);
  });

  it('raises a KindlingError naming a file that cannot be read', () => {
    const scan = planCsvScan(file('a\n1\n'), {});
    const folder = path.join(dir, 'a-folder.csv');
    fs.mkdirSync(folder, { recursive: true });
    let err: unknown;
    try {
      readBatches(scan, undefined, undefined, [{ file: folder, start: 0, end: 10 }]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KindlingError);
    expect((err as Error).message).toContain(folder);
  });

  it('raises FileNotFoundError when a split file disappeared', () => {
    const p = file('a\n1\n');
    const scan = planCsvScan(p, {});
    fs.unlinkSync(p);
    expect(() => readBatches(scan)).toThrow(FileNotFoundError);
  });
});

describe('writer', () => {
  const schema = new Schema([
    { name: 'i', type: 'int32', nullable: true },
    { name: 'l', type: 'int64', nullable: true },
    { name: 'f', type: 'float64', nullable: true },
    { name: 's', type: 'utf8', nullable: true },
    { name: 'b', type: 'boolean', nullable: true },
    { name: 'd', type: 'date32', nullable: true },
    { name: 't', type: 'timestamp', nullable: true },
  ]);
  const data: Row[] = [
    { i: 1, l: 9007199254740991, f: 1.5, s: 'plain', b: true, d: d('2020-01-02'), t: d('2020-01-02T03:04:05.678Z') },
    { i: -2, l: -5, f: 2, s: 'comma, "quote" and \\ backslash', b: false, d: d('1969-12-31'), t: d('1960-06-01T00:00:00Z') },
    { i: null, l: null, f: null, s: null, b: null, d: null, t: null },
    { i: 0, l: 0, f: -0.001, s: 'new\nline\r\nand ünïcode 😀', b: true, d: d('2400-02-29'), t: d('2100-12-31T23:59:59.999Z') },
    { i: 2147483647, l: 1, f: 1e300, s: 'ends with backslash\\', b: false, d: d('2000-01-01'), t: d('2000-01-01T00:00:00Z') },
  ];
  const batch = batchFromRows(data, schema);

  it('round-trips all types through readCsvSplit', () => {
    for (const o of [{}, { header: true }, { sep: ';', quoteAll: true }, { escape: '"' }, { sep: '|', header: true }] as CsvWriteOptions[]) {
      const p = path.join(dir, `w${counter++}.csv`);
      writeCsvFile(p, schema, [batch.slice(0, 2), batch.slice(2, 5)], o);
      const back = rows(p, { ...o, schema, multiLine: true } as CsvReadOptions);
      expect(back, JSON.stringify(o)).toEqual(data);
    }
  });

  it('writes Spark-style text', () => {
    const p = path.join(dir, `w${counter++}.csv`);
    writeCsvFile(p, schema, [batch.slice(0, 3)], { header: true });
    expect(fs.readFileSync(p, 'utf8')).toBe(
      'i,l,f,s,b,d,t\n' +
        '1,9007199254740991,1.5,plain,true,2020-01-02,2020-01-02T03:04:05.678000Z\n' +
        '-2,-5,2.0,"comma, \\"quote\\" and \\\\ backslash",false,1969-12-31,1960-06-01T00:00:00.000000Z\n' +
        ',,,,,,\n',
    );
  });

  it('writes empty strings as "" and nulls as nullValue', () => {
    const s1 = new Schema([
      { name: 'a', type: 'utf8', nullable: true },
      { name: 'b', type: 'utf8', nullable: true },
    ]);
    const p = path.join(dir, `w${counter++}.csv`);
    writeCsvFile(p, s1, [batchFromRows([{ a: '', b: null }], s1)], { nullValue: 'NULL' });
    expect(fs.readFileSync(p, 'utf8')).toBe('"",NULL\n');
    expect(rows(p, { schema: s1, nullValue: 'NULL' })).toEqual([{ a: '', b: null }]);
    // with the default nullValue too, a quoted empty string reads back as the empty string
    expect(rows(p, { schema: s1 })).toEqual([{ a: '', b: 'NULL' }]);
  });

  it('applies date and timestamp formats', () => {
    const s1 = new Schema([
      { name: 'd', type: 'date32', nullable: true },
      { name: 't', type: 'timestamp', nullable: true },
    ]);
    const p = path.join(dir, `w${counter++}.csv`);
    const o = { dateFormat: 'dd/MM/yyyy', timestampFormat: 'yyyy-MM-dd HH:mm:ss.SSS' };
    writeCsvFile(p, s1, [batchFromRows([{ d: d('2021-03-04'), t: d('2021-03-04T05:06:07.890Z') }], s1)], o);
    expect(fs.readFileSync(p, 'utf8')).toBe('04/03/2021,2021-03-04 05:06:07.890\n');
    expect(rows(p, { ...o, schema: s1 })).toEqual([{ d: d('2021-03-04'), t: d('2021-03-04T05:06:07.890Z') }]);
  });

  it('raises a KindlingError naming an unwritable path', () => {
    expect(() => writeCsvFile(path.join(dir, 'no/such/dir/x.csv'), schema, [batch])).toThrow(/no\/such\/dir\/x.csv/);
  });
});

describe('fast path vs csv-parse', () => {
  it('produce identical batches (RFC doubled quotes, CRLF, unicode, empty fields)', () => {
    const p = file(trickyCsv(5000, 11, { escape: 'quote' }));
    for (const o of [
      { header: true, inferSchema: true, escape: '"' },
      { header: true, escape: '"', nullValue: 'plain' },
      { header: true, schema: 'id INT, name STRING, score DOUBLE, flag BOOLEAN, day DATE', escape: '"', mode: 'DROPMALFORMED' },
    ] as CsvReadOptions[]) {
      const scan = planCsvScan(p, { ...o, maxPartitionBytes: 20000 });
      expect(scan.options.engine).toBe('fast');
      const fast = readBatches(scan, undefined, 'fast');
      const slow = readBatches(scan, undefined, 'csv-parse');
      expect(fast.length).toBeGreaterThan(1);
      expect(toJson(slow)).toBe(toJson(fast));
      // and the same column buffers
      const a = concatBatches(fast[0]!.schema, fast);
      const b = concatBatches(slow[0]!.schema, slow);
      for (let c = 0; c < a.columns.length; c++) {
        expect(b.column(c).bytes ?? b.column(c).values).toEqual(a.column(c).bytes ?? a.column(c).values);
        expect(b.column(c).validity).toEqual(a.column(c).validity);
      }
    }
  });

  it('produce identical batches with backslash escapes and multiLine', () => {
    const p = file(trickyCsv(3000, 12, { escape: 'backslash', multiLine: true }));
    const scan = planCsvScan(p, { header: true, inferSchema: true, multiLine: true });
    expect(scan.schema.fields.map((f) => f.type)).toEqual(['int32', 'utf8', 'float64', 'boolean', 'date32']);
    expect(toJson(readBatches(scan, undefined, 'csv-parse'))).toBe(toJson(readBatches(scan, undefined, 'fast')));
  });

  it('routes a multi-character separator through csv-parse with the same results', () => {
    const text = trickyCsv(2000, 13, { escape: 'quote' });
    const p1 = file(text);
    // The same records with "||" as the separator (fields containing "||" are quoted).
    const p2 = file(trickyCsv(2000, 13, { escape: 'quote', sep: '||' }));
    const o: CsvReadOptions = { header: true, inferSchema: true, escape: '"' };
    const s2 = planCsvScan(p2, { ...o, sep: '||', maxPartitionBytes: 9000 });
    expect(s2.options.engine).toBe('csv-parse');
    expect(s2.splits.length).toBeGreaterThan(1);
    expect(toJson(readBatches(s2))).toBe(toJson(readBatches(planCsvScan(p1, o))));
  });

  it('trims whitespace through csv-parse', () => {
    const p = file('a , b\n 1 ,  x y  \n" 2 ",z\n');
    const o: CsvReadOptions = { header: true, ignoreLeadingWhiteSpace: true, ignoreTrailingWhiteSpace: true };
    expect(planCsvScan(p, o).options.engine).toBe('csv-parse');
    expect(rows(p, o)).toEqual([
      { a: '1', b: 'x y' },
      { a: ' 2 ', b: 'z' },
    ]);
  });

  it('FAILFAST reports the same line on both paths', () => {
    const p = file('a;b\n1;x\n\n2;y\nthree;z\n');
    for (const engine of ['fast', 'csv-parse'] as const) {
      expect(() => rows(p, { header: true, sep: ';', schema: 'a INT, b STRING', mode: 'FAILFAST' }, undefined, engine)).toThrow(/line 5: value 'three'/);
    }
  });
});

describe('number parsing', () => {
  it('parses doubles exactly like Number()', () => {
    const r = rng(5);
    const vals: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const x = (r() - 0.5) * 10 ** Math.floor(r() * 40 - 20);
      vals.push(i % 3 === 0 ? x.toExponential(Math.floor(r() * 17)) : i % 3 === 1 ? x.toFixed(Math.floor(r() * 10)) : String(x));
    }
    vals.push('0.1', '.5', '5.', '-0', '1e22', '1e23', '123456789012345678', '0.000001', '4.9e-324', '1.7976931348623157e308');
    const p = file(vals.join('\n') + '\n');
    const got = rows(p, { schema: 'x DOUBLE' }).map((x) => x.x);
    expect(got).toEqual(vals.map((v) => Number(v)));
  });

  it('accepts Spark double spellings', () => {
    const p = file('NaN\nInf\n-Inf\nInfinity\n1.5d\n 2 \nabc\n');
    const got = rows(p, { schema: 'x DOUBLE' }).map((x) => x.x);
    expect(got).toEqual([NaN, Infinity, -Infinity, Infinity, 1.5, 2, null]);
  });
});

describe('random input', () => {
  /** Random text over an alphabet rich in separators, quotes, escapes and line breaks. */
  function garbage(r: () => number, alphabet: string[], max: number): string {
    let t = '';
    const len = Math.floor(r() * max);
    for (let i = 0; i < len; i++) t += alphabet[Math.floor(r() * alphabet.length)];
    return t;
  }

  it('split reads tile the unsplit read on arbitrary bytes', () => {
    const r = rng(99);
    const alphabet = ['a', 'b', ',', '"', '\\', '\r', '\n', ' ', 'é', '1', '#'];
    const p = path.join(dir, 'garbage-split.csv');
    for (let iter = 0; iter < 400; iter++) {
      const text = garbage(r, alphabet, 60);
      fs.writeFileSync(p, text);
      const size = Buffer.byteLength(text);
      for (const o of [{}, { header: true, escape: '"' }, { comment: '#' }] as CsvReadOptions[]) {
        const scan = planCsvScan(p, o);
        if (scan.schema.length === 0 || size < 2) continue;
        const whole = toJson(readBatches(scan, undefined, undefined, [{ file: p, start: 0, end: size }]));
        const k = 1 + Math.floor(r() * (size - 1));
        const parts = readBatches(scan, undefined, undefined, [
          { file: p, start: 0, end: k },
          { file: p, start: k, end: size },
        ]);
        expect(toJson(parts), `${JSON.stringify(text)} ${JSON.stringify(o)} split at ${k}`).toBe(whole);
      }
    }
  });

  it('the fast path and csv-parse agree on arbitrary bytes (RFC quoting)', () => {
    const r = rng(123);
    const alphabet = ['a', 'b', ',', '"', '\r', '\n', ' ', 'é', '1'];
    const p = path.join(dir, 'garbage-engines.csv');
    for (let iter = 0; iter < 400; iter++) {
      const text = garbage(r, alphabet, 40);
      fs.writeFileSync(p, text);
      for (const o of [{ escape: '"' }, { escape: '"', multiLine: true }, { escape: '"', nullValue: 'a' }] as CsvReadOptions[]) {
        const scan = planCsvScan(p, o);
        if (scan.schema.length === 0) continue;
        expect(toJson(readBatches(scan, undefined, 'csv-parse')), `${JSON.stringify(text)} ${JSON.stringify(o)}`).toBe(toJson(readBatches(scan, undefined, 'fast')));
      }
    }
  });
});

describe('shared-memory column buffers (worker threads)', () => {
  it('builds the same batches in SharedArrayBuffers, full and partial batches alike', () => {
    const n = BATCH_SIZE + 1234; // one full batch (views on the builder's buffers), one small (copied)
    const lines = ['i,d,s,b,dt'];
    for (let k = 0; k < n; k++) {
      const s = k % 7 === 0 ? '' : `name-${k}-${'x'.repeat(k % 40)}`; // long strings force the bytes buffer to grow
      lines.push(`${k % 11 === 0 ? '' : k - 5000},${k % 13 === 0 ? '' : k / 8},${s},${k % 2 === 0},2024-01-${String((k % 28) + 1).padStart(2, '0')}`);
    }
    const p = file(lines.join('\n'));
    const scan = planCsvScan(p, { header: true, schema: 'i INT, d DOUBLE, s STRING, b BOOLEAN, dt DATE' });
    const plain = readBatches(scan);
    allocateShared(true);
    let shared: Batch[];
    try {
      shared = readBatches(scan);
    } finally {
      allocateShared(false);
    }
    expect(shared.map((b) => b.numRows)).toEqual([BATCH_SIZE, 1234]);
    expect(toJson(shared)).toBe(toJson(plain));
    for (const b of shared) {
      for (const c of b.columns) {
        for (const buf of [c.values, c.validity, c.offsets, c.bytes]) if (buf) expect(buf.buffer).toBeInstanceOf(SharedArrayBuffer);
      }
    }
    // Back in ordinary memory once switched off.
    const again = readBatches(scan);
    expect(again[0]!.columns[0]!.values!.buffer).toBeInstanceOf(ArrayBuffer);
  });
});

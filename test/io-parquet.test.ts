/**
 * Tests of the Parquet reader/writer (src/io/parquet.ts): type round trips, projection,
 * row-group splits, folders and globs, schema mismatches, corrupt files, and files written by
 * DuckDB.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Batch, batchFromRows, fromValues } from '../src/data/batch.js';
import type { ColumnData } from '../src/data/column.js';
import { DataFormatError, FileNotFoundError, IllegalArgumentError } from '../src/errors.js';
import { type ParquetScan, planParquetScan, readParquetSplit, writeParquetFile } from '../src/io/parquet.js';
import { type DataType, Schema } from '../src/types.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-parquet-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const p = (name: string): string => path.join(dir, name);

function schemaOf(...fields: [string, DataType][]): Schema {
  return new Schema(fields.map(([name, type]) => ({ name, type, nullable: true })));
}

async function readAll(scan: ParquetScan, columns?: number[]): Promise<Batch[]> {
  const out: Batch[] = [];
  for (const s of scan.splits) for await (const b of readParquetSplit(scan, s, columns)) out.push(b);
  return out;
}

async function readRows(paths: string | string[], columns?: number[]): Promise<Record<string, unknown>[]> {
  const scan = await planParquetScan(paths);
  return (await readAll(scan, columns)).flatMap((b) => b.toRows());
}

/** Raw storage of a column: values (null for nulls) as plain numbers / strings. */
function raw(col: ColumnData): unknown[] {
  const out: unknown[] = [];
  const strs = col.type === 'utf8' ? col.strings() : null;
  for (let i = 0; i < col.length; i++) {
    if (col.isNull(i)) out.push(null);
    else if (strs) out.push(strs[i]);
    else if (col.type === 'boolean') out.push(col.values![i] === 1);
    else out.push(col.values![i]);
  }
  return out;
}

async function expectRejects(p: Promise<unknown>, cls: new (...a: never[]) => Error, ...parts: (string | RegExp)[]): Promise<Error> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  expect(err, 'expected an error').toBeInstanceOf(cls);
  for (const part of parts) expect((err as Error).message).toMatch(part);
  return err as Error;
}

async function drain(it: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of it) {
    /* consume */
  }
}

describe('round trip', () => {
  const schema = schemaOf(
    ['b', 'boolean'],
    ['i', 'int32'],
    ['l', 'int64'],
    ['d', 'float64'],
    ['s', 'utf8'],
    ['dt', 'date32'],
    ['ts', 'timestamp'],
    ['n', 'null'],
  );
  const columns: Record<string, unknown[]> = {
    b: [true, false, null, true, false],
    i: [0, -2147483648, 2147483647, null, 42],
    l: [Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, null, 2 ** 40, -1],
    d: [1.5, -0.25, Infinity, null, 1e-300],
    s: ['héllo', '', '日本語 🌍 ünïcödé', null, 'x'.repeat(1000)],
    dt: [0, -25567, 19000, null, 2932896], // days: 1970-01-01, 1900-01-01, 2022-01-08, null, 9999-12-31
    ts: [0, -2208988800000000, 1700000000123456, null, 1], // micros, with sub-millisecond precision
    n: [null, null, null, null, null],
  };

  it('writes and reads back every type with nulls', async () => {
    const cols = schema.fields.map((f) => fromValues(f.type, columns[f.name]!));
    const batch = new Batch(schema, cols, 5);
    const file = p('types.parquet');
    await writeParquetFile(file, schema, [batch.slice(0, 2), batch.slice(2, 5)]);
    const scan = await planParquetScan(file);
    expect(scan.schema.fields).toEqual(schema.fields);
    expect(scan.splits).toEqual([{ file, rowGroup: 0, numRows: 5 }]);
    const batches = await readAll(scan);
    const total = batches.reduce((n, b) => n + b.numRows, 0);
    expect(total).toBe(5);
    const b = batches[0]!;
    expect(batches).toHaveLength(1);
    schema.fields.forEach((f, k) => {
      expect(b.column(k).type, f.name).toBe(f.type);
      expect(raw(b.column(k)), f.name).toEqual(columns[f.name]);
    });
    // NaN survives too.
    const nanSchema = schemaOf(['x', 'float64']);
    await writeParquetFile(p('nan.parquet'), nanSchema, [new Batch(nanSchema, [fromValues('float64', [NaN, 1])], 2)]);
    expect(Number.isNaN((await readRows(p('nan.parquet')))[0]!.x)).toBe(true);
  });

  it('writes every column as nullable, as Spark does', async () => {
    const s = new Schema([{ name: 'a', type: 'int32', nullable: false }]);
    await writeParquetFile(p('nonnull.parquet'), s, [batchFromRows([{ a: 1 }], s)]);
    const scan = await planParquetScan(p('nonnull.parquet'));
    expect(scan.schema.fields).toEqual([{ name: 'a', type: 'int32', nullable: true }]);
  });

  it('accepts async iterables and many small batches, and honours the compression option', async () => {
    const s = schemaOf(['k', 'int64'], ['v', 'utf8']);
    async function* gen(): AsyncGenerator<Batch> {
      for (let j = 0; j < 50; j++) {
        const rows = Array.from({ length: 2000 }, (_, r) => ({ k: j * 2000 + r, v: `v${(j * 2000 + r) % 97}` }));
        yield batchFromRows(rows, s);
      }
    }
    for (const compression of ['snappy', 'zstd', 'gzip', 'lz4', 'uncompressed'] as const) {
      const file = p(`big-${compression}.parquet`);
      await writeParquetFile(file, s, gen(), { compression, rowGroupSize: 30_000 });
      const scan = await planParquetScan(file);
      expect(scan.splits.map((x) => x.numRows)).toEqual([30_000, 30_000, 30_000, 10_000]);
      const batches = await readAll(scan, [0]);
      let expected = 0;
      let wrong = 0;
      for (const b of batches) {
        const v = b.column(0).values!;
        for (let r = 0; r < b.numRows; r++) if (v[r] !== expected++) wrong++;
      }
      expect(expected).toBe(100_000);
      expect(wrong).toBe(0);
    }
    await expectRejects(writeParquetFile(p('bad.parquet'), s, [], { compression: 'lzo' as never }), IllegalArgumentError, 'lzo', 'snappy');
    await expectRejects(writeParquetFile(p('bad.parquet'), s, [], { rowGroupSize: 0 }), IllegalArgumentError, 'rowGroupSize');
  });

  it('writes a schema-only file for zero rows', async () => {
    const s = schemaOf(['a', 'int32'], ['b', 'utf8']);
    const file = p('empty.parquet');
    await writeParquetFile(file, s, [Batch.empty(s)]);
    const scan = await planParquetScan(file);
    expect(scan.schema.fields).toEqual(s.fields);
    expect(scan.splits).toEqual([]);
  });

  it('removes the partial file and rethrows when the input fails', async () => {
    const s = schemaOf(['a', 'int32']);
    const boom = new Error('upstream failed');
    async function* gen(): AsyncGenerator<Batch> {
      yield batchFromRows(Array.from({ length: 70_000 }, (_, a) => ({ a })), s);
      throw boom;
    }
    const file = p('failing.parquet');
    let err: unknown;
    try {
      await writeParquetFile(file, s, gen());
    } catch (e) {
      err = e;
    }
    expect(err).toBe(boom);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('rejects duplicate column names and batches that do not match the schema', async () => {
    const dup = schemaOf(['a', 'int32'], ['A', 'int32']);
    await expectRejects(writeParquetFile(p('dup.parquet'), dup, []), IllegalArgumentError, /duplicate column name/);
    const s = schemaOf(['a', 'int32']);
    const other = batchFromRows([{ a: 'x' }], schemaOf(['a', 'utf8']));
    await expectRejects(writeParquetFile(p('mismatch.parquet'), s, [other]), IllegalArgumentError, "column 'a'", 'utf8', 'int32');
    expect(fs.existsSync(p('mismatch.parquet'))).toBe(false);
  });
});

describe('projection and row groups', () => {
  const schema = schemaOf(['id', 'int32'], ['name', 'utf8'], ['score', 'float64'], ['flag', 'boolean']);
  const rows = Array.from({ length: 10 }, (_, id) => ({ id, name: `n${id}`, score: id / 4, flag: id % 2 === 0 ? null : id % 3 === 0 }));
  let file: string;
  beforeAll(async () => {
    file = p('groups.parquet');
    await writeParquetFile(file, schema, [batchFromRows(rows, schema)], { rowGroupSize: 3 });
  });

  it('plans one split per row group and reads each split', async () => {
    const scan = await planParquetScan(file);
    expect(scan.splits).toEqual([
      { file, rowGroup: 0, numRows: 3 },
      { file, rowGroup: 1, numRows: 3 },
      { file, rowGroup: 2, numRows: 3 },
      { file, rowGroup: 3, numRows: 1 },
    ]);
    // Splits are plain data: they survive structured cloning (worker threads).
    const cloned = structuredClone(scan.splits);
    for (const [k, split] of cloned.entries()) {
      const got: Record<string, unknown>[] = [];
      for await (const b of readParquetSplit(scan, split)) got.push(...b.toRows());
      expect(got).toEqual(rows.slice(k * 3, k * 3 + 3));
    }
  });

  it('returns only the projected columns, in the requested order', async () => {
    const scan = await planParquetScan(file);
    const batches = await readAll(scan, [2, 0]);
    for (const b of batches) {
      expect(b.schema.names).toEqual(['score', 'id']);
      expect(b.columns).toHaveLength(2);
      expect(b.column(0).type).toBe('float64');
      expect(b.column(1).type).toBe('int32');
    }
    expect(batches.flatMap((b) => b.toRows())).toEqual(rows.map((r) => ({ score: r.score, id: r.id })));
    // No column: only row counts (e.g. count()).
    const counts = await readAll(scan, []);
    expect(counts.map((b) => [b.numRows, b.columns.length])).toEqual([[3, 0], [3, 0], [3, 0], [1, 0]]);
    // The same column twice.
    const twice = await readAll(scan, [1, 1]);
    expect(twice[0]!.toRows()[0]).toEqual({ name: 'n0' });
    expect(twice[0]!.schema.names).toEqual(['name', 'name']);
  });

  it('does not read or decode the column chunks that are not projected', async () => {
    // Make every value of column 'b' invalid UTF-8 in the file: reading 'b' fails, reading only 'a' works.
    const s = schemaOf(['a', 'int32'], ['b', 'utf8']);
    const f = p('poisoned.parquet');
    await writeParquetFile(f, s, [batchFromRows(Array.from({ length: 100 }, (_, a) => ({ a, b: `MARKERMARKER${a}` })), s)], { compression: 'uncompressed' });
    const buf = fs.readFileSync(f);
    for (let i = buf.indexOf('MARKERMARKER'); i >= 0; i = buf.indexOf('MARKERMARKER', i + 1)) buf.fill(0xff, i, i + 12);
    fs.writeFileSync(f, buf);
    const scan = await planParquetScan(f);
    const only = await readAll(scan, [0]);
    expect(only.flatMap((b) => b.toRows())).toEqual(Array.from({ length: 100 }, (_, a) => ({ a })));
    await expectRejects(readAll(scan, [1]), DataFormatError, f, /UTF-8/);
  });

  it('rejects an out-of-range row group or column index cleanly', async () => {
    const scan = await planParquetScan(file);
    await expectRejects(drain(readParquetSplit(scan, { file, rowGroup: 4, numRows: 1 })), DataFormatError, file, /4 row group/, /row group 4 does not exist/);
    await expectRejects(drain(readParquetSplit(scan, { file, rowGroup: 99, numRows: 1 })), DataFormatError, /row group 99/);
    await expectRejects(drain(readParquetSplit(scan, { file, rowGroup: -1, numRows: 1 })), IllegalArgumentError, /row-group index -1/);
    await expectRejects(drain(readParquetSplit(scan, scan.splits[0]!, [0, 4])), IllegalArgumentError, /column index 4 is out of range/, /id, name, score, flag/);
    await expectRejects(drain(readParquetSplit(scan, scan.splits[0]!, [-1])), IllegalArgumentError, /column index -1/);
    // The module is still healthy afterwards.
    expect((await readAll(scan, [0])).reduce((n, b) => n + b.numRows, 0)).toBe(10);
  });

  it('notices a file that changed since planning', async () => {
    const f = p('changing.parquet');
    await writeParquetFile(f, schema, [batchFromRows(rows, schema)]);
    const scan = await planParquetScan(f);
    const other = schemaOf(['id', 'utf8']);
    await writeParquetFile(f, other, [batchFromRows([{ id: 'x' }], other)]);
    await expectRejects(readAll(scan, [0]), DataFormatError, f, /no longer matches/, /'id'/);
  });
});

describe('files, folders and globs', () => {
  const schema = schemaOf(['k', 'int32'], ['v', 'utf8']);
  const part = (from: number, to: number): Batch =>
    batchFromRows(Array.from({ length: to - from }, (_, j) => ({ k: from + j, v: `v${from + j}` })), schema);

  it('reads a folder of parts (skipping _SUCCESS and hidden files) and globs', async () => {
    const ds = p('ds');
    fs.mkdirSync(ds);
    await writeParquetFile(path.join(ds, 'part-00000-x-c000.snappy.parquet'), schema, [part(0, 5)]);
    await writeParquetFile(path.join(ds, 'part-00001-x-c000.snappy.parquet'), schema, [part(5, 12)], { rowGroupSize: 4 });
    fs.writeFileSync(path.join(ds, '_SUCCESS'), '');
    fs.writeFileSync(path.join(ds, '.part-00000-x-c000.snappy.parquet.crc'), 'junk');
    const scan = await planParquetScan(ds);
    expect(scan.splits.map((s) => [path.basename(s.file), s.rowGroup, s.numRows])).toEqual([
      ['part-00000-x-c000.snappy.parquet', 0, 5],
      ['part-00001-x-c000.snappy.parquet', 0, 4],
      ['part-00001-x-c000.snappy.parquet', 1, 3],
    ]);
    const expected = part(0, 12).toRows();
    expect((await readAll(scan)).flatMap((b) => b.toRows())).toEqual(expected);
    expect(await readRows(path.join(ds, 'part-*.parquet'))).toEqual(expected);
    expect(await readRows(path.join(ds, 'part-0000[1]-*'))).toEqual(expected.slice(5));
    expect(await readRows([path.join(ds, 'part-00001-x-c000.snappy.parquet'), path.join(ds, 'part-00000-x-c000.snappy.parquet')])).toEqual([
      ...expected.slice(5),
      ...expected.slice(0, 5),
    ]);
  });

  it('reads a dataset folder with no part files as empty', async () => {
    const ds = p('ds-empty');
    fs.mkdirSync(ds);
    fs.writeFileSync(path.join(ds, '_SUCCESS'), '');
    const scan = await planParquetScan(ds);
    expect(scan.splits).toEqual([]);
    expect(scan.schema.length).toBe(0);
  });

  it('throws FileNotFoundError for a missing path', async () => {
    await expectRejects(planParquetScan(p('nope.parquet')), FileNotFoundError, 'nope.parquet');
    await expectRejects(planParquetScan(p('nope/*.parquet')), FileNotFoundError);
    await expectRejects(drain(readParquetSplit({ schema }, { file: p('gone.parquet'), rowGroup: 0, numRows: 1 })), FileNotFoundError, 'gone.parquet');
  });

  it('rejects files with different schemas, naming both files and the column', async () => {
    const a = p('schema-a.parquet');
    const b = p('schema-b.parquet');
    const c = p('schema-c.parquet');
    const d = p('schema-d.parquet');
    await writeParquetFile(a, schema, [part(0, 2)]);
    const wider = schemaOf(['k', 'int64'], ['v', 'utf8']);
    await writeParquetFile(b, wider, [batchFromRows([{ k: 1, v: 'x' }], wider)]);
    const renamed = schemaOf(['k', 'int32'], ['w', 'utf8']);
    await writeParquetFile(c, renamed, [batchFromRows([{ k: 1, w: 'x' }], renamed)]);
    const extra = schemaOf(['k', 'int32'], ['v', 'utf8'], ['z', 'boolean']);
    await writeParquetFile(d, extra, [batchFromRows([{ k: 1, v: 'x', z: true }], extra)]);
    await expectRejects(planParquetScan([a, b]), DataFormatError, a, b, "column 'k' is int32", 'int64');
    await expectRejects(planParquetScan([a, c]), DataFormatError, a, c, "'v' utf8", "'w' utf8");
    await expectRejects(planParquetScan([a, d]), DataFormatError, d, "'z' boolean is only in");
  });
});

describe('corrupt files', () => {
  const schema = schemaOf(['k', 'int32'], ['v', 'utf8']);
  let good: Buffer;
  beforeAll(async () => {
    await writeParquetFile(p('good.parquet'), schema, [batchFromRows(Array.from({ length: 50 }, (_, k) => ({ k, v: `value ${k}` })), schema)]);
    good = fs.readFileSync(p('good.parquet'));
  });

  it('reports random bytes, truncation and an empty file as DataFormatError naming the file', async () => {
    let seed = 12345;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const cases: [string, Buffer][] = [
      ['random.parquet', Buffer.from(Array.from({ length: 4096 }, () => Math.floor(rnd() * 256)))],
      ['truncated.parquet', good.subarray(0, good.length - 30)],
      ['truncated-half.parquet', good.subarray(0, good.length >> 1)],
      ['no-footer.parquet', Buffer.concat([good.subarray(0, good.length - 8), Buffer.from('XXXXXXXX')])],
      ['zero.parquet', Buffer.alloc(0)],
      ['text.parquet', Buffer.from('a,b\n1,2\n')],
    ];
    for (const [name, bytes] of cases) {
      fs.writeFileSync(p(name), bytes);
      await expectRejects(planParquetScan(p(name)), DataFormatError, 'not a Parquet file or corrupt', p(name));
    }
    // One bad file among good ones still names the bad one.
    await expectRejects(planParquetScan([p('good.parquet'), p('random.parquet')]), DataFormatError, p('random.parquet'));
  });

  it('reports corrupt data pages as DataFormatError instead of crashing the process', async () => {
    const bad = Buffer.from(good);
    for (let i = 4; i < 80; i++) bad[i] ^= 0x5a; // first data pages; the footer stays valid
    const f = p('bad-pages.parquet');
    fs.writeFileSync(f, bad);
    const scan = await planParquetScan(f);
    expect(scan.splits).toHaveLength(1);
    await expectRejects(readAll(scan), DataFormatError, 'not a Parquet file or corrupt', f, 'row group 0');
    // Several corrupt reads in a row, interleaved with good ones, all behave.
    const goodScan = await planParquetScan(p('good.parquet'));
    for (let k = 0; k < 3; k++) {
      await expectRejects(readAll(scan), DataFormatError, f);
      expect((await readAll(goodScan)).reduce((n, b) => n + b.numRows, 0)).toBe(50);
    }
    // Concurrent reads: only the corrupt one fails.
    const results = await Promise.allSettled([readAll(goodScan), readAll(scan), readAll(goodScan)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('reports a folder passed as a split file clearly', async () => {
    await expectRejects(drain(readParquetSplit({ schema }, { file: dir, rowGroup: 0, numRows: 1 })), DataFormatError, 'is a folder');
  });
});

describe('files written by DuckDB', () => {
  it('reads int64, dates, timestamps, strings, decimals and nulls', async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const file = p('duck.parquet');
    try {
      await conn.run(`COPY (
        SELECT * FROM (VALUES
          (1, 4398046511104::BIGINT, 'héllo 🌍', DATE '2024-02-29', TIMESTAMP '2024-02-29 12:34:56.789012', true, 1.25::DOUBLE, 12.34::DECIMAL(10,2)),
          (2, -9007199254740991::BIGINT, NULL, DATE '1969-07-20', TIMESTAMP '1969-07-20 20:17:40', false, NULL, -0.5::DECIMAL(10,2)),
          (3, NULL, '', NULL, NULL, NULL, -3.5::DOUBLE, NULL)
        ) t(i, big, s, d, ts, flag, x, dec)
      ) TO '${file}' (FORMAT PARQUET)`);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
    const scan = await planParquetScan(file);
    expect(scan.schema.fields.map((f) => [f.name, f.type])).toEqual([
      ['i', 'int32'],
      ['big', 'int64'],
      ['s', 'utf8'],
      ['d', 'date32'],
      ['ts', 'timestamp'],
      ['flag', 'boolean'],
      ['x', 'float64'],
      ['dec', 'decimal(10,2)'],
    ]);
    const batches = await readAll(scan);
    const b = batches[0]!;
    expect(raw(b.column(1))).toEqual([4398046511104, -9007199254740991, null]);
    expect(raw(b.column(3))).toEqual([19782, -165, null]); // days since the epoch
    expect(raw(b.column(4))).toEqual([1709210096789012, -14182940000000, null]); // micros
    expect(b.toRows()).toEqual([
      { i: 1, big: 4398046511104, s: 'héllo 🌍', d: new Date('2024-02-29T00:00:00Z'), ts: new Date('2024-02-29T12:34:56.789Z'), flag: true, x: 1.25, dec: '12.34' },
      { i: 2, big: -9007199254740991, s: null, d: new Date('1969-07-20T00:00:00Z'), ts: new Date('1969-07-20T20:17:40Z'), flag: false, x: null, dec: '-0.50' },
      { i: 3, big: null, s: '', d: null, ts: null, flag: null, x: -3.5, dec: null },
    ]);
    // Projection on a foreign file.
    expect((await readAll(scan, [4, 2]))[0]!.toRows()[0]).toEqual({ ts: new Date('2024-02-29T12:34:56.789Z'), s: 'héllo 🌍' });
  });
});

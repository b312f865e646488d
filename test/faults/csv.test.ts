/**
 * Fault corpus, CSV category: folders whose files list the columns in different orders, reader
 * and writer options of the wrong type or name, column types CSV cannot hold, and empty strings
 * versus nulls — plus a property-based round trip (fast-check): any DataFrame of strings (with
 * quotes, separators, line breaks, unicode, "" and null), integers, doubles and booleans written
 * as CSV reads back equal. Each case asserts the error class and that the message names the
 * file, option or column, or asserts the correct result.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataFormatError, IllegalArgumentError, KindlingError, functions as F } from '../../src/index.js';
import { ioFaultSetup } from './io-harness.js';

const env = ioFaultSetup('kindling-faults-csv-');
let counter = 0;

/** A fresh folder holding `files` (name → content). */
function folder(files: Record<string, string>): string {
  const d = path.join(env.dir, `in${counter++}`);
  fs.mkdirSync(d);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(d, name), text);
  return d;
}

/** The error `fn` throws (or rejects with); fails the test when there is none. */
async function errorOf(fn: () => unknown): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(KindlingError);
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('CSV files with different header orders', () => {
  const files = { 'p1.csv': 'a,b\n1,x\n2,y\n', 'p2.csv': 'b,A\nz,3\n' };

  it('reads each file by its header names (inferred schema)', async () => {
    const df = env.spark.read.csv(folder(files), { header: true, inferSchema: true });
    expect(df.schema.fields.map((f) => [f.name, f.type])).toEqual([['a', 'int32'], ['b', 'utf8']]);
    expect(await df.orderBy('a').collect()).toEqual([{ a: 1, b: 'x' }, { a: 2, b: 'y' }, { a: 3, b: 'z' }]);
    // a projection reads the right field of each file
    expect(await df.select('b').orderBy('b').collect()).toEqual([{ b: 'x' }, { b: 'y' }, { b: 'z' }]);
  });

  it('reads each file by its header names (given schema, option() strings)', async () => {
    const df = env.spark.read.option('header', 'true').schema('a INT, b STRING').csv(folder(files));
    expect(await df.orderBy('a').collect()).toEqual([{ a: 1, b: 'x' }, { a: 2, b: 'y' }, { a: 3, b: 'z' }]);
  });

  it('applies a schema with other names by position (enforceSchema, Spark)', async () => {
    const df = env.spark.read.csv(folder({ 'p.csv': 'x,y\n1,2\n' }), { header: true, schema: 'a INT, b INT' });
    expect(await df.collect()).toEqual([{ a: 1, b: 2 }]);
  });

  it('enforceSchema=false fails naming the file and both column lists', async () => {
    const d = folder(files);
    const e = await errorOf(() => env.spark.read.csv(d, { header: true, schema: 'a INT, b STRING', enforceSchema: false }));
    expect(e).toBeInstanceOf(DataFormatError);
    expect(e.message).toContain(path.join(d, 'p2.csv'));
    expect(e.message).toContain('Header: b, A');
    expect(e.message).toContain('Schema: a, b');
    const renamed = folder({ 'p.csv': 'x,y\n1,2\n' });
    const e2 = await errorOf(() => env.spark.read.csv(renamed, { header: true, schema: 'a INT, b INT', enforceSchema: 'false' as unknown as boolean }));
    expect(e2.message).toMatch(/expected 'a' but found 'x'/);
    // matching headers (any case) pass
    expect(await env.spark.read.csv(folder({ 'p.csv': 'A,b\n1,2\n' }), { header: true, schema: 'a INT, b INT', enforceSchema: false }).collect()).toEqual([{ a: 1, b: 2 }]);
  });
});

describe('reader and writer options', () => {
  const d = () => folder({ 'p.csv': 'a,b\n1,2\n' });

  it('refuses non-boolean flags with Spark\'s wording, naming the option and value', async () => {
    for (const name of ['header', 'inferSchema', 'multiLine', 'enforceSchema']) {
      const e = await errorOf(() => env.spark.read.csv(d(), { [name]: 'yes' }));
      expect(e).toBeInstanceOf(IllegalArgumentError);
      expect(e.message).toContain(`${name} flag can be true or false`);
      expect(e.message).toContain('"yes"');
    }
    const e = await errorOf(() => env.spark.read.format('csv').option('inferSchema', 1).load(d()));
    expect(e.message).toContain('inferSchema flag can be true or false, got 1');
  });

  it('refuses unknown reader option names with "did you mean"', async () => {
    const e = await errorOf(() => env.spark.read.csv(d(), { headr: true } as never));
    expect(e).toBeInstanceOf(IllegalArgumentError);
    expect(e.message).toMatch(/unknown CSV read option 'headr' \(did you mean 'header'\?\)/);
    const e2 = await errorOf(() => env.spark.read.option('inferschema', true).option('sepp', ';').csv(d()));
    expect(e2.message).toContain("'sepp' (did you mean 'sep'?)");
    const parquetDir = folder({});
    const e3 = await errorOf(() => env.spark.read.option('mergeSchema', 'true').parquet(parquetDir));
    expect(e3.message).toContain("unknown Parquet read option 'mergeSchema'");
  });

  it('refuses bad writer options before writing anything', async () => {
    const df = env.spark.createDataFrame([{ a: 1 }]);
    const out = path.join(env.dir, `out${counter++}`);
    const e = await errorOf(() => df.write.option('header', 'yes').csv(out));
    expect(e.message).toContain('header flag can be true or false, got "yes"');
    const e2 = await errorOf(() => df.write.option('quoteAl', true).csv(out));
    expect(e2.message).toContain("unknown CSV write option 'quoteAl' (did you mean 'quoteAll'");
    const e3 = await errorOf(() => df.write.option('compresion', 'zstd').parquet(out));
    expect(e3.message).toContain("unknown Parquet write option 'compresion' (did you mean 'compression'?)");
    expect(fs.existsSync(out)).toBe(false);
    // option() strings are accepted: 'false' is false
    await df.write.option('header', 'false').csv(out);
    expect(await env.spark.read.csv(out).collect()).toEqual([{ _c0: '1' }]);
  });
});

describe('unsupported CSV column types', () => {
  it('refuses an array column before writing, naming the column and type', async () => {
    const df = env.spark.createDataFrame([{ id: 1, s: '1,2' }]).select('id', F.split(F.col('s'), ',').cast('array<int>').alias('xs'));
    const out = path.join(env.dir, `out${counter++}`);
    const e = await errorOf(() => df.write.csv(out));
    expect(e).toBeInstanceOf(IllegalArgumentError);
    expect(e.message).toContain('CSV data source does not support array<int> data type.');
    expect(e.message).toContain("column 'xs'");
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('empty string versus null', () => {
  it('writes "" quoted and null as nothing, and reads them back apart', async () => {
    const df = env.spark.createDataFrame([{ id: 1, s: '' }, { id: 2, s: null }, { id: 3, s: 'x' }], 'id INT, s STRING');
    const out = path.join(env.dir, `out${counter++}`);
    await df.write.csv(out);
    const text = fs.readdirSync(out).filter((n) => n.endsWith('.csv')).map((n) => fs.readFileSync(path.join(out, n), 'utf8')).join('');
    expect(text.split('\n').sort()).toEqual(['', '1,""', '2,', '3,x']);
    const back = await env.spark.read.csv(out, { schema: 'id INT, s STRING' }).orderBy('id').collect();
    expect(back).toEqual([{ id: 1, s: '' }, { id: 2, s: null }, { id: 3, s: 'x' }]);
  });

  it('reads a quoted empty field of a non-string column as null', async () => {
    const p = folder({ 'p.csv': 'a,b\n"",""\n' });
    expect(await env.spark.read.csv(p, { header: true, schema: 'a INT, b STRING', mode: 'FAILFAST' }).collect()).toEqual([{ a: null, b: '' }]);
  });

  it('emptyValue: what a quoted "" reads as, and what an empty string is written as', async () => {
    const p = folder({ 'p.csv': 's\n""\n\n' });
    expect(await env.spark.read.csv(p, { header: true, emptyValue: 'EMPTY' }).collect()).toEqual([{ s: 'EMPTY' }]);
    expect(await env.spark.read.csv(p, { header: true, emptyValue: '' }).collect()).toEqual([{ s: null }]);
    const out = path.join(env.dir, `out${counter++}`);
    await env.spark.createDataFrame([{ s: '' }]).write.option('emptyValue', 'EMPTY').csv(out);
    expect(await env.spark.read.csv(out).collect()).toEqual([{ _c0: 'EMPTY' }]);
  });
});

describe('CSV round trip (property-based)', () => {
  // Strings rich in what CSV must quote or escape: separators, quotes, backslashes, line breaks, unicode, "".
  const tricky = fc.oneof(
    fc.string({ unit: fc.constantFrom(',', '"', '\\', '\n', '\r\n', ';', ' ', 'a', 'é', '😀', "'", '\t'), maxLength: 8 }),
    fc.string({ unit: 'grapheme', maxLength: 6 }),
    fc.constant(''),
  );
  const row = fc.record({
    s: fc.option(tricky, { nil: null }),
    t: fc.option(tricky, { nil: null }),
    i: fc.option(fc.integer({ min: -2147483648, max: 2147483647 }), { nil: null }),
    d: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x)), { nil: null }),
    b: fc.option(fc.boolean(), { nil: null }),
  });

  it('write then read equals the original', async () => {
    const schema = 's STRING, t STRING, i INT, d DOUBLE, b BOOLEAN';
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 20 }), fc.boolean(), async (rows, header) => {
        const out = path.join(env.dir, `rt${counter++}`);
        const withId = rows.map((r, id) => ({ id, ...r }));
        await env.spark.createDataFrame(withId, `id INT, ${schema}`).write.option('header', header).csv(out);
        const back = await env.spark.read.csv(out, { header, schema: `id INT, ${schema}`, multiLine: true, mode: 'FAILFAST' }).orderBy('id').collect();
        expect(back).toEqual(withId);
        fs.rmSync(out, { recursive: true, force: true });
      }),
      { seed: 20261206, numRuns: 60 },
    );
  });
});

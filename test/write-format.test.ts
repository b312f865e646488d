/**
 * Write formats (src/io/write-format.ts): `df.write.format(name)`, `.csv()` and `.parquet()`
 * dispatch through the registry, so a format registered from outside is used by save(), and an
 * unknown name fails before any job runs, listing the registered formats.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IllegalArgumentError, Session } from '../src/index.js';
import { registerWriteFormat, writeFormat, writeFormats } from '../src/io/write-format.js';

let spark: Session;
let dir: string;
beforeAll(async () => {
  spark = await Session.create({ threads: 1 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-formats-'));
});
afterAll(async () => {
  await spark.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('write formats', () => {
  it('csv and parquet are registered, by name', () => {
    expect(writeFormats.names()).toEqual(expect.arrayContaining(['csv', 'parquet']));
    expect(writeFormat('CSV').extension({})).toBe('csv');
    expect(writeFormat('parquet').extension({})).toBe('snappy.parquet');
    expect(writeFormat('parquet').extension({ compression: 'uncompressed' })).toBe('parquet');
    expect(writeFormat('parquet').extension({ compression: 'zstd' })).toBe('zstd.parquet');
  });

  it('save() writes through a format registered from outside, with the writer options', async () => {
    registerWriteFormat<{ sep?: string }>({
      name: 'test-lines',
      extension: () => 'txt',
      writePart: (file, schema, batches, options) => {
        const lines = batches.flatMap((b) => b.toRows().map((r) => schema.names.map((n) => String(r[n])).join(options.sep ?? '|')));
        fs.writeFileSync(file, lines.map((l) => l + '\n').join(''));
      },
    });
    const out = path.join(dir, 'lines');
    await spark.createDataFrame([{ a: 1, b: 'x' }, { a: 2, b: 'y' }]).coalesce(1).write.format('test-lines').option('sep', ';').save(out);
    const parts = fs.readdirSync(out).filter((f) => f.endsWith('.txt'));
    expect(parts).toHaveLength(1);
    expect(parts[0]).toMatch(/^part-00000-.*-c000\.txt$/);
    expect(fs.readFileSync(path.join(out, parts[0]!), 'utf8')).toBe('1;x\n2;y\n');
    expect(fs.existsSync(path.join(out, '_SUCCESS'))).toBe(true);
  });

  it('an unknown format fails before writing anything, naming the registered ones', async () => {
    const out = path.join(dir, 'nope');
    const err = await spark.range(0, 3).write.format('avro').save(out).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IllegalArgumentError);
    // (test-lines was registered by the test above)
    expect((err as Error).message).toBe("unsupported output format 'avro'; use 'csv', 'parquet', 'json' or 'test-lines'");
    expect(fs.existsSync(out)).toBe(false);
  });
});

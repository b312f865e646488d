/**
 * Read formats (src/io/read-format.ts): `spark.read.format(name).load(path)`, `.csv()` and
 * `.parquet()` dispatch through the registry, so a format registered from outside is used by
 * load() with the reader's options and schema, and an unknown name fails listing the formats.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IllegalArgumentError, Session, col } from '../src/index.js';
import { batchFromRows } from '../src/data/batch.js';
import { readFormat, readFormats, registerReadFormat } from '../src/io/read-format.js';
import { MemorySource } from '../src/io/source.js';
import { Schema } from '../src/types.js';

let spark: Session;
let dir: string;
beforeAll(async () => {
  spark = await Session.create({ threads: 1 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-readfmt-'));
});
afterAll(async () => {
  await spark.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('read formats', () => {
  it('csv and parquet are registered, and csv()/load() agree', async () => {
    expect([readFormat('csv').name, readFormat('Parquet').name]).toEqual(['csv', 'parquet']);
    expect(readFormats.names()).toEqual(expect.arrayContaining(['csv', 'parquet']));
    const f = path.join(dir, 'a.csv');
    fs.writeFileSync(f, 'id,v\n1,x\n2,y\n');
    const viaCsv = await spark.read.option('header', 'true').schema('id INT, v STRING').csv(f).collect();
    const viaLoad = await spark.read.format('CSV').option('header', 'true').schema('id INT, v STRING').load(f);
    expect(await viaLoad.collect()).toEqual(viaCsv);
    expect(viaCsv).toEqual([{ id: 1, v: 'x' }, { id: 2, v: 'y' }]);
  });

  it('load() reads through a format registered from outside, with options and schema', async () => {
    registerReadFormat({
      name: 'test-lines',
      open(p, options, schema) {
        const lines = fs.readFileSync(p as string, 'utf8').split('\n').filter(Boolean);
        const name = typeof schema === 'string' ? schema.split(' ')[0]! : 'line';
        const rows = lines.map((l) => ({ [name]: options['upper'] === 'true' ? l.toUpperCase() : l }));
        const s = new Schema([{ name, type: 'utf8', nullable: true }]);
        return new MemorySource(s, [[batchFromRows(rows, s)]], 'lines');
      },
    });
    const f = path.join(dir, 'a.txt');
    fs.writeFileSync(f, 'ab\ncd\n');
    const df = await spark.read.format('test-lines').option('upper', 'true').schema('word STRING').load(f);
    expect(await df.filter(col('word').neq('AB')).collect()).toEqual([{ word: 'CD' }]);
  });

  it('an unknown format names the registered ones', async () => {
    expect(() => readFormat('jsonl')).toThrow(IllegalArgumentError);
    await expect(spark.read.format('jsonl').load('x')).rejects.toThrow(/unsupported input format 'jsonl'; use 'csv', 'parquet', 'json' or 'test-lines'/);
  });
});

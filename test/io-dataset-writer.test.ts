/**
 * Tests of the atomic dataset writer (src/io/dataset-writer.ts): save modes, Spark part naming,
 * _SUCCESS, and that a failing part leaves no trace.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchFromRows } from '../src/data/batch.js';
import { IllegalArgumentError, WriteError } from '../src/errors.js';
import { checkSaveMode, parseSaveMode, writeDataset } from '../src/io/dataset-writer.js';
import { planParquetScan, readParquetSplit, writeParquetFile } from '../src/io/parquet.js';
import { Schema } from '../src/types.js';

let root: string;
let n = 0;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-dsw-'));
});
afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

/** A fresh folder holding one (not yet existing) target `out`. */
function freshTarget(): { parent: string; target: string } {
  const parent = path.join(root, `case-${n++}`);
  fs.mkdirSync(parent);
  return { parent, target: path.join(parent, 'out') };
}

/** Name → content of every file under `dir` (recursive), for "left exactly as before" checks. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(full, r);
      else out[r] = fs.readFileSync(full, 'utf8');
    }
  };
  walk(dir, '');
  return out;
}

const PART_RE = /^part-(\d{5})-([0-9a-f-]{36})-c000\.csv$/;

const writeText = (text: (i: number) => string) => (file: string, i: number) => fs.promises.writeFile(file, text(i));

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('parseSaveMode', () => {
  it('parses modes case-insensitively', () => {
    expect(parseSaveMode('overwrite')).toBe('overwrite');
    expect(parseSaveMode('OverWrite')).toBe('overwrite');
    expect(parseSaveMode('APPEND')).toBe('append');
    expect(parseSaveMode('ignore')).toBe('ignore');
    expect(parseSaveMode('error')).toBe('error');
    expect(parseSaveMode('errorIfExists')).toBe('errorifexists');
    expect(parseSaveMode('default')).toBe('error');
  });
  it('lists the valid modes for an unknown one', () => {
    expect(() => parseSaveMode('replace')).toThrow(IllegalArgumentError);
    expect(() => parseSaveMode('replace')).toThrow(/'replace'.*'error', 'errorifexists', 'overwrite', 'append', 'ignore'/);
  });
});

describe('checkSaveMode', () => {
  it('writes when the target does not exist, whatever the mode', () => {
    const { target } = freshTarget();
    for (const m of ['error', 'errorifexists', 'overwrite', 'append', 'ignore'] as const) expect(checkSaveMode(target, m)).toBe('write');
  });
  it('decides per mode when the target exists', () => {
    const { target } = freshTarget();
    fs.mkdirSync(target);
    expect(checkSaveMode(target, 'ignore')).toBe('skip');
    expect(checkSaveMode(target, 'overwrite')).toBe('write');
    expect(checkSaveMode(target, 'append')).toBe('write');
    for (const m of ['error', 'errorifexists'] as const) {
      let err: unknown;
      try {
        checkSaveMode(target, m);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(WriteError);
      expect((err as Error).message).toContain(target);
      expect((err as Error).message).toContain("mode('overwrite')");
      expect((err as Error).message).toContain("mode('append')");
    }
  });
});

describe('writeDataset', () => {
  it('writes Spark-named parts and _SUCCESS, atomically, leaving no temporary folder', async () => {
    const { parent, target } = freshTarget();
    const parts = await writeDataset(target, 'error', 3, 'csv', writeText((i) => `part ${i}\n`));
    expect(parts).toHaveLength(3);
    const names = fs.readdirSync(target).sort();
    expect(names).toHaveLength(4);
    expect(names[0]).toBe('_SUCCESS');
    expect(fs.readFileSync(path.join(target, '_SUCCESS'), 'utf8')).toBe('');
    const uuids = new Set<string>();
    names.slice(1).forEach((name, i) => {
      const m = PART_RE.exec(name);
      expect(m, name).not.toBeNull();
      expect(Number(m![1])).toBe(i);
      uuids.add(m![2]!);
      expect(parts[i]).toBe(path.join(target, name));
      expect(fs.readFileSync(parts[i]!, 'utf8')).toBe(`part ${i}\n`);
    });
    expect(uuids.size).toBe(1); // one job id
    expect(fs.readdirSync(parent)).toEqual(['out']);
  });

  it('passes temporary paths in a hidden folder next to the target', async () => {
    const { parent, target } = freshTarget();
    const seen: string[] = [];
    await writeDataset(target, 'error', 2, '.snappy.parquet', (file) => {
      seen.push(file);
      expect(fs.existsSync(target)).toBe(false); // nothing published while parts are written
      fs.writeFileSync(file, 'x');
    });
    for (const f of seen) {
      expect(path.dirname(path.dirname(f))).toBe(parent);
      expect(path.basename(path.dirname(f))).toMatch(/^\.kindling-tmp-/);
      expect(path.basename(f)).toMatch(/^part-0000[01]-[0-9a-f-]{36}-c000\.snappy\.parquet$/);
    }
  });

  it("mode 'error' throws WriteError when the target exists and writes nothing", async () => {
    const { parent, target } = freshTarget();
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'keep.csv'), 'old');
    let called = 0;
    for (const m of ['error', 'errorifexists'] as const) {
      const err = await rejection(writeDataset(target, m, 2, 'csv', () => void called++));
      expect(err).toBeInstanceOf(WriteError);
      expect((err as Error).message).toContain(target);
      expect((err as Error).message).toMatch(/mode\('overwrite'\)/);
    }
    expect(called).toBe(0);
    expect(snapshot(target)).toEqual({ 'keep.csv': 'old' });
    expect(fs.readdirSync(parent)).toEqual(['out']);
  });

  it("mode 'overwrite' replaces the old folder (or file)", async () => {
    const { parent, target } = freshTarget();
    await writeDataset(target, 'error', 3, 'csv', writeText(() => 'old'));
    fs.mkdirSync(path.join(target, 'sub'));
    fs.writeFileSync(path.join(target, 'sub', 'x.csv'), 'old');
    const parts = await writeDataset(target, 'overwrite', 2, 'csv', writeText((i) => `new ${i}`));
    const snap = snapshot(target);
    expect(Object.keys(snap).sort()).toEqual([...parts.map((f) => path.basename(f)), '_SUCCESS'].sort());
    expect(parts.map((f) => fs.readFileSync(f, 'utf8'))).toEqual(['new 0', 'new 1']);
    expect(fs.readdirSync(parent)).toEqual(['out']);
    // A plain file at the target is replaced by a folder.
    const { target: fileTarget } = freshTarget();
    fs.writeFileSync(fileTarget, 'a file');
    await writeDataset(fileTarget, 'overwrite', 1, 'csv', writeText(() => 'new'));
    expect(fs.statSync(fileTarget).isDirectory()).toBe(true);
  });

  it("mode 'append' adds parts with unique names and refreshes _SUCCESS", async () => {
    const { parent, target } = freshTarget();
    const first = await writeDataset(target, 'append', 2, 'csv', writeText((i) => `a${i}`));
    fs.rmSync(path.join(target, '_SUCCESS'));
    const second = await writeDataset(target, 'append', 2, 'csv', writeText((i) => `b${i}`));
    const third = await writeDataset(target, 'append', 1, 'csv', writeText(() => 'c0'));
    const snap = snapshot(target);
    expect(Object.keys(snap)).toHaveLength(6);
    expect(snap._SUCCESS).toBe('');
    for (const [f, text] of [
      [first[0], 'a0'],
      [first[1], 'a1'],
      [second[0], 'b0'],
      [second[1], 'b1'],
      [third[0], 'c0'],
    ] as const) {
      expect(fs.readFileSync(f!, 'utf8')).toBe(text);
      expect(path.dirname(f!)).toBe(target);
    }
    // part-00000 exists three times, under different job ids.
    expect(Object.keys(snap).filter((k) => k.startsWith('part-00000-'))).toHaveLength(3);
    expect(fs.readdirSync(parent)).toEqual(['out']);
  });

  it("mode 'append' refuses a target that is a file", async () => {
    const { target } = freshTarget();
    fs.writeFileSync(target, 'file');
    const err = await rejection(writeDataset(target, 'append', 1, 'csv', writeText(() => 'x')));
    expect(err).toBeInstanceOf(WriteError);
    expect(fs.readFileSync(target, 'utf8')).toBe('file');
  });

  it("mode 'ignore' leaves an existing target untouched and writes nothing", async () => {
    const { parent, target } = freshTarget();
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'keep.csv'), 'old');
    let called = 0;
    const parts = await writeDataset(target, 'ignore', 3, 'csv', () => void called++);
    expect(parts).toEqual([]);
    expect(called).toBe(0);
    expect(snapshot(target)).toEqual({ 'keep.csv': 'old' });
    expect(fs.readdirSync(parent)).toEqual(['out']);
    // ...and writes normally when the target does not exist.
    const { target: t2 } = freshTarget();
    expect(await writeDataset(t2, 'ignore', 1, 'csv', writeText(() => 'x'))).toHaveLength(1);
  });

  describe('a part that fails leaves no trace', () => {
    const boom = new Error('part 2 failed');
    const failing = async (file: string, i: number): Promise<void> => {
      await fs.promises.writeFile(file, `new ${i}`);
      if (i === 2) throw boom;
    };

    it('no target folder and no temporary folder for a new target', async () => {
      const { parent, target } = freshTarget();
      expect(await rejection(writeDataset(target, 'error', 5, 'csv', failing, { concurrency: 2 }))).toBe(boom);
      expect(fs.readdirSync(parent)).toEqual([]);
    });

    it('parent folders created for the target are removed again', async () => {
      const { parent } = freshTarget();
      const deep = path.join(parent, 'a', 'b', 'out');
      expect(await rejection(writeDataset(deep, 'overwrite', 3, 'csv', failing))).toBe(boom);
      expect(fs.readdirSync(parent)).toEqual([]);
      // ...but they are created when the job succeeds.
      await writeDataset(deep, 'overwrite', 1, 'csv', writeText(() => 'ok'));
      expect(fs.readdirSync(deep)).toHaveLength(2);
    });

    it("'overwrite' keeps the old content intact", async () => {
      const { parent, target } = freshTarget();
      await writeDataset(target, 'error', 2, 'csv', writeText((i) => `old ${i}`));
      const before = snapshot(target);
      expect(await rejection(writeDataset(target, 'overwrite', 4, 'csv', failing))).toBe(boom);
      expect(snapshot(target)).toEqual(before);
      expect(fs.readdirSync(parent)).toEqual(['out']);
    });

    it("'append' leaves the folder unchanged", async () => {
      const { parent, target } = freshTarget();
      await writeDataset(target, 'error', 2, 'csv', writeText((i) => `old ${i}`));
      const before = snapshot(target);
      expect(await rejection(writeDataset(target, 'append', 4, 'csv', failing))).toBe(boom);
      expect(snapshot(target)).toEqual(before);
      expect(fs.readdirSync(parent)).toEqual(['out']);
    });

    it('a synchronous throw behaves the same, and no part starts after a failure', async () => {
      const { parent, target } = freshTarget();
      const started: number[] = [];
      const err = await rejection(
        writeDataset(target, 'error', 10, 'csv', (_f, i) => {
          started.push(i);
          if (i === 1) throw new TypeError('sync failure');
        }, { concurrency: 1 }),
      );
      expect(err).toBeInstanceOf(TypeError);
      expect(started).toEqual([0, 1]);
      expect(fs.readdirSync(parent)).toEqual([]);
    });
  });

  it('writes parts concurrently up to the concurrency limit', async () => {
    const { target } = freshTarget();
    let running = 0;
    let peak = 0;
    await writeDataset(
      target,
      'error',
      8,
      'csv',
      async (file) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        await fs.promises.writeFile(file, 'x');
        running--;
      },
      { concurrency: 3 },
    );
    expect(peak).toBe(3);
    expect(fs.readdirSync(target)).toHaveLength(9);
  });

  it('handles zero parts and parts that create no file', async () => {
    const { target } = freshTarget();
    expect(await writeDataset(target, 'error', 0, 'csv', () => {})).toEqual([]);
    expect(fs.readdirSync(target)).toEqual(['_SUCCESS']);
    const { target: t2 } = freshTarget();
    const parts = await writeDataset(t2, 'error', 3, 'csv', (file, i) => {
      if (i !== 1) fs.writeFileSync(file, `p${i}`);
    });
    expect(parts.map((f) => path.basename(f).slice(0, 10))).toEqual(['part-00000', 'part-00002']);
    expect(fs.readdirSync(t2)).toHaveLength(3);
  });

  it('rejects bad arguments', async () => {
    const { target } = freshTarget();
    await expect(writeDataset(target, 'error', -1, 'csv', () => {})).rejects.toThrow(IllegalArgumentError);
    await expect(writeDataset(target, 'error', 1.5, 'csv', () => {})).rejects.toThrow(IllegalArgumentError);
    await expect(writeDataset(target, 'sometimes' as never, 1, 'csv', () => {})).rejects.toThrow(IllegalArgumentError);
    expect(fs.existsSync(target)).toBe(false);
  });

  it('writes a Parquet dataset that reads back, in every mode', async () => {
    const { target } = freshTarget();
    const schema = new Schema([
      { name: 'id', type: 'int64', nullable: true },
      { name: 'name', type: 'utf8', nullable: true },
    ]);
    const batch = (from: number, count: number) =>
      batchFromRows(Array.from({ length: count }, (_, k) => ({ id: from + k, name: `n${from + k}` })), schema);
    const readIds = async (): Promise<number[]> => {
      const scan = await planParquetScan(target);
      const ids: number[] = [];
      for (const s of scan.splits) for await (const b of readParquetSplit(scan, s, [0])) ids.push(...(b.column(0).values as Float64Array));
      return ids.sort((a, b) => a - b);
    };
    await writeDataset(target, 'error', 2, 'snappy.parquet', (file, i) => writeParquetFile(file, schema, [batch(i * 10, 10)]));
    expect(await readIds()).toEqual(Array.from({ length: 20 }, (_, k) => k));
    await writeDataset(target, 'append', 1, 'snappy.parquet', (file) => writeParquetFile(file, schema, [batch(100, 3)]));
    expect(await readIds()).toEqual([...Array.from({ length: 20 }, (_, k) => k), 100, 101, 102]);
    await writeDataset(target, 'overwrite', 1, 'snappy.parquet', (file) => writeParquetFile(file, schema, [batch(7, 2)]));
    expect(await readIds()).toEqual([7, 8]);
    await writeDataset(target, 'ignore', 1, 'snappy.parquet', (file) => writeParquetFile(file, schema, [batch(50, 2)]));
    expect(await readIds()).toEqual([7, 8]);
    // An empty job (one empty part, as df.write does) keeps the schema; zero parts reads as empty.
    await writeDataset(target, 'overwrite', 1, 'snappy.parquet', (file) => writeParquetFile(file, schema, []));
    const scan = await planParquetScan(target);
    expect(scan.schema.names).toEqual(['id', 'name']);
    expect(scan.splits).toEqual([]);
    await writeDataset(target, 'overwrite', 0, 'snappy.parquet', () => {});
    expect((await planParquetScan(target)).splits).toEqual([]);
  });
});

/**
 * Tests for input path resolution (src/io/files.ts): files, folders (hidden/underscore files
 * skipped, extension filter, recursion), globs (* ? ** {a,b} [..]) and the errors for missing
 * paths, empty folders and globs without matches.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileNotFoundError } from '../src/errors.js';
import { expandBraces, listInputFiles, segmentRegExp } from '../src/io/files.js';

let dir: string;

function touch(rel: string, content = 'x\n'): string {
  const p = path.join(dir, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
  return p;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-files-'));
  touch('out/part-00001.csv');
  touch('out/part-00000.csv');
  touch('out/_SUCCESS', '');
  touch('out/.part-00000.csv.crc');
  touch('out/notes.txt');
  touch('parts/year=2020/part-0.csv');
  touch('parts/year=2021/part-0.csv');
  touch('parts/_temporary/0/part-9.csv');
  touch('logs/a/x.log');
  touch('logs/b/c/y.log');
  touch('logs/b/z.csv');
  touch('single.csv');
  touch('sales_2020.csv');
  touch('sales_2021.csv');
  touch('sales_2022.json');
  touch('odd[1].csv');
  fs.mkdirSync(path.join(dir, 'empty'));
  touch('hidden_only/_SUCCESS', '');
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const rel = (files: string[]): string[] => files.map((f) => path.relative(dir, f));

describe('listInputFiles', () => {
  it('returns a plain file as is', () => {
    expect(listInputFiles(path.join(dir, 'single.csv'))).toEqual([path.join(dir, 'single.csv')]);
  });

  it('lists a folder sorted, skipping _SUCCESS and dot files', () => {
    expect(rel(listInputFiles(path.join(dir, 'out')))).toEqual(['out/notes.txt', 'out/part-00000.csv', 'out/part-00001.csv']);
  });

  it('filters a folder by extension', () => {
    expect(rel(listInputFiles(path.join(dir, 'out'), { extensions: ['csv'] }))).toEqual(['out/part-00000.csv', 'out/part-00001.csv']);
    expect(rel(listInputFiles(path.join(dir, 'out'), { extensions: ['.CSV'] }))).toHaveLength(2);
  });

  it('recurses into partition folders but skips _temporary', () => {
    expect(rel(listInputFiles(path.join(dir, 'parts')))).toEqual(['parts/year=2020/part-0.csv', 'parts/year=2021/part-0.csv']);
  });

  it('expands * and ? globs', () => {
    expect(rel(listInputFiles(path.join(dir, 'sales_*.csv')))).toEqual(['sales_2020.csv', 'sales_2021.csv']);
    expect(rel(listInputFiles(path.join(dir, 'sales_202?.*')))).toEqual(['sales_2020.csv', 'sales_2021.csv', 'sales_2022.json']);
    expect(rel(listInputFiles(path.join(dir, 'out/*')))).toEqual(['out/notes.txt', 'out/part-00000.csv', 'out/part-00001.csv']);
  });

  it('expands {a,b} and [..] globs', () => {
    expect(rel(listInputFiles(path.join(dir, 'sales_{2020,2022}.*')))).toEqual(['sales_2020.csv', 'sales_2022.json']);
    expect(rel(listInputFiles(path.join(dir, 'sales_202[01].csv')))).toEqual(['sales_2020.csv', 'sales_2021.csv']);
    expect(rel(listInputFiles(path.join(dir, '{single,sales_2021}.csv')))).toEqual(['sales_2021.csv', 'single.csv']);
  });

  it('expands ** across folders', () => {
    expect(rel(listInputFiles(path.join(dir, 'logs/**/*.log')))).toEqual(['logs/a/x.log', 'logs/b/c/y.log']);
    expect(rel(listInputFiles(path.join(dir, 'logs/**')))).toEqual(['logs/a/x.log', 'logs/b/c/y.log', 'logs/b/z.csv']);
  });

  it('lists folders matched by a glob', () => {
    expect(rel(listInputFiles(path.join(dir, 'parts/year=*')))).toEqual(['parts/year=2020/part-0.csv', 'parts/year=2021/part-0.csv']);
  });

  it('takes an existing path with glob characters literally', () => {
    expect(rel(listInputFiles(path.join(dir, 'odd[1].csv')))).toEqual(['odd[1].csv']);
  });

  it('keeps argument order and removes duplicates', () => {
    const files = listInputFiles([path.join(dir, 'single.csv'), path.join(dir, 'sales_*.csv'), path.join(dir, 'single.csv')]);
    expect(rel(files)).toEqual(['single.csv', 'sales_2020.csv', 'sales_2021.csv']);
  });

  it('works with relative paths', () => {
    const cwd = process.cwd();
    try {
      process.chdir(dir);
      expect(listInputFiles('sales_*.csv')).toEqual(['sales_2020.csv', 'sales_2021.csv']);
      expect(listInputFiles('out', { extensions: ['csv'] })).toEqual(['out/part-00000.csv', 'out/part-00001.csv']);
    } finally {
      process.chdir(cwd);
    }
  });

  it('throws FileNotFoundError with a did-you-mean hint for a missing file', () => {
    const p = path.join(dir, 'singel.csv');
    let err: unknown;
    try {
      listInputFiles(p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FileNotFoundError);
    expect((err as FileNotFoundError).path).toBe(p);
    expect((err as Error).message).toContain(p);
    expect((err as Error).message).toContain("did you mean 'single.csv'");
  });

  it('names the missing folder when the parent does not exist', () => {
    expect(() => listInputFiles(path.join(dir, 'nope/deeper/file.csv'))).toThrow(/does not exist/);
  });

  it('throws for an empty folder and a folder with only hidden files', () => {
    expect(() => listInputFiles(path.join(dir, 'empty'))).toThrow(FileNotFoundError);
    expect(() => listInputFiles(path.join(dir, 'hidden_only'))).toThrow(/no data files/);
    expect(() => listInputFiles(path.join(dir, 'out'), { extensions: ['parquet'] })).toThrow(/\.parquet/);
  });

  it('throws for a glob without matches, with a hint for a misspelled folder', () => {
    expect(() => listInputFiles(path.join(dir, '*.parquet'))).toThrow(/no files match the glob/);
    expect(() => listInputFiles(path.join(dir, 'otu/*.csv'))).toThrow(/did you mean 'out'/);
  });

  it('rejects an empty path list', () => {
    expect(() => listInputFiles([])).toThrow(FileNotFoundError);
  });
});

describe('glob helpers', () => {
  it('expands nested braces', () => {
    expect(expandBraces('a{b,c{d,e}}f')).toEqual(['abf', 'acdf', 'acef']);
    expect(expandBraces('x/{1,2}/{a,b}')).toEqual(['x/1/a', 'x/1/b', 'x/2/a', 'x/2/b']);
    expect(expandBraces('plain')).toEqual(['plain']);
  });

  it('compiles segments to anchored regexps', () => {
    expect(segmentRegExp('part-*.csv').test('part-1.csv')).toBe(true);
    expect(segmentRegExp('part-*.csv').test('part-1.csv.crc')).toBe(false);
    expect(segmentRegExp('?.txt').test('ab.txt')).toBe(false);
    expect(segmentRegExp('[!a]*').test('abc')).toBe(false);
    expect(segmentRegExp('[a-c]x').test('bx')).toBe(true);
  });
});

/**
 * Runs every ```ts block of README.md that starts with `// example: NAME`, with
 * `from 'kindling'` pointed at the sources, so the README's examples cannot rot.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n\/\/ example: (\S+)\n([\s\S]*?)```/g)].map((m) => ({ name: m[1]!, code: m[2]! }));

describe('README examples', () => {
  it('has examples', () => {
    expect(blocks.map((b) => b.name)).toEqual(expect.arrayContaining(['tour', 'errors']));
  });

  it.each(blocks)('example "$name" runs', async ({ code }) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-readme-'));
    const file = path.join(dir, 'example.ts');
    const src = pathToFileURL(path.join(root, 'src/index.ts')).href;
    fs.writeFileSync(file, code.replaceAll("from 'kindling'", `from '${src}'`));
    const logs: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { logs.push(a.map(String).join(' ')); });
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const cwd = process.cwd();
    process.chdir(root);
    try {
      await import(pathToFileURL(file).href);
    } finally {
      process.chdir(cwd);
      spy.mockRestore();
      write.mockRestore();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(logs.length).toBeGreaterThan(0);
  });

  it('the errors example prints what the README says', async () => {
    const block = blocks.find((b) => b.name === 'errors')!;
    const promised = /\/\/ (true column .*)/.exec(block.code)![1]!;
    const { Session, col } = await import('../src/index.js');
    const spark = await Session.create();
    const df = spark.createDataFrame([{ balance: 1 }]);
    expect(() => df.select(col('balnce'))).toThrow(promised.replace(/^true /, ''));
  });
});

/**
 * Where the peak RSS of `npm run bench:compare`'s Kindling child comes from:
 * `npx tsx --max-old-space-size=12000 bench/mem-probe.ts [--size 1e7] [--suite groupby|join] [--lib DIR] [--q q10]
 * [--shuffle-partitions N] [--gc]` (`--gc`: with node's --expose-gc, a full GC in the main thread before each phase).
 * Runs the Kindling engine of bench/compare/engines.ts (same load, same questions, same
 * materialise-then-unpersist protocol) and, per phase (session start, CSV load, each question's
 * two runs and its checksum), prints the phase's own peak RSS (Linux: VmHWM reset through
 * /proc/self/clear_refs before the phase), the RSS, V8 heap and ArrayBuffer bytes after it, and,
 * after the load, the cached table's bytes per column (view bytes, and the distinct buffers behind
 * them, which is what stays resident). A measurement, no assertions.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GROUPBY_SCHEMA, JOIN_SCHEMAS, kindlingGroupby, kindlingJoin } from './questions.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
}
const size = arg('size', '1e7');
const suite = arg('suite', 'groupby');
const threads = Number(arg('threads', String(os.availableParallelism())));
const qFilter = arg('q', '').split(',').filter(Boolean);
const libDir = path.resolve(arg('lib', 'dist'));
const lib = (await import(new URL(`file://${path.join(libDir, 'index.js')}`).href)) as typeof import('../src/index.js');
const { Session, col, functions: F } = lib;
type DF = import('../src/index.js').DataFrame;

const MB = 2 ** 20;
const status = (): Record<string, number> => {
  const out: Record<string, number> = {};
  try {
    for (const m of fs.readFileSync('/proc/self/status', 'utf8').matchAll(/^(VmHWM|VmRSS):\s+(\d+)/gm)) out[m[1]!] = Number(m[2]) / 1024;
  } catch { /* not Linux */ }
  return out;
};
const resetPeak = () => { try { fs.writeFileSync('/proc/self/clear_refs', '5'); } catch { /* not permitted */ } };
/** Also sampled every 20 ms: the largest V8 heap / ArrayBuffer totals seen during the phase. */
let maxHeap = 0, maxAb = 0;
setInterval(() => { const m = process.memoryUsage(); maxHeap = Math.max(maxHeap, m.heapUsed); maxAb = Math.max(maxAb, m.arrayBuffers); }, 20).unref();

async function phase<T>(name: string, f: () => Promise<T>): Promise<T> {
  if (process.argv.includes('--gc')) (globalThis as { gc?: () => void }).gc?.();
  resetPeak();
  maxHeap = maxAb = 0;
  const t = performance.now();
  const r = await f();
  const s = status();
  const m = process.memoryUsage();
  console.log(`${name.padEnd(34)} ${((performance.now() - t) / 1000).toFixed(2).padStart(6)} s  peak ${s.VmHWM?.toFixed(0).padStart(5)} MB  rss ${s.VmRSS?.toFixed(0).padStart(5)}  heap ${(m.heapUsed / MB).toFixed(0).padStart(5)} (max ${(maxHeap / MB).toFixed(0)})  arrayBuffers ${(m.arrayBuffers / MB).toFixed(0).padStart(5)} (max ${(maxAb / MB).toFixed(0)})`);
  return r;
}

interface Col { indices: Int32Array | null; dictionary: Col | null; values: ArrayBufferView | null; validity: Uint8Array | null; offsets: Int32Array | null; bytes: Uint8Array | null; length: number }
/** Per column of the cached parts: view bytes, and the bytes of the distinct buffers behind them. */
function cacheReport(s: import('../src/index.js').Session): void {
  const entries = (s.cacheManager as unknown as { entries: Map<string, { parts: { schema: { fields: { name: string }[] }; columns: Col[] }[][] | null }> }).entries;
  for (const e of entries.values()) {
    const batches = (e.parts ?? []).flat();
    if (batches.length === 0) continue;
    const names = batches[0]!.schema.fields.map((f) => f.name);
    let total = 0, totalBuf = 0;
    const seen = new Set<ArrayBufferLike>();
    const line: string[] = [];
    names.forEach((n, c) => {
      let view = 0, buf = 0, dict = 0;
      const add = (a: ArrayBufferView | null) => {
        if (!a) return;
        view += a.byteLength;
        if (!seen.has(a.buffer)) { seen.add(a.buffer); buf += a.buffer.byteLength; }
      };
      for (const b of batches) {
        const k = b.columns[c]!;
        if (k.indices) { add(k.indices); add(k.validity); add(k.dictionary!.offsets); add(k.dictionary!.bytes); dict++; }
        else { add(k.values); add(k.validity); add(k.offsets); add(k.bytes); }
      }
      total += view; totalBuf += buf;
      line.push(`${n} ${(view / MB).toFixed(0)}/${(buf / MB).toFixed(0)}${dict ? ' dict' : ''}`);
    });
    console.log(`  cached: ${batches.length} batches, MB view/buffer: ${line.join(', ')}; total ${(total / MB).toFixed(0)}/${(totalBuf / MB).toFixed(0)}`);
  }
}

const cacheDir = () => process.env['KINDLING_BENCH_DIR'] ?? path.join(process.env['XDG_CACHE_HOME'] ?? path.join(os.homedir(), '.cache'), 'kindling-bench'); // as bench/compare.ts
const files = JSON.parse(fs.readFileSync(path.join(cacheDir(), `${suite}-${size}`, 'files.json'), 'utf8')) as string | Record<string, string>;
console.log(`mem-probe ${suite} ${size}, ${threads} threads, lib ${libDir}, node ${process.version}, heap limit ${(await import('node:v8')).getHeapStatistics().heap_size_limit / MB} MB`);
const s = await phase('session + warm-up', async () => {
  const sp = Number(arg('shuffle-partitions', '0'));
  const s = await Session.create({ threads, progress: false, ...(sp ? { shufflePartitions: sp } : {}) });
  await s.range(threads * 1000).groupBy(col('id').mod(7)).count().collect();
  return s;
});
const read = (file: string, schema: string) => s.read.csv(file, { header: true, schema }).cache();
let questions: [string, () => DF][];
if (suite === 'groupby') {
  const x = read(files as string, GROUPBY_SCHEMA);
  await phase('load (csv -> cache, count)', () => x.count());
  questions = kindlingGroupby(lib).map(([l, q]) => [l, () => q(x)]);
} else {
  const t = Object.fromEntries((['x', 'small', 'medium', 'big'] as const).map((n) => [n, read((files as Record<string, string>)[n]!, JOIN_SCHEMAS[n])])) as Record<'x' | 'small' | 'medium' | 'big', DF>;
  await phase('load (csv -> cache, count)', () => Promise.all(Object.values(t).map((d) => d.count())));
  questions = kindlingJoin(t).map(([l, q]) => [l, () => q(t.x)]);
}
cacheReport(s);
for (const [label, q] of questions) {
  if (qFilter.length && !qFilter.some((f) => label.startsWith(`${f} `))) continue;
  for (const run of [1, 2]) {
    const a = await phase(`${label.split(' ')[0]} run ${run}`, async () => { const a = q().cache(); await a.count(); return a; });
    await phase(`${label.split(' ')[0]} run ${run} checksum+unpersist`, async () => {
      const numeric = a.dtypes.filter(([, t]) => /^(tinyint|smallint|int|bigint|float|double|decimal)/.test(t)).map(([n]) => F.sum(col(n)).cast('double'));
      await a.agg(F.count('*').alias('n'), ...numeric).collect();
      await a.unpersist();
      if (process.argv.includes('--gc')) (globalThis as { gc?: () => void }).gc?.();
    });
  }
}
await s.stop();

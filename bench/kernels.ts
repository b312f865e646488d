/**
 * Kernel benchmark (`npm run bench:kernels`): per kernel backend that loads here (js, tfjs-cpu,
 * tfjs-wasm; webgpu / tfjs-node where they load), the element-wise chain `a*b+c`, a filter
 * `a*b+c > 0`, sum, grouped sum over 100 groups, and dense scoring N×13 → 64 → 16 → 3, at sizes
 * 1e4 … 1e7 (`--max 1e6` to stop earlier; CPU dense scoring stops at 1e6), transfers included (typed arrays in, typed arrays
 * out). Prints a table of rows/s, the crossover size where each backend beats js (if any), and
 * writes bench/results/kernels.json. No assertions: a measurement, not a test.
 */
import fs from 'node:fs';
import os from 'node:os';
import { medianSeconds } from './timing.js';
// Benchmarks measure the built package; `--src` runs the TypeScript sources.
const base = process.argv.includes('--src') ? '../src/' : '../dist/';
const K = (await import(base + 'kernels/index.js')) as typeof import('../src/kernels/index.js');
const { Batch } = (await import(base + 'data/batch.js')) as typeof import('../src/data/batch.js');
const { ColumnData } = (await import(base + 'data/column.js')) as typeof import('../src/data/column.js');
const { Schema } = (await import(base + 'types.js')) as typeof import('../src/types.js');
const { JS_BACKEND } = (await import(base + 'expr/backend.js')) as typeof import('../src/expr/backend.js');
type BoundExpr = import('../src/expr/expr.js').BoundExpr;

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
}
const maxRows = Number(arg('max', '1e7'));
const SIZES = [1e4, 1e5, 1e6, 1e7].filter((n) => n <= maxRows);
const WORKLOADS = ['a*b+c', 'filter', 'sum', 'groupsum100', 'dense13-64-16-3'] as const;

const ref = (index: number, name: string): BoundExpr => ({ kind: 'ref', index, name, type: 'float64' });
const chain: BoundExpr = { kind: 'call', fn: 'add', type: 'float64', args: [{ kind: 'call', fn: 'multiply', type: 'float64', args: [ref(0, 'a'), ref(1, 'b')] }, ref(2, 'c')] };
const pred: BoundExpr = { kind: 'call', fn: 'gt', type: 'boolean', args: [chain, { kind: 'lit', value: 0, type: 'float64' }] };
const schema = new Schema(['a', 'b', 'c'].map((name) => ({ name, type: 'float64' as const, nullable: false })));

function rand(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 4294967296 - 0.5;
  }
  return out;
}
const layer = (inDim: number, outDim: number, activation: 'relu' | 'softmax', seed: number) => ({ weights: Float32Array.from(rand(inDim * outDim, seed)), bias: Float32Array.from(rand(outDim, seed + 1)), inDim, outDim, activation });
const LAYERS = [layer(13, 64, 'relu', 1), layer(64, 16, 'relu', 3), layer(16, 3, 'softmax', 5)];

/** Median seconds of `reps` runs after one warm-up. */
async function time(f: () => unknown, reps: number): Promise<number> {
  await f();
  return medianSeconds(f, reps);
}

const results: { backend: string; workload: string; rows: number; seconds: number; rowsPerSec: number }[] = [];
const tried = ['js', 'tfjs-cpu', 'tfjs-wasm', 'tfjs-node', 'webgpu'];
const backends: { name: string; expr: import('../src/expr/backend.js').ExprBackend }[] = [];
for (const name of tried) {
  const { expr, description } = await K.chooseKernels({ backend: name as 'js', precision: 'float32' }, () => {});
  if (expr.name === name) backends.push({ name, expr });
  else console.log(`# ${name}: not available (${description.tried[0]?.notice})`);
}

for (const n of SIZES) {
  const a = rand(n, 11), b = rand(n, 12), c = rand(n, 13);
  const batch = new Batch(schema, [a, b, c].map((v) => new ColumnData('float64', n, v, null)), n);
  const groups = Int32Array.from({ length: n }, (_, i) => (i * 7919) % 100);
  const x = Float32Array.from(rand(n * 13, 17));
  for (const { name, expr } of backends) {
    const reps = n >= 1e7 ? 1 : n >= 1e6 ? 3 : 10;
    const f = expr.name === 'js' ? JS_BACKEND : expr;
    const compiled = f.compile(chain);
    const filt = f.compilePredicate(pred);
    const run: Record<(typeof WORKLOADS)[number], () => unknown> = {
      'a*b+c': () => compiled(batch),
      filter: () => {
        const m = filt(batch);
        return batch.filter(m.mask, m.count);
      },
      sum: () => K.kernelFor(name, 'sum', 'float64')(a, null),
      groupsum100: () => K.kernelFor(name, 'segment_sum', 'float64')(a, groups, 100, null),
      'dense13-64-16-3': () => K.kernelFor(name, 'dense', 'float32')(x, n, LAYERS),
    };
    for (const w of WORKLOADS) {
      // Dense scoring past 1e6 rows on a CPU backend, and tfjs-cpu's segment sum past 1e5, take minutes: skipped.
      if (w.startsWith('dense') && n > 1e6 && name !== 'webgpu') continue;
      if (w === 'groupsum100' && n > 1e5 && name === 'tfjs-cpu') continue;
      if (w === 'groupsum100' && name !== 'js' && !K.findKernel(name, 'segment_sum', 'float64')) continue;
      const s = await time(run[w], reps);
      results.push({ backend: name, workload: w, rows: n, seconds: s, rowsPerSec: n / s });
      process.stderr.write(`${name} ${w} ${n}: ${(s * 1000).toFixed(1)} ms\n`);
    }
  }
}

const fmt = (r: number) => (r >= 1e9 ? `${(r / 1e9).toFixed(2)}G` : r >= 1e6 ? `${(r / 1e6).toFixed(1)}M` : `${(r / 1e3).toFixed(0)}k`);
console.log(`\nmachine: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}, Node ${process.version}; rows/s (median), transfers included\n`);
console.log(['workload', 'rows', ...backends.map((b) => b.name)].join(' | '));
console.log(['---', '---', ...backends.map(() => '---')].join(' | '));
for (const w of WORKLOADS) {
  for (const n of SIZES) {
    const cell = (b: string) => {
      const r = results.find((x) => x.backend === b && x.workload === w && x.rows === n);
      return r ? fmt(r.rowsPerSec) : '–';
    };
    console.log([w, n.toExponential(0), ...backends.map((b) => cell(b.name))].join(' | '));
  }
}
console.log('\ncrossover (smallest size from which the backend beats js at every larger size measured):');
for (const { name } of backends.filter((b) => b.name !== 'js')) {
  const parts = WORKLOADS.map((w) => {
    const beats = (n: number) => {
      const me = results.find((x) => x.backend === name && x.workload === w && x.rows === n);
      const js = results.find((x) => x.backend === 'js' && x.workload === w && x.rows === n);
      return me && js ? me.seconds < js.seconds : undefined;
    };
    const measured = SIZES.filter((n) => beats(n) !== undefined);
    const win = measured.find((n, i) => measured.slice(i).every((m) => beats(m)));
    return `${w}: ${win === undefined ? 'never' : win.toExponential(0)}`;
  });
  console.log(`  ${name}: ${parts.join(', ')}`);
}
fs.mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
fs.writeFileSync(new URL('./results/kernels.json', import.meta.url), JSON.stringify({ machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, gpu: 'none (no adapter)' }, results }, null, 1) + '\n');

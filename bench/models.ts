/**
 * Model-scoring throughput (a measurement, no assertions): rows/s of `LoadedModel.predict` for
 * the bundled bank model (8 features → P(yes)) and a 13→64→16→3 MLP with fixed random weights,
 * per backend — TensorFlow.js cpu, TensorFlow.js wasm, onnxruntime-node cpu (1 intra-op thread,
 * as in a worker) — on `--rows` rows (default 1e6) in batches of `--batch` (default 10,000,
 * Spark's maxRecordsPerBatch), in one thread; and the MLP's dense stack through the kernel
 * registry's `dense` kernel on a session's kernel choice (js, tfjs-wasm, auto). Each case scores
 * one batch to warm up first, then reports the median of `--reps` (default 3) passes.
 *
 * Run: `npm run bench:models [-- --rows 1e6 --batch 10000]`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { denseToLayersModel, denseToOnnx, randomDense, saveLayersModel } from '../src/models/authoring.js';
import { mulberry32 } from '../src/exec/basic.js';
import { type LoadModelOptions, loadModel, releaseModels } from '../src/models/index.js';
import { medianSeconds } from './timing.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const rows = arg('rows', 1e6);
const batch = arg('batch', 10_000);
const reps = arg('reps', 3);

const dir = await mkdtemp(path.join(tmpdir(), 'kindling-bench-models-'));
const mlp = randomDense([13, 64, 16, 3], 1);
await saveLayersModel(await denseToLayersModel(mlp), path.join(dir, 'mlp-tfjs'));
await writeFile(path.join(dir, 'mlp.onnx'), denseToOnnx(mlp));

/** `k` feature columns of `rows` values, in ranges like the bank data's. */
function columns(k: number, scale: number): Float64Array[] {
  const rnd = mulberry32(11);
  return Array.from({ length: k }, () => Float64Array.from({ length: rows }, () => Math.round(rnd() * scale)));
}
const bankCols = columns(8, 100);
const mlpCols = columns(13, 1);

const cases: [string, string, LoadModelOptions, Float64Array[]][] = [
  ['bank (8→1)', 'data/models/bank-tfjs', { backend: 'cpu' }, bankCols],
  ['bank (8→1)', 'data/models/bank-tfjs', { backend: 'wasm' }, bankCols],
  ['bank (8→1)', 'data/models/bank-mlflow', {}, bankCols],
  ['MLP 13→64→16→3', path.join(dir, 'mlp-tfjs'), { backend: 'cpu' }, mlpCols],
  ['MLP 13→64→16→3', path.join(dir, 'mlp-tfjs'), { backend: 'wasm' }, mlpCols],
  ['MLP 13→64→16→3', path.join(dir, 'mlp.onnx'), {}, mlpCols],
  // The dense stack through the kernel registry on a session's kernel choice (Session.create({ kernels })).
  ['MLP 13→64→16→3', path.join(dir, 'mlp-tfjs'), { kernels: { backend: 'js', precision: 'exact' } }, mlpCols],
  ['MLP 13→64→16→3', path.join(dir, 'mlp-tfjs'), { kernels: { backend: 'tfjs-wasm', precision: 'exact' } }, mlpCols],
  ['MLP 13→64→16→3', path.join(dir, 'mlp-tfjs'), { kernels: { backend: 'auto', precision: 'exact' } }, mlpCols],
];

console.log(`Scoring ${rows.toLocaleString('en-US')} rows in batches of ${batch.toLocaleString('en-US')} (one thread)\n`);
console.log(`${'model'.padEnd(18)} ${'backend'.padEnd(28)} ${'seconds'.padStart(8)} ${'rows/s'.padStart(12)}`);
try {
  for (const [label, uri, options, cols] of cases) {
    const model = await loadModel(uri, options);
    await model.predict(cols.map((c) => c.subarray(0, batch)), batch);
    let checksum = 0;
    const s = await medianSeconds(async () => {
      for (let start = 0; start < rows; start += batch) {
        const n = Math.min(batch, rows - start);
        const out = await model.predict(cols.map((c) => c.subarray(start, start + n)), n);
        checksum += out.values[0]!;
      }
    }, reps);
    const ran = model.denseKernels ? `kernels ${model.denseKernels}` : model.backend;
    console.log(`${label.padEnd(18)} ${ran.padEnd(28)} ${s.toFixed(2).padStart(8)} ${Math.round(rows / s).toLocaleString('en-US').padStart(12)}${Number.isFinite(checksum) ? '' : '  (non-finite output!)'}`);
  }
} finally {
  await releaseModels();
  await rm(dir, { recursive: true, force: true });
}

/**
 * UDF overhead (`npm run bench:udf -- --rows 1e7 --threads 2`): a scalar UDF and a vectorized
 * UDF against the built-in expression computing the same thing, over a cached frame of `--rows`
 * rows (a double column and a string column), each summed so no rows are collected. Prints the
 * median of `--runs` runs per variant and the ratio to the built-in (goals: vectorized ≤ 1.5×,
 * scalar ≤ 5×). Then model-scoring throughput through `F.predict` (a vectorized UDF in the
 * workers, the model loaded once per worker) over `--model-rows` rows (default 1e6): the bundled
 * bank model (MLflow/ONNX and TensorFlow.js) and a 13→64→16→3 MLP as ONNX (onnxruntime CPU) and
 * as a TensorFlow.js model on the wasm and cpu backends, in rows/s.
 * A measurement, no assertions. Runs the built dist/ (`--src` for the sources).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { medianSeconds } from './timing.js';
import type { Vector } from 'apache-arrow';

const K = (process.argv.includes('--src') ? await import('../src/index.js') : await import(new URL('../dist/index.js', import.meta.url).href)) as typeof import('../src/index.js');
const { Session, col, lit, functions: F } = K;

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
}
const rows = Number(arg('rows', '1e7'));
const threads = Number(arg('threads', '2'));
const runs = Number(arg('runs', '3'));

const spark = await Session.create({ threads, progress: false });
const df = spark.range(0, rows, 1, threads * 4)
  .select(col('id').cast('double').multiply(0.5).alias('x'), F.concat(lit('key_'), col('id').mod(1000).cast('string')).alias('s'))
  .cache();
await df.count();

const time = (f: () => Promise<unknown>): Promise<number> => medianSeconds(f, runs);

const sumOf = (c: InstanceType<typeof K.Column>) => () => df.select(c.alias('y')).agg(F.sum('y').alias('t')).collect();
const sumLen = (c: InstanceType<typeof K.Column>) => () => df.select(F.length(c).alias('y')).agg(F.sum('y').alias('t')).collect();

const arith = {
  builtin: sumOf(col('x').multiply(2).plus(1)),
  scalar: sumOf(F.udf((x: number) => x * 2 + 1, 'double', { name: 'lin' })('x')),
  vectorized: sumOf(F.arrowUdf((v: Vector) => {
    const a = v.toArray() as Float64Array;
    const out = new Float64Array(a.length);
    for (let i = 0; i < a.length; i++) out[i] = a[i]! * 2 + 1;
    return out;
  }, 'double', { name: 'vlin' })('x')),
};
const str = {
  builtin: sumLen(F.upper(col('s'))),
  scalar: sumLen(F.udf((s: string) => s.toUpperCase(), 'string', { name: 'up' })('s')),
  vectorized: sumLen(F.arrowUdf((v: Vector) => {
    const out = new Array<string | null>(v.length);
    let i = 0;
    for (const s of v as Iterable<string | null>) out[i++] = s === null ? null : s.toUpperCase();
    return out;
  }, 'string', { name: 'vup' })('s')),
};

console.log(`UDF overhead: ${rows.toLocaleString('en')} rows, threads ${threads}, median of ${runs}`);
for (const [label, cases] of [['x * 2 + 1 (double)', arith], ['upper(s) (string)', str]] as const) {
  const base = await time(cases.builtin);
  const scalar = await time(cases.scalar);
  const vec = await time(cases.vectorized);
  console.log(`${label.padEnd(20)} built-in ${base.toFixed(3)} s | scalar UDF ${scalar.toFixed(3)} s (${(scalar / base).toFixed(2)}×) | vectorized UDF ${vec.toFixed(3)} s (${(vec / base).toFixed(2)}×)`);
}

// ---- model scoring
const modelRows = Number(arg('model-rows', '1e6'));
const A = (process.argv.includes('--src') ? await import('../src/models/authoring.js') : await import(new URL('../dist/models/authoring.js', import.meta.url).href)) as typeof import('../src/models/authoring.js');
const dir = await mkdtemp(path.join(tmpdir(), 'kindling-bench-models-'));
try {
  const mlp = A.randomDense([13, 64, 16, 3], 7);
  await writeFile(path.join(dir, 'mlp.onnx'), A.denseToOnnx(mlp));
  await A.saveLayersModel(await A.denseToLayersModel(mlp), path.join(dir, 'mlp-tfjs'));
  const bankCols = ['age', 'balance', 'day', 'duration', 'campaign', 'pdays', 'previous', 'month_int'];
  const features = spark.range(0, modelRows, 1, threads * 4)
    .select(...Array.from({ length: 13 }, (_, j) => col('id').mod(97 + j).cast('double').multiply(0.01).alias(`f${j}`)))
    .select('*', ...bankCols.map((c, j) => col(`f${j}`).multiply(100).cast('int').alias(c)))
    .cache();
  await features.count();
  const score = (c: InstanceType<typeof K.Column>) => () => features.select(c.alias('p')).agg(F.count('p').alias('n')).collect();
  const cases: [string, InstanceType<typeof K.Column>][] = [
    ['bank model, MLflow/ONNX (onnxruntime cpu)', F.predict(spark.models.load('data/models/bank-mlflow'))],
    ['bank model, TF.js (wasm)', F.predict(spark.models.load('data/models/bank-tfjs', { backend: 'wasm' }), ...bankCols)],
    ['MLP 13-64-16-3, ONNX (onnxruntime cpu)', F.predict(spark.models.load(path.join(dir, 'mlp.onnx')), ...Array.from({ length: 13 }, (_, j) => `f${j}`))],
    ['MLP 13-64-16-3, TF.js (wasm)', F.predict(spark.models.load(path.join(dir, 'mlp-tfjs'), { backend: 'wasm' }), ...Array.from({ length: 13 }, (_, j) => `f${j}`))],
    ['MLP 13-64-16-3, TF.js (cpu)', F.predict(spark.models.load(path.join(dir, 'mlp-tfjs'), { backend: 'cpu' }), ...Array.from({ length: 13 }, (_, j) => `f${j}`))],
  ];
  console.log(`\nModel scoring through F.predict: ${modelRows.toLocaleString('en')} rows, threads ${threads}, batches of 10,000, median of ${runs} (first run loads the models)`);
  for (const [label, c] of cases) {
    await score(c)(); // loads the model in each worker
    const t = await time(score(c));
    console.log(`${label.padEnd(42)} ${t.toFixed(3)} s  ${Math.round(modelRows / t).toLocaleString('en')} rows/s`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
await spark.stop();

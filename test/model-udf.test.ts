// Model scoring through the public API (issue 14): spark.models.load + F.predict / model.udf()
// over bank.csv and a 13→64→16→3 MLP, in 4 worker threads and in the main thread (identical results), against the float64
// forward pass of the weights; MLflow signature columns; errors.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileNotFoundError, IllegalArgumentError, Session, col, functions as F } from '../src/index.js';
import { denseReference, denseToOnnx, randomDense } from '../src/models/authoring.js';
import { testThreads } from './threads.js';

let one: Session;
let many: Session;
let dir: string;
const MLP = randomDense([13, 64, 16, 3], 11);
const N = 500;
const NAMES = Array.from({ length: 13 }, (_, j) => `x${j}`);
const ROWS = Array.from({ length: N }, (_, i) => Object.fromEntries(NAMES.map((c, j) => [c, Math.sin(i * 0.37 + j) * (j + 1)])));

beforeAll(async () => {
  one = await Session.create({ threads: 1, shufflePartitions: 2 });
  many = await Session.create({ threads: Math.max(4, testThreads()), shufflePartitions: 3 });
  dir = await mkdtemp(path.join(tmpdir(), 'kindling-model-udf-'));
  await writeFile(path.join(dir, 'mlp.onnx'), denseToOnnx(MLP));
}, 60_000);
afterAll(async () => {
  await one.stop();
  await many.stop();
  await rm(dir, { recursive: true, force: true });
});

const bank = (s: Session) =>
  s.read.csv('data/bank.csv', { header: true, sep: ';', inferSchema: true })
    .withColumn('month_int', F.expr("cast(instr('janfebmaraprmayjunjulaugsepoctnovdec', month) + 2 as int) div 3"));

describe('F.predict over the bundled bank model', () => {
  it('the MLflow (ONNX) and TensorFlow.js models give the same scores, at 1 and several threads', async () => {
    const results: number[][] = [];
    for (const s of [one, many]) {
      const mlflow = s.models.load('data/models/bank-mlflow');
      expect(mlflow.format).toBe('mlflow');
      expect(mlflow.inputs.map((i) => i.name)).toEqual(['age', 'balance', 'day', 'duration', 'campaign', 'pdays', 'previous', 'month_int']);
      expect(mlflow.resultType).toBe('float64');
      const tfjs = s.models.load('data/models/bank-tfjs');
      // The MLflow signature names the columns; the TF.js model takes them in order.
      const df = bank(s).select(F.predict(mlflow).alias('a'), tfjs.udf()(...mlflow.inputs.map((i) => i.name)).alias('b'));
      const rows = await df.collect();
      expect(rows.length).toBe(45211);
      let maxDiff = 0;
      for (const r of rows) maxDiff = Math.max(maxDiff, Math.abs((r.a as number) - (r.b as number)));
      expect(maxDiff).toBeLessThan(1e-5);
      results.push(rows.map((r) => r.a as number).sort((x, y) => x - y));
    }
    // Same scores whatever the thread count.
    for (let i = 0; i < results[0]!.length; i++) expect(results[1]![i]).toBeCloseTo(results[0]![i]!, 6);
    // A useful classifier: the mean score is near the 11.7% 'yes' rate.
    const mean = results[0]!.reduce((t, v) => t + v, 0) / results[0]!.length;
    expect(mean).toBeGreaterThan(0.08);
    expect(mean).toBeLessThan(0.16);
  });

  it('scoring runs as a vectorized UDF below its consumer, once per row, shown by explain', async () => {
    const model = many.models.load('data/models/bank-mlflow', { name: 'bank_score' });
    const df = bank(many).withColumn('p', F.predict(model)).filter(col('p').gt(0.5)).select('age', 'p');
    const plan = df.explain();
    expect(plan).toMatch(/EvalUdfs \[bank_score\(.*\(arrow\)/);
    const n = await df.count();
    const all = await bank(many).withColumn('p', F.predict(model)).collect();
    expect(n).toBe(all.filter((r) => (r.p as number) > 0.5).length);
    expect(n).toBeGreaterThan(0);
  });
});

describe('an ONNX MLP with three class probabilities', () => {
  it('gives array<double> rows matching the float64 forward pass, with batches of any size', async () => {
    const expected = denseReference(MLP, NAMES.map((c) => ROWS.map((r) => r[c] as number)), N);
    for (const s of [one, many]) {
      const model = s.models.load(path.join(dir, 'mlp.onnx'), { batchSize: 37 });
      expect(model.resultType).toBe('list<float64>');
      expect(() => F.predict(model)).toThrow(/no signature naming its inputs: pass its 13 feature columns/);
      const rows = await s.createDataFrame(ROWS.map((r, i) => ({ ...r, i }))).repartition(3)
        .select('i', F.predict(model, ...NAMES).alias('probs')).orderBy('i').collect();
      expect(rows.length).toBe(N);
      let maxDiff = 0;
      for (const r of rows) {
        const p = r.probs as number[];
        expect(p.length).toBe(3);
        for (let u = 0; u < 3; u++) maxDiff = Math.max(maxDiff, Math.abs(p[u]! - expected[(r.i as number) * 3 + u]!));
      }
      expect(maxDiff).toBeLessThan(1e-5);
    }
  });
});

describe('errors', () => {
  it('name the path, the expected columns and the argument', () => {
    expect(() => one.models.load('data/models/nope')).toThrow(FileNotFoundError);
    expect(() => one.models.load('data/models/nope')).toThrow(/model path does not exist: .*nope/);
    const model = one.models.load('data/models/bank-mlflow');
    expect(() => F.predict(model, 'age', 'balance')).toThrow(IllegalArgumentError);
    expect(() => F.predict(model, 'age', 'balance')).toThrow(/takes 8 input columns \(age, balance, .*month_int\) but 2 were given/);
    expect(() => F.predict('data/models/bank-mlflow' as never)).toThrow(/should be a model from spark.models.load/);
  });

  it('a missing input column fails at analysis, naming it', () => {
    const model = one.models.load('data/models/bank-mlflow');
    expect(() => one.read.csv('data/bank.csv', { header: true, sep: ';', inferSchema: true }).select(F.predict(model))).toThrow(/month_int/);
  });
});

/**
 * The model layer (src/models): TensorFlow.js LayersModel/GraphModel folders on the cpu and
 * wasm backends, ONNX files through onnxruntime-node, and MLflow folders, each scored against a
 * plain-JS forward pass over the model's own weights; the bundled bank models (TF.js and
 * MLflow/ONNX) agreeing on every bank.csv row; signature parsing and result-type inference;
 * errors naming the path; and the per-thread load-once cache.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { Piscina } from 'piscina';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileNotFoundError, IllegalArgumentError } from '../src/errors.js';
import { type DenseLayer, denseReference as reference, denseToLayersModel, denseToOnnx, randomDense, saveDenseGraphModel, saveLayersModel, saveMlflowOnnx } from '../src/models/authoring.js';
import { type FeatureColumn, ModelFormatError, describeModel, describeModelSync, loadModel, modelLoadCount, releaseModels } from '../src/models/index.js';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

const MLP = randomDense([13, 64, 16, 3], 7);
const N = 257;
const COLS: Float64Array[] = Array.from({ length: 13 }, (_, j) => Float64Array.from({ length: N }, (_, i) => Math.sin(i * 0.37 + j) * (j + 1)));
const EXPECTED = reference(MLP, COLS, N);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kindling-models-'));
  await saveLayersModel(await denseToLayersModel(MLP), path.join(dir, 'layers'));
  await saveDenseGraphModel(MLP, path.join(dir, 'graph'));
  await writeFile(path.join(dir, 'mlp.onnx'), denseToOnnx(MLP));
  const named = Array.from({ length: 13 }, (_, i) => ({ name: `x${i}`, type: 'double' as const }));
  await saveMlflowOnnx(path.join(dir, 'mlflow'), denseToOnnx(MLP), { inputs: named, outputs: [{ name: 'probs', type: 'double' }] });
});
afterAll(async () => {
  await releaseModels();
  await rm(dir, { recursive: true, force: true });
});

describe('scoring against a plain-JS reference (13→64→16→3 MLP)', () => {
  it('TensorFlow.js LayersModel on the cpu backend', async () => {
    const m = await loadModel(path.join(dir, 'layers'), { backend: 'cpu' });
    expect(m.backend).toBe('tfjs-cpu');
    expect(m.format).toBe('tfjs-layers');
    const r = await m.predict(COLS, N);
    expect(r.width).toBe(3);
    expect(maxAbsDiff(r.values, EXPECTED)).toBeLessThan(1e-5);
  });

  it('TensorFlow.js LayersModel on the wasm backend (loads from node_modules here)', async () => {
    const m = await loadModel(path.join(dir, 'layers'), { backend: 'wasm' });
    expect(m.backend).toBe('tfjs-wasm');
    expect(maxAbsDiff((await m.predict(COLS, N)).values, EXPECTED)).toBeLessThan(1e-5);
  });

  it('TensorFlow.js GraphModel', async () => {
    const m = await loadModel(path.join(dir, 'graph'), { backend: 'cpu' });
    expect(m.format).toBe('tfjs-graph');
    expect(maxAbsDiff((await m.predict(COLS, N)).values, EXPECTED)).toBeLessThan(1e-5);
  });

  it('ONNX file through onnxruntime-node, from float32 and int32 columns', async () => {
    const m = await loadModel(path.join(dir, 'mlp.onnx'));
    expect(m.backend).toBe('onnxruntime-cpu');
    expect(m.format).toBe('onnx');
    expect(maxAbsDiff((await m.predict(COLS.map((c) => Float32Array.from(c)), N)).values, EXPECTED)).toBeLessThan(1e-5);
    const ints = COLS.map((c) => Int32Array.from(c, (v) => Math.round(v)));
    expect(maxAbsDiff((await m.predict(ints, N)).values, reference(MLP, ints, N))).toBeLessThan(1e-5);
  });

  it('MLflow folder with the onnx flavor', async () => {
    const m = await loadModel(path.join(dir, 'mlflow'));
    expect(m.format).toBe('mlflow');
    expect(m.namedInputs).toBe(true);
    expect(m.inputs.map((c) => c.name)).toEqual(Array.from({ length: 13 }, (_, i) => `x${i}`));
    expect(maxAbsDiff((await m.predict(COLS, N)).values, EXPECTED)).toBeLessThan(1e-5);
  });

  it('scores a batch slice (n below the column length) and an empty batch', async () => {
    const m = await loadModel(path.join(dir, 'mlp.onnx'));
    const r = await m.predict(COLS, 10);
    expect(r.values.length).toBe(30);
    expect(maxAbsDiff(r.values, EXPECTED.subarray(0, 30))).toBeLessThan(1e-5);
    expect((await m.predict(COLS, 0)).values.length).toBe(0);
  });
});

/** The bundled models' feature columns from bank.csv, parsed in plain JS. */
async function bankFeatures(names: readonly string[]): Promise<{ cols: Float64Array[]; n: number }> {
  const lines = (await readFile('data/bank.csv', 'utf8')).trim().split('\n');
  const header = lines[0]!.split(';').map((h) => h.replaceAll('"', ''));
  const months = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
  const n = lines.length - 1;
  const cols = names.map(() => new Float64Array(n));
  const idx = names.map((f) => header.indexOf(f === 'month_int' ? 'month' : f));
  for (let i = 0; i < n; i++) {
    const cells = lines[i + 1]!.split(';');
    names.forEach((f, j) => (cols[j]![i] = f === 'month_int' ? months.indexOf(cells[idx[j]!]!.replaceAll('"', '')) + 1 : Number(cells[idx[j]!])));
  }
  return { cols, n };
}

describe('bundled bank models', () => {
  const FEATURES = ['age', 'balance', 'day', 'duration', 'campaign', 'pdays', 'previous', 'month_int'];

  it('describeModel reads format, named inputs and a double result without loading weights', async () => {
    const before = modelLoadCount();
    for (const [uri, format] of [['data/models/bank-tfjs', 'tfjs-layers'], ['data/models/bank-mlflow', 'mlflow']] as const) {
      const d = await describeModel(uri);
      expect(d.format).toBe(format);
      expect(d.path).toBe(path.resolve(uri));
      expect(d.inputs).toEqual(FEATURES.map((name) => ({ name, type: 'int64' })));
      expect(d.namedInputs).toBe(true);
      expect(d.resultType).toBe('float64');
      expect(d.outputs).toEqual([{ name: 'probability', width: 1, offset: 0 }]);
      expect(describeModelSync(uri)).toEqual(d);
    }
    expect(modelLoadCount()).toBe(before);
  });

  it('TF.js and MLflow/ONNX scores agree on every bank.csv row and match the weights', async () => {
    const { cols, n } = await bankFeatures(FEATURES);
    expect(n).toBe(45211);
    const tfjs = await loadModel('data/models/bank-tfjs', { backend: 'cpu' });
    const onnx = await loadModel('data/models/bank-mlflow');
    const a = await tfjs.predict(cols, n);
    const b = await onnx.predict(cols, n);
    expect(a.width).toBe(1);
    expect(maxAbsDiff(a.values, b.values)).toBeLessThan(1e-5);
    // The same logistic regression computed from model.json's weights in float64.
    const wb = new Float32Array((await readFile('data/models/bank-tfjs/weights.bin')).buffer.slice(0));
    const lr: DenseLayer[] = [{ inputs: 8, units: 1, weights: wb.subarray(0, 8), bias: wb.subarray(8, 9), activation: 'sigmoid' }];
    expect(maxAbsDiff(b.values, reference(lr, cols, n))).toBeLessThan(1e-5);
    // A useful classifier: the mean score is near the 11.7% 'yes' rate.
    const mean = b.values.reduce((s, v) => s + v, 0) / n;
    expect(mean).toBeGreaterThan(0.08);
    expect(mean).toBeLessThan(0.16);
  });
});

describe('signatures and result types', () => {
  async function mlflowWith(name: string, signature: string): Promise<string> {
    const d = path.join(dir, name);
    await mkdir(d, { recursive: true });
    await writeFile(path.join(d, 'model.onnx'), denseToOnnx(MLP));
    await writeFile(path.join(d, 'MLmodel'), `flavors:\n  python_function:\n    loader_module: mlflow.onnx\n    data: model.onnx\n${signature}`);
    return d;
  }

  it('a tensor-based signature gives positional inputs f0..f12 and an array<double> result', async () => {
    const d = await mlflowWith('tensor-sig', `signature:\n  inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 13]}}]'\n  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 3]}}]'\n`);
    const desc = await describeModel(d);
    expect(desc.namedInputs).toBe(false);
    expect(desc.inputs.map((c) => c.name)).toEqual(Array.from({ length: 13 }, (_, i) => `f${i}`));
    expect(desc.inputs.every((c) => c.type === 'float64')).toBe(true);
    expect(desc.resultType).toBe('list<float64>');
    expect(desc.width).toBe(3);
  });

  it('no signature: inputs and result type come from the ONNX graph', async () => {
    const desc = await describeModel(await mlflowWith('no-sig', ''));
    expect(desc.inputs.length).toBe(13);
    expect(desc.namedInputs).toBe(false);
    expect(desc.outputs).toEqual([{ name: 'output', width: 3, offset: 0 }]);
    expect(desc.resultType).toBe('list<float64>');
  });

  it('column types map to Kindling types; a single-column result is a double', async () => {
    const cols = [...Array.from({ length: 11 }, (_, i) => ({ name: `d${i}`, type: 'double' })), { name: 'n', type: 'integer' }, { name: 'flag', type: 'boolean' }];
    const d = await mlflowWith('typed', `signature:\n  inputs: '${JSON.stringify(cols)}'\n  outputs: '[{"name": "score", "type": "double"}]'\n`);
    const desc = await describeModel(d);
    expect(desc.inputs.slice(10)).toEqual([{ name: 'd10', type: 'float64' }, { name: 'n', type: 'int32' }, { name: 'flag', type: 'boolean' }]);
    expect(desc.outputs[0]!.name).toBe('score');
  });

  it('a single output of width 1 infers double', async () => {
    const lr = randomDense([4, 1], 3, 'sigmoid');
    await writeFile(path.join(dir, 'lr.onnx'), denseToOnnx(lr));
    const desc = await describeModel(path.join(dir, 'lr.onnx'));
    expect(desc.resultType).toBe('float64');
    expect(desc.inputs).toEqual(['f0', 'f1', 'f2', 'f3'].map((name) => ({ name, type: 'float64' })));
  });
});

describe('errors name the path and the fix', () => {
  it('missing folder', async () => {
    const p = path.join(dir, 'nope');
    await expect(loadModel(p)).rejects.toThrow(FileNotFoundError);
    await expect(describeModel(p)).rejects.toThrow(`model path does not exist: ${p}`);
  });

  it('unknown format', async () => {
    const d = path.join(dir, 'empty');
    await mkdir(d, { recursive: true });
    await expect(describeModel(d)).rejects.toThrow(new RegExp(`unknown model format: folder ${d} has neither an MLmodel`));
    await writeFile(path.join(dir, 'model.pkl'), 'x');
    await expect(describeModel(path.join(dir, 'model.pkl'))).rejects.toThrow(ModelFormatError);
    await expect(describeModel('runs:/abc/model')).rejects.toThrow(/'runs:' scheme is not supported/);
  });

  it('bad model.json and missing weight file', async () => {
    const d = path.join(dir, 'bad-json');
    await mkdir(d, { recursive: true });
    await writeFile(path.join(d, 'model.json'), '{"modelTopology": ');
    await expect(describeModel(d)).rejects.toThrow(`${path.join(d, 'model.json')} is not a valid TensorFlow.js model.json`);
    await writeFile(path.join(d, 'model.json'), '{"format": "layers-model"}');
    await expect(describeModel(d)).rejects.toThrow(/has no "modelTopology"/);
    const w = path.join(dir, 'no-weights');
    await saveLayersModel(await denseToLayersModel(MLP), w);
    await rm(path.join(w, 'weights.bin'));
    await expect(loadModel(w, { backend: 'cpu' })).rejects.toThrow(`cannot read weight file ${path.join(w, 'weights.bin')}`);
  });

  it('an MLmodel without the onnx flavor, and a corrupt ONNX file', async () => {
    const d = path.join(dir, 'sk');
    await mkdir(d, { recursive: true });
    await writeFile(path.join(d, 'MLmodel'), 'flavors:\n  sklearn:\n    pickled_model: model.pkl\n  python_function:\n    loader_module: mlflow.sklearn\n');
    await expect(describeModel(d)).rejects.toThrow(/flavor\(s\) sklearn, python_function, but Kindling scores MLflow models with the onnx flavor only/);
    await writeFile(path.join(dir, 'junk.onnx'), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]));
    await expect(describeModel(path.join(dir, 'junk.onnx'))).rejects.toThrow(/junk\.onnx is not a valid ONNX model/);
  });

  it('a signature whose column count does not match the model', async () => {
    const d = path.join(dir, 'mismatch');
    await mkdir(d, { recursive: true });
    await saveMlflowOnnx(d, denseToOnnx(MLP), { inputs: [{ name: 'a', type: 'double' }, { name: 'b', type: 'double' }], outputs: [] });
    await expect(describeModel(d)).rejects.toThrow(`${path.join(d, 'MLmodel')}: the signature lists 2 input column(s) (a, b) but the model graph takes 13 feature(s)`);
  });

  it('predict with the wrong number of columns or too few rows', async () => {
    const m = await loadModel(path.join(dir, 'mlflow'));
    const p = m.predict(COLS.slice(0, 12) as FeatureColumn[], N);
    await expect(p).rejects.toThrow(IllegalArgumentError);
    await expect(m.predict(COLS.slice(0, 12), N)).rejects.toThrow(/takes 13 input column\(s\) \(x0 double, .*\), but predict got 12/);
    await expect(m.predict(COLS, N + 1)).rejects.toThrow(/fewer than the 258 rows/);
  });
});

describe('per-thread cache', () => {
  it('loads a model once per thread and reloads after releaseModels()', async () => {
    const uri = path.join(dir, 'mlp.onnx');
    await releaseModels();
    const before = modelLoadCount();
    const [a, b] = await Promise.all([loadModel(uri), loadModel(uri)]);
    const c = await loadModel(`file://${uri}`);
    expect(a).toBe(b);
    expect(a).toBe(c);
    expect(modelLoadCount()).toBe(before + 1);
    await releaseModels();
    const d = await loadModel(uri);
    expect(d).not.toBe(a);
    expect(modelLoadCount()).toBe(before + 2);
    expect(maxAbsDiff((await d.predict(COLS, N)).values, EXPECTED)).toBeLessThan(1e-5);
  });

  it('does not cache a failed load', async () => {
    const p = path.join(dir, 'later');
    await expect(loadModel(p)).rejects.toThrow(FileNotFoundError);
    await saveDenseGraphModel(MLP, p);
    expect((await loadModel(p, { backend: 'cpu' })).format).toBe('tfjs-graph');
  });
});

describe('worker threads', () => {
  it('a worker loads a model once across tasks, on wasm and onnxruntime, and scores like the main thread', async () => {
    const data = { uris: [[path.join(dir, 'layers'), 'wasm'], [path.join(dir, 'mlflow'), 'auto']], cols: COLS, n: N };
    // Two one-thread pools: two workers, each running the task twice.
    const pools = [0, 1].map(() => new Piscina({ filename: new URL('./fixtures/model-worker.ts', import.meta.url).href, execArgv: ['--import', 'tsx'], minThreads: 1, maxThreads: 1 }));
    try {
      for (const pool of pools) {
        for (let task = 0; task < 2; task++) {
          const { out, loads } = (await pool.run(data)) as { out: { same: boolean; backend: string; values: Float64Array }[]; loads: number };
          expect(loads).toBe(2);
          expect(out.map((o) => [o.same, o.backend])).toEqual([[true, 'tfjs-wasm'], [true, 'onnxruntime-cpu']]);
          for (const o of out) expect(maxAbsDiff(o.values, EXPECTED)).toBeLessThan(1e-5);
        }
      }
    } finally {
      await Promise.all(pools.map((p) => p.destroy()));
    }
  });
});

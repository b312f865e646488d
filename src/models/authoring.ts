/**
 * Model authoring for the bundled models, tests and benchmarks: a stack of dense layers
 * (weights and biases as float32 arrays) written out as
 *  - a TensorFlow.js LayersModel (`denseToLayersModel` + `saveLayersModel`, a file-system
 *    IOHandler writing model.json and one weights .bin),
 *  - a TensorFlow.js GraphModel folder (`saveDenseGraphModel`: a hand-built GraphDef of
 *    MatMul/BiasAdd/activation nodes with a serving signature),
 *  - an ONNX model (`denseToOnnx`: MatMul/Add/activation nodes, opset 13, via onnx-proto.ts),
 *  - an MLflow model folder around that ONNX file (`saveMlflowOnnx`: MLmodel with the onnx and
 *    python_function flavors and a column signature).
 * `randomDense` makes fixed-seed random stacks (e.g. the 13→64→16→3 benchmark MLP).
 * Writers produce the same bytes for the same layers, so generated files are reproducible.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { mulberry32 } from '../exec/basic.js';
import type * as TF from '@tensorflow/tfjs-core';
import { importTf } from './backend.js';
import { ONNX_DTYPE, type OnnxModelSpec, encodeOnnxModel } from './onnx-proto.js';

/** Activation of a dense layer. */
export type DenseActivation = 'linear' | 'relu' | 'sigmoid' | 'softmax';

/** One dense layer: `y = activation(x · weights + bias)`, weights `[inputs, units]` row-major. */
export interface DenseLayer {
  readonly inputs: number;
  readonly units: number;
  readonly weights: Float32Array;
  readonly bias: Float32Array;
  readonly activation: DenseActivation;
}

/**
 * A dense stack with fixed-seed Glorot-uniform weights and small biases: `sizes` [13, 64, 16, 3]
 * gives 13→64→16→3, relu between layers and `last` (default softmax) at the end.
 */
export function randomDense(sizes: readonly number[], seed: number, last: DenseActivation = 'softmax'): DenseLayer[] {
  const rnd = mulberry32(seed);
  const layers: DenseLayer[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const inputs = sizes[l]!;
    const units = sizes[l + 1]!;
    const limit = Math.sqrt(6 / (inputs + units));
    const weights = new Float32Array(inputs * units);
    for (let i = 0; i < weights.length; i++) weights[i] = (rnd() * 2 - 1) * limit;
    const bias = new Float32Array(units);
    for (let i = 0; i < units; i++) bias[i] = (rnd() * 2 - 1) * 0.1;
    layers.push({ inputs, units, weights, bias, activation: l + 2 === sizes.length ? last : 'relu' });
  }
  return layers;
}

/** A tfjs Sequential LayersModel with the given dense layers' weights. */
export async function denseToLayersModel(layers: readonly DenseLayer[]): Promise<import('@tensorflow/tfjs-layers').LayersModel> {
  const tf = await importTf();
  const tfl = await import('@tensorflow/tfjs-layers');
  const model = tfl.sequential({ name: 'dense_stack' });
  layers.forEach((l, i) => model.add(tfl.layers.dense({ name: `dense_${i}`, units: l.units, activation: l.activation, ...(i === 0 ? { inputShape: [l.inputs] } : {}) })));
  model.setWeights(layers.flatMap((l) => [tf.tensor2d(l.weights, [l.inputs, l.units]), tf.tensor1d(l.bias)]));
  return model;
}

function concatWeights(data: TF.io.WeightData | undefined): Uint8Array {
  if (!data) return new Uint8Array(0);
  const parts = Array.isArray(data) ? data : [data];
  return Buffer.concat(parts.map((b) => new Uint8Array(b)));
}

/**
 * Saves a LayersModel as `dir/model.json` + `dir/weights.bin` (the tfjs file layout), with an
 * optional `userDefinedMetadata` (e.g. an MLflow-style `signature` naming the input columns).
 */
export async function saveLayersModel(model: import('@tensorflow/tfjs-layers').LayersModel, dir: string, userDefinedMetadata?: Record<string, unknown>): Promise<void> {
  await mkdir(dir, { recursive: true });
  await model.save({
    save: async (a) => {
      const json = {
        format: 'layers-model',
        generatedBy: a.generatedBy,
        convertedBy: null,
        modelTopology: a.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
        ...(userDefinedMetadata ? { userDefinedMetadata } : {}),
      };
      await writeFile(path.join(dir, 'model.json'), JSON.stringify(json, null, 1) + '\n');
      await writeFile(path.join(dir, 'weights.bin'), concatWeights(a.weightData));
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    },
  });
}

const TF_ACT: Record<DenseActivation, string | null> = { linear: null, relu: 'Relu', sigmoid: 'Sigmoid', softmax: 'Softmax' };
const dims = (...d: number[]) => ({ dim: d.map((x) => ({ size: String(x) })) });

/** Writes the dense stack as a TensorFlow.js GraphModel folder (model.json + weights.bin), input `x`, output `y`. */
export async function saveDenseGraphModel(layers: readonly DenseLayer[], dir: string): Promise<void> {
  const F = { type: 'DT_FLOAT' };
  const nodes: unknown[] = [{ name: 'x', op: 'Placeholder', attr: { dtype: F, shape: { shape: dims(-1, layers[0]!.inputs) } } }];
  const weights: { name: string; shape: number[]; dtype: 'float32' }[] = [];
  const bufs: Uint8Array[] = [];
  let prev = 'x';
  layers.forEach((l, i) => {
    for (const [n, shape, data] of [[`w${i}`, [l.inputs, l.units], l.weights], [`b${i}`, [l.units], l.bias]] as const) {
      nodes.push({ name: n, op: 'Const', attr: { dtype: F, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dims(...shape) } } } });
      weights.push({ name: n, shape: [...shape], dtype: 'float32' });
      bufs.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
    nodes.push({ name: `mm${i}`, op: 'MatMul', input: [prev, `w${i}`], attr: { T: F, transpose_a: { b: false }, transpose_b: { b: false } } });
    nodes.push({ name: `add${i}`, op: 'BiasAdd', input: [`mm${i}`, `b${i}`], attr: { T: F } });
    prev = `add${i}`;
    const act = TF_ACT[l.activation];
    if (act) {
      nodes.push({ name: `act${i}`, op: act, input: [prev], attr: { T: F } });
      prev = `act${i}`;
    }
  });
  nodes.push({ name: 'y', op: 'Identity', input: [prev], attr: { T: F } });
  const units = layers[layers.length - 1]!.units;
  const json = {
    format: 'graph-model',
    generatedBy: 'kindling',
    convertedBy: 'kindling',
    modelTopology: { node: nodes, library: {}, versions: { producer: 1 } },
    signature: {
      inputs: { x: { name: 'x', dtype: 'DT_FLOAT', tensorShape: dims(-1, layers[0]!.inputs) } },
      outputs: { y: { name: 'y', dtype: 'DT_FLOAT', tensorShape: dims(-1, units) } },
    },
    weightsManifest: [{ paths: ['weights.bin'], weights }],
  };
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'model.json'), JSON.stringify(json, null, 1) + '\n');
  await writeFile(path.join(dir, 'weights.bin'), Buffer.concat(bufs));
}

const ONNX_ACT: Record<DenseActivation, string | null> = { linear: null, relu: 'Relu', sigmoid: 'Sigmoid', softmax: 'Softmax' };

/** The dense stack as ONNX bytes: input `inputName` float32 `[N, inputs]`, output `outputName` float32 `[N, units]`. */
export function denseToOnnx(layers: readonly DenseLayer[], options: { inputName?: string; outputName?: string; producer?: string } = {}): Uint8Array {
  const inputName = options.inputName ?? 'features';
  const outputName = options.outputName ?? 'output';
  const graph: OnnxModelSpec['graph'] = { name: 'dense_stack', node: [], initializer: [], input: [], output: [] };
  const valueInfo = (name: string, width: number) => ({ name, type: { tensorType: { elemType: ONNX_DTYPE.float32, shape: { dim: [{ dimParam: 'N' }, { dimValue: width }] } } } });
  graph.input.push(valueInfo(inputName, layers[0]!.inputs));
  let prev = inputName;
  layers.forEach((l, i) => {
    const last = i === layers.length - 1;
    const act = ONNX_ACT[l.activation];
    graph.initializer.push({ name: `W${i}`, dims: [l.inputs, l.units], dataType: ONNX_DTYPE.float32, rawData: new Uint8Array(l.weights.buffer, l.weights.byteOffset, l.weights.byteLength) });
    graph.initializer.push({ name: `B${i}`, dims: [l.units], dataType: ONNX_DTYPE.float32, rawData: new Uint8Array(l.bias.buffer, l.bias.byteOffset, l.bias.byteLength) });
    graph.node.push({ name: `matmul_${i}`, opType: 'MatMul', input: [prev, `W${i}`], output: [`mm${i}`] });
    const addOut = last && !act ? outputName : `add${i}`;
    graph.node.push({ name: `add_${i}`, opType: 'Add', input: [`mm${i}`, `B${i}`], output: [addOut] });
    prev = addOut;
    if (act) {
      const out = last ? outputName : `act${i}`;
      graph.node.push({ name: `${act.toLowerCase()}_${i}`, opType: act, input: [prev], output: [out], ...(act === 'Softmax' ? { attribute: [{ name: 'axis', type: 2, i: -1 }] } : {}) });
      prev = out;
    }
  });
  graph.output.push(valueInfo(outputName, layers[layers.length - 1]!.units));
  return encodeOnnxModel({ irVersion: 8, producerName: options.producer ?? 'kindling', opsetImport: [{ domain: '', version: 13 }], graph });
}

/** An MLflow signature column. */
export interface SignatureColumn {
  readonly name: string;
  readonly type: 'double' | 'float' | 'long' | 'integer' | 'boolean';
}

/**
 * Writes an MLflow model folder: `MLmodel` (onnx + python_function flavors, loader_module
 * mlflow.onnx, column signature), `model.onnx`, and `requirements.txt`.
 */
export async function saveMlflowOnnx(dir: string, onnx: Uint8Array, signature: { inputs: readonly SignatureColumn[]; outputs: readonly SignatureColumn[] }, meta: { runId?: string; utcTimeCreated?: string } = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  const mlmodel = {
    artifact_path: 'model',
    flavors: {
      onnx: { code: null, data: 'model.onnx', onnx_version: '1.16.0', providers: ['CPUExecutionProvider'] },
      python_function: { data: 'model.onnx', loader_module: 'mlflow.onnx', python_version: '3.11.9' },
    },
    mlflow_version: '2.17.0',
    model_size_bytes: onnx.byteLength,
    ...(meta.runId ? { run_id: meta.runId } : {}),
    signature: { inputs: JSON.stringify(signature.inputs), outputs: JSON.stringify(signature.outputs), params: null },
    utc_time_created: meta.utcTimeCreated ?? '2026-01-01 00:00:00.000000',
  };
  await writeFile(path.join(dir, 'MLmodel'), toYaml(mlmodel));
  await writeFile(path.join(dir, 'model.onnx'), onnx);
  await writeFile(path.join(dir, 'requirements.txt'), 'mlflow==2.17.0\nonnx==1.16.0\nonnxruntime==1.19.2\n');
}

/** The float64 forward pass of a dense stack over column-major inputs, row-major [n, units] out: the reference scores in tests. */
export function denseReference(layers: readonly DenseLayer[], cols: readonly ArrayLike<number>[], n: number): Float64Array {
  const units = layers[layers.length - 1]!.units;
  const out = new Float64Array(n * units);
  for (let i = 0; i < n; i++) {
    let x = cols.map((c) => c[i]!);
    for (const l of layers) {
      const y = new Array<number>(l.units);
      for (let u = 0; u < l.units; u++) {
        let z = l.bias[u]!;
        for (let j = 0; j < l.inputs; j++) z += x[j]! * l.weights[j * l.units + u]!;
        y[u] = l.activation === 'relu' ? Math.max(0, z) : l.activation === 'sigmoid' ? 1 / (1 + Math.exp(-z)) : z;
      }
      if (l.activation === 'softmax') {
        const m = Math.max(...y);
        const e = y.map((v) => Math.exp(v - m));
        const s = e.reduce((a, b) => a + b, 0);
        for (let u = 0; u < l.units; u++) y[u] = e[u]! / s;
      }
      x = y;
    }
    out.set(x, i * units);
  }
  return out;
}

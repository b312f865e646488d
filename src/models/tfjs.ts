/**
 * TensorFlow.js models from disk: LayersModel and GraphModel folders (`model.json` plus the
 * weight files its manifest names), read through a file-system IOHandler (Node has no file://
 * handler without tfjs-node) and scored on the thread's tfjs backend (backend.ts).
 *
 * `describeTfjs` reads only model.json: the input/output shapes come from the layers' config
 * (`batch_input_shape`, the output layer's `units`) or a graph model's `signature`; an MLflow-style
 * `signature` under `userDefinedMetadata` names the input columns (the bundled model has one).
 *
 * A Layers model that is a plain stack of Dense layers (linear, relu, sigmoid or softmax, one
 * input and one output) scores through the kernel registry's `dense` kernel (src/kernels/), the
 * same entry bench:kernels measures, on the session's kernel choice; other models run
 * `model.predict` on the thread's tfjs backend.
 */
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import type { GraphInfo, LoadedModel, ModelDescription, ModelOutput, Signature, TensorInfo, FeatureColumn } from './common.js';
import { ModelFormatError, checkColumns, describeIO, packRows, parseSignaturePart, readModelFile, rowWidth, scatterOutput } from './common.js';
import { type TfBackendName, importTf, useTfBackend } from './backend.js';
import { type DenseLayer, type KernelRequest, denseKernelsFor } from '../kernels/index.js';

const DENSE_ACTIVATIONS = new Set(['linear', 'relu', 'sigmoid', 'softmax']);

/** The model's layers as dense kernel layers, or null when it is not a plain dense stack. */
function denseStackOf(model: import('@tensorflow/tfjs-layers').LayersModel): DenseLayer[] | null {
  if (model.inputs.length !== 1 || model.outputs.length !== 1 || model.inputs[0]!.shape.length !== 2) return null;
  const layers: DenseLayer[] = [];
  for (const l of model.layers) {
    if (l.getClassName() === 'InputLayer') continue;
    const cfg = l.getConfig() as { activation?: string; useBias?: boolean };
    const w = l.getWeights();
    if (l.getClassName() !== 'Dense' || !DENSE_ACTIVATIONS.has(cfg.activation ?? 'linear') || w[0]?.shape.length !== 2 || w[0].dtype !== 'float32') return null;
    const [inDim, outDim] = w[0].shape as [number, number];
    const bias = cfg.useBias === false ? new Float32Array(outDim) : (w[1]!.dataSync() as Float32Array).slice();
    layers.push({ weights: (w[0].dataSync() as Float32Array).slice(), bias, inDim, outDim, activation: (cfg.activation ?? 'linear') as DenseLayer['activation'] });
  }
  return layers.length > 0 && layers.every((l, i) => i === 0 || l.inDim === layers[i - 1]!.outDim) ? layers : null;
}

/** The parts of a model.json Kindling reads. */
interface ModelJson {
  format?: string;
  modelTopology?: Record<string, unknown>;
  weightsManifest?: { paths: string[]; weights: unknown[] }[];
  signature?: { inputs?: Record<string, TfSigTensor>; outputs?: Record<string, TfSigTensor> };
  userDefinedMetadata?: { signature?: { inputs?: unknown; outputs?: unknown } };
}

interface TfSigTensor {
  name?: string;
  dtype?: string;
  tensorShape?: { dim?: { size?: string | number }[] };
}

/** Reads and checks a model.json. */
export function readModelJson(file: string): ModelJson {
  const text = readModelFile(file, 'TensorFlow.js model file').toString('utf8');
  let json: ModelJson;
  try {
    json = JSON.parse(text) as ModelJson;
  } catch (e) {
    throw new ModelFormatError(`${file} is not a valid TensorFlow.js model.json: ${(e as Error).message}`, file, { cause: e });
  }
  if (typeof json !== 'object' || json === null || typeof json.modelTopology !== 'object' || json.modelTopology === null) {
    throw new ModelFormatError(`${file} is not a valid TensorFlow.js model.json: it has no "modelTopology" object (save the model with model.save() or tensorflowjs_converter)`, file);
  }
  if (!Array.isArray(json.weightsManifest)) throw new ModelFormatError(`${file} is not a valid TensorFlow.js model.json: it has no "weightsManifest" list`, file);
  return json;
}

/** 'tfjs-layers' or 'tfjs-graph', from the `format` field or the topology's shape. */
export function tfjsFormat(json: ModelJson, file: string): 'tfjs-layers' | 'tfjs-graph' {
  if (json.format === 'layers-model') return 'tfjs-layers';
  if (json.format === 'graph-model') return 'tfjs-graph';
  const topo = json.modelTopology!;
  if (Array.isArray(topo.node)) return 'tfjs-graph';
  if (typeof topo.class_name === 'string' || typeof topo.model_config === 'object') return 'tfjs-layers';
  throw new ModelFormatError(`${file}: unknown TensorFlow.js model format '${json.format ?? '(none)'}'; expected 'layers-model' or 'graph-model'`, file);
}

const TF_DTYPES: Record<string, string> = { DT_FLOAT: 'float32', DT_DOUBLE: 'float64', DT_INT32: 'int32', DT_INT64: 'int64', DT_BOOL: 'bool' };

function sigTensors(m: Record<string, TfSigTensor> | undefined): TensorInfo[] {
  return Object.entries(m ?? {}).map(([key, t]) => ({
    name: t.name ?? key,
    dtype: TF_DTYPES[t.dtype ?? 'DT_FLOAT'] ?? String(t.dtype),
    shape: (t.tensorShape?.dim ?? []).map((d) => Number(d.size ?? -1)),
  }));
}

type LayerConfig = { class_name?: string; config?: Record<string, unknown> & { name?: string; layers?: LayerConfig[]; units?: number } };

/** Inputs/outputs of a Layers model from its config, without building it. */
function layersGraph(json: ModelJson, file: string): GraphInfo {
  const topo = (json.modelTopology!.model_config ?? json.modelTopology) as LayerConfig;
  const cfg = topo.config ?? {};
  const layers: LayerConfig[] = Array.isArray(cfg) ? (cfg as LayerConfig[]) : (cfg.layers ?? []);
  const shapeOf = (l: LayerConfig | undefined) => (l?.config?.batch_input_shape ?? l?.config?.batchInputShape) as (number | null)[] | undefined;
  const byName = new Map(layers.map((l) => [l.config?.name, l]));
  let inputLayers: LayerConfig[];
  let outputLayers: LayerConfig[];
  if (topo.class_name === 'Sequential') {
    inputLayers = layers.length > 0 ? [layers[0]!] : [];
    const last = [...layers].reverse().find((l) => typeof l.config?.units === 'number');
    outputLayers = last ? [last] : [];
  } else {
    const names = (k: string) => ((cfg as Record<string, unknown>)[k] as [string, number, number][] | undefined ?? []).map((e) => byName.get(e[0]));
    inputLayers = names('input_layers').filter((l): l is LayerConfig => l !== undefined);
    outputLayers = names('output_layers').filter((l): l is LayerConfig => l !== undefined);
  }
  const inputs = inputLayers.map((l) => {
    const s = shapeOf(l);
    if (!s) throw new ModelFormatError(`${file}: cannot find the input shape of layer '${l.config?.name}' (no batch_input_shape)`, file);
    return { name: l.config?.name ?? 'input', dtype: 'float32', shape: s.map((d) => d ?? -1) };
  });
  const outputs = outputLayers.map((l) => {
    if (typeof l.config?.units !== 'number') {
      throw new ModelFormatError(`${file}: cannot infer the width of output layer '${l.config?.name}' (${l.class_name}) from model.json; add a signature with the outputs under userDefinedMetadata`, file);
    }
    return { name: l.config.name ?? 'output', dtype: 'float32', shape: [-1, l.config.units] };
  });
  if (inputs.length === 0 || outputs.length === 0) throw new ModelFormatError(`${file}: cannot find the model's input and output layers in modelTopology`, file);
  return { inputs, outputs };
}

/** Inputs/outputs of a Graph model: its `signature`, else its Placeholder nodes. */
function graphGraph(json: ModelJson, file: string): GraphInfo {
  let inputs = sigTensors(json.signature?.inputs);
  const outputs = sigTensors(json.signature?.outputs);
  if (inputs.length === 0) {
    const nodes = (json.modelTopology!.node ?? []) as { name: string; op: string; attr?: { shape?: { shape?: { dim?: { size?: string }[] } } } }[];
    inputs = nodes.filter((nd) => nd.op === 'Placeholder').map((nd) => ({ name: nd.name, dtype: 'float32', shape: (nd.attr?.shape?.shape?.dim ?? []).map((d) => Number(d.size ?? -1)) }));
  }
  if (outputs.length === 0) throw new ModelFormatError(`${file}: the graph model has no "signature" with outputs; convert it with tensorflowjs_converter from a SavedModel with a serving signature`, file);
  return { inputs, outputs };
}

function userSignature(json: ModelJson, file: string): Signature | null {
  const s = json.userDefinedMetadata?.signature;
  if (!s || s.inputs === undefined) return null;
  return { inputs: parseSignaturePart(s.inputs, 'inputs', file), outputs: s.outputs === undefined ? null : parseSignaturePart(s.outputs, 'outputs', file) };
}

/** The graph facts of a model.json (inputs/outputs as tensors). */
export function tfjsGraphInfo(json: ModelJson, file: string): GraphInfo {
  return tfjsFormat(json, file) === 'tfjs-layers' ? layersGraph(json, file) : graphGraph(json, file);
}

/** Describes a TensorFlow.js model folder from its model.json alone. */
export function describeTfjs(uri: string, dir: string): ModelDescription {
  const file = path.join(dir, 'model.json');
  const json = readModelJson(file);
  const format = tfjsFormat(json, file);
  return { uri, path: dir, format, ...describeIO(tfjsGraphInfo(json, file), userSignature(json, file), file) };
}

/** An IOHandler that reads model.json and its weight files from a folder. */
function fileHandler(tf: typeof import('@tensorflow/tfjs-core'), json: ModelJson, dir: string): tf.io.IOHandler {
  return {
    load: () =>
      tf.io.getModelArtifactsForJSON(json as unknown as tf.io.ModelJSON, async (manifest) => {
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          for (const p of group.paths) {
            const b = readModelFile(path.join(dir, p), 'weight file', ` listed in ${path.join(dir, 'model.json')}`);
            buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
          }
        }
        return [tf.io.getWeightSpecs(manifest), buffers];
      }),
  };
}

/** Loads and prepares a TensorFlow.js model for scoring on `backend`. */
export async function loadTfjs(desc: ModelDescription, backend: TfBackendName, kernels?: KernelRequest): Promise<LoadedModel> {
  const file = path.join(desc.path, 'model.json');
  const json = readModelJson(file);
  const tf = await importTf();
  const used = await useTfBackend(backend);
  const backendName = used.slice('tfjs-'.length);
  const graph = tfjsGraphInfo(json, file);
  const widths = graph.inputs.map((t) => rowWidth(t.shape, `input '${t.name}'`, file));
  const outWidths = graph.outputs.map((t) => rowWidth(t.shape, `output '${t.name}'`, file));
  let run: (xs: tf.Tensor[]) => Promise<tf.Tensor[]>;
  let disposeModel: () => void;
  let dense: { name: string; layers: DenseLayer[]; run: (x: Float32Array, rows: number, layers: readonly DenseLayer[]) => Promise<Float32Array> } | null = null;
  if (desc.format === 'tfjs-layers') {
    const tfl = await import('@tensorflow/tfjs-layers');
    const model = await tfl.loadLayersModel(fileHandler(tf, json, desc.path));
    const layers = desc.outputs.length === 1 ? denseStackOf(model) : null;
    if (layers) {
      const k = await denseKernelsFor(kernels, backendName);
      dense = { name: k.name, layers, run: k.dense };
    }
    run = async (xs) => {
      // The whole batch at once (predict's default batchSize is 32 rows).
      const y = model.predict(xs.length === 1 ? xs[0]! : xs, { batchSize: xs[0]!.shape[0] });
      return Array.isArray(y) ? y : [y];
    };
    disposeModel = () => model.dispose();
  } else {
    const conv = await import('@tensorflow/tfjs-converter');
    const model = await conv.loadGraphModel(fileHandler(tf, json, desc.path));
    const outNames = graph.outputs.map((t) => t.name);
    let dynamic = false;
    run = async (xs) => {
      const feed: tf.NamedTensorMap = {};
      graph.inputs.forEach((t, i) => (feed[t.name] = xs[i]!));
      let y: tf.Tensor | tf.Tensor[] | undefined;
      if (!dynamic) {
        try {
          y = model.execute(feed, outNames);
        } catch {
          dynamic = true; // control flow or dynamic shapes: only executeAsync runs it
        }
      }
      y ??= await model.executeAsync(feed, outNames);
      return Array.isArray(y) ? y : [y];
    };
    disposeModel = () => model.dispose();
  }
  return {
    ...desc,
    backend: used,
    ...(dense ? { denseKernels: dense.name } : {}),
    async predict(columns: readonly FeatureColumn[], n: number): Promise<ModelOutput> {
      checkColumns(desc, columns, n);
      const out = new Float64Array(n * desc.width);
      if (n === 0) return { values: out, width: desc.width };
      if (dense) {
        const y = await dense.run(packRows(new Float32Array(n * widths[0]!), columns, 0, widths[0]!, n), n, dense.layers);
        scatterOutput(out, desc.width, 0, y, outWidths[0]!, n);
        return { values: out, width: desc.width };
      }
      if (tf.getBackend() !== backendName) await useTfBackend(backendName as TfBackendName);
      let from = 0;
      const xs = widths.map((w, g) => {
        const buf = packRows(new Float32Array(n * w), columns, from, w, n);
        from += w;
        const shape = graph.inputs[g]!.shape;
        return tf.tensor(buf, shape.length > 0 ? shape.map((d, i) => (i === 0 ? n : d)) : [n, w], 'float32');
      });
      try {
        const ys = await run(xs);
        try {
          for (let o = 0; o < ys.length; o++) scatterOutput(out, desc.width, desc.outputs[o]!.offset, await ys[o]!.data(), outWidths[o]!, n);
        } finally {
          for (const y of ys) y.dispose();
        }
      } finally {
        for (const x of xs) x.dispose();
      }
      return { values: out, width: desc.width };
    },
    async dispose() {
      disposeModel();
    },
  };
}

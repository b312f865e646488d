/**
 * ONNX models through `onnxruntime-node` (CPU execution provider), imported dynamically so that
 * the rest of Kindling works where it is not installed (it is an optional dependency).
 *
 * `describeOnnx` reads the graph's inputs and outputs with the protobuf subset in onnx-proto.ts
 * (no runtime session). Feeding: a model with one graph input of shape `[n, k]` gets all `k`
 * feature columns packed into one row-major tensor (as `mlflow.onnx` feeds a DataFrame's values
 * to a single-input model); a model with several inputs gets consecutive columns per input
 * (matched by name first when the inputs are named columns). Outputs are converted to float64.
 */
import type { FeatureColumn, GraphInfo, LoadedModel, ModelDescription, ModelOutput, Signature } from './common.js';
import { ModelFormatError, checkColumns, describeIO, packRows, readModelFile, rowWidth, scatterOutput } from './common.js';
import { readOnnxGraphInfo } from './onnx-proto.js';

type Ort = typeof import('onnxruntime-node');
let ortPromise: Promise<Ort> | undefined;

/** Imports onnxruntime-node once per thread, with a clear error when it is not installed. */
export function importOrt(file: string): Promise<Ort> {
  ortPromise ??= import('onnxruntime-node').then(
    (m) => ((m as { default?: Ort }).default ?? m) as Ort,
    (e: unknown) => {
      ortPromise = undefined;
      throw new ModelFormatError(`cannot score ONNX model ${file}: the optional package onnxruntime-node is not installed or does not load (${(e as Error).message}); run \`npm install onnxruntime-node\``, file, { cause: e });
    },
  );
  return ortPromise;
}

/** Reads an ONNX file's graph inputs and outputs. */
export function onnxGraphInfo(file: string): GraphInfo {
  const g = readOnnxGraphInfo(readModelFile(file, 'ONNX model file'), file);
  for (const t of g.inputs) {
    if (t.dtype !== 'float32' && t.dtype !== 'float64') throw new ModelFormatError(`${file}: input '${t.name}' is a ${t.dtype} tensor; Kindling feeds float32 or float64 inputs only`, file);
  }
  return g;
}

/** Describes a model file: `format` is 'onnx' for a bare file, 'mlflow' when called for an MLflow folder. */
export function describeOnnx(uri: string, path: string, file: string, format: 'onnx' | 'mlflow', signature: Signature | null, described = file): ModelDescription {
  const graph = onnxGraphInfo(file);
  return { uri, path, format, ...describeIO(graph, signature, described) };
}

/** Options of an ONNX Runtime session. */
export interface OnnxOptions {
  /** Intra-op threads per session (default 1: Kindling already runs one session per worker thread). */
  readonly threads?: number;
}

/** Loads an ONNX model file into an onnxruntime-node session. */
export async function loadOnnx(desc: ModelDescription, file: string, options: OnnxOptions = {}): Promise<LoadedModel> {
  const ort = await importOrt(file);
  const graph = onnxGraphInfo(file);
  let session: Awaited<ReturnType<Ort['InferenceSession']['create']>>;
  try {
    session = await ort.InferenceSession.create(file, { executionProviders: ['cpu'], intraOpNumThreads: options.threads ?? 1, interOpNumThreads: 1 });
  } catch (e) {
    throw new ModelFormatError(`onnxruntime cannot load ${file}: ${(e as Error).message}`, file, { cause: e });
  }
  const widths = graph.inputs.map((t) => rowWidth(t.shape, `input '${t.name}'`, file));
  // Column j of `inputs` feeds graph input colIndex[g]..+widths[g]: by name for named width-1 inputs, else in order.
  const byName = desc.namedInputs && graph.inputs.length > 1 && graph.inputs.every((t, g) => widths[g] === 1 && desc.inputs.some((c) => c.name === t.name));
  const starts: number[] = [];
  let from = 0;
  for (let g = 0; g < graph.inputs.length; g++) {
    starts.push(byName ? desc.inputs.findIndex((c) => c.name === graph.inputs[g]!.name) : from);
    from += widths[g]!;
  }
  const outNames = graph.outputs.map((t) => t.name);
  const outWidths = graph.outputs.map((t) => rowWidth(t.shape, `output '${t.name}'`, file));
  return {
    ...desc,
    backend: 'onnxruntime-cpu',
    async predict(columns: readonly FeatureColumn[], n: number): Promise<ModelOutput> {
      checkColumns(desc, columns, n);
      const out = new Float64Array(n * desc.width);
      if (n === 0) return { values: out, width: desc.width };
      const feeds: Record<string, InstanceType<Ort['Tensor']>> = {};
      graph.inputs.forEach((t, g) => {
        const w = widths[g]!;
        const buf = t.dtype === 'float64' ? new Float64Array(n * w) : new Float32Array(n * w);
        packRows(buf, columns, starts[g]!, w, n);
        feeds[t.name] = new ort.Tensor(t.dtype === 'float64' ? 'float64' : 'float32', buf, t.shape.length > 0 ? t.shape.map((d, i) => (i === 0 ? n : d)) : [n, w]);
      });
      const res = await session.run(feeds);
      for (let o = 0; o < outNames.length; o++) {
        const t = res[outNames[o]!]!;
        scatterOutput(out, desc.width, desc.outputs[o]!.offset, t.data as ArrayLike<number | bigint>, outWidths[o]!, n);
        t.dispose();
      }
      return { values: out, width: desc.width };
    },
    async dispose() {
      await session.release();
    },
  };
}

/**
 * The model layer's entry points:
 *  - `describeModel(uri)`: format, input columns and result type from the model's metadata
 *    (model.json, MLmodel, the ONNX graph's inputs/outputs) without loading weights; for plan
 *    time, like `spark_udf` inferring `result_type`;
 *  - `loadModel(uri, options)`: the model ready to score, cached per thread by resolved path
 *    (and backend), so a worker loads a model once and reuses it for every task and batch;
 *  - `releaseModels()` frees this thread's models (at session stop), `modelLoadCount()` counts
 *    actual loads (for tests of the once-per-worker guarantee).
 * Formats: tfjs.ts (TensorFlow.js LayersModel/GraphModel folders), onnx.ts (ONNX files through
 * onnxruntime-node), mlflow.ts (MLflow folders with the onnx flavor).
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileNotFoundError, IllegalArgumentError } from '../errors.js';
import type { LoadedModel, ModelDescription } from './common.js';
import { ModelFormatError } from './common.js';
import type { TfBackendName } from './backend.js';
import type { KernelRequest } from '../kernels/index.js';
import { describeTfjs, loadTfjs } from './tfjs.js';
import { describeOnnx, loadOnnx } from './onnx.js';
import { describeMlflow } from './mlflow.js';

export type { FeatureColumn, LoadedModel, ModelDescription, ModelFormat, ModelInput, ModelOutput, ModelOutputSpec } from './common.js';
export { ModelFormatError } from './common.js';
export type { TfBackendName } from './backend.js';
export { useTfBackend } from './backend.js';

/** Options of `loadModel`. */
export interface LoadModelOptions {
  /** TensorFlow.js backend ('auto' default: tfjs-node's 'tensorflow' if installed, else 'wasm', else 'cpu'). */
  readonly backend?: TfBackendName;
  /** ONNX Runtime intra-op threads per session (default 1: Kindling runs one session per worker thread). */
  readonly onnxThreads?: number;
  /**
   * The session's kernel choice (`Session.create({ kernels })`, passed on by `spark.models`): a
   * TensorFlow.js model that is a stack of dense layers scores through that choice's `dense`
   * kernel (src/kernels/); absent: the `dense` kernel of the tfjs backend it loaded on.
   */
  readonly kernels?: KernelRequest;
}

/** Where a model lives and what it is, before reading its metadata. */
interface Located {
  /** The model folder, or the .onnx file. */
  readonly path: string;
  readonly kind: 'tfjs' | 'onnx' | 'mlflow';
}

/** Turns a model URI (a path, or a file: URL) into an absolute path. */
export function resolveModelPath(uri: string): string {
  if (typeof uri !== 'string' || uri.length === 0) throw new IllegalArgumentError(`a model URI must be a non-empty path or file: URL, got ${JSON.stringify(uri)}`);
  if (uri.startsWith('file:')) return fileURLToPath(uri);
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(uri);
  if (scheme && scheme[1]!.length > 1) {
    throw new IllegalArgumentError(`model URI ${uri}: the '${scheme[1]}:' scheme is not supported; Kindling loads models from local folders and files (download an MLflow model with \`mlflow artifacts download\` first)`);
  }
  return path.resolve(uri);
}

function locate(uri: string): Located {
  const p = resolveModelPath(uri);
  const st = statSync(p, { throwIfNoEntry: false });
  if (!st) throw new FileNotFoundError(p, `model path does not exist: ${p}`);
  if (st.isDirectory()) {
    const has = (f: string) => statSync(path.join(p, f), { throwIfNoEntry: false })?.isFile() ?? false;
    if (has('MLmodel')) return { path: p, kind: 'mlflow' };
    if (has('model.json')) return { path: p, kind: 'tfjs' };
    throw new ModelFormatError(`unknown model format: folder ${p} has neither an MLmodel file (MLflow) nor a model.json (TensorFlow.js); pass an MLflow model folder, a TensorFlow.js model folder or an .onnx file`, p);
  }
  const base = path.basename(p);
  if (base === 'MLmodel') return { path: path.dirname(p), kind: 'mlflow' };
  if (base === 'model.json') return { path: path.dirname(p), kind: 'tfjs' };
  if (base.toLowerCase().endsWith('.onnx')) return { path: p, kind: 'onnx' };
  throw new ModelFormatError(`unknown model format: ${p} is not an .onnx file, a model.json or an MLmodel; pass an MLflow model folder, a TensorFlow.js model folder or an .onnx file`, p);
}

function describeLocated(uri: string, loc: Located): ModelDescription & { onnxFile?: string } {
  switch (loc.kind) {
    case 'tfjs': return describeTfjs(uri, loc.path);
    case 'onnx': return { ...describeOnnx(uri, loc.path, loc.path, 'onnx', null), onnxFile: loc.path };
    case 'mlflow': return describeMlflow(uri, loc.path);
  }
}

/**
 * Reads a model's format, input columns and result type without loading its weights (main
 * thread, plan time; it reads model.json, MLmodel or the ONNX graph's inputs and outputs).
 * Throws `FileNotFoundError` for a missing path and `ModelFormatError` (naming the file) for an
 * unknown or malformed model.
 */
export function describeModelSync(uri: string): ModelDescription {
  const { onnxFile: _f, ...desc } = describeLocated(uri, locate(uri));
  return desc;
}

/** `describeModelSync` as a promise (errors become rejections). */
export async function describeModel(uri: string): Promise<ModelDescription> {
  return describeModelSync(uri);
}

const cache = new Map<string, Promise<LoadedModel>>();
let loads = 0;

/**
 * The model at `uri`, loaded once per thread: later calls with the same resolved path and
 * options return the same instance (a failed load is not cached). Call it inside worker threads.
 */
export function loadModel(uri: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const key = `${resolveModelPath(uri)}\0${options.backend ?? 'auto'}\0${options.onnxThreads ?? 1}\0${options.kernels ? `${options.kernels.backend}/${options.kernels.precision}` : ''}`;
  let p = cache.get(key);
  if (!p) {
    p = (async () => {
      const desc = describeLocated(uri, locate(uri));
      const { onnxFile, ...d } = desc;
      const model = onnxFile !== undefined ? await loadOnnx(d, onnxFile, { threads: options.onnxThreads }) : await loadTfjs(d, options.backend ?? 'auto', options.kernels);
      loads++;
      return model;
    })();
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

/** How many models this thread has actually loaded (cache misses) since it started. */
export function modelLoadCount(): number {
  return loads;
}

/** Disposes every model this thread loaded and empties the cache (session stop). */
export async function releaseModels(): Promise<void> {
  const all = [...cache.values()];
  cache.clear();
  for (const p of all) {
    const m = await p.catch(() => null);
    if (m) await m.dispose();
  }
}

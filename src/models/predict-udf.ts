/**
 * The worker side of model scoring: a module UDF (`{ init, evaluate }`, see
 * src/udf/function-ref.ts) that loads the model once per worker thread (`init`, through the
 * per-thread model cache of index.ts) and scores each Arrow batch handed to it as typed-array
 * feature columns — never row by row. `Model.udf()` (handle.ts) points a vectorized UDF here.
 */
import type * as A from 'apache-arrow';
import type { UdfContext } from '../udf/function-ref.js';
import type { FeatureColumn, LoadedModel, LoadModelOptions } from './index.js';
import { loadModel } from './index.js';

/** What `Model.udf()` ships as the UDF's args. */
export interface PredictArgs extends LoadModelOptions {
  /** Absolute path of the model (folder or .onnx file). */
  readonly path: string;
}

/** One feature column as a typed array: numeric vectors without a copy, 64-bit integers and booleans converted. */
function feature(v: A.Vector): FeatureColumn {
  const arr = v.toArray() as unknown;
  if (arr instanceof BigInt64Array || arr instanceof BigUint64Array) {
    const out = new Float64Array(arr.length);
    for (let i = 0; i < arr.length; i++) out[i] = Number(arr[i]);
    return out;
  }
  if (ArrayBuffer.isView(arr) && !(arr instanceof DataView)) return arr as FeatureColumn;
  const out = new Float64Array(v.length);
  const xs = arr as ArrayLike<unknown>;
  for (let i = 0; i < v.length; i++) out[i] = Number(xs[i]);
  return out;
}

/** The model-scoring UDF: `init` loads the model (once per worker), `evaluate` scores one batch. */
export const predict = {
  init(args: PredictArgs): Promise<LoadedModel> {
    const { path, ...options } = args;
    return loadModel(path, options);
  },
  async evaluate(...vectorsAndContext: unknown[]): Promise<Float64Array | number[][]> {
    const ctx = vectorsAndContext[vectorsAndContext.length - 1] as UdfContext<PredictArgs, LoadedModel>;
    const vectors = vectorsAndContext.slice(0, -1) as A.Vector[];
    const model = ctx.state;
    const n = vectors[0]?.length ?? 0;
    const out = await model.predict(vectors.map(feature), n);
    if (out.width === 1) return out.values;
    const rows: number[][] = new Array(n);
    for (let i = 0; i < n; i++) rows[i] = Array.from(out.values.subarray(i * out.width, (i + 1) * out.width));
    return rows;
  },
};

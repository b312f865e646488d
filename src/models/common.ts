/**
 * Shared pieces of the model layer: the public model types (`ModelDescription`, `LoadedModel`,
 * `ModelOutput`), MLflow signature parsing (column- and tensor-based) and result-type inference
 * as `mlflow.pyfunc.spark_udf` infers `result_type`, the graph input/output descriptions the
 * format modules produce, and the batch helpers every format uses: packing column-major feature
 * columns into one row-major `[n, k]` tensor buffer, and concatenating output tensors into one
 * row-major `Float64Array`. Every loop here is a typed-array loop over a whole batch.
 */
import { readFileSync } from 'node:fs';
import { type DataType, sparkSimpleName } from '../types.js';
import { IllegalArgumentError, KindlingError } from '../errors.js';

/** The model formats Kindling loads. */
export type ModelFormat = 'tfjs-layers' | 'tfjs-graph' | 'onnx' | 'mlflow';

/** A numeric feature column handed to `predict`: Kindling's int32/float64/boolean storage, or float32. */
export type FeatureColumn = Float64Array | Float32Array | Int32Array | Uint8Array | Int16Array | Int8Array | Uint16Array | Uint32Array;

/** One input column a model takes. */
export interface ModelInput {
  /**
   * Column name: from the MLflow signature (or the `signature` in a TensorFlow.js model.json's
   * `userDefinedMetadata`); positional models without one get `f0`..`f{k-1}`.
   */
  readonly name: string;
  /** The Kindling type of the column the model expects (numeric: int32, int64, float64 or boolean). */
  readonly type: DataType;
}

/** One named output of a model and where its values sit in a result row. */
export interface ModelOutputSpec {
  /** Output (tensor or signature column) name. */
  readonly name: string;
  /** Number of values per row (1 for a `[n]` or `[n, 1]` tensor). */
  readonly width: number;
  /** Offset of the first value of this output inside a result row (outputs are concatenated in order). */
  readonly offset: number;
}

/** A model's metadata, read without loading its weights. */
export interface ModelDescription {
  /** The URI as given. */
  readonly uri: string;
  /** Absolute path of the model folder or file (the cache key). */
  readonly path: string;
  /** Model format. */
  readonly format: ModelFormat;
  /** The columns `predict` takes, in order. */
  readonly inputs: readonly ModelInput[];
  /**
   * True when `inputs` come from a signature and columns should be matched by name (MLflow
   * `spark_udf` semantics); false for positional inputs (`f0`..`f{k-1}`).
   */
  readonly namedInputs: boolean;
  /** The outputs, concatenated in this order into each result row. */
  readonly outputs: readonly ModelOutputSpec[];
  /** Values per result row: the sum of the outputs' widths. */
  readonly width: number;
  /**
   * Kindling type of the result column: `'float64'` (Spark `double`) when `width` is 1, else
   * `'list<float64>'` (Spark `array<double>`, e.g. class probabilities). A model with several
   * named outputs (a Spark struct) also gets `list<float64>`, the outputs concatenated in
   * `outputs` order, because Kindling has no struct type yet.
   */
  readonly resultType: DataType;
}

/**
 * The result of `predict` for `n` rows: `values` holds `n * width` numbers, row-major (row `i`'s
 * values are `values[i * width .. (i + 1) * width)`). When `resultType` is `'float64'`, `width`
 * is 1 and `values` is the result column itself; for `'list<float64>'` each row is one list of
 * `width` elements (offsets `i * width`).
 */
export interface ModelOutput {
  readonly values: Float64Array;
  readonly width: number;
}

/** A model loaded in this thread, ready to score batches. */
export interface LoadedModel extends ModelDescription {
  /** The compute backend used: `'tfjs-cpu'`, `'tfjs-wasm'`, `'tfjs-tensorflow'` or `'onnxruntime-cpu'`. */
  readonly backend: string;
  /** For a dense-stack TensorFlow.js model: the kernel backend(s) its dense layers run on (src/kernels/), e.g. 'tfjs-wasm' or 'auto(tfjs-wasm, js)'. */
  readonly denseKernels?: string;
  /**
   * Scores `n` rows. `columns` holds one typed array per entry of `inputs`, in that order
   * (column-major; at least `n` values each, nulls already removed or replaced by the caller).
   * Returns a new `Float64Array` of `n * width` values (see `ModelOutput`).
   */
  predict(columns: readonly FeatureColumn[], n: number): Promise<ModelOutput>;
  /** Frees the model's weights and runtime session. */
  dispose(): Promise<void>;
}

/** A model graph's tensor input or output, as the format module reads it from the model file. */
export interface TensorInfo {
  readonly name: string;
  /** Shape with -1 for unknown (batch) dimensions; `[]` when unknown. */
  readonly shape: readonly number[];
  /** Element type, lower case ONNX/TF names: 'float32', 'float64', 'int32', 'int64', ... */
  readonly dtype: string;
}

/** The graph-level facts a format module reports before loading weights. */
export interface GraphInfo {
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
}

/** An MLflow-style signature (column-based or tensor-based) after parsing. */
export interface Signature {
  readonly inputs: readonly SignatureEntry[];
  readonly outputs: readonly SignatureEntry[] | null;
}

/** One signature entry: a column (`type` is the column type) or a tensor (`tensor` set). */
export interface SignatureEntry {
  readonly name: string | null;
  readonly type: string;
  readonly tensor?: { readonly dtype: string; readonly shape: readonly number[] };
}

/** A model file or folder that cannot be understood. */
export class ModelFormatError extends KindlingError {
  override name = 'ModelFormatError';
  constructor(message: string, readonly path: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Reads a model file (`what` names it in the error: 'MLflow model file', 'weight file', ...). */
export function readModelFile(file: string, what: string, context = ''): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new ModelFormatError(`cannot read ${what} ${file}${context}: ${(e as Error).message}`, file, { cause: e });
  }
}

/** MLflow column types → Kindling types (string, binary and datetime inputs cannot feed a numeric tensor). */
const MLFLOW_COLUMN_TYPES: Record<string, DataType> = {
  double: 'float64',
  float: 'float64',
  long: 'int64',
  integer: 'int32',
  boolean: 'boolean',
};

/** Parses an MLflow signature's `inputs`/`outputs` (a JSON string in MLmodel, or an already parsed array). */
export function parseSignaturePart(raw: unknown, where: string, file: string): SignatureEntry[] {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch (e) {
      throw new ModelFormatError(`${file}: signature ${where} is not valid JSON (${(e as Error).message}); MLflow writes it as a JSON string like '[{"name": "age", "type": "double"}]'`, file);
    }
  }
  if (!Array.isArray(value)) throw new ModelFormatError(`${file}: signature ${where} must be a list of columns or tensors, got ${JSON.stringify(value)}`, file);
  return value.map((e: unknown, i) => {
    const o = e as { name?: unknown; type?: unknown; 'tensor-spec'?: { dtype?: unknown; shape?: unknown } };
    if (typeof o !== 'object' || o === null || typeof o.type !== 'string') {
      throw new ModelFormatError(`${file}: signature ${where}[${i}] must be an object with a "type", got ${JSON.stringify(e)}`, file);
    }
    const name = typeof o.name === 'string' ? o.name : null;
    if (o.type === 'tensor') {
      const spec = o['tensor-spec'];
      if (!spec || typeof spec.dtype !== 'string' || !Array.isArray(spec.shape)) {
        throw new ModelFormatError(`${file}: signature ${where}[${i}] is a tensor without a "tensor-spec" {dtype, shape}`, file);
      }
      return { name, type: 'tensor', tensor: { dtype: spec.dtype, shape: spec.shape.map(Number) } };
    }
    return { name, type: o.type };
  });
}

/** Width of a tensor per row: the product of its non-batch dimensions (1 for a `[n]` tensor). */
export function rowWidth(shape: readonly number[], what: string, file: string): number {
  let w = 1;
  for (let d = 1; d < shape.length; d++) {
    const s = shape[d]!;
    if (!(s > 0)) throw new ModelFormatError(`${file}: ${what} has shape [${shape.join(', ')}] with an unknown non-batch dimension; Kindling needs fixed feature and output widths`, file);
    w *= s;
  }
  return w;
}

/** The input columns and outputs of a model, from its signature when present, else from its graph. */
export function describeIO(graph: GraphInfo, signature: Signature | null, file: string): Pick<ModelDescription, 'inputs' | 'namedInputs' | 'outputs' | 'width' | 'resultType'> {
  const graphWidth = graph.inputs.reduce((s, t) => s + rowWidth(t.shape, `input '${t.name}'`, file), 0);
  let inputs: ModelInput[];
  let namedInputs = false;
  const columnSig = signature && signature.inputs.length > 0 && signature.inputs.every((e) => e.type !== 'tensor');
  if (columnSig) {
    inputs = signature!.inputs.map((e, i) => {
      const t = MLFLOW_COLUMN_TYPES[e.type];
      if (!t) throw new ModelFormatError(`${file}: signature input '${e.name ?? i}' has type '${e.type}'; a model scored by Kindling takes numeric columns (double, float, long, integer, boolean)`, file);
      return { name: e.name ?? `f${i}`, type: t };
    });
    namedInputs = signature!.inputs.every((e) => e.name !== null);
  } else {
    const width = signature && signature.inputs.length > 0 ? signature.inputs.reduce((s, e) => s + rowWidth(e.tensor!.shape, 'signature input tensor', file), 0) : graphWidth;
    inputs = Array.from({ length: width }, (_, i) => ({ name: `f${i}`, type: 'float64' as DataType }));
  }
  if (inputs.length !== graphWidth) {
    throw new ModelFormatError(
      `${file}: the signature lists ${inputs.length} input column(s) (${inputs.map((c) => c.name).join(', ')}) but the model graph takes ${graphWidth} feature(s) (${graph.inputs.map((t) => `${t.name} [${t.shape.join(', ')}]`).join(', ')}); fix the signature or the model`,
      file,
    );
  }
  const outputs: ModelOutputSpec[] = [];
  let width = 0;
  const sigOut = signature?.outputs;
  if (sigOut && sigOut.length > 0 && sigOut.length === graph.outputs.length) {
    sigOut.forEach((e, i) => {
      const w = e.tensor ? rowWidth(e.tensor.shape, `signature output '${e.name ?? i}'`, file) : rowWidth(graph.outputs[i]!.shape, `output '${graph.outputs[i]!.name}'`, file);
      outputs.push({ name: e.name ?? graph.outputs[i]!.name, width: w, offset: width });
      width += w;
    });
  } else {
    for (const t of graph.outputs) {
      const w = rowWidth(t.shape, `output '${t.name}'`, file);
      outputs.push({ name: t.name, width: w, offset: width });
      width += w;
    }
  }
  if (width === 0) throw new ModelFormatError(`${file}: the model has no outputs`, file);
  return { inputs, namedInputs, outputs, width, resultType: width === 1 ? 'float64' : 'list<float64>' };
}

/** Checks `predict`'s arguments against the model's inputs. */
export function checkColumns(desc: ModelDescription, columns: readonly FeatureColumn[], n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new IllegalArgumentError(`predict(columns, n): n must be a non-negative integer row count, got ${n}`);
  if (columns.length !== desc.inputs.length) {
    throw new IllegalArgumentError(
      `model ${desc.path} takes ${desc.inputs.length} input column(s) (${desc.inputs.map((c) => `${c.name} ${sparkSimpleName(c.type)}`).join(', ')}), but predict got ${columns.length}; pass one column per model input, in that order`,
    );
  }
  for (let j = 0; j < columns.length; j++) {
    if (columns[j]!.length < n) throw new IllegalArgumentError(`model ${desc.path}: input column ${j} ('${desc.inputs[j]!.name}') has ${columns[j]!.length} values, fewer than the ${n} rows to score`);
  }
}

/**
 * Packs columns `from..from+k` (column-major) into a row-major `[n, k]` buffer: one typed-array
 * loop per column, strided writes.
 */
export function packRows<T extends Float32Array | Float64Array>(out: T, columns: readonly FeatureColumn[], from: number, k: number, n: number): T {
  for (let j = 0; j < k; j++) {
    const c = columns[from + j]!;
    for (let i = 0, o = j; i < n; i++, o += k) out[o] = c[i]!;
  }
  return out;
}

/** Copies one output tensor's `[n, w]` values into columns `offset..offset+w` of the row-major `[n, width]` result. */
export function scatterOutput(out: Float64Array, width: number, offset: number, data: ArrayLike<number | bigint>, w: number, n: number): void {
  if (data.length !== n * w) throw new KindlingError(`model output has ${data.length} values, expected ${n} rows × ${w}`);
  if (w === width && typeof data[0] !== 'bigint') {
    out.set(data as ArrayLike<number>);
    return;
  }
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < w; c++) out[i * width + offset + c] = Number(data[i * w + c]!);
  }
}

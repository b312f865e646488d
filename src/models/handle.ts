/**
 * Model handles on the main thread: `spark.models.load(uri)` reads a model's metadata (format,
 * input columns, result type — never the weights) and returns a `Model`, whose `udf()` is a
 * vectorized UDF scoring batches in the workers (predict-udf.ts, the model loaded once per
 * worker) and whose `predict(...cols)` / `F.predict(model, ...cols)` is a Column: MLflow's
 * `spark_udf(spark, model_uri)` in Kindling. A model with a signature (MLflow) takes its input
 * columns by name when none are given, as `spark_udf` does.
 */
import type { Column, ColumnOrName } from '../column.js';
import { IllegalArgumentError } from '../errors.js';
import { moduleFunction } from '../udf/function-ref.js';
import { type UserDefinedFunction, makeUdf } from '../udf/udf.js';
import type { DataType } from '../types.js';
import { type LoadModelOptions, type ModelDescription, type ModelFormat, type ModelInput, describeModelSync } from './index.js';
import type { PredictArgs } from './predict-udf.js';

/** The worker module that scores (the .ts source under tsx/vitest, the .js file in dist/). */
const PREDICT_MODULE = new URL(import.meta.url.endsWith('.ts') ? './predict-udf.ts' : './predict-udf.js', import.meta.url);

/** Options of `spark.models.load` and `model.udf`. */
export interface ModelOptions extends LoadModelOptions {
  /** The UDF's name in column names, explain and errors (default `predict_<model folder or file name>`). */
  readonly name?: string;
  /** Rows per call (default: the session's `spark.sql.execution.arrow.maxRecordsPerBatch`, 10000). */
  readonly batchSize?: number;
}

/** A model ready to be scored in a job (its metadata read; its weights load in each worker). */
export class Model {
  /** @internal */
  constructor(readonly description: ModelDescription, private readonly options: ModelOptions = {}) {}

  /** The URI as given. */
  get uri(): string {
    return this.description.uri;
  }

  /** 'tfjs-layers', 'tfjs-graph', 'onnx' or 'mlflow'. */
  get format(): ModelFormat {
    return this.description.format;
  }

  /** The input columns, in order (names from the signature, else f0..f{k-1}). */
  get inputs(): readonly ModelInput[] {
    return this.description.inputs;
  }

  /** The result column's type: 'float64' (double) for one value per row, else 'list<float64>' (array<double>). */
  get resultType(): DataType {
    return this.description.resultType;
  }

  /** A vectorized UDF scoring this model (`model.udf()(...cols)`); options override those of `load`. */
  udf(options: ModelOptions = {}): UserDefinedFunction {
    const o = { ...this.options, ...options };
    const base = this.description.path.split(/[\\/]/).filter(Boolean).pop() ?? 'model';
    const name = o.name ?? `predict_${base.replace(/\.onnx$/i, '').replace(/[^A-Za-z0-9_]/g, '_')}`;
    const args: PredictArgs = {
      path: this.description.path,
      ...(o.backend !== undefined ? { backend: o.backend } : {}),
      ...(o.onnxThreads !== undefined ? { onnxThreads: o.onnxThreads } : {}),
      ...(o.kernels !== undefined ? { kernels: o.kernels } : {}),
    };
    return makeUdf('vectorized', moduleFunction(PREDICT_MODULE, 'predict', 'model.udf()'), this.resultType, {
      name, args, ...(o.batchSize !== undefined ? { batchSize: o.batchSize } : {}),
    }, 'model.udf()');
  }

  /**
   * The model's prediction as a Column. Without columns, a model with a signature reads the
   * columns its inputs name (MLflow `spark_udf`); a positional model needs them given.
   */
  predict(...cols: ColumnOrName[]): Column {
    const d = this.description;
    if (cols.length === 0) {
      if (!d.namedInputs) throw new IllegalArgumentError(`model ${d.uri} has no signature naming its inputs: pass its ${d.inputs.length} feature columns in order, e.g. F.predict(model, ${d.inputs.slice(0, 2).map((i) => `'${i.name}'`).join(', ')}, ...)`);
      cols = d.inputs.map((i) => i.name);
    }
    if (cols.length !== d.inputs.length) {
      throw new IllegalArgumentError(`model ${d.uri} takes ${d.inputs.length} input columns (${d.inputs.map((i) => i.name).join(', ')}) but ${cols.length} were given`);
    }
    return this.udf()(...cols);
  }
}

/** `spark.models`: loads model handles. */
export class ModelCatalog {
  /** @internal `defaults`: the session's options for every model (its kernel choice). */
  constructor(private readonly defaults: () => ModelOptions = () => ({})) {}

  /**
   * A handle on the model at `uri`: an MLflow model folder (MLmodel, onnx flavor), a TensorFlow.js
   * model folder (model.json + weights) or an .onnx file. Reads only metadata; throws
   * FileNotFoundError / ModelFormatError naming the path.
   */
  load(uri: string, options: ModelOptions = {}): Model {
    return new Model(describeModelSync(uri), { ...this.defaults(), ...options });
  }
}

/**
 * MLflow model folders: an `MLmodel` YAML file (parsed with the `yaml` package) whose `onnx`
 * flavor names the ONNX file (`data: model.onnx`), and whose optional `signature` (inputs and
 * outputs as JSON strings, column- or tensor-based) names the input columns and gives the result
 * type, as `mlflow.pyfunc.spark_udf` does. Scoring goes through onnx.ts.
 */
import path from 'node:path';
import { createRequire } from 'node:module';
import type { ModelDescription, Signature } from './common.js';
import { ModelFormatError, parseSignaturePart, readModelFile } from './common.js';
import { describeOnnx } from './onnx.js';

/** The `yaml` package, loaded on first use (synchronously: describe runs at plan time). */
const requireYaml = (): typeof import('yaml') => createRequire(import.meta.url)('yaml') as typeof import('yaml');

/** What Kindling reads from an MLmodel file. */
export interface MLmodel {
  /** Absolute path of the ONNX file the onnx flavor points at. */
  readonly onnxFile: string;
  /** The parsed signature, or null when the model was logged without one. */
  readonly signature: Signature | null;
  /** Names of all flavors in the file. */
  readonly flavors: readonly string[];
}

/** Reads and checks `<dir>/MLmodel`. */
export function readMLmodel(dir: string): MLmodel {
  const file = path.join(dir, 'MLmodel');
  const text = readModelFile(file, 'MLflow model file').toString('utf8');
  let doc: { flavors?: Record<string, { data?: unknown; loader_module?: unknown; model_data?: unknown }>; signature?: { inputs?: unknown; outputs?: unknown } };
  try {
    doc = requireYaml().parse(text) as typeof doc;
  } catch (e) {
    throw new ModelFormatError(`${file} is not valid YAML: ${(e as Error).message}`, file, { cause: e });
  }
  if (typeof doc !== 'object' || doc === null || typeof doc.flavors !== 'object' || doc.flavors === null) {
    throw new ModelFormatError(`${file} has no "flavors" section; is it an MLflow MLmodel file?`, file);
  }
  const flavors = Object.keys(doc.flavors);
  const pyfunc = doc.flavors.python_function;
  const onnx = doc.flavors.onnx ?? (pyfunc?.loader_module === 'mlflow.onnx' ? pyfunc : undefined);
  if (!onnx) {
    throw new ModelFormatError(`${file} has the flavor(s) ${flavors.join(', ')}, but Kindling scores MLflow models with the onnx flavor only; log the model with mlflow.onnx.log_model (convert it with skl2onnx, tf2onnx or torch.onnx first)`, file);
  }
  const data = onnx.data ?? onnx.model_data ?? 'model.onnx';
  if (typeof data !== 'string') throw new ModelFormatError(`${file}: the onnx flavor's "data" must be the ONNX file name, got ${JSON.stringify(data)}`, file);
  let signature: Signature | null = null;
  if (doc.signature && doc.signature.inputs !== undefined && doc.signature.inputs !== null) {
    signature = {
      inputs: parseSignaturePart(doc.signature.inputs, 'inputs', file),
      outputs: doc.signature.outputs === undefined || doc.signature.outputs === null ? null : parseSignaturePart(doc.signature.outputs, 'outputs', file),
    };
  }
  return { onnxFile: path.resolve(dir, data), signature, flavors };
}

/** Describes an MLflow folder (its MLmodel plus the ONNX graph's inputs and outputs). */
export function describeMlflow(uri: string, dir: string): ModelDescription & { onnxFile: string } {
  const m = readMLmodel(dir);
  const desc = describeOnnx(uri, dir, m.onnxFile, 'mlflow', m.signature, path.join(dir, 'MLmodel'));
  return { ...desc, onnxFile: m.onnxFile };
}

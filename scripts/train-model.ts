/**
 * Trains the bundled bank-marketing classifier and writes it in two formats:
 *  - data/models/bank-tfjs/    a TensorFlow.js LayersModel (model.json + weights.bin), with an
 *                              MLflow-style signature naming its input columns in userDefinedMetadata;
 *  - data/models/bank-mlflow/  the same model as ONNX inside an MLflow model folder (MLmodel with
 *                              the onnx flavor and a column signature, model.onnx, requirements.txt).
 *
 * Features, read with Kindling from data/bank.csv: age, balance, day, duration, campaign, pdays,
 * previous, and month_int (month as 1..12, the `month_as_int` mapping); label: y = 'yes'.
 * Model: logistic regression trained with tfjs-layers on the cpu backend on standardised
 * features (zero initial weights, no shuffling: deterministic), then the standardisation is
 * folded into the weights (w' = w/σ, b' = b − Σ w·μ/σ), so the saved model takes the raw columns
 * and outputs P(y = 'yes'). Rerunning it rewrites byte-identical files.
 *
 * Run: `npm run train-model`.
 */
import { rm } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Session, col, functions as F } from '../src/index.js';
import { useTfBackend } from '../src/models/backend.js';
import { type DenseLayer, type SignatureColumn, denseToLayersModel, denseToOnnx, saveLayersModel, saveMlflowOnnx } from '../src/models/authoring.js';

const FEATURES = ['age', 'balance', 'day', 'duration', 'campaign', 'pdays', 'previous', 'month_int'] as const;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const EPOCHS = 8;
const TFJS_DIR = 'data/models/bank-tfjs';
const MLFLOW_DIR = 'data/models/bank-mlflow';

/** `month_as_int`: 'jan' → 1 … 'dec' → 12, as a Kindling expression. */
function monthAsInt() {
  let e = F.when(col('month').eq(MONTHS[0]!), 1);
  for (let m = 1; m < 12; m++) e = e.when(col('month').eq(MONTHS[m]!), m + 1);
  return e.otherwise(null);
}

/** Area under the ROC curve (rank statistic; ties get average ranks). */
function auc(scores: Float64Array | Float32Array, labels: Float32Array): number {
  const idx = Array.from(scores.keys()).sort((a, b) => scores[a]! - scores[b]!);
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j < idx.length && scores[idx[j]!] === scores[idx[i]!]) j++;
    const rank = (i + 1 + j) / 2;
    for (let t = i; t < j; t++) if (labels[idx[t]!] === 1) (pos++, (rankSum += rank));
    i = j;
  }
  const neg = idx.length - pos;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

const spark = await Session.create({ threads: 1 });
let table;
try {
  table = await spark.read
    .csv('data/bank.csv', { header: true, sep: ';', inferSchema: true })
    .withColumn('month_int', monthAsInt())
    .withColumn('label', F.when(col('y').eq('yes'), 1).otherwise(0))
    .select(...FEATURES, 'label')
    .toArrow();
} finally {
  await spark.stop();
}
const n = table.numRows;
const k = FEATURES.length;
const raw = FEATURES.map((f) => Float64Array.from(table.getChild(f)!.toArray() as ArrayLike<number>));
const labels = Float32Array.from(table.getChild('label')!.toArray() as ArrayLike<number>);

// Standardise (population mean and standard deviation per feature).
const mean = raw.map((c) => c.reduce((s, v) => s + v, 0) / n);
const std = raw.map((c, j) => Math.sqrt(c.reduce((s, v) => s + (v - mean[j]!) ** 2, 0) / n) || 1);
const x = new Float32Array(n * k);
for (let j = 0; j < k; j++) for (let i = 0; i < n; i++) x[i * k + j] = (raw[j]![i]! - mean[j]!) / std[j]!;

await useTfBackend('cpu');
const model = tfl.sequential({ layers: [tfl.layers.dense({ name: 'logit', units: 1, inputShape: [k], activation: 'sigmoid', kernelInitializer: 'zeros', biasInitializer: 'zeros' })] });
model.compile({ optimizer: tf.train.adam(0.05), loss: 'binaryCrossentropy' });
const xs = tf.tensor2d(x, [n, k]);
const ys = tf.tensor2d(labels, [n, 1]);
const hist = await model.fit(xs, ys, { epochs: EPOCHS, batchSize: 512, shuffle: false, verbose: 0 });
const [kernel, bias] = model.getWeights().map((t) => t.dataSync());

// Fold the standardisation into the weights: the saved model takes raw feature columns.
const w = new Float32Array(k);
let b = bias![0]!;
for (let j = 0; j < k; j++) {
  w[j] = kernel![j]! / std[j]!;
  b -= (kernel![j]! * mean[j]!) / std[j]!;
}
const layers: DenseLayer[] = [{ inputs: k, units: 1, weights: w, bias: Float32Array.of(b), activation: 'sigmoid' }];

// Training-set quality of the folded model, for the metadata and the log.
const probs = new Float64Array(n);
let correct = 0;
for (let i = 0; i < n; i++) {
  let z = layers[0]!.bias[0]!;
  for (let j = 0; j < k; j++) z += w[j]! * raw[j]![i]!;
  probs[i] = 1 / (1 + Math.exp(-z));
  if ((probs[i]! >= 0.5 ? 1 : 0) === labels[i]) correct++;
}
const accuracy = correct / n;
const rocAuc = auc(probs, labels);

const inputs: SignatureColumn[] = FEATURES.map((name) => ({ name, type: 'long' }));
const outputs: SignatureColumn[] = [{ name: 'probability', type: 'double' }];
const training = {
  data: 'data/bank.csv',
  rows: n,
  label: "y = 'yes'",
  epochs: EPOCHS,
  loss: Number((hist.history.loss!.at(-1) as number).toFixed(6)),
  accuracy: Number(accuracy.toFixed(6)),
  auc: Number(rocAuc.toFixed(6)),
  mean: mean.map((v) => Number(v.toPrecision(9))),
  std: std.map((v) => Number(v.toPrecision(9))),
};

await rm(TFJS_DIR, { recursive: true, force: true });
await rm(MLFLOW_DIR, { recursive: true, force: true });
await saveLayersModel(await denseToLayersModel(layers), TFJS_DIR, { signature: { inputs, outputs }, training });
await saveMlflowOnnx(MLFLOW_DIR, denseToOnnx(layers, { inputName: 'features', outputName: 'probability' }), { inputs, outputs });
console.log(`Trained on ${n} rows (${EPOCHS} epochs): loss ${training.loss}, accuracy ${training.accuracy}, AUC ${training.auc}.`);
console.log(`Wrote ${TFJS_DIR}/ (TensorFlow.js) and ${MLFLOW_DIR}/ (MLflow, ONNX).`);

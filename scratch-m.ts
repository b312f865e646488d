import { randomDense, denseToLayersModel, saveLayersModel, saveDenseGraphModel, denseToOnnx, saveMlflowOnnx } from './src/models/authoring.js';
import { describeModel, loadModel } from './src/models/index.js';
import { writeFile } from 'node:fs/promises';
const L = randomDense([13, 64, 16, 3], 42);
await saveLayersModel(await denseToLayersModel(L), '/tmp/mt/layers');
await saveDenseGraphModel(L, '/tmp/mt/graph');
await writeFile('/tmp/mt/mlp.onnx', denseToOnnx(L));
await saveMlflowOnnx('/tmp/mt/mlflow', denseToOnnx(L), { inputs: Array.from({length: 13}, (_, i) => ({ name: `c${i}`, type: 'double' as const })), outputs: [{ name: 'p', type: 'double' }] });
const n = 5;
const cols = Array.from({ length: 13 }, (_, j) => Float64Array.from({ length: n }, (_, i) => Math.sin(i * 13 + j)));
for (const [u, b] of [['/tmp/mt/layers', 'cpu'], ['/tmp/mt/layers', 'wasm'], ['/tmp/mt/graph', 'cpu'], ['/tmp/mt/mlp.onnx', 'auto'], ['/tmp/mt/mlflow', 'auto']] as const) {
  const d = await describeModel(u);
  console.log(u, d.format, d.inputs.length, d.namedInputs, d.outputs, d.resultType);
  const m = await loadModel(u, { backend: b });
  const r = await m.predict(cols, n);
  console.log(m.backend, Array.from(r.values.slice(0, 6)).map(x => x.toFixed(6)).join(' '));
}

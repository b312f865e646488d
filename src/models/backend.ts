/** The TensorFlow.js backend choice for the model layer: it lives in src/kernels/tf.ts, shared with the kernel backends. */
export { importTf, useTfBackend, type TfBackendName } from '../kernels/tf.js';

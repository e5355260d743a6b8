/**
 * save() / load() of a CNN built by buildCnn, in the model file format (model-file.ts): its config
 * (kind 'cnn', its format included), every convolution's filter as CSR (mask and values, whatever
 * the format on the GPU; a dense filter stores every tap) and bias, and the classifier. Loading
 * validates the file as untrusted input (config ranges, CSR rules, shapes, lengths, finite values,
 * and for BSR convolutions a block storage that fits one buffer) before anything reaches the GPU;
 * a file without a format (as every CNN file was before there was one) loads as CSR.
 */
import type { Context } from '../gpu/context.js';
import { convTaps } from '../sparse/conv-geometry.js';
import { type CsrMatrix, csrFromDense, validateCsr } from '../sparse/csr.js';
import { checkFiniteElements, checkLength, checkObject } from '../validate.js';
import { assembleCnn, type CnnConfig, type CnnWeights, checkCnnConfig, cnnConvs, cnnReadoutFeatures, isSparseCnnInit } from './cnn.js';
import { Conv2d } from './conv2d.js';
import { Linear } from './linear.js';
import type { Layer } from './layer.js';
import { checkBlockStorage, checkLayerCount, decodeModelFile, encodeModelFile, type FileTensor, type ModelFile, requireTensor, storedLayers } from './model-file.js';
import type { Sequential } from './sequential.js';
import { type ConvShape, SparseConv2d } from './sparse-conv2d.js';

const sameConvShape = (a: ConvShape, b: ConvShape) => (Object.keys(b) as Array<keyof ConvShape>).every((key) => a[key] === b[key]);

const isStoredCnnLayer = (l: Layer): l is SparseConv2d | Conv2d | Linear => l instanceof SparseConv2d || l instanceof Conv2d || l instanceof Linear;

/**
 * A CNN (built from `config`) as .osm bytes: its config and every filter, bias and classifier tensor read back from the GPU.
 * @throws RangeError when the model's layers do not match the config (count, shapes, a sparse convolution stored in
 * another format, or a layer the file cannot hold, such as a recipe's skip before its finish())
 */
export async function saveCnn(ctx: Context, model: Sequential, config: CnnConfig): Promise<Uint8Array> {
  const specs = cnnConvs(config);
  const stored = storedLayers('saveCnn', model, isStoredCnnLayer, specs.length + 1, 'layers with weights (convolutions and the classifier)');
  const head = model.layers.at(-1);
  if (!(head instanceof Linear)) throw new RangeError('saveCnn: the model must end with its linear classifier (as buildCnn makes it)');
  const convs = stored.slice(0, -1).map((layer, l) => {
    const spec = specs[l]!;
    if (layer instanceof Linear || layer.cOut !== spec.cOut || !sameConvShape(layer.shape, spec.shape)) {
      throw new RangeError(`saveCnn: layer ${l} of the model is not the convolution its config describes (${spec.cOut} filters over ${JSON.stringify(spec.shape)})`);
    }
    return layer;
  });
  const tensors = new Map<string, FileTensor>();
  const format = JSON.stringify(config.format ?? 'csr');
  for (const [l, layer] of convs.entries()) {
    if (layer instanceof SparseConv2d && JSON.stringify(layer.format) !== format) {
      throw new RangeError(`saveCnn: convolution ${l} is stored as ${JSON.stringify(layer.format)}, but config.format is ${format}`);
    }
    const taps = convTaps(layer.shape);
    const filter: CsrMatrix = layer instanceof SparseConv2d ? await layer.readWeight() : csrFromDense(await ctx.read(layer.weight), layer.cOut, taps, { keepZeros: true });
    tensors.set(`${l}.rowPtr`, filter.rowPtr);
    tensors.set(`${l}.colIdx`, filter.colIdx);
    tensors.set(`${l}.values`, filter.values);
    tensors.set(`${l}.bias`, await ctx.read(layer.bias));
  }
  const [weight, bias] = await ctx.readAll([head.weight, head.bias]);
  tensors.set('classifier.weight', weight!);
  tensors.set('classifier.bias', bias!);
  return encodeModelFile({ config: { kind: 'cnn', ...config }, tensors });
}

/**
 * A saved CNN rebuilt on the GPU from .osm bytes; the file is validated whole first.
 * @throws RangeError or TypeError naming what is wrong (magic, header, a tensor's length, the config)
 */
export function loadCnn(ctx: Context, bytes: Uint8Array): { model: Sequential; config: CnnConfig } {
  return cnnFromFile(ctx, decodeModelFile(bytes));
}

/**
 * The CNN a decoded model file holds. Everything is checked before the first GPU buffer: the
 * config (its format included), a layer count the tensor list can hold, every filter's CSR and
 * finite values, the biases and classifier, and for BSR convolutions a block storage that fits one
 * buffer (BufferTooLargeError otherwise).
 */
export function cnnFromFile(ctx: Context, file: ModelFile): { model: Sequential; config: CnnConfig } {
  const { kind, ...rest } = checkObject('model file config', file.config ?? {}, 'a CNN config') as unknown as { kind?: string } & CnnConfig;
  if (kind !== 'cnn') throw new RangeError(`model file holds a '${String(kind)}', not a 'cnn'`);
  const config = checkCnnConfig(rest as CnnConfig);
  checkLayerCount(file, config.stem + config.depth * (config.architecture === 'vgg' ? 2 : 1), 4, 'convolutions');
  const finite = (name: string) => {
    const t = requireTensor(file, name, Float32Array);
    checkFiniteElements(`tensor '${name}'`, t);
    return t;
  };
  const weights: CnnWeights = { filters: [], biases: [], classifier: finite('classifier.weight'), classifierBias: finite('classifier.bias') };
  checkLength("tensor 'classifier.weight'", weights.classifier, config.classes * cnnReadoutFeatures(config), 'classes*the readout\'s features (the last image\'s channels, times its pixels when flattened)');
  checkLength("tensor 'classifier.bias'", weights.classifierBias, config.classes, 'classes');
  const format = config.format ?? 'csr';
  const blockSize = format !== 'csr' && isSparseCnnInit(config.init) ? format.bsr : undefined;
  cnnConvs(config).forEach(({ cOut, shape }, l) => {
    const filter = { rows: cOut, cols: convTaps(shape), rowPtr: requireTensor(file, `${l}.rowPtr`, Uint32Array), colIdx: requireTensor(file, `${l}.colIdx`, Uint32Array), values: finite(`${l}.values`) };
    validateCsr(filter, `convolution ${l} filter`);
    if (blockSize) {
      // Each stored tap opens at most one block of kh·kw·b² values, and there are no more blocks than the padded grid's.
      const blocks = Math.min(filter.values.length, Math.ceil(cOut / blockSize) * Math.ceil(shape.cIn / blockSize));
      checkBlockStorage(ctx, `convolution ${l}`, 4 * blocks * shape.kh * shape.kw * blockSize * blockSize);
    }
    const bias = finite(`${l}.bias`);
    checkLength(`tensor '${l}.bias'`, bias, cOut, 'cOut');
    weights.filters.push(filter);
    weights.biases.push(bias);
  });
  return { model: assembleCnn(ctx, config, weights), config };
}

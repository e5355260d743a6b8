/**
 * save() / load() of an MLP built by buildMlp: its config, every layer's mask (CSR pattern),
 * values and biases, in the model file format (model-file.ts). Loading validates the file as
 * untrusted input (config ranges, CSR rules, lengths) before anything reaches the GPU.
 */
import type { Context } from '../gpu/context.js';
import { csrFromDense, validateCsr, type CsrMatrix } from '../sparse/csr.js';
import { Linear } from './linear.js';
import { checkFiniteElements, checkLength, checkObject } from '../validate.js';
import { assembleMlp, checkMlpConfig, isSparseInit, type MlpConfig, mlpShapes } from './mlp.js';
import type { Layer } from './layer.js';
import { checkBlockStorage, checkLayerCount, decodeModelFile, encodeModelFile, type FileTensor, type ModelFile, requireTensor, storedLayers } from './model-file.js';
import { Sequential } from './sequential.js';
import { SparseLinear } from './sparse-linear.js';

/** The linear layers of a buildMlp model, in order. */
const isLinear = (l: Layer): l is Linear | SparseLinear => l instanceof Linear || l instanceof SparseLinear;

/**
 * The MLP `model` (built from `config` by buildMlp or assembleMlp) as a model file (.osm bytes):
 * its config as JSON and every layer's weights and biases read back from the GPU; sparse layers
 * store their CSR pattern and values. loadMlp reads it back.
 *
 * @throws RangeError when the model's layers do not match `config` (count, shapes, or a layer the
 * file cannot hold, such as a recipe's skip)
 */
export async function saveMlp(ctx: Context, model: Sequential, config: MlpConfig): Promise<Uint8Array> {
  const shapes = mlpShapes(config);
  const layers = storedLayers('saveMlp', model, isLinear, shapes.length, 'linear layers');
  for (const [l, [rows, cols]] of shapes.entries()) {
    const layer = layers[l]!;
    if (layer.outFeatures !== rows || layer.inFeatures !== cols) throw new RangeError(`saveMlp: linear layer ${l} is ${layer.outFeatures} x ${layer.inFeatures}, its config describes ${rows} x ${cols}`);
  }
  const tensors = new Map<string, FileTensor>();
  for (const [l, layer] of layers.entries()) {
    const weight: CsrMatrix =
      layer instanceof SparseLinear ? await layer.readWeight() : csrFromDense(await ctx.read(layer.weight), layer.outFeatures, layer.inFeatures, { keepZeros: true });
    tensors.set(`${l}.rowPtr`, weight.rowPtr);
    tensors.set(`${l}.colIdx`, weight.colIdx);
    tensors.set(`${l}.values`, weight.values);
    tensors.set(`${l}.bias`, await ctx.read(layer.bias));
  }
  return encodeModelFile({ config: { kind: 'mlp', ...config }, tensors });
}

/** A saved MLP rebuilt on the GPU; the file is validated whole (see mlpFromFile) before the first buffer is made. */
export function loadMlp(ctx: Context, bytes: Uint8Array): { model: Sequential; config: MlpConfig } {
  return mlpFromFile(ctx, decodeModelFile(bytes));
}

/**
 * The MLP a decoded model file holds. Everything is checked before the first GPU buffer: the
 * config's ranges, a layer count the file's tensor list can hold, every layer's CSR (shape,
 * structure, finite values; a dense init stores every weight), finite biases of the right length,
 * and for BSR layers a block storage that fits one buffer (BufferTooLargeError otherwise).
 */
export function mlpFromFile(ctx: Context, file: ModelFile): { model: Sequential; config: MlpConfig } {
  const { kind, ...rest } = checkObject('model file config', file.config ?? {}, 'an MLP config') as unknown as { kind?: string } & MlpConfig;
  if (kind !== 'mlp') throw new RangeError(`model file holds a '${String(kind)}', not an 'mlp'`);
  const config = checkMlpConfig(rest as MlpConfig);
  checkLayerCount(file, config.depth, 4, 'layers');
  const tensor = <T extends FileTensor>(name: string, Kind: new (n: number) => T): T => requireTensor(file, name, Kind);
  const weights: CsrMatrix[] = [];
  const biases: Float32Array[] = [];
  const dense = !isSparseInit(config.init);
  mlpShapes(config).forEach(([rows, cols], l) => {
    const weight = { rows, cols, rowPtr: tensor(`${l}.rowPtr`, Uint32Array), colIdx: tensor(`${l}.colIdx`, Uint32Array), values: tensor(`${l}.values`, Float32Array) };
    validateCsr(weight, `layer ${l} weight`);
    if (dense && weight.values.length !== rows * cols) throw new RangeError(`layer ${l} is dense: it must store all ${rows * cols} weights, got ${weight.values.length}`);
    const bias = tensor(`${l}.bias`, Float32Array);
    checkLength(`layer ${l} bias`, bias, rows, 'the layer’s outputs');
    checkFiniteElements(`layer ${l} bias`, bias);
    weights.push(weight);
    biases.push(bias);
  });
  const format = config.format ?? 'csr';
  if (format !== 'csr') weights.forEach((weight, l) => checkBlockStorage(ctx, `layer ${l}`, bsrBytesBound(weight, format.bsr)));
  return { model: assembleMlp(ctx, config, weights, biases), config };
}

/** A BSR layer's blocks: at most one per stored entry, and no more than the padded matrix holds. */
function bsrBytesBound(weight: CsrMatrix, blockSize: number): number {
  const padded = (n: number) => Math.ceil(n / blockSize) * blockSize;
  return 4 * Math.min(weight.values.length * blockSize * blockSize, padded(weight.rows) * padded(weight.cols));
}

/**
 * save() / load() of an MLP built by buildMlp: its config, every layer's mask (CSR pattern),
 * values and biases, in the model file format (model-file.ts). Loading validates the file as
 * untrusted input (config ranges, CSR rules, lengths) before anything reaches the GPU.
 */
import type { Context } from '../gpu/context.js';
import { csrFromDense, validateCsr, type CsrMatrix } from '../sparse/csr.js';
import { Linear } from './linear.js';
import { assembleMlp, checkMlpConfig, type MlpConfig, mlpShapes } from './mlp.js';
import { decodeModelFile, encodeModelFile, type FileTensor, type ModelFile, requireTensor } from './model-file.js';
import { Sequential } from './sequential.js';
import { SparseLinear } from './sparse-linear.js';

/** The linear layers of a buildMlp model, in order. */
function linearLayers(model: Sequential): Array<Linear | SparseLinear> {
  return model.layers.filter((l): l is Linear | SparseLinear => l instanceof Linear || l instanceof SparseLinear);
}

export async function saveMlp(ctx: Context, model: Sequential, config: MlpConfig): Promise<Uint8Array> {
  const tensors = new Map<string, FileTensor>();
  for (const [l, layer] of linearLayers(model).entries()) {
    const weight: CsrMatrix =
      layer instanceof SparseLinear ? await layer.readWeight() : csrFromDense(await ctx.read(layer.weight), layer.outFeatures, layer.inFeatures, { keepZeros: true });
    tensors.set(`${l}.rowPtr`, weight.rowPtr);
    tensors.set(`${l}.colIdx`, weight.colIdx);
    tensors.set(`${l}.values`, weight.values);
    tensors.set(`${l}.bias`, await ctx.read(layer.bias));
  }
  return encodeModelFile({ config: { kind: 'mlp', ...config }, tensors });
}

export function loadMlp(ctx: Context, bytes: Uint8Array): { model: Sequential; config: MlpConfig } {
  return mlpFromFile(ctx, decodeModelFile(bytes));
}

/** The MLP a decoded model file holds. */
export function mlpFromFile(ctx: Context, file: ModelFile): { model: Sequential; config: MlpConfig } {
  const { kind, ...rest } = (file.config ?? {}) as { kind?: string } & MlpConfig;
  if (kind !== 'mlp') throw new RangeError(`model file holds a '${String(kind)}', not an 'mlp'`);
  const config = checkMlpConfig(rest as MlpConfig);
  const tensor = <T extends FileTensor>(name: string, Kind: new (n: number) => T): T => requireTensor(file, name, Kind);
  const weights: CsrMatrix[] = [];
  const biases: Float32Array[] = [];
  mlpShapes(config).forEach(([rows, cols], l) => {
    const weight = { rows, cols, rowPtr: tensor(`${l}.rowPtr`, Uint32Array), colIdx: tensor(`${l}.colIdx`, Uint32Array), values: tensor(`${l}.values`, Float32Array) };
    validateCsr(weight, `layer ${l} weight`);
    const bias = tensor(`${l}.bias`, Float32Array);
    if (bias.length !== rows) throw new RangeError(`layer ${l} bias must have length ${rows}, got ${bias.length}`);
    weights.push(weight);
    biases.push(bias);
  });
  return { model: assembleMlp(ctx, config, weights, biases), config };
}

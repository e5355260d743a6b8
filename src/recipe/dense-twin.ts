/**
 * The dense network a sparse model's masks were cut from, for the released code's LRsI (GradInit
 * on the dense initialisation, then the mask applied): the same architecture with every pruned
 * layer dense, a stored CSR at density 1 (so GradInit's model-in-place source reads it as it reads
 * the sparse model), the model's own biases and (a CNN's) classifier. Its weights are denseInit's
 * (src/masks) at the model's seed and gain: dense orthogonal (delta-orthogonal for convolutions)
 * where the sparse weights are orthogonal or masked orthogonal (EOI, SAO, 'masked-orthogonal',
 * the inits eoi and masked-delta-orthogonal), dense Gaussian otherwise. For a pruning method at that
 * seed it is exactly the dense start its mask kept values from; for an init it has the same
 * distribution as the dense start, not the same draw.
 */
import type { Context } from '../gpu/context.js';
import { denseInit, type MaskReport } from '../masks/index.js';
import { resolveNetwork } from '../masks/network.js';
import { assembleCnn, type CnnConfig } from '../nn/cnn.js';
import { Linear } from '../nn/linear.js';
import { assembleMlp, type MlpConfig, mlpShapes } from '../nn/mlp.js';
import { isCnnConfig, type ModelConfig } from '../nn/model.js';
import type { Sequential } from '../nn/sequential.js';
import { sparseLayers } from './model-gradients.js';

/** The dense twin of `model` (built from `config`; `weights` its mask report's weight kind, if masks made it). */
export async function denseTwin(ctx: Context, model: Sequential, config: ModelConfig, weights?: MaskReport['weights']): Promise<Sequential> {
  const orthogonal = weights === undefined ? config.init === 'eoi' || config.init === 'masked-delta-orthogonal' : weights === 'masked-orthogonal' || weights === 'eoi' || weights === 'sao';
  const kind = orthogonal ? 'masked-orthogonal' : 'masked-gaussian';
  const { sigmaW, seed } = config;
  const biases = await ctx.readAll(sparseLayers(model).map((l) => l.parameters().find((p) => p.name === 'bias')!.values));
  if (!isCnnConfig(config)) {
    const mlp: MlpConfig = { ...config, init: 'uniform', format: 'csr' };
    return assembleMlp(ctx, mlp, denseInit(mlpShapes(mlp), sigmaW, seed, kind), biases);
  }
  const cnn: CnnConfig = { ...config, init: 'uniform' };
  const head = model.layers.filter((l): l is Linear => l instanceof Linear).at(-1);
  if (!head) throw new RangeError('the CNN must end in its dense classifier (a Linear layer)');
  const [classifier, classifierBias] = await ctx.readAll([head.weight, head.bias]);
  const filters = denseInit(resolveNetwork({ kind: 'cnn', ...cnn }), sigmaW, seed, kind);
  return assembleCnn(ctx, cnn, { filters, biases, classifier: classifier!, classifierBias: classifierBias! });
}

/**
 * The networks of the mask generators in float64 on the CPU: forward, softmax cross-entropy,
 * backward, and the exact Hessian-vector product, built on the float64 references of the GPU
 * layers (activations, loss, convolutions, pooling). It is the gradient source for tiny networks
 * and machines without a GPU, the reference the GPU paths are tested against, and GraSP's exact Hg
 * for every source.
 *
 * Both an MLP and a CNN are a chain of stages z = A(W)·h + b, each a linear map of its input that is
 * itself linear in its weights, optionally followed by the activation: the MLP's linear layers
 * (the last one gives the logits), or the CNN's convolutions (activated), its 2x2 average poolings
 * and global average pooling (fixed depthwise maps) and its dense classifier (fixed weights). The
 * pruned layers' weights vary; a fixed stage's are constants. So one forward, one backward and one
 * R-operator serve both: R{A(W)·h} = A(V)·h + A(W)·R{h} for a pruned stage, A(W)·R{h} for a
 * fixed one (for a convolution: conv(R{h}, W) + conv(h, V)).
 */
import type { Activation } from '../kernels/activation.js';
import { cnnBody, cnnOutputShape, cnnReadoutFeatures } from '../nn/cnn.js';
import type { ConvShape } from '../nn/sparse-conv2d.js';
import { convTaps } from '../sparse/conv-geometry.js';
import { convBackwardDataRef, convForwardRef, convWeightGradRef, globalAvgPoolBackwardRef, globalAvgPoolRef } from '../sparse/conv-reference.js';
import type { CsrStructure } from '../sparse/csr.js';
import { activationGradRef, activationRef } from '../train/activation-reference.js';
import { softmaxXentRef } from '../train/softmax-xent-reference.js';
import { checkLength, checkNumberArray } from '../validate.js';
import { checkBatches } from './gradients.js';
import { type CnnFrame, cnnConfigFor, type NetworkFrame } from './network.js';
import { checkMlpShapes } from './shapes.js';
import type { Batch, GradientSource, WeightsLike } from './types.js';

/** A network with given pruned weights: an MLP's layers (out x in), or with `cnn` a CNN's filters (cOut x cIn·kh·kw). */
export type ReferenceNetwork = NetworkFrame & { weights: readonly WeightsLike[] };

/** z = A(values)·x (+ bias) per example, batch-major, and its two adjoints. */
interface LinearMap {
  apply(values: ArrayLike<number>, x: ArrayLike<number>, count: number, bias?: ArrayLike<number>): Float64Array;
  /** A(values)ᵀ·dy */
  transpose(values: ArrayLike<number>, dy: ArrayLike<number>, count: number): Float64Array;
  /** ∂(Σ dy·A(values)·x)/∂values, one entry per stored weight */
  weightGrad(values: ArrayLike<number>, dy: ArrayLike<number>, x: ArrayLike<number>, count: number): Float64Array;
}

/** One stage of the chain: the pruned layer `layer`'s weights, or fixed `values`. */
export interface Stage {
  map: LinearMap;
  layer?: number;
  values?: ArrayLike<number>;
  bias?: ArrayLike<number>;
  /** whether the activation follows */
  activated: boolean;
}

export interface Chain {
  stages: Stage[];
  /** input features per example (a CNN's C·H·W, NCHW) and logits */
  features: number;
  classes: number;
}

/** A CSR matrix times each example (the MLP's layers and the CNN's classifier). */
function csrMap(w: CsrStructure): LinearMap {
  return {
    apply(values, x, count, bias) {
      const y = new Float64Array(count * w.rows);
      for (let b = 0; b < count; b++) {
        for (let r = 0; r < w.rows; r++) {
          let sum = bias ? bias[r]! : 0;
          for (let t = w.rowPtr[r]!; t < w.rowPtr[r + 1]!; t++) sum += values[t]! * x[b * w.cols + w.colIdx[t]!]!;
          y[b * w.rows + r] = sum;
        }
      }
      return y;
    },
    transpose(values, dy, count) {
      const dx = new Float64Array(count * w.cols);
      for (let b = 0; b < count; b++) {
        for (let r = 0; r < w.rows; r++) {
          const g = dy[b * w.rows + r]!;
          for (let t = w.rowPtr[r]!; t < w.rowPtr[r + 1]!; t++) dx[b * w.cols + w.colIdx[t]!]! += g * values[t]!;
        }
      }
      return dx;
    },
    weightGrad(_values, dy, x, count) {
      const dw = new Float64Array(w.colIdx.length);
      for (let b = 0; b < count; b++) {
        for (let r = 0; r < w.rows; r++) {
          const g = dy[b * w.rows + r]!;
          for (let t = w.rowPtr[r]!; t < w.rowPtr[r + 1]!; t++) dw[t]! += g * x[b * w.cols + w.colIdx[t]!]!;
        }
      }
      return dw;
    },
  };
}

/** A CSR filter convolved with each example's image (conv-reference.ts, NCHW). */
function convMap(w: CsrStructure, shape: ConvShape): LinearMap {
  const filter = (values: ArrayLike<number>) => ({ rows: w.rows, cols: w.cols, rowPtr: w.rowPtr, colIdx: w.colIdx, values });
  const dims = (batch: number) => ({ ...shape, batch });
  return {
    apply: (values, x, count, bias) => convForwardRef(filter(values), x, dims(count), bias),
    transpose: (values, dy, count) => convBackwardDataRef(filter(values), dy, dims(count)),
    weightGrad: (values, dy, x, count) => convWeightGradRef(filter(values), dy, x, dims(count)),
  };
}

function globalAvgPoolMap(channels: number, plane: number): LinearMap {
  return {
    apply: (_values, x, count) => globalAvgPoolRef(x, count, channels, plane),
    transpose: (_values, dy, count) => globalAvgPoolBackwardRef(dy, count, channels, plane),
    weightGrad: () => new Float64Array(0),
  };
}

/** 2x2 average pooling at stride 2 (AvgPool2d): the depthwise filter with 1/4 at the four taps of channel c in row c. */
function avgPool2x2Stage([channels, h, w]: readonly [number, number, number]): Stage {
  const filter = {
    rows: channels,
    cols: 4 * channels,
    rowPtr: Uint32Array.from({ length: channels + 1 }, (_, c) => 4 * c),
    colIdx: Uint32Array.from({ length: 4 * channels }, (_, t) => t),
  };
  return { map: convMap(filter, { cIn: channels, h, w, kh: 2, kw: 2, stride: 2 }), values: new Float64Array(4 * channels).fill(0.25), activated: false };
}

/** The full rows x cols pattern (a dense layer as CSR). */
function fullPattern(rows: number, cols: number): CsrStructure {
  return { rows, cols, rowPtr: Uint32Array.from({ length: rows + 1 }, (_, r) => r * cols), colIdx: Uint32Array.from({ length: rows * cols }, (_, t) => t % cols) };
}

/** The stages of the network whose pruned weights are `weights`, checked against it. */
export function chainOf(frame: Pick<NetworkFrame, 'biases' | 'cnn'>, weights: readonly WeightsLike[]): Chain {
  if (!Array.isArray(weights) || weights.length === 0) throw new TypeError('weights must be a non-empty array of CSR weights, one per pruned layer');
  weights.forEach((w, l) => checkLength(`weights[${l}].values`, checkNumberArray(`weights[${l}].values`, w.values), w.colIdx.length, 'nnz'));
  if (!frame.cnn) {
    checkMlpShapes(weights.map((w) => [w.rows, w.cols]));
    const last = weights.length - 1;
    const stages = weights.map((w, l): Stage => ({ map: csrMap(w), layer: l, bias: frame.biases?.[l], activated: l < last }));
    return { stages, features: weights[0]!.cols, classes: weights[last]!.rows };
  }
  return cnnChain(frame.cnn, frame.biases, weights);
}

function cnnChain(cnn: CnnFrame, biases: readonly ArrayLike<number>[] | undefined, weights: readonly WeightsLike[]): Chain {
  const config = cnnConfigFor(cnn, 'relu'); // the activation is the frame's, applied by the passes
  const body = cnnBody(config);
  const convs = body.filter((stage) => 'conv' in stage).length;
  if (weights.length !== convs) throw new RangeError(`weights must hold one filter per convolution of the CNN (${convs}), got ${weights.length}`);
  const stages: Stage[] = [];
  for (const stage of body) {
    if ('pool' in stage) {
      stages.push(avgPool2x2Stage(stage.pool));
      continue;
    }
    const l = stages.filter((s) => s.layer !== undefined).length;
    const { cOut, shape } = stage.conv;
    const w = weights[l]!;
    if (w.rows !== cOut || w.cols !== convTaps(shape)) throw new RangeError(`weights[${l}] must be a ${cOut} x ${convTaps(shape)} filter (cOut x cIn·kh·kw of convolution ${l}), got ${w.rows} x ${w.cols}`);
    stages.push({ map: convMap(w, shape), layer: l, bias: biases?.[l], activated: true });
  }
  const [channels, h, w] = cnnOutputShape(config);
  const features = cnnReadoutFeatures(config);
  const classifier = checkNumberArray('cnn.classifier', cnn.classifier);
  checkLength('cnn.classifier', classifier, config.classes * features, "classes*the readout's features");
  // A flattened readout is the identity on batch-major C x H x W features: no stage.
  if (config.readout !== 'flatten') stages.push({ map: globalAvgPoolMap(channels, h * w), values: new Float64Array(0), activated: false });
  stages.push({ map: csrMap(fullPattern(config.classes, features)), values: classifier, bias: cnn.classifierBias, activated: false });
  const [c0, h0, w0] = config.inputShape;
  return { stages, features: c0 * h0 * w0, classes: config.classes };
}

/** The stage's weights: its layer's, or its fixed ones. */
export function stageValues(stage: Stage, weights: readonly { values: ArrayLike<number> }[]): ArrayLike<number> {
  return stage.layer === undefined ? stage.values! : weights[stage.layer]!.values;
}

/**
 * φ''(z)·dz elementwise from the reference slope: one-sided differences on both sides, keeping the
 * smaller in magnitude, so a kink (φ' jumping, as relu's at 0) contributes 0 as autograd's
 * almost-everywhere Hessian does, never a 1/h spike; smooth activations get φ'' to O(h).
 */
function curvatureTimes(activation: Activation, z: Float64Array, dz: Float64Array): Float64Array {
  const h = z.map((v) => 1e-7 * Math.max(1, Math.abs(v)));
  const ones = new Float64Array(z.length).fill(1);
  const slope = (x: Float64Array) => activationGradRef(activation, x, ones);
  const at = slope(z);
  const right = slope(z.map((v, i) => v + h[i]!));
  const left = slope(z.map((v, i) => v - h[i]!));
  return z.map((_, i) => {
    const up = (right[i]! - at[i]!) / h[i]!;
    const down = (at[i]! - left[i]!) / h[i]!;
    return (Math.abs(up) < Math.abs(down) ? up : down) * dz[i]!;
  });
}

interface Forward {
  /** each stage's input h and output z before any activation (the last one is the logits), batch-major */
  inputs: Float64Array[];
  outputs: Float64Array[];
  /** with a direction V: R{h} and R{z}, the derivatives of the same along V (Pearlmutter) */
  rInputs?: Float64Array[];
  rOutputs?: Float64Array[];
}

function add(a: Float64Array, b: Float64Array): Float64Array {
  for (let i = 0; i < a.length; i++) a[i]! += b[i]!;
  return a;
}

function forward(net: ReferenceNetwork, chain: Chain, batch: Batch, direction?: readonly ArrayLike<number>[]): Forward {
  const f: Forward = { inputs: [], outputs: [], ...(direction && { rInputs: [], rOutputs: [] }) };
  let h: Float64Array = Float64Array.from(batch.inputs);
  let rh: Float64Array = new Float64Array(h.length); // the input does not move with the weights
  for (const stage of chain.stages) {
    const values = stageValues(stage, net.weights);
    f.inputs.push(h);
    const z = stage.map.apply(values, h, batch.count, stage.bias);
    f.outputs.push(z);
    if (direction) {
      // R{z} = A(V)·h + A(W)·R{h} (the first term only where the weights move), R{h'} = φ'(z)·R{z}
      const rz = stage.map.apply(values, rh, batch.count);
      if (stage.layer !== undefined) add(rz, stage.map.apply(direction[stage.layer]!, h, batch.count));
      f.rInputs!.push(rh);
      f.rOutputs!.push(rz);
      rh = stage.activated ? activationGradRef(net.activation, z, rz) : rz;
    }
    h = stage.activated ? activationRef(net.activation, z) : z;
  }
  return f;
}

/** dL/dz of the last stage for the batch-mean loss on logits / temperature, and the loss. */
function lossGradient(chain: Chain, batch: Batch, logits: Float64Array, temperature: number) {
  const { loss, dLogits } = softmaxXentRef(
    logits.map((z) => z / temperature),
    batch.labels,
    { batch: batch.count, classes: chain.classes },
  );
  return { loss, delta: dLogits.map((g) => g / temperature) };
}

function checkedChain(net: ReferenceNetwork, batches: readonly Batch[]): Chain {
  const chain = chainOf(net, net.weights);
  checkBatches(batches, chain.features, chain.classes);
  return chain;
}

/** Mean loss of the batch on logits / temperature. */
export function referenceLoss(net: ReferenceNetwork, batch: Batch, temperature = 1): number {
  const chain = checkedChain(net, [batch]);
  const { outputs } = forward(net, chain, batch);
  return lossGradient(chain, batch, outputs.at(-1)!, temperature).loss.reduce((a, b) => a + b, 0) / batch.count;
}

/** d(mean loss of the batch on logits / temperature)/dW per pruned layer, aligned with each layer's values. */
export function referenceGradients(net: ReferenceNetwork, batch: Batch, temperature = 1): Float64Array[] {
  return gradientsOf(net, checkedChain(net, [batch]), batch, temperature);
}

function gradientsOf(net: ReferenceNetwork, chain: Chain, batch: Batch, temperature: number): Float64Array[] {
  const f = forward(net, chain, batch);
  return backwardFrom(net, chain, f, lossGradient(chain, batch, f.outputs.at(-1)!, temperature).delta, batch.count);
}

/**
 * d(Σ of every logit of every example)/dW per pruned layer, in float64: SynFlow's dR/dW when the
 * network's weights and biases are their magnitudes and the batch is one all-ones example.
 */
export function referenceOutputSumGradients(net: ReferenceNetwork, batch: Batch): Float64Array[] {
  const chain = checkedChain(net, [batch]);
  const f = forward(net, chain, batch);
  return backwardFrom(net, chain, f, new Float64Array(batch.count * chain.classes).fill(1), batch.count);
}

/** The pruned layers' weight gradients from dL/d(logits) = `delta`, back through the forward pass `f`. */
function backwardFrom(net: ReferenceNetwork, chain: Chain, { inputs, outputs }: Forward, delta: Float64Array, count: number): Float64Array[] {
  const grads: Float64Array[] = [];
  for (let s = chain.stages.length - 1; s >= 0; s--) {
    const stage = chain.stages[s]!;
    const values = stageValues(stage, net.weights);
    if (stage.layer !== undefined) grads[stage.layer] = stage.map.weightGrad(values, delta, inputs[s]!, count);
    if (s === 0) break;
    const dh = stage.map.transpose(values, delta, count);
    delta = chain.stages[s - 1]!.activated ? activationGradRef(net.activation, outputs[s - 1]!, dh) : dh;
  }
  return grads;
}

/**
 * H·v for the Hessian H of the batch-mean loss (logits / temperature) in the pruned weights,
 * biases and fixed stages held, exactly (to float64 rounding) by Pearlmutter's R-operator: the
 * backward pass differentiated along v. Costs about two gradient passes.
 */
export function referenceHessianVector(net: ReferenceNetwork, batch: Batch, v: readonly ArrayLike<number>[], temperature = 1): Float64Array[] {
  return hessianVectorOf(net, checkedChain(net, [batch]), batch, v, temperature);
}

function hessianVectorOf(net: ReferenceNetwork, chain: Chain, batch: Batch, v: readonly ArrayLike<number>[], temperature: number): Float64Array[] {
  checkLength('v', v, net.weights.length, 'one direction per pruned layer');
  v.forEach((d, l) => checkLength(`v[${l}]`, d, net.weights[l]!.values.length, 'the layer’s nnz'));
  const { inputs, outputs, rInputs, rOutputs } = forward(net, chain, batch, v);
  const last = chain.stages.length - 1;
  const { classes } = chain;
  let delta: Float64Array = lossGradient(chain, batch, outputs[last]!, temperature).delta;
  // R{dL/dz_L} = (diag(p) − p pᵀ)·R{z_L} / (count·T²) per example, p = softmax(z_L / T).
  let rDelta: Float64Array = new Float64Array(delta.length);
  for (let b = 0; b < batch.count; b++) {
    const row = Array.from({ length: classes }, (_, c) => outputs[last]![b * classes + c]! / temperature);
    const max = Math.max(...row);
    const e = row.map((u) => Math.exp(u - max));
    const sum = e.reduce((a, x) => a + x, 0);
    const p = e.map((x) => x / sum);
    const ru = Array.from({ length: classes }, (_, c) => rOutputs![last]![b * classes + c]! / temperature);
    const mean = p.reduce((a, pc, c) => a + pc * ru[c]!, 0);
    for (let c = 0; c < classes; c++) rDelta[b * classes + c] = (p[c]! * (ru[c]! - mean)) / (batch.count * temperature);
  }
  const out: Float64Array[] = [];
  for (let s = last; s >= 0; s--) {
    const stage = chain.stages[s]!;
    const values = stageValues(stage, net.weights);
    // R{dL/dW} = ∂(R{δ}·A(W)·h)/∂W + ∂(δ·A(W)·R{h})/∂W
    if (stage.layer !== undefined) out[stage.layer] = add(stage.map.weightGrad(values, rDelta, inputs[s]!, batch.count), stage.map.weightGrad(values, delta, rInputs![s]!, batch.count));
    if (s === 0) break;
    // dL/dh = A(W)ᵀδ, R{dL/dh} = A(V)ᵀδ + A(W)ᵀR{δ}; through the activation: δ' = φ'(z)·dh, R{δ'} = φ''(z)·R{z}·dh + φ'(z)·R{dh}.
    const dh = stage.map.transpose(values, delta, batch.count);
    const rdh = stage.map.transpose(values, rDelta, batch.count);
    if (stage.layer !== undefined) add(rdh, stage.map.transpose(v[stage.layer]!, delta, batch.count));
    if (!chain.stages[s - 1]!.activated) {
      delta = dh;
      rDelta = rdh;
      continue;
    }
    const z = outputs[s - 1]!;
    const bend = curvatureTimes(net.activation, z, rOutputs![s - 1]!);
    delta = activationGradRef(net.activation, z, dh);
    const through = activationGradRef(net.activation, z, rdh);
    rDelta = through.map((x, i) => x + bend[i]! * dh[i]!);
  }
  return out;
}

/** Σ_b H_b·v over the batches, exactly, in float64 on the CPU: the mask generators' sources' hessianVector. */
export function summedHessianVector(opts: ReferenceSourceOptions, weights: readonly WeightsLike[], v: readonly ArrayLike<number>[], temperature: number): Float64Array[] {
  const net = { ...opts, weights };
  const chain = checkedChain(net, opts.batches);
  const sums = weights.map((w) => new Float64Array(w.values.length));
  for (const batch of opts.batches) hessianVectorOf(net, chain, batch, v, temperature).forEach((hv, l) => add(sums[l]!, hv));
  return sums;
}

/** The network's fixed parts (activation, biases; a CNN's shape and classifier) and the batches. */
export type ReferenceSourceOptions = NetworkFrame & { batches: readonly Batch[] };

/** A GradientSource computing in float64 on the CPU (tiny networks, tests, no GPU). */
export function referenceGradientSource(opts: ReferenceSourceOptions): GradientSource {
  const { batches } = opts;
  return {
    batches: batches.length,
    async perBatch(weights, temperature, visit) {
      const net = { ...opts, weights };
      const chain = checkedChain(net, batches);
      batches.forEach((batch, b) => visit(gradientsOf(net, chain, batch, temperature), b));
    },
    async hessianVector(weights, v, temperature) {
      return summedHessianVector(opts, weights, v, temperature);
    },
  };
}

/**
 * The input-output Jacobian d logits / d input of the network at each example of `inputs`
 * (`count` examples, batch-major), in float64: one backward pass per example from the identity at
 * the logits through `count·classes` copies of the examples. Returns one classes x features
 * row-major matrix per example, the reference of the GPU's jacobian.ts.
 */
export function referenceJacobians(net: ReferenceNetwork, inputs: ArrayLike<number>, count: number): Float64Array[] {
  const chain = chainOf(net, net.weights);
  const { features, classes } = chain;
  checkLength('inputs', inputs, count * features, 'count*features');
  const copies = new Float32Array(count * classes * features);
  for (let r = 0; r < count * classes; r++) {
    const e = Math.floor(r / classes);
    for (let f = 0; f < features; f++) copies[r * features + f] = inputs[e * features + f]!;
  }
  const batch = { count: count * classes, features, inputs: copies, labels: new Uint32Array(count * classes) };
  const { outputs } = forward(net, chain, batch);
  let delta: Float64Array = new Float64Array(count * classes * classes);
  for (let r = 0; r < count * classes; r++) delta[r * classes + (r % classes)] = 1;
  for (let s = chain.stages.length - 1; s >= 0; s--) {
    const stage = chain.stages[s]!;
    const dh = stage.map.transpose(stageValues(stage, net.weights), delta, batch.count);
    delta = s > 0 && chain.stages[s - 1]!.activated ? activationGradRef(net.activation, outputs[s - 1]!, dh) : dh;
  }
  return Array.from({ length: count }, (_, e) => delta.slice(e * classes * features, (e + 1) * classes * features));
}

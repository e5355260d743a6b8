/**
 * The MLP in float64 on the CPU: forward, softmax cross-entropy, backward, and the exact
 * Hessian-vector product, over CSR weights, built on the float64 references of the GPU activations
 * and loss. It is the gradient source for tiny networks and machines without a GPU, the reference
 * the GPU path is tested against, and GraSP's exact Hg for every source.
 */
import type { Activation } from '../kernels/activation.js';
import { activationGradRef, activationRef } from '../train/activation-reference.js';
import { softmaxXentRef } from '../train/softmax-xent-reference.js';
import { checkBatches } from './gradients.js';
import type { Batch, GradientSource, WeightsLike } from './types.js';

export interface ReferenceMlp {
  /** out x in per layer; values in any precision */
  weights: readonly WeightsLike[];
  /** out per layer; zeros when omitted */
  biases?: readonly ArrayLike<number>[];
  activation: Activation;
}

/** y = x·Wᵀ (+ bias), batch-major, for W's pattern with the given values. */
function affine(w: WeightsLike, values: ArrayLike<number>, x: ArrayLike<number>, count: number, bias?: ArrayLike<number>): Float64Array {
  const y = new Float64Array(count * w.rows);
  for (let b = 0; b < count; b++) {
    for (let r = 0; r < w.rows; r++) {
      let sum = bias ? bias[r]! : 0;
      for (let t = w.rowPtr[r]!; t < w.rowPtr[r + 1]!; t++) sum += values[t]! * x[b * w.cols + w.colIdx[t]!]!;
      y[b * w.rows + r] = sum;
    }
  }
  return y;
}

/** Adds dy·values (the input gradient through W) into dx. */
function addInputGrad(w: WeightsLike, values: ArrayLike<number>, dy: Float64Array, count: number, dx: Float64Array): void {
  for (let b = 0; b < count; b++) {
    for (let r = 0; r < w.rows; r++) {
      const g = dy[b * w.rows + r]!;
      for (let t = w.rowPtr[r]!; t < w.rowPtr[r + 1]!; t++) dx[b * w.cols + w.colIdx[t]!]! += g * values[t]!;
    }
  }
}

/** Adds Σ_b dy[b, r]·x[b, c] at every stored (r, c) into dw. */
function addWeightGrad(w: WeightsLike, dy: Float64Array, x: Float64Array, count: number, dw: Float64Array): void {
  for (let b = 0; b < count; b++) {
    for (let r = 0; r < w.rows; r++) {
      const g = dy[b * w.rows + r]!;
      for (let t = w.rowPtr[r]!; t < w.rowPtr[r + 1]!; t++) dw[t]! += g * x[b * w.cols + w.colIdx[t]!]!;
    }
  }
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
  /** each layer's input h, batch x in */
  inputs: Float64Array[];
  /** each layer's output z before the activation, batch x out (the last one is the logits) */
  outputs: Float64Array[];
  /** with a direction V: R{h} and R{z}, the derivatives of the same along V (Pearlmutter) */
  rInputs?: Float64Array[];
  rOutputs?: Float64Array[];
}

function forward(net: ReferenceMlp, batch: Batch, direction?: readonly ArrayLike<number>[]): Forward {
  const f: Forward = { inputs: [], outputs: [], ...(direction && { rInputs: [], rOutputs: [] }) };
  let h: Float64Array = Float64Array.from(batch.inputs);
  let rh: Float64Array = new Float64Array(h.length); // the input does not move with the weights
  net.weights.forEach((w, l) => {
    f.inputs.push(h);
    const z = affine(w, w.values, h, batch.count, net.biases?.[l]);
    f.outputs.push(z);
    const last = l === net.weights.length - 1;
    if (direction) {
      // R{z} = V·h + W·R{h}, R{h'} = φ'(z)·R{z}
      const rz = affine(w, direction[l]!, h, batch.count);
      const through = affine(w, w.values, rh, batch.count);
      rz.forEach((_, i) => (rz[i]! += through[i]!));
      f.rInputs!.push(rh);
      f.rOutputs!.push(rz);
      if (!last) rh = activationGradRef(net.activation, z, rz);
    }
    if (!last) h = activationRef(net.activation, z);
  });
  return f;
}

function classesOf(net: ReferenceMlp): number {
  return net.weights[net.weights.length - 1]!.rows;
}

/** dL/dz of the last layer for the batch-mean loss on logits / temperature, and the softmax. */
function lossGradient(net: ReferenceMlp, batch: Batch, logits: Float64Array, temperature: number) {
  const { loss, dLogits } = softmaxXentRef(
    logits.map((z) => z / temperature),
    batch.labels,
    { batch: batch.count, classes: classesOf(net) },
  );
  return { loss, delta: dLogits.map((g) => g / temperature) };
}

/** Mean loss of the batch on logits / temperature. */
export function referenceLoss(net: ReferenceMlp, batch: Batch, temperature = 1): number {
  const { outputs } = forward(net, batch);
  return lossGradient(net, batch, outputs[outputs.length - 1]!, temperature).loss.reduce((a, b) => a + b, 0) / batch.count;
}

/** d(mean loss of the batch on logits / temperature)/dW per layer, aligned with each layer's values. */
export function referenceGradients(net: ReferenceMlp, batch: Batch, temperature = 1): Float64Array[] {
  const { inputs, outputs } = forward(net, batch);
  let delta: Float64Array = lossGradient(net, batch, outputs[outputs.length - 1]!, temperature).delta;
  const grads: Float64Array[] = [];
  for (let l = net.weights.length - 1; l >= 0; l--) {
    const w = net.weights[l]!;
    grads[l] = new Float64Array(w.values.length);
    addWeightGrad(w, delta, inputs[l]!, batch.count, grads[l]!);
    if (l === 0) break;
    const dh = new Float64Array(batch.count * w.cols);
    addInputGrad(w, w.values, delta, batch.count, dh);
    delta = activationGradRef(net.activation, outputs[l - 1]!, dh);
  }
  return grads;
}

/**
 * H·v for the Hessian H of the batch-mean loss (logits / temperature) in the weights, biases held,
 * exactly (to float64 rounding) by Pearlmutter's R-operator: the backward pass differentiated along
 * v. Costs about two gradient passes.
 */
export function referenceHessianVector(net: ReferenceMlp, batch: Batch, v: readonly ArrayLike<number>[], temperature = 1): Float64Array[] {
  const { inputs, outputs, rInputs, rOutputs } = forward(net, batch, v);
  const last = net.weights.length - 1;
  const classes = classesOf(net);
  let delta: Float64Array = lossGradient(net, batch, outputs[last]!, temperature).delta;
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
  for (let l = last; l >= 0; l--) {
    const w = net.weights[l]!;
    // R{dL/dW} = R{δ}·hᵀ + δ·R{h}ᵀ
    out[l] = new Float64Array(w.values.length);
    addWeightGrad(w, rDelta, inputs[l]!, batch.count, out[l]!);
    addWeightGrad(w, delta, rInputs![l]!, batch.count, out[l]!);
    if (l === 0) break;
    // dL/dh = Wᵀδ, R{dL/dh} = Vᵀδ + WᵀR{δ}; through the activation: δ' = φ'(z)·dh, R{δ'} = φ''(z)·R{z}·dh + φ'(z)·R{dh}.
    const dh = new Float64Array(batch.count * w.cols);
    addInputGrad(w, w.values, delta, batch.count, dh);
    const rdh = new Float64Array(batch.count * w.cols);
    addInputGrad(w, v[l]!, delta, batch.count, rdh);
    addInputGrad(w, w.values, rDelta, batch.count, rdh);
    const z = outputs[l - 1]!;
    const bend = curvatureTimes(net.activation, z, rOutputs![l - 1]!);
    delta = activationGradRef(net.activation, z, dh);
    const through = activationGradRef(net.activation, z, rdh);
    rDelta = through.map((x, i) => x + bend[i]! * dh[i]!);
  }
  return out;
}

/** Σ_b H_b·v over the batches, exactly, in float64 on the CPU: every source's hessianVector. */
export function summedHessianVector(opts: ReferenceSourceOptions, weights: readonly WeightsLike[], v: readonly ArrayLike<number>[], temperature: number): Float64Array[] {
  checkBatches(opts.batches, weights[0]!.cols, weights[weights.length - 1]!.rows);
  const net = { weights, biases: opts.biases, activation: opts.activation };
  const sums = weights.map((w) => new Float64Array(w.values.length));
  for (const batch of opts.batches) referenceHessianVector(net, batch, v, temperature).forEach((hv, l) => hv.forEach((x, i) => (sums[l]![i]! += x)));
  return sums;
}

export interface ReferenceSourceOptions {
  activation: Activation;
  batches: readonly Batch[];
  /** one per layer; zeros when omitted */
  biases?: readonly ArrayLike<number>[];
}

/** A GradientSource computing in float64 on the CPU (tiny networks, tests, no GPU). */
export function referenceGradientSource(opts: ReferenceSourceOptions): GradientSource {
  const { activation, batches, biases } = opts;
  return {
    batches: batches.length,
    async perBatch(weights, temperature, visit) {
      checkBatches(batches, weights[0]!.cols, weights[weights.length - 1]!.rows);
      batches.forEach((batch, b) => visit(referenceGradients({ weights, biases, activation }, batch, temperature), b));
    },
    async hessianVector(weights, v, temperature) {
      return summedHessianVector(opts, weights, v, temperature);
    },
  };
}

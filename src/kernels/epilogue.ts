/**
 * The fused-activation epilogue of the sparse products (shaders/activation_epilogue.wgsl): the
 * WGSL to put in front of a kernel that stores through it, and the constants, uniforms and aux
 * binding of one dispatch.
 */
import epilogue from '../../shaders/activation_epilogue.wgsl';
import type { Context } from '../gpu/context.js';
import { composedSource } from '../gpu/kernel-interface.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { type Activation, activationFunctions, fusedActivation } from './activation.js';
import { checkNoAliasing } from './aliasing.js';

/** A kernel's own WGSL with the activation functions and the epilogue in front (its interface registered as the parts' union). */
export function withActivationEpilogue(source: string): string {
  return composedSource([activationFunctions, epilogue, source]);
}

/**
 * What a pass fuses: 'activate' (forward) writes z to the output and act(z) to aux; 'slope'
 * (backward-data) writes product · act'(aux) to the output, aux holding the pre-activation z.
 */
export interface Epilogue {
  kind: 'activate' | 'slope';
  activation: Activation;
  aux: GpuTensor<'f32'>;
}

/** EPILOGUE ids of shaders/activation_epilogue.wgsl. */
const EPILOGUE_IDS = { none: 0, activate: 1, slope: 2 } as const;

/** A 16-byte buffer per context for the aux binding of a pass without an epilogue (a writable binding needs a buffer of its own). */
const unusedAux = new WeakMap<Context, GpuTensor<'f32'>>();

function auxPlaceholder(ctx: Context): GpuTensor<'f32'> {
  let aux = unusedAux.get(ctx);
  if (!aux) {
    aux = ctx.zeros('f32', 4, 'epilogue.unusedAux');
    unusedAux.set(ctx, aux);
  }
  return aux;
}

/**
 * The epilogue's share of a dispatch writing `output` from `inputs`: checks that nothing written is
 * also read (aux is written by 'activate', read by 'slope'), and returns the constants, uniforms
 * and aux buffer to merge into the dispatch.
 */
export function epilogueArgs(
  ctx: Context,
  epilogue: Epilogue | undefined,
  output: Record<string, GpuTensor<'f32'>>,
  inputs: Record<string, GpuTensor>,
): { constants: { EPILOGUE: number; ACTIVATION: number }; uniforms: ReturnType<typeof fusedActivation>['uniforms']; aux: GpuTensor<'f32'> } {
  if (epilogue?.kind === 'activate') checkNoAliasing({ ...output, aux: epilogue.aux }, inputs);
  else checkNoAliasing(output, { ...inputs, ...(epilogue && { aux: epilogue.aux }) });
  const activation = fusedActivation(epilogue?.activation ?? 'relu');
  return {
    constants: { EPILOGUE: EPILOGUE_IDS[epilogue?.kind ?? 'none'], ACTIVATION: activation.constant },
    uniforms: activation.uniforms,
    aux: epilogue?.aux ?? auxPlaceholder(ctx),
  };
}

// How a GPU test case reports a call that should be refused: the error's name and message, and the
// GPU buffers the attempt left alive (a refusal must come before any allocation, or clean up).
import type { Context } from '../../src/gpu/context.js';

export interface Refusal {
  /** the error's name, or 'accepted' */
  name: string;
  message: string;
  /** ctx.liveBuffers after the call minus before it */
  leaked: number;
}

/** Runs a call that should be refused; a synchronous throw and a rejected promise count alike. */
export async function refusal(ctx: Context, call: () => unknown): Promise<Refusal> {
  const before = ctx.liveBuffers;
  try {
    await call();
    return { name: 'accepted', message: '', leaked: ctx.liveBuffers - before };
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message, leaked: ctx.liveBuffers - before };
  }
}

/** Counting a context's dispatches in GPU test cases. */
import type { Context } from '../../src/gpu/context.js';

/** Runs `run`, counting every ctx.dispatch it makes; ctx.dispatch is restored afterwards, thrown or not. */
export async function countDispatches<T>(ctx: Context, run: () => Promise<T>): Promise<{ result: T; dispatches: number }> {
  const dispatch = ctx.dispatch.bind(ctx);
  let dispatches = 0;
  ctx.dispatch = (kernel, args) => {
    dispatches++;
    return dispatch(kernel, args);
  };
  try {
    return { result: await run(), dispatches };
  } finally {
    ctx.dispatch = dispatch;
  }
}

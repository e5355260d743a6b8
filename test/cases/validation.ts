/**
 * Bad inputs at the GPU entry points. Each case makes the bad call itself (the wire carries only
 * Float32/Uint32/Int32/Uint8 arrays, so Float64Array and SharedArrayBuffer operands are built
 * here) and reports how it was refused and how many GPU buffers the refusal left behind.
 */
import { csrForwardInto, csrMatmul } from '../../src/kernels/spmm-csr.js';
import { featureMajorStride } from '../../src/sparse/activation-layout.js';
import { GpuCsr } from '../../src/sparse/gpu-csr.js';
import { createContext, type Context } from '../../src/gpu/context.js';
import { eoiBatch } from '../../src/eoi/batch.js';
import { givensBatch, type GivensLayer } from '../../src/kernels/givens.js';
import { chooseMatmulConfig, matmul, type MatmulConfig, type MatmulDims, matmulInto } from '../../src/kernels/matmul.js';
import { SoftmaxCrossEntropy } from '../../src/nn/loss.js';
import { buildMlp, type MlpConfig } from '../../src/nn/mlp.js';
import { Linear } from '../../src/nn/linear.js';
import { loadMlp } from '../../src/nn/mlp-file.js';
import { decodeModelFile } from '../../src/nn/model-file.js';
import { csrToDense } from '../../src/sparse/csr.js';
import { type SparseFormat, SparseLinear } from '../../src/nn/sparse-linear.js';
import { Sgd } from '../../src/train/optimizers.js';
import { type Dataset, train } from '../../src/train/trainer.js';
import { conv2dCsr } from '../../src/kernels/conv-csr.js';
import { buildArray, buildFlag, FUZZ_FILTER, FUZZ_WEIGHT, fuzzConvDims, fuzzValue, type OperandCall } from '../fuzz/operand-specs.js';
import { defineCases } from '../harness/case.js';
import { type Refusal, refusal } from '../harness/refusal.js';

const W_1X2 = { rows: 1, cols: 2, rowPtr: Uint32Array.of(0, 2), colIdx: Uint32Array.of(0, 1), values: Float32Array.of(1, 1) };

/** A typed array on a SharedArrayBuffer, where the platform has one (a page that is not cross-origin isolated does not). */
function sharedFloat32(values: number[]): Float32Array | undefined {
  if (typeof SharedArrayBuffer === 'undefined') return undefined;
  const array = new Float32Array(new SharedArrayBuffer(4 * values.length));
  array.set(values);
  return array;
}

async function foldedProduct(ctx: Context, dims: MatmulDims, a: Float32Array, b: Float32Array, config: Partial<MatmulConfig> = {}): Promise<Float32Array> {
  const ta = ctx.upload('f32', a);
  const tb = ctx.upload('f32', b);
  const tc = ctx.zeros('f32', dims.m * dims.n);
  try {
    await matmulInto(ctx, ta, tb, tc, dims, {}, { ...chooseMatmulConfig(dims), ...config });
    return await ctx.read(tc);
  } finally {
    for (const t of [ta, tb, tc]) t.destroy();
  }
}

export const validationCases = defineCases({
  /** Host operands of the wrong typed-array kind, on a SharedArrayBuffer, or of an unknown dtype. */
  operandKinds: async (ctx) => {
    const shared = sharedFloat32([3, 4]);
    const u32 = ctx.zeros('u32', 2);
    const out = {
      csrMatmulFloat64: await refusal(ctx, () => csrMatmul(ctx, W_1X2, Float64Array.from([3, 4]) as never, 1)),
      csrMatmulFloat32: Array.from(await csrMatmul(ctx, W_1X2, Float32Array.from([3, 4]), 1)),
      matmulFloat64: await refusal(ctx, () => matmul(ctx, Float64Array.of(1, 1) as never, Float32Array.of(1, 2), { m: 1, k: 2, n: 1 })),
      matmulUint32: await refusal(ctx, () => matmul(ctx, Uint32Array.of(1, 1) as never, Float32Array.of(1, 2), { m: 1, k: 2, n: 1 })),
      matmulFloat32: Array.from(await matmul(ctx, Float32Array.of(1, 1), Float32Array.of(1, 2), { m: 1, k: 2, n: 1 })),
      matmulNaN: await refusal(ctx, () => matmul(ctx, Float32Array.of(1, Number.NaN), Float32Array.of(1, 2), { m: 1, k: 2, n: 1 })),
      sparseLinearFloat64Bias: await refusal(ctx, () => new SparseLinear(ctx, W_1X2, Float64Array.of(1) as never)),
      uploadFloat64: await refusal(ctx, () => ctx.upload('f32', new Float64Array(3) as never)),
      uploadFloat32AsU32: await refusal(ctx, () => ctx.upload('u32', new Float32Array(3) as never)),
      writeInt32: await refusal(ctx, () => ctx.write(u32, Int32Array.of(-1, 2) as never)),
      zerosF64: await refusal(ctx, () => ctx.zeros('f64' as never, 4)),
      sharedAvailable: shared !== undefined,
      uploadShared: shared ? await refusal(ctx, () => ctx.upload('f32', shared)) : null,
      csrMatmulShared: shared ? await refusal(ctx, () => csrMatmul(ctx, W_1X2, shared, 1)) : null,
    };
    u32.destroy();
    await ctx.sync();
    return out;
  },

  /** NaN biases and weights of sparse layers, CSR and BSR. */
  sparseLinearValues: async (ctx) => {
    const w = { rows: 2, cols: 2, rowPtr: Uint32Array.of(0, 1, 2), colIdx: Uint32Array.of(0, 1), values: Float32Array.of(1, 2) };
    const layer = new SparseLinear(ctx, w);
    const out = {
      csrNaNBias: await refusal(ctx, () => new SparseLinear(ctx, w, Float32Array.of(0, Number.NaN))),
      bsrNaNBias: await refusal(ctx, () => new SparseLinear(ctx, w, Float32Array.of(Number.POSITIVE_INFINITY, 0), { bsr: 4 })),
      badFormat: await refusal(ctx, () => new SparseLinear(ctx, w, undefined, { bsr: 3 as never })),
      csrWriteNaN: await refusal(ctx, () => layer.writeWeight(Float32Array.of(Number.NaN, 1))),
    };
    layer.destroy();
    await ctx.sync();
    return out;
  },

  /** eoiBatch: a gain past float32, and a layer too big for one buffer. */
  eoiBatchLimits: async (ctx) => ({
    hugeGain: await refusal(ctx, () => eoiBatch(ctx, [{ rows: 16, cols: 32, density: 0.25 }], { gain: 1e300 })),
    tinyGain: await refusal(ctx, () => eoiBatch(ctx, [{ rows: 16, cols: 32, density: 0.25 }], { gain: 1e-46 })),
    tooBig: await refusal(ctx, () => eoiBatch(ctx, [{ rows: 4, cols: 4, density: 1 }, { rows: 8200, cols: 8200, density: 1 / 8200 }])),
  }),

  /** givensBatch's rotations: pairs outside the layer, rounds naming rotations not given, a column twice in one round. */
  givensLayers: async (ctx) => {
    const layer = (over: Partial<GivensLayer>): GivensLayer => ({ m: 2, cols: 2, roundPtr: Uint32Array.of(0, 1), pairs: Uint32Array.of(0, 1), cosSin: Float32Array.of(0, 1), ...over });
    return {
      pairOutside: await refusal(ctx, () => givensBatch(ctx, [layer({ pairs: Uint32Array.of(0, 5) })])),
      roundsPastEnd: await refusal(ctx, () => givensBatch(ctx, [layer({ roundPtr: Uint32Array.of(0, 3) })])),
      sameColumnTwice: await refusal(ctx, () => givensBatch(ctx, [layer({ cols: 3, roundPtr: Uint32Array.of(0, 2), pairs: Uint32Array.of(0, 1, 1, 2), cosSin: Float32Array.of(0, 1, 0, 1) })])),
      mPastCols: await refusal(ctx, () => givensBatch(ctx, [layer({ m: 3 })])),
      float64CosSin: await refusal(ctx, () => givensBatch(ctx, [layer({ cosSin: Float64Array.of(0, 1) as never })])),
      // A quarter turn of columns 0 and 1: [I | 0]·G = [[0, -1], [1, 0]].
      valid: Array.from((await givensBatch(ctx, [layer({})]))[0]!),
    };
  },

  /** matmul's options and aliasing. */
  matmulOptions: async (ctx) => {
    const a = ctx.upload('f32', Float32Array.of(1, 2, 3, 4));
    const b = ctx.upload('f32', Float32Array.of(1, 0, 0, 1));
    const dims = { m: 2, k: 2, n: 2 };
    const product = (d: object) => refusal(ctx, () => matmul(ctx, Float32Array.of(1, 2, 3, 4), Float32Array.of(1, 0, 0, 1), d as MatmulDims));
    const out = {
      transposeOne: await product({ ...dims, transposeA: 1 }),
      transposeString: await product({ ...dims, transposeB: 'false' }),
      biasPerRowOne: await refusal(ctx, () => matmulInto(ctx, a, b, ctx.zeros('f32', 4), dims, { biasPerRow: 1 as never })),
      outputIsA: await refusal(ctx, () => matmulInto(ctx, a, b, a, dims)),
      outputIsB: await refusal(ctx, () => matmulInto(ctx, a, b, b, dims)),
    };
    a.destroy();
    b.destroy();
    await ctx.sync();
    return out;
  },

  /** A kernel written without its own aliasing check is still stopped by dispatch. */
  dispatchAliasing: async (ctx) => {
    const kernel = {
      name: 'copy',
      source: `@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@compute @workgroup_size(1) fn main() { dst[0] = src[0]; }`,
    };
    const t = ctx.upload('f32', Float32Array.of(5));
    const out = await refusal(ctx, () => ctx.dispatch(kernel, { buffers: { src: t, dst: t }, workgroups: [1] }));
    t.destroy();
    await ctx.sync();
    return out;
  },

  /** C = A·B through a grid whose rows are capped at `maxGroupsX` workgroups, so it folds. */
  matmulFolded: (ctx, p: { dims: MatmulDims; a: Float32Array; b: Float32Array; maxGroupsX: number }) =>
    foldedProduct(ctx, p.dims, p.a, p.b, { maxGroupsX: p.maxGroupsX }),

  /**
   * 1 x 1 x n with n past 65535 output tiles (64 columns each by default, 4 with config
   * { wgX: 1, wgY: 1 }), folded at the device's own limit. b is made
   * here (n values would be slow over the wire); returns the largest error against 2·b, which is
   * exact in float32 (one product per element).
   */
  matmulFoldedLong: async (ctx, p: { n: number; config?: MatmulConfig }) => {
    const b = new Float32Array(p.n);
    for (let i = 0; i < p.n; i++) b[i] = (i % 1000) - 499.5;
    const c = await foldedProduct(ctx, { m: 1, k: 1, n: p.n }, Float32Array.of(2), b, p.config);
    let maxError = 0;
    for (let i = 0; i < p.n; i++) maxError = Math.max(maxError, Math.abs(c[i]! - 2 * b[i]!));
    return { maxError, n: c.length, last: c[p.n - 1]!, wantLast: 2 * b[p.n - 1]! };
  },

  /**
   * Uniform buffers are reused once the work reading them is submitted: 8 dispatches in one
   * encoder, a flush, 8 more (on the same buffers), each writing its own uniform into its own slot.
   */
  uniformReuse: async (ctx) => {
    const kernel = {
      name: 'put',
      source: `struct Params { index: u32, value: f32, }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(1) fn main() { out[params.index] = params.value; }`,
    };
    const out = ctx.zeros('f32', 16);
    for (let i = 0; i < 16; i++) {
      await ctx.dispatch(kernel, { buffers: { out }, uniforms: { index: i, value: 10 + i }, workgroups: [1] });
      if (i === 7) ctx.flush();
    }
    const values = await ctx.read(out);
    out.destroy();
    return Array.from(values);
  },

  /** Calls in the same tick after ctx.destroy(), on a context of its own. */
  destroyedContext: async (_ctx, p: { file: Uint8Array }) => {
    const own = await createContext();
    const t = own.upload('f32', Float32Array.of(1, 2));
    own.destroy();
    const refusedSync = (call: () => unknown): Refusal => {
      try {
        call();
        return { name: 'accepted', message: '', leaked: 0 };
      } catch (error) {
        return { name: (error as Error).name, message: (error as Error).message, leaked: 0 };
      }
    };
    return {
      zeros: refusedSync(() => own.zeros('f32', 4)),
      upload: refusedSync(() => own.upload('f32', Float32Array.of(1))),
      write: refusedSync(() => own.write(t, Float32Array.of(3, 4))),
      loadMlp: refusedSync(() => loadMlp(own, p.file)),
      read: await refusal(own, () => own.read(t)),
      sync: await refusal(own, () => own.sync()),
      liveAfter: own.liveBuffers,
    };
  },

  /** A write to a destroyed tensor is refused at the write; the next, unrelated call is unaffected. */
  destroyedTensor: async (ctx) => {
    const t = ctx.zeros('f32', 4);
    t.destroy();
    const write = await refusal(ctx, () => ctx.write(t, Float32Array.of(1, 2, 3, 4)));
    const u = ctx.upload('f32', Float32Array.of(7, 8));
    await ctx.sync();
    const next = Array.from(await ctx.read(u));
    u.destroy();
    return { write, next };
  },

  /** train()'s labels and step budget, SoftmaxCrossEntropy's class count; nothing allocated by a refusal. */
  trainingInputs: async (ctx, p: { config: MlpConfig; data: Dataset }) => {
    const model = buildMlp(ctx, p.config);
    const loss = new SoftmaxCrossEntropy(ctx, p.config.classes);
    const optimizer = new Sgd(ctx, model.parameters(), { lr: 0.05 });
    const run = (over: object) => refusal(ctx, () => train(ctx, { model, loss, optimizer, train: p.data, batchSize: 4, ...over }));
    const labels = Uint32Array.from(p.data.labels);
    labels[3] = p.config.classes;
    try {
      return {
        labelPastClasses: await run({ train: { ...p.data, labels } }),
        maxStepsZero: await run({ maxSteps: 0 }),
        maxStepsNegative: await run({ maxSteps: -1 }),
        maxStepsNaN: await run({ maxSteps: Number.NaN }),
        inputsNaN: await run({ train: { ...p.data, inputs: p.data.inputs.map((v, i) => (i === 5 ? Number.NaN : v)) } }),
        classesZero: await refusal(ctx, () => new SoftmaxCrossEntropy(ctx, 0)),
        classesOne: await refusal(ctx, () => new SoftmaxCrossEntropy(ctx, 1)),
        classesFraction: await refusal(ctx, () => new SoftmaxCrossEntropy(ctx, 2.5)),
        valid: (await train(ctx, { model, loss, optimizer, train: p.data, batchSize: 4, maxSteps: 2 })).totalSteps,
      };
    } finally {
      optimizer.destroy();
      loss.destroy();
      model.destroy();
    }
  },

  /** Model files on a real context: refusals leave no buffer behind; a valid file loads and frees all it made. */
  modelFiles: async (ctx, p: { files: Record<string, Uint8Array>; valid: Uint8Array }) => {
    const out: Record<string, Refusal> = {};
    for (const [name, bytes] of Object.entries(p.files)) out[name] = await refusal(ctx, () => loadMlp(ctx, bytes));
    const before = ctx.liveBuffers;
    const { model } = loadMlp(ctx, p.valid);
    const made = ctx.liveBuffers - before;
    model.destroy();
    await ctx.sync();
    return { refusals: out, made, leftAfterDestroy: ctx.liveBuffers - before };
  },

  /**
   * Model files that passed validation (from the fuzz run), each loaded and compared with what it
   * states: every layer's mask and weights read back from the GPU, and its biases, exactly equal to
   * the file's tensors; every buffer freed after. A typed refusal on the GPU (a buffer too large
   * for this device) is reported as such.
   */
  loadStated: async (ctx, p: { files: Uint8Array[] }) => {
    const results: Array<{ loaded: boolean; mismatch: string; leaked: number; refusal?: string }> = [];
    for (const bytes of p.files) {
      const stated = decodeModelFile(bytes).tensors;
      const before = ctx.liveBuffers;
      let loaded: ReturnType<typeof loadMlp>;
      try {
        loaded = loadMlp(ctx, bytes);
      } catch (error) {
        results.push({ loaded: false, mismatch: '', leaked: ctx.liveBuffers - before, refusal: `${(error as Error).name}: ${(error as Error).message}` });
        continue;
      }
      const mismatches: string[] = [];
      const same = (name: string, got: ArrayLike<number>, want: ArrayLike<number> | undefined) => {
        if (!want || got.length !== want.length || Array.from(got).some((v, i) => v !== want[i])) mismatches.push(name);
      };
      const linear = loaded.model.layers.filter((l): l is SparseLinear | Linear => l instanceof SparseLinear || l instanceof Linear);
      for (const [l, layer] of linear.entries()) {
        if (layer instanceof SparseLinear) {
          const w = await layer.readWeight();
          same(`${l}.rowPtr`, w.rowPtr, stated.get(`${l}.rowPtr`));
          same(`${l}.colIdx`, w.colIdx, stated.get(`${l}.colIdx`));
          same(`${l}.values`, w.values, stated.get(`${l}.values`));
        } else {
          const values = stated.get(`${l}.values`);
          same(`${l}.values`, await ctx.read(layer.weight), values && csrToDense({ rows: layer.outFeatures, cols: layer.inFeatures, rowPtr: stated.get(`${l}.rowPtr`) as Uint32Array, colIdx: stated.get(`${l}.colIdx`) as Uint32Array, values: values as Float32Array }));
        }
        same(`${l}.bias`, await ctx.read(layer.bias), stated.get(`${l}.bias`));
      }
      if (linear.length * 4 > stated.size) mismatches.push(`${linear.length} layers from ${stated.size} tensors`);
      loaded.model.destroy();
      await ctx.sync();
      results.push({ loaded: true, mismatch: mismatches.join(', '), leaked: ctx.liveBuffers - before });
    }
    return results;
  },

  /**
   * `chunks` calls of train() of `steps` steps each on one small sparse MLP: the live buffer count
   * and the process's resident memory (Node; the page reports none) after each call.
   */
  steadyTraining: async (ctx, p: { config: MlpConfig; data: Dataset; steps: number; chunks: number }) => {
    // Kernels may keep a small buffer per context, made on first use: one warm-up step makes them.
    await trainOnce(ctx, p.config, p.data, 1);
    const before = ctx.liveBuffers;
    const model = buildMlp(ctx, p.config);
    const loss = new SoftmaxCrossEntropy(ctx, p.config.classes);
    const optimizer = new Sgd(ctx, model.parameters(), { lr: 0.01, momentum: 0.9 });
    const rss = () => (typeof process !== 'undefined' && process.memoryUsage ? process.memoryUsage() : null);
    const live: number[] = [];
    const resident: Array<{ rss: number; heapUsed: number; external: number; arrayBuffers: number } | null> = [];
    let losses: number[] = [];
    try {
      for (let c = 0; c < p.chunks; c++) {
        const history = await train(ctx, { model, loss, optimizer, train: p.data, batchSize: 8, epochs: 1_000_000, maxSteps: p.steps, logEvery: p.steps, seed: c });
        losses = losses.concat(history.steps.map((s) => s.loss));
        live.push(ctx.liveBuffers - before);
        resident.push(rss());
      }
    } finally {
      optimizer.destroy();
      loss.destroy();
      model.destroy();
    }
    await ctx.sync();
    return { live, resident, losses, liveAfterDestroy: ctx.liveBuffers - before };
  },

  /**
   * The fuzzed operand calls (test/fuzz/operand-specs.ts), each made once: how it was refused, or
   * what it computed (read back), and the buffers it left behind.
   */
  operandCalls: async (ctx, p: { calls: OperandCall[] }) => {
    const sharedIsPlain = typeof SharedArrayBuffer === 'undefined';
    // Kernels may keep a small buffer per context, made on first use: a valid call of each makes them.
    for (const entry of ['matmul', 'csrMatmul', 'csrForward', 'conv2dCsr'] as const) await operandCall(ctx, WARM_UP[entry]);
    const out: Array<Refusal & { result?: Float32Array | Uint32Array }> = [];
    for (const call of p.calls) {
      let result: Float32Array | Uint32Array | undefined;
      const r = await refusal(ctx, async () => {
        result = await operandCall(ctx, call);
      });
      out.push({ ...r, ...(result && { result }) });
    }
    await ctx.sync();
    return { sharedIsPlain, out };
  },
});

const VALID_ARRAY = { kind: 'Float32Array', delta: 0, poison: false } as const;
const WARM_UP = {
  matmul: { entry: 'matmul', m: 1, k: 1, n: 1, transposeA: 'absent', transposeB: 'absent', a: VALID_ARRAY, b: VALID_ARRAY, bias: 'absent' },
  csrMatmul: { entry: 'csrMatmul', batch: 1, x: VALID_ARRAY, values: VALID_ARRAY },
  csrForward: { entry: 'csrForward', batch: 1, xDelta: 0, yDelta: 0, biasDelta: 0 },
  conv2dCsr: { entry: 'conv2dCsr', batch: 1, x: VALID_ARRAY, values: VALID_ARRAY, stride: 1, padding: 1 },
} as const;

/** A model of `config` trained `steps` steps, then freed. */
async function trainOnce(ctx: Context, config: MlpConfig, data: Dataset, steps: number): Promise<void> {
  const model = buildMlp(ctx, config);
  const loss = new SoftmaxCrossEntropy(ctx, config.classes);
  const optimizer = new Sgd(ctx, model.parameters(), { lr: 0.01 });
  try {
    await train(ctx, { model, loss, optimizer, train: data, batchSize: 8, maxSteps: steps });
  } finally {
    optimizer.destroy();
    loss.destroy();
    model.destroy();
  }
}

/** Makes one fuzzed call; returns what it computed, read back. */
async function operandCall(ctx: Context, call: OperandCall): Promise<Float32Array | Uint32Array | undefined> {
  switch (call.entry) {
    case 'matmul': {
      const dims = { m: call.m, k: call.k, n: call.n, transposeA: buildFlag(call.transposeA), transposeB: buildFlag(call.transposeB) } as MatmulDims;
      const bias = call.bias === 'absent' ? undefined : buildArray(call.bias, call.n);
      return matmul(ctx, buildArray(call.a, call.m * call.k) as Float32Array, buildArray(call.b, call.k * call.n) as Float32Array, dims, { bias: bias as Float32Array });
    }
    case 'csrMatmul': {
      const w = { ...FUZZ_WEIGHT, values: buildArray(call.values, FUZZ_WEIGHT.values.length) as Float32Array };
      return csrMatmul(ctx, w, buildArray(call.x, Math.max(0, call.batch) * FUZZ_WEIGHT.cols) as Float32Array, call.batch);
    }
    case 'upload': {
      const t = ctx.upload(call.dtype as 'f32', buildArray(call.data, 5) as Float32Array);
      try {
        // The bits, so NaN comes back as NaN through the page's JSON too.
        return new Uint32Array((await ctx.read(t)).buffer);
      } finally {
        t.destroy();
      }
    }
    case 'sparseLinear': {
      const format = { csr: 'csr', bsr4: { bsr: 4 }, bsr3: { bsr: 3 }, string: 'bsr' }[call.format] as SparseFormat;
      const bias = call.bias === 'absent' ? undefined : (buildArray(call.bias, FUZZ_WEIGHT.rows) as Float32Array);
      const layer = new SparseLinear(ctx, FUZZ_WEIGHT, bias, format);
      try {
        return Float32Array.from([...(await layer.readDense()), ...(await ctx.read(layer.bias))]);
      } finally {
        layer.destroy();
      }
    }
    case 'csrForward': {
      const w = GpuCsr.upload(ctx, FUZZ_WEIGHT);
      const stride = validBatchFor(call.batch);
      const x = Float32Array.from({ length: Math.max(0, stride * FUZZ_WEIGHT.cols + 4 * call.xDelta) }, (_, i) => fuzzValue(i));
      const tensors = {
        xT: ctx.upload('f32', x),
        y: ctx.zeros('f32', Math.max(0, stride * FUZZ_WEIGHT.rows + call.yDelta)),
        bias: call.biasDelta === 'absent' ? undefined : ctx.upload('f32', Float32Array.from({ length: Math.max(0, FUZZ_WEIGHT.rows + call.biasDelta) }, (_, i) => fuzzValue(i + 3))),
      };
      try {
        await csrForwardInto(ctx, w, tensors.xT, tensors.y, call.batch, tensors.bias);
        return await ctx.read(tensors.y);
      } finally {
        for (const t of Object.values(tensors)) t?.destroy();
        w.destroy();
      }
    }
    case 'conv2dCsr': {
      const w = { ...FUZZ_FILTER, values: buildArray(call.values, FUZZ_FILTER.values.length) as Float32Array };
      return conv2dCsr(ctx, w, buildArray(call.x, Math.max(0, call.batch) * 20) as Float32Array, fuzzConvDims(call));
    }
  }
}

/** The activation-layout stride of a batch, or of batch 1 where the batch itself is invalid. */
function validBatchFor(batch: number): number {
  return featureMajorStride(Number.isInteger(batch) && batch >= 1 ? batch : 1);
}
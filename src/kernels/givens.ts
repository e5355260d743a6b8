/**
 * Batched Givens rotations (shaders/givens.wgsl): for many layers at once, A = [I_m | 0]·G_1·G_2·…
 * with each layer's rotations grouped into rounds of disjoint pairs (src/eoi/schedule.ts). One
 * workgroup owns a block of rows of one layer and runs all of that layer's rounds on it, so a whole
 * network is built in one dispatch per chunk of layers.
 */
import source from '../../shaders/givens.wgsl';
import type { Context, KernelSource } from '../gpu/context.js';
import { builtinKernelInterface, packStructs } from '../gpu/kernel-interface.js';
import { BufferTooLargeError } from '../errors.js';
import { checkFiniteFloat32, checkHostArray, checkObject, checkPositiveInt } from '../validate.js';

export const givensKernel: KernelSource = { name: 'givens', source };

/** One layer's rotations, in scheduled (round) order. */
export interface GivensLayer {
  /** rows of A */
  m: number;
  /** columns of A */
  cols: number;
  /** length rounds + 1; round r is rotations [roundPtr[r], roundPtr[r + 1]) */
  roundPtr: Uint32Array;
  /** i, j per rotation */
  pairs: Uint32Array;
  /** cos, sin per rotation */
  cosSin: Float32Array;
}

const WORKGROUP_SIZE = 64;
/** Layers are processed in chunks whose A matrices fit in one buffer of at most this many bytes. */
const CHUNK_BYTES = 256 * 1024 * 1024;

/** Floats of workgroup memory for the row block: what the device allows, less the 16-byte task. */
function sharedFloats(ctx: Context): number {
  return Math.floor((ctx.limits.maxComputeWorkgroupStorageSize - 16) / 4);
}

/** Rows per workgroup: the largest power of two that fits in workgroup memory (and is needed). */
export function rowsPerGroup(m: number, cols: number, shared: number): number {
  const fit = cols > shared ? 1 : Math.min(m, Math.floor(shared / cols));
  let rows = 1;
  while (rows * 2 <= fit) rows *= 2;
  return rows;
}

/**
 * Checks one layer: m <= cols; roundPtr starting at 0, non-decreasing, ending at the rotation
 * count; every pair two distinct columns < cols, and the pairs of one round disjoint (a round's
 * rotations run in parallel); cosSin finite, two per rotation.
 */
function checkGivensLayer(name: string, layer: unknown): void {
  const fields = checkObject(name, layer, 'a { m, cols, roundPtr, pairs, cosSin }');
  const cols = checkPositiveInt(`${name}.cols`, fields.cols);
  checkPositiveInt(`${name}.m`, fields.m, cols);
  const pairs = checkHostArray(`${name}.pairs`, fields.pairs, Uint32Array);
  if (pairs.length % 2) throw new RangeError(`${name}.pairs must hold two column indices per rotation, got length ${pairs.length}`);
  const rotations = pairs.length / 2;
  checkFiniteFloat32(`${name}.cosSin`, fields.cosSin, { length: pairs.length, why: '2 per rotation, as pairs' });
  const roundPtr = checkHostArray(`${name}.roundPtr`, fields.roundPtr, Uint32Array);
  if (roundPtr.length < 1 || roundPtr[0] !== 0 || roundPtr[roundPtr.length - 1] !== rotations) {
    throw new RangeError(`${name}.roundPtr must start at 0 and end at the rotation count ${rotations}, got [${roundPtr.subarray(0, 4).join(', ')}${roundPtr.length > 4 ? ', …' : ''}] (length ${roundPtr.length})`);
  }
  const lastRound = new Int32Array(cols).fill(-1);
  for (let r = 0; r + 1 < roundPtr.length; r++) {
    if (roundPtr[r + 1]! < roundPtr[r]!) throw new RangeError(`${name}.roundPtr must be non-decreasing, got roundPtr[${r + 1}] = ${roundPtr[r + 1]} < roundPtr[${r}] = ${roundPtr[r]}`);
    for (let t = roundPtr[r]!; t < roundPtr[r + 1]!; t++) {
      for (const index of [2 * t, 2 * t + 1]) {
        const col = pairs[index]!;
        if (col >= cols) throw new RangeError(`${name}.pairs[${index}] = ${col} must be a column index in [0, ${cols - 1}]`);
        if (lastRound[col] === r) throw new RangeError(`${name}.pairs[${index}] = ${col}: column ${col} is rotated twice in round ${r} (a round's pairs must be disjoint)`);
        lastRound[col] = r;
      }
    }
  }
}

/** Compute every layer's A on the GPU; returns each as a row-major m x cols Float32Array. Throws a TypeError / RangeError naming a malformed layer, and a BufferTooLargeError for a layer above one buffer. */
export async function givensBatch(ctx: Context, layers: readonly GivensLayer[]): Promise<Float32Array[]> {
  if (!Array.isArray(layers)) throw new TypeError(`layers must be an array of { m, cols, roundPtr, pairs, cosSin }, got ${String(layers)}`);
  layers.forEach((layer, l) => checkGivensLayer(`layers[${l}]`, layer));
  const shared = sharedFloats(ctx);
  const limitBytes = Math.min(CHUNK_BYTES, ctx.limits.maxStorageBufferBindingSize);
  const results: Float32Array[] = new Array(layers.length);
  // Layers whose rows fit in workgroup memory and those rotated in place run as separate pipelines.
  for (const inWorkgroup of [true, false]) {
    let chunk: number[] = [];
    let chunkBytes = 0;
    const flushChunk = async () => {
      if (chunk.length) await runChunk(ctx, layers, chunk, inWorkgroup, shared, results);
      chunk = [];
      chunkBytes = 0;
    };
    for (let l = 0; l < layers.length; l++) {
      const { m, cols } = layers[l]!;
      if (cols <= shared !== inWorkgroup) continue;
      const bytes = 4 * m * cols;
      if (bytes > limitBytes) {
        const limitName = limitBytes === CHUNK_BYTES ? 'batch chunk size' : 'maxStorageBufferBindingSize';
        throw new BufferTooLargeError(`layers[${l}]: its ${m} x ${cols} matrix`, bytes, limitName, limitBytes);
      }
      if (chunkBytes + bytes > limitBytes) await flushChunk();
      chunk.push(l);
      chunkBytes += bytes;
    }
    await flushChunk();
  }
  return results;
}

async function runChunk(
  ctx: Context,
  layers: readonly GivensLayer[],
  chunk: number[],
  inWorkgroup: boolean,
  shared: number,
  results: Float32Array[],
): Promise<void> {
  const records: Record<string, number>[] = [];
  const tasks: number[] = [];
  let aFloats = 0;
  let rotations = 0;
  let roundEntries = 0;
  chunk.forEach((l, index) => {
    const layer = layers[l]!;
    const rows = rowsPerGroup(layer.m, layer.cols, inWorkgroup ? shared : 0);
    records.push({
      m: layer.m,
      cols: layer.cols,
      aOffset: aFloats,
      rotationOffset: rotations,
      roundOffset: roundEntries,
      rounds: layer.roundPtr.length - 1,
      rowsPerGroup: rows,
      rowShift: Math.log2(rows),
    });
    for (let row = 0; row < layer.m; row += rows) tasks.push(index, row);
    aFloats += layer.m * layer.cols;
    rotations += layer.pairs.length / 2;
    roundEntries += layer.roundPtr.length;
  });
  const roundPtr = new Uint32Array(roundEntries);
  const pairs = new Uint32Array(2 * rotations);
  const cosSin = new Float32Array(2 * rotations);
  chunk.forEach((l, index) => {
    const layer = layers[l]!;
    const record = records[index]!;
    roundPtr.set(layer.roundPtr, record.roundOffset);
    pairs.set(layer.pairs, 2 * record.rotationOffset!);
    cosSin.set(layer.cosSin, 2 * record.rotationOffset!);
  });

  const layerLayout = builtinKernelInterface(givensKernel.source).structs.get('Layer')!;
  const taskCount = tasks.length / 2;
  const groupsX = Math.min(taskCount, ctx.limits.maxComputeWorkgroupsPerDimension);
  const tensors = {
    layers: ctx.upload('u32', new Uint32Array(packStructs(layerLayout, records, 'givens layers')), 'givens.layers'),
    tasks: ctx.upload('u32', Uint32Array.from(tasks), 'givens.tasks'),
    roundPtr: ctx.upload('u32', roundPtr, 'givens.roundPtr'),
    pairs: ctx.upload('u32', pairs, 'givens.pairs'),
    cosSin: ctx.upload('f32', cosSin, 'givens.cosSin'),
    a: ctx.zeros('f32', aFloats, 'givens.a'),
  };
  try {
    await ctx.dispatch(givensKernel, {
      constants: { WORKGROUP_SIZE, SHARED_FLOATS: inWorkgroup ? shared : 4, ROWS_IN_WORKGROUP: inWorkgroup },
      buffers: tensors,
      uniforms: { taskCount, groupsX },
      workgroups: [groupsX, Math.ceil(taskCount / groupsX)],
    });
    const a = await ctx.read(tensors.a);
    chunk.forEach((l, index) => {
      const offset = records[index]!.aOffset!;
      results[l] = a.subarray(offset, offset + layers[l]!.m * layers[l]!.cols);
    });
  } finally {
    for (const t of Object.values(tensors)) t.destroy();
  }
}

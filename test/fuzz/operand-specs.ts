/**
 * Kernel-operand fuzzing, the part both sides share: descriptors of calls (plain data, so they
 * cross to the page), how the GPU case turns a descriptor's array specs into host arrays, and
 * whether a descriptor is valid. The test draws descriptors with fast-check; the case makes each
 * call; a call must be accepted exactly when its descriptor is valid.
 */

export const ARRAY_KINDS = ['Float32Array', 'Float64Array', 'Uint32Array', 'Int32Array', 'Array', 'null', 'shared'] as const;
export type ArrayKind = (typeof ARRAY_KINDS)[number];

/** A host array: its kind, its length as `delta` from the one wanted, and whether element 0 is NaN. */
export interface ArraySpec {
  kind: ArrayKind;
  delta: number;
  poison: boolean;
}

/** A boolean option as given: the wire carries no undefined, so absence is named. */
export const FLAG_SPECS = ['true', 'false', 'absent', 'one', 'string'] as const;
export type FlagSpec = (typeof FLAG_SPECS)[number];

export const SPARSE_FORMATS = ['csr', 'bsr4', 'bsr3', 'string'] as const;

export type OperandCall =
  | { entry: 'matmul'; m: number; k: number; n: number; transposeA: FlagSpec; transposeB: FlagSpec; a: ArraySpec; b: ArraySpec; bias: ArraySpec | 'absent' }
  | { entry: 'csrMatmul'; batch: number; x: ArraySpec; values: ArraySpec }
  | { entry: 'upload'; dtype: 'f32' | 'u32' | 'f64'; data: ArraySpec }
  | { entry: 'sparseLinear'; bias: ArraySpec | 'absent'; format: (typeof SPARSE_FORMATS)[number] }
  | { entry: 'csrForward'; batch: number; xDelta: number; yDelta: number; biasDelta: number | 'absent' }
  | { entry: 'conv2dCsr'; batch: number; x: ArraySpec; values: ArraySpec; stride: number; padding: number };

/** The fixed 3 x 4 weight the sparse entries use: an empty row, a full row, one entry. */
export const FUZZ_WEIGHT = { rows: 3, cols: 4, rowPtr: Uint32Array.of(0, 0, 4, 5), colIdx: Uint32Array.of(0, 1, 2, 3, 2), values: Float32Array.of(0.5, -1, 2, 0.25, -3) };

/** The fixed 3x3 filter of conv2dCsr's calls (cOut 2, cIn 1): an empty row, a row of 4 taps; the image is 1 x 4 x 5. */
export const FUZZ_FILTER = { rows: 2, cols: 9, rowPtr: Uint32Array.of(0, 0, 4), colIdx: Uint32Array.of(0, 4, 5, 8), values: Float32Array.of(0.5, -1, 2, 0.25) };
const FUZZ_IMAGE = { cIn: 1, h: 4, w: 5, kh: 3, kw: 3 };

/** The geometry of a conv2dCsr call (zero padding; 3 <= 4 + 2·padding for every padding >= 0). */
export function fuzzConvDims(call: { batch: number; stride: number; padding: number }) {
  return { batch: call.batch, ...FUZZ_IMAGE, stride: call.stride, padding: call.padding };
}

/** Deterministic element values: small, mixed sign, exact in float32. */
export function fuzzValue(i: number): number {
  return ((i * 7) % 11) / 4 - 1;
}

/** The array a spec describes, `want` elements long before its delta (undefined for an impossible length). */
export function buildArray(spec: ArraySpec, want: number): unknown {
  const length = want + spec.delta;
  if (spec.kind === 'null') return null;
  if (length < 0) return new Float32Array(0);
  const values = Array.from({ length }, (_, i) => (spec.poison && i === 0 ? Number.NaN : fuzzValue(i)));
  switch (spec.kind) {
    case 'Float32Array':
      return Float32Array.from(values);
    case 'Float64Array':
      return Float64Array.from(values);
    case 'Uint32Array':
      return Uint32Array.from(values.map((v) => (Number.isNaN(v) ? 0 : Math.abs(v * 4))));
    case 'Int32Array':
      return Int32Array.from(values.map((v) => (Number.isNaN(v) ? 0 : v * 4)));
    case 'Array':
      return values;
    case 'shared': {
      // Where there is no SharedArrayBuffer (a page that is not cross-origin isolated), an ordinary
      // Float32Array stands in; validity follows what was actually built (see hasSharedArrays).
      if (typeof SharedArrayBuffer === 'undefined') return Float32Array.from(values);
      const array = new Float32Array(new SharedArrayBuffer(4 * length));
      array.set(values);
      return array;
    }
  }
}

export function buildFlag(flag: FlagSpec): unknown {
  return { true: true, false: false, absent: undefined, one: 1, string: 'false' }[flag];
}

/** Whether a spec gives a valid float32 operand of the wanted length (finite when `finite`). */
function validFloat32(spec: ArraySpec, sharedIsPlain: boolean, finite = true): boolean {
  const kindOk = spec.kind === 'Float32Array' || (spec.kind === 'shared' && sharedIsPlain);
  return kindOk && spec.delta === 0 && !(finite && spec.poison);
}

const validFlag = (flag: FlagSpec) => flag === 'true' || flag === 'false' || flag === 'absent';
const validBatch = (batch: number) => Number.isInteger(batch) && batch >= 1;

/** Whether the call is valid; `sharedIsPlain`: the 'shared' kind was built as an ordinary Float32Array. */
export function isValidCall(call: OperandCall, sharedIsPlain: boolean): boolean {
  switch (call.entry) {
    case 'matmul':
      return validFlag(call.transposeA) && validFlag(call.transposeB) && validFloat32(call.a, sharedIsPlain) && validFloat32(call.b, sharedIsPlain) && (call.bias === 'absent' || validFloat32(call.bias, sharedIsPlain));
    case 'csrMatmul':
      return validBatch(call.batch) && validFloat32(call.x, sharedIsPlain) && validFloat32(call.values, sharedIsPlain);
    case 'upload': {
      // Raw memory: any values and length, only the kind must match the dtype.
      const f32 = call.data.kind === 'Float32Array' || (call.data.kind === 'shared' && sharedIsPlain);
      return (call.dtype === 'f32' && f32) || (call.dtype === 'u32' && call.data.kind === 'Uint32Array');
    }
    case 'sparseLinear':
      return (call.format === 'csr' || call.format === 'bsr4') && (call.bias === 'absent' || validFloat32(call.bias, sharedIsPlain));
    case 'csrForward':
      return validBatch(call.batch) && call.xDelta === 0 && call.yDelta === 0 && (call.biasDelta === 'absent' || call.biasDelta === 0);
    case 'conv2dCsr':
      return validBatch(call.batch) && validBatch(call.stride) && Number.isInteger(call.padding) && call.padding >= 0 && validFloat32(call.x, sharedIsPlain) && validFloat32(call.values, sharedIsPlain);
  }
}

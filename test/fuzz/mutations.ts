/**
 * fast-check arbitraries of mutated model files: truncations, bit flips, structured header edits
 * (config fields and tensor entries set to hostile values) and CSR edits (rowPtr, colIdx and
 * values overwritten in the data section), each from one of a few valid base files (MLPs in CSR,
 * BSR and dense form, and CNNs).
 */
import fc from 'fast-check';
import { decodeModelFile } from '../../src/nn/model-file.js';
import type { MlpConfig } from '../../src/nn/mlp.js';
import { cnnFile, mlpFile, rawModelFile, SMALL_CNN, SMALL_MLP } from '../validation/model-files.js';

/** Valid files of every layer kind: CSR, BSR and dense layers, a one-hidden-layer net, an eoi net. */
export const BASE_CONFIGS: MlpConfig[] = [
  SMALL_MLP,
  { ...SMALL_MLP, format: { bsr: 4 } },
  { ...SMALL_MLP, init: 'dense-gaussian', density: 1 },
  { ...SMALL_MLP, depth: 2, inputs: 3, width: 2, classes: 2, seed: 9 },
  { ...SMALL_MLP, init: 'erk', format: { bsr: 8 }, width: 9, inputs: 10 },
];

/** The MLP files, then two CNN files (vanilla and VGG-style): loadModel reads both kinds. */
export const BASE_FILES = [
  ...BASE_CONFIGS.map((config) => mlpFile(config)),
  cnnFile(SMALL_CNN),
  cnnFile({ ...SMALL_CNN, architecture: 'vgg', stem: 0, depth: 2, inputShape: [2, 8, 8], init: 'uniform' }),
];

/** Values a hostile header might hold for a number, a string or an object field. */
const HOSTILE: unknown[] = [
  0, -1, 1, 2, 3, 0.5, 2.5, 1e9, 1e300, -1e300, 2 ** 31, 2 ** 32, 2 ** 53 - 1, 2 ** 53, Number.MAX_VALUE, 1e-46, '3', '', 'mlp', 'cnn', 'csr', null, true, false, [], {}, [1, 2], { bsr: 4 }, { bsr: 3 }, { bsr: 1e9 }, 'tanh', 'relu',
];

const hostile = fc.constantFrom(...HOSTILE);
const base = fc.nat(BASE_FILES.length - 1);

interface Header {
  config: Record<string, unknown>;
  tensors: Array<Record<string, unknown> | null>;
}

function split(bytes: Uint8Array): { header: Header; data: Uint8Array } {
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength))) as Header;
  return { header, data: bytes.subarray(Math.ceil((12 + headerLength) / 4) * 4) };
}

/** A prefix of a valid file. */
export const truncated = fc.tuple(base, fc.double({ min: 0, max: 1, noNaN: true })).map(([b, f]) => {
  const bytes = BASE_FILES[b]!;
  return bytes.slice(0, Math.floor(f * bytes.length));
});

/** A valid file with 1 to 16 bits flipped anywhere (header length, JSON text, tensor data). */
export const bitFlipped = fc.tuple(base, fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), fc.nat(7)), { minLength: 1, maxLength: 16 })).map(([b, flips]) => {
  const bytes = BASE_FILES[b]!.slice();
  for (const [f, bit] of flips) bytes[Math.floor(f * bytes.length)]! ^= 1 << bit;
  return bytes;
});

const CONFIG_KEYS = ['kind', 'inputs', 'width', 'depth', 'classes', 'density', 'init', 'activation', 'sigmaW', 'sigmaB', 'seed', 'format', 'inputShape', 'stem', 'channels', 'kernel', 'architecture', 'paddingMode'];
const ENTRY_KEYS = ['name', 'dtype', 'offset', 'length'];

type HeaderEdit = (h: Header, data: Uint8Array) => void;

const headerEdit: fc.Arbitrary<HeaderEdit> = fc.oneof(
  fc.tuple(fc.constantFrom(...CONFIG_KEYS), hostile).map(([key, value]): HeaderEdit => (h) => void (h.config[key] = value)),
  fc.constantFrom(...CONFIG_KEYS).map((key): HeaderEdit => (h) => void delete h.config[key]),
  fc.tuple(fc.nat(), fc.constantFrom(...ENTRY_KEYS), hostile).map(([i, key, value]): HeaderEdit => (h) => {
    const entry = h.tensors[i % h.tensors.length];
    if (entry) entry[key] = value;
  }),
  // Offsets and lengths near the truth: off by a word, overlapping a neighbour, past the end.
  fc.tuple(fc.nat(), fc.constantFrom('offset', 'length'), fc.integer({ min: -8, max: 8 })).map(([i, key, delta]): HeaderEdit => (h) => {
    const entry = h.tensors[i % h.tensors.length];
    if (entry && typeof entry[key] === 'number') entry[key] = (entry[key] as number) + 4 * delta;
  }),
  fc.nat().map((i): HeaderEdit => (h) => void (h.tensors[i % h.tensors.length] = null)),
  fc.nat().map((i): HeaderEdit => (h) => void h.tensors.splice(i % h.tensors.length, 1)),
  fc.nat().map((i): HeaderEdit => (h) => void h.tensors.push({ ...h.tensors[i % h.tensors.length] })),
  fc.tuple(fc.nat(), fc.nat()).map(([i, j]): HeaderEdit => (h) => {
    const a = h.tensors[i % h.tensors.length];
    const b = h.tensors[j % h.tensors.length];
    if (a && b) [a.name, b.name] = [b.name, a.name];
  }),
  fc.integer({ min: 1, max: 200_000 }).map((count): HeaderEdit => (h) => {
    // Many entries naming the same bytes (an amplification attempt).
    const first = h.tensors[0];
    for (let k = 0; k < count % 2000; k++) h.tensors.push({ ...first, name: `copy${k}` });
  }),
);

/** A valid file with 1 to 4 structured header edits, re-encoded over the same data section. */
export const headerEdited = fc.tuple(base, fc.array(headerEdit, { minLength: 1, maxLength: 4 })).map(([b, edits]) => {
  const { header, data } = split(BASE_FILES[b]!);
  for (const edit of edits) edit(header, data);
  return rawModelFile(header, data);
});

const HOSTILE_WORDS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 31, 32, 0x7fffffff, 0x80000000, 0xffffffff, 0x7fc00000 /* NaN */, 0x7f800000 /* Inf */, 0xff800000 /* -Inf */, 0x00000001 /* denormal */];

/** A valid file with 1 to 6 words of its rowPtr, colIdx or values tensors overwritten. */
export const csrEdited = fc
  .tuple(base, fc.array(fc.tuple(fc.nat(), fc.constantFrom('rowPtr', 'colIdx', 'values', 'bias'), fc.nat(), fc.oneof(fc.constantFrom(...HOSTILE_WORDS), fc.nat({ max: 0xffffffff }))), { minLength: 1, maxLength: 6 }))
  .map(([b, edits]) => {
    const bytes = BASE_FILES[b]!.slice();
    const file = decodeModelFile(bytes);
    const { header, data } = split(bytes);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const depth = Math.floor(file.tensors.size / 4);
    for (const [layer, field, index, word] of edits) {
      const entry = header.tensors.find((t) => t?.name === `${layer % depth}.${field}`);
      const length = entry?.length as number;
      if (!entry || length === 0) continue;
      view.setUint32((entry.offset as number) + 4 * (index % length), word, true);
    }
    return bytes;
  });

/** Any of the four kinds. */
export const mutatedFile = fc.oneof(truncated, bitFlipped, headerEdited, csrEdited);

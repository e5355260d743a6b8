/**
 * A layer's weights at init as an image, stored weights red (+) or blue (−) with intensity
 * √(|w| / max|w|) (never so faint that they pass for pruned), stored zeros (a conv EOI mask's
 * trainable top-up) amber, pruned ones white.
 * - A linear layer: one pixel per weight (rows: output units, columns: inputs).
 * - A conv layer: a grid of cOut × cIn tiles (rows: output channels, columns: input channels),
 *   each the kh × kw taps of one filter slice, tiles parted by a one-pixel grid line; an EOI
 *   kernel shows its orthogonal centre matrix in the centre taps and its top-up around them.
 */
import type { LayerWeights } from './run.js';
import type { ConvKernel } from './state.js';

/** the charts' height, so the panels side by side line up */
const MAX_HEIGHT = 230;
/** A very wide layer (e.g. 64 × 784) is stretched vertically to this height so its rows stay visible. */
const MIN_HEIGHT = 120;
/** the faintest a stored nonzero weight is drawn, as a fraction of full colour */
const MIN_INTENSITY = 0.15;

/** RGB of what is not a signed weight; the e2e test reads the drawn pixels back with these. */
export const MASK_COLOURS = {
  pruned: [255, 255, 255],
  storedZero: [240, 180, 41],
  grid: [150, 158, 168],
} as const;

function weightColour(v: number, stored: boolean, max: number): readonly number[] {
  if (!stored) return MASK_COLOURS.pruned;
  if (v === 0) return MASK_COLOURS.storedZero;
  const fade = Math.round(255 * (1 - Math.max(MIN_INTENSITY, Math.sqrt(Math.abs(v) / max))));
  // Red for positive, blue for negative; both fade toward white as |w| goes to 0.
  return v > 0 ? [255, fade, fade] : [fade, fade, 255];
}

export function drawLayer(canvas: HTMLCanvasElement, w: LayerWeights): void {
  let max = 0;
  for (const v of w.values) max = Math.max(max, Math.abs(v));
  const colour = (i: number) => weightColour(w.values[i]!, w.stored ? w.stored[i] === 1 : true, max);
  if (w.kernel) drawFilters(canvas, w.rows, w.kernel, colour);
  else drawMatrix(canvas, w.rows, w.cols, colour);
}

function drawMatrix(canvas: HTMLCanvasElement, rows: number, cols: number, colour: (i: number) => readonly number[]): void {
  const image = new ImageData(cols, rows);
  for (let i = 0; i < rows * cols; i++) image.data.set([...colour(i), 255], 4 * i);
  const scale = show(canvas, image, false);
  canvas.style.height = `${Math.round(Math.max(rows * scale, MIN_HEIGHT))}px`;
}

/** Tile (co, ci) holds tap (ky, kx) at pixel (1 + ci·(kw + 1) + kx, 1 + co·(kh + 1) + ky); weight column (ci·kh + ky)·kw + kx (OIHW). */
function drawFilters(canvas: HTMLCanvasElement, cOut: number, { cIn, kh, kw }: ConvKernel, colour: (i: number) => readonly number[]): void {
  const width = cIn * (kw + 1) + 1;
  const image = new ImageData(width, cOut * (kh + 1) + 1);
  for (let p = 0; p < image.width * image.height; p++) image.data.set([...MASK_COLOURS.grid, 255], 4 * p);
  for (let co = 0; co < cOut; co++) {
    for (let ci = 0; ci < cIn; ci++) {
      for (let ky = 0; ky < kh; ky++) {
        for (let kx = 0; kx < kw; kx++) {
          const pixel = (1 + co * (kh + 1) + ky) * width + 1 + ci * (kw + 1) + kx;
          image.data.set([...colour(co * cIn * kh * kw + (ci * kh + ky) * kw + kx), 255], 4 * pixel);
        }
      }
    }
  }
  // A whole number of screen pixels per tap keeps every tile the same size, when the box allows one.
  show(canvas, image, true);
}

/** Puts the image on the canvas, scaled to fit the box (rounded down to a whole number when `whole` and >= 1); returns the scale. */
function show(canvas: HTMLCanvasElement, image: ImageData, whole: boolean): number {
  canvas.width = image.width;
  canvas.height = image.height;
  canvas.getContext('2d')!.putImageData(image, 0, 0);
  const boxWidth = canvas.parentElement?.clientWidth ?? image.width;
  const fit = Math.min(boxWidth / image.width, MAX_HEIGHT / image.height);
  const scale = whole && fit >= 1 ? Math.floor(fit) : fit;
  canvas.style.width = `${Math.round(image.width * scale)}px`;
  canvas.style.height = `${Math.round(image.height * scale)}px`;
  return scale;
}

export function clearLayer(canvas: HTMLCanvasElement): void {
  canvas.width = canvas.height = 1;
  canvas.style.width = canvas.style.height = '0';
}

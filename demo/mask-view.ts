/**
 * A layer's weights at init as an image: one pixel per weight (rows: output units, columns:
 * inputs), stored weights red (+) or blue (−) with intensity √(|w| / max|w|), pruned ones white.
 */
import type { LayerWeights } from './run.js';

/** the charts' height, so the panels side by side line up */
const MAX_HEIGHT = 230;
/** A very wide layer (e.g. 64 × 784) is stretched vertically to this height so its rows stay visible. */
const MIN_HEIGHT = 120;

export function drawLayer(canvas: HTMLCanvasElement, w: LayerWeights): void {
  canvas.width = w.cols;
  canvas.height = w.rows;
  const image = new ImageData(w.cols, w.rows);
  let max = 0;
  for (const v of w.values) max = Math.max(max, Math.abs(v));
  w.values.forEach((v, i) => {
    const stored = w.stored ? w.stored[i] === 1 : true;
    const t = stored && max > 0 ? Math.sqrt(Math.abs(v) / max) : 0;
    const fade = Math.round(255 * (1 - t));
    // Red for positive, blue for negative; both fade to white as |w| goes to 0.
    const [r, g, b] = v >= 0 ? [255, fade, fade] : [fade, fade, 255];
    image.data.set([r, g, b, 255], 4 * i);
  });
  canvas.getContext('2d')!.putImageData(image, 0, 0);
  const boxWidth = canvas.parentElement?.clientWidth ?? w.cols;
  const scale = Math.min(boxWidth / w.cols, MAX_HEIGHT / w.rows);
  canvas.style.width = `${Math.round(w.cols * scale)}px`;
  canvas.style.height = `${Math.round(Math.max(w.rows * scale, MIN_HEIGHT))}px`;
}

export function clearLayer(canvas: HTMLCanvasElement): void {
  canvas.width = canvas.height = 1;
  canvas.style.width = canvas.style.height = '0';
}

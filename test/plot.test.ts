// The SVG heatmap: cell text, colour order, missing cells and shape checks (CPU only).
import { describe, expect, it } from 'vitest';
import { heatmap } from '../src/plot/svg.js';

const fills = (svg: string) => [...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="\d+" height="\d+" fill="(#[0-9a-f]{6})"/g)].map((m) => m[1]!);
const cellTexts = (svg: string) => [...svg.matchAll(/text-anchor="middle" fill="(?:white|black)">([^<]*)</g)].map((m) => m[1]!);
const darkness = (hex: string) => 765 - [1, 3, 5].reduce((s, i) => s + parseInt(hex.slice(i, i + 2), 16), 0);

describe('heatmap', () => {
  it('writes every cell row by row, darker for larger values, a grey dash where nothing was measured', () => {
    const svg = heatmap({ rows: ['snip', 'erk <random>'], columns: ['none d=0.1', 'all d=0.1'], values: [[91.08, 93.9], [88.1, undefined]] }, { title: 'accuracy', format: (v) => v.toFixed(1) });
    expect(cellTexts(svg)).toEqual(['91.1', '93.9', '88.1', '—']);
    const [snipNone, snipAll, erkNone, erkAll] = fills(svg);
    expect(darkness(snipAll!)).toBeGreaterThan(darkness(snipNone!));
    expect(darkness(snipNone!)).toBeGreaterThan(darkness(erkNone!));
    expect(erkAll).toBe('#e6e6e6');
    // The range's ends take the palest and the darkest colours.
    expect(erkNone).toBe('#ffffcc');
    expect(snipAll).toBe('#253494');
    expect(svg).toContain('erk &lt;random&gt;');
    expect(svg).not.toContain('<random>');
  });

  it('clamps to a given range and puts a single value at the dark end', () => {
    const ranged = heatmap({ rows: ['a'], columns: ['x', 'y'], values: [[50, 120]] }, { title: 't', range: [60, 100] });
    expect(fills(ranged)).toEqual(['#ffffcc', '#253494']);
    expect(fills(heatmap({ rows: ['a'], columns: ['x'], values: [[7]] }, { title: 't' }))).toEqual(['#253494']);
    const withNaN = heatmap({ rows: ['a'], columns: ['x', 'y'], values: [[Number.NaN, 3]] }, { title: 't' });
    expect(cellTexts(withNaN)).toEqual(['—', '3']);
    expect(fills(withNaN)).toEqual(['#e6e6e6', '#253494']);
  });

  it('refuses values whose shape is not rows x columns, naming both', () => {
    expect(() => heatmap({ rows: ['a', 'b'], columns: ['x'], values: [[1]] }, { title: 't' })).toThrow(new RangeError('heatmap values must be 2 rows of 1 columns'));
    expect(() => heatmap({ rows: ['a'], columns: ['x', 'y'], values: [[1]] }, { title: 't' })).toThrow(RangeError);
  });

  it('refuses a colour range that is not two finite numbers, low below high', () => {
    const data = { rows: ['a'], columns: ['x'], values: [[1]] };
    expect(() => heatmap(data, { title: 't', range: [5, 5] })).toThrow(new RangeError('heatmap range must be two finite numbers [low, high] with low < high, got [5, 5]'));
    expect(() => heatmap(data, { title: 't', range: [9, 1] })).toThrow(RangeError);
    expect(() => heatmap(data, { title: 't', range: [0, Number.NaN] })).toThrow(RangeError);
  });
});

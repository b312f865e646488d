/**
 * The log-log small-multiples chart bench:kernels writes (bench/svg.ts): points land on their
 * log10 positions, a series keeps its colour across panels, text is escaped, and a panel with no
 * points says so instead of drawing an axis.
 */
import { describe, expect, it } from 'vitest';
import { COLORS, logLogPanelsSvg, logScale } from '../bench/svg.js';

describe('bench SVG helpers', () => {
  it('logScale maps decades linearly', () => {
    const x = logScale(4, 6, 0, 200);
    expect(x(1e4)).toBe(0);
    expect(x(1e5)).toBeCloseTo(100);
    expect(x(1e6)).toBeCloseTo(200);
  });

  it('draws each series in one colour across panels, at log positions, and marks empty panels', () => {
    const svg = logLogPanelsSvg([
      { title: 'a*b+c', series: [{ name: 'js', points: [[1e4, 1e6], [1e6, 1e8]] }, { name: 'tfjs<wasm>', points: [[1e4, 1e7]] }] },
      { title: 'sum', series: [{ name: 'tfjs<wasm>', points: [[1e5, 1e7]] }] },
      { title: 'dense', series: [{ name: 'js', points: [] }] },
    ], 'title & more', ['machine: test; driver: none, no GPU ran'], 'rows', 'rows/s');
    expect(svg).toContain('tfjs&lt;wasm&gt;');
    expect(svg).toContain('title &amp; more');
    expect(svg).toContain('no GPU ran');
    const circles = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)" r="2.5" fill="(#[0-9a-f]+)"\/>/g)];
    expect(circles.length).toBe(4);
    // tfjs<wasm> is the second name: the same colour in both panels.
    expect(circles.filter((c) => c[3] === COLORS[1]).length).toBe(2);
    // First panel: x decades 1e4..1e6 over 300 px from x=66, so 1e6 sits at the right edge; y 1e6 at the bottom.
    const [, cx0, cy0] = circles[0]!, [, cx1, cy1] = circles[1]!;
    expect(Number(cx1) - Number(cx0)).toBeCloseTo(300);
    expect(Number(cy0) - Number(cy1)).toBeCloseTo(200);
    expect(svg).toContain('not measured');
    expect(svg.match(/<polyline/g)?.length).toBe(1);
  });
});

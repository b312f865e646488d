/**
 * SVG helpers shared by the benchmark charts (bench:compare's bar charts, bench:kernels' line
 * charts): escaping, the series colours, the legend row and a log10 axis mapping. Pure functions.
 */

/** Escapes text for SVG element content and attribute values. */
export const xmlEscape = (s: string): string => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** Series colours, in order (wrap around past the end). */
export const COLORS = ['#d9480f', '#1971c2', '#2f9e44', '#7048e8', '#868e96'];

/** The colour of series `i`. */
export const seriesColor = (i: number): string => COLORS[i % COLORS.length]!;

/** A legend row at (x, y): a swatch and the name per series, `step` pixels apart. */
export function svgLegend(names: readonly string[], x: number, y: number, step = 110): string[] {
  return names.map((n, i) => `<rect x="${x + i * step}" y="${y}" width="10" height="10" fill="${seriesColor(i)}"/><text x="${x + 14 + i * step}" y="${y + 9}">${xmlEscape(n)}</text>`);
}

/** Maps a positive value onto [from, to] pixels on a log10 scale spanning [lo, hi] (decades, i.e. log10 bounds). */
export const logScale = (lo: number, hi: number, from: number, to: number) => (v: number): number => from + ((Math.log10(v) - lo) / (hi - lo)) * (to - from);

/** One panel of {@link logLogPanelsSvg}: a title and, per series, its (x, y) points. */
export interface LogLogPanel {
  title: string;
  series: readonly { name: string; points: readonly (readonly [number, number])[] }[];
}

const decades = (vs: number[], pad: number): [number, number] => {
  const lo = Math.floor(Math.log10(Math.min(...vs))), hi = Math.ceil(Math.log10(Math.max(...vs)));
  return [lo, Math.max(hi, lo + pad)];
};
const pow10 = (e: number) => (e >= 3 ? `1e${e}` : String(10 ** e));

/**
 * Small multiples of log-log line charts, `cols` panels a row: per panel a line with dots per
 * series, shared colours per series name (legend at the top), x and y gridlines at powers of ten.
 * `lines` are printed under the title (machine, backend, driver).
 */
export function logLogPanelsSvg(panels: readonly LogLogPanel[], title: string, lines: readonly string[], xLabel: string, yLabel: string, cols = 3): string {
  const names = [...new Set(panels.flatMap((p) => p.series.map((s) => s.name)))];
  const pw = 300, ph = 200, ml = 56, mr = 14, mt = 26, mb = 34;
  const top = 44 + lines.length * 15;
  const rows = Math.ceil(panels.length / cols);
  const width = cols * (ml + pw + mr) + 10, height = top + rows * (mt + ph + mb) + 10;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="18" font-size="14" font-weight="bold">${xmlEscape(title)}</text>`,
    ...lines.map((l, i) => `<text x="10" y="${34 + i * 15}" fill="#333">${xmlEscape(l)}</text>`),
    ...svgLegend(names, 10, top - 12, 120),
  ];
  panels.forEach((p, pi) => {
    const ox = 10 + (pi % cols) * (ml + pw + mr) + ml, oy = top + Math.floor(pi / cols) * (mt + ph + mb) + mt;
    const pts = p.series.flatMap((s) => s.points).filter(([x, y]) => x > 0 && y > 0);
    parts.push(`<text x="${ox}" y="${oy - 8}" font-weight="bold">${xmlEscape(p.title)}</text>`, `<rect x="${ox}" y="${oy}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
    if (pts.length === 0) {
      parts.push(`<text x="${ox + pw / 2}" y="${oy + ph / 2}" text-anchor="middle" fill="#555">not measured</text>`);
      return;
    }
    const [xlo, xhi] = decades(pts.map(([x]) => x), 1), [ylo, yhi] = decades(pts.map(([, y]) => y), 1);
    const X = logScale(xlo, xhi, ox, ox + pw), Y = logScale(ylo, yhi, oy + ph, oy);
    for (let e = xlo; e <= xhi; e++) parts.push(`<line x1="${X(10 ** e).toFixed(1)}" y1="${oy}" x2="${X(10 ** e).toFixed(1)}" y2="${oy + ph}" stroke="#eee"/><text x="${X(10 ** e).toFixed(1)}" y="${oy + ph + 13}" text-anchor="middle">${pow10(e)}</text>`);
    for (let e = ylo; e <= yhi; e++) parts.push(`<line x1="${ox}" y1="${Y(10 ** e).toFixed(1)}" x2="${ox + pw}" y2="${Y(10 ** e).toFixed(1)}" stroke="#eee"/><text x="${ox - 4}" y="${(Y(10 ** e) + 4).toFixed(1)}" text-anchor="end">${pow10(e)}</text>`);
    parts.push(`<text x="${ox + pw / 2}" y="${oy + ph + 27}" text-anchor="middle" fill="#555">${xmlEscape(xLabel)}</text>`, `<text x="${ox - 44}" y="${oy + ph / 2}" text-anchor="middle" fill="#555" transform="rotate(-90 ${ox - 44} ${oy + ph / 2})">${xmlEscape(yLabel)}</text>`);
    for (const s of p.series) {
      const c = seriesColor(names.indexOf(s.name));
      const sp = s.points.filter(([x, y]) => x > 0 && y > 0);
      if (sp.length > 1) parts.push(`<polyline fill="none" stroke="${c}" stroke-width="1.5" points="${sp.map(([x, y]) => `${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join(' ')}"/>`);
      for (const [x, y] of sp) parts.push(`<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="2.5" fill="${c}"/>`);
    }
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/**
 * Results of `npm run bench:compare` and their reports: checksum comparison across engines
 * (an answer that disagrees with the others is marked wrong and never shown as a time), Kindling's
 * ratio to the best peer per question, and the writers — Markdown table, JSON and an SVG bar
 * chart per suite. Pure functions, no I/O: bench/compare.ts measures and writes the files.
 */
import { logScale, seriesColor, svgLegend, xmlEscape } from '../svg.js';

/** One question's outcome on one engine. */
export interface QuestionResult {
  /** Seconds of run 1 and run 2; absent when the engine failed. */
  run1?: number;
  run2?: number;
  /** Rows of the answer followed by the sums of its numeric columns. */
  checksum?: number[];
  /** Why the engine has no answer (error text, or 'unsupported'). */
  error?: string;
  /** Set by {@link markWrong}: the checksum disagrees with the agreed answer. */
  wrong?: boolean;
}

/** One engine's results in one suite. */
export interface EngineSuiteResult {
  engine: string;
  /** Set when the engine could not run this suite at all (not installed, crashed). */
  unavailable?: string;
  /** Seconds to load the inputs into memory. */
  load?: number;
  peakRssMB?: number;
  /** Threads and other settings, in words. */
  settings?: string;
  questions: Record<string, QuestionResult>;
}

export interface SuiteResult {
  suite: string;
  /** Question labels in order; the first word is the id. */
  labels: string[];
  engines: EngineSuiteResult[];
}

export interface CompareResult {
  size: string;
  machine: string;
  date: string;
  suites: SuiteResult[];
}

/** Do two checksums agree (same row count, sums equal within a relative 1e-6 after sorting)? */
export function checksumsAgree(a: number[], b: number[]): boolean {
  if (a.length !== b.length || a[0] !== b[0]) return false;
  const sa = a.slice(1).sort((p, q) => p - q), sb = b.slice(1).sort((p, q) => p - q);
  return sa.every((v, i) => {
    const w = sb[i]!;
    if (Number.isNaN(v) || Number.isNaN(w)) return Number.isNaN(v) && Number.isNaN(w);
    return Math.abs(v - w) <= 1e-6 * Math.max(1, Math.abs(v), Math.abs(w));
  });
}

/**
 * Marks wrong answers in place: per question, the checksum shared by the most engines is the
 * agreed answer (ties go to the engine listed first in `preference`), and every engine whose
 * checksum differs from it gets `wrong: true`. A question answered by one engine only is not judged.
 */
export function markWrong(suite: SuiteResult, preference: string[] = ['duckdb', 'polars', 'kindling', 'arquero']): void {
  const rank = (e: string) => { const i = preference.indexOf(e); return i < 0 ? preference.length : i; };
  for (const label of suite.labels) {
    const answered = suite.engines
      .filter((e) => e.questions[label]?.checksum)
      .sort((a, b) => rank(a.engine) - rank(b.engine));
    if (answered.length < 2) continue;
    let best: number[] | undefined, bestVotes = 0;
    for (const e of answered) {
      const c = e.questions[label]!.checksum!;
      const votes = answered.filter((o) => checksumsAgree(c, o.questions[label]!.checksum!)).length;
      if (votes > bestVotes) { best = c; bestVotes = votes; }
    }
    for (const e of answered) e.questions[label]!.wrong = !checksumsAgree(e.questions[label]!.checksum!, best!);
  }
}

/** Best (lower) of an engine's two runs of a question, or undefined when wrong or failed. */
export function bestTime(q: QuestionResult | undefined): number | undefined {
  if (!q || q.wrong || q.error !== undefined || q.run1 === undefined) return undefined;
  return q.run2 === undefined ? q.run1 : Math.min(q.run1, q.run2);
}

/** Kindling's best time divided by the best correct peer's; undefined when either is missing. */
export function ratioToBestPeer(suite: SuiteResult, label: string, self = 'kindling'): number | undefined {
  const own = bestTime(suite.engines.find((e) => e.engine === self)?.questions[label]);
  const peers = suite.engines.filter((e) => e.engine !== self).map((e) => bestTime(e.questions[label])).filter((t): t is number => t !== undefined);
  return own === undefined || peers.length === 0 ? undefined : own / Math.min(...peers);
}

const fmt = (s: number | undefined) => (s === undefined ? '' : s < 10 ? s.toFixed(3) : s.toFixed(1));
const cell = (e: EngineSuiteResult, q: QuestionResult | undefined): string => {
  if (e.unavailable !== undefined) return 'n/a';
  if (!q) return 'not run';
  if (q.error !== undefined) return q.error === 'unsupported' ? 'n/a' : 'error';
  if (q.wrong) return '**wrong**';
  return `${fmt(q.run1)} / ${fmt(q.run2)}`;
};
const escapeMd = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** The Markdown table of one suite: a row per question (run 1 / run 2 seconds per engine, Kindling ÷ best peer), then load and peak RSS rows. */
export function suiteTable(suite: SuiteResult): string {
  const head = `| ${suite.suite} question | ${suite.engines.map((e) => `${e.engine} s (run 1 / run 2)`).join(' | ')} | kindling ÷ best peer |`;
  const sep = `|---|${suite.engines.map(() => '---:').join('|')}|---:|`;
  const rows = suite.labels.map((label) => {
    const r = ratioToBestPeer(suite, label);
    return `| ${escapeMd(label)} | ${suite.engines.map((e) => cell(e, e.questions[label])).join(' | ')} | ${r === undefined ? '' : `${r.toFixed(2)}×`} |`;
  });
  const load = `| load (CSV → memory) | ${suite.engines.map((e) => (e.unavailable !== undefined ? 'n/a' : fmt(e.load))).join(' | ')} | |`;
  const rss = `| peak RSS, MB | ${suite.engines.map((e) => (e.peakRssMB === undefined ? 'n/a' : e.peakRssMB.toFixed(0))).join(' | ')} | |`;
  const notes = suite.engines.filter((e) => e.unavailable !== undefined).map((e) => `- ${e.engine}: unavailable (${escapeMd(e.unavailable!)})`);
  const errors = suite.engines.flatMap((e) => Object.entries(e.questions).filter(([, q]) => q.error !== undefined && q.error !== 'unsupported').map(([l, q]) => `- ${e.engine} ${l.split(' ')[0]}: ${escapeMd(q.error!).slice(0, 200)}`));
  return [head, sep, ...rows, load, rss, ...(notes.length + errors.length ? ['', ...notes, ...errors] : [])].join('\n');
}

/** The whole report in Markdown: a header describing the run, the settings, a table per suite. */
export function markdownReport(res: CompareResult): string {
  const settings = [...new Map(res.suites.flatMap((s) => s.engines).filter((e) => e.settings).map((e) => [e.engine, e.settings!])).entries()];
  return [
    `## bench:compare — size ${res.size}, ${res.date}`,
    '',
    `Machine: ${res.machine}.`,
    '',
    ...settings.map(([e, s]) => `- ${e}: ${s}`),
    '',
    'Seconds per question, run 1 / run 2, answers materialised in the engine; **wrong**: checksum differs from the other engines; n/a: not available. Ratio: Kindling\'s best run ÷ the best peer\'s best run (below 1: Kindling faster).',
    '',
    ...res.suites.flatMap((s) => [suiteTable(s), '']),
  ].join('\n');
}

/** The result as JSON (with the wrong marks and ratios), for tools. */
export function jsonReport(res: CompareResult): string {
  return JSON.stringify({
    ...res,
    suites: res.suites.map((s) => ({ ...s, ratioToBestPeer: Object.fromEntries(s.labels.map((l) => [l, ratioToBestPeer(s, l) ?? null])) })),
  }, null, 2);
}


/**
 * An SVG bar chart of one suite: per question a group of horizontal bars, one per engine, of
 * its best run on a log scale (engines differ by orders of magnitude); wrong or missing answers
 * are labelled instead of drawn.
 */
export function suiteSvg(suite: SuiteResult, title: string): string {
  const engines = suite.engines;
  const times = suite.labels.flatMap((l) => engines.map((e) => bestTime(e.questions[l]))).filter((t): t is number => t !== undefined && t > 0);
  const lo = Math.log10(Math.min(...times, 1) / 2), hi = Math.log10(Math.max(...times, 1e-3) * 2);
  const left = 240, width = 460, bar = 12, gap = 10, top = 50;
  const groupH = engines.length * bar + gap;
  const height = top + suite.labels.length * groupH + 30;
  const x = logScale(lo, hi, left, left + width);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 120}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<text x="10" y="18" font-size="14" font-weight="bold">${xmlEscape(title)}</text>`,
    ...svgLegend(engines.map((e) => e.engine), 10, 28),
  ];
  suite.labels.forEach((label, qi) => {
    const y0 = top + qi * groupH;
    parts.push(`<text x="${left - 6}" y="${y0 + (engines.length * bar) / 2 + 4}" text-anchor="end">${xmlEscape(label)}</text>`);
    engines.forEach((e, ei) => {
      const q = e.questions[label], t = bestTime(q), y = y0 + ei * bar;
      if (t === undefined || t <= 0) {
        const why = e.unavailable !== undefined || q?.error === 'unsupported' ? 'n/a' : q?.wrong ? 'wrong' : q?.error !== undefined ? 'error' : 'n/a';
        parts.push(`<text x="${left + 4}" y="${y + bar - 2}" fill="${seriesColor(ei)}">${why}</text>`);
      } else {
        const w = Math.max(1, x(t) - left);
        parts.push(`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${bar - 2}" fill="${seriesColor(ei)}"/><text x="${(left + w + 4).toFixed(1)}" y="${y + bar - 2}">${fmt(t)} s</text>`);
      }
    });
  });
  parts.push(`<text x="${left}" y="${height - 8}" fill="#555">best of two runs, seconds, log scale</text>`, '</svg>');
  return parts.join('\n');
}

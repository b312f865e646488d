/**
 * The harness logic of `npm run bench:compare` (bench/compare/report.ts) on a tiny fake result
 * set, without engines or data: checksum comparison marks a disagreeing answer as wrong (and it is
 * never shown as a time nor used for a ratio), and the Markdown, JSON and SVG writers produce
 * well-formed output.
 */
import { describe, expect, it } from 'vitest';
import { type CompareResult, type SuiteResult, bestTime, checksumsAgree, jsonReport, markWrong, markdownReport, ratioToBestPeer, suiteSvg, suiteTable } from '../bench/compare/report.js';

function fakeSuite(): SuiteResult {
  return {
    suite: 'groupby',
    labels: ['q1 sum v1 by id1', 'q2 sum v1 by id1:id2', 'q3 <odd> & "name"'],
    engines: [
      { engine: 'kindling', load: 1.5, peakRssMB: 400, settings: 'threads: 2', questions: {
        'q1 sum v1 by id1': { run1: 0.2, run2: 0.1, checksum: [100, 5000, 2.5] },
        'q2 sum v1 by id1:id2': { run1: 0.3, run2: 0.4, checksum: [10_000, 5000] },
        'q3 <odd> & "name"': { run1: 1, run2: 1, checksum: [3, 1] },
      } },
      { engine: 'duckdb', load: 3, peakRssMB: 300, settings: 'threads: 2', questions: {
        // same sums in another column order, and a rounding difference far below the tolerance
        'q1 sum v1 by id1': { run1: 0.05, run2: 0.04, checksum: [100, 2.5 + 1e-12, 5000] },
        'q2 sum v1 by id1:id2': { run1: 0.1, run2: 0.1, checksum: [10_000, 5000] },
        'q3 <odd> & "name"': { error: 'Binder Error: boom | bang' },
      } },
      { engine: 'polars', load: 1, peakRssMB: 350, questions: {
        'q1 sum v1 by id1': { run1: 0.01, run2: 0.01, checksum: [100, 5001, 2.5] }, // wrong sum, fastest
        'q2 sum v1 by id1:id2': { run1: 0.2, run2: 0.2, checksum: [10_000, 5000] },
        'q3 <odd> & "name"': { run1: 0.5, run2: 0.5, checksum: [3, 1] },
      } },
      { engine: 'arquero', unavailable: 'Cannot find module', questions: {} },
    ],
  };
}

describe('checksums', () => {
  it('agree up to order and a relative 1e-6, not on row count or a real difference', () => {
    expect(checksumsAgree([3, 1, 2], [3, 2, 1])).toBe(true);
    expect(checksumsAgree([3, 1e9], [3, 1e9 + 1])).toBe(true);
    expect(checksumsAgree([3, 1e9], [3, 1e9 + 1e4])).toBe(false);
    expect(checksumsAgree([3, 1], [4, 1])).toBe(false);
    expect(checksumsAgree([3, 1], [3, 1, 0])).toBe(false);
    expect(checksumsAgree([3, NaN], [3, NaN])).toBe(true);
    expect(checksumsAgree([3, NaN], [3, 0])).toBe(false);
  });

  it('an answer that disagrees with the majority is marked wrong, never timed, never a ratio peer', () => {
    const s = fakeSuite();
    markWrong(s);
    const q1 = 'q1 sum v1 by id1';
    expect(s.engines.map((e) => e.questions[q1]?.wrong)).toEqual([false, false, true, undefined]);
    expect(bestTime(s.engines[2]!.questions[q1])).toBeUndefined();
    // Kindling 0.1 vs DuckDB 0.04 — not the wrong Polars 0.01
    expect(ratioToBestPeer(s, q1)).toBeCloseTo(2.5, 10);
    const row = suiteTable(s).split('\n').find((l) => l.startsWith(`| ${q1}`))!;
    expect(row).toContain('**wrong**');
    expect(row).not.toContain('0.010');
  });

  it('with two engines that disagree, the preferred engine is the reference', () => {
    const s = fakeSuite();
    s.engines = s.engines.slice(0, 2);
    s.engines[1]!.questions['q2 sum v1 by id1:id2']!.checksum = [9_999, 5000];
    markWrong(s);
    expect(s.engines[0]!.questions['q2 sum v1 by id1:id2']!.wrong).toBe(true);
    expect(s.engines[1]!.questions['q2 sum v1 by id1:id2']!.wrong).toBe(false);
  });
});

describe('writers', () => {
  const result = (): CompareResult => {
    const s = fakeSuite();
    markWrong(s);
    return { size: '1e3', machine: '2 cores', date: '2026-01-01 00:00 UTC', suites: [s] };
  };

  it('the Markdown table has one cell per column on every row, load and RSS on their own lines', () => {
    const md = markdownReport(result());
    const table = md.split('\n').filter((l) => l.startsWith('|'));
    const cells = (l: string) => l.replaceAll('\\|', '').split('|').length;
    expect(table.length).toBe(2 + 3 + 2);
    for (const l of table) expect(cells(l)).toBe(cells(table[0]!));
    expect(table.find((l) => l.startsWith('| load'))).toBe('| load (CSV → memory) | 1.500 | 3.000 | 1.000 | n/a | |');
    expect(table.find((l) => l.startsWith('| peak RSS'))).toBe('| peak RSS, MB | 400 | 300 | 350 | n/a | |');
    expect(md).toContain('- arquero: unavailable (Cannot find module)');
    expect(md).toContain('- duckdb q3: Binder Error: boom \\| bang');
    expect(table.find((l) => l.startsWith('| q3'))).toContain('| error |');
  });

  it('the JSON parses back, with wrong marks and ratios', () => {
    const j = JSON.parse(jsonReport(result()));
    expect(j.suites[0].engines[2].questions['q1 sum v1 by id1'].wrong).toBe(true);
    expect(j.suites[0].ratioToBestPeer['q2 sum v1 by id1:id2']).toBeCloseTo(3, 10);
    expect(j.suites[0].ratioToBestPeer['q3 <odd> & "name"']).toBeCloseTo(2, 10);
  });

  it('the SVG is well-formed XML: balanced tags, escaped text, a bar per timed answer', () => {
    const svg = suiteSvg(result().suites[0]!, 'groupby <1e3>');
    const stack: string[] = [];
    for (const m of svg.matchAll(/<(\/?)([a-z]+)[^>]*?(\/?)>/g)) {
      if (m[3]) continue;
      if (m[1]) expect(stack.pop()).toBe(m[2]);
      else stack.push(m[2]!);
    }
    expect(stack).toEqual([]);
    const text = svg.replace(/<[^>]*>/g, '');
    expect(text).not.toMatch(/[<>]|&(?!amp;|lt;|gt;|quot;)/);
    expect(svg).toContain('q3 &lt;odd&gt; &amp; &quot;name&quot;');
    // 3 + 2 timed answers (kindling ×3, duckdb q1 q2, polars q2 q3), 4 legend boxes
    expect(svg.match(/<rect /g)!.length).toBe(4 + 7);
    expect(svg.match(/>wrong</g)!.length).toBe(1);
    for (const w of svg.matchAll(/width="([^"]+)"/g)) expect(Number(w[1])).toBeGreaterThan(0);
  });
});

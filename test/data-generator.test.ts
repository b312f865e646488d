/**
 * Tests for the seeded data generators: scripts/generate-data.ts (bundled bank/wine data)
 * and scripts/generate-groupby.ts (db-benchmark groupby/join tables). Also guards the
 * committed data/bank.csv and data/wine.csv against hand edits.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BANK_COLUMNS,
  BANK_ROWS,
  WINE_COLUMNS,
  generateBankCsv,
  generateWineCsv,
  writeDatasets,
} from '../scripts/generate-data.js';
import { generateGroupByCsv, generateJoinCsvs } from '../scripts/generate-groupby.js';

const repoRoot = join(import.meta.dirname, '..');
let tmp: string;
let bankText: string;
let wineText: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'kindling-datagen-'));
  const paths = writeDatasets(join(tmp, 'data'));
  bankText = readFileSync(paths.bank, 'utf8');
  wineText = readFileSync(paths.wine, 'utf8');
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** Splits CSV text (no embedded separators or quotes in values) into header + rows. */
function parse(text: string, sep: string): { header: string[]; rows: string[][] } {
  expect(text.endsWith('\n')).toBe(true);
  const lines = text.slice(0, -1).split('\n');
  const unq = (s: string): string => (s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s);
  return {
    header: lines[0]!.split(sep).map(unq),
    rows: lines.slice(1).map((l) => l.split(sep)),
  };
}

describe('bank.csv generator', () => {
  it('has the bank-full.csv layout', () => {
    const { header, rows } = parse(bankText, ';');
    expect(header).toEqual([...BANK_COLUMNS]);
    expect(bankText.split('\n', 1)[0]).toBe(BANK_COLUMNS.map((c) => `"${c}"`).join(';'));
    expect(rows.length).toBe(BANK_ROWS);
    expect(rows.length).toBe(45_211);
    const numeric = new Set(['age', 'balance', 'day', 'duration', 'campaign', 'pdays', 'previous']);
    for (const r of rows.slice(0, 500)) {
      expect(r.length).toBe(17);
      r.forEach((v, i) => {
        if (numeric.has(BANK_COLUMNS[i]!)) expect(v).toMatch(/^-?\d+$/);
        else expect(v).toMatch(/^"[^";]*"$/);
      });
    }
  });

  it('has realistic value domains and correlations', () => {
    const { rows } = parse(bankText, ';');
    const col = (name: (typeof BANK_COLUMNS)[number]): string[] => {
      const i = BANK_COLUMNS.indexOf(name);
      return rows.map((r) => r[i]!.replace(/"/g, ''));
    };
    const ints = (name: (typeof BANK_COLUMNS)[number]): number[] => col(name).map(Number);
    const domain = (name: (typeof BANK_COLUMNS)[number], allowed: string[]): void => {
      expect(new Set(col(name))).toEqual(new Set(allowed));
    };
    domain('job', [
      'admin.', 'blue-collar', 'entrepreneur', 'housemaid', 'management', 'retired',
      'self-employed', 'services', 'student', 'technician', 'unemployed', 'unknown',
    ]);
    domain('marital', ['married', 'single', 'divorced']);
    domain('education', ['primary', 'secondary', 'tertiary', 'unknown']);
    for (const c of ['default', 'housing', 'loan', 'y'] as const) domain(c, ['yes', 'no']);
    domain('contact', ['cellular', 'telephone', 'unknown']);
    domain('month', ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']);
    domain('poutcome', ['unknown', 'failure', 'other', 'success']);

    const inRange = (xs: number[], lo: number, hi: number): void => {
      expect(Math.min(...xs)).toBeGreaterThanOrEqual(lo);
      expect(Math.max(...xs)).toBeLessThanOrEqual(hi);
    };
    const age = ints('age');
    const balance = ints('balance');
    const duration = ints('duration');
    const pdays = ints('pdays');
    const previous = ints('previous');
    inRange(age, 18, 95);
    inRange(balance, -8100, 110_000);
    inRange(ints('day'), 1, 31);
    inRange(duration, 0, 5000);
    inRange(ints('campaign'), 1, 63);
    inRange(previous, 0, 275);
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    expect(median(age)).toBeGreaterThanOrEqual(35);
    expect(median(age)).toBeLessThanOrEqual(42);
    expect(median(balance)).toBeGreaterThan(300);
    expect(median(balance)).toBeLessThan(600);
    expect(balance.filter((b) => b < 0).length / rows.length).toBeGreaterThan(0.03);

    // pdays / previous / poutcome are mutually consistent.
    const poutcome = col('poutcome');
    let contactedBefore = 0;
    const inconsistent: number[] = [];
    for (let i = 0; i < rows.length; i++) {
      const ok =
        pdays[i] === -1
          ? previous[i] === 0 && poutcome[i] === 'unknown'
          : pdays[i]! >= 1 && pdays[i]! <= 871 && previous[i]! >= 1 && poutcome[i] !== 'unknown';
      if (!ok) inconsistent.push(i);
      if (pdays[i] !== -1) contactedBefore++;
    }
    expect(inconsistent).toEqual([]);
    expect(contactedBefore / rows.length).toBeGreaterThan(0.12);
    expect(contactedBefore / rows.length).toBeLessThan(0.25);

    // ~11.7% yes, and the expected drivers push it up.
    const y = col('y').map((v) => v === 'yes');
    const rate = (pred: (i: number) => boolean): number => {
      let n = 0;
      let yes = 0;
      for (let i = 0; i < rows.length; i++) {
        if (!pred(i)) continue;
        n++;
        if (y[i]) yes++;
      }
      return yes / n;
    };
    const overall = rate(() => true);
    expect(overall).toBeGreaterThan(0.11);
    expect(overall).toBeLessThan(0.124);
    const job = col('job');
    expect(rate((i) => poutcome[i] === 'success')).toBeGreaterThan(0.4);
    expect(rate((i) => job[i] === 'retired')).toBeGreaterThan(overall);
    expect(rate((i) => job[i] === 'student')).toBeGreaterThan(overall);
    expect(rate((i) => duration[i]! > 500)).toBeGreaterThan(2 * overall);
    // Retired clients are older than students on average.
    const meanAge = (j: string): number => {
      const xs = age.filter((_, i) => job[i] === j);
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    };
    expect(meanAge('retired')).toBeGreaterThan(55);
    expect(meanAge('student')).toBeLessThan(30);
  });

  it('is deterministic', () => {
    expect(generateBankCsv()).toBe(bankText);
  });
});

describe('wine.csv generator', () => {
  it('has 17,800 rows of 13 features + class with per-class structure', () => {
    const { header, rows } = parse(wineText, ',');
    expect(header).toEqual([...WINE_COLUMNS]);
    expect(rows.length).toBe(17_800);
    // Per column: decimals written and the real data set's range.
    const formats: Array<[RegExp, number, number]> = [
      [/^\d+\.\d\d$/, 11.03, 14.83], // alcohol
      [/^\d+\.\d\d$/, 0.74, 5.8], // malic_acid
      [/^\d+\.\d\d$/, 1.36, 3.23], // ash
      [/^\d+\.\d$/, 10.6, 30], // alcalinity_of_ash
      [/^\d+$/, 70, 162], // magnesium
      [/^\d+\.\d\d$/, 0.98, 3.88], // total_phenols
      [/^\d+\.\d\d$/, 0.34, 5.08], // flavanoids
      [/^\d+\.\d\d$/, 0.13, 0.66], // nonflavanoid_phenols
      [/^\d+\.\d\d$/, 0.41, 3.58], // proanthocyanins
      [/^\d+\.\d\d$/, 1.28, 13], // color_intensity
      [/^\d+\.\d\d$/, 0.48, 1.71], // hue
      [/^\d+\.\d\d$/, 1.27, 4], // od280_od315
      [/^\d+$/, 278, 1680], // proline
      [/^[123]$/, 1, 3], // class
    ];
    const counts = [0, 0, 0];
    const flav = [0, 0, 0];
    const bad: string[] = [];
    rows.forEach((r, i) => {
      if (r.length !== 14) bad.push(`row ${i}: ${r.length} fields`);
      r.forEach((v, c) => {
        const [re, lo, hi] = formats[c]!;
        if (!re.test(v) || Number(v) < lo || Number(v) > hi) bad.push(`row ${i} ${WINE_COLUMNS[c]}: ${v}`);
      });
      const cls = Number(r[13]);
      counts[cls - 1]!++;
      flav[cls - 1]! += Number(r[6]);
    });
    expect(bad.slice(0, 10)).toEqual([]);
    expect(counts).toEqual([5900, 7100, 4800]);
    // Flavanoid class means of the real data: 2.98, 2.08, 0.78.
    const means = flav.map((s, i) => s / counts[i]!);
    expect(means[0]).toBeCloseTo(2.98, 1);
    expect(means[1]).toBeCloseTo(2.08, 1);
    expect(means[2]).toBeCloseTo(0.78, 1);
  });

  it('is deterministic', () => {
    expect(generateWineCsv()).toBe(wineText);
  });
});

describe('committed data files', () => {
  // CRLF-normalised so a checkout with core.autocrlf does not fail spuriously.
  const committed = (name: string): string =>
    readFileSync(join(repoRoot, 'data', name), 'utf8').replace(/\r\n/g, '\n');

  it('data/bank.csv equals fresh generator output', () => {
    // Compare by equality flag, not toBe, to avoid a 4.6 MB diff in the failure message.
    const same = committed('bank.csv') === bankText;
    expect(same, 'data/bank.csv differs from generator output; run `npm run data`').toBe(true);
  });

  it('data/wine.csv equals fresh generator output', () => {
    const same = committed('wine.csv') === wineText;
    expect(same, 'data/wine.csv differs from generator output; run `npm run data`').toBe(true);
  });
});

describe('db-benchmark generators', () => {
  it('writes a groupby table of the G1 shape', () => {
    const path = join(tmp, 'G1_1e3_1e1_0_0.csv');
    generateGroupByCsv(path, 1000, 10, { seed: 1 });
    const { header, rows } = parse(readFileSync(path, 'utf8'), ',');
    expect(header).toEqual(['id1', 'id2', 'id3', 'id4', 'id5', 'id6', 'v1', 'v2', 'v3']);
    expect(rows.length).toBe(1000);
    for (const r of rows) {
      expect(r[0]).toMatch(/^id0(0[1-9]|10)$/);
      expect(r[1]).toMatch(/^id0(0[1-9]|10)$/);
      expect(r[2]).toMatch(/^id\d{10}$/);
      const id3 = Number(r[2]!.slice(2));
      expect(id3).toBeGreaterThanOrEqual(1);
      expect(id3).toBeLessThanOrEqual(100);
      for (const c of [3, 4]) expect(Number(r[c])).toBeGreaterThanOrEqual(1);
      for (const c of [3, 4]) expect(Number(r[c])).toBeLessThanOrEqual(10);
      expect(Number(r[5])).toBeLessThanOrEqual(100);
      expect(Number(r[6])).toBeGreaterThanOrEqual(1);
      expect(Number(r[6])).toBeLessThanOrEqual(5);
      expect(Number(r[7])).toBeLessThanOrEqual(15);
      expect(r[8]).toMatch(/^\d{1,3}(\.\d{1,6})?$/);
      expect(Number(r[8])).toBeLessThanOrEqual(100);
    }
    expect(new Set(rows.map((r) => r[0])).size).toBe(10);

    // Same seed, same bytes; NA variant blanks the expected number of values.
    const again = join(tmp, 'again.csv');
    generateGroupByCsv(again, 1000, 10, { seed: 1 });
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(path, 'utf8'));
    const withNa = join(tmp, 'na.csv');
    generateGroupByCsv(withNa, 1000, 10, { seed: 1, naPct: 10 });
    const na = parse(readFileSync(withNa, 'utf8'), ',').rows;
    expect(na.length).toBe(1000);
    for (const c of [6, 7, 8]) expect(na.filter((r) => r[c] === '').length).toBe(100);
    // 10% of id1's 10 distinct values (= 1 value) is NA.
    expect(new Set(na.filter((r) => r[0] !== '').map((r) => r[0])).size).toBe(9);
  });

  it('writes x/small/medium/big join tables with ~90% matching keys', () => {
    const dir = join(tmp, 'join');
    const paths = generateJoinCsvs(dir, 10_000, { seed: 1 });
    expect(paths.x).toBe(join(dir, 'J1_1e4_NA_0_0.csv'));
    expect(paths.small).toBe(join(dir, 'J1_1e4_1e0_0_0.csv'));
    expect(paths.medium).toBe(join(dir, 'J1_1e4_1e1_0_0.csv'));
    expect(paths.big).toBe(join(dir, 'J1_1e4_1e4_0_0.csv'));
    const read = (p: string) => parse(readFileSync(p, 'utf8'), ',');
    const x = read(paths.x);
    const small = read(paths.small);
    const medium = read(paths.medium);
    const big = read(paths.big);
    expect(x.header).toEqual(['id1', 'id2', 'id3', 'id4', 'id5', 'id6', 'v1']);
    expect(small.header).toEqual(['id1', 'id4', 'v2']);
    expect(medium.header).toEqual(['id1', 'id2', 'id4', 'id5', 'v2']);
    expect(big.header).toEqual(['id1', 'id2', 'id3', 'id4', 'id5', 'id6', 'v2']);
    expect([x.rows.length, small.rows.length, medium.rows.length, big.rows.length]).toEqual([10_000, 1, 10, 10_000]);
    for (const r of x.rows) {
      expect(r[3]).toBe('id' + r[0]);
      expect(r[4]).toBe('id' + r[1]);
      expect(r[5]).toBe('id' + r[2]);
    }
    // id3 is unique in x and big; id2 unique in medium.
    expect(new Set(x.rows.map((r) => r[2])).size).toBe(10_000);
    expect(new Set(big.rows.map((r) => r[2])).size).toBe(10_000);
    expect(new Set(medium.rows.map((r) => r[1])).size).toBe(10);
    const matchRate = (col: number, right: string[][], rcol: number): number => {
      const keys = new Set(right.map((r) => r[rcol]));
      return x.rows.filter((r) => keys.has(r[col])).length / x.rows.length;
    };
    expect(matchRate(2, big.rows, 2)).toBeCloseTo(0.9, 3);
    expect(matchRate(1, medium.rows, 1)).toBeGreaterThan(0.8);
    expect(matchRate(1, medium.rows, 1)).toBeLessThan(0.98);
  });
});

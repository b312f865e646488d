/**
 * One date/time engine: the calendar (src/time/calendar.ts) round-trips over a wide range of days,
 * and every Spark datetime pattern gives the same answers through to_date / to_timestamp /
 * date_format (DataFrame API) and through the CSV reader and writer (dateFormat /
 * timestampFormat), because both go through src/time/patterns.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IllegalArgumentError, Session, col, functions as F } from '../src/index.js';
import {
  addMonths, civilFromDays, dayOfWeek0, dayOfYear, daysFromCivil, daysInMonth, isLeapYear, isoWeekOfYear, lastDayOfMonth,
  microsFromFields, timeOfDay, validDays,
} from '../src/time/calendar.js';
import { compileDatetimePattern, interpretedDatetimePattern } from '../src/time/patterns.js';
import { formatDate, formatTimestamp, parseDate, parseTimestamp } from '../src/time/iso.js';
import { testThreads } from './threads.js';

const DAY_MS = 86_400_000;

/** The reference: JS Date (proleptic Gregorian, UTC) for y-m-d, years 0-99 kept as given. */
function dateDays(y: number, m: number, d: number): number {
  const dt = new Date(0);
  dt.setUTCFullYear(y, m - 1, d);
  return Math.round(dt.getTime() / DAY_MS);
}

describe('calendar', () => {
  const civ = new Int32Array(3);
  const windows: [number, number][] = [
    [daysFromCivil(-2, 1, 1), daysFromCivil(2, 12, 31)], // around 0001-01-01 and year 0
    [daysFromCivil(1582, 1, 1), daysFromCivil(1583, 12, 31)],
    [daysFromCivil(1968, 1, 1), daysFromCivil(1972, 12, 31)],
    [daysFromCivil(2099, 1, 1), daysFromCivil(2101, 12, 31)],
  ];

  it('round-trips days ↔ year/month/day against Date, around year 0, 1582, 1970 and 2100', () => {
    for (const [lo, hi] of windows) {
      for (let days = lo; days <= hi; days++) {
        civilFromDays(days, civ);
        const [y, m, d] = [civ[0]!, civ[1]!, civ[2]!];
        expect(daysFromCivil(y, m, d)).toBe(days);
        expect(dateDays(y, m, d)).toBe(days);
        expect(d).toBeLessThanOrEqual(daysInMonth(y, m));
      }
    }
  });

  it('round-trips every 97th day over ±3,000,000 days (about ±8,000 years)', () => {
    for (let days = -3_000_000; days <= 3_000_000; days += 97) {
      civilFromDays(days, civ);
      expect(daysFromCivil(civ[0]!, civ[1]!, civ[2]!)).toBe(days);
      if (Math.abs(days) < 100_000_000) expect(dateDays(civ[0]!, civ[1]!, civ[2]!)).toBe(days);
    }
  });

  it('knows leap years, month lengths and invalid dates', () => {
    expect([1600, 2000, 2024, 0, -4].map(isLeapYear)).toEqual([true, true, true, true, true]);
    expect([1700, 1900, 2100, 2023, -1].map(isLeapYear)).toEqual([false, false, false, false, false]);
    expect(daysInMonth(2024, 2)).toBe(29);
    expect(daysInMonth(2100, 2)).toBe(28);
    expect(daysInMonth(2023, 4)).toBe(30);
    expect(validDays(2023, 2, 29)).toBeNaN();
    expect(validDays(2024, 2, 29)).toBe(daysFromCivil(2024, 2, 29));
    expect(validDays(2024, 13, 1)).toBeNaN();
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(daysFromCivil(1, 1, 1)).toBe(-719162);
    expect(daysFromCivil(1582, 10, 15)).toBe(-141427);
  });

  it('adds months with clamping, finds month ends, days of week / year and ISO weeks', () => {
    const d = (y: number, m: number, day: number) => daysFromCivil(y, m, day);
    expect(addMonths(d(2024, 1, 31), 1)).toBe(d(2024, 2, 29));
    expect(addMonths(d(2023, 1, 31), 1)).toBe(d(2023, 2, 28));
    expect(addMonths(d(2024, 3, 31), -13)).toBe(d(2023, 2, 28));
    expect(addMonths(d(1, 1, 15), -1)).toBe(d(0, 12, 15));
    expect(lastDayOfMonth(d(2100, 2, 3))).toBe(d(2100, 2, 28));
    expect(dayOfWeek0(0)).toBe(4); // 1970-01-01 was a Thursday
    expect(dayOfWeek0(d(2024, 3, 5))).toBe(2);
    expect(dayOfWeek0(d(1, 1, 1))).toBe(1); // a Monday (proleptic Gregorian)
    expect(dayOfYear(d(2024, 12, 31))).toBe(366);
    expect(isoWeekOfYear(d(2021, 1, 3))).toBe(53);
    expect(isoWeekOfYear(d(2024, 12, 30))).toBe(1);
  });

  it('splits micros into time-of-day fields and back, before and after the epoch', () => {
    const tod = new Int32Array(4);
    for (const micros of [0, -1, 1_234_567, -86_400_000_001, 1_709_644_455_123_456]) {
      const days = timeOfDay(micros, tod);
      expect(microsFromFields(days, tod[0]!, tod[1]!, tod[2]!, tod[3]!, 0)).toBe(micros);
      expect(tod[0]).toBeGreaterThanOrEqual(0);
    }
  });

  it('casts and formats ISO strings without Date objects, as before', () => {
    expect(parseDate('2024-02-29')).toBe(daysFromCivil(2024, 2, 29));
    expect(parseDate('2023-02-29')).toBeNull();
    expect(parseDate('0001-01-01')).toBe(-719162);
    expect(parseDate('2024')).toBe(daysFromCivil(2024, 1, 1));
    expect(parseDate('275761-01-01')).toBeNull(); // outside the Date range, as the Date-based cast was
    expect(formatDate(daysFromCivil(-44, 3, 15))).toBe('-0044-03-15');
    expect(parseTimestamp('2024-03-05 13:14:15.5+01:00')).toBe(daysFromCivil(2024, 3, 5) * 86_400_000_000 + (12 * 3600 + 14 * 60 + 15) * 1e6 + 500_000);
    expect(formatTimestamp(-1)).toBe('1969-12-31 23:59:59.999999');
  });
});

/** Pattern → sample strings (valid and invalid). Offsets are chosen so the UTC date equals the local one. */
const TABLE: [string, string[]][] = [
  // The CSV reader treats dateFormat 'yyyy-MM-dd' as its default (the lenient ISO parser, like Spark's
  // fallback: '2024-3-5' parses there), so only strict-shape samples are compared for it.
  ['yyyy-MM-dd', ['2024-03-05', '1999-12-31', '2024-02-29', '2023-02-29', 'x']],
  ['dd/MM/yyyy', ['05/03/2024', '31/12/1999', '32/01/2024', '5/3/2024']],
  ['d/M/yyyy', ['5/3/2024', '05/03/2024', '31/12/1999']],
  ['MM/dd/yy', ['03/05/24', '12/31/99', '3/5/24']],
  ['yyyyMMdd', ['20240305', '19991231', '2024035']],
  ['yyyy-MM-dd HH:mm:ss', ['2024-03-05 13:14:15', '2024-03-05 24:00:00', '2024-03-05 13:14']],
  ["yyyy-MM-dd'T'HH:mm:ss.SSS", ['2024-03-05T13:14:15.123', '2024-03-05T13:14:15.1', '2024-03-05t13:14:15.123', '2024-03-05T13:14:15.1234']],
  ['yyyy-MM-dd HH:mm:ss[.SSSSSS]', ['2024-03-05 13:14:15', '2024-03-05 13:14:15.000123']],
  ['yyyy D', ['2024 65', '2023 365', '2023 366']],
  ['uuuu-MM-dd', ['2024-03-05', '0001-01-01']],
  ['uu/MM/dd', ['24/03/05']],
  ['E, d MMM yyyy', ['Tue, 5 Mar 2024', 'tue, 5 mar 2024', 'Mon, 5 Mar 2024']],
  ['EEE dd MMMM yyyy', ['Tue 05 March 2024', 'Tue 05 Mar 2024']],
  ['EEEE, MMMM d, yyyy', ['Tuesday, March 5, 2024', 'Friday, March 5, 2024']],
  ['MMM d yyyy h:mm a', ['Mar 5 2024 1:14 PM', 'Mar 5 2024 12:00 AM', 'Mar 5 2024 13:00 PM']],
  ['yyyy-MM-dd hh:mm:ss a', ['2024-03-05 01:14:15 pm', '2024-03-05 12:14:15 AM']],
  ['yyyy-MM-dd kk:mm', ['2024-03-05 24:30', '2024-03-05 00:30']],
  ['yyyy-MM-dd QQQ', ['2024-03-05 Q1', '2024-04-05 Q1']],
  ['yyyy-MM-dd Q', ['2024-03-05 1', '2024-11-05 4']],
  ['yyyy-MM-dd G', ['2024-03-05 AD', '0044-03-15 BC']],
  ['yyyy-MM-dd HH:mm z', ['2024-03-05 13:14 UTC', '2024-03-05 13:14 GMT', '2024-03-05 13:14 PST']],
  ['yyyy-MM-dd HH:mm VV', ['2024-03-05 13:14 UTC']],
  ['yyyy-MM-dd HH:mm:ssXXX', ['2024-03-05 13:14:15+02:00', '2024-03-05 13:14:15Z', '2024-03-05 13:14:15-05:30']],
  ['yyyy-MM-dd HH:mm:ss Z', ['2024-03-05 13:14:15 +0200', '2024-03-05 13:14:15 Z']],
  ['yyyy-MM-dd HH:mm:ssxxx', ['2024-03-05 13:14:15+01:00', '2024-03-05 13:14:15Z']],
];

let spark: Session;
let dir: string;
beforeAll(async () => {
  spark = await Session.create({ threads: testThreads() });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-dt-patterns-'));
});
afterAll(async () => {
  await spark.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

type Row = Record<string, unknown>;
const byId = (rows: Row[]) => [...rows].sort((a, b) => (a['i'] as number) - (b['i'] as number));

/** The lines of the CSV part files under `folder`, ordered by their first (id) field. */
function csvLines(folder: string): string[][] {
  const lines = fs.readdirSync(folder).filter((f) => f.endsWith('.csv')).sort()
    .flatMap((f) => fs.readFileSync(path.join(folder, f), 'utf8').split('\n').filter((l) => l !== ''));
  return lines.map((l) => l.split('\t')).sort((a, b) => Number(a[0]) - Number(b[0]));
}

describe('one pattern engine for functions and CSV', () => {
  it('known answers (the engine itself)', () => {
    const days = (p: string, s: string) => {
      const m = compileDatetimePattern(p).parse(s);
      return m === null ? null : formatTimestamp(m);
    };
    expect(days('dd/MM/yyyy', '05/03/2024')).toBe('2024-03-05 00:00:00');
    expect(days('MM/dd/yy', '12/31/99')).toBe('2099-12-31 00:00:00');
    expect(days('yyyy D', '2024 65')).toBe('2024-03-05 00:00:00');
    expect(days('uuuu-MM-dd', '2024-03-05')).toBe('2024-03-05 00:00:00');
    expect(days('MMM d yyyy h:mm a', 'Mar 5 2024 1:14 PM')).toBe('2024-03-05 13:14:00');
    expect(days('yyyy-MM-dd HH:mm:ssXXX', '2024-03-05 13:14:15+02:00')).toBe('2024-03-05 11:14:15');
    expect(days('yyyy-MM-dd G', '0044-03-15 BC')).toBe('-0043-03-15 00:00:00');
    expect(days('E, d MMM yyyy', 'Mon, 5 Mar 2024')).toBeNull(); // not a Monday
    expect(days('yyyy-MM-dd', '12024-01-01')).toBe('12024-01-01 00:00:00');
    expect(days('yyyy-MM-dd', '2024-3-5')).toBeNull();
    expect(days("yyyy-MM-dd'T'HH:mm:ss.SSS", '2024-03-05T13:14:15.1234')).toBeNull(); // SSS reads at most 3 digits
    expect(compileDatetimePattern('EEE, d MMM yyyy').format(daysFromCivil(2024, 3, 5) * 86_400_000_000)).toBe('Tue, 5 Mar 2024');
  });

  it('generated parsers for plain patterns agree with the token interpreter on mutated inputs', () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const alphabet = '0123456789/-:. Tt';
    const plain = ['dd/MM/yyyy', 'd/M/yy', 'yyyyMMdd', 'yyyy-MM-dd HH:mm:ss', "yyyy-MM-dd'T'HH:mm:ss.SSS", 'yyyyMMddHHmmssSSS', 'y-M-d', 'HH:mm', 'MM/dd/yyyy HH:mm:ss.SSSSSS'];
    for (const p of plain) {
      const fast = compileDatetimePattern(p);
      const slow = interpretedDatetimePattern(p);
      for (let n = 0; n < 3000; n++) {
        let str = fast.format(rnd(4_000_000_000) * 1_000_003_211 - 1e17);
        for (let m = rnd(3); m > 0; m--) {
          const at = rnd(str.length + 1);
          const op = rnd(3);
          const ch = alphabet[rnd(alphabet.length)]!;
          str = op === 0 ? str.slice(0, at) + str.slice(at + 1) : op === 1 ? str.slice(0, at) + ch + str.slice(at) : str.slice(0, at) + ch + str.slice(at + 1);
        }
        const b = Buffer.from(str);
        expect([fast.parseMicros(b, 0, b.length), fast.parseDays(b, 0, b.length)], `${p} on '${str}'`)
          .toEqual([slow.parseMicros(b, 0, b.length), slow.parseDays(b, 0, b.length)]);
      }
    }
  });

  it('rejects unsupported letters naming the pattern and the letter, in functions and CSV alike', async () => {
    for (const p of ['yyyy-ww', 'YYYY', 'yyyy-MM-dd B', 'yyyy-MM-dd e']) {
      const letter = p.replace(/[-y M d]/g, '')[0]!;
      const msg = new RegExp(`invalid datetime pattern '${p}': unsupported letter '${letter}'`);
      expect(() => compileDatetimePattern(p)).toThrow(IllegalArgumentError);
      expect(() => compileDatetimePattern(p)).toThrow(msg);
      const df = spark.createDataFrame([{ s: '2024' }]);
      await expect(df.select(F.to_date(col('s'), p)).collect()).rejects.toThrow(msg);
      const file = path.join(dir, 'bad.csv');
      fs.writeFileSync(file, '2024\n');
      expect(() => spark.read.csv(file, { schema: 'd DATE', dateFormat: p })).toThrow(msg);
    }
    expect(() => compileDatetimePattern("yyyy'")).toThrow(/invalid datetime pattern 'yyyy'': unterminated quoted literal/);
    expect(() => compileDatetimePattern('aa')).toThrow(/too many pattern letters: aa/);
  });

  for (const [pattern, samples] of TABLE) {
    it(`'${pattern}': to_date / to_timestamp equal the CSV reader's dateFormat / timestampFormat`, async () => {
      const rows = samples.map((s, i) => ({ i, s }));
      const viaFunctions = byId(await spark.createDataFrame(rows, 'i INT, s STRING')
        .select(col('i'), F.to_date(col('s'), pattern).alias('d'), F.to_timestamp(col('s'), pattern).alias('t')).collect());
      const file = path.join(dir, `read-${TABLE.findIndex((r) => r[0] === pattern)}.csv`);
      fs.writeFileSync(file, samples.map((s, i) => `${i}\t${s}\t${s}\n`).join(''));
      const viaCsv = byId(await spark.read.csv(file, { sep: '\t', schema: 'i INT, d DATE, t TIMESTAMP', dateFormat: pattern, timestampFormat: pattern }).collect());
      expect(viaCsv).toEqual(viaFunctions);
      const engine = compileDatetimePattern(pattern);
      expect(viaFunctions.map((r) => (r['t'] as Date | null)?.getTime() ?? null)).toEqual(samples.map((s) => {
        const m = engine.parse(s);
        return m === null ? null : Math.floor(m / 1000);
      }));
      expect(viaFunctions.some((r) => r['t'] !== null)).toBe(true);
    });
  }

  it('date_format equals the CSV writer with the same dateFormat / timestampFormat, for every pattern', async () => {
    const stamps = ['2024-03-05T13:14:15.123456Z', '1999-12-31T00:00:00Z', '0044-03-15T23:59:59.5Z', '2100-02-28T12:00:00Z', '1969-12-31T23:59:59.999Z'];
    const rows = stamps.map((s, i) => ({ i, t: new Date(s), d: new Date(s.slice(0, 10) + 'T00:00:00Z') }));
    const df = spark.createDataFrame(rows, 'i INT, t TIMESTAMP, d DATE');
    for (const [pattern] of TABLE) {
      const viaFunctions = byId(await df.select(col('i'), F.date_format(col('d'), pattern).alias('d'), F.date_format(col('t'), pattern).alias('t')).collect());
      const folder = path.join(dir, `write-${TABLE.findIndex((r) => r[0] === pattern)}`);
      await df.select('i', 'd', 't').write.csv(folder, { mode: 'overwrite', sep: '\t', dateFormat: pattern, timestampFormat: pattern });
      const written = csvLines(folder);
      expect(written.map((l) => ({ i: Number(l[0]), d: l[1], t: l[2] }))).toEqual(viaFunctions);
    }
  });
});

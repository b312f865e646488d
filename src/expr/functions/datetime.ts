/**
 * Date and time functions with Spark semantics, in UTC (Kindling's session time zone): field
 * extraction (year ... second, dayofweek with 1 = Sunday, ISO weekofyear), date arithmetic
 * (date_add, add_months clamping to month ends, datediff, months_between, last_day, next_day),
 * truncation (date_trunc, trunc), parsing and formatting with Spark datetime patterns (to_date,
 * to_timestamp, date_format, unix_timestamp, from_unixtime), and the clock functions.
 *
 * Storage: dates are days since 1970-01-01, timestamps microseconds since the epoch (UTC). Strings
 * are implicitly cast to date / timestamp where Spark does (year('2024-01-05')), through the resolve
 * rules' argTypes; booleans and numbers are rejected where Spark rejects them.
 *
 * Calendar math lives in src/time/calendar.ts and the pattern engine (letters, strictness,
 * defaults) in src/time/patterns.ts, shared with the CSV reader / writer.
 */
import { type DataType, isNumeric } from '../../types.js';
import {
  MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, MICROS_PER_SECOND, addMonths, civilFromDays, dayOfMonth, dayOfWeek0,
  dayOfYear, daysFromCivil, daysInMonth, isoWeekOfYear, lastDayOfMonth, mondayBasedDayOfWeek, monthOfDays, quarterOfDays,
  validDays, yearOfDays,
} from '../../time/calendar.js';
import { type DatetimePattern, compileDatetimePattern } from '../../time/patterns.js';
import { type FunctionRegistry, type ScalarFunctionDef, typeError } from '../function-defs.js';
import { dateArg, intArg, positionalRule, stringArg, strictGenerate, timestampArg } from './helpers.js';

// ---------------------------------------------------------------------------------------------
// Calendar-based functions (the arithmetic itself is in src/time/calendar.ts)
// ---------------------------------------------------------------------------------------------

const civ = new Int32Array(3);

/** make_date: the date, or null when month / day are out of range. */
function makeDate(y: number, m: number, d: number): number | null {
  const days = validDays(y, m, d);
  return days === days ? days : null;
}

const DOW_NAMES: Record<string, number> = {
  SU: 0, SUN: 0, SUNDAY: 0, MO: 1, MON: 1, MONDAY: 1, TU: 2, TUE: 2, TUESDAY: 2, WE: 3, WED: 3, WEDNESDAY: 3,
  TH: 4, THU: 4, THURSDAY: 4, FR: 5, FRI: 5, FRIDAY: 5, SA: 6, SAT: 6, SATURDAY: 6,
};

function nextDay(days: number, dayName: string): number | null {
  const target = DOW_NAMES[dayName.trim().toUpperCase()];
  if (target === undefined) return null;
  return days + 1 + ((((target - dayOfWeek0(days) - 1) % 7) + 7) % 7);
}

/** Spark's DateTimeUtils.monthsBetween (UTC). */
function monthsBetween(t1: number, t2: number, roundOff = true): number {
  const d1 = Math.floor(t1 / MICROS_PER_DAY);
  const d2 = Math.floor(t2 / MICROS_PER_DAY);
  civilFromDays(d1, civ);
  const y1 = civ[0]!, m1 = civ[1]!, day1 = civ[2]!;
  const end1 = daysInMonth(y1, m1) === day1;
  civilFromDays(d2, civ);
  const y2 = civ[0]!, m2 = civ[1]!, day2 = civ[2]!;
  const end2 = daysInMonth(y2, m2) === day2;
  const monthDiff = (y1 * 12 + m1) - (y2 * 12 + m2);
  if (day1 === day2 || (end1 && end2)) return monthDiff;
  const sec1 = Math.floor((t1 - d1 * MICROS_PER_DAY) / MICROS_PER_SECOND);
  const sec2 = Math.floor((t2 - d2 * MICROS_PER_DAY) / MICROS_PER_SECOND);
  const secondsDiff = (day1 - day2) * 86400 + sec1 - sec2;
  const diff = monthDiff + secondsDiff / (31 * 86400);
  return roundOff ? Math.round(diff * 1e8) / 1e8 : diff;
}

/** trunc(date, unit): first day of the year / quarter / month / ISO week; null for other units. */
function truncDate(days: number, unit: string): number | null {
  civilFromDays(days, civ);
  const y = civ[0]!, m = civ[1]!;
  switch (unit.toUpperCase()) {
    case 'YEAR': case 'YYYY': case 'YY': return daysFromCivil(y, 1, 1);
    case 'QUARTER': return daysFromCivil(y, m - ((m - 1) % 3), 1);
    case 'MONTH': case 'MM': case 'MON': return daysFromCivil(y, m, 1);
    case 'WEEK': return days - mondayBasedDayOfWeek(days);
    default:
      return null;
  }
}

/** date_trunc(unit, ts): ts truncated to the unit; null for unknown units. */
function truncTimestamp(unit: string, micros: number): number | null {
  const u = unit.toUpperCase();
  const days = Math.floor(micros / MICROS_PER_DAY);
  switch (u) {
    case 'YEAR': case 'YYYY': case 'YY': case 'QUARTER': case 'MONTH': case 'MM': case 'MON': case 'WEEK': {
      const d = truncDate(days, u === 'YYYY' || u === 'YY' ? 'YEAR' : u);
      return d === null ? null : d * MICROS_PER_DAY;
    }
    case 'DAY': case 'DD': return days * MICROS_PER_DAY;
    case 'HOUR': return Math.floor(micros / MICROS_PER_HOUR) * MICROS_PER_HOUR;
    case 'MINUTE': return Math.floor(micros / MICROS_PER_MINUTE) * MICROS_PER_MINUTE;
    case 'SECOND': return Math.floor(micros / MICROS_PER_SECOND) * MICROS_PER_SECOND;
    case 'MILLISECOND': return Math.floor(micros / 1000) * 1000;
    case 'MICROSECOND': return micros;
    default: return null;
  }
}

/** Per-call-site memo of the last compiled pattern (a literal pattern compiles once per call site). */
class PatternMemo {
  private pattern: string | undefined;
  private compiled: DatetimePattern | undefined;

  get(p: string): DatetimePattern {
    if (p !== this.pattern) {
      this.compiled = compileDatetimePattern(p);
      this.pattern = p;
    }
    return this.compiled!;
  }

  /** String → micros with the pattern, or null. */
  parseMicros(s: string, p: string): number | null {
    return this.get(p).parse(s);
  }

  /** String → days with the pattern, or null. */
  parseDays(s: string, p: string): number | null {
    const m = this.get(p).parse(s);
    return m === null ? null : Math.floor(m / MICROS_PER_DAY);
  }

  /** String → whole seconds with the pattern, or null. */
  parseSeconds(s: string, p: string): number | null {
    const m = this.get(p).parse(s);
    return m === null ? null : Math.floor(m / MICROS_PER_SECOND);
  }

  format(micros: number, p: string): string {
    return this.get(p).format(micros);
  }
}

const DEFAULT_TS_FORMAT = 'yyyy-MM-dd HH:mm:ss';

// ---------------------------------------------------------------------------------------------
// Definition builders
// ---------------------------------------------------------------------------------------------

const DATE_EXPECTED = 'a date (or a date string / timestamp)';
const TS_EXPECTED = 'a timestamp (or a timestamp string / date)';

/** date → int field given by a helper function. */
function dateField(name: string, doc: string, fn: (days: number) => number, aliases?: string[]): ScalarFunctionDef {
  return { name, arity: [1, 1], doc, ...(aliases ? { aliases } : {}), resolve: positionalRule([dateArg], 'int32', DATE_EXPECTED), impl: fn };
}

/** date → int field given by a JS expression. */
function dateFieldTpl(name: string, doc: string, tpl: (d: string) => string): ScalarFunctionDef {
  return { name, arity: [1, 1], doc, resolve: positionalRule([dateArg], 'int32', DATE_EXPECTED), template: ([d]) => tpl(d!) };
}

/** timestamp → int field given by a JS expression over the time of day in micros. */
function timeField(name: string, doc: string, divisor: number, modulo: number): ScalarFunctionDef {
  return {
    name, arity: [1, 1], doc,
    resolve: positionalRule([timestampArg], 'int32', TS_EXPECTED),
    template: ([t]) => `(Math.floor((${t} - Math.floor(${t} / ${MICROS_PER_DAY}) * ${MICROS_PER_DAY}) / ${divisor}) % ${modulo})`,
  };
}

/** Type rule for a value that is parsed with an optional pattern: strings / numbers (as text) or already-temporal values. */
function parseSourceType(t: DataType, withFormat: boolean): DataType | undefined {
  if (t === 'utf8' || t === 'null') return 'utf8';
  if (t === 'date32' || t === 'timestamp') return t;
  if (withFormat && isNumeric(t)) return 'utf8'; // Spark casts numbers to string for to_date(20240105, 'yyyyMMdd')
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Registrations
// ---------------------------------------------------------------------------------------------

const DEFS: ScalarFunctionDef[] = [
  {
    name: 'to_date', arity: [1, 2], nulls: 'custom',
    doc: "to_date(x[, fmt]): x as a date — strings are parsed like a cast ('yyyy[-M[-d]]', an optional time is ignored) or with the pattern fmt (e.g. 'dd/MM/yyyy'); timestamps are truncated; invalid input gives null",
    resolve(argTypes, display) {
      if (argTypes.length === 1) {
        const t = dateArg(argTypes[0]!);
        if (!t) throw typeError(display, argTypes, DATE_EXPECTED);
        return { type: 'date32', argTypes: [t] };
      }
      const t = parseSourceType(argTypes[0]!, true);
      if (!t) throw typeError(display, argTypes, 'to_date(string, format string)');
      return { type: 'date32', argTypes: [t, 'utf8'] };
    },
    generate: strictGenerate((ctx, [x, fmt], argTypes) => {
      if (argTypes.length === 1) return x!;
      if (argTypes[0] === 'date32') return x!;
      if (argTypes[0] === 'timestamp') return `Math.floor(${x} / ${MICROS_PER_DAY})`;
      return `${ctx.constant(new PatternMemo())}.parseDays(${x}, ${fmt})`;
    }),
  },
  {
    name: 'to_timestamp', arity: [1, 2], nulls: 'custom',
    doc: "to_timestamp(x[, fmt]): x as a timestamp — strings are parsed like a cast ('yyyy-MM-dd[ HH:mm[:ss[.SSSSSS]]][offset]') or with the pattern fmt (e.g. 'dd/MM/yyyy HH:mm'); dates become midnight UTC; numbers are seconds since the epoch; invalid input gives null",
    resolve(argTypes, display) {
      if (argTypes.length === 1) {
        const a = argTypes[0]!;
        const t = timestampArg(a) ?? (isNumeric(a) ? 'timestamp' : undefined);
        if (!t) throw typeError(display, argTypes, TS_EXPECTED);
        return { type: 'timestamp', argTypes: [t] };
      }
      const t = parseSourceType(argTypes[0]!, true);
      if (!t) throw typeError(display, argTypes, 'to_timestamp(string, format string)');
      return { type: 'timestamp', argTypes: [t, 'utf8'] };
    },
    generate: strictGenerate((ctx, [x, fmt], argTypes) => {
      if (argTypes.length === 1 || argTypes[0] === 'timestamp') return x!;
      if (argTypes[0] === 'date32') return `(${x} * ${MICROS_PER_DAY})`;
      return `${ctx.constant(new PatternMemo())}.parseMicros(${x}, ${fmt})`;
    }),
  },
  dateField('year', 'year(date): the year', yearOfDays),
  dateField('month', 'month(date): the month, 1-12', monthOfDays),
  dateField('dayofmonth', 'dayofmonth(date): the day of the month, 1-31', dayOfMonth, ['day']),
  dateFieldTpl('dayofweek', 'dayofweek(date): the day of the week, 1 = Sunday ... 7 = Saturday', (d) => `(((((${d} + 4) % 7) + 7) % 7) + 1)`),
  dateFieldTpl('weekday', 'weekday(date): the day of the week, 0 = Monday ... 6 = Sunday', (d) => `((((${d} + 3) % 7) + 7) % 7)`),
  dateField('dayofyear', 'dayofyear(date): the day of the year, 1-366', dayOfYear),
  dateField('quarter', 'quarter(date): the quarter of the year, 1-4', quarterOfDays),
  dateField('weekofyear', 'weekofyear(date): the ISO-8601 week number (weeks start on Monday; week 1 holds the first Thursday)', isoWeekOfYear),
  timeField('hour', 'hour(ts): the hour of the day, 0-23 (UTC)', MICROS_PER_HOUR, 24),
  timeField('minute', 'minute(ts): the minute, 0-59', MICROS_PER_MINUTE, 60),
  timeField('second', 'second(ts): the second, 0-59', MICROS_PER_SECOND, 60),
  {
    name: 'date_add', aliases: ['dateadd'], arity: [2, 2], doc: 'date_add(date, n): the date n days after date (n may be negative)',
    resolve: positionalRule([dateArg, intArg], 'date32', 'date_add(date, int)'),
    template: ([d, n]) => `(${d} + ${n})`,
  },
  {
    name: 'date_sub', arity: [2, 2], doc: 'date_sub(date, n): the date n days before date',
    resolve: positionalRule([dateArg, intArg], 'date32', 'date_sub(date, int)'),
    template: ([d, n]) => `(${d} - ${n})`,
  },
  {
    name: 'datediff', aliases: ['date_diff'], arity: [2, 2], doc: 'datediff(end, start): the number of days from start to end (timestamps are truncated to dates)',
    resolve: positionalRule([dateArg], 'int32', 'datediff(date, date)'),
    template: ([a, b]) => `(${a} - ${b})`,
  },
  {
    name: 'add_months', arity: [2, 2], doc: 'add_months(date, n): the date n months later, clamped to the end of a shorter month (Jan 31 + 1 month = Feb 28/29)',
    resolve: positionalRule([dateArg, intArg], 'date32', 'add_months(date, int)'),
    impl: addMonths,
  },
  {
    name: 'months_between', arity: [2, 3],
    doc: 'months_between(ts1, ts2[, roundOff]): months from ts2 to ts1; whole when both are on the same day of the month or both on month ends, else the remainder counts days / 31; rounded to 8 digits unless roundOff is false',
    resolve: positionalRule([timestampArg, timestampArg, (t) => (t === 'boolean' || t === 'null' ? 'boolean' : undefined)], 'float64', 'months_between(timestamp, timestamp[, boolean])'),
    impl: monthsBetween,
  },
  {
    name: 'last_day', arity: [1, 1], doc: 'last_day(date): the last day of the month date is in',
    resolve: positionalRule([dateArg], 'date32', DATE_EXPECTED),
    impl: lastDayOfMonth,
  },
  {
    name: 'next_day', arity: [2, 2], doc: "next_day(date, dayOfWeek): the first date after date on the named day ('Mon', 'MO', 'Monday', case-insensitive); null for an unknown day name",
    resolve: positionalRule([dateArg, stringArg], 'date32', 'next_day(date, string)'),
    impl: nextDay,
  },
  {
    name: 'make_date', arity: [3, 3], doc: 'make_date(year, month, day): the date, or null when the fields are invalid',
    resolve: positionalRule([intArg], 'date32', 'make_date(int, int, int)'),
    impl: makeDate,
  },
  {
    name: 'current_date', aliases: ['curdate'], arity: [0, 0], deterministic: false,
    doc: 'current_date(): today (UTC). Read from the clock per row; Spark fixes it once per query',
    resolve: () => ({ type: 'date32', argTypes: [] }),
    template: () => 'Math.floor(Date.now() / 86400000)',
  },
  {
    name: 'current_timestamp', aliases: ['now'], arity: [0, 0], deterministic: false,
    doc: 'current_timestamp(): the current time (millisecond precision). Read from the clock per row; Spark fixes it once per query',
    resolve: () => ({ type: 'timestamp', argTypes: [] }),
    template: () => '(Date.now() * 1000)',
  },
  {
    name: 'date_format', arity: [2, 2], nulls: 'custom',
    doc: "date_format(ts, fmt): ts formatted with the pattern fmt (e.g. 'yyyy-MM-dd HH:mm:ss', 'EEE, d MMM yyyy')",
    resolve: positionalRule([timestampArg, stringArg], 'utf8', 'date_format(timestamp, format string)'),
    generate: strictGenerate((ctx, [t, fmt]) => `${ctx.constant(new PatternMemo())}.format(${t}, ${fmt})`, false),
  },
  {
    name: 'unix_timestamp', arity: [0, 2], nulls: 'custom', deterministic: false,
    doc: "unix_timestamp([x[, fmt]]): seconds since the epoch — of now without arguments, of a timestamp / date, or of a string parsed with fmt (default 'yyyy-MM-dd HH:mm:ss'; null when it does not match)",
    resolve(argTypes, display) {
      if (argTypes.length === 0) return { type: 'int64', argTypes: [] };
      const t = parseSourceType(argTypes[0]!, true);
      if (!t) throw typeError(display, argTypes, 'unix_timestamp([timestamp | string[, format string]])');
      return { type: 'int64', argTypes: argTypes.length === 1 ? [t] : [t, 'utf8'] };
    },
    generate: strictGenerate((ctx, [x, fmt], argTypes) => {
      if (argTypes.length === 0) return 'Math.floor(Date.now() / 1000)';
      if (argTypes[0] === 'timestamp') return `Math.floor(${x} / ${MICROS_PER_SECOND})`;
      if (argTypes[0] === 'date32') return `(${x} * 86400)`;
      return `${ctx.constant(new PatternMemo())}.parseSeconds(${x}, ${fmt ?? ctx.constant(DEFAULT_TS_FORMAT)})`;
    }),
  },
  {
    name: 'from_unixtime', arity: [1, 2], nulls: 'custom',
    doc: "from_unixtime(seconds[, fmt]): the time seconds after the epoch formatted with fmt (default 'yyyy-MM-dd HH:mm:ss', UTC)",
    resolve: positionalRule([(t) => (isNumeric(t) || t === 'utf8' || t === 'null' ? 'int64' : undefined), stringArg], 'utf8', 'from_unixtime(long[, format string])'),
    generate: strictGenerate((ctx, [sec, fmt]) => `${ctx.constant(new PatternMemo())}.format(${sec} * ${MICROS_PER_SECOND}, ${fmt ?? ctx.constant(DEFAULT_TS_FORMAT)})`, false),
  },
  {
    name: 'timestamp_seconds', arity: [1, 1], doc: 'timestamp_seconds(n): the timestamp n seconds (may be fractional) after the epoch',
    resolve(argTypes, display) {
      const a = argTypes[0]!;
      if (!isNumeric(a) && a !== 'null' && a !== 'utf8') throw typeError(display, argTypes, 'a numeric argument');
      return { type: 'timestamp', argTypes: [a === 'int32' || a === 'int64' ? a : 'float64'] };
    },
    template: ([n]) => `Math.trunc(${n} * ${MICROS_PER_SECOND})`,
  },
  {
    name: 'unix_seconds', arity: [1, 1], doc: 'unix_seconds(ts): whole seconds since the epoch (rounded down)',
    resolve: positionalRule([timestampArg], 'int64', TS_EXPECTED),
    template: ([t]) => `Math.floor(${t} / ${MICROS_PER_SECOND})`,
  },
  {
    name: 'date_trunc', arity: [2, 2], doc: "date_trunc(unit, ts): ts truncated to 'year' ('yyyy', 'yy'), 'quarter', 'month' ('mm', 'mon'), 'week' (Monday), 'day' ('dd'), 'hour', 'minute', 'second', 'millisecond' or 'microsecond'; null for other units",
    resolve: positionalRule([stringArg, timestampArg], 'timestamp', 'date_trunc(string, timestamp)'),
    impl: truncTimestamp,
  },
  {
    name: 'trunc', arity: [2, 2], doc: "trunc(date, unit): the first day of the 'year' ('yyyy', 'yy'), 'quarter', 'month' ('mm', 'mon') or 'week' (Monday) of date; null for other units",
    resolve: positionalRule([dateArg, stringArg], 'date32', 'trunc(date, string)'),
    impl: truncDate,
  },
];

/** Registers the module's functions. */
export function register(registry: FunctionRegistry): void {
  registry.registerScalar(...DEFS);
}

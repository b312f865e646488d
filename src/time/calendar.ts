/**
 * The one calendar: proleptic Gregorian arithmetic over Kindling's storage values (dates = days
 * since 1970-01-01, timestamps = microseconds since the epoch, always UTC). Days ↔ year/month/day
 * (Howard Hinnant's days_from_civil / civil_from_days), leap years, month lengths, day of week /
 * year, quarters, ISO weeks, add_months clamping and micros ↔ time-of-day fields. No Date objects:
 * every function is plain integer math, safe for hot loops.
 *
 * Used by the pattern engine (src/time/patterns.ts), the ISO parsers / formatters
 * (src/time/iso.ts), the datetime functions and the CSV reader / writer.
 */
import { MICROS_PER_DAY } from '../types.js';

export { MICROS_PER_DAY };
/** Microseconds in an hour. */
export const MICROS_PER_HOUR = 3_600_000_000;
/** Microseconds in a minute. */
export const MICROS_PER_MINUTE = 60_000_000;
/** Microseconds in a second. */
export const MICROS_PER_SECOND = 1_000_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1-12; day may run past the month). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * Year, month (1-12) and day of month of a day number, written to `out[0..2]`. Callers keep one
 * scratch array per module (`new Int32Array(3)`) so hot loops allocate nothing.
 */
export function civilFromDays(days: number, out: Int32Array): void {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const m = mp < 10 ? mp + 3 : mp - 9;
  out[0] = yoe + era * 400 + (m <= 2 ? 1 : 0);
  out[1] = m;
  out[2] = doy - Math.floor((153 * mp + 2) / 5) + 1;
}

/** True for Gregorian leap years (every 4th, not every 100th, every 400th; year 0 is leap). */
export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Days in month `m` (1-12) of year `y`. */
export function daysInMonth(y: number, m: number): number {
  if (m === 2) return isLeapYear(y) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Days since the epoch of a valid date, or NaN when month / day are out of range (Feb 30). */
export function validDays(y: number, m: number, d: number): number {
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return NaN;
  return daysFromCivil(y, m, d);
}

const civ = new Int32Array(3);

/** The year of a day number. */
export function yearOfDays(days: number): number {
  civilFromDays(days, civ);
  return civ[0]!;
}

/** The month (1-12) of a day number. */
export function monthOfDays(days: number): number {
  civilFromDays(days, civ);
  return civ[1]!;
}

/** The day of the month (1-31) of a day number. */
export function dayOfMonth(days: number): number {
  civilFromDays(days, civ);
  return civ[2]!;
}

/** The quarter (1-4) of a day number. */
export function quarterOfDays(days: number): number {
  civilFromDays(days, civ);
  return Math.floor((civ[1]! - 1) / 3) + 1;
}

/** The day of the year (1-366) of a day number. */
export function dayOfYear(days: number): number {
  civilFromDays(days, civ);
  return days - daysFromCivil(civ[0]!, 1, 1) + 1;
}

/** Day of week, 0 = Sunday ... 6 = Saturday (1970-01-01 was a Thursday). */
export function dayOfWeek0(days: number): number {
  return (((days + 4) % 7) + 7) % 7;
}

/** Day of week, 0 = Monday ... 6 = Sunday. */
export function mondayBasedDayOfWeek(days: number): number {
  return (((days + 3) % 7) + 7) % 7;
}

/** ISO-8601 week number: weeks start on Monday, week 1 holds the year's first Thursday. */
export function isoWeekOfYear(days: number): number {
  const thursday = days - mondayBasedDayOfWeek(days) + 3;
  return Math.floor((thursday - daysFromCivil(yearOfDays(thursday), 1, 1)) / 7) + 1;
}

/** The date `n` months after `days`, clamped to the end of a shorter month (Jan 31 + 1 = Feb 28/29). */
export function addMonths(days: number, n: number): number {
  civilFromDays(days, civ);
  const m0 = civ[0]! * 12 + (civ[1]! - 1) + n;
  const y = Math.floor(m0 / 12);
  const m = m0 - y * 12 + 1;
  return daysFromCivil(y, m, Math.min(civ[2]!, daysInMonth(y, m)));
}

/** The last day of the month `days` is in. */
export function lastDayOfMonth(days: number): number {
  civilFromDays(days, civ);
  return daysFromCivil(civ[0]!, civ[1]!, daysInMonth(civ[0]!, civ[1]!));
}

/** The day number of a timestamp (floor: 1969-12-31T23:00 is day -1). */
export function daysOfMicros(micros: number): number {
  return Math.floor(micros / MICROS_PER_DAY);
}

/** Micros of a date plus a time of day (hour 0-23, ...; micros within the second), minus an offset in micros. */
export function microsFromFields(days: number, hour: number, minute: number, second: number, micros: number, offsetMicros: number): number {
  return days * MICROS_PER_DAY + ((hour * 60 + minute) * 60 + second) * MICROS_PER_SECOND + micros - offsetMicros;
}

/**
 * Splits the time of day of a timestamp into `out` = [hour, minute, second, microsecond] and
 * returns the day number.
 */
export function timeOfDay(micros: number, out: Int32Array): number {
  const days = Math.floor(micros / MICROS_PER_DAY);
  let rem = micros - days * MICROS_PER_DAY;
  const h = Math.floor(rem / MICROS_PER_HOUR);
  rem -= h * MICROS_PER_HOUR;
  const mi = Math.floor(rem / MICROS_PER_MINUTE);
  rem -= mi * MICROS_PER_MINUTE;
  const s = Math.floor(rem / MICROS_PER_SECOND);
  out[0] = h;
  out[1] = mi;
  out[2] = s;
  out[3] = rem - s * MICROS_PER_SECOND;
  return days;
}

/** A UTC offset of ±hours:minutes:seconds in seconds (the sign applies to the whole offset). */
export function offsetSeconds(negative: boolean, hours: number, minutes: number, seconds: number): number {
  return (negative ? -1 : 1) * ((hours * 60 + minutes) * 60 + seconds);
}

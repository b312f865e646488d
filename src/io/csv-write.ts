/**
 * The CSV writer: serialises batches into one CSV part file, building the output in large
 * Buffers written with synchronous fs calls. Output follows Spark's writer defaults (no header,
 * `,` separator, `"` quote, backslash escape, nulls as "" and empty strings as `""`, `\n` line
 * ends) and is read back identically by `readCsvSplit` with the same options (multiLine=true
 * when values contain line breaks).
 */
import * as fs from 'node:fs';
import { Buffer } from 'node:buffer';
import type { Batch } from '../data/batch.js';
import { IllegalArgumentError, KindlingError } from '../errors.js';
import { type Schema, decimalParams, isDecimal, sparkTypeName } from '../types.js';
import { formatDecimal } from '../data/decimal.js';
import { civilFromDays, timeOfDay } from '../time/calendar.js';
import { type DatetimePattern, compileDatetimePattern } from '../time/patterns.js';
import { formatDouble } from './csv-values.js';
import { CSV_OPTION_NAMES, canonicalOptions, flagOption } from './options.js';
import type { WriteFormat } from './write-format.js';

/** CSV write options (Spark's names and defaults). */
export interface CsvWriteOptions {
  /** Write a header line with the column names (default false). */
  header?: boolean;
  /** Field separator (default ","). */
  sep?: string;
  /** Quote character (default `"`); "" never quotes. */
  quote?: string;
  /** Escape for quotes (and itself) inside quoted values (default backslash). */
  escape?: string;
  /** Text written for nulls (default ""). */
  nullValue?: string;
  /** Text written for empty strings (default `""`, a quoted empty field, which reads back as ""). */
  emptyValue?: string;
  /** Quote every non-null value (default false: only values that need it). */
  quoteAll?: boolean;
  /** Date pattern (default `yyyy-MM-dd`). */
  dateFormat?: string;
  /** Timestamp pattern (default ISO `yyyy-MM-ddTHH:mm:ss.ffffffZ`, UTC). */
  timestampFormat?: string;
}

const OUT_BYTES = 1 << 20;

class Out {
  buf = Buffer.allocUnsafe(OUT_BYTES);
  pos = 0;
  constructor(private readonly fd: number, private readonly path: string) {}

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
  }

  flush(): void {
    let off = 0;
    try {
      while (off < this.pos) off += fs.writeSync(this.fd, this.buf, off, this.pos - off);
    } catch (e) {
      throw new KindlingError(`cannot write CSV file '${this.path}': ${(e as Error).message}`, { cause: e });
    }
    this.pos = 0;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  ascii(s: string): void {
    this.ensure(s.length);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Writes an integer-valued number (|v| < 2^53) in decimal. */
  int(v: number): void {
    this.ensure(24);
    const buf = this.buf;
    if (v < 0) {
      buf[this.pos++] = 45;
      v = -v;
    }
    if (v < 10) {
      buf[this.pos++] = 48 + v;
      return;
    }
    let digits = 0;
    for (let t = v; t >= 1; t = Math.floor(t / 10)) digits++;
    let p = this.pos + digits;
    this.pos = p;
    while (v >= 1) {
      const q = Math.floor(v / 10);
      buf[--p] = 48 + (v - q * 10);
      v = q;
    }
  }

  /** Writes n zero-padded to w digits (n >= 0). */
  padded(n: number, w: number): void {
    this.ensure(w + 16);
    let digits = 1;
    for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
    const buf = this.buf;
    for (let k = digits; k < w; k++) buf[this.pos++] = 48;
    let p = this.pos + digits;
    this.pos = p;
    do {
      const q = Math.floor(n / 10);
      buf[--p] = 48 + (n - q * 10);
      n = q;
    } while (n > 0);
  }
}

interface Dialect {
  sep: Buffer;
  quote: number;
  escape: number;
  nullValue: Buffer;
  /** Written verbatim for an empty string; null: a quoted empty field. */
  emptyValue: Buffer | null;
  quoteAll: boolean;
}

/** Writes `bytes[s, e)` as one field, quoting and escaping when needed. */
function writeField(out: Out, d: Dialect, b: Uint8Array, s: number, e: number): void {
  const Q = d.quote;
  if (s === e && d.emptyValue !== null) {
    out.bytes(d.emptyValue);
    return;
  }
  if (Q < 0) {
    out.ensure(e - s);
    out.buf.set(b.subarray(s, e), out.pos);
    out.pos += e - s;
    return;
  }
  let needs = d.quoteAll || s === e;
  if (!needs) {
    const sep = d.sep;
    const s0 = sep[0]!;
    for (let i = s; i < e; i++) {
      const c = b[i]!;
      if (c === Q || c === 10 || c === 13) {
        needs = true;
        break;
      }
      if (c === s0) {
        let k = 1;
        while (k < sep.length && b[i + k] === sep[k]) k++;
        if (k === sep.length) {
          needs = true;
          break;
        }
      }
    }
  }
  if (!needs) {
    const len = e - s;
    out.ensure(len);
    const buf = out.buf;
    let p = out.pos;
    if (len < 24) for (let i = s; i < e; i++) buf[p++] = b[i]!;
    else {
      buf.set(b.subarray(s, e), p);
      p += len;
    }
    out.pos = p;
    return;
  }
  const ESC = d.escape < 0 ? Q : d.escape;
  out.ensure((e - s) * 2 + 2);
  const buf = out.buf;
  let p = out.pos;
  buf[p++] = Q;
  for (let i = s; i < e; i++) {
    const c = b[i]!;
    if (c === Q) {
      buf[p++] = ESC;
      buf[p++] = Q;
    } else if (c === ESC && ESC !== Q) {
      buf[p++] = ESC;
      buf[p++] = ESC;
    } else buf[p++] = c;
  }
  buf[p++] = Q;
  out.pos = p;
}

function oneChar(name: string, v: unknown, dflt: string): number {
  const s = v ?? dflt;
  if (typeof s !== 'string') throw new IllegalArgumentError(`CSV write option '${name}' must be a string, got ${JSON.stringify(s)}`);
  if (s === '') return -1;
  if (s.length !== 1 || s.charCodeAt(0) > 127) throw new IllegalArgumentError(`CSV write option '${name}' must be a single ASCII character (or ""), got ${JSON.stringify(s)}`);
  return s.charCodeAt(0);
}

const civ = new Int32Array(3);

function writeIsoDate(out: Out, days: number): void {
  civilFromDays(days, civ);
  const y = civ[0]!;
  if (y < 0) out.ascii('-');
  out.padded(Math.abs(y), 4);
  out.ascii('-');
  out.padded(civ[1]!, 2);
  out.ascii('-');
  out.padded(civ[2]!, 2);
}

const tod = new Int32Array(4);

function writeIsoTimestamp(out: Out, micros: number): void {
  writeIsoDate(out, timeOfDay(micros, tod));
  out.ascii('T');
  out.padded(tod[0]!, 2);
  out.ascii(':');
  out.padded(tod[1]!, 2);
  out.ascii(':');
  out.padded(tod[2]!, 2);
  out.ascii('.');
  out.padded(tod[3]!, 6);
  out.ascii('Z');
}

const CSV_WRITABLE = new Set(['utf8', 'int32', 'int64', 'float64', 'boolean', 'date32', 'timestamp', 'null']);

function strWriteOpt(o: Record<string, unknown>, name: string): string | undefined {
  const v = o[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new IllegalArgumentError(`CSV write option '${name}' must be a string, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Checks CSV write options (names, case-insensitively, and value types) and that every column
 * of `schema` has a type CSV can hold; returns the dialect and the options by canonical name.
 * @throws IllegalArgumentError naming an unknown option, a non-boolean flag, or a column of an
 *   unsupported type (Spark's "CSV data source does not support array<int> data type.").
 */
export function checkCsvWrite(schema: Schema, options: object): { d: Dialect; options: CsvWriteOptions } {
  const o = canonicalOptions('CSV write', options, CSV_OPTION_NAMES);
  for (const f of schema.fields) {
    if (!CSV_WRITABLE.has(f.type) && !isDecimal(f.type)) {
      throw new IllegalArgumentError(
        `column '${f.name}': CSV data source does not support ${sparkTypeName(f.type)} data type. Convert it to a string first (e.g. with array_join or to_json) or write Parquet`,
      );
    }
  }
  const sepStr = strWriteOpt(o, 'sep') ?? strWriteOpt(o, 'delimiter') ?? ',';
  if (sepStr === '') throw new IllegalArgumentError(`CSV write option 'sep' must not be empty`);
  const emptyValue = strWriteOpt(o, 'emptyValue');
  const d: Dialect = {
    sep: Buffer.from(sepStr === '\\t' ? '\t' : sepStr, 'utf8'),
    quote: oneChar('quote', o.quote, '"'),
    escape: oneChar('escape', o.escape, '\\'),
    nullValue: Buffer.from(strWriteOpt(o, 'nullValue') ?? '', 'utf8'),
    emptyValue: emptyValue === undefined || emptyValue === '""' ? null : Buffer.from(emptyValue, 'utf8'),
    quoteAll: flagOption('CSV write', 'quoteAll', o.quoteAll, false),
  };
  for (const k of ['inferSchema', 'multiLine', 'ignoreLeadingWhiteSpace', 'ignoreTrailingWhiteSpace', 'enforceSchema']) flagOption('CSV write', k, o[k], false);
  const header = flagOption('CSV write', 'header', o.header, false);
  const dateFormat = strWriteOpt(o, 'dateFormat');
  const timestampFormat = strWriteOpt(o, 'timestampFormat');
  return { d, options: { header, ...(dateFormat !== undefined ? { dateFormat } : {}), ...(timestampFormat !== undefined ? { timestampFormat } : {}) } };
}

/**
 * Writes `batches` (columns in `schema` order) as one CSV file at `path`, replacing it.
 * Values containing the separator, the quote or a line break are quoted (all values with
 * `quoteAll`), quotes and escapes inside are escaped with `escape`; nulls are written as
 * `nullValue`, empty strings as `""`; doubles like Spark (`1.0`), dates `yyyy-MM-dd`,
 * timestamps `yyyy-MM-ddTHH:mm:ss.ffffffZ` unless a format is given.
 * @throws KindlingError naming the path when the file cannot be written.
 */
export function writeCsvFile(path: string, schema: Schema, batches: Iterable<Batch>, options: CsvWriteOptions = {}): void {
  const { d, options: o } = checkCsvWrite(schema, options);
  options = o;
  const dateFmt: DatetimePattern | null =
    options.dateFormat && options.dateFormat !== 'yyyy-MM-dd' ? compileDatetimePattern(options.dateFormat) : null;
  const tsFmt: DatetimePattern | null = options.timestampFormat ? compileDatetimePattern(options.timestampFormat) : null;
  let fd: number;
  try {
    fd = fs.openSync(path, 'w');
  } catch (e) {
    throw new KindlingError(`cannot create CSV file '${path}': ${(e as Error).message}`, { cause: e });
  }
  const out = new Out(fd, path);
  const strField = (s: string): void => {
    const b = Buffer.from(s, 'utf8');
    writeField(out, d, b, 0, b.length);
  };
  try {
    const fields = schema.fields;
    const ncol = fields.length;
    const scales = fields.map((f) => (isDecimal(f.type) ? decimalParams(f.type).scale : 0));
    if (options.header ?? false) {
      for (let j = 0; j < ncol; j++) {
        if (j > 0) out.bytes(d.sep);
        strField(fields[j]!.name);
      }
      out.ascii('\n');
    }
    for (const batch of batches) {
      const cols = batch.columns;
      if (cols.length !== ncol) throw new IllegalArgumentError(`batch has ${cols.length} columns but the schema has ${ncol}`);
      const n = batch.numRows;
      for (let r = 0; r < n; r++) {
        for (let j = 0; j < ncol; j++) {
          if (j > 0) out.bytes(d.sep);
          const col = cols[j]!;
          if (col.type === 'null' || (col.validity !== null && col.validity[r] === 0)) {
            out.bytes(d.nullValue);
            continue;
          }
          switch (col.type) {
            case 'utf8': {
              if (col.indices !== null) {
                // Dictionary strings: the entry's bytes.
                const dict = col.dictionary!;
                const off = dict.offsets!;
                const k = col.indices[r]!;
                writeField(out, d, dict.bytes!, off[k]!, off[k + 1]!);
                break;
              }
              const off = col.offsets!;
              writeField(out, d, col.bytes!, off[r]!, off[r + 1]!);
              break;
            }
            case 'int32':
            case 'int64':
              out.int(col.values![r]!);
              break;
            case 'float64':
              out.ascii(formatDouble(col.values![r]!));
              break;
            case 'boolean':
              out.ascii(col.values![r] ? 'true' : 'false');
              break;
            case 'date32':
              if (dateFmt) strField(dateFmt.formatDays(col.values![r]!));
              else writeIsoDate(out, col.values![r]!);
              break;
            case 'timestamp':
              if (tsFmt) strField(tsFmt.format(col.values![r]!));
              else writeIsoTimestamp(out, col.values![r]!);
              break;
            default:
              // decimal(p,s): the exact plain string (12.30)
              strField(formatDecimal(col.bigints()[r]!, scales[j]!));
          }
        }
        out.ascii('\n');
      }
    }
    out.flush();
  } finally {
    fs.closeSync(fd);
  }
}

/** `df.write.csv()` / `format('csv')`: one CSV file per part. */
export const csvWriteFormat: WriteFormat<CsvWriteOptions> = {
  name: 'csv',
  extension: () => 'csv',
  writePart: (file, schema, batches, options) => writeCsvFile(file, schema, batches, options),
  check: (schema, options) => void checkCsvWrite(schema, options),
};

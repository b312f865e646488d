/**
 * The JSON writer (`df.write.json`): one JSON object per line (JSON Lines), as Spark writes it —
 * null fields left out (`ignoreNullFields`, default true), strings escaped as JSON, doubles like
 * Spark (`1.0`, `"NaN"`, `"Infinity"`), decimals as numbers with their exact digits, dates
 * `yyyy-MM-dd`, timestamps `yyyy-MM-ddTHH:mm:ss.ffffffZ` (UTC; Spark's default shape, with
 * microseconds so a round trip is exact), arrays as JSON arrays, structs as JSON objects (null
 * fields left out like top-level ones), maps as JSON objects (keys as strings, null values kept).
 * Optional gzip compression.
 * Registered as the 'json' write format; the dataset writer makes the write atomic.
 */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { Buffer } from 'node:buffer';
import type { Batch } from '../data/batch.js';
import type { ColumnData } from '../data/column.js';
import { formatDecimal } from '../data/decimal.js';
import { IllegalArgumentError, KindlingError, didYouMean } from '../errors.js';
import { type DataType, type Schema, decimalParams, isDecimal, isList, isMap, isStruct, structFields } from '../types.js';
import { formatDate } from '../time/iso.js';
import { compileDatetimePattern } from '../time/patterns.js';
import { formatDouble } from './csv-values.js';
import { type JsonWriteOptions, checkJsonEncoding, jsonOptions, patternOpt } from './json.js';
import { flagOption } from './options.js';
import type { WriteFormat } from './write-format.js';

/** The default timestamp shape (Spark's `yyyy-MM-dd'T'HH:mm:ss.SSSXXX`, to the microsecond). */
const DEFAULT_TIMESTAMP_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX";

const COMPRESSIONS: Readonly<Record<string, 'none' | 'gzip'>> = { none: 'none', uncompressed: 'none', gzip: 'gzip' };

/** Write options resolved: plain data. */
interface ResolvedJsonWrite {
  gzip: boolean;
  ignoreNullFields: boolean;
  dateFormat: string | null;
  timestampFormat: string;
}

/**
 * Checks JSON write options (names case-insensitively, flags, compression, patterns).
 * @throws IllegalArgumentError naming the option.
 */
function resolveJsonWrite(options: object): ResolvedJsonWrite {
  const o = jsonOptions('JSON write', options);
  for (const k of ['multiLine', 'primitivesAsString', 'prefersDecimal', 'allowComments', 'allowSingleQuotes', 'dropFieldIfAllNull']) flagOption('JSON write', k, o[k], false);
  checkJsonEncoding(o, 'JSON write');
  const c = o.compression === undefined || o.compression === null ? 'none' : String(o.compression).toLowerCase();
  const compression = COMPRESSIONS[c];
  if (!compression) throw new IllegalArgumentError(`unknown JSON compression '${String(o.compression)}'${didYouMean(c, Object.keys(COMPRESSIONS))}; use none or gzip`);
  return {
    gzip: compression === 'gzip',
    ignoreNullFields: flagOption('JSON write', 'ignoreNullFields', o.ignoreNullFields, true),
    dateFormat: patternOpt(o, 'dateFormat', 'JSON write'),
    timestampFormat: patternOpt(o, 'timestampFormat', 'JSON write') ?? DEFAULT_TIMESTAMP_FORMAT,
  };
}

/** Formats one stored value of `type` (days, micros, numbers, strings, booleans) as JSON text. */
function valueFormatter(type: DataType, o: ResolvedJsonWrite): (v: unknown) => string {
  if (isDecimal(type)) {
    const scale = decimalParams(type).scale;
    return (v) => formatDecimal(v as bigint, scale);
  }
  switch (type) {
    case 'utf8': return (v) => JSON.stringify(v);
    case 'int32': case 'int64': return (v) => String(v);
    case 'float64': return (v) => {
      const x = v as number;
      return Number.isFinite(x) ? formatDouble(x) : `"${formatDouble(x)}"`;
    };
    case 'boolean': return (v) => (v ? 'true' : 'false');
    case 'date32': {
      const f = o.dateFormat ? compileDatetimePattern(o.dateFormat) : null;
      return (v) => JSON.stringify(f ? f.formatDays(v as number) : formatDate(v as number));
    }
    case 'timestamp': {
      const f = compileDatetimePattern(o.timestampFormat);
      return (v) => JSON.stringify(f.format(v as number));
    }
    default: return () => 'null';
  }
}

/** Row r of a column as JSON text, or 'null' for a null row. */
function nullableFormatter(col: ColumnData, o: ResolvedJsonWrite): (r: number) => string {
  if (col.type === 'null') return () => 'null';
  const f = columnFormatter(col, o);
  const valid = col.validity;
  return valid === null ? f : (r) => (valid[r] === 0 ? 'null' : f(r));
}

/**
 * Row r of a column as JSON text (null values are handled by the caller). Nested columns are
 * formatted from their children by offsets (lists, maps) or by row (structs).
 */
function columnFormatter(col: ColumnData, o: ResolvedJsonWrite): (r: number) => string {
  const t = col.type;
  if (isList(t) || isMap(t)) {
    const offs = col.offsets!;
    if (isList(t)) {
      const el = nullableFormatter(col.child!, o);
      return (r) => {
        let out = '[';
        for (let k = offs[r]!; k < offs[r + 1]!; k++) out += (k > offs[r]! ? ',' : '') + el(k);
        return out + ']';
      };
    }
    const [keys, vals] = col.child!.children!;
    const key = nullableFormatter(keys!, o);
    const val = nullableFormatter(vals!, o);
    const keyText = keys!.type === 'utf8' ? key : (k: number) => JSON.stringify(key(k).replace(/^"|"$/g, ''));
    return (r) => {
      let out = '{';
      for (let k = offs[r]!; k < offs[r + 1]!; k++) out += (k > offs[r]! ? ',' : '') + keyText(k) + ':' + val(k);
      return out + '}';
    };
  }
  if (isStruct(t)) return objectFormatter(structFields(t).map((f) => f.name), col.children!, o);
  const f = valueFormatter(t, o);
  if (t === 'utf8') {
    const s = col.strings();
    return (r) => f(s[r]);
  }
  if (isDecimal(t)) {
    const big = col.bigints();
    return (r) => f(big[r]);
  }
  const vals = col.values!;
  return (r) => f(vals[r]);
}

/** Row r of columns `cols` as a JSON object with keys `names` (null fields left out with ignoreNullFields). */
function objectFormatter(names: readonly string[], cols: readonly ColumnData[], o: ResolvedJsonWrite): (r: number) => string {
  const keys = names.map((n) => JSON.stringify(n) + ':');
  const fmts = cols.map((c) => columnFormatter(c, o));
  return (r) => {
    let line = '{';
    let first = true;
    for (let j = 0; j < cols.length; j++) {
      const c = cols[j]!;
      const isNull = c.type === 'null' || (c.validity !== null && c.validity[r] === 0);
      if (isNull && o.ignoreNullFields) continue;
      line += (first ? '' : ',') + keys[j] + (isNull ? 'null' : fmts[j]!(r));
      first = false;
    }
    return line + '}';
  };
}

/**
 * Writes `batches` (columns in `schema` order) as one JSON Lines file at `path` (gzip-compressed
 * with `compression: 'gzip'`), replacing it.
 * @throws IllegalArgumentError for bad options; KindlingError naming the path when the file cannot be written.
 */
export function writeJsonFile(path: string, schema: Schema, batches: Iterable<Batch>, options: JsonWriteOptions = {}): void {
  const o = resolveJsonWrite(options);
  const chunks: Buffer[] = [];
  let fd: number | undefined;
  const flush = (text: string): void => {
    const b = Buffer.from(text, 'utf8');
    if (o.gzip) {
      chunks.push(b);
      return;
    }
    for (let off = 0; off < b.length; ) off += fs.writeSync(fd!, b, off, b.length - off);
  };
  try {
    fd = fs.openSync(path, 'w');
    let text = '';
    for (const batch of batches) {
      const row = objectFormatter(schema.fields.map((f) => f.name), batch.columns, o);
      const n = batch.numRows;
      for (let r = 0; r < n; r++) {
        text += row(r) + '\n';
        if (text.length > 1 << 20) {
          flush(text);
          text = '';
        }
      }
    }
    if (text.length > 0) flush(text);
    if (o.gzip) {
      const z = zlib.gzipSync(Buffer.concat(chunks));
      for (let off = 0; off < z.length; ) off += fs.writeSync(fd, z, off, z.length - off);
    }
  } catch (e) {
    if (e instanceof KindlingError) throw e;
    throw new KindlingError(`cannot write JSON file '${path}': ${(e as Error).message}`, { cause: e });
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** `df.write.json()` / `format('json')`: one JSON Lines file per part (`.json`, or `.json.gz` with gzip). */
export const jsonWriteFormat: WriteFormat<JsonWriteOptions> = {
  name: 'json',
  extension: (options) => (resolveJsonWrite(options).gzip ? 'json.gz' : 'json'),
  writePart: (file, schema, batches, options) => writeJsonFile(file, schema, batches, options),
  check: (_schema, options) => void resolveJsonWrite(options),
};

/**
 * Kindling's CSV data source: option resolution (Spark's option names and defaults), scan
 * planning (file listing, schema from a DDL string / inference / header, byte-range splits
 * aligned to line starts), split reading into `Batch`es, and the CSV writer.
 *
 * Reading runs on a byte-level fast path (src/io/csv-scan.ts + csv-build.ts): no strings are
 * created for numbers, dates or timestamps, and utf8 columns are built as offsets + bytes copied
 * from the input. Dialects it does not cover (multi-character or non-ASCII separator / quote /
 * escape / comment, `ignoreLeadingWhiteSpace`, `ignoreTrailingWhiteSpace`) go through csv-parse
 * (src/io/csv-slow.ts) and produce the same batches.
 *
 * Null rules: a field is null when its text equals `nullValue` (default ""), an unquoted empty
 * field is always null, and a quoted empty field `""` of a string column reads as `emptyValue`
 * (default "", so an empty string written as `""` round-trips; Spark 3 reads it as null unless
 * nullValue is changed). Setting emptyValue to the nullValue explicitly makes `""` null.
 */
import * as fs from 'node:fs';
import { Buffer } from 'node:buffer';
import { BATCH_SIZE, type Batch } from '../data/batch.js';
import { DataFormatError, IllegalArgumentError, KindlingError, didYouMean } from '../errors.js';
import { type DataType, type Field, Schema, isNested, parseTypeName, sparkSimpleName, sparkTypeName, splitTopLevel } from '../types.js';
import { BatchBuilder, REC_BAD_VALUE, REC_OK, REC_TOO_FEW, TypeInferrer, type ValueRules } from './csv-build.js';
import { F_RAW, F_VERBATIM, FastTokenizer, type ByteSource, type RecordSource, firstRecordStart, fsError, isGzip, openSource, unescapeField } from './csv-scan.js';
import { SplitDictionaries } from './csv-dictionary.js';
import { CsvParseTokenizer } from './csv-slow.js';
import { compileDatetimePattern } from '../time/patterns.js';
import { bytesToString } from './csv-values.js';
import { listInputFiles } from './files.js';
import { CSV_OPTION_NAMES, CSV_WRITE_ONLY_OPTION_NAMES, canonicalOptions, flagOption, numberOption } from './options.js';

export { writeCsvFile, type CsvWriteOptions } from './csv-write.js';

/** CSV read options, with Spark's names and defaults. Option names are matched case-insensitively. */
export interface CsvReadOptions {
  /** First line of each file holds column names (default false). */
  header?: boolean;
  /** Field separator (default ","); `"\\t"` means tab. */
  sep?: string;
  /** Alias of `sep`. */
  delimiter?: string;
  /** Quote character (default `"`); "" disables quoting. */
  quote?: string;
  /** Escape character inside quoted fields (default backslash); a doubled quote always works too. */
  escape?: string;
  /** Lines starting with this character are skipped (default: none). */
  comment?: string;
  /** Text that reads as null (default ""). */
  nullValue?: string;
  /** What a quoted empty field `""` of a string column reads as (default ""; null when set to the nullValue). */
  emptyValue?: string;
  /** Infer column types from the data (default false: every column is a string). */
  inferSchema?: boolean;
  /** Explicit schema: a Schema or a DDL string like `'a INT, b STRING'`. */
  schema?: Schema | string;
  /** What to do with malformed records (default PERMISSIVE). */
  mode?: 'PERMISSIVE' | 'DROPMALFORMED' | 'FAILFAST';
  /** Date pattern (default ISO `yyyy-MM-dd`, leniently). */
  dateFormat?: string;
  /** Timestamp pattern (default ISO `yyyy-MM-dd'T'HH:mm:ss[.SSSSSS][XXX]`, leniently). */
  timestampFormat?: string;
  /** Quoted fields may contain line breaks (default false); each file is then one split. */
  multiLine?: boolean;
  /** Trim whitespace before values (default false). */
  ignoreLeadingWhiteSpace?: boolean;
  /** Trim whitespace after values (default false). */
  ignoreTrailingWhiteSpace?: boolean;
  /** Fraction of records used for schema inference (default 1). */
  samplingRatio?: number;
  /** Largest byte range per split (default 32 MiB). */
  maxPartitionBytes?: number;
  /** Only UTF-8 is supported. */
  encoding?: string;
  /**
   * With `header`: true (default) applies the schema by position, except that a file whose header
   * names the schema's columns in another order is read by name; false checks every file's header
   * against the schema (names, case-insensitively, in order) and fails naming the file.
   */
  enforceSchema?: boolean;
}

/** Fully resolved CSV read options: plain data, safe to structured-clone to a worker. */
export interface ResolvedCsvOptions {
  header: boolean;
  sep: string;
  quote: string;
  escape: string;
  comment: string;
  nullValue: string;
  emptyValue: string;
  /** A quoted empty field reads as null: only when `emptyValue` is set explicitly to the `nullValue`. */
  emptyIsNull: boolean;
  inferSchema: boolean;
  /** false: each file's header must name the schema's columns in order (with `header`). */
  enforceSchema: boolean;
  mode: 'PERMISSIVE' | 'DROPMALFORMED' | 'FAILFAST';
  /** null = the default ISO parser. */
  dateFormat: string | null;
  /** null = the default ISO parser. */
  timestampFormat: string | null;
  multiLine: boolean;
  ignoreLeadingWhiteSpace: boolean;
  ignoreTrailingWhiteSpace: boolean;
  samplingRatio: number;
  maxPartitionBytes: number;
  encoding: 'utf-8';
  /** Which tokenizer reads the data: the byte-level fast path or the csv-parse fallback. */
  engine: 'fast' | 'csv-parse';
}

/** A byte range of one file; plain data. Reads the records that start in [start, end). */
export interface CsvSplit {
  file: string;
  start: number;
  end: number;
  /** With `header`: the file's field index of each schema column, when its header lists them in another order. */
  order?: number[];
}

/** A planned CSV scan: the schema, its splits and the resolved options. */
export interface CsvScan {
  schema: Schema;
  splits: CsvSplit[];
  options: ResolvedCsvOptions;
  /**
   * Low-cardinality string columns of each batch become dictionaries (data/dictionary.ts); absent:
   * no. 'split': one dictionary per split and column, decided by the cache's rule (a cache being
   * materialised, csv-dictionary.ts).
   */
  dictionary?: boolean | 'split';
  /** @internal Most entries of a split's dictionary (default 2^20 − 1; tests lower it). */
  splitDictionaryLimit?: number;
}

const MIB = 1 << 20;
/** Default `maxPartitionBytes`. */
export const DEFAULT_MAX_PARTITION_BYTES = 32 * MIB;
/** Bytes of input schema inference looks at (divided by samplingRatio). */
export const INFER_SAMPLE_BYTES = 64 * MIB;
/**
 * Rows of a split's first batch when the split dictionary-encodes for a cache (csv-dictionary.ts):
 * that batch is built as plain strings, sampled to decide the encoding, then encoded; the later
 * batches are encoded as they are built.
 */
const FIRST_DICTIONARY_BATCH = 16384;
/** Smallest split made to reach `minPartitions`. */
export const MIN_SPLIT_BYTES = MIB;

const SPARK_DEFAULT_TIMESTAMP_FORMATS = new Set(["yyyy-MM-dd'T'HH:mm:ss[.SSS][XXX]", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "yyyy-MM-dd'T'HH:mm:ss[.SSSSSS][XXX]"]);

function normalizeKeys(options: object): Record<string, unknown> {
  const o = canonicalOptions('CSV read', options, CSV_OPTION_NAMES, { charset: 'encoding' });
  for (const k of CSV_WRITE_ONLY_OPTION_NAMES) boolOpt(o, k, false);
  return o;
}

function boolOpt(o: Record<string, unknown>, name: string, dflt: boolean): boolean {
  return flagOption('CSV read', name, o[name], dflt);
}

function numOpt(o: Record<string, unknown>, name: string, dflt: number): number {
  return numberOption('CSV', name, o[name], dflt);
}

function strOpt(o: Record<string, unknown>, name: string, dflt: string): string {
  const v = o[name];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'string') throw new IllegalArgumentError(`CSV option '${name}' must be a string, got ${JSON.stringify(v)}`);
  return v;
}

/** Spark's `toChar` escapes for option values: `\t`, `\n`, `\\`, `\uXXXX`. */
function unescapeOption(v: string): string {
  if (!v.includes('\\') || v.length < 2) return v;
  return v.replace(/\\(u[0-9a-fA-F]{4}|t|n|r|\\|"|')/g, (_m, g: string) => {
    if (g.startsWith('u')) return String.fromCharCode(parseInt(g.slice(1), 16));
    return g === 't' ? '\t' : g === 'n' ? '\n' : g === 'r' ? '\r' : g;
  });
}

/**
 * Validates CSV read options and fills in Spark's defaults. Accepts option names in any case and
 * string values for booleans and numbers (as `.option('header', 'true')` passes them).
 * @throws IllegalArgumentError for invalid values (unknown mode, multi-character quote, non-UTF-8 encoding, ...).
 */
export function resolveCsvOptions(options: CsvReadOptions = {}): ResolvedCsvOptions {
  const o = normalizeKeys(options);
  const rawSep = o.sep !== undefined ? strOpt(o, 'sep', ',') : strOpt(o, 'delimiter', ',');
  const sep = unescapeOption(rawSep);
  if (sep.length === 0) throw new IllegalArgumentError(`CSV option 'sep' must not be empty (use ',' or '\\t' for example)`);
  if (/[\r\n]/.test(sep)) throw new IllegalArgumentError(`CSV option 'sep' must not contain a line break, got ${JSON.stringify(sep)}`);
  const single = (name: string, dflt: string): string => {
    const v = unescapeOption(strOpt(o, name, dflt));
    if ([...v].length > 1) throw new IllegalArgumentError(`CSV option '${name}' must be a single character (or "" to disable it), got ${JSON.stringify(v)}`);
    return v;
  };
  const quote = single('quote', '"');
  const escape = single('escape', '\\');
  const comment = single('comment', '');
  if (quote !== '' && sep === quote) throw new IllegalArgumentError(`CSV options 'sep' and 'quote' must differ (both are ${JSON.stringify(sep)})`);
  const modeRaw = strOpt(o, 'mode', 'PERMISSIVE').toUpperCase();
  const modes = ['PERMISSIVE', 'DROPMALFORMED', 'FAILFAST'];
  if (!modes.includes(modeRaw)) {
    throw new IllegalArgumentError(`unknown CSV mode '${o.mode}'${didYouMean(modeRaw, modes)}; use PERMISSIVE, DROPMALFORMED or FAILFAST`);
  }
  const encRaw = strOpt(o, 'encoding', 'utf-8');
  if (!/^utf-?8$/i.test(encRaw.trim())) {
    throw new IllegalArgumentError(`CSV encoding '${encRaw}' is not supported: Kindling reads UTF-8 only; convert the file first (e.g. iconv -f ${encRaw} -t UTF-8)`);
  }
  let dateFormat: string | null = o.dateFormat !== undefined ? strOpt(o, 'dateFormat', '') : null;
  if (dateFormat === 'yyyy-MM-dd' || dateFormat === '') dateFormat = null;
  let timestampFormat: string | null = o.timestampFormat !== undefined ? strOpt(o, 'timestampFormat', '') : null;
  if (timestampFormat === '' || (timestampFormat !== null && SPARK_DEFAULT_TIMESTAMP_FORMATS.has(timestampFormat))) timestampFormat = null;
  if (dateFormat) compileDatetimePattern(dateFormat);
  if (timestampFormat) compileDatetimePattern(timestampFormat);
  const samplingRatio = numOpt(o, 'samplingRatio', 1);
  if (!(samplingRatio > 0 && samplingRatio <= 1)) throw new IllegalArgumentError(`CSV option 'samplingRatio' must be in (0, 1], got ${samplingRatio}`);
  const maxPartitionBytes = Math.floor(numOpt(o, 'maxPartitionBytes', DEFAULT_MAX_PARTITION_BYTES));
  if (!(maxPartitionBytes > 0)) throw new IllegalArgumentError(`CSV option 'maxPartitionBytes' must be positive, got ${maxPartitionBytes}`);
  const ignoreLeadingWhiteSpace = boolOpt(o, 'ignoreLeadingWhiteSpace', false);
  const ignoreTrailingWhiteSpace = boolOpt(o, 'ignoreTrailingWhiteSpace', false);
  const nullValue = strOpt(o, 'nullValue', '');
  const emptyValue = strOpt(o, 'emptyValue', '');
  const ascii1 = (s: string): boolean => s.length <= 1 && (s.length === 0 || s.charCodeAt(0) < 128);
  const fast = sep.length === 1 && ascii1(sep) && ascii1(quote) && ascii1(escape) && ascii1(comment) && !ignoreLeadingWhiteSpace && !ignoreTrailingWhiteSpace;
  return {
    header: boolOpt(o, 'header', false),
    sep,
    quote,
    escape,
    comment,
    nullValue,
    emptyValue,
    emptyIsNull: o.emptyValue !== undefined && emptyValue === nullValue,
    inferSchema: boolOpt(o, 'inferSchema', false),
    enforceSchema: boolOpt(o, 'enforceSchema', true),
    mode: modeRaw as ResolvedCsvOptions['mode'],
    dateFormat,
    timestampFormat,
    multiLine: boolOpt(o, 'multiLine', false),
    ignoreLeadingWhiteSpace,
    ignoreTrailingWhiteSpace,
    samplingRatio,
    maxPartitionBytes,
    encoding: 'utf-8',
    engine: fast ? 'fast' : 'csv-parse',
  };
}

// ---------------------------------------------------------------------------------------------
// DDL
// ---------------------------------------------------------------------------------------------

const DDL_TYPE_NAMES = ['boolean', 'int', 'integer', 'smallint', 'tinyint', 'bigint', 'long', 'double', 'float', 'decimal', 'string', 'varchar', 'char', 'date', 'timestamp', 'timestamp_ntz'];

/**
 * Parses a Spark DDL schema string such as `'a INT, b STRING, c DOUBLE, d DATE, e TIMESTAMP,
 * f BOOLEAN, g BIGINT'` (names may be `backquoted`; `name: type`, `DECIMAL(10,2)`, `VARCHAR(20)`,
 * `NOT NULL` and `COMMENT '...'` are accepted). Every field is nullable unless NOT NULL.
 * @throws IllegalArgumentError naming the column and the unknown type.
 */
export function parseDDLSchema(ddl: string): Schema {
  if (typeof ddl !== 'string' || ddl.trim() === '') throw new IllegalArgumentError(`schema DDL must be a non-empty string like 'a INT, b STRING'`);
  let text = ddl.trim();
  const struct = /^struct\s*<(.*)>$/is.exec(text);
  if (struct) text = struct[1]!;
  const fields: Field[] = [];
  const seen = new Map<string, string>();
  for (const part of splitTopLevel(text)) {
    const item = part.trim();
    if (item === '') throw new IllegalArgumentError(`empty column definition in schema DDL '${ddl}' (a stray comma?)`);
    let name: string;
    let rest: string;
    if (item.startsWith('`')) {
      let i = 1;
      let n = '';
      for (; i < item.length; i++) {
        if (item[i] === '`') {
          if (item[i + 1] === '`') {
            n += '`';
            i++;
            continue;
          }
          break;
        }
        n += item[i];
      }
      if (i >= item.length) throw new IllegalArgumentError(`unterminated backquote in schema DDL '${ddl}'`);
      name = n;
      rest = item.slice(i + 1);
    } else {
      const m = /^([^\s:]+)(.*)$/s.exec(item)!;
      name = m[1]!;
      rest = m[2]!;
    }
    rest = rest.trim().replace(/^:\s*/, '');
    if (rest === '') throw new IllegalArgumentError(`column '${name}' has no type in schema DDL '${ddl}'; write it as '${name} STRING' for example`);
    let nullable = true;
    const comment = /\s+comment\s+'(?:[^'\\]|\\.)*'\s*$/i.exec(rest);
    if (comment) rest = rest.slice(0, comment.index).trim();
    const nn = /\s+not\s+null\s*$/i.exec(rest);
    if (nn) {
      nullable = false;
      rest = rest.slice(0, nn.index).trim();
    }
    const typeText = rest.trim();
    const base = typeText.replace(/\s*\(.*\)\s*$/s, '').trim();
    const nested = /[<>]/.test(typeText);
    let type: DataType | undefined;
    try {
      type = parseTypeName(nested || /^(?:decimal|numeric|dec)\b/i.test(base) ? typeText : base);
    } catch (e) {
      // decimal(p,s) out of range
      throw new IllegalArgumentError(`column '${name}' in schema DDL '${ddl}': ${(e as Error).message}`);
    }
    if (!type || type === 'null' || (!nested && /\s/.test(base))) {
      throw new IllegalArgumentError(
        `unknown type '${typeText}' for column '${name}' in schema DDL '${ddl}'${didYouMean(base, DDL_TYPE_NAMES)}; supported types: boolean, int, bigint, double, decimal(p,s), string, date, timestamp, array<T>, struct<a:T,...>, map<K,V>`,
      );
    }
    const lower = name.toLowerCase();
    if (seen.has(lower)) throw new IllegalArgumentError(`column '${name}' appears twice in schema DDL '${ddl}'`);
    seen.set(lower, name);
    fields.push({ name, type, nullable });
  }
  return new Schema(fields);
}

// ---------------------------------------------------------------------------------------------
// Planning
// ---------------------------------------------------------------------------------------------

function valueRules(o: ResolvedCsvOptions): ValueRules {
  const fastQ = o.quote.length === 1 ? o.quote.charCodeAt(0) : -1;
  const fastE = o.escape.length === 1 ? o.escape.charCodeAt(0) : -1;
  return {
    nullValue: Buffer.from(o.nullValue, 'utf8'),
    emptyValue: Buffer.from(o.emptyValue, 'utf8'),
    emptyIsNull: o.emptyIsNull,
    quote: fastQ,
    escape: fastE,
    dateFormat: o.dateFormat ? compileDatetimePattern(o.dateFormat) : null,
    timestampFormat: o.timestampFormat ? compileDatetimePattern(o.timestampFormat) : null,
  };
}

/** `intFields`: the record's fields read as integers (1) or doubles (2), parsed while tokenized (FastTokenizer). */
function openTokenizer(src: ByteSource, o: ResolvedCsvOptions, start: number, end: number, store: number, stopAfter: number, intFields?: Uint8Array): RecordSource {
  if (o.engine === 'fast') {
    const code = (s: string): number => (s.length === 1 ? s.charCodeAt(0) : -1);
    return new FastTokenizer(src, { sep: code(o.sep), quote: code(o.quote), escape: code(o.escape), comment: code(o.comment), multiLine: o.multiLine }, start, end, store, stopAfter, intFields);
  }
  return new CsvParseTokenizer(src, o, start, end, store);
}

/** Field strings of the current record (unescaped; unquoted empty fields as null). */
function recordStrings(tok: RecordSource, o: ResolvedCsvOptions): (string | null)[] {
  const out: (string | null)[] = [];
  const q = o.quote.length === 1 ? o.quote.charCodeAt(0) : -1;
  const esc = o.escape.length === 1 ? o.escape.charCodeAt(0) : -1;
  let scratch = new Uint8Array(256);
  for (let i = 0; i < tok.nf; i++) {
    const s = tok.fs[i]!;
    const e = tok.fe[i]!;
    const fl = tok.ff[i]!;
    if (fl & F_RAW) {
      if (scratch.length < e - s) scratch = new Uint8Array(e - s);
      out.push(bytesToString(scratch, 0, unescapeField(tok.buf, s, e, q, esc, scratch, (fl & F_VERBATIM) !== 0)));
    } else if (s === e && fl === 0) out.push(null);
    else out.push(bytesToString(tok.buf, s, e));
  }
  return out;
}

/** Spark's `makeSafeHeader`: empty/null names become `_c<i>`, (case-insensitive) duplicates get their index appended. */
function safeHeader(names: (string | null)[], o: ResolvedCsvOptions): string[] {
  const lowered = names.filter((n): n is string => n !== null && n !== '' && n !== o.nullValue).map((n) => n.toLowerCase());
  const counts = new Map<string, number>();
  for (const n of lowered) counts.set(n, (counts.get(n) ?? 0) + 1);
  return names.map((n, i) => {
    if (n === null || n === '' || n === o.nullValue) return `_c${i}`;
    return (counts.get(n.toLowerCase()) ?? 0) > 1 ? `${n}${i}` : n;
  });
}

/** The first record of `file` (its header), or null for an empty file. */
function firstRecord(file: string, o: ResolvedCsvOptions): (string | null)[] | null {
  const src = openSource(file);
  const tok = openTokenizer(src, o, 0, src.size, Infinity, Infinity);
  try {
    return tok.next() ? recordStrings(tok, o) : null;
  } finally {
    tok.close();
  }
}

/**
 * Checks each file's header against the schema's column names (case-insensitively). Returns,
 * per file, the field index of each schema column when the header lists the same names in
 * another order (read by name); undefined when they are in order, or differ in names (then the
 * schema applies by position, as Spark's enforceSchema).
 * @throws DataFormatError naming the file and both column lists, with enforceSchema=false and a
 *   header that does not name the schema's columns in order.
 */
function headerOrders(files: readonly string[], sizes: readonly number[], schema: Schema, o: ResolvedCsvOptions): Map<string, number[]> {
  const orders = new Map<string, number[]>();
  const want = schema.fields.map((f) => f.name.toLowerCase());
  files.forEach((file, fi) => {
    if (sizes[fi] === 0) return;
    const rec = firstRecord(file, o);
    if (!rec) return;
    const names = safeHeader(rec, o);
    const got = names.map((n) => n.toLowerCase());
    if (got.length === want.length && got.every((n, i) => n === want[i])) return;
    const pos = new Map(got.map((n, i) => [n, i]));
    const permuted = got.length === want.length && pos.size === got.length && want.every((n) => pos.has(n));
    if (!o.enforceSchema) {
      const i = got.findIndex((n, k) => n !== want[k]);
      const detail =
        got.length !== want.length
          ? `the header has ${got.length} column(s) but the schema has ${want.length}`
          : `expected '${schema.fields[i]!.name}' but found '${names[i]}' at position ${i + 1}`;
      const fix = permuted ? 'the same columns in another order: set enforceSchema to true to read them by name' : 'fix the header or the schema, or set enforceSchema to true to apply the schema by position';
      throw new DataFormatError(
        `CSV header does not conform to the schema in ${file}: ${detail}\n Header: ${names.join(', ')}\n Schema: ${schema.fields.map((f) => f.name).join(', ')}\n(${fix})`,
        file,
        1,
      );
    }
    if (permuted) orders.set(file, want.map((n) => pos.get(n)!));
  });
  return orders;
}

/** The schema from the first header (or `_c<i>` names) and, with inferSchema, the data; the header orders found on the way. */
function inferCsvSchema(files: string[], sizes: readonly number[], o: ResolvedCsvOptions): { schema: Schema; orders?: Map<string, number[]> } {
  // Column count (and names) from the first record of the first non-empty file.
  let first: (string | null)[] | null = null;
  for (const file of files) {
    first = firstRecord(file, o);
    if (first) break;
  }
  if (!first) return { schema: new Schema([]) };
  const width = first.length;
  const names = o.header ? safeHeader(first, o) : first.map((_, i) => `_c${i}`);
  let types: DataType[] = names.map(() => 'utf8');
  let orders: Map<string, number[]> | undefined;
  if (o.inferSchema) {
    // Files whose header lists the columns in another order are sampled by name.
    if (o.header) orders = headerOrders(files, sizes, new Schema(names.map((name) => ({ name, type: 'utf8', nullable: true }))), o);
    const rules = valueRules(o);
    const inf = new TypeInferrer(width, rules);
    const budget = INFER_SAMPLE_BYTES / o.samplingRatio;
    const ratio = o.samplingRatio;
    let used = 0;
    let k = 0;
    outer: for (const file of files) {
      const src = openSource(file);
      const order = orders?.get(file);
      const tok = openTokenizer(src, o, 0, src.size, order ? Infinity : width, order ? Infinity : width);
      try {
        if (o.header && !tok.next()) continue;
        while (tok.next()) {
          if (used + tok.recordPos > budget) break outer;
          k++;
          if (ratio < 1 && Math.floor(k * ratio) === Math.floor((k - 1) * ratio)) continue;
          inf.add(tok, order);
          if (inf.open === 0) break outer;
        }
        used += src.size;
      } finally {
        tok.close();
      }
    }
    types = inf.types();
  }
  return { schema: new Schema(names.map((name, i) => ({ name, type: types[i]!, nullable: true }))), orders };
}

function statSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch (e) {
    throw fsError(file, e);
  }
}

/**
 * The length of the next split of `chunk` bytes when `left` bytes of the scan remain, for
 * `workers` parallel tasks (tasks start in split order, pool.ts), in a scan of more splits than
 * workers: the splits that start once
 * about 2 × workers full splits are left shrink with what is left (guided scheduling, down to a
 * quarter split), so the tasks finish closer together. With equal 32 MiB splits of db-benchmark's
 * 1e7-row groupby file (16 splits), one of the two workers idled 0.38–0.5 s at the end of each load
 * while the other finished its last split; with this tail and tasks started in order (a timestamp
 * per split task, 2 threads, 15:43 UTC) the two workers ended 0.09 and 0.10 s apart.
 */
function tailSplit(chunk: number, left: number, workers: number): number {
  const w = Math.max(1, Math.floor(workers));
  if (w === 1) return chunk;
  const least = Math.min(chunk, Math.max(Math.ceil(chunk / 4), MIN_SPLIT_BYTES));
  const len = Math.min(chunk, Math.max(least, Math.ceil(left / (2 * w))));
  // No sliver at the end: a remainder under half the smallest split joins this one.
  return left - len < least / 2 ? left : len;
}

/**
 * Plans a CSV scan: lists the input files ({@link listInputFiles}), determines the schema (the
 * `schema` option, else inference or all-string columns named from the header or `_c0, _c1...`)
 * and cuts the files into splits of at most `maxPartitionBytes` — smaller (but at least 1 MiB)
 * when needed to produce `minPartitions` splits. With multiLine, and for `.gz` files, each file
 * is one split. Empty files get no split.
 * @throws FileNotFoundError for missing paths; IllegalArgumentError for bad options.
 */
export function planCsvScan(paths: string | string[], options: CsvReadOptions = {}, minPartitions = 1): CsvScan {
  const opts = resolveCsvOptions(options);
  const files = listInputFiles(paths);
  const sizes = files.map(statSize);
  const given = normalizeKeys(options).schema as Schema | string | { fields: readonly Field[] } | undefined;
  let schema: Schema;
  let orders: Map<string, number[]> | undefined;
  if (typeof given === 'string') schema = parseDDLSchema(given);
  else if (given instanceof Schema) schema = given;
  else if (given && Array.isArray((given as { fields?: unknown }).fields)) schema = new Schema((given as { fields: readonly Field[] }).fields);
  else if (given !== undefined && given !== null) throw new IllegalArgumentError(`CSV option 'schema' must be a Schema or a DDL string like 'a INT, b STRING'`);
  else ({ schema, orders } = inferCsvSchema(files, sizes, opts));

  const total = sizes.reduce((a, b) => a + b, 0);
  const perCore = Math.ceil(total / Math.max(1, Math.floor(minPartitions)));
  const splitBytes = Math.max(1, Math.min(opts.maxPartitionBytes, Math.max(MIN_SPLIT_BYTES, perCore)));
  for (const f of schema.fields) {
    if (isNested(f.type)) throw new IllegalArgumentError(`column '${f.name}': CSV data source does not support ${sparkSimpleName(f.type)} data type; read it as a string and parse it (from_json for JSON text, split for lists)`);
  }
  if (!orders) orders = opts.header ? headerOrders(files, sizes, schema, opts) : new Map<string, number[]>();
  const splits: CsvSplit[] = [];
  // Bytes of the scan after the current file (the splits' tail is planned over the whole scan).
  let after = total;
  files.forEach((file, i) => {
    const size = sizes[i]!;
    after -= size;
    if (size === 0) return;
    const order = orders.get(file);
    const split = (start: number, end: number): CsvSplit => (order ? { file, start, end, order } : { file, start, end });
    if (opts.multiLine || isGzip(file) || size <= splitBytes) {
      splits.push(split(0, size));
      return;
    }
    const n = Math.ceil(size / splitBytes);
    const chunk = Math.ceil(size / n);
    for (let s = 0; s < size; ) {
      const len = splitBytes < perCore ? tailSplit(chunk, size - s + after, minPartitions) : chunk;
      splits.push(split(s, Math.min(size, s + len)));
      s += len;
    }
  });
  return { schema, splits, options: opts };
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/**
 * Rows this thread has read through the tokenizer per record shape (readCsvSplit's `shape`),
 * up to FUSED_AFTER_ROWS: the fused path starts once a shape has that many. Measured (TPC-H SF
 * 0.1, eight tables, 2 threads, 22:00 UTC): compiled loops from the first row made the cold load
 * 2.2 s against 1.6 s through the tokenizer (16 loops compiled and run interpreted at first),
 * while a third load in the same process took 0.59–0.71 s against 0.80 s.
 */
const shapeRows = new Map<string, number>();
const FUSED_AFTER_ROWS = 1 << 17;

function failFast(tok: RecordSource, file: string, fields: readonly Field[], code: number, builder: BatchBuilder, columns: readonly number[]): DataFormatError {
  const line = tok.lineNumber();
  const width = fields.length;
  const fix = 'use mode PERMISSIVE (bad values become null) or DROPMALFORMED (bad records are dropped)';
  let msg: string;
  if (code === REC_BAD_VALUE) {
    const f = fields[columns[builder.badColumn]!]!;
    const shown = builder.badText.length > 100 ? builder.badText.slice(0, 100) + '...' : builder.badText;
    msg = `malformed CSV record in ${file} at line ${line}: value '${shown}' of column '${f.name}' is not a valid ${sparkTypeName(f.type)}; ${fix}, or declare column '${f.name}' as string (or fix the data)`;
  } else {
    const what = code === REC_TOO_FEW ? `only ${tok.nf} field${tok.nf === 1 ? '' : 's'}` : `more than ${width} fields`;
    msg = `malformed CSV record in ${file} at line ${line}: found ${what} but the schema has ${width} column${width === 1 ? '' : 's'} (${fields.map((x) => x.name).join(', ')}); ${fix}, or check the 'sep' / 'quote' options`;
  }
  return new DataFormatError(msg, file, line);
}

/**
 * The split-level dictionaries of a cache's scan: the scan's rows are estimated from its bytes
 * (all splits) and the bytes per row of the split's first batch.
 */
function splitDictionaries(scan: { schema: Schema; splits?: readonly CsvSplit[]; splitDictionaryLimit?: number }, split: CsvSplit, builder: BatchBuilder, cols: readonly number[], tok: RecordSource): SplitDictionaries {
  let scanBytes = 0;
  for (const s of scan.splits ?? [split]) scanBytes += s.end - s.start;
  const utf8: number[] = [];
  cols.forEach((c, j) => { if (scan.schema.fields[c]!.type === 'utf8') utf8.push(j); });
  return new SplitDictionaries(builder, utf8, (n) => {
    const perRow = Math.max(1, (tok.recordPos - split.start) / Math.max(1, n - 1));
    return { scan: Math.round(scanBytes / perRow), split: Math.round((split.end - split.start) / perRow) };
  }, scan.splitDictionaryLimit);
}

/**
 * Reads one split: yields Batches of at most BATCH_SIZE rows holding the projected `columns`
 * (indices into `scan.schema`; all when undefined), converting only those fields. Applies the
 * parse mode: PERMISSIVE (missing/bad values → null, extra fields dropped), DROPMALFORMED (such
 * records skipped) or FAILFAST (throws DataFormatError naming file, line, column and value).
 * With `header`, the file's first record is skipped by the split in which it starts.
 * `fused: false` turns off the fused fast path, `true` uses it from the first record (tests
 * compare the two); by default it starts once warm (see `shapeRows`).
 */
export function* readCsvSplit(scan: { schema: Schema; splits?: readonly CsvSplit[]; options: ResolvedCsvOptions; dictionary?: boolean | 'split'; splitDictionaryLimit?: number; fused?: boolean }, split: CsvSplit, columns?: number[]): Iterable<Batch> {
  const fields = scan.schema.fields;
  const o = scan.options;
  const width = fields.length;
  const cols = columns ?? fields.map((_, i) => i);
  for (const c of cols) {
    if (!Number.isInteger(c) || c < 0 || c >= width) throw new IllegalArgumentError(`column index ${c} is out of range for a CSV schema of ${width} columns`);
  }
  const rules = valueRules(o);
  const permissive = o.mode === 'PERMISSIVE';
  // The file's field of each projected column (its header may list the columns in another order).
  const order = split.order;
  const srcCols = order ? cols.map((c) => order[c]!) : cols;
  let maxCol = -1;
  for (const c of srcCols) if (c > maxCol) maxCol = c;
  const store = permissive ? maxCol + 1 : width;
  const stopAfter = permissive ? maxCol + 1 : width + 1;
  const src = openSource(split.file);
  const end = isGzip(split.file) ? Infinity : split.end;
  const intFields = new Uint8Array(store);
  // Numbers are parsed while scanned (and by the fused path) only when no number character is
  // the separator: with sep '1' or '.', "212" is two fields, which a digit loop would read as one.
  const numericSep = /^[0-9.+-]$/.test(o.sep);
  cols.forEach((c, j) => {
    const t = fields[c]!.type;
    if (numericSep) return;
    if ((t === 'int32' || t === 'int64') && srcCols[j]! < store) intFields[srcCols[j]!] = 1;
    else if (t === 'float64' && srcCols[j]! < store) intFields[srcCols[j]!] = 2;
  });
  const tok = openTokenizer(src, o, isGzip(split.file) ? 0 : split.start, end, store, stopAfter, intFields);
  try {
    if (o.header) {
      // The header is the file's first record: skip it in the split where it starts.
      const start = isGzip(split.file) ? 0 : split.start;
      if (start === 0) tok.next();
      else {
        const h = firstRecordStart(src, Buffer.from(o.comment, 'utf8'));
        if (h >= start && h < end) tok.next();
      }
    }
    // A split holds at most one record per byte: small splits get small buffers.
    const capacity = Math.max(1, Math.min(BATCH_SIZE, end - split.start));
    // With split dictionaries the first batch, which decides them and is built plain, is cut short.
    const first = scan.dictionary === 'split' ? Math.min(capacity, FIRST_DICTIONARY_BATCH) : capacity;
    const builder = new BatchBuilder(fields, cols, width, rules, permissive, capacity, srcCols, scan.dictionary === true, first);
    // A cache's scan: one dictionary per split and column (its batches are held until the split ends).
    const dicts = scan.dictionary === 'split' ? splitDictionaries(scan, split, builder, cols, tok) : null;
    const OK = REC_OK;
    let done = 0;
    // The next batch's arrays are sized for the rows the split's remaining bytes hold (at the
    // bytes per row so far, plus 10%), so the split's last batch is not copied shorter.
    const cut = (): Batch | null => {
      done += builder.n;
      const left = (end - tok.recordPos) / Math.max(1, (tok.recordPos - split.start) / done);
      const batch = builder.finish(Math.max(1024, Math.ceil(left * 1.1) + 64));
      if (dicts === null) return batch;
      dicts.add(batch);
      return null;
    };
    // The fused fast path (BatchBuilder.addRun) takes the records it can; each record it leaves
    // goes through the tokenizer and `add`. After a run that added nothing (say a file whose
    // every record is quoted) the next try waits for twice as many records, up to 1024. Its loop
    // is compiled per record shape and needs warming up (V8 runs it interpreted at first), so a
    // thread reads the first FUSED_AFTER_ROWS rows of each shape, and a cache's split its first
    // (plain, dictionary-deciding) batch, through the tokenizer.
    const fast = scan.fused !== false && !numericSep && tok instanceof FastTokenizer && builder.canRun ? tok : null;
    const shape = fast === null ? '' : `${width}|${srcCols.join(',')}|${cols.map((c) => fields[c]!.type).join(',')}|${o.sep}|${o.quote}|${o.comment}`;
    let warmRows = fast === null ? 0 : (shapeRows.get(shape) ?? 0);
    const force = scan.fused === true;
    let wait = 0;
    let backoff = 1;
    for (;;) {
      if (fast !== null && (force || (warmRows >= FUSED_AFTER_ROWS && (dicts === null || done > 0))) && wait-- <= 0) {
        if (fast.runInto(builder) > 0) {
          backoff = 1;
          wait = 0;
          if (builder.full) {
            const b = cut();
            if (b !== null) yield b;
            continue;
          }
        } else {
          wait = backoff;
          if (backoff < 1024) backoff *= 2;
        }
      }
      if (!tok.next()) break;
      if (warmRows < FUSED_AFTER_ROWS && fast !== null && ++warmRows === FUSED_AFTER_ROWS) shapeRows.set(shape, warmRows);
      const code = builder.add(tok);
      if (code !== OK && !permissive) {
        if (o.mode === 'FAILFAST') throw failFast(tok, split.file, fields, code, builder, cols);
        continue;
      }
      if (builder.full) {
        const b = cut();
        if (b !== null) yield b;
      }
    }
    if (fast !== null && warmRows < FUSED_AFTER_ROWS) shapeRows.set(shape, warmRows);
    if (builder.n > 0) {
      if (dicts) dicts.add(builder.finish());
      else yield builder.finish();
    }
    if (dicts) yield* dicts.finish();
  } catch (e) {
    if (e instanceof KindlingError) throw e;
    throw new KindlingError(`failed reading CSV ${split.file}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
  } finally {
    tok.close();
  }
}

/**
 * Batch: a set of equal-length columns with a schema — the unit of data that flows between
 * operators — plus conversions between columns and JS values (rows in, rows out).
 */
import { ArithmeticOverflowError, IllegalArgumentError } from '../errors.js';
import { type DataType, type DecimalType, type Field, type PrimitiveType, MAX_EXACT_INT, MICROS_PER_DAY, MILLIS_PER_DAY, type Row, Schema, type Value, decimalParams, elementType, isDecimal, isList, isMap, isNested, isStruct, listOf, mapEntryType, mapOf, mapTypes, structFields, structOf } from '../types.js';
import { ColumnData, allocValues, binaryFromStrings, concatColumns, decimalColumn, filterColumn, sliceColumn, take, utf8FromStrings } from './column.js';
import { POW10N, checkDecimal, decimalFromDouble, formatDecimal, parseDecimal, writeDecimal } from './decimal.js';
import { parseDate, parseTimestamp } from '../time/iso.js';

/** Rows per batch produced by scans and builders. */
export const BATCH_SIZE = 65_536;

/** A record batch: equal-length columns under a schema. */
export class Batch {
  constructor(
    readonly schema: Schema,
    readonly columns: readonly ColumnData[],
    readonly numRows: number,
  ) {}

  /** An empty batch of the schema. */
  static empty(schema: Schema): Batch {
    return new Batch(schema, schema.fields.map((f) => fromValues(f.type, [])), 0);
  }

  /** Column by index. */
  column(i: number): ColumnData {
    return this.columns[i]!;
  }

  /** Rows [start, end). */
  slice(start: number, end: number): Batch {
    end = Math.min(end, this.numRows);
    return new Batch(this.schema, this.columns.map((c) => sliceColumn(c, start, end)), Math.max(0, end - start));
  }

  /** Rows where mask is 1. */
  filter(mask: Uint8Array, count?: number): Batch {
    let n = count ?? -1;
    if (n < 0) {
      n = 0;
      for (let i = 0; i < this.numRows; i++) n += mask[i]!;
    }
    if (n === this.numRows) return this;
    return new Batch(this.schema, this.columns.map((c) => filterColumn(c, mask, n)), n);
  }

  /** Rows at the given indices. */
  take(indices: Int32Array, count = indices.length): Batch {
    return new Batch(this.schema, this.columns.map((c) => take(c, indices, count)), count);
  }

  /** Value at (row, column) as a JS value. */
  value(row: number, col: number): Value {
    return valueAt(this.columns[col]!, row);
  }

  /** Rows as plain objects (for `collect()`; not for hot paths). */
  toRows(): Row[] {
    const names = this.schema.names;
    const out: Row[] = new Array(this.numRows);
    const getters = this.columns.map((c) => valueGetter(c));
    for (let r = 0; r < this.numRows; r++) {
      const row: Row = {};
      for (let c = 0; c < names.length; c++) row[names[c]!] = getters[c]!(r);
      out[r] = row;
    }
    return out;
  }
}

/** Concatenates batches of one schema into one. */
export function concatBatches(schema: Schema, batches: readonly Batch[]): Batch {
  if (batches.length === 1) return batches[0]!;
  if (batches.length === 0) return Batch.empty(schema);
  const cols = schema.fields.map((f, i) => concatColumns(f.type, batches.map((b) => b.columns[i]!)));
  let n = 0;
  for (const b of batches) n += b.numRows;
  return new Batch(schema, cols, n);
}

/** Merges runs of small batches into batches of about `target` rows (large batches pass through). */
export function compactBatches(schema: Schema, batches: readonly Batch[], target = BATCH_SIZE): Batch[] {
  const out: Batch[] = [];
  let run: Batch[] = [];
  let rows = 0;
  const flush = () => {
    if (run.length) out.push(concatBatches(schema, run));
    run = [];
    rows = 0;
  };
  for (const b of batches) {
    if (b.numRows === 0) continue;
    if (b.numRows >= target) {
      flush();
      out.push(b);
      continue;
    }
    if (rows + b.numRows > target) flush();
    run.push(b);
    rows += b.numRows;
  }
  flush();
  return out;
}

/** Converts days since the epoch to a UTC-midnight Date. */
export function daysToDate(days: number): Date {
  return new Date(days * MILLIS_PER_DAY);
}

/** Converts micros since the epoch to a Date (millisecond precision). */
export function microsToDate(micros: number): Date {
  return new Date(Math.floor(micros / 1000));
}

/** A per-row accessor returning JS values (null for nulls). */
export function valueGetter(col: ColumnData): (i: number) => Value {
  const v = col.validity;
  if (isList(col.type)) {
    const off = col.offsets!;
    const el = valueGetter(col.child!);
    return (i) => {
      if (v && v[i] === 0) return null;
      const out: Value[] = new Array(off[i + 1]! - off[i]!);
      for (let j = off[i]!, k = 0; j < off[i + 1]!; j++, k++) out[k] = el(j);
      return out;
    };
  }
  if (isStruct(col.type)) {
    // A plain object keyed by field name (PySpark's Row).
    const names = structFields(col.type).map((f) => f.name);
    const kids = col.children!.map(valueGetter);
    return (i) => {
      if (v && v[i] === 0) return null;
      const o: { [field: string]: Value } = {};
      for (let k = 0; k < names.length; k++) o[names[k]!] = kids[k]!(i);
      return o;
    };
  }
  if (isMap(col.type)) {
    // A JS Map (PySpark's dict), keys keeping their JS types.
    const off = col.offsets!;
    const key = valueGetter(col.child!.children![0]!);
    const val = valueGetter(col.child!.children![1]!);
    return (i) => {
      if (v && v[i] === 0) return null;
      const m = new Map<Value, Value>();
      for (let j = off[i]!; j < off[i + 1]!; j++) m.set(key(j), val(j));
      return m;
    };
  }
  if (isDecimal(col.type)) {
    // Exact strings (README "Types"): '12345678901234567890.123'.
    const b = col.bigints();
    const { scale } = decimalParams(col.type);
    return (i) => (v && v[i] === 0 ? null : formatDecimal(b[i]!, scale));
  }
  switch (col.type) {
    case 'null': return () => null;
    case 'utf8': {
      const s = col.strings();
      return (i) => s[i] ?? null;
    }
    case 'binary': {
      const off = col.offsets!;
      const bytes = col.bytes!;
      return (i) => (v && v[i] === 0 ? null : bytes.slice(off[i]!, off[i + 1]!));
    }
    case 'boolean': {
      const a = col.values!;
      return (i) => (v && v[i] === 0 ? null : a[i] === 1);
    }
    case 'date32': {
      const a = col.values!;
      return (i) => (v && v[i] === 0 ? null : daysToDate(a[i]!));
    }
    case 'timestamp': {
      const a = col.values!;
      return (i) => (v && v[i] === 0 ? null : microsToDate(a[i]!));
    }
    default: {
      const a = col.values!;
      return (i) => (v && v[i] === 0 ? null : a[i]!);
    }
  }
}

/** Value `i` of a column as a JS value. */
export function valueAt(col: ColumnData, i: number): Value {
  return valueGetter(col)(i);
}

/** Infers a Kindling type from a JS value (for `createDataFrame(rows)`). */
export function typeOfValue(v: unknown): DataType {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return 'boolean';
  // An integral JS number beyond ±2^53 is not an exact integer: it is a double.
  if (typeof v === 'number') return !Number.isInteger(v) ? 'float64' : Math.abs(v) <= 2147483647 ? 'int32' : Math.abs(v) <= MAX_EXACT_INT ? 'int64' : 'float64';
  if (typeof v === 'bigint') return 'int64';
  if (typeof v === 'string') return 'utf8';
  if (v instanceof Date) return 'timestamp';
  if (v instanceof Uint8Array) return 'binary';
  if (Array.isArray(v)) {
    let t: DataType = 'null';
    for (const x of v) {
      const xt = typeOfValue(x);
      if (isNested(xt)) throw new IllegalArgumentError('arrays of arrays, objects or Maps are not inferred; pass a schema (e.g. \'l array<struct<a:int>>\')');
      t = t === 'null' ? xt : xt === 'null' || xt === t ? t : ['int32', 'int64', 'float64'].includes(t) && ['int32', 'int64', 'float64'].includes(xt) ? 'float64' : 'utf8';
    }
    return listOf(t === 'null' ? 'utf8' : t);
  }
  if (v instanceof Map) {
    // A Map is a map column (keys and values of one scalar type each).
    let k: DataType = 'null';
    let t: DataType = 'null';
    for (const [x, y] of v) {
      k = widenForRows(k, typeOfValue(x), 'map key');
      t = widenForRows(t, typeOfValue(y), 'map value');
    }
    return mapOf(k === 'null' ? 'utf8' : k, t === 'null' ? 'utf8' : t);
  }
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    // A plain object is a struct (PySpark's Row).
    if (Object.keys(v).length === 0) throw new IllegalArgumentError('unsupported value {}: an empty object has no fields to infer a struct from; pass a schema or drop the value');
    return structOf(Object.entries(v as Record<string, unknown>).map(([name, x]) => ({ name, type: typeOfValue(x) })));
  }
  throw new IllegalArgumentError(`unsupported value ${JSON.stringify(v)} of JS type ${typeof v}: Kindling columns hold booleans, numbers, bigints, strings, Dates, arrays, plain objects (structs), Maps or null`);
}

/** Converts a JS value to the numeric storage of `type` (no null handling). */
function toStorage(type: DataType, v: unknown): number {
  switch (type) {
    case 'boolean': return v ? 1 : 0;
    case 'date32':
      if (v instanceof Date) return Math.floor(v.getTime() / MILLIS_PER_DAY);
      if (typeof v === 'string') return parseDate(v) ?? NaN;
      return Number(v);
    case 'timestamp':
      if (v instanceof Date) return v.getTime() * 1000;
      if (typeof v === 'string') return parseTimestamp(v) ?? NaN;
      return Number(v);
    case 'int64': {
      const n = Number(v);
      if (typeof v === 'bigint' && (v > BigInt(MAX_EXACT_INT) || v < -BigInt(MAX_EXACT_INT))) {
        throw new ArithmeticOverflowError(`int64 value ${v} is outside the exact range ±2^53 that Kindling supports`);
      }
      return n;
    }
    default: return Number(v);
  }
}

/**
 * Builds a column of `type` from JS values (nulls allowed). A value whose storage is NaN outside
 * a double column (an invalid `Date`, an unparsable date string) becomes null, as Spark makes
 * unparsable dates null.
 */
export function fromValues(type: DataType, values: readonly unknown[]): ColumnData {
  const n = values.length;
  if (type === 'null') return new ColumnData('null', n, null, null);
  if (type === 'utf8') return utf8FromStrings(values.map((v) => (v == null ? null : String(v))));
  if (type === 'binary') return binaryFromStrings(values.map(byteString));
  if (isNested(type)) return nestedFromValues(type, values, fromValues);
  if (isDecimal(type)) return decimalFromValues(type, values);
  const out = allocValues(type, n);
  let validity: Uint8Array | null = null;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v) && type !== 'float64')) {
      if (!validity) {
        validity = new Uint8Array(n);
        validity.fill(1, 0, i);
      }
      continue;
    }
    const x = toStorage(type, v);
    if (x !== x && type !== 'float64') {
      if (!validity) {
        validity = new Uint8Array(n);
        validity.fill(1, 0, i);
      }
      continue;
    }
    if (validity) validity[i] = 1;
    out[i] = x;
  }
  return new ColumnData(type, n, out, validity);
}

/**
 * Builds a column from storage values as generated code produces them (see `ColumnData.objects`):
 * like `fromValues`, but decimals are unscaled bigints.
 */
export function fromStorage(type: DataType, values: readonly unknown[]): ColumnData {
  if (isNested(type)) return nestedFromValues(type, values, fromStorage);
  if (isDecimal(type)) {
    let validity: Uint8Array | null = null;
    for (let i = 0; i < values.length; i++) if (values[i] == null) { validity ??= new Uint8Array(values.length).fill(1); validity[i] = 0; }
    return decimalColumn(type, values as bigint[], validity);
  }
  return fromValues(type, values);
}

/**
 * A list, struct or map column from per-row values, with `leaf` building the children: lists
 * from arrays; structs from arrays of field values (storage) or objects keyed by field name (rows);
 * maps from JS Maps or plain objects (string keys).
 */
function nestedFromValues(type: DataType, values: readonly unknown[], leaf: (t: DataType, v: readonly unknown[]) => ColumnData): ColumnData {
  const n = values.length;
  let validity = null as Uint8Array | null;
  const markNull = (i: number) => {
    if (!validity) { validity = new Uint8Array(n); validity.fill(1, 0, i); }
  };
  if (isStruct(type)) {
    const fields = structFields(type);
    const cols: unknown[][] = fields.map(() => new Array(n));
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v == null) {
        markNull(i);
        for (const c of cols) c[i] = null;
        continue;
      }
      if (validity) validity[i] = 1;
      if (Array.isArray(v)) for (let k = 0; k < fields.length; k++) cols[k]![i] = v[k] ?? null;
      else if (typeof v === 'object') for (let k = 0; k < fields.length; k++) cols[k]![i] = (v as Record<string, unknown>)[fields[k]!.name] ?? null;
      else throw new IllegalArgumentError(`expected an object for a ${type} column, got ${JSON.stringify(v)}`);
    }
    return new ColumnData(type, n, null, validity, null, null, null, fields.map((f, k) => leaf(f.type, cols[k]!)));
  }
  const offsets = new Int32Array(n + 1);
  const flat: unknown[] = [];
  const flatValues: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v == null) {
      markNull(i);
    } else {
      if (validity) validity[i] = 1;
      if (isList(type)) {
        if (!Array.isArray(v)) throw new IllegalArgumentError(`expected an array for a ${type} column, got ${JSON.stringify(v)}`);
        for (const x of v) flat.push(x);
      } else if (v instanceof Map) {
        for (const [k, x] of v) { flat.push(k); flatValues.push(x); }
      } else if (typeof v === 'object' && !Array.isArray(v)) {
        for (const [k, x] of Object.entries(v)) { flat.push(k); flatValues.push(x); }
      } else {
        throw new IllegalArgumentError(`expected a Map for a ${type} column, got ${JSON.stringify(v)}`);
      }
    }
    offsets[i + 1] = flat.length;
  }
  if (isList(type)) return new ColumnData(type, n, null, validity, offsets, null, leaf(elementType(type), flat));
  const mt = type as `map<${string}>`;
  const { key, value } = mapTypes(mt);
  const entries = new ColumnData(mapEntryType(mt), flat.length, null, null, null, null, null, [leaf(key, flat), leaf(value, flatValues)]);
  return new ColumnData(type, n, null, validity, offsets, null, entries);
}

/**
 * The unscaled value of a JS value in a decimal column: a decimal string (exact; extra fractional
 * digits round HALF_UP, as Spark's cast), a number (from its shortest decimal text) or a bigint
 * (an integer). Null when the value is not a number; ArithmeticOverflowError when it does not fit.
 */
export function decimalStorage(type: DecimalType, v: unknown): bigint | null {
  const { scale } = decimalParams(type);
  let x: bigint | null;
  if (typeof v === 'bigint') x = v * POW10N[scale]!;
  else if (typeof v === 'number') x = decimalFromDouble(v, scale);
  else if (typeof v === 'string') x = parseDecimal(v, scale);
  else x = null;
  return x === null ? null : checkDecimal(x, type, `value ${typeof v === 'bigint' ? `${v}n` : String(v)}`);
}

function decimalFromValues(type: DecimalType, values: readonly unknown[]): ColumnData {
  const n = values.length;
  const out = allocValues(type, n) as Int32Array;
  let validity: Uint8Array | null = null;
  for (let i = 0; i < n; i++) {
    const x = values[i] == null ? null : decimalStorage(type, values[i]);
    if (x === null) {
      if (!validity) {
        validity = new Uint8Array(n);
        validity.fill(1, 0, i);
      }
      continue;
    }
    if (validity) validity[i] = 1;
    writeDecimal(out, i, x);
  }
  return new ColumnData(type, n, out, validity);
}

/** A column of one value repeated `n` times. */
export function constantColumn(type: DataType, value: unknown, n: number): ColumnData {
  if (value === null || value === undefined || isNested(type)) return fromStorage(type, new Array(n).fill(value ?? null));
  if (type === 'utf8') {
    const s = String(value);
    const enc = Buffer.from(s, 'utf8');
    const bytes = new Uint8Array(enc.length * n);
    const offsets = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) {
      bytes.set(enc, i * enc.length);
      offsets[i + 1] = (i + 1) * enc.length;
    }
    return new ColumnData('utf8', n, null, null, offsets, bytes);
  }
  if (type === 'null') return new ColumnData('null', n, null, null);
  if (type === 'binary') return binaryFromStrings(new Array<string | null>(n).fill(value instanceof Uint8Array ? byteString(value) : String(value)));
  if (isDecimal(type)) return decimalFromValues(type, new Array(n).fill(value));
  const out = allocValues(type, n);
  out.fill(toStorage(type, value));
  return new ColumnData(type, n, out, null);
}

/** Spark's name of a type in schema-verification messages (PySpark's `IntegerType`, `ArrayType(LongType)`). */
function sparkClassName(t: DataType): string {
  if (isList(t)) return `ArrayType(${sparkClassName(elementType(t))})`;
  if (isStruct(t)) return `StructType([${structFields(t).map((f) => `StructField('${f.name}', ${sparkClassName(f.type)})`).join(', ')}])`;
  if (isMap(t)) return `MapType(${sparkClassName(mapTypes(t).key)}, ${sparkClassName(mapTypes(t).value)})`;
  if (isDecimal(t)) return `DecimalType(${decimalParams(t).precision},${decimalParams(t).scale})`;
  return { boolean: 'BooleanType', int32: 'IntegerType', int64: 'LongType', float64: 'DoubleType', utf8: 'StringType', date32: 'DateType', timestamp: 'TimestampType', null: 'NullType', binary: 'BinaryType' }[t as PrimitiveType];
}

/** A value as PySpark's messages show it: strings quoted, objects as JSON. */
function reprValue(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
  if (typeof v === 'object' && v !== null) {
    try {
      return JSON.stringify(v);
    } catch {
      return String(v);
    }
  }
  return typeof v === 'bigint' ? `${v}n` : String(v);
}

function jsTypeName(v: unknown): string {
  return v instanceof Date ? 'Date' : Array.isArray(v) ? 'array' : typeof v;
}

/**
 * Whether a non-null JS value fits a column type as `createDataFrame(rows, schema)` accepts it
 * (PySpark's schema verification): 'ok', 'type' (wrong kind of value) or 'range' (an integer
 * outside the type's range; int64 holds integers within ±2^53).
 */
type Fit = 'ok' | 'type' | 'range';
function valueFit(type: DataType): (v: unknown) => Fit {
  if (isList(type)) {
    const el = valueFit(elementType(type));
    return (v) => {
      if (!Array.isArray(v)) return 'type';
      for (const x of v) {
        const f = x === null || x === undefined ? 'ok' : el(x);
        if (f !== 'ok') return f;
      }
      return 'ok';
    };
  }
  if (isStruct(type)) {
    const fits = structFields(type).map((f) => ({ name: f.name, fit: valueFit(f.type) }));
    return (v) => {
      if (typeof v !== 'object' || v === null || v instanceof Date || v instanceof Map) return 'type';
      for (let k = 0; k < fits.length; k++) {
        const x = Array.isArray(v) ? v[k] : (v as Record<string, unknown>)[fits[k]!.name];
        const f = x === null || x === undefined ? 'ok' : fits[k]!.fit(x);
        if (f !== 'ok') return f;
      }
      return 'ok';
    };
  }
  if (isMap(type)) {
    const kf = valueFit(mapTypes(type).key);
    const vf = valueFit(mapTypes(type).value);
    return (v) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Date) return 'type';
      for (const [k, x] of v instanceof Map ? v : Object.entries(v)) {
        const f = k === null || k === undefined ? 'type' : kf(k);
        if (f !== 'ok') return f;
        const g = x === null || x === undefined ? 'ok' : vf(x);
        if (g !== 'ok') return g;
      }
      return 'ok';
    };
  }
  /** Integers in [lo, hi]. */
  const integer = (lo: number, hi: number) => (v: unknown): Fit => {
    if (typeof v === 'number') return !Number.isInteger(v) ? 'type' : v < lo || v > hi ? 'range' : 'ok';
    if (typeof v === 'bigint') return v > BigInt(hi) || v < BigInt(lo) ? 'range' : 'ok';
    return 'type';
  };
  if (isDecimal(type)) {
    return (v) => {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'bigint') return 'type';
      try {
        return decimalStorage(type, v) === null ? 'type' : 'ok';
      } catch {
        return 'range';
      }
    };
  }
  switch (type as PrimitiveType) {
    case 'int32': return integer(-2147483648, 2147483647);
    case 'int64': return integer(-MAX_EXACT_INT, MAX_EXACT_INT);
    case 'float64': return (v) => (typeof v === 'number' ? 'ok' : 'type');
    case 'utf8': return (v) => (typeof v === 'string' ? 'ok' : 'type');
    case 'boolean': return (v) => (typeof v === 'boolean' ? 'ok' : 'type');
    case 'date32': return (v) => (v instanceof Date || (typeof v === 'string' && parseDate(v) !== null) ? 'ok' : 'type');
    case 'timestamp': return (v) => (v instanceof Date || (typeof v === 'string' && parseTimestamp(v) !== null) ? 'ok' : 'type');
    case 'null': return () => 'type';
    case 'binary': return (v) => (v instanceof Uint8Array ? 'ok' : 'type');
  }
}

/** A JS value as a binary column's byte string (one char per byte): a Uint8Array's bytes, a string's UTF-8 bytes (Spark's cast). */
function byteString(v: unknown): string | null {
  if (v == null) return null;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).latin1Slice(0, v.byteLength);
  return Buffer.from(String(v), 'utf8').toString('latin1');
}

/**
 * Checks rows against a given schema, one column at a time, and names the first value that does
 * not fit: its column, row, value and type (PySpark: "IntegerType can not accept object 'x'").
 */
export function checkRowsFitSchema(rows: readonly Record<string, unknown>[], schema: Schema, method = 'createDataFrame()'): void {
  for (const f of schema.fields) {
    const fit = valueFit(f.type);
    for (let r = 0; r < rows.length; r++) {
      const v = rows[r]![f.name];
      if (v === null || v === undefined) continue;
      const res = fit(v);
      if (res === 'ok') continue;
      const where = `${method}: field ${f.name}, row ${r}`;
      if (res === 'range') {
        const hint = f.type === 'int32' ? "; declare the column 'BIGINT'" : isDecimal(f.type) ? `; declare a decimal with more digits before the point (up to decimal(38,s))` : ' (long values are exact within ±2^53)';
        throw new ArithmeticOverflowError(`${where}: object of ${sparkClassName(f.type)} out of range, got ${reprValue(v)}${hint}`);
      }
      const hint = isList(f.type) && Array.isArray(v) ? ' (an element does not fit)' : '';
      throw new IllegalArgumentError(`${where}: ${sparkClassName(f.type)} can not accept object ${reprValue(v)} of type ${jsTypeName(v)}${hint}; make the value fit the schema or change the column's type`);
    }
  }
}

/**
 * Builds a batch from plain row objects, inferring a schema unless one is given. Values are
 * checked against a given schema first (`checkRowsFitSchema`).
 */
export function batchFromRows(rows: readonly Record<string, unknown>[], schema?: Schema): Batch {
  if (schema) checkRowsFitSchema(rows, schema);
  if (!schema) {
    const names: string[] = [];
    const types = new Map<string, DataType>();
    for (let i = 0; i < rows.length; i++) {
      for (const [k, v] of Object.entries(rows[i]!)) {
        if (!types.has(k)) {
          names.push(k);
          types.set(k, 'null');
        }
        let t: DataType;
        try {
          t = typeOfValue(v);
        } catch (e) {
          if (e instanceof IllegalArgumentError) throw new IllegalArgumentError(`createDataFrame(): field ${k}, row ${i}: ${e.message}`);
          throw e;
        }
        const prev = types.get(k)!;
        types.set(k, widenForRows(prev, t, k));
      }
    }
    schema = new Schema(names.map((name) => ({ name, type: types.get(name)!, nullable: true })));
  }
  const cols = schema.fields.map((f: Field) => fromValues(f.type, rows.map((r) => r[f.name])));
  return new Batch(schema, cols, rows.length);
}

function widenForRows(a: DataType, b: DataType, name: string): DataType {
  if (a === b || b === 'null') return a;
  if (a === 'null') return b;
  if (isList(a) && isList(b)) return 'list<utf8>';
  if (isStruct(a) && isStruct(b)) {
    const fa = structFields(a);
    const fb = structFields(b);
    if (fa.length === fb.length && fa.every((f, i) => f.name === fb[i]!.name)) return structOf(fa.map((f, i) => ({ name: f.name, type: widenForRows(f.type, fb[i]!.type, `${name}.${f.name}`) })));
  }
  const num = ['int32', 'int64', 'float64'];
  if (num.includes(a) && num.includes(b)) return num[Math.max(num.indexOf(a), num.indexOf(b))] as DataType;
  throw new IllegalArgumentError(`column '${name}' mixes values of types ${a} and ${b}; give an explicit schema or make the values one type`);
}

export { MICROS_PER_DAY };

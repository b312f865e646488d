/**
 * Kindling's logical data types, fields and schemas, and the rules that relate them
 * (numeric widening, common super types, the JS value mapping).
 *
 * JS mapping (see README "Types"):
 *  - boolean   → boolean
 *  - int32     → number
 *  - int64     → number, exact in ±2^53; a value outside that range raises `ArithmeticOverflowError`
 *  - float64   → number
 *  - utf8      → string
 *  - binary    → Uint8Array (stored like utf8: offsets + bytes)
 *  - date32    → `Date` at UTC midnight (stored as days since the epoch)
 *  - timestamp → `Date` (stored as microseconds since the epoch, UTC; `Date` keeps milliseconds)
 *  - null      → null
 *  - list<T>   → an array of T's JS values (Spark's array<T>; T may be any type)
 *  - struct<a:T,...> → a plain object keyed by field name (PySpark's Row), e.g. { a: 1, b: 'x' }
 *  - map<K,V>  → a JS `Map` from K's JS values to V's (PySpark's dict; keys keep their types)
 *  - decimal(p,s) → the exact decimal as a string, e.g. '12345678901234567890.123' (Spark's
 *                DecimalType; stored as Arrow Decimal128, see src/data/decimal.ts)
 */

import { IllegalArgumentError } from './errors.js';

/** The scalar column types. */
export type PrimitiveType = 'boolean' | 'int32' | 'int64' | 'float64' | 'utf8' | 'date32' | 'timestamp' | 'null' | 'binary';

/** An array (Spark's `array<T>`), e.g. the result of `split` or `collect_list`; the element may be any type. */
export type ListType = `list<${string}>`;

/** A struct (Spark's `struct<a:T,...>`), written `struct<a:int32,b:utf8>` (names needing it in backticks). */
export type StructType = `struct<${string}>`;

/** A map (Spark's `map<K,V>`), written `map<utf8,int64>`. */
export type MapType = `map<${string}>`;

/** An exact decimal with precision p (1..38 digits) and scale s (0..p digits after the point): Spark's `decimal(p,s)`. */
export type DecimalType = `decimal(${number},${number})`;

/** The logical column types Kindling supports. */
export type DataType = PrimitiveType | ListType | DecimalType | StructType | MapType;

/** Largest decimal precision (Spark's and Arrow Decimal128's: 38 digits). */
export const MAX_DECIMAL_PRECISION = 38;

/** True for `decimal(p,s)` types. */
export function isDecimal(t: DataType): t is DecimalType {
  return t.charCodeAt(0) === 100 && t.startsWith('decimal(');
}

/** The type `decimal(p,s)`; throws IllegalArgumentError for p outside 1..38 or s outside 0..p. */
export function decimalType(precision: number, scale: number): DecimalType {
  if (!Number.isInteger(precision) || !Number.isInteger(scale) || precision < 1 || precision > MAX_DECIMAL_PRECISION || scale < 0 || scale > precision) {
    throw new IllegalArgumentError(`decimal(${precision},${scale}) is not a valid decimal type: precision must be 1..${MAX_DECIMAL_PRECISION} and scale 0..precision`);
  }
  return `decimal(${precision},${scale})`;
}

/** Precision and scale of a decimal type. */
export function decimalParams(t: DecimalType): { precision: number; scale: number } {
  const comma = t.indexOf(',');
  return { precision: Number(t.slice(8, comma)), scale: Number(t.slice(comma + 1, -1)) };
}

/** Spark's `DecimalType.bounded`: precision and scale capped at 38. */
export function boundedDecimal(precision: number, scale: number): DecimalType {
  return decimalType(Math.min(Math.max(precision, 1), MAX_DECIMAL_PRECISION), Math.min(Math.max(scale, 0), MAX_DECIMAL_PRECISION));
}

/**
 * Spark's `DecimalPrecision.adjustPrecisionScale` (spark.sql.decimalOperations.allowPrecisionLoss
 * = true): a result type wider than 38 digits keeps its integer digits and gives up scale, down to
 * min(scale, 6) digits.
 */
export function adjustedDecimal(precision: number, scale: number): DecimalType {
  if (precision <= MAX_DECIMAL_PRECISION) return decimalType(Math.max(precision, 1), scale);
  const intDigits = precision - scale;
  const minScale = Math.min(scale, 6);
  return decimalType(MAX_DECIMAL_PRECISION, Math.max(MAX_DECIMAL_PRECISION - intDigits, minScale));
}

/** The decimal type an integral or decimal type converts to without loss (Spark's `DecimalType.forType`): int → decimal(10,0), long → decimal(20,0). */
export function asDecimal(t: DataType): DecimalType | undefined {
  if (isDecimal(t)) return t;
  if (t === 'int32') return 'decimal(10,0)';
  if (t === 'int64') return 'decimal(20,0)';
  return undefined;
}

/** Spark's `widerDecimalType`: enough integer digits and scale for both (bounded at 38). */
export function widerDecimal(a: DecimalType, b: DecimalType): DecimalType {
  const x = decimalParams(a);
  const y = decimalParams(b);
  const scale = Math.max(x.scale, y.scale);
  const range = Math.max(x.precision - x.scale, y.precision - y.scale);
  return boundedDecimal(range + scale, scale);
}

/** All scalar data types, in a stable order. */
export const DATA_TYPES: readonly PrimitiveType[] = ['boolean', 'int32', 'int64', 'float64', 'utf8', 'date32', 'timestamp', 'null', 'binary'];

/** True for `list<T>` types. */
export function isList(t: DataType): t is ListType {
  return t.startsWith('list<');
}

/** The element type of a list type. */
export function elementType(t: ListType): DataType {
  return t.slice(5, -1) as DataType;
}

/** The list type of an element type. */
export function listOf(t: DataType): ListType {
  return `list<${t}>`;
}

/** True for `struct<...>` types. */
export function isStruct(t: DataType): t is StructType {
  return t.startsWith('struct<');
}

/** True for `map<K,V>` types. */
export function isMap(t: DataType): t is MapType {
  return t.startsWith('map<');
}

/** True for the nested types (list, struct, map), whose values are JS objects in generated code. */
export function isNested(t: DataType): t is ListType | StructType | MapType {
  return isList(t) || isStruct(t) || isMap(t);
}

/** How to get a groupable / sortable key out of a struct or map (for errors refusing them as keys). */
export function nestedKeyHint(t: DataType): string {
  if (isMap(t)) return 'map values cannot be compared (Spark refuses them as keys too); derive a key with map_keys(), element_at() or to_json()';
  if (isStruct(t)) return 'use its fields (s.a, s.b) or to_json(s) as the key';
  return 'use array_join() or size() to derive a key';
}

/** A struct field name as written inside a type string (backticks when it is not a plain identifier). */
function quoteFieldName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : '`' + name.replace(/`/g, '``') + '`';
}

/** The struct type with the given fields (every field nullable, as Spark's `struct()` makes them). */
export function structOf(fields: readonly { readonly name: string; readonly type: DataType }[]): StructType {
  return `struct<${fields.map((f) => `${quoteFieldName(f.name)}:${f.type}`).join(',')}>`;
}

/** The map type from K to V. */
export function mapOf(key: DataType, value: DataType): MapType {
  return `map<${key},${value}>`;
}

const structFieldCache = new Map<string, readonly Field[]>();

/** The fields of a struct type (all nullable). */
export function structFields(t: StructType): readonly Field[] {
  let hit = structFieldCache.get(t);
  if (!hit) {
    const parsed = parseTypeName(t);
    if (!parsed || !isStruct(parsed)) throw new Error(`internal error: malformed struct type ${t}`);
    hit = splitTopLevel(t.slice(7, -1)).map((part) => parseStructField(part)!);
    structFieldCache.set(t, hit);
  }
  return hit;
}

/** Key and value types of a map type. */
export function mapTypes(t: MapType): { key: DataType; value: DataType } {
  const [k, v] = splitTopLevel(t.slice(4, -1));
  return { key: k as DataType, value: v as DataType };
}

/** The struct type of a map's entries (Arrow's Map layout: a list of key/value structs). */
export function mapEntryType(t: MapType): StructType {
  const { key, value } = mapTypes(t);
  return structOf([{ name: 'key', type: key }, { name: 'value', type: value }]);
}

/** Splits `s` at top-level commas (outside <>, () and backticks). */
export function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '`') quoted = !quoted;
    else if (quoted) continue;
    else if (c === '<' || c === '(') depth++;
    else if (c === '>' || c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  if (s.trim() !== '' || out.length) out.push(s.slice(start));
  return out;
}

/** One `name:type` / `name type` part of a struct type or DDL schema; undefined when malformed. */
function parseStructField(part: string): Field | undefined {
  const m = /^\s*(?:`((?:[^`]|``)*)`|([A-Za-z_][A-Za-z0-9_]*))\s*(?::|\s)\s*([\s\S]+?)\s*(?:\s+NOT\s+NULL)?\s*$/i.exec(part);
  if (!m) return undefined;
  const type = parseTypeName(m[3]!);
  if (!type) return undefined;
  return { name: m[1] !== undefined ? m[1].replace(/``/g, '`') : m[2]!, type, nullable: true };
}

/**
 * Parses a schema in Spark's DDL form (`'a INT, b STRUCT<c: STRING>'`, as `from_json` takes it)
 * or a single struct type (`'struct<a:int>'`) into its fields; undefined when malformed.
 */
export function parseDdlSchema(ddl: string): Field[] | undefined {
  const whole = /^\s*struct\s*</i.test(ddl) ? parseTypeName(ddl) : undefined;
  if (whole && isStruct(whole)) return [...structFields(whole)];
  const parts = splitTopLevel(ddl);
  if (!parts.length) return undefined;
  const fields: Field[] = [];
  for (const p of parts) {
    const f = parseStructField(p);
    if (!f) return undefined;
    fields.push(f);
  }
  return fields;
}

/** One named, typed column of a schema. */
export interface Field {
  /** Column name as the user sees it. */
  readonly name: string;
  /** Logical type. */
  readonly type: DataType;
  /** Whether the column may hold nulls. */
  readonly nullable: boolean;
  /**
   * Internal: the names (DataFrame plan ids, table aliases) this column can be qualified by,
   * so `df1.col('id')` and SQL `t.id` resolve after a join.
   */
  readonly qualifiers?: readonly string[];
}

/** An ordered list of fields. */
export class Schema {
  constructor(readonly fields: readonly Field[]) {}

  /** Column names in order. */
  get names(): string[] {
    return this.fields.map((f) => f.name);
  }

  /** Number of columns. */
  get length(): number {
    return this.fields.length;
  }

  /** Index of the column `name` (case-insensitive, like Spark's default), or -1. */
  indexOf(name: string): number {
    const exact = this.fields.findIndex((f) => f.name === name);
    if (exact >= 0) return exact;
    const lower = name.toLowerCase();
    return this.fields.findIndex((f) => f.name.toLowerCase() === lower);
  }

  /** Spark-style `printSchema()` tree. */
  treeString(): string {
    const lines = ['root'];
    for (const f of this.fields) treeLines(lines, ' |', f.name, f.type, `(nullable = ${f.nullable})`);
    return lines.join('\n') + '\n';
  }

  /** `[name, type]` pairs, like PySpark's `df.dtypes`. */
  dtypes(): [string, string][] {
    return this.fields.map((f) => [f.name, sparkSimpleName(f.type)]);
  }
}

/** Adds the printSchema lines of one field (and its nested fields) at `prefix`. */
function treeLines(lines: string[], prefix: string, name: string, t: DataType, suffix: string): void {
  const head = isList(t) ? 'array' : isStruct(t) ? 'struct' : isMap(t) ? 'map' : sparkTypeName(t);
  lines.push(`${prefix}-- ${name}: ${head}${suffix ? ' ' + suffix : ''}`);
  const inner = prefix + '    |';
  if (isList(t)) treeLines(lines, inner, 'element', elementType(t), '(containsNull = true)');
  else if (isStruct(t)) for (const f of structFields(t)) treeLines(lines, inner, f.name, f.type, `(nullable = ${f.nullable})`);
  else if (isMap(t)) {
    const { key, value } = mapTypes(t);
    treeLines(lines, inner, 'key', key, '');
    treeLines(lines, inner, 'value', value, '(valueContainsNull = true)');
  }
}

/** Spark's `printSchema` name for a type. */
export function sparkTypeName(t: DataType): string {
  if (isList(t) || isStruct(t) || isMap(t)) return sparkSimpleName(t);
  if (isDecimal(t)) return t;
  switch (t) {
    case 'boolean': return 'boolean';
    case 'int32': return 'integer';
    case 'int64': return 'long';
    case 'float64': return 'double';
    case 'utf8': return 'string';
    case 'date32': return 'date';
    case 'timestamp': return 'timestamp';
    case 'null': return 'void';
    case 'binary': return 'binary';
  }
}

/** Spark's `dtypes` / simpleString name for a type. */
export function sparkSimpleName(t: DataType): string {
  if (isList(t)) return `array<${sparkSimpleName(elementType(t))}>`;
  if (isStruct(t)) return `struct<${structFields(t).map((f) => `${quoteFieldName(f.name)}:${sparkSimpleName(f.type)}`).join(',')}>`;
  if (isMap(t)) return `map<${sparkSimpleName(mapTypes(t).key)},${sparkSimpleName(mapTypes(t).value)}>`;
  if (isDecimal(t)) return t;
  switch (t) {
    case 'int32': return 'int';
    case 'int64': return 'bigint';
    case 'null': return 'void';
    default: return sparkTypeName(t);
  }
}

/**
 * Parses a type name as written by users (`'int'`, `'long'`, `'string'`, `'double'`,
 * `'decimal(10,2)'`, ...). Returns undefined if unknown. `decimal` / `numeric` / `dec` without
 * parameters is decimal(10,0), and `decimal(p)` is decimal(p,0), as in Spark; a precision or
 * scale out of range throws an IllegalArgumentError that says so.
 */
export function parseTypeName(name: string): DataType | undefined {
  const arr = /^\s*(?:array|list)\s*<([\s\S]*)>\s*$/i.exec(name);
  if (arr) {
    const inner = parseTypeName(arr[1]!);
    return inner ? listOf(inner) : undefined;
  }
  const st = /^\s*struct\s*<([\s\S]*)>\s*$/i.exec(name);
  if (st) {
    const fields: Field[] = [];
    for (const part of splitTopLevel(st[1]!)) {
      const f = parseStructField(part);
      if (!f) return undefined;
      fields.push(f);
    }
    return structOf(fields);
  }
  const mp = /^\s*map\s*<([\s\S]*)>\s*$/i.exec(name);
  if (mp) {
    const parts = splitTopLevel(mp[1]!);
    const k = parts.length === 2 ? parseTypeName(parts[0]!) : undefined;
    const v = parts.length === 2 ? parseTypeName(parts[1]!) : undefined;
    return k && v ? mapOf(k, v) : undefined;
  }
  const dec = /^\s*(?:decimal|numeric|dec)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*$/i.exec(name);
  if (dec) return decimalType(dec[1] === undefined ? 10 : Number(dec[1]), dec[2] === undefined ? 0 : Number(dec[2]));
  switch (name.trim().toLowerCase()) {
    case 'boolean': case 'bool': return 'boolean';
    case 'int': case 'integer': case 'int32': case 'smallint': case 'tinyint': case 'short': case 'byte': return 'int32';
    case 'long': case 'bigint': case 'int64': return 'int64';
    case 'double': case 'float': case 'float64': case 'real': return 'float64';
    case 'string': case 'varchar': case 'char': case 'text': case 'utf8': return 'utf8';
    case 'date': case 'date32': return 'date32';
    case 'timestamp': case 'timestamp_ntz': case 'timestamp_ltz': case 'datetime': return 'timestamp';
    case 'void': case 'null': return 'null';
    case 'binary': return 'binary';
    default: return undefined;
  }
}

/** True for int32, int64, float64. */
export function isNumeric(t: DataType): boolean {
  return t === 'int32' || t === 'int64' || t === 'float64';
}

/** True for int32, int64. */
export function isIntegral(t: DataType): boolean {
  return t === 'int32' || t === 'int64';
}

/** True for date32, timestamp. */
export function isTemporal(t: DataType): boolean {
  return t === 'date32' || t === 'timestamp';
}

const NUMERIC_RANK: Record<string, number> = { int32: 1, int64: 2, float64: 3 };

/**
 * The smallest type both `a` and `b` widen to without loss, as Spark's implicit casts do
 * (null widens to anything; ints widen to long and double; date widens to timestamp). Undefined if none.
 */
export function commonType(a: DataType, b: DataType): DataType | undefined {
  if (a === b) return a;
  if (a === 'null') return b;
  if (b === 'null') return a;
  if (isNumeric(a) && isNumeric(b)) return NUMERIC_RANK[a]! >= NUMERIC_RANK[b]! ? a : b;
  if (isDecimal(a) || isDecimal(b)) {
    // Spark: decimal with double → double; with int / long → the wider decimal.
    if (a === 'float64' || b === 'float64') return (isDecimal(a) || isNumeric(a)) && (isDecimal(b) || isNumeric(b)) ? 'float64' : undefined;
    const x = asDecimal(a);
    const y = asDecimal(b);
    return x && y ? widerDecimal(x, y) : undefined;
  }
  if (isTemporal(a) && isTemporal(b)) return 'timestamp';
  return undefined;
}

/** The Spark numeric type of arithmetic between `a` and `b` (`+ - *`). */
export function arithmeticType(a: DataType, b: DataType): DataType | undefined {
  const t = commonType(a, b);
  if (t === 'null') return 'null';
  return t && (isNumeric(t) || isDecimal(t)) ? t : undefined;
}

/** Largest integer exactly representable as a JS number (2^53 - 1). */
export const MAX_EXACT_INT = Number.MAX_SAFE_INTEGER;

/** Microseconds per day. */
export const MICROS_PER_DAY = 86_400_000_000;
/** Milliseconds per day. */
export const MILLIS_PER_DAY = 86_400_000;

/** A JS value as Kindling hands it out in rows (`collect()`); decimals come out as exact strings. */
export type Value = boolean | number | string | Date | null | Value[] | Uint8Array | { [field: string]: Value } | Map<Value, Value>;

/** A row as `collect()` returns it: column name → value. */
export type Row = Record<string, Value>;

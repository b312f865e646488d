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
 *  - date32    → `Date` at UTC midnight (stored as days since the epoch)
 *  - timestamp → `Date` (stored as microseconds since the epoch, UTC; `Date` keeps milliseconds)
 *  - null      → null
 *  - list<T>   → an array of T's JS values (Spark's array<T>)
 */

/** The scalar column types. */
export type PrimitiveType = 'boolean' | 'int32' | 'int64' | 'float64' | 'utf8' | 'date32' | 'timestamp' | 'null';

/** An array of a scalar type (Spark's `array<T>`), e.g. the result of `split` or `collect_list`. */
export type ListType = `list<${PrimitiveType}>`;

/** The logical column types Kindling supports. */
export type DataType = PrimitiveType | ListType;

/** All scalar data types, in a stable order. */
export const DATA_TYPES: readonly PrimitiveType[] = ['boolean', 'int32', 'int64', 'float64', 'utf8', 'date32', 'timestamp', 'null'];

/** True for `list<T>` types. */
export function isList(t: DataType): t is ListType {
  return t.startsWith('list<');
}

/** The element type of a list type. */
export function elementType(t: ListType): PrimitiveType {
  return t.slice(5, -1) as PrimitiveType;
}

/** The list type of an element type. */
export function listOf(t: DataType): ListType {
  if (isList(t)) throw new Error(`nested arrays (array<${t}>) are not supported`);
  return `list<${t}>`;
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
    for (const f of this.fields) {
      if (isList(f.type)) {
        lines.push(` |-- ${f.name}: array (nullable = ${f.nullable})`);
        lines.push(` |    |-- element: ${sparkTypeName(elementType(f.type))} (containsNull = true)`);
      } else {
        lines.push(` |-- ${f.name}: ${sparkTypeName(f.type)} (nullable = ${f.nullable})`);
      }
    }
    return lines.join('\n') + '\n';
  }

  /** `[name, type]` pairs, like PySpark's `df.dtypes`. */
  dtypes(): [string, string][] {
    return this.fields.map((f) => [f.name, sparkSimpleName(f.type)]);
  }
}

/** Spark's `printSchema` name for a type. */
export function sparkTypeName(t: DataType): string {
  if (isList(t)) return `array<${sparkSimpleName(elementType(t))}>`;
  switch (t) {
    case 'boolean': return 'boolean';
    case 'int32': return 'integer';
    case 'int64': return 'long';
    case 'float64': return 'double';
    case 'utf8': return 'string';
    case 'date32': return 'date';
    case 'timestamp': return 'timestamp';
    case 'null': return 'void';
  }
}

/** Spark's `dtypes` / simpleString name for a type. */
export function sparkSimpleName(t: DataType): string {
  if (isList(t)) return `array<${sparkSimpleName(elementType(t))}>`;
  switch (t) {
    case 'int32': return 'int';
    case 'int64': return 'bigint';
    case 'null': return 'void';
    default: return sparkTypeName(t);
  }
}

/** Parses a type name as written by users (`'int'`, `'long'`, `'string'`, `'double'`, ...). Returns undefined if unknown. */
export function parseTypeName(name: string): DataType | undefined {
  const arr = /^\s*(?:array|list)\s*<(.*)>\s*$/i.exec(name);
  if (arr) {
    const inner = parseTypeName(arr[1]!);
    return inner && !isList(inner) ? listOf(inner) : undefined;
  }
  switch (name.trim().toLowerCase()) {
    case 'boolean': case 'bool': return 'boolean';
    case 'int': case 'integer': case 'int32': case 'smallint': case 'tinyint': case 'short': case 'byte': return 'int32';
    case 'long': case 'bigint': case 'int64': return 'int64';
    case 'double': case 'float': case 'float64': case 'real': case 'decimal': case 'numeric': return 'float64';
    case 'string': case 'varchar': case 'char': case 'text': case 'utf8': return 'utf8';
    case 'date': case 'date32': return 'date32';
    case 'timestamp': case 'timestamp_ntz': case 'timestamp_ltz': case 'datetime': return 'timestamp';
    case 'void': case 'null': return 'null';
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
  if (isTemporal(a) && isTemporal(b)) return 'timestamp';
  return undefined;
}

/** The Spark numeric type of arithmetic between `a` and `b` (`+ - *`). */
export function arithmeticType(a: DataType, b: DataType): DataType | undefined {
  const t = commonType(a, b);
  if (t === 'null') return 'null';
  return t && isNumeric(t) ? t : undefined;
}

/** Largest integer exactly representable as a JS number (2^53 - 1). */
export const MAX_EXACT_INT = Number.MAX_SAFE_INTEGER;

/** Microseconds per day. */
export const MICROS_PER_DAY = 86_400_000_000;
/** Milliseconds per day. */
export const MILLIS_PER_DAY = 86_400_000;

/** A JS value as Kindling hands it out in rows (`collect()`). */
export type Value = boolean | number | string | Date | null | Value[];

/** A row as `collect()` returns it: column name → value. */
export type Row = Record<string, Value>;

/**
 * Conversions between Kindling batches and apache-arrow Tables / RecordBatches.
 * Buffers are shared where the layouts agree (Float64, Int32, Utf8 offsets/bytes); booleans and
 * validity are packed/unpacked between byte-per-value and Arrow's bitmaps.
 */
import * as A from 'apache-arrow';
import { ArithmeticOverflowError, KindlingError } from '../errors.js';
import { type DataType, type Field, type PrimitiveType, MAX_DECIMAL_PRECISION, MAX_EXACT_INT, Schema, decimalParams, decimalType, elementType, isDecimal, isList, isMap, isStruct, listOf, mapEntryType, mapOf, mapTypes, structFields, structOf } from '../types.js';
import { Batch } from './batch.js';
import { ColumnData, allocValues, dictColumn, normalizeValidity, sliceColumn, take } from './column.js';

/** The Arrow type used to export a Kindling type. */
export function toArrowType(t: DataType): A.DataType {
  if (isList(t)) return new A.List(new A.Field('element', toArrowType(elementType(t)), true));
  if (isStruct(t)) return new A.Struct(structFields(t).map((f) => new A.Field(f.name, toArrowType(f.type), true)));
  if (isMap(t)) {
    const { key, value } = mapTypes(t);
    const entries = new A.Struct([new A.Field('key', toArrowType(key), false), new A.Field('value', toArrowType(value), true)]);
    return new A.Map_(new A.Field('entries', entries, false) as never);
  }
  if (isDecimal(t)) {
    const { precision, scale } = decimalParams(t);
    return new A.Decimal(scale, precision, 128);
  }
  switch (t as PrimitiveType) {
    case 'boolean': return new A.Bool();
    case 'int32': return new A.Int32();
    case 'int64': return new A.Int64();
    case 'float64': return new A.Float64();
    case 'utf8': return new A.Utf8();
    case 'date32': return new A.DateDay();
    case 'timestamp': return new A.TimestampMicrosecond();
    case 'null': return new A.Null();
    case 'binary': return new A.Binary();
  }
}

/** The Kindling type an Arrow type is read as; throws for unsupported types. */
export function fromArrowType(t: A.DataType, name: string): DataType {
  if (A.DataType.isDictionary(t)) return fromArrowType(t.dictionary, name);
  if (A.DataType.isBool(t)) return 'boolean';
  if (A.DataType.isInt(t)) {
    if (t.bitWidth < 32 || (t.bitWidth === 32 && t.isSigned)) return 'int32';
    return 'int64';
  }
  if (A.DataType.isFloat(t)) return 'float64';
  if (A.DataType.isDecimal(t)) {
    if (t.precision > MAX_DECIMAL_PRECISION || t.scale < 0 || t.scale > t.precision) {
      throw new KindlingError(`column '${name}' has Arrow type ${String(t)} (precision ${t.precision}, scale ${t.scale}); Kindling's decimals hold precision 1..${MAX_DECIMAL_PRECISION} with scale 0..precision: cast it to double or string before loading`);
    }
    return decimalType(t.precision, t.scale);
  }
  if (A.DataType.isUtf8(t) || A.DataType.isLargeUtf8(t)) return 'utf8';
  if (A.DataType.isBinary(t) || A.DataType.isLargeBinary(t)) return 'binary';
  if (A.DataType.isDate(t)) return 'date32';
  if (A.DataType.isTimestamp(t)) return 'timestamp';
  if (A.DataType.isNull(t)) return 'null';
  if (A.DataType.isList(t)) {
    const inner = fromArrowType(t.children[0]!.type, name);
    return listOf(inner);
  }
  if (A.DataType.isStruct(t)) return structOf(t.children.map((f) => ({ name: f.name, type: fromArrowType(f.type, `${name}.${f.name}`) })));
  if (A.DataType.isMap(t)) {
    const entries = t.children[0]!.type as A.Struct;
    return mapOf(fromArrowType(entries.children[0]!.type, `${name}.key`), fromArrowType(entries.children[1]!.type, `${name}.value`));
  }
  throw new KindlingError(`column '${name}' has Arrow type ${String(t)}, which Kindling does not support yet; cast or drop it before loading`);
}

/** Packs a byte-per-value array (0/1) into an Arrow bitmap. */
export function packBits(bytes: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) if (bytes[i]) out[i >> 3]! |= 1 << (i & 7);
  return out;
}

/** Unpacks an Arrow bitmap (starting at bit `offset`) into a byte-per-value array. */
export function unpackBits(bits: Uint8Array, offset: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const j = i + offset;
    out[i] = (bits[j >> 3]! >> (j & 7)) & 1;
  }
  return out;
}

/**
 * Arrow's Int64 bytes of integral doubles (|x| < 2^53): the two little-endian 32-bit words of each
 * value, by arithmetic (a BigInt per value made toArrow() of a 10M-row long column several times
 * slower). Nulls become 0.
 */
export function int64Words(src: Float64Array, n: number, validity: Uint8Array | null): BigInt64Array {
  const out = new BigInt64Array(n);
  const w = new Int32Array(out.buffer, 0, 2 * n);
  for (let i = 0; i < n; i++) {
    if (validity && !validity[i]) continue;
    const x = src[i]!;
    const hi = Math.floor(x / 4294967296);
    w[2 * i] = x - hi * 4294967296; // 0 ≤ lo < 2^32, stored as its int32 bit pattern
    w[2 * i + 1] = hi;
  }
  return out;
}

/** Converts one Kindling column to Arrow Data. */
export function columnToArrowData(col: ColumnData): A.Data {
  // Dictionary strings export decoded, as Utf8: the Arrow schema users see does not change.
  if (col.indices !== null) col = col.decoded();
  const n = col.length;
  const type = toArrowType(col.type);
  if (col.type === 'null') return A.makeData({ type: type as A.Null, length: n, nullCount: n });
  const nullBitmap = col.validity ? packBits(col.validity, n) : undefined;
  const nullCount = col.validity ? col.nullCount() : 0;
  if (isList(col.type)) {
    return A.makeData({ type: type as A.List, length: n, nullCount, nullBitmap, valueOffsets: col.offsets!, child: columnToArrowData(col.child!) });
  }
  if (isStruct(col.type)) {
    return A.makeData({ type: type as A.Struct, length: n, nullCount, nullBitmap, children: col.children!.map((c) => columnToArrowData(c)) });
  }
  if (isMap(col.type)) {
    const e = col.child!;
    const entries = A.makeData({ type: (type as A.Map_).children[0]!.type as A.Struct, length: e.length, nullCount: 0, children: e.children!.map((c) => columnToArrowData(c)) });
    return A.makeData({ type: type as A.Map_, length: n, nullCount, nullBitmap, valueOffsets: col.offsets!, child: entries });
  }
  if (isDecimal(col.type)) {
    // Same bytes as Arrow's Decimal128 (4 × 32-bit words per value).
    const w = col.values as Int32Array;
    return A.makeData({ type: type as A.Decimal, length: n, nullCount, nullBitmap, data: new Uint32Array(w.buffer, w.byteOffset, n * 4) });
  }
  switch (col.type as PrimitiveType) {
    default:
      throw new KindlingError(`internal error: no Arrow conversion for ${col.type}`);
    case 'utf8':
      return A.makeData({ type: type as A.Utf8, length: n, nullCount, nullBitmap, valueOffsets: col.offsets!, data: col.bytes! });
    case 'binary':
      return A.makeData({ type: type as A.Binary, length: n, nullCount, nullBitmap, valueOffsets: col.offsets!, data: col.bytes! });
    case 'boolean':
      return A.makeData({ type: type as A.Bool, length: n, nullCount, nullBitmap, data: packBits(col.values as Uint8Array, n) });
    case 'int32':
    case 'date32':
      return A.makeData({ type: type as A.Int32, length: n, nullCount, nullBitmap, data: col.values as Int32Array });
    case 'float64':
      return A.makeData({ type: type as A.Float64, length: n, nullCount, nullBitmap, data: col.values as Float64Array });
    case 'int64':
    case 'timestamp': {
      return A.makeData({ type: type as A.Int64, length: n, nullCount, nullBitmap, data: int64Words(col.values as Float64Array, n, col.validity) });
    }
  }
}

/** Converts a Kindling batch to an Arrow RecordBatch. */
export function batchToArrow(batch: Batch): A.RecordBatch {
  const fields = batch.schema.fields.map((f) => new A.Field(f.name, toArrowType(f.type), f.nullable));
  const schema = new A.Schema(fields);
  const children = batch.columns.map((c) => columnToArrowData(c));
  const data = A.makeData({ type: new A.Struct(fields), length: batch.numRows, nullCount: 0, children });
  const rb = new A.RecordBatch(schema, data);
  // Arrow JS rebuilds the schema with Schema.assign, which merges fields of the same name; Spark
  // allows duplicate output names (SELECT a AS c, b AS c) and Arrow does too, so keep ours.
  if (new Set(schema.names).size < fields.length) (rb as { schema: A.Schema }).schema = schema;
  return rb;
}

/** Converts Kindling batches (one schema) to an Arrow Table. */
export function batchesToTable(schema: Schema, batches: readonly Batch[]): A.Table {
  const arrowSchema = new A.Schema(schema.fields.map((f) => new A.Field(f.name, toArrowType(f.type), f.nullable)));
  const rbs = batches.filter((b) => b.numRows > 0).map(batchToArrow);
  if (rbs.length === 0) return new A.Table(arrowSchema);
  return new A.Table(arrowSchema, rbs);
}

/** The Kindling schema of an Arrow schema. */
export function schemaFromArrow(s: A.Schema): Schema {
  return new Schema(s.fields.map((f): Field => ({ name: f.name, type: fromArrowType(f.type, f.name), nullable: f.nullable })));
}

function validityOf(d: A.Data): Uint8Array | null {
  if (!d.nullBitmap || d.nullBitmap.length === 0 || d.nullCount === 0) return null;
  return normalizeValidity(unpackBits(d.nullBitmap, d.offset, d.length), d.length);
}

function checkExact(x: number, name: string): number {
  if (x > MAX_EXACT_INT || x < -MAX_EXACT_INT) {
    throw new ArithmeticOverflowError(`column '${name}' holds the int64 value ${x}, outside the exact range ±2^53 that Kindling supports; read it as double or string`);
  }
  return x;
}

/** Arrow dictionaries already converted: the chunks of one dictionary vector share one Kindling dictionary. */
const arrowDictionaries = new WeakMap<A.Data, ColumnData>();

/** Converts one Arrow Data chunk to a Kindling column of `type`. */
export function columnFromArrowData(d: A.Data, type: DataType, name: string): ColumnData {
  const n = d.length;
  const validity = validityOf(d);
  const t = d.type;
  if (type === 'null') return new ColumnData('null', n, null, null);
  if (isStruct(type)) {
    const fields = structFields(type);
    const kids = fields.map((f, k) => {
      const c = columnFromArrowData(d.children[k]!, f.type, `${name}.${f.name}`);
      return c.length === n ? c : sliceColumn(c, 0, n);
    });
    return new ColumnData(type, n, null, validity, null, null, null, kids);
  }
  if (isList(type) || isMap(type)) {
    const off = d.valueOffsets as Int32Array;
    const base = off[0]!;
    const offsets = new Int32Array(n + 1);
    for (let i = 0; i <= n; i++) offsets[i] = off[i]! - base;
    const childData = d.children[0]!;
    let child = columnFromArrowData(childData, isMap(type) ? mapEntryType(type) : elementType(type), name);
    if (base !== 0 || off[n]! !== child.length) child = sliceColumn(child, base, off[n]!);
    return new ColumnData(type, n, null, validity, offsets, null, child);
  }
  if (A.DataType.isDictionary(t)) {
    const dd = d.dictionary!.data[0]!;
    let dict = arrowDictionaries.get(dd);
    if (!dict || dict.type !== type) arrowDictionaries.set(dd, (dict = columnFromArrowData(dd, type, name)));
    const keys = d.values as ArrayLike<number>;
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = Number(keys[i]);
    if (type === 'utf8' && dict.validity === null && dict.length > 0) {
      // Kept dictionary-encoded (indices at nulls may be anything: clamp them into range).
      if (validity) for (let i = 0; i < n; i++) if (!validity[i]) idx[i] = 0;
      return dictColumn(idx, dict, validity);
    }
    if (validity) for (let i = 0; i < n; i++) if (!validity[i]) idx[i] = -1;
    // A dictionary spanning several chunks keeps one dictionary; take() gathers from it.
    return take(dict, idx);
  }
  if (type === 'utf8' || type === 'binary') {
    const off = d.valueOffsets as Int32Array | BigInt64Array;
    let offsets: Int32Array;
    if (off instanceof BigInt64Array) {
      offsets = new Int32Array(n + 1);
      for (let i = 0; i <= n; i++) offsets[i] = Number(off[i]! - off[0]!);
      return new ColumnData(type, n, null, validity, offsets, d.values.subarray(Number(off[0]!), Number(off[n]!)));
    }
    if (off[0] === 0) return new ColumnData(type, n, null, validity, off.subarray(0, n + 1), d.values as Uint8Array);
    offsets = new Int32Array(n + 1);
    const base = off[0]!;
    for (let i = 0; i <= n; i++) offsets[i] = off[i]! - base;
    return new ColumnData(type, n, null, validity, offsets, (d.values as Uint8Array).subarray(base, off[n]!));
  }
  if (type === 'boolean') return new ColumnData('boolean', n, unpackBits(d.values as Uint8Array, d.offset, n), validity);
  if (isDecimal(type)) return decimalFromArrow(d, type, validity, name);
  const out = allocValues(type, n);
  const src = d.values as ArrayLike<number | bigint>;
  if (A.DataType.isTimestamp(t)) {
    const mul = t.unit === A.TimeUnit.SECOND ? 1e6 : t.unit === A.TimeUnit.MILLISECOND ? 1e3 : t.unit === A.TimeUnit.MICROSECOND ? 1 : 1e-3;
    for (let i = 0; i < n; i++) out[i] = Math.floor(Number(src[i]) * mul);
  } else if (A.DataType.isDate(t) && t.unit === A.DateUnit.MILLISECOND) {
    for (let i = 0; i < n; i++) out[i] = Math.floor(Number(src[i]) / 86_400_000);
  } else if (src instanceof BigInt64Array || src instanceof BigUint64Array) {
    for (let i = 0; i < n; i++) if (!validity || validity[i]) out[i] = checkExact(Number(src[i]!), name);
  } else if (out instanceof Float64Array && src instanceof Float64Array) {
    out.set(src);
  } else {
    for (let i = 0; i < n; i++) out[i] = src[i] as number;
  }
  return new ColumnData(type, n, out, validity);
}


/**
 * An Arrow Decimal (128- or 256-bit) chunk as a Kindling decimal column (Decimal128 words; a
 * 256-bit value keeps its low 128 bits, which hold it exactly when the precision is ≤ 38).
 */
function decimalFromArrow(d: A.Data, type: DataType, validity: Uint8Array | null, name: string): ColumnData {
  const t = d.type;
  const n = d.length;
  if (!A.DataType.isDecimal(t)) throw new KindlingError(`column '${name}' is ${String(t)}, not a decimal`);
  const src = d.values as Uint32Array;
  const stride = t.bitWidth / 32;
  if (stride === 4) {
    const words = new Int32Array(n * 4);
    new Uint8Array(words.buffer).set(new Uint8Array(src.buffer, src.byteOffset, n * 16));
    return new ColumnData(type, n, words, validity);
  }
  const words = new Int32Array(n * 4);
  for (let i = 0; i < n; i++) for (let k = 0; k < 4; k++) words[i * 4 + k] = src[i * stride + k]! | 0;
  return new ColumnData(type, n, words, validity);
}

/** Converts an Arrow Table to Kindling batches (one per Arrow record batch). */
export function tableToBatches(table: A.Table): { schema: Schema; batches: Batch[] } {
  const schema = schemaFromArrow(table.schema);
  const batches = table.batches.map((rb) => recordBatchToBatch(rb, schema));
  return { schema, batches };
}

/** Converts one Arrow RecordBatch to a Kindling batch of `schema`. */
export function recordBatchToBatch(rb: A.RecordBatch, schema: Schema): Batch {
  const cols = schema.fields.map((f, i) => columnFromArrowData(rb.data.children[i]!, f.type, f.name));
  return new Batch(schema, cols, rb.numRows);
}

/**
 * What the batch UDF kinds (mapInArrow, applyInArrow) share: the declared output schema (a DDL
 * string, a Kindling Schema or an Arrow Schema), the batch-size setting, the error a failing user
 * function becomes, and the check and conversion of what the function returns: Arrow RecordBatches
 * or Tables whose columns are matched to the schema by name (Spark's default,
 * `spark.sql.legacy.execution.pandas.groupedMap.assignColumnsByName=true`), numeric columns cast
 * where Spark's Arrow conversion would, anything else a `UdfError` naming the UDF, the column, the
 * expected and actual types and the partition or group.
 */
import * as A from 'apache-arrow';
import { describeValue } from '../api-args.js';
import { Batch } from '../data/batch.js';
import { type ColumnData, nullColumn } from '../data/column.js';
import { columnFromArrowData, fromArrowType, schemaFromArrow } from '../data/arrow.js';
import { IllegalArgumentError, KindlingError, UdfError, didYouMean } from '../errors.js';
import { compileExpr } from '../expr/backend.js';
import { parseDDLSchema } from '../io/csv.js';
import { type DataType, Schema, isNumeric, sparkSimpleName } from '../types.js';

/** A declared output schema: a DDL string (`'label int, p double'`), a Kindling Schema or an Arrow Schema. */
export type UdfSchemaInput = string | Schema | A.Schema;

/** The Kindling schema of a declared output schema; `what` names the API for messages. */
export function udfSchema(schema: UdfSchemaInput, what: string): Schema {
  let s: Schema;
  if (typeof schema === 'string') s = parseDDLSchema(schema);
  else if (schema instanceof Schema) s = new Schema(schema.fields.map(({ name, type, nullable }) => ({ name, type, nullable })));
  else if (schema instanceof A.Schema || (typeof schema === 'object' && schema !== null && Array.isArray((schema as A.Schema).fields) && (schema as A.Schema).fields.every((f) => f?.type instanceof A.DataType))) {
    s = schemaFromArrow(schema);
  } else {
    throw new IllegalArgumentError(`${what}: the schema should be a DDL string like 'label int, p double', a Kindling Schema or an Arrow Schema, got ${schema === null ? 'null' : typeof schema}`);
  }
  if (s.length === 0) throw new IllegalArgumentError(`${what}: the schema has no columns; declare the columns the function returns, e.g. 'label int, p double'`);
  const seen = new Set<string>();
  for (const f of s.fields) {
    if (seen.has(f.name.toLowerCase())) throw new IllegalArgumentError(`${what}: column '${f.name}' appears twice in the schema`);
    seen.add(f.name.toLowerCase());
  }
  return s;
}

/** The schema as DDL text, for messages. */
export function schemaDDL(s: Schema): string {
  return s.fields.map((f) => `${f.name} ${sparkSimpleName(f.type)}`).join(', ');
}

function isArrowTable(x: unknown): x is A.Table {
  return x instanceof A.Table || (typeof x === 'object' && x !== null && Array.isArray((x as A.Table).batches) && (x as A.Table).schema instanceof A.Schema);
}

function isArrowRecordBatch(x: unknown): x is A.RecordBatch {
  return x instanceof A.RecordBatch || (typeof x === 'object' && x !== null && (x as A.RecordBatch).data instanceof A.Data && (x as A.RecordBatch).schema instanceof A.Schema);
}

/** True for an Arrow Table or RecordBatch (which are iterable, but by rows). */
export function isArrowResult(x: unknown): boolean {
  return isArrowTable(x) || isArrowRecordBatch(x);
}

/** Types Spark's Arrow conversion casts between when a returned column's type differs from the schema's. */
function castable(from: DataType, to: DataType): boolean {
  return isNumeric(from) && isNumeric(to);
}

/**
 * The UdfError a user function's own failure becomes: its message, the UDF's name and where
 * (`in partition 3`, `in group (k='a')`), the original error as cause.
 */
export function udfFailure(what: string, where: string, err: unknown): UdfError {
  const e = err as Error;
  const msg = e instanceof Error ? `${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message}` : String(err);
  return new UdfError(`${what} failed ${where}: ${msg}`, { cause: err });
}

/**
 * Checks and converts what a batch UDF returns against its declared schema. `what` names the UDF
 * for messages (`mapInArrow UDF 'score'`).
 */
export class ArrowResultReader {
  constructor(readonly schema: Schema, readonly what: string) {}

  /**
   * The Kindling batches of one returned value: an Arrow Table or RecordBatch, or (with
   * `arrays`) an array of them. `where` says where it came from, for messages.
   */
  read(x: unknown, where: string, arrays: boolean): Batch[] {
    if (isArrowTable(x)) return x.batches.filter((rb) => rb.numRows > 0).map((rb) => this.convert(rb, where));
    if (isArrowRecordBatch(x)) return x.numRows > 0 ? [this.convert(x, where)] : [];
    if (arrays && Array.isArray(x) && x.every((y) => isArrowResult(y))) return x.flatMap((y) => this.read(y, where, false));
    throw new UdfError(`${this.what} returned ${describeValue(x)} ${where}; it should return an Arrow Table or RecordBatch${arrays ? ' (or an array of them)' : ''} with the columns [${schemaDDL(this.schema)}]`);
  }

  /** One returned RecordBatch as a batch of the declared schema (columns by name, cast where Spark would). */
  private convert(rb: A.RecordBatch, where: string): Batch {
    const got = rb.schema.fields.map((f) => f.name);
    const index = this.schema.fields.map((f) => {
      const exact = got.indexOf(f.name);
      return exact >= 0 ? exact : got.findIndex((g) => g.toLowerCase() === f.name.toLowerCase());
    });
    const missing = this.schema.fields.filter((_, i) => index[i]! < 0).map((f) => f.name);
    const unexpected = got.filter((_, j) => !index.includes(j));
    if (missing.length || unexpected.length) {
      const hint = missing.length === 1 && unexpected.length ? didYouMean(missing[0]!, unexpected) : '';
      throw new UdfError(
        `${this.what} returned columns that do not match its schema ${where}:` +
          `${missing.length ? ` missing ${missing.map((m) => `'${m}'`).join(', ')}${hint};` : ''}` +
          `${unexpected.length ? ` unexpected ${unexpected.map((m) => `'${m}'`).join(', ')};` : ''}` +
          ` the schema is [${schemaDDL(this.schema)}] and columns are matched by name; rename, add or drop columns in the function, or change the schema`,
      );
    }
    const n = rb.numRows;
    const cols = this.schema.fields.map((f, i): ColumnData => {
      const arrowField = rb.schema.fields[index[i]!]!;
      const data = rb.data.children[index[i]!]!;
      let col: ColumnData;
      try {
        let actual: DataType;
        try {
          actual = fromArrowType(arrowField.type, f.name);
        } catch {
          throw new UdfError(`${this.what} returned column '${f.name}' of Arrow type ${String(arrowField.type)} ${where}, but the schema declares ${sparkSimpleName(f.type)}; return a ${sparkSimpleName(f.type)} column`);
        }
        if (actual === f.type) col = columnFromArrowData(data, f.type, f.name);
        // Only nulls (Arrow's null type, or a column of another type inferred from [null, ...]) fit any type.
        else if (actual === 'null' || (n > 0 && data.nullCount === n)) col = nullColumn(f.type, n);
        else if (castable(actual, f.type)) col = castColumn(columnFromArrowData(data, actual, f.name), f.type, f.name);
        else throw new UdfError(`${this.what} returned column '${f.name}' of type ${sparkSimpleName(actual)} ${where}, but the schema declares ${sparkSimpleName(f.type)}; convert it in the function or change the schema`);
      } catch (err) {
        if (err instanceof UdfError || !(err instanceof KindlingError)) throw err;
        throw new UdfError(`${this.what} returned a bad value ${where}: ${err.message}`, { cause: err });
      }
      if (!f.nullable && col.nullCount() > 0) {
        throw new UdfError(`${this.what} returned nulls in column '${f.name}' ${where}, which the schema declares NOT NULL; fill them in the function or make the column nullable`);
      }
      return col;
    });
    return new Batch(this.schema, cols, n);
  }
}

/** A column cast to `to` with Kindling's cast (numeric to numeric, as Spark's Arrow conversion casts). */
function castColumn(col: ColumnData, to: DataType, name: string): ColumnData {
  const fn = compileExpr({ kind: 'cast', expr: { kind: 'ref', index: 0, type: col.type, name }, type: to });
  return fn(new Batch(new Schema([{ name, type: col.type, nullable: true }]), [col], col.length));
}

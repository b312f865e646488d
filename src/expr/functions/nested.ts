/**
 * Struct and map functions (Spark's StructType / MapType): struct, named_struct, get_field (the
 * `s.field` / `s['field']` / `Column.getField` access), map, map_from_arrays, map_keys,
 * map_values, map_entries, map_contains_key, and the JSON pair to_json / from_json.
 *
 * Values inside generated code are storage values (see `ColumnData.objects`): a struct is an array
 * of its field values in field order, a map a JS `Map`, a list an array. A field read straight
 * from a struct column (`s.a` over a column) skips the row objects: codegen loads the field's
 * child column as a typed array (src/expr/codegen.ts `loadField`). size / element_at on maps live
 * with their array forms in array.ts.
 */
import { formatDecimal } from '../../data/decimal.js';
import { decimalStorage } from '../../data/batch.js';
import { AnalysisError, ExecutionError, didYouMean } from '../../errors.js';
import { formatDate, parseDate, parseTimestamp } from '../../time/iso.js';
import {
  type DataType, MAX_EXACT_INT, type MapType, commonType, decimalParams, elementType, isDecimal, isList, isMap, isNested, isStruct,
  listOf, mapEntryType, mapOf, mapTypes, parseDdlSchema, parseTypeName, sparkSimpleName, structFields, structOf,
} from '../../types.js';
import type { BoundExpr } from '../expr.js';
import { type CodegenContext, type CodeVar, type FunctionRegistry, type ScalarFunctionDef, typeError } from '../function-defs.js';
import { formatDouble } from '../runtime.js';
import { defaultValue, widerType } from './helpers.js';

/** The value of a constant string argument (a field name, a schema), or undefined. */
function literalString(a: BoundExpr | undefined): string | undefined {
  return a && a.kind === 'lit' && typeof a.value === 'string' ? a.value : undefined;
}

/** struct()'s name for argument `i`: a column's name, a struct field's name (s.b → b), else colN (as Spark). */
function structFieldName(a: BoundExpr | undefined, i: number): string {
  if (a?.kind === 'ref') return a.name;
  if (a?.kind === 'call' && a.fn === 'get_field') {
    const name = literalString(a.args[1]);
    if (name !== undefined) return name;
  }
  return `col${i + 1}`;
}

/** Code building a struct storage value (an array of the field values) from every argument `from, from + step, ...`. */
function generateStruct(ctx: CodegenContext, argTypes: readonly DataType[], out: CodeVar, from: number, step: number): string {
  const parts: string[] = [];
  for (let i = from; i < argTypes.length; i += step) {
    const a = ctx.arg(i);
    parts.push(`(${a.n} ? null : ${a.v})`);
  }
  return `${out.n} = false; ${out.v} = [${parts.join(', ')}];`;
}

function mapKeyError(display: string): never {
  throw new ExecutionError(`${display}: cannot use null as a map key (Spark's NULL_MAP_KEY); filter the nulls or coalesce() the key first`);
}

function duplicateKeyError(display: string, key: unknown): never {
  throw new ExecutionError(`${display}: duplicate map key ${String(key)} (Spark's DUPLICATED_MAP_KEY, with spark.sql.mapKeyDedupPolicy=EXCEPTION); make the keys unique first`);
}

/** Checks a map key type: a scalar (lists, structs and maps cannot be compared as keys). */
function checkKeyType(display: string, argTypes: readonly DataType[], key: DataType): void {
  if (isNested(key)) throw typeError(display, argTypes, `scalar map keys (not ${sparkSimpleName(key)})`);
}

/** A JS Map built from key and value arrays (storage values), with Spark's key checks. */
function mapFromArrays(display: string, keys: readonly unknown[], values: readonly unknown[]): Map<unknown, unknown> {
  if (keys.length !== values.length) {
    throw new ExecutionError(`${display}: the key and value arrays have different lengths (${keys.length} and ${values.length}); they must be the same length`);
  }
  const m = new Map<unknown, unknown>();
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (k === null || k === undefined) mapKeyError(display);
    if (m.has(k)) duplicateKeyError(display, k);
    m.set(k, values[i] ?? null);
  }
  return m;
}

/** A JSON writer for storage values of `t` (Spark's to_json: null struct fields left out, dates and timestamps as strings). */
function jsonWriter(t: DataType): (v: unknown) => string {
  if (isStruct(t)) {
    const fields = structFields(t).map((f) => ({ key: JSON.stringify(f.name), w: jsonWriter(f.type) }));
    return (v) => {
      const a = v as unknown[];
      const parts: string[] = [];
      for (let k = 0; k < fields.length; k++) if (a[k] !== null && a[k] !== undefined) parts.push(`${fields[k]!.key}:${fields[k]!.w(a[k])}`);
      return `{${parts.join(',')}}`;
    };
  }
  if (isMap(t)) {
    const { key, value } = mapTypes(t);
    const kw = jsonWriter(key);
    const vw = jsonWriter(value);
    return (v) => {
      const parts: string[] = [];
      for (const [k, x] of v as Map<unknown, unknown>) {
        const ks = kw(k);
        parts.push(`${ks.startsWith('"') ? ks : JSON.stringify(ks)}:${x === null ? 'null' : vw(x)}`);
      }
      return `{${parts.join(',')}}`;
    };
  }
  if (isList(t)) {
    const ew = jsonWriter(elementType(t));
    return (v) => `[${(v as unknown[]).map((x) => (x === null ? 'null' : ew(x))).join(',')}]`;
  }
  if (isDecimal(t)) {
    const { scale } = decimalParams(t);
    return (v) => formatDecimal(v as bigint, scale);
  }
  switch (t) {
    case 'utf8': return (v) => JSON.stringify(v);
    case 'float64': return (v) => (Number.isFinite(v as number) ? formatDouble(v as number) : JSON.stringify(formatDouble(v as number)));
    case 'date32': return (v) => `"${formatDate(v as number)}"`;
    case 'timestamp': return (v) => `"${new Date(Math.floor((v as number) / 1000)).toISOString()}"`;
    case 'null': return () => 'null';
    default: return (v) => String(v);
  }
}

/** A converter from parsed JSON to storage values of `t` (null where the JSON value does not fit, as Spark's PERMISSIVE mode). */
function jsonReader(t: DataType): (x: unknown) => unknown {
  if (isStruct(t)) {
    const fields = structFields(t).map((f) => ({ name: f.name, r: jsonReader(f.type) }));
    return (x) => {
      if (typeof x !== 'object' || x === null || Array.isArray(x)) return null;
      const o = x as Record<string, unknown>;
      return fields.map((f) => (o[f.name] === undefined || o[f.name] === null ? null : f.r(o[f.name])));
    };
  }
  if (isMap(t)) {
    const vr = jsonReader(mapTypes(t).value);
    return (x) => {
      if (typeof x !== 'object' || x === null || Array.isArray(x)) return null;
      const m = new Map<unknown, unknown>();
      for (const [k, y] of Object.entries(x)) m.set(k, y === null ? null : vr(y));
      return m;
    };
  }
  if (isList(t)) {
    const er = jsonReader(elementType(t));
    return (x) => (Array.isArray(x) ? x.map((y) => (y === null ? null : er(y))) : null);
  }
  if (isDecimal(t)) {
    return (x) => {
      if (typeof x !== 'number' && typeof x !== 'string') return null;
      try {
        return decimalStorage(t, x);
      } catch {
        return null;
      }
    };
  }
  switch (t) {
    case 'utf8': return (x) => (typeof x === 'string' ? x : JSON.stringify(x));
    case 'boolean': return (x) => (typeof x === 'boolean' ? x : null);
    case 'int32': return (x) => (typeof x === 'number' && Number.isInteger(x) && x >= -2147483648 && x <= 2147483647 ? x : null);
    case 'int64': return (x) => (typeof x === 'number' && Number.isInteger(x) && Math.abs(x) <= MAX_EXACT_INT ? x : null);
    case 'float64': return (x) => (typeof x === 'number' ? x : x === 'NaN' ? NaN : x === 'Infinity' ? Infinity : x === '-Infinity' ? -Infinity : null);
    case 'date32': return (x) => (typeof x === 'string' ? parseDate(x) : null);
    case 'timestamp': return (x) => (typeof x === 'string' ? parseTimestamp(x) : null);
    default: return () => null;
  }
}

/** The type a `from_json` schema string names: a DDL field list or struct<...> (a struct), or array<...> / map<...>. */
function fromJsonType(schema: string, display: string): DataType {
  if (/^\s*(?:array|map)\s*</i.test(schema)) {
    const t = parseTypeName(schema);
    if (t && (!isMap(t) || mapTypes(t).key === 'utf8')) return t;
  } else {
    const fields = parseDdlSchema(schema);
    if (fields && fields.length) return structOf(fields);
  }
  throw new AnalysisError(`cannot resolve ${display}: '${schema}' is not a valid schema; write it in DDL form, e.g. 'a INT, b STRING', 'struct<a:int,b:array<string>>' or 'map<string,int>' (map keys must be strings)`);
}

const getField: ScalarFunctionDef = {
  name: 'get_field', aliases: ['struct_extract'], arity: [2, 2], nulls: 'custom',
  doc: "get_field(struct, 'name'): a field of a struct (SQL s.name / s['name'], Column.getField); null when the struct is null",
  resolve(argTypes, display, args) {
    const st = argTypes[0]!;
    if (!isStruct(st)) throw typeError(display, argTypes, 'a struct as first argument');
    const name = literalString(args?.[1]);
    if (name === undefined) throw typeError(display, argTypes, 'a constant string field name as second argument');
    const fields = structFields(st);
    const f = fields.find((x) => x.name === name) ?? fields.find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (!f) {
      const names = fields.map((x) => x.name);
      throw new AnalysisError(`cannot resolve ${display}: no field '${name}' in ${sparkSimpleName(st)}${didYouMean(name, names)}; fields: [${names.join(', ')}]`);
    }
    return { type: f.type, argTypes };
  },
  generate(ctx, argTypes, type, out) {
    const fields = structFields(argTypes[0] as `struct<${string}>`);
    const index = new Map<string, number>();
    fields.forEach((f, i) => index.set(f.name.toLowerCase(), i));
    fields.forEach((f, i) => index.set(f.name, i));
    const s = ctx.arg(0);
    const name = ctx.arg(1);
    const idx = ctx.constant(index);
    return `if (${s.n} || ${name.n}) { ${out.n} = true; ${out.v} = ${defaultValue(type)}; } else { ${out.v} = ${s.v}[${idx}.get(${name.v}) ?? ${idx}.get(${name.v}.toLowerCase())]; ${out.n} = ${out.v} === null || ${out.v} === undefined; if (${out.n}) ${out.v} = ${defaultValue(type)}; }`;
  },
};

const defs: ScalarFunctionDef[] = [
  {
    name: 'struct', arity: [1, Infinity], nulls: 'custom',
    doc: 'struct(a, b, ...): a struct of the arguments; fields are named after the columns (col1, col2, ... for other expressions)',
    resolve(argTypes, _display, args) {
      return { type: structOf(argTypes.map((type, i) => ({ name: structFieldName(args?.[i], i), type }))), argTypes };
    },
    generate: (ctx, argTypes, _t, out) => generateStruct(ctx, argTypes, out, 0, 1),
  },
  {
    name: 'named_struct', arity: [2, Infinity], nulls: 'custom',
    doc: "named_struct('a', x, 'b', y, ...): a struct with the given field names and values",
    resolve(argTypes, display, args) {
      if (argTypes.length % 2 !== 0) throw typeError(display, argTypes, "name/value pairs: named_struct('a', x, 'b', y, ...)");
      const fields: { name: string; type: DataType }[] = [];
      for (let i = 0; i < argTypes.length; i += 2) {
        const name = literalString(args?.[i]);
        if (name === undefined) throw typeError(display, argTypes, `a constant string field name at position ${i + 1}`);
        fields.push({ name, type: argTypes[i + 1]! });
      }
      return { type: structOf(fields), argTypes };
    },
    generate: (ctx, argTypes, _t, out) => generateStruct(ctx, argTypes, out, 1, 2),
  },
  getField,
  {
    name: 'get_item', arity: [2, 2], nulls: 'custom',
    doc: "get_item(x, key): a struct's field by name, a map's value by key, or an array's element by 0-based index (Column.getItem)",
    resolve(argTypes, display, args) {
      const t = argTypes[0]!;
      if (isStruct(t)) return getField.resolve(argTypes, display, args);
      if (isMap(t)) {
        const { key, value } = mapTypes(t);
        if (!commonType(key, argTypes[1]!)) throw typeError(display, argTypes, `a key of the map's key type ${sparkSimpleName(key)}`);
        return { type: value, argTypes: [t, key] };
      }
      if (isList(t)) {
        if (argTypes[1] !== 'int32' && argTypes[1] !== 'int64') throw typeError(display, argTypes, 'an integer index for an array');
        return { type: elementType(t), argTypes: [t, 'int32'] };
      }
      throw typeError(display, argTypes, 'a struct, map or array');
    },
    generate(ctx, argTypes, type, out) {
      const t = argTypes[0]!;
      if (isStruct(t)) return getField.generate!(ctx, argTypes, type, out);
      const a = ctx.arg(0);
      const k = ctx.arg(1);
      const read = isMap(t) ? `${a.v}.get(${k.v})` : `${a.v}[${k.v}]`;
      return `if (${a.n} || ${k.n}) { ${out.n} = true; ${out.v} = ${defaultValue(type)}; } else { ${out.v} = ${read}; ${out.n} = ${out.v} === null || ${out.v} === undefined; if (${out.n}) ${out.v} = ${defaultValue(type)}; }`;
    },
  },
  {
    name: 'map', arity: [0, Infinity], nulls: 'custom',
    doc: 'map(k1, v1, k2, v2, ...): a map of the key/value pairs; a null or repeated key is an error (as Spark)',
    resolve(argTypes, display) {
      if (argTypes.length % 2 !== 0) throw typeError(display, argTypes, 'key/value pairs: map(k1, v1, k2, v2, ...)');
      const keys = argTypes.filter((_, i) => i % 2 === 0);
      const vals = argTypes.filter((_, i) => i % 2 === 1);
      const k = widerType(keys);
      const v = widerType(vals);
      if (!k) throw typeError(display, argTypes, 'keys of one type');
      if (!v) throw typeError(display, argTypes, 'values of one type');
      const kt = k === 'null' ? 'utf8' : k;
      const vt = v === 'null' ? 'utf8' : v;
      checkKeyType(display, argTypes, kt);
      return { type: mapOf(kt, vt), argTypes: argTypes.map((_, i) => (i % 2 === 0 ? kt : vt)) };
    },
    generate(ctx, argTypes, type, out) {
      const display = `map(${type})`;
      const keyErr = ctx.constant(() => mapKeyError(display));
      const dupErr = ctx.constant((k: unknown) => duplicateKeyError(display, k));
      let code = `{ const m = new Map();\n`;
      for (let i = 0; i < argTypes.length; i += 2) {
        const k = ctx.arg(i);
        const v = ctx.arg(i + 1);
        code += `if (${k.n}) ${keyErr}(); if (m.has(${k.v})) ${dupErr}(${k.v}); m.set(${k.v}, ${v.n} ? null : ${v.v});\n`;
      }
      return `${code}${out.n} = false; ${out.v} = m; }`;
    },
  },
  {
    name: 'map_from_arrays', arity: [2, 2],
    doc: 'map_from_arrays(keys, values): a map pairing two arrays of equal length; null keys and repeated keys are errors',
    resolve(argTypes, display) {
      const [k, v] = argTypes;
      if (!isList(k!) || !isList(v!)) throw typeError(display, argTypes, 'two arrays');
      const kt = elementType(k) === 'null' ? 'utf8' : elementType(k);
      checkKeyType(display, argTypes, kt);
      return { type: mapOf(kt, elementType(v)), argTypes: [listOf(kt), v] };
    },
    impl: ((k: unknown[], v: unknown[]) => mapFromArrays('map_from_arrays', k, v)) as never,
  },
  {
    name: 'map_keys', arity: [1, 1], doc: 'map_keys(map): the keys as an array, in map order',
    resolve: (argTypes, display) => ({ type: listOf(mapArg(display, argTypes).key), argTypes }),
    template: ([m]) => `[...${m}.keys()]`,
  },
  {
    name: 'map_values', arity: [1, 1], doc: 'map_values(map): the values as an array, in map order',
    resolve: (argTypes, display) => ({ type: listOf(mapArg(display, argTypes).value), argTypes }),
    template: ([m]) => `[...${m}.values()]`,
  },
  {
    name: 'map_entries', arity: [1, 1], doc: 'map_entries(map): an array of struct<key, value>, in map order',
    resolve: (argTypes, display) => {
      mapArg(display, argTypes);
      return { type: listOf(mapEntryType(argTypes[0] as MapType)), argTypes };
    },
    template: ([m]) => `[...${m}]`,
  },
  {
    name: 'map_contains_key', arity: [2, 2], doc: 'map_contains_key(map, key): true if the map has the key',
    resolve(argTypes, display) {
      const { key } = mapArg(display, argTypes);
      if (!commonType(key, argTypes[1]!)) throw typeError(display, argTypes, `a key of the map's key type ${sparkSimpleName(key)}`);
      return { type: 'boolean', argTypes: [argTypes[0]!, key] };
    },
    template: ([m, k]) => `${m}.has(${k})`,
  },
  {
    name: 'to_json', arity: [1, 1], nulls: 'custom', doc: 'to_json(struct | map | array): the value as JSON text (null struct fields left out, as Spark)',
    resolve(argTypes, display) {
      if (!isNested(argTypes[0]!)) throw typeError(display, argTypes, 'a struct, map or array');
      return { type: 'utf8', argTypes };
    },
    generate(ctx, argTypes, _t, out) {
      const w = ctx.constant(jsonWriter(argTypes[0]!));
      const a = ctx.arg(0);
      return `if (${a.n}) { ${out.n} = true; ${out.v} = ''; } else { ${out.n} = false; ${out.v} = ${w}(${a.v}); }`;
    },
  },
  {
    name: 'from_json', arity: [2, 2], nulls: 'custom',
    doc: "from_json(str, schema): parses JSON text into a struct (schema in DDL form: 'a INT, b STRING'), an array or a map; malformed text gives a struct of nulls (PERMISSIVE)",
    resolve(argTypes, display, args) {
      if (argTypes[0] !== 'utf8' && argTypes[0] !== 'null') throw typeError(display, argTypes, 'a string as first argument');
      const schema = literalString(args?.[1]);
      if (schema === undefined) throw typeError(display, argTypes, "a constant schema string as second argument, e.g. 'a INT, b STRING'");
      return { type: fromJsonType(schema, display), argTypes: ['utf8', ...argTypes.slice(1)] };
    },
    generate(ctx, _argTypes, type, out) {
      const read = jsonReader(type);
      const width = isStruct(type) ? structFields(type).length : 0;
      const parse = ctx.constant((s: string): unknown => {
        let x: unknown;
        try {
          x = JSON.parse(s);
        } catch {
          return width ? new Array(width).fill(null) : null;
        }
        const v = read(x);
        return v === null && width ? new Array(width).fill(null) : v;
      });
      const a = ctx.arg(0);
      return `if (${a.n}) { ${out.n} = true; ${out.v} = null; } else { ${out.v} = ${parse}(${a.v}); ${out.n} = ${out.v} === null; }`;
    },
  },
];

function mapArg(display: string, argTypes: readonly DataType[]): { key: DataType; value: DataType } {
  const t = argTypes[0]!;
  if (!isMap(t)) throw typeError(display, argTypes, 'a map as first argument');
  return mapTypes(t);
}

/** Registers the module's functions. */
export function register(registry: FunctionRegistry): void {
  registry.registerScalar(...defs);
}

/**
 * Array functions over `list<T>` columns (Spark's array<T>): split, array, size,
 * array_contains, element_at, array_join, sort_array, array_distinct. Values inside generated
 * code are JS arrays of element storage values (null elements allowed).
 */
import { type DataType, type ListType, commonType, elementType, isList, isMap, isNested, listOf, mapTypes } from '../../types.js';
import { type FunctionRegistry, type ScalarFunctionDef, typeError } from '../function-defs.js';

function listArg(display: string, argTypes: readonly DataType[]): ListType {
  const t = argTypes[0]!;
  if (!isList(t)) throw typeError(display, argTypes, 'an array as first argument');
  return t;
}

/** listArg for functions that compare elements: arrays of arrays, structs or maps are refused. */
function scalarListArg(display: string, argTypes: readonly DataType[]): ListType {
  const t = listArg(display, argTypes);
  if (isNested(elementType(t))) throw typeError(display, argTypes, 'an array of scalars (elements that are arrays, structs or maps cannot be compared)');
  return t;
}

/** Spark's split: Java-regex split keeping trailing empty strings (limit ≤ 0), or at most `limit` parts. */
function splitImpl(s: string, pattern: string, limit: number): string[] {
  const re = new RegExp(pattern, 'gu');
  const out: string[] = [];
  let last = 0;
  if (s.length === 0) return [''];
  for (const m of s.matchAll(re)) {
    if (limit > 0 && out.length === limit - 1) break;
    if (m[0].length === 0) {
      // Zero-width match: split between characters (Java skips a match at position 0).
      if (m.index === 0 || m.index >= s.length) continue;
    }
    out.push(s.slice(last, m.index));
    last = m.index + m[0].length;
  }
  out.push(s.slice(last));
  return out;
}

function cmpValues(a: unknown, b: unknown): number {
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

const defs: ScalarFunctionDef[] = [
  {
    name: 'split', arity: [2, 3], doc: 'split(str, regex[, limit]): splits around matches of a regex into an array (limit > 0: at most limit parts)',
    resolve: (argTypes) => ({ type: 'list<utf8>', argTypes: argTypes.length === 3 ? ['utf8', 'utf8', 'int32'] : ['utf8', 'utf8'] }),
    impl: ((s: string, p: string, limit?: number) => splitImpl(s, p, limit ?? -1)) as never,
  },
  {
    name: 'array', arity: [0, Infinity], nulls: 'custom', doc: 'array(a, b, ...): an array of the arguments (nulls kept as elements)',
    resolve(argTypes, display) {
      const widen = (x: DataType, y: DataType): DataType | undefined => commonType(x, y) ?? (x === 'utf8' || y === 'utf8' ? 'utf8' : undefined);
      let t: DataType | undefined = 'null';
      for (const a of argTypes) {
        t = t === undefined ? undefined : widen(t, a);
      }
      if (!t) throw typeError(display, argTypes, 'arguments of one type');
      const et = t === 'null' ? 'utf8' : t;
      return { type: listOf(et), argTypes: argTypes.map(() => et) };
    },
    generate(ctx, argTypes, _t, out) {
      const parts = argTypes.map((_, i) => {
        const a = ctx.arg(i);
        return `(${a.n} ? null : ${a.v})`;
      });
      return `${out.n} = false; ${out.v} = [${parts.join(', ')}];`;
    },
  },
  {
    name: 'size', aliases: ['cardinality', 'array_size'], arity: [1, 1], nulls: 'custom', doc: 'size(array): number of elements; -1 for null (Spark 3 default)',
    resolve: (argTypes, display) => ({ type: 'int32', argTypes: [isMap(argTypes[0]!) ? argTypes[0]! : listArg(display, argTypes)] }),
    generate: (ctx, argTypes, _t, out) => {
      const a = ctx.arg(0);
      return `${out.n} = false; ${out.v} = ${a.n} ? -1 : ${a.v}.${isMap(argTypes[0]!) ? 'size' : 'length'};`;
    },
  },
  {
    name: 'array_contains', arity: [2, 2], mayReturnNull: true,
    doc: 'array_contains(array, value): true if present; null if absent but the array holds a null',
    resolve(argTypes, display) {
      const lt = scalarListArg(display, argTypes);
      const et = elementType(lt);
      const t = commonType(et, argTypes[1]!);
      if (!t) throw typeError(display, argTypes, `a value of the array's element type ${et}`);
      return { type: 'boolean', argTypes: [lt, et] };
    },
    impl: ((arr: unknown[], v: unknown) => (arr.includes(v) ? true : arr.includes(null) ? null : false)) as never,
  },
  {
    name: 'element_at', arity: [2, 2], mayReturnNull: true, doc: 'element_at(array, i): 1-based element, negative counts from the end; null when out of range. element_at(map, key): the value of the key, null when absent',
    resolve(argTypes, display) {
      const mt = argTypes[0]!;
      if (isMap(mt)) {
        const { key, value } = mapTypes(mt);
        if (!commonType(key, argTypes[1]!)) throw typeError(display, argTypes, `a key of the map's key type ${key}`);
        return { type: value, argTypes: [mt, key] };
      }
      const lt = listArg(display, argTypes);
      return { type: elementType(lt), argTypes: [lt, 'int32'] };
    },
    impl: ((arr: unknown[] | Map<unknown, unknown>, i: number) => {
      if (arr instanceof Map) return arr.get(i) ?? null;
      const j = i > 0 ? i - 1 : arr.length + i;
      return i === 0 || j < 0 || j >= arr.length ? null : arr[j];
    }) as never,
  },
  {
    name: 'array_join', arity: [2, 3], doc: 'array_join(array, sep[, nullReplacement]): joins elements as strings, skipping nulls unless replaced',
    resolve(argTypes, display) {
      const lt = scalarListArg(display, argTypes);
      if (elementType(lt) !== 'utf8') return { type: 'utf8', argTypes: [lt, ...argTypes.slice(1).map(() => 'utf8' as DataType)] };
      return { type: 'utf8', argTypes: [lt, ...argTypes.slice(1).map(() => 'utf8' as DataType)] };
    },
    impl: ((arr: unknown[], sep: string, rep?: string) =>
      arr.filter((x) => x !== null || rep !== undefined).map((x) => (x === null ? rep : String(x))).join(sep)) as never,
  },
  {
    name: 'sort_array', arity: [1, 2], doc: 'sort_array(array[, asc]): sorted copy; nulls first ascending, last descending',
    resolve(argTypes, display) {
      const lt = scalarListArg(display, argTypes);
      return { type: lt, argTypes: argTypes.length === 2 ? [lt, 'boolean'] : [lt] };
    },
    impl: ((arr: unknown[], asc?: boolean) => {
      const up = asc !== false;
      const vals = arr.filter((x) => x !== null).sort(cmpValues);
      const nulls = arr.filter((x) => x === null);
      return up ? [...nulls, ...vals] : [...vals.reverse(), ...nulls];
    }) as never,
  },
  {
    name: 'array_distinct', arity: [1, 1], doc: 'array_distinct(array): elements without duplicates, in first-seen order',
    resolve: (argTypes, display) => ({ type: scalarListArg(display, argTypes), argTypes: [argTypes[0]!] }),
    impl: ((arr: unknown[]) => [...new Set(arr)]) as never,
  },
];

/** Registers the module's functions. */
export function register(registry: FunctionRegistry): void {
  registry.registerScalar(...defs);
}

/**
 * Expression code generation: compiles a BoundExpr into a JS function that runs one tight loop
 * over a batch's typed arrays, tracking a value and a null flag per sub-expression (SQL
 * three-valued logic), and writes a typed output column (or a filter mask). Compiled kernels are
 * cached by expression shape.
 */
import { ColumnData, allocValues, binaryFromStrings, decimalColumn, utf8FromStrings } from '../data/column.js';
import { type Batch, constantColumn, decimalStorage, fromStorage } from '../data/batch.js';
import { formatDecimal } from '../data/decimal.js';
import { type DataType, decimalParams, elementType, isDecimal, isList, isNested, isStruct, structFields } from '../types.js';
import { type BoundExpr, LEFT_FOLD_OPS } from './expr.js';
import { type CodeVar, type CodegenContext, getScalar } from './registry.js';
import type { ArrayElements } from './function-defs.js';
import { castTemplate, RUNTIME } from './runtime.js';
import { dictionaryInput, evalOnDictionary, maskOnDictionary, worthDictionary } from './dictionary-eval.js';

/** A compiled expression: evaluates over a batch and returns a column. */
export type CompiledExpr = (batch: Batch) => ColumnData;
/** A compiled predicate: evaluates over a batch and returns a 0/1 mask plus the number of 1s. */
export type CompiledPredicate = (batch: Batch) => { mask: Uint8Array; count: number };

type Kernel = (cols: readonly ColumnData[], n: number, K: readonly unknown[], R: typeof RUNTIME) => { values: unknown; validity: Uint8Array | null; count?: number };

const kernelCache = new Map<string, { kernel: Kernel; consts: unknown[] }>();

class Generator implements CodegenContext {
  private counter = 0;
  readonly decls: string[] = [];
  readonly consts: unknown[] = [];
  readonly loadCode: string[] = [];
  readonly prelude: string[] = [];
  private argStack: { args: readonly BoundExpr[]; body: string[] }[] = [];

  fresh(): CodeVar {
    const k = this.counter++;
    const v = { v: `v${k}`, n: `n${k}` };
    this.decls.push(`let ${v.v}, ${v.n};`);
    return v;
  }

  constant(value: unknown): string {
    let i = this.consts.indexOf(value);
    if (i < 0) {
      i = this.consts.length;
      this.consts.push(value);
    }
    return `K[${i}]`;
  }

  arg(i: number): CodeVar {
    const top = this.argStack[this.argStack.length - 1]!;
    return this.emit(top.args[i]!, top.body);
  }

  argLazy(i: number): CodeVar & { code: string } {
    const top = this.argStack[this.argStack.length - 1]!;
    const body: string[] = [];
    const v = this.emit(top.args[i]!, body);
    return { ...v, code: body.join('\n') };
  }

  elements(i: number): ArrayElements {
    const top = this.argStack[this.argStack.length - 1]!;
    const a = top.args[i]!;
    if (a.kind === 'ref' && isList(a.type)) {
      // Straight from the list column: offsets and the child's typed arrays, no per-row JS array.
      const k = a.index;
      const et = elementType(a.type);
      if (!this.listLoads.has(k)) {
        this.listLoads.add(k);
        const vals = et === 'utf8' ? `le${k}.strings()` : et === 'null' ? 'null' : `le${k}.values`;
        this.prelude.push(`const lo${k} = cols[${k}].offsets, lv${k} = cols[${k}].validity, le${k} = cols[${k}].child, lev${k} = le${k}.validity, lea${k} = ${vals};`);
      }
      const value = (j: string) => (et === 'boolean' ? `lea${k}[${j}] === 1` : `lea${k}[${j}]`);
      return {
        code: '',
        n: `(lv${k} !== null && lv${k}[r] === 0)`,
        lo: `lo${k}[r]`,
        hi: `lo${k}[r + 1]`,
        at: (j) => (et === 'null' ? 'null' : `(lev${k} !== null && lev${k}[${j}] === 0 ? null : ${value(j)})`),
      };
    }
    const body: string[] = [];
    const v = this.emit(a, body);
    return { code: body.join('\n'), n: v.n, lo: '0', hi: `${v.v}.length`, at: (j) => `${v.v}[${j}]` };
  }

  lambda(i: number, params: readonly CodeVar[]): CodeVar & { code: string } {
    const top = this.argStack[this.argStack.length - 1]!;
    const l = top.args[i]!;
    if (l.kind !== 'lambda') throw new Error(`internal codegen error: argument ${i + 1} is not a lambda function`);
    l.params.forEach((p, k) => this.lambdaVars.set(p.slot, params[k]!));
    const body: string[] = [];
    try {
      const v = this.emit(l.body, body);
      return { ...v, code: body.join('\n') };
    } finally {
      for (const p of l.params) this.lambdaVars.delete(p.slot);
    }
  }

  /** List columns whose offsets and child arrays the prelude loads (see `elements`). */
  private readonly listLoads = new Set<number>();
  /** The variables of the lambda parameters in scope, by slot. */
  private readonly lambdaVars = new Map<number, CodeVar>();

  /** Loads column `index` once per row at the top of the loop. */
  private load(e: Extract<BoundExpr, { kind: 'ref' }>): CodeVar {
    return this.loadColumn(String(e.index), `cols[${e.index}]`, e.type, []);
  }

  /**
   * Loads a column (a batch column, or a struct field column below one: `src` is its JS
   * expression) once per row; `parents` are the validity arrays of the structs above it, whose
   * nulls make the value null.
   */
  private loadColumn(key: string, src: string, type: DataType, parents: readonly string[]): CodeVar {
    const existing = this.loadKeys.get(key);
    if (existing) return existing;
    const i = key.replace(/\./g, '_');
    const v = { v: `c${i}`, n: `cn${i}` };
    this.prelude.push(`const cv${i} = ${src}.validity;`);
    if (type === 'utf8' || type === 'binary') this.prelude.push(`const ca${i} = ${src}.strings();`);
    else if (isNested(type)) this.prelude.push(`const ca${i} = ${src}.objects();`);
    else if (isDecimal(type)) this.prelude.push(`const ca${i} = ${src}.bigints();`);
    else if (type !== 'null') this.prelude.push(`const ca${i} = ${src}.values;`);
    let value: string;
    if (type === 'null') value = 'null';
    else if (type === 'boolean') value = `ca${i}[r] === 1`;
    else value = `ca${i}[r]`;
    const nullTest = [`(cv${i} !== null && cv${i}[r] === 0)`, ...parents.map((p) => `(${p} !== null && ${p}[r] === 0)`)].join(' || ');
    this.loadCode.push(
      type === 'null'
        ? `const c${i} = null, cn${i} = true;`
        : `const cn${i} = ${nullTest}; const c${i} = ${value};`,
    );
    this.loadKeys.set(key, v);
    return v;
  }

  private readonly loadKeys = new Map<string, CodeVar>();

  /**
   * A struct field of a batch column (`s.a`, `s.a.b`: get_field over a column reference with a
   * literal name) read straight from the field's child column: typed-array code, no row objects.
   */
  private loadField(e: BoundExpr): CodeVar | undefined {
    const path: number[] = [];
    let cur = e;
    while (cur.kind === 'call' && cur.fn === 'get_field') {
      const [base, name] = cur.args;
      if (!base || !name || name.kind !== 'lit' || typeof name.value !== 'string' || !isStruct(base.type)) return undefined;
      const k = fieldIndex(base.type, name.value);
      if (k < 0) return undefined;
      path.unshift(k);
      cur = base;
    }
    if (cur.kind !== 'ref' || path.length === 0) return undefined;
    let src = `cols[${cur.index}]`;
    const parents: string[] = [];
    for (let d = 0; d < path.length; d++) {
      const pv = `pv${cur.index}_${path.slice(0, d).join('_')}`;
      if (!this.loadKeys.has(pv)) {
        this.prelude.push(`const ${pv} = ${src}.validity;`);
        this.loadKeys.set(pv, { v: pv, n: pv });
      }
      parents.push(pv);
      src += `.children[${path[d]}]`;
    }
    return this.loadColumn(`${cur.index}.${path.join('.')}`, src, e.type, parents);
  }

  /** Variables of nodes already computed: the running value of a left fold, while its next step is emitted. */
  private readonly emitted = new Map<BoundExpr, CodeVar>();

  /**
   * A left fold `fn(a, b, c, ...)` (see `LEFT_FOLD_OPS`): the same statements as the nested
   * binary calls `fn(fn(a, b), c)`, emitted in a loop (one step per argument, no recursion).
   */
  private emitFold(e: Extract<BoundExpr, { kind: 'call' }>, body: string[]): CodeVar {
    let acc: BoundExpr = e.args[0]!;
    let v = this.emit(acc, body);
    for (let i = 1; i < e.args.length; i++) {
      const step: BoundExpr = { kind: 'call', fn: e.fn, args: [acc, e.args[i]!], type: e.type };
      // Only while emitting this step: `acc` may be shared with code emitted later in another branch.
      this.emitted.set(acc, v);
      v = this.emit(step, body);
      this.emitted.delete(acc);
      acc = step;
    }
    return v;
  }

  /** Emits statements computing `e` into `body`, returning its variables. */
  emit(e: BoundExpr, body: string[]): CodeVar {
    const known = this.emitted.get(e);
    if (known) return known;
    switch (e.kind) {
      case 'ref':
        return this.load(e);
      case 'lit': {
        const out = this.fresh();
        if (e.value === null) body.push(`${out.n} = true; ${out.v} = ${defaultValue(e.type)};`);
        else body.push(`${out.n} = false; ${out.v} = ${this.constant(isDecimal(e.type) ? decimalStorage(e.type, e.value) : e.value)};`);
        return out;
      }
      case 'cast': {
        const a = this.emit(e.expr, body);
        const out = this.fresh();
        const from = e.expr.type;
        if (from === e.type) {
          body.push(`${out.n} = ${a.n}; ${out.v} = ${a.v};`);
        } else {
          const t = castTemplate(from, e.type, a.v);
          body.push(`if (${a.n}) { ${out.n} = true; ${out.v} = ${defaultValue(e.type)}; } else { ${out.v} = ${t}; ${out.n} = ${out.v} === null; }`);
        }
        return out;
      }
      case 'case': {
        const out = this.fresh();
        let code = '';
        let closing = '';
        for (const [cond, val] of e.branches) {
          const cb: string[] = [];
          const c = this.emit(cond, cb);
          const vb: string[] = [];
          const v = this.emit(val, vb);
          code += `${cb.join('\n')}\nif (!${c.n} && ${c.v}) { ${vb.join('\n')}\n${out.v} = ${v.v}; ${out.n} = ${v.n}; } else {\n`;
          closing += '}';
        }
        if (e.otherwise) {
          const ob: string[] = [];
          const o = this.emit(e.otherwise, ob);
          code += `${ob.join('\n')}\n${out.v} = ${o.v}; ${out.n} = ${o.n};`;
        } else {
          code += `${out.n} = true; ${out.v} = ${defaultValue(e.type)};`;
        }
        body.push(code + closing);
        return out;
      }
      case 'lambdavar': {
        const v = this.lambdaVars.get(e.slot);
        if (!v) throw new Error(`internal codegen error: lambda variable ${e.name} outside its lambda function`);
        return v;
      }
      case 'lambda':
        throw new Error('internal codegen error: a lambda function outside a higher-order function');
      case 'udf':
        throw new Error(`internal error: UDF ${e.udf.name} reached codegen; the optimizer rule extract_udfs evaluates UDFs in an EvalUdfs node`);
      case 'call': {
        if (e.args.length > 2 && LEFT_FOLD_OPS.has(e.fn)) return this.emitFold(e, body);
        if (e.fn === 'get_field') {
          const field = this.loadField(e);
          if (field) return field;
        }
        const def = getScalar(e.fn);
        const argTypes = e.args.map((a) => a.type);
        const out = this.fresh();
        if (def.nulls === 'custom') {
          this.argStack.push({ args: e.args, body });
          try {
            const code = def.generate!(this, argTypes, e.type, out);
            body.push(code);
          } finally {
            this.argStack.pop();
          }
          return out;
        }
        const args = e.args.map((a) => this.emit(a, body));
        const anyNull = args.length ? args.map((a) => a.n).join(' || ') : 'false';
        let valueExpr: string;
        let mayNull = def.mayReturnNull === true;
        if (def.template) {
          valueExpr = def.template(args.map((a) => a.v), argTypes, e.type);
        } else if (def.impl) {
          valueExpr = `${this.constant(def.impl)}(${args.map((a) => a.v).join(', ')})`;
          mayNull = true;
        } else {
          throw new Error(`function ${def.name} has no code generator`);
        }
        if (mayNull) {
          body.push(`if (${anyNull}) { ${out.n} = true; ${out.v} = ${defaultValue(e.type)}; } else { ${out.v} = ${valueExpr}; ${out.n} = ${out.v} === null || ${out.v} === undefined; }`);
        } else {
          body.push(`if (${anyNull}) { ${out.n} = true; ${out.v} = ${defaultValue(e.type)}; } else { ${out.n} = false; ${out.v} = ${valueExpr}; }`);
        }
        return out;
      }
    }
  }
}

/** Index of a struct field by name: exact match first, then case-insensitive (Spark's default); -1 if none. */
export function fieldIndex(t: DataType, name: string): number {
  if (!isStruct(t)) return -1;
  const fields = structFields(t);
  const exact = fields.findIndex((f) => f.name === name);
  if (exact >= 0) return exact;
  const lower = name.toLowerCase();
  return fields.findIndex((f) => f.name.toLowerCase() === lower);
}

function defaultValue(t: DataType): string {
  if (isNested(t)) return 'null';
  if (isDecimal(t)) return '0n';
  switch (t) {
    case 'utf8': case 'binary': return "''";
    case 'boolean': return 'false';
    case 'null': return 'null';
    default: return '0';
  }
}

/** A stable key for a bound expression's shape (types included); NaN, ±Infinity and -0 stay distinct. */
function keyOf(e: BoundExpr): string {
  return JSON.stringify(e, (_k, v: unknown) =>
    typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? `__num:${Object.is(v, -0) ? '-0' : String(v)}` : v);
}

function compileKernel(e: BoundExpr, mode: 'value' | 'mask'): { kernel: Kernel; consts: unknown[] } {
  const key = mode + keyOf(e);
  const hit = kernelCache.get(key);
  if (hit) return hit;
  const g = new Generator();
  const body: string[] = [];
  const res = g.emit(e, body);
  const t = e.type;
  let alloc: string;
  let store: string;
  let ret: string;
  if (mode === 'mask') {
    alloc = 'const out = new Uint8Array(n); let count = 0;';
    store = `if (!${res.n} && ${res.v}) { out[r] = 1; count++; }`;
    ret = 'return { values: out, validity: null, count };';
  } else {
    const arr =
      t === 'utf8' || t === 'binary' || isNested(t) || isDecimal(t) ? 'new Array(n)'
      : t === 'boolean' ? 'new Uint8Array(n)'
      : t === 'int32' || t === 'date32' ? 'new Int32Array(n)'
      : t === 'null' ? 'null'
      : 'new Float64Array(n)';
    alloc = `const out = ${arr}; let validity = null;`;
    const val = t === 'boolean' ? `(${res.v} ? 1 : 0)` : res.v;
    const write = t === 'null' ? '' : t === 'utf8' || t === 'binary' || isNested(t) ? `out[r] = ${res.n} ? null : ${val};` : `out[r] = ${val};`;
    store = `if (${res.n}) { if (validity === null) { validity = new Uint8Array(n); validity.fill(1, 0, r); } } else if (validity !== null) validity[r] = 1;\n${write}`;
    ret = 'return { values: out, validity };';
  }
  const src = [
    ...g.prelude,
    alloc,
    'for (let r = 0; r < n; r++) {',
    ...g.loadCode,
    ...g.decls,
    ...body,
    store,
    '}',
    ret,
  ].join('\n');
  let kernel: Kernel;
  try {
    kernel = new Function('cols', 'n', 'K', 'R', src) as Kernel;
  } catch (err) {
    throw new Error(`internal codegen error for ${key}: ${(err as Error).message}\n${src}`);
  }
  const compiled = { kernel, consts: g.consts };
  kernelCache.set(key, compiled);
  return compiled;
}

/** Compiles an expression to a function from batch to output column. Bare column references and literals skip codegen. */
export function compileExpr(e: BoundExpr): CompiledExpr {
  if (e.kind === 'ref') {
    const i = e.index;
    return (b) => b.columns[i]!;
  }
  if (e.kind === 'lit') {
    return (b) => constantColumn(e.type, e.value, b.numRows);
  }
  const { kernel, consts } = compileKernel(e, 'value');
  const t = e.type;
  const dictIn = dictionaryInput(e);
  const run: CompiledExpr = (b) => {
    if (dictIn >= 0 && worthDictionary(b, dictIn)) return evalOnDictionary(b, dictIn, run);
    const n = b.numRows;
    const { values, validity } = kernel(b.columns, n, consts, RUNTIME);
    if (t === 'null') return new ColumnData('null', n, null, null);
    if (t === 'utf8') return utf8FromStrings(values as (string | null)[]);
    if (t === 'binary') return binaryFromStrings(values as (string | null)[]);
    if (isNested(t)) return fromStorage(t, values as unknown[]);
    if (isDecimal(t)) return decimalColumn(t, values as bigint[], validity);
    return new ColumnData(t, n, values as Float64Array, validity);
  };
  return run;
}

/** Compiles a boolean expression to a filter mask function (null counts as false). */
export function compilePredicate(e: BoundExpr): CompiledPredicate {
  if (e.kind === 'lit') {
    const keep = e.value === true;
    return (b) => {
      const mask = new Uint8Array(b.numRows);
      if (keep) mask.fill(1);
      return { mask, count: keep ? b.numRows : 0 };
    };
  }
  const { kernel, consts } = compileKernel(e, 'mask');
  const dictIn = dictionaryInput(e);
  const run: CompiledPredicate = (b) => {
    if (dictIn >= 0 && worthDictionary(b, dictIn)) return maskOnDictionary(b, dictIn, run);
    const r = kernel(b.columns, b.numRows, consts, RUNTIME);
    return { mask: r.values as Uint8Array, count: r.count! };
  };
  return run;
}

/** Evaluates a constant (column-free) bound expression to its storage value (for constant folding). */
export function evaluateConstant(e: BoundExpr): unknown {
  const fn = compileExpr(e);
  const col = fn({ columns: [], numRows: 1, schema: undefined as never } as unknown as Batch);
  if (col.type === 'null' || (col.validity && col.validity[0] === 0)) return null;
  if (col.type === 'utf8' || col.type === 'binary') return col.strings()[0];
  if (col.type === 'boolean') return col.values![0] === 1;
  if (isDecimal(col.type)) return formatDecimal(col.bigints()[0]!, decimalParams(col.type).scale);
  if (isNested(col.type)) return col.objects()[0];
  return col.values![0];
}

export { allocValues };

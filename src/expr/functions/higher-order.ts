/**
 * Higher-order array functions with lambda arguments (Spark's transform, filter, exists, forall,
 * aggregate / reduce, zip_with). The binder types each lambda's parameters through
 * `lambdaParams`; codegen inlines the lambda body in a loop over the row's elements (read from
 * the list column's child arrays when the array is a column), so no JS function is called per
 * element or row. Null arrays give null; exists / forall follow Spark's three-valued logic.
 */
import { type DataType, type ListType, commonType, elementType, isList, listOf } from '../../types.js';
import { type CodeVar, type CodegenContext, type FunctionRegistry, type ScalarFunctionDef, typeError } from '../function-defs.js';

function listArg(display: string, argTypes: readonly DataType[], i = 0): ListType {
  const t = argTypes[i];
  if (t === undefined || !isList(t)) throw typeError(display, argTypes, `an array as argument ${i + 1}`);
  return t;
}

/** The element type of array argument `i` of a partly bound call (for lambda parameter types). */
function elemOf(args: readonly ({ type: DataType } | undefined)[], i: number, display: string): DataType {
  const t = args[i]?.type;
  if (t === undefined || !isList(t)) throw typeError(display, args.map((a) => a?.type ?? 'null'), `an array as argument ${i + 1}`);
  return elementType(t);
}

/** The element type a lambda's result becomes as an array element (arrays of arrays are not supported). */
function elementResult(display: string, argTypes: readonly DataType[], t: DataType): ListType {
  if (isList(t)) throw typeError(display, argTypes, 'a lambda returning a scalar (arrays of arrays are not supported)');
  try {
    return listOf(t === 'null' ? 'utf8' : t);
  } catch (err) {
    throw typeError(display, argTypes, (err as Error).message);
  }
}

/** `x.v = <element j>; x.n = x.v === null;` */
function setElem(x: CodeVar, value: string): string {
  return `${x.v} = ${value}; ${x.n} = ${x.v} === null;`;
}

/**
 * The shared shape of the element loops: `code` evaluates the array, `before` runs for a
 * non-null array (with `lo`/`hi` in scope), `step` per element with `x` (and the 0-based index
 * `i`, if given) assigned, `after` sets the result.
 */
function loop(ctx: CodegenContext, out: CodeVar, x: CodeVar, i: CodeVar | null, parts: { before: string; step: (lo: string) => string; after: string }): string {
  const L = ctx.elements(0);
  const j = `${out.v}_j`;
  const lo = `${out.v}_lo`;
  const hi = `${out.v}_hi`;
  return `${L.code}
if (${L.n}) { ${out.n} = true; ${out.v} = null; } else {
  const ${lo} = ${L.lo}, ${hi} = ${L.hi};
  ${parts.before}
  for (let ${j} = ${lo}; ${j} < ${hi}; ${j}++) {
    ${setElem(x, L.at(j))}${i ? ` ${i.v} = ${j} - ${lo}; ${i.n} = false;` : ''}
    ${parts.step(lo)}
  }
  ${parts.after}
}`;
}

/** transform / filter: element (and index) parameters of the lambda at argument 1. */
function elementLambda(index: number, args: readonly ({ type: DataType } | undefined)[], display: string) {
  return index === 1 ? { types: [elemOf(args, 0, display), 'int32' as DataType], min: 1 } : undefined;
}

/** exists / forall: one element parameter. */
function predicateLambda(index: number, args: readonly ({ type: DataType } | undefined)[], display: string) {
  return index === 1 ? { types: [elemOf(args, 0, display)], min: 1 } : undefined;
}

function predicateSig(argTypes: readonly DataType[], display: string) {
  const lt = listArg(display, argTypes);
  if (argTypes[1] !== 'boolean' && argTypes[1] !== 'null') throw typeError(display, argTypes, 'a lambda function returning boolean');
  return { type: 'boolean' as DataType, argTypes: [lt, 'boolean' as DataType] };
}

/**
 * exists (`any`: stops at the first true) or forall (stops at the first false), in Spark's
 * three-valued logic: a null from the predicate makes the result null unless an element decides it.
 */
function quantifier(name: string, any: boolean, doc: string): ScalarFunctionDef {
  return {
    name, arity: [2, 2], nulls: 'custom', doc,
    lambdaParams: predicateLambda,
    resolve: predicateSig,
    generate(ctx, _a, _t, out) {
      const [x] = params(ctx, 1);
      const f = ctx.lambda(1, [x!]);
      const r = `${out.v}_r`;
      return loop(ctx, out, x!, null, {
        before: `let ${r} = ${!any};`,
        step: () => `${f.code}\nif (${f.n}) { if (${r} === ${!any}) ${r} = null; } else if (${any ? '' : '!'}${f.v}) { ${r} = ${any}; break; }`,
        after: `${out.v} = ${r} === true; ${out.n} = ${r} === null;`,
      });
    },
  };
}

/** Lambda parameter variables for the lambda at argument `i` (as many as it declares). */
function params(ctx: CodegenContext, count: number): CodeVar[] {
  return Array.from({ length: count }, () => ctx.fresh());
}

const defs: ScalarFunctionDef[] = [
  {
    name: 'transform', arity: [2, 2], nulls: 'custom',
    doc: 'transform(array, x -> expr) or transform(array, (x, i) -> expr): the lambda applied to each element (i: 0-based position)',
    lambdaParams: elementLambda,
    resolve(argTypes, display) {
      return { type: elementResult(display, argTypes, argTypes[1]!), argTypes: [listArg(display, argTypes), argTypes[1]!] };
    },
    generate(ctx, _a, _t, out) {
      const [x, i] = params(ctx, 2);
      const f = ctx.lambda(1, [x!, i!]);
      return loop(ctx, out, x!, i!, {
        before: `const ${out.v}_a = new Array(${out.v}_hi - ${out.v}_lo);`,
        step: (lo) => `${f.code}\n${out.v}_a[${out.v}_j - ${lo}] = ${f.n} ? null : ${f.v};`,
        after: `${out.n} = false; ${out.v} = ${out.v}_a;`,
      });
    },
  },
  {
    name: 'filter', arity: [2, 2], nulls: 'custom',
    doc: 'filter(array, x -> cond) or filter(array, (x, i) -> cond): the elements for which the condition is true',
    lambdaParams: elementLambda,
    resolve(argTypes, display) {
      const lt = listArg(display, argTypes);
      if (argTypes[1] !== 'boolean' && argTypes[1] !== 'null') throw typeError(display, argTypes, 'a lambda function returning boolean');
      return { type: lt, argTypes: [lt, 'boolean'] };
    },
    generate(ctx, _a, _t, out) {
      const [x, i] = params(ctx, 2);
      const f = ctx.lambda(1, [x!, i!]);
      return loop(ctx, out, x!, i!, {
        before: `const ${out.v}_a = [];`,
        step: () => `${f.code}\nif (!${f.n} && ${f.v}) ${out.v}_a.push(${x!.n} ? null : ${x!.v});`,
        after: `${out.n} = false; ${out.v} = ${out.v}_a;`,
      });
    },
  },
  quantifier('exists', true, 'exists(array, x -> cond): true if the condition holds for some element; null if it holds for none but was null for some'),
  quantifier('forall', false, 'forall(array, x -> cond): true if the condition holds for every element; null if none is false but some is null'),
  {
    name: 'aggregate', aliases: ['reduce'], arity: [3, 4], nulls: 'custom',
    doc: 'aggregate(array, zero, (acc, x) -> merge[, acc -> finish]): folds the elements into a value starting from zero, then applies finish',
    lambdaParams(index, args, display) {
      if (index < 2) return undefined;
      const zero = args[1]!.type;
      const merged = args[2]?.type;
      // The accumulator has zero's type, widened to the merge result's when they differ (0 and a bigint sum).
      const acc = merged === undefined || merged === zero ? zero : commonType(zero, merged) ?? zero;
      return index === 2 ? { types: [acc, elemOf(args, 0, display)], min: 2 } : { types: [acc], min: 1 };
    },
    resolve(argTypes, display) {
      const lt = listArg(display, argTypes);
      const acc = commonType(argTypes[1]!, argTypes[2]!);
      if (acc === undefined) throw typeError(display, argTypes, `a merge function returning the type of the initial value (${argTypes[1]})`);
      if (isList(acc)) throw typeError(display, argTypes, 'a scalar accumulator (array accumulators are not supported)');
      const type = argTypes.length === 4 ? argTypes[3]! : acc;
      return { type, argTypes: argTypes.length === 4 ? [lt, acc, acc, type] : [lt, acc, acc] };
    },
    generate(ctx, argTypes, _t, out) {
      const zero = ctx.arg(1);
      const acc = ctx.fresh();
      const [a2, x] = params(ctx, 2);
      const merge = ctx.lambda(2, [a2!, x!]);
      const fin = argTypes.length === 4 ? ctx.lambda(3, [acc]) : null;
      return loop(ctx, out, x!, null, {
        before: `${acc.v} = ${zero.v}; ${acc.n} = ${zero.n};`,
        step: () => `${a2!.v} = ${acc.v}; ${a2!.n} = ${acc.n};\n${merge.code}\n${acc.v} = ${merge.v}; ${acc.n} = ${merge.n};`,
        after: fin ? `${fin.code}\n${out.v} = ${fin.v}; ${out.n} = ${fin.n};` : `${out.v} = ${acc.v}; ${out.n} = ${acc.n};`,
      });
    },
  },
  {
    name: 'zip_with', arity: [3, 3], nulls: 'custom',
    doc: 'zip_with(a, b, (x, y) -> expr): the lambda applied to the elements at each position of two arrays, the shorter padded with nulls',
    lambdaParams: (index, args, display) => (index === 2 ? { types: [elemOf(args, 0, display), elemOf(args, 1, display)], min: 2 } : undefined),
    resolve(argTypes, display) {
      return { type: elementResult(display, argTypes, argTypes[2]!), argTypes: [listArg(display, argTypes, 0), listArg(display, argTypes, 1), argTypes[2]!] };
    },
    generate(ctx, _a, _t, out) {
      const A = ctx.elements(0);
      const B = ctx.elements(1);
      const [x, y] = params(ctx, 2);
      const f = ctx.lambda(2, [x!, y!]);
      const o = out.v;
      return `${A.code}\n${B.code}
if (${A.n} || ${B.n}) { ${out.n} = true; ${out.v} = null; } else {
  const ${o}_al = ${A.lo}, ${o}_an = ${A.hi} - ${o}_al, ${o}_bl = ${B.lo}, ${o}_bn = ${B.hi} - ${o}_bl;
  const ${o}_n = Math.max(${o}_an, ${o}_bn), ${o}_a = new Array(${o}_n);
  for (let ${o}_k = 0; ${o}_k < ${o}_n; ${o}_k++) {
    ${x!.v} = ${o}_k < ${o}_an ? ${A.at(`(${o}_al + ${o}_k)`)} : null; ${x!.n} = ${x!.v} === null;
    ${y!.v} = ${o}_k < ${o}_bn ? ${B.at(`(${o}_bl + ${o}_k)`)} : null; ${y!.n} = ${y!.v} === null;
    ${f.code}
    ${o}_a[${o}_k] = ${f.n} ? null : ${f.v};
  }
  ${out.n} = false; ${out.v} = ${o}_a;
}`;
    },
  },
];

/** Registers the module's functions. */
export function register(registry: FunctionRegistry): void {
  registry.registerScalar(...defs);
}

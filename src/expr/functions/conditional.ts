/**
 * Conditional functions: coalesce, nullif, nvl / ifnull, nvl2, if / iff, and raise_error (which
 * fails the job with its message, e.g. in a CASE branch). They handle nulls
 * themselves (`nulls: 'custom'`) and evaluate lazily like Spark: an argument that is not needed
 * for the row's result is not computed, so an error it would raise (an overflow, a bad pattern)
 * does not surface. Result types follow Spark's findWiderCommonType (numeric widening, date →
 * timestamp, string promotion).
 */
import { ExecutionError } from '../../errors.js';
import type { DataType } from '../../types.js';
import { type FunctionRegistry, type ScalarFunctionDef, typeError } from '../function-defs.js';
import { castTemplate } from '../runtime.js';
import { defaultValue, isArrayType, lazyArg, widerType } from './helpers.js';
import { comparisonType } from './operators.js';

/** A resolve rule: all (or the given) arguments coerced to their wider common type. */
function commonResult(name: string, from = 0) {
  return (argTypes: readonly DataType[], display: string) => {
    const t = widerType(argTypes.slice(from));
    if (t === undefined) throw typeError(display, argTypes, `${name} arguments of compatible types (cast them to one type)`);
    return { type: t, argTypes: argTypes.map((a, i) => (i < from ? a : t)) };
  };
}

const coalesce: ScalarFunctionDef = {
  name: 'coalesce', arity: [1, Infinity], nulls: 'custom',
  doc: 'coalesce(a, b, ...): the first non-null argument (later arguments are only evaluated when the earlier ones are null); null if all are null',
  resolve: commonResult('coalesce'),
  generate(ctx, argTypes, type, out) {
    let code = '';
    let closing = '';
    for (let i = 0; i < argTypes.length; i++) {
      const a = lazyArg(ctx, i);
      code += `${a.code}\nif (!${a.n}) { ${out.n} = false; ${out.v} = ${a.v}; } else {\n`;
      closing += '}';
    }
    return `${code}${out.n} = true; ${out.v} = ${defaultValue(type)};${closing}`;
  },
};

/** raise_error's runtime: the job fails with the message (Spark: USER_RAISED_EXCEPTION). */
function raiseError(message: string | null): never {
  throw new ExecutionError(message ?? 'raise_error(NULL) was called');
}

const DEFS: ScalarFunctionDef[] = [
  coalesce,
  {
    // Non-deterministic so it is never constant-folded: it raises when a row reaches it, at run time.
    name: 'raise_error', arity: [1, 1], nulls: 'custom', deterministic: false,
    doc: "raise_error(message): fails the job with an ExecutionError carrying the message when evaluated (use it in a CASE / if branch); its type is null",
    resolve(argTypes, display) {
      const t = argTypes[0]!;
      if (t !== 'utf8' && t !== 'null') throw typeError(display, argTypes, 'a string message for raise_error');
      return { type: 'null', argTypes: ['utf8'] };
    },
    generate(ctx, _argTypes, _type, out) {
      const m = ctx.arg(0);
      return `${ctx.constant(raiseError)}(${m.n} ? null : ${m.v}); ${out.n} = true; ${out.v} = null;`;
    },
  },
  {
    ...coalesce,
    name: 'nvl', aliases: ['ifnull'], arity: [2, 2],
    doc: 'nvl(a, b): a if it is not null, else b (b is only evaluated when a is null)',
    resolve: commonResult('nvl'),
  },
  {
    name: 'nvl2', arity: [3, 3], nulls: 'custom',
    doc: 'nvl2(a, b, c): b if a is not null, else c (only the chosen one is evaluated)',
    resolve: commonResult('nvl2', 1),
    generate(ctx, _argTypes, _type, out) {
      const a = ctx.arg(0);
      const b = lazyArg(ctx, 1);
      const c = lazyArg(ctx, 2);
      return `if (!${a.n}) {\n${b.code}\n${out.n} = ${b.n}; ${out.v} = ${b.v}; } else {\n${c.code}\n${out.n} = ${c.n}; ${out.v} = ${c.v}; }`;
    },
  },
  {
    name: 'if', aliases: ['iff'], arity: [3, 3], nulls: 'custom',
    doc: 'if(cond, a, b): a when cond is true, else b (a null cond counts as false); only the chosen branch is evaluated',
    resolve(argTypes, display) {
      const c = argTypes[0]!;
      if (c !== 'boolean' && c !== 'null') throw typeError(display, argTypes, 'a boolean condition as the first argument of if');
      const t = widerType(argTypes.slice(1));
      if (t === undefined) throw typeError(display, argTypes, 'if branches of compatible types (cast them to one type)');
      return { type: t, argTypes: ['boolean', t, t] };
    },
    generate(ctx, _argTypes, _type, out) {
      const c = ctx.arg(0);
      const a = lazyArg(ctx, 1);
      const b = lazyArg(ctx, 2);
      return `if (!${c.n} && ${c.v}) {\n${a.code}\n${out.n} = ${a.n}; ${out.v} = ${a.v}; } else {\n${b.code}\n${out.n} = ${b.n}; ${out.v} = ${b.v}; }`;
    },
  },
  {
    name: 'nullif', arity: [2, 2], nulls: 'custom',
    doc: 'nullif(a, b): null if a equals b (compared as in a = b, NaN equal to NaN like Spark), else a; the result has the type of a',
    resolve(argTypes, display) {
      const [a, b] = argTypes as [DataType, DataType];
      const t = isArrayType(a) || isArrayType(b) ? undefined : comparisonType(a, b);
      if (t === undefined) throw typeError(display, argTypes, 'comparable (non-array) arguments for nullif');
      return { type: a, argTypes: [a, a === 'null' ? a : t] };
    },
    generate(ctx, argTypes, type, out) {
      const a = ctx.arg(0);
      const b = ctx.arg(1);
      const [ta, tb] = argTypes as [DataType, DataType];
      if (ta === 'null') return `${out.n} = true; ${out.v} = null;`;
      const cmp = ta === tb ? a.v : castTemplate(ta, tb, a.v);
      const eq = tb === 'float64' ? `(__c === ${b.v} || (__c !== __c && ${b.v} !== ${b.v}))` : `__c === ${b.v}`;
      return `${out.n} = ${a.n}; ${out.v} = ${a.v};\nif (!${a.n} && !${b.n}) { const __c = ${cmp}; if (${eq}) { ${out.n} = true; ${out.v} = ${defaultValue(type)}; } }`;
    },
  },
];

/** Registers the module's functions. */
export function register(registry: FunctionRegistry): void {
  registry.registerScalar(...DEFS);
}

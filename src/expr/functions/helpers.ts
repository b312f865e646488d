/**
 * Shared helpers for the scalar function library (math, string, datetime, conditional):
 * argument-type coercion rules in Spark's implicit-cast style, code generation helpers
 * (strict functions that need per-call-site constants, lazily evaluated arguments) and the
 * Java-regex → JS-regex translation used by the regexp_* functions.
 */
import { IllegalArgumentError } from '../../errors.js';
import { type DataType, commonType, isDecimal, isNested, isNumeric } from '../../types.js';
import { type CodeVar, type CodegenContext, type ScalarFunctionDef, typeError } from '../function-defs.js';

// ---------------------------------------------------------------------------------------------
// Type rules
// ---------------------------------------------------------------------------------------------

/**
 * The type an argument is implicitly cast to where Spark expects a number: numerics stay,
 * strings are read as doubles, null becomes `fallback`. Booleans, dates and timestamps do not
 * convert (undefined).
 */
export function numericArg(t: DataType, fallback: DataType = 'float64'): DataType | undefined {
  if (isNumeric(t)) return t;
  if (isDecimal(t)) return 'float64'; // functions without a decimal form read decimals as doubles
  if (t === 'utf8') return 'float64';
  if (t === 'null') return fallback;
  return undefined;
}

/** Checks that every argument can be implicitly cast to double (numbers, strings, null). */
export function requireDoubles(argTypes: readonly DataType[], display: string, what = 'numeric arguments'): DataType[] {
  for (const t of argTypes) if (numericArg(t) === undefined) throw typeError(display, argTypes, what);
  return argTypes.map(() => 'float64');
}

/** Integer-argument coercion (positions, lengths, counts): any number or numeric string → int32. */
export function intArg(t: DataType): DataType | undefined {
  return isNumeric(t) || t === 'utf8' || t === 'null' ? 'int32' : undefined;
}

/** True for array (`list<T>`) types, which the scalar functions here do not take. */
export function isArrayType(t: DataType): boolean {
  return (t as string).startsWith('list<');
}

/** String-argument coercion: Spark casts any atomic value (numbers, booleans, dates) to string; arrays do not convert. */
export function stringArg(t: DataType): DataType | undefined {
  return isArrayType(t) ? undefined : 'utf8';
}

/** Date-argument coercion: strings are parsed, timestamps truncated; anything else does not convert. */
export function dateArg(t: DataType): DataType | undefined {
  return t === 'utf8' || t === 'date32' || t === 'timestamp' || t === 'null' ? 'date32' : undefined;
}

/** Timestamp-argument coercion: strings are parsed, dates become midnight UTC; anything else does not convert. */
export function timestampArg(t: DataType): DataType | undefined {
  return t === 'utf8' || t === 'date32' || t === 'timestamp' || t === 'null' ? 'timestamp' : undefined;
}

/**
 * Spark's `findWiderCommonType` over several types: numeric widening, date → timestamp, and
 * string promotion (a string next to a number / date / timestamp makes the result a string).
 * Booleans only combine with booleans and nulls. Undefined when there is no common type.
 */
export function widerType(types: readonly DataType[]): DataType | undefined {
  let t: DataType = 'null';
  for (const x of types) {
    const c: DataType | undefined = commonType(t, x) ?? stringPromotion(t, x);
    if (c === undefined) return undefined;
    t = c;
  }
  return t;
}

function stringPromotion(a: DataType, b: DataType): DataType | undefined {
  if (isNested(a) || isNested(b)) return undefined;
  if (a === 'utf8' && b !== 'boolean') return 'utf8';
  if (b === 'utf8' && a !== 'boolean') return 'utf8';
  return undefined;
}

/** A `resolve` rule: every argument coerced by `coerce`, fixed result type. */
export function uniformRule(coerce: (t: DataType) => DataType | undefined, result: DataType, expected: string): ScalarFunctionDef['resolve'] {
  return (argTypes, display) => {
    const out: DataType[] = [];
    for (const t of argTypes) {
      const c = coerce(t);
      if (c === undefined) throw typeError(display, argTypes, expected);
      out.push(c);
    }
    return { type: result, argTypes: out };
  };
}

/** A `resolve` rule with one coercion per argument position (the last one repeats). */
export function positionalRule(coercions: readonly ((t: DataType) => DataType | undefined)[], result: DataType, expected: string): ScalarFunctionDef['resolve'] {
  return (argTypes, display) => {
    const out: DataType[] = [];
    argTypes.forEach((t, i) => {
      const c = coercions[Math.min(i, coercions.length - 1)]!(t);
      if (c === undefined) throw typeError(display, argTypes, expected);
      out.push(c);
    });
    return { type: result, argTypes: out };
  };
}

// ---------------------------------------------------------------------------------------------
// Code generation helpers
// ---------------------------------------------------------------------------------------------

/** The placeholder value codegen leaves in a null slot of type `t`. */
export function defaultValue(t: DataType): string {
  if (isArrayType(t) || isNested(t)) return 'null';
  if (isDecimal(t)) return '0n';
  switch (t) {
    case 'utf8': return "''";
    case 'boolean': return 'false';
    case 'null': return 'null';
    default: return '0';
  }
}

/**
 * A `generate` for a strict function (null if any argument is null) whose expression needs
 * per-call-site constants (`ctx.constant`) — e.g. a memo of the last compiled regex or datetime
 * pattern, so a literal pattern is compiled once per call site and checked with one `===` per row.
 * `build` returns a JS expression over the argument value variables; when `mayReturnNull`, a null
 * (or undefined) result becomes a SQL null.
 */
export function strictGenerate(
  build: (ctx: CodegenContext, args: readonly string[], argTypes: readonly DataType[], type: DataType) => string,
  mayReturnNull = true,
): NonNullable<ScalarFunctionDef['generate']> {
  return (ctx, argTypes, type, out) => {
    const args = argTypes.map((_, i) => ctx.arg(i));
    const anyNull = args.length ? args.map((a) => a.n).join(' || ') : 'false';
    const expr = build(ctx, args.map((a) => a.v), argTypes, type);
    const dflt = defaultValue(type);
    if (mayReturnNull) {
      return `if (${anyNull}) { ${out.n} = true; ${out.v} = ${dflt}; } else { ${out.v} = ${expr}; if (${out.v} === null || ${out.v} === undefined) { ${out.n} = true; ${out.v} = ${dflt}; } else ${out.n} = false; }`;
    }
    return `if (${anyNull}) { ${out.n} = true; ${out.v} = ${dflt}; } else { ${out.n} = false; ${out.v} = ${expr}; }`;
  };
}

/** An argument's generated statements (to be placed by the caller) and its value / null variables. */
export interface LazyArg extends CodeVar {
  readonly code: string;
}

/**
 * Generates argument `i` so the caller can place its statements inside a branch (lazy evaluation,
 * as coalesce / if / nvl need).
 *
 * Workaround: `CodegenContext.arg(i)` (codegen.ts) pushes the argument's statements straight into
 * the enclosing statement list, ahead of the code `generate` returns, so every argument is
 * evaluated eagerly wherever `ctx.arg` is called. Until the context offers a lazy variant, this
 * helper takes back what `arg` appended to that list (the generator's current argument frame) and
 * returns it as `code`. If the generator's internals ever change shape, it falls back to eager
 * evaluation (`code` is empty), which is still correct for all inputs that do not raise errors.
 */
export function lazyArg(ctx: CodegenContext, i: number): LazyArg {
  const a = ctx.argLazy(i);
  return { code: a.code, v: a.v, n: a.n };
}

// ---------------------------------------------------------------------------------------------
// Java regular expressions → JS
// ---------------------------------------------------------------------------------------------

/** A compiled Java-style pattern: a global regex (replace), a sticky-free one (exec/test) and its group count. */
export interface CompiledRegex {
  readonly global: RegExp;
  readonly single: RegExp;
  readonly groups: number;
}

const regexCache = new Map<string, CompiledRegex>();

/**
 * Compiles a Java regex (Spark's dialect) to JS. Handles the common differences: leading inline
 * flags `(?i)`, `(?s)`, `(?m)`, `(?x)` is not supported; `\A` → `^`, `\z` / `\Z` → `$`; possessive
 * quantifiers and atomic groups are not supported by JS and raise an error. Tries Unicode mode first
 * (so `\p{L}` works and `.` matches code points) and falls back to non-Unicode mode for patterns
 * that use escapes JS only accepts there (e.g. `\-` outside a class).
 */
export function compileJavaRegex(pattern: string): CompiledRegex {
  const hit = regexCache.get(pattern);
  if (hit) return hit;
  let src = pattern;
  let flags = '';
  for (;;) {
    const m = /^\(\?([imsux]+)\)/.exec(src);
    if (!m) break;
    for (const f of m[1]!) {
      if (f === 'i' && !flags.includes('i')) flags += 'i';
      else if (f === 's' && !flags.includes('s')) flags += 's';
      else if (f === 'm' && !flags.includes('m')) flags += 'm';
      else if (f === 'x') throw new IllegalArgumentError(`regex '${pattern}': the COMMENTS flag (?x) is not supported`);
    }
    src = src.slice(m[0].length);
  }
  src = translateJavaEscapes(src);
  let single: RegExp;
  try {
    single = new RegExp(src, flags + 'u');
  } catch {
    try {
      single = new RegExp(src, flags);
    } catch (err) {
      throw new IllegalArgumentError(`invalid regular expression '${pattern}': ${(err as Error).message}`);
    }
  }
  const global = new RegExp(single.source, single.flags + 'g');
  const groups = new RegExp(single.source + '|', single.flags).exec('')!.length - 1;
  const compiled = { global, single, groups };
  if (regexCache.size > 1000) regexCache.clear();
  regexCache.set(pattern, compiled);
  return compiled;
}

/** Rewrites Java-only anchors outside character classes (`\A`, `\z`, `\Z`). */
function translateJavaEscapes(src: string): string {
  if (!src.includes('\\')) return src;
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\' && i + 1 < src.length) {
      const d = src[i + 1]!;
      if (!inClass && d === 'A') out += '^';
      else if (!inClass && (d === 'z' || d === 'Z')) out += '$';
      else out += c + d;
      i++;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    out += c;
  }
  return out;
}

const replacementCache = new Map<string, string>();

/**
 * Translates a Java `Matcher.replaceAll` replacement string to a JS `String.replace` one:
 * `$n` / `${name}` group references (`$0` is the whole match), `\x` escapes a literal character (so `\$` is a dollar sign),
 * and literal `$` signs that JS would interpret are doubled.
 */
export function javaReplacement(rep: string): string {
  if (!rep.includes('$') && !rep.includes('\\')) return rep;
  const hit = replacementCache.get(rep);
  if (hit !== undefined) return hit;
  let out = '';
  for (let i = 0; i < rep.length; i++) {
    const c = rep[i]!;
    if (c === '\\') {
      i++;
      if (i >= rep.length) throw new IllegalArgumentError(`replacement '${rep}': character to be escaped is missing`);
      out += rep[i] === '$' ? '$$' : rep[i];
    } else if (c === '$') {
      const next = rep[i + 1];
      if (next === '{') {
        const end = rep.indexOf('}', i);
        if (end < 0) throw new IllegalArgumentError(`replacement '${rep}': named group reference is missing a '}'`);
        out += `$<${rep.slice(i + 2, end)}>`;
        i = end;
      } else if (next === '0') {
        out += '$&';
        i++;
      } else if (next !== undefined && next >= '1' && next <= '9') {
        out += '$';
      } else {
        throw new IllegalArgumentError(`replacement '${rep}': illegal group reference ('$' must be followed by a group number or {name}; write \\$ for a literal dollar)`);
      }
    } else {
      out += c;
    }
  }
  if (replacementCache.size > 1000) replacementCache.clear();
  replacementCache.set(rep, out);
  return out;
}

/**
 * String functions with Spark semantics. Positions and lengths count characters (Unicode code
 * points, like Spark's UTF8String), not UTF-16 units; every function has a fast path for strings
 * without surrogate pairs. Arguments of other atomic types are implicitly cast to string (Spark's
 * ImplicitCastInputTypes: upper(1) = '1'); integer arguments (positions, lengths) accept any number
 * or numeric string.
 *
 * Regex functions take Java-style patterns (translated by helpers.compileJavaRegex); each call site
 * memoises its last compiled pattern, so a literal pattern is compiled once and re-checked with a
 * single `===` per row.
 *
 * `split` (which returns an array) lives with the array functions in array.ts; `split_part` here
 * takes one part of a literal-delimiter split.
 */
import { Buffer } from 'node:buffer';
import { IllegalArgumentError } from '../../errors.js';
import type { DataType } from '../../types.js';
import { type FunctionRegistry, type ScalarFunctionDef } from '../function-defs.js';
import {
  type CompiledRegex,
  compileJavaRegex,
  intArg,
  javaReplacement,
  positionalRule,
  stringArg,
  strictGenerate,
  uniformRule,
} from './helpers.js';

// ---------------------------------------------------------------------------------------------
// Code point helpers
// ---------------------------------------------------------------------------------------------

/** True if `s` holds any surrogate (i.e. characters outside the BMP). */
export function hasSurrogates(s: string): boolean {
  for (let i = 0; i < s.length; i++) if ((s.charCodeAt(i) & 0xf800) === 0xd800) return true;
  return false;
}

/** Number of characters (code points) in `s`. */
export function numChars(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if ((c & 0xfc00) === 0xd800 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n--;
      i++;
    }
  }
  return n;
}

/** UTF-16 index of code point `cp` (clamped to the string's end). */
function unitIndex(s: string, cp: number): number {
  let i = 0;
  let k = 0;
  while (k < cp && i < s.length) {
    const c = s.charCodeAt(i);
    i += (c & 0xfc00) === 0xd800 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
    k++;
  }
  return i;
}

/** Code point index of UTF-16 index `unit`. */
function cpIndex(s: string, unit: number): number {
  let k = 0;
  for (let i = 0; i < unit; i++) {
    const c = s.charCodeAt(i);
    if ((c & 0xfc00) === 0xd800 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
    k++;
  }
  return k;
}

/** Characters [start, end) of `s` by code point (clamped). */
function cpSlice(s: string, start: number, end: number): string {
  if (!hasSurrogates(s)) return s.slice(Math.max(0, start), Math.max(0, end));
  const a = unitIndex(s, Math.max(0, start));
  const b = unitIndex(s, Math.max(0, end));
  return s.slice(a, Math.max(a, b));
}

// ---------------------------------------------------------------------------------------------
// Implementations (non-null storage values in, string / number out)
// ---------------------------------------------------------------------------------------------

/** Spark's UTF8String.substringSQL: 1-based pos, negative pos counts from the end, pos 0 acts as 1. */
export function substringSQL(s: string, pos: number, len = 2147483647): string {
  const sur = hasSurrogates(s);
  const n = sur ? numChars(s) : s.length;
  let start = pos > 0 ? pos - 1 : pos < 0 ? n + pos : 0;
  const end = Math.min(start + len, n);
  start = Math.max(start, 0);
  if (start >= end) return '';
  return sur ? cpSlice(s, start, end) : s.slice(start, end);
}

function left(s: string, len: number): string {
  return len <= 0 ? '' : substringSQL(s, 1, len);
}

function right(s: string, len: number): string {
  return len <= 0 ? '' : substringSQL(s, -len);
}

function trimSpaces(s: string, lead: boolean, trail: boolean): string {
  let a = 0;
  let b = s.length;
  if (lead) while (a < b && s.charCodeAt(a) === 32) a++;
  if (trail) while (b > a && s.charCodeAt(b - 1) === 32) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

function trimSet(s: string, chars: string, lead: boolean, trail: boolean): string {
  let a = 0;
  let b = s.length;
  if (lead) {
    while (a < b) {
      const w = (s.charCodeAt(a) & 0xfc00) === 0xd800 && a + 1 < b ? 2 : 1;
      if (!chars.includes(s.slice(a, a + w))) break;
      a += w;
    }
  }
  if (trail) {
    while (b > a) {
      const w = (s.charCodeAt(b - 1) & 0xfc00) === 0xdc00 && b - 2 >= a ? 2 : 1;
      if (!chars.includes(s.slice(b - w, b))) break;
      b -= w;
    }
  }
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

function trimFn(lead: boolean, trail: boolean) {
  return (s: string, chars?: string): string => (chars === undefined ? trimSpaces(s, lead, trail) : trimSet(s, chars, lead, trail));
}

function padding(pad: string, k: number): string {
  if (!hasSurrogates(pad)) return pad.repeat(Math.ceil(k / pad.length)).slice(0, k);
  const cps = Array.from(pad);
  let out = '';
  for (let i = 0; i < k; i++) out += cps[i % cps.length];
  return out;
}

function lpad(s: string, len: number, pad = ' '): string {
  const spaces = len - numChars(s);
  if (spaces <= 0 || pad === '') return substringSQL(s, 1, Math.max(len, 0));
  return padding(pad, spaces) + s;
}

function rpad(s: string, len: number, pad = ' '): string {
  const spaces = len - numChars(s);
  if (spaces <= 0 || pad === '') return substringSQL(s, 1, Math.max(len, 0));
  return s + padding(pad, spaces);
}

function instr(s: string, sub: string): number {
  if (sub === '') return 1;
  const i = s.indexOf(sub);
  return i < 0 ? 0 : cpIndex(s, i) + 1;
}

function locate(sub: string, s: string, pos: number): number {
  if (pos < 1) return 0;
  if (sub === '') return 1; // UTF8String.indexOf returns 0 for an empty needle
  const from = hasSurrogates(s) ? unitIndex(s, pos - 1) : pos - 1;
  if (from > s.length) return 0;
  const i = s.indexOf(sub, from);
  return i < 0 ? 0 : cpIndex(s, i) + 1;
}

function reverse(s: string): string {
  if (s.length < 2) return s;
  if (hasSurrogates(s)) return Array.from(s).reverse().join('');
  let out = '';
  for (let i = s.length - 1; i >= 0; i--) out += s[i];
  return out;
}

function initcap(s: string): string {
  const lower = s.toLowerCase();
  let out = '';
  let start = true;
  for (const ch of lower) {
    if (start) {
      const up = ch.toUpperCase();
      out += up.length === ch.length ? up : ch;
    } else out += ch;
    start = ch === ' ';
  }
  return out;
}

function repeat(s: string, n: number): string {
  if (n <= 0 || s === '') return '';
  if (s.length * n > 536_870_000) throw new IllegalArgumentError(`repeat: the result would be ${s.length * n} characters long, more than a string can hold`);
  return s.repeat(n);
}

function replace(s: string, search: string, rep = ''): string {
  if (search === '') return s;
  return s.split(search).join(rep);
}

function splitPart(s: string, delim: string, part: number): string {
  if (part === 0) throw new IllegalArgumentError('split_part: the part number 0 is invalid; parts are numbered from 1 (or from -1, counting from the end)');
  const parts = delim === '' ? [s] : s.split(delim);
  const i = part > 0 ? part - 1 : parts.length + part;
  return i >= 0 && i < parts.length ? parts[i]! : '';
}

/** Spark's UTF8String.subStringIndex (occurrences may overlap, as in Spark). */
function substringIndex(s: string, delim: string, count: number): string {
  if (delim === '' || count === 0) return '';
  if (count > 0) {
    let idx = -1;
    for (let k = 0; k < count; k++) {
      idx = s.indexOf(delim, idx + 1);
      if (idx < 0) return s;
    }
    return s.slice(0, idx);
  }
  let idx = s.length - delim.length + 1;
  for (let k = 0; k < -count; k++) {
    if (idx - 1 < 0) return s;
    idx = s.lastIndexOf(delim, idx - 1);
    if (idx < 0) return s;
  }
  return s.slice(idx + delim.length);
}

function ascii(s: string): number {
  return s.length === 0 ? 0 : s.codePointAt(0)!;
}

/** Per-call-site memo of the last translate() dictionary. */
class TranslateMemo {
  private from: string | undefined;
  private to: string | undefined;
  private dict = new Map<string, string>();

  run(s: string, from: string, to: string): string {
    if (from !== this.from || to !== this.to) {
      this.dict = new Map();
      const f = Array.from(from);
      const t = Array.from(to);
      f.forEach((ch, i) => {
        if (!this.dict.has(ch)) this.dict.set(ch, i < t.length ? t[i]! : '');
      });
      this.from = from;
      this.to = to;
    }
    if (this.dict.size === 0) return s;
    let out = '';
    for (const ch of s) {
      const r = this.dict.get(ch);
      out += r === undefined ? ch : r;
    }
    return out;
  }
}

/** Per-call-site memo of the last compiled regex. */
class RegexMemo {
  private pattern: string | undefined;
  private compiled: CompiledRegex | undefined;

  get(p: string): CompiledRegex {
    if (p !== this.pattern) {
      this.compiled = compileJavaRegex(p);
      this.pattern = p;
    }
    return this.compiled!;
  }

  replace(s: string, p: string, rep: string, pos = 1): string {
    if (pos < 1) throw new IllegalArgumentError(`regexp_replace: the position must be at least 1 but is ${pos}`);
    const re = this.get(p).global;
    const r = javaReplacement(rep);
    if (pos === 1) return s.replace(re, r);
    const from = hasSurrogates(s) ? unitIndex(s, pos - 1) : pos - 1;
    if (from >= s.length) return s;
    return s.slice(0, from) + s.slice(from).replace(re, r);
  }

  extract(s: string, p: string, idx = 1): string {
    const c = this.get(p);
    if (idx < 0) throw new IllegalArgumentError(`regexp_extract: the group index must not be negative but is ${idx}`);
    if (idx > c.groups) throw new IllegalArgumentError(`regexp_extract: the regex '${p}' has ${c.groups} group(s), but group index ${idx} was requested`);
    const m = c.single.exec(s);
    if (!m) return '';
    return m[idx] ?? '';
  }
}

// ---------------------------------------------------------------------------------------------
// Definition builders
// ---------------------------------------------------------------------------------------------

const STR = 'string arguments';

/** (string...) → string via a JS expression. */
function strTemplate(name: string, arity: [number, number], doc: string, tpl: (args: readonly string[]) => string, aliases?: string[]): ScalarFunctionDef {
  return { name, arity, doc, ...(aliases ? { aliases } : {}), resolve: uniformRule((t) => stringArg(t), 'utf8', STR), template: tpl };
}

/** (string, string) → boolean via a JS expression. */
function strPredicate(name: string, doc: string, tpl: (args: readonly string[]) => string): ScalarFunctionDef {
  return { name, arity: [2, 2], doc, resolve: uniformRule(stringArg, 'boolean', STR), template: tpl };
}

/** A strict function implemented by `impl` with per-position coercions. */
function implFn(
  name: string, arity: [number, number], doc: string, coercions: ((t: DataType) => DataType | undefined)[], result: DataType,
  impl: (...args: never[]) => unknown, expected: string, aliases?: string[],
): ScalarFunctionDef {
  return { name, arity, doc, ...(aliases ? { aliases } : {}), resolve: positionalRule(coercions, result, expected), impl };
}

// ---------------------------------------------------------------------------------------------
// Registrations
// ---------------------------------------------------------------------------------------------

const DEFS: ScalarFunctionDef[] = [
  strTemplate('upper', [1, 1], 'upper(str): str in upper case', ([s]) => `${s}.toUpperCase()`, ['ucase']),
  strTemplate('lower', [1, 1], 'lower(str): str in lower case', ([s]) => `${s}.toLowerCase()`, ['lcase']),
  {
    name: 'length', aliases: ['char_length', 'character_length', 'len'], arity: [1, 1],
    doc: 'length(str): number of characters (code points) in str, trailing spaces included; of a binary, its bytes',
    // A binary arrives as a byte string (one char per byte), so counting its characters counts bytes.
    resolve: (argTypes, display) => (argTypes[0] === 'binary' ? { type: 'int32', argTypes } : uniformRule(stringArg, 'int32', STR)(argTypes, display)),
    impl: numChars,
  },
  {
    name: 'octet_length', arity: [1, 1], doc: 'octet_length(str): number of bytes of str in UTF-8 (of a binary: its bytes)',
    resolve: (argTypes, display) => (argTypes[0] === 'binary' ? { type: 'int32', argTypes } : uniformRule(stringArg, 'int32', STR)(argTypes, display)),
    template: ([s], [t]) => (t === 'binary' ? `${s}.length` : `Buffer.byteLength(${s}, 'utf8')`),
  },
  {
    name: 'bit_length', arity: [1, 1], doc: 'bit_length(str): number of bits of str in UTF-8',
    resolve: uniformRule(stringArg, 'int32', STR),
    impl: (s: string) => Buffer.byteLength(s, 'utf8') * 8,
  },
  implFn('trim', [1, 2],
    'trim(str[, trimChars]): str without leading and trailing spaces (U+0020 only, like Spark), or without any of the characters in trimChars. ' +
    'Note the argument order (str first, as in the DataFrame API and btrim); Spark SQL\'s two-argument call form trim(trimStr, str) is reversed, so the SQL layer should map TRIM(x FROM s) to trim(s, x)',
    [stringArg], 'utf8', trimFn(true, true), STR, ['btrim']),
  implFn('ltrim', [1, 2], 'ltrim(str[, trimChars]): str without leading spaces (or leading characters in trimChars)', [stringArg], 'utf8', trimFn(true, false), STR),
  implFn('rtrim', [1, 2], 'rtrim(str[, trimChars]): str without trailing spaces (or trailing characters in trimChars)', [stringArg], 'utf8', trimFn(false, true), STR),
  implFn('substring', [2, 3],
    'substring(str, pos[, len]): len characters of str from 1-based pos (negative pos counts from the end, 0 acts as 1; len defaults to the rest)',
    [stringArg, intArg], 'utf8', substringSQL, 'substring(string, int[, int])', ['substr']),
  implFn('left', [2, 2], 'left(str, len): the leftmost len characters ("" when len ≤ 0)', [stringArg, intArg], 'utf8', left, 'left(string, int)'),
  implFn('right', [2, 2], 'right(str, len): the rightmost len characters ("" when len ≤ 0)', [stringArg, intArg], 'utf8', right, 'right(string, int)'),
  {
    name: 'concat', arity: [0, Infinity], doc: 'concat(a, b, ...): the strings joined; null if any argument is null',
    resolve: uniformRule(stringArg, 'utf8', STR),
    template: (args) => (args.length === 0 ? "''" : `(''${args.map((a) => ` + ${a}`).join('')})`),
  },
  {
    name: 'concat_ws', arity: [1, Infinity], nulls: 'custom',
    doc: 'concat_ws(sep, a, b, ...): the non-null strings joined by sep (nulls are skipped); null only if sep is null',
    resolve: uniformRule(stringArg, 'utf8', STR),
    generate(ctx, argTypes, _type, out) {
      const sep = ctx.arg(0);
      const parts = argTypes.slice(1).map((_, i) => ctx.arg(i + 1));
      let code = `if (${sep.n}) { ${out.n} = true; ${out.v} = ''; } else { let __s = ''; let __any = false;\n`;
      for (const p of parts) code += `if (!${p.n}) { __s = __any ? __s + ${sep.v} + ${p.v} : ${p.v}; __any = true; }\n`;
      code += `${out.n} = false; ${out.v} = __s; }`;
      return code;
    },
  },
  implFn('split_part', [3, 3],
    'split_part(str, delim, partNum): part partNum (1-based; negative counts from the end) of str split on the literal delim; "" when out of range; the whole str when delim is ""; partNum 0 raises an error',
    [stringArg, stringArg, intArg], 'utf8', splitPart, 'split_part(string, string, int)'),
  implFn('substring_index', [3, 3],
    'substring_index(str, delim, count): the part of str before the count-th delim (count > 0), or after the count-th delim from the end (count < 0)',
    [stringArg, stringArg, intArg], 'utf8', substringIndex, 'substring_index(string, string, int)'),
  {
    name: 'regexp_replace', arity: [3, 4], nulls: 'custom',
    doc: 'regexp_replace(str, regex, rep[, pos]): str with every match of the Java regex replaced by rep ($1 / ${name} refer to groups, \\$ is a dollar sign), searching from 1-based character pos',
    resolve: positionalRule([stringArg, stringArg, stringArg, intArg], 'utf8', 'regexp_replace(string, string, string[, int])'),
    generate: strictGenerate((ctx, a) => `${ctx.constant(new RegexMemo())}.replace(${a.join(', ')})`, false),
  },
  {
    name: 'regexp_extract', arity: [2, 3], nulls: 'custom',
    doc: 'regexp_extract(str, regex[, idx]): group idx (default 1; 0 = whole match) of the first match of the Java regex; "" when there is no match or the group did not take part',
    resolve: positionalRule([stringArg, stringArg, intArg], 'utf8', 'regexp_extract(string, string[, int])'),
    generate: strictGenerate((ctx, a) => `${ctx.constant(new RegexMemo())}.extract(${a.join(', ')})`, false),
  },
  implFn('instr', [2, 2], 'instr(str, substr): 1-based character position of the first occurrence of substr in str, 0 if absent',
    [stringArg], 'int32', instr, STR),
  {
    name: 'locate', aliases: ['position'], arity: [2, 3], nulls: 'custom',
    doc: 'locate(substr, str[, pos]): 1-based character position of the first occurrence of substr in str at or after pos (default 1); 0 if absent, if pos < 1 or if pos is null',
    resolve: positionalRule([stringArg, stringArg, intArg], 'int32', 'locate(string, string[, int])'),
    generate(ctx, argTypes, _type, out) {
      const sub = ctx.arg(0);
      const s = ctx.arg(1);
      const fn = ctx.constant(locate);
      if (argTypes.length === 3) {
        const p = ctx.arg(2);
        return `if (${p.n}) { ${out.n} = false; ${out.v} = 0; } else if (${sub.n} || ${s.n}) { ${out.n} = true; ${out.v} = 0; } else { ${out.n} = false; ${out.v} = ${fn}(${sub.v}, ${s.v}, ${p.v}); }`;
      }
      return `if (${sub.n} || ${s.n}) { ${out.n} = true; ${out.v} = 0; } else { ${out.n} = false; ${out.v} = ${fn}(${sub.v}, ${s.v}, 1); }`;
    },
  },
  implFn('lpad', [2, 3], 'lpad(str, len[, pad]): str left-padded with pad (default space) to len characters, or cut to its first len characters',
    [stringArg, intArg, stringArg], 'utf8', lpad, 'lpad(string, int[, string])'),
  implFn('rpad', [2, 3], 'rpad(str, len[, pad]): str right-padded with pad (default space) to len characters, or cut to its first len characters',
    [stringArg, intArg, stringArg], 'utf8', rpad, 'rpad(string, int[, string])'),
  implFn('repeat', [2, 2], 'repeat(str, n): str repeated n times ("" when n ≤ 0)', [stringArg, intArg], 'utf8', repeat, 'repeat(string, int)'),
  {
    name: 'space', arity: [1, 1], doc: 'space(n): a string of n spaces ("" when n ≤ 0)',
    resolve: positionalRule([intArg], 'utf8', 'space(int)'),
    template: ([n]) => `' '.repeat(Math.max(0, ${n}))`,
  },
  implFn('reverse', [1, 1], 'reverse(str): the characters of str in reverse order', [stringArg], 'utf8', reverse, STR),
  implFn('initcap', [1, 1], 'initcap(str): str in lower case with the first letter of each space-separated word in upper case', [stringArg], 'utf8', initcap, STR),
  {
    name: 'translate', arity: [3, 3], nulls: 'custom',
    doc: 'translate(str, from, to): str with each character of from replaced by the character at the same position in to (deleted when to is shorter)',
    resolve: uniformRule(stringArg, 'utf8', STR),
    generate: strictGenerate((ctx, a) => `${ctx.constant(new TranslateMemo())}.run(${a.join(', ')})`, false),
  },
  implFn('replace', [2, 3], 'replace(str, search[, rep]): str with every occurrence of search replaced by rep (default ""); str unchanged when search is ""',
    [stringArg], 'utf8', replace, STR),
  strPredicate('startswith', 'startswith(str, prefix): true if str starts with prefix', ([s, p]) => `${s}.startsWith(${p})`),
  strPredicate('endswith', 'endswith(str, suffix): true if str ends with suffix', ([s, p]) => `${s}.endsWith(${p})`),
  strPredicate('contains', 'contains(str, sub): true if sub occurs in str', ([s, p]) => `${s}.includes(${p})`),
  implFn('ascii', [1, 1], 'ascii(str): the code point of the first character of str (0 for "")', [stringArg], 'int32', ascii, STR),
];

/** Registers the module's functions. */
export function register(registry: FunctionRegistry): void {
  registry.registerScalar(...DEFS);
}

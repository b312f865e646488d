/**
 * Hand-written SQL lexer for the Spark SQL dialect: identifiers (case-insensitive keywords,
 * backtick-quoted names with doubled backticks), numbers with Spark's type suffixes (`10L`, `1.5D`,
 * `2BD`, `3S`, `4Y`), string literals in single or double quotes with backslash escapes and doubled
 * quotes (raw strings `r'...'`), operators, `--` line comments and nested `/* *\/` comments.
 * Every token carries its line, column and offset for error messages.
 */
import type { Pos } from './errors.js';
import { parseErrorAt } from './errors.js';

/** Token kinds. */
export type TokenKind = 'ident' | 'number' | 'string' | 'op' | 'param' | 'eof';

/** One token. */
export interface Token {
  readonly kind: TokenKind;
  /** Identifier name (unquoted as written), operator text, number text, or decoded string value. */
  readonly text: string;
  /** Upper-cased identifier text for keyword checks ('' for quoted identifiers, which are never keywords). */
  readonly upper: string;
  /** True for backtick-quoted identifiers. */
  readonly quoted: boolean;
  /** The raw source text of the token. */
  readonly raw: string;
  /** Where the token starts. */
  readonly pos: Pos;
  /** Offset just past the token. */
  readonly end: number;
}

const OPERATORS = ['<=>', '::', '<=', '>=', '<>', '!=', '==', '||', '->', '=>', '(', ')', ',', '.', ';', '+', '-', '*', '/', '%', '=', '<', '>', '|', '&', '^', '~', '[', ']', ':', '!', '{', '}'];

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c > '\u007f';
}
function isIdentPart(c: string): boolean {
  return isIdentStart(c) || (c >= '0' && c <= '9') || c === '$';
}
function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

/** Splits SQL text into tokens (ending with an 'eof' token); throws ParseError on malformed input. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const n = source.length;
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const posAt = (offset: number): Pos => ({ line, column: offset - lineStart + 1, offset, source });
  // Positions of offsets inside multi-line tokens need the line count at that offset.
  const advanceLines = (from: number, to: number) => {
    for (let k = from; k < to; k++) {
      const c = source[k];
      if (c === '\n' || (c === '\r' && source[k + 1] !== '\n')) {
        line++;
        lineStart = k + 1;
      }
    }
  };
  const push = (kind: TokenKind, text: string, start: number, pos: Pos, quoted = false) => {
    tokens.push({ kind, text, upper: kind === 'ident' && !quoted ? text.toUpperCase() : '', quoted, raw: source.slice(start, i), pos, end: i });
  };
  while (i < n) {
    const c = source[i]!;
    // whitespace
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
      advanceLines(i, i + 1);
      i++;
      continue;
    }
    // comments
    if (c === '-' && source[i + 1] === '-') {
      while (i < n && source[i] !== '\n' && source[i] !== '\r') i++;
      continue;
    }
    if (c === '/' && source[i + 1] === '*') {
      const start = posAt(i);
      let depth = 0;
      const from = i;
      while (i < n) {
        if (source[i] === '/' && source[i + 1] === '*') { depth++; i += 2; continue; }
        if (source[i] === '*' && source[i + 1] === '/') { depth--; i += 2; if (depth === 0) break; continue; }
        i++;
      }
      if (depth > 0) throw parseErrorAt(source, start, "unterminated comment: '/*' has no matching '*/'");
      advanceLines(from, i);
      continue;
    }
    const start = i;
    const pos = posAt(i);
    // raw strings r'...' / R"..."
    if ((c === 'r' || c === 'R') && (source[i + 1] === "'" || source[i + 1] === '"')) {
      const q = source[i + 1]!;
      const close = source.indexOf(q, i + 2);
      if (close < 0) throw parseErrorAt(source, pos, 'unterminated string literal');
      const value = source.slice(i + 2, close);
      i = close + 1;
      advanceLines(start, i);
      push('string', value, start, pos);
      continue;
    }
    if (isIdentStart(c)) {
      while (i < n && isIdentPart(source[i]!)) i++;
      push('ident', source.slice(start, i), start, pos);
      continue;
    }
    if (c === '`') {
      let value = '';
      i++;
      for (;;) {
        if (i >= n) throw parseErrorAt(source, pos, 'unterminated quoted identifier: missing closing backtick');
        if (source[i] === '`') {
          if (source[i + 1] === '`') { value += '`'; i += 2; continue; }
          i++;
          break;
        }
        value += source[i++];
      }
      if (value === '') throw parseErrorAt(source, pos, 'empty quoted identifier ``');
      advanceLines(start, i);
      push('ident', value, start, pos, true);
      continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(source[i + 1] ?? ''))) {
      while (i < n && isDigit(source[i]!)) i++;
      if (source[i] === '.' && isDigit(source[i + 1] ?? '')) {
        i++;
        while (i < n && isDigit(source[i]!)) i++;
      } else if (source[i] === '.' && !isIdentStart(source[i + 1] ?? '')) {
        i++; // `1.` is a valid decimal literal
      }
      if ((source[i] === 'e' || source[i] === 'E') && (isDigit(source[i + 1] ?? '') || ((source[i + 1] === '+' || source[i + 1] === '-') && isDigit(source[i + 2] ?? '')))) {
        i += 2;
        while (i < n && isDigit(source[i]!)) i++;
      }
      // Spark's suffixes: L (bigint), S (smallint), Y (tinyint), D (double), F (float), BD (decimal)
      const rest2 = source.slice(i, i + 2).toUpperCase();
      if (rest2 === 'BD' && !isIdentPart(source[i + 2] ?? '')) i += 2;
      else if (/^[LSYDF]$/i.test(source[i] ?? '') && !isIdentPart(source[i + 1] ?? '')) i++;
      if (i < n && isIdentStart(source[i]!)) {
        // `1abc` is not a number; report it as such rather than splitting it.
        let j = i;
        while (j < n && isIdentPart(source[j]!)) j++;
        throw parseErrorAt(source, pos, `invalid number or identifier '${source.slice(start, j)}' (identifiers cannot start with a digit unless quoted with backticks)`);
      }
      push('number', source.slice(start, i), start, pos);
      continue;
    }
    if (c === "'" || c === '"') {
      i++;
      let value = '';
      for (;;) {
        if (i >= n) throw parseErrorAt(source, pos, 'unterminated string literal');
        const ch = source[i]!;
        if (ch === c) {
          if (source[i + 1] === c) { value += c; i += 2; continue; }
          i++;
          break;
        }
        if (ch === '\\' && i + 1 < n) {
          const e = source[i + 1]!;
          i += 2;
          switch (e) {
            case 'n': value += '\n'; break;
            case 't': value += '\t'; break;
            case 'r': value += '\r'; break;
            case 'b': value += '\b'; break;
            case '0': value += '\0'; break;
            case 'Z': value += '\x1a'; break;
            // Kept escaped so LIKE patterns can match literal % and _ (as Spark does).
            case '%': value += '\\%'; break;
            case '_': value += '\\_'; break;
            case 'u': {
              const hex = source.slice(i, i + 4);
              if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw parseErrorAt(source, pos, `invalid unicode escape '\\u${hex}' in string literal`);
              value += String.fromCharCode(parseInt(hex, 16));
              i += 4;
              break;
            }
            default: value += e;
          }
          continue;
        }
        value += ch;
        i++;
      }
      advanceLines(start, i);
      push('string', value, start, pos);
      continue;
    }
    if (c === '?') {
      i++;
      push('param', '?', start, pos);
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (op) {
      i += op.length;
      push('op', op, start, pos);
      continue;
    }
    throw parseErrorAt(source, pos, `unexpected character '${c}'`);
  }
  tokens.push({ kind: 'eof', text: '', upper: '', quoted: false, raw: '', pos: posAt(n), end: n });
  return tokens;
}

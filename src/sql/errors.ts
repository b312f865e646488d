/**
 * SQL error formatting: every syntax or resolution error of the SQL layer names the spot as
 * `line L, column C: message`, followed by the offending SQL line and a caret under the position:
 *
 * ```
 * line 3, column 14: unknown column 'balnce' in table 'bank' (did you mean 'balance'?)
 *   where balnce > 0
 *         ^
 * ```
 *
 * Syntax errors are `ParseError`s (with `.line` / `.column`), resolution and type errors
 * `AnalysisError`s (or their `TypeMismatchError` subclass) whose message starts with the position.
 */
import { AnalysisError, KindlingError, ParseError, TypeMismatchError } from '../errors.js';

/** A position in SQL text: 1-based line and column, 0-based character offset. */
export interface Pos {
  /** 1-based line number. */
  readonly line: number;
  /** 1-based column (in characters) within the line. */
  readonly column: number;
  /** 0-based character offset into the whole text. */
  readonly offset: number;
  /** The SQL text the position is in (so snippets parsed separately format their own line). */
  readonly source?: string;
}

/** The SQL line holding `pos` and a caret line pointing at its column (tabs kept so the caret lines up). */
export function caretLines(source: string, pos: Pos): string {
  const lines = source.split(/\r\n|\r|\n/);
  let text = lines[pos.line - 1] ?? '';
  let col = pos.column - 1;
  if (text.length > 160) {
    // A long line (machine-written SQL): 60 characters either side of the position.
    const from = Math.max(0, col - 60);
    const to = Math.min(text.length, col + 60);
    const head = from > 0 ? '...' : '';
    text = head + text.slice(from, to) + (to < text.length ? '...' : '');
    col = col - from + head.length;
  }
  let prefix = '';
  for (let i = 0; i < col; i++) prefix += text[i] === '\t' ? '\t' : ' ';
  return `${text}\n${prefix}^`;
}

/** `line L, column C: message` plus the SQL line and a caret line. */
export function formatAt(source: string, pos: Pos, message: string): string {
  return `line ${pos.line}, column ${pos.column}: ${message}\n${caretLines(pos.source ?? source, pos)}`;
}

/** A syntax error at `pos`. */
export function parseErrorAt(source: string, pos: Pos, message: string): ParseError {
  return new ParseError(formatAt(source, pos, message), pos.line, pos.column);
}

/** A resolution error at `pos`. */
export function analysisErrorAt(source: string, pos: Pos, message: string): AnalysisError {
  return new PositionedAnalysisError(formatAt(source, pos, message), pos);
}

/** An AnalysisError that already carries a position (so outer handlers do not re-position it). */
export class PositionedAnalysisError extends AnalysisError {
  constructor(message: string, readonly pos: Pos) {
    super(message);
  }
}

/** A TypeMismatchError that already carries a position. */
export class PositionedTypeMismatchError extends TypeMismatchError {
  constructor(message: string, readonly pos: Pos) {
    super(message);
  }
}

/** True if the error already names its SQL position. */
export function isPositioned(e: unknown): boolean {
  return e instanceof PositionedAnalysisError || e instanceof PositionedTypeMismatchError || e instanceof ParseError;
}

/**
 * Re-raises an error thrown while analysing the SQL at `pos` with the position prefixed (keeping
 * its class: TypeMismatchError stays a TypeMismatchError). Errors that already carry a position,
 * and errors that are not Kindling's, pass through unchanged.
 */
export function positioned(source: string, pos: Pos, e: unknown): unknown {
  if (isPositioned(e) || !(e instanceof KindlingError)) return e;
  const msg = formatAt(source, pos, e.message);
  if (e instanceof TypeMismatchError) return new PositionedTypeMismatchError(msg, pos);
  if (e instanceof AnalysisError) return new PositionedAnalysisError(msg, pos);
  return e;
}

/**
 * The CSV fallback path: tokenizes records with csv-parse (`csv-parse/sync`) for dialects the
 * fast byte scanner does not handle (a separator, quote, escape or comment that is not a single
 * ASCII character, `ignoreLeadingWhiteSpace` / `ignoreTrailingWhiteSpace`). It exposes the same
 * {@link RecordSource} interface as the fast tokenizer, so conversion, null handling, modes and
 * splits behave identically.
 *
 * In line mode (multiLine=false) the byte range's lines are found with the fast tokenizer
 * (Hadoop split rule, one record per line) and parsed by csv-parse in blocks; a block where
 * csv-parse joined lines (an unbalanced quote) is re-parsed line by line, an unterminated quote
 * running to the end of its line like the fast path. With multiLine=true the whole file is parsed
 * at once (line numbers for FAILFAST come from each record's raw text).
 *
 * Known difference from the fast path (a csv-parse limitation): when `escape` differs from
 * `quote`, csv-parse does not also accept a doubled quote inside a quoted field, and it drops an
 * escape character that precedes anything (the fast path, like Spark's univocity parser, only
 * treats escape + quote and escape + escape specially).
 */
import { Buffer } from 'node:buffer';
import { parse } from 'csv-parse/sync';
import { DataFormatError } from '../errors.js';
import { F_QUOTED, FastTokenizer, type ByteSource, type RecordSource, lineNumberAt } from './csv-scan.js';

/** The subset of resolved options the fallback needs. */
export interface SlowDialect {
  sep: string;
  quote: string;
  escape: string;
  comment: string;
  multiLine: boolean;
  ignoreLeadingWhiteSpace: boolean;
  ignoreTrailingWhiteSpace: boolean;
  nullValue: string;
  emptyValue: string;
  emptyIsNull: boolean;
}

class Quoted {
  constructor(readonly v: string) {}
}

type Cell = string | Quoted;

interface ParsedRecord {
  fields: Cell[];
  /** 1-based line, or -1 - (byte offset of the line) when counted on demand. */
  line: number;
}

const BLOCK_LINES = 8192;
const BLOCK_CHARS = 1 << 20;

function countBreaks(v: string): number {
  let n = 0;
  for (let i = v.indexOf('\n'); i >= 0; i = v.indexOf('\n', i + 1)) n++;
  for (let i = v.indexOf('\r'); i >= 0; i = v.indexOf('\r', i + 1)) if (v.charCodeAt(i + 1) !== 10) n++;
  return n;
}

/** csv-parse based {@link RecordSource}. */
export class CsvParseTokenizer implements RecordSource {
  buf: Buffer = Buffer.allocUnsafe(4096);
  fs: Int32Array;
  fe: Int32Array;
  ff: Uint8Array;
  /** Never set here (no field carries F_INT). */
  fv: Float64Array = new Float64Array(0);
  nf = 0;
  recordPos = 0;
  private queue: ParsedRecord[] = [];
  private qi = 0;
  private line = 1;
  private lines: FastTokenizer | null = null;
  private done = false;
  private readonly baseOpts: Record<string, unknown>;
  /** Whether quoted and unquoted empty fields read differently (then csv-parse must report quoting). */
  private readonly needQuoting: boolean;

  constructor(
    private readonly src: ByteSource,
    private readonly d: SlowDialect,
    start: number,
    end: number,
    private readonly storeLimit: number,
  ) {
    const cap = Math.max(1, Math.min(storeLimit, 64));
    this.fs = new Int32Array(cap);
    this.fe = new Int32Array(cap);
    this.ff = new Uint8Array(cap);
    this.needQuoting = !d.emptyIsNull && d.quote !== '';
    this.baseOpts = {
      delimiter: d.sep,
      quote: d.quote === '' ? false : d.quote,
      escape: d.escape === '' ? null : d.escape,
      comment: d.comment === '' ? undefined : d.comment,
      comment_no_infix: true,
      ltrim: d.ignoreLeadingWhiteSpace,
      rtrim: d.ignoreTrailingWhiteSpace,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
      record_delimiter: d.multiLine ? ['\r\n', '\n', '\r'] : ['\n'],
    };
    if (d.multiLine) {
      if (start > 0) this.done = true;
      else this.parseWholeFile();
    } else {
      // Pure line splitter: no separator, no quotes, no comments; one field per line.
      this.lines = new FastTokenizer(src, { sep: -1, quote: -1, escape: -1, comment: -1, multiLine: false }, start, end, 1);
    }
  }

  /**
   * Runs csv-parse. Per-field quoting is only asked for when it matters (a quoted empty field
   * that does not read as null) and the text has an empty quoted pair: csv-parse builds a
   * context object per field for that, which is slow.
   */
  private run(text: string, raw: boolean): { record: Cell[]; raw: string }[] | Cell[][] {
    const opts: Record<string, unknown> = { ...this.baseOpts, raw };
    if (this.needQuoting && text.includes(this.d.quote + this.d.quote)) {
      opts.cast = (v: string, ctx: { quoting: boolean }) => (ctx.quoting ? new Quoted(v) : v);
    }
    return parse(text, opts) as unknown as { record: Cell[]; raw: string }[] | Cell[][];
  }

  private parseWholeFile(): void {
    const data = Buffer.allocUnsafe(this.src.size);
    let at = 0;
    while (at < data.length) {
      const n = this.src.read(data, at, data.length - at, at);
      if (n <= 0) break;
      at += n;
    }
    let text = data.toString('utf8', 0, at);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    let recs: { record: Cell[]; raw: string }[];
    try {
      recs = this.run(text, true) as { record: Cell[]; raw: string }[];
    } catch (e) {
      // An unterminated quote runs to the end of the file, as on the fast path.
      if ((e as { code?: string }).code !== 'CSV_QUOTE_NOT_CLOSED' || this.d.quote === '') throw this.wrap(e);
      try {
        recs = this.run(text + this.d.quote, true) as { record: Cell[]; raw: string }[];
      } catch (e2) {
        throw this.wrap(e2);
      }
    }
    let cur = 1;
    for (const r of recs) {
      // raw = skipped empty/comment lines + the record + its terminator.
      const breaks = countBreaks(r.raw);
      let inner = 0;
      for (const c of r.record) inner += countBreaks(typeof c === 'string' ? c : c.v);
      const last = r.raw.charCodeAt(r.raw.length - 1);
      const terminated = last === 10 || last === 13 ? 1 : 0;
      this.queue.push({ fields: r.record, line: cur + breaks - inner - terminated });
      cur += breaks;
    }
    this.done = true;
  }

  private wrap(e: unknown): Error {
    const line = (e as { lines?: number }).lines;
    return new DataFormatError(`cannot parse CSV file ${this.src.path}${line ? ` near line ${line}` : ''}: ${(e as Error).message}`, this.src.path, line, { cause: e });
  }

  /** Reads the next block of lines and parses it. */
  private refill(): boolean {
    const lt = this.lines;
    if (!lt || this.done) return false;
    const texts: string[] = [];
    const starts: number[] = [];
    let chars = 0;
    while (texts.length < BLOCK_LINES && chars < BLOCK_CHARS && lt.next()) {
      const t = lt.buf.toString('utf8', lt.fs[0]!, lt.fe[0]!);
      texts.push(t);
      starts.push(lt.recordPos);
      chars += t.length + 1;
    }
    if (texts.length === 0) {
      this.done = true;
      return false;
    }
    this.queue = [];
    this.qi = 0;
    const comment = this.d.comment;
    const expected: number[] = [];
    for (let i = 0; i < texts.length; i++) if (comment === '' || !texts[i]!.startsWith(comment)) expected.push(i);
    let recs: Cell[][] | null = null;
    try {
      recs = this.run(texts.join('\n'), false) as Cell[][];
    } catch {
      recs = null;
    }
    // Lines hold no line breaks, so every record is at most one line; as many records as
    // (non-comment) lines means none was joined across lines by an unbalanced quote.
    if (recs && recs.length === expected.length) {
      for (let k = 0; k < recs.length; k++) this.queue.push({ fields: recs[k]!, line: -1 - starts[expected[k]!]! });
    } else {
      for (let i = 0; i < texts.length; i++) {
        const rec = this.parseLine(texts[i]!);
        if (rec) this.queue.push({ fields: rec, line: -1 - starts[i]! });
      }
    }
    return true;
  }

  /** Parses one line on its own; an unterminated quote runs to the end of the line. */
  private parseLine(text: string): Cell[] | null {
    for (const t of [text, text + this.d.quote]) {
      try {
        const r = this.run(t, false) as Cell[][];
        return r.length === 0 ? null : r[0]!;
      } catch {
        /* try the next form */
      }
    }
    return [text];
  }

  /** Advances to the next record of the range; false at its end. */
  next(): boolean {
    for (;;) {
      if (this.qi < this.queue.length) {
        const rec = this.queue[this.qi++]!;
        this.line = rec.line;
        if (rec.line < 0) this.recordPos = -1 - rec.line;
        this.load(rec.fields);
        return true;
      }
      if (!this.refill()) return false;
    }
  }

  private load(fields: Cell[]): void {
    const n = fields.length;
    const store = Math.min(n, this.storeLimit);
    if (store > this.fs.length) {
      this.fs = new Int32Array(store);
      this.fe = new Int32Array(store);
      this.ff = new Uint8Array(store);
    }
    let pos = 0;
    for (let i = 0; i < store; i++) {
      const c = fields[i]!;
      const v = typeof c === 'string' ? c : c.v;
      const need = pos + v.length * 3;
      if (need > this.buf.length) {
        const bigger = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
        this.buf.copy(bigger, 0, 0, pos);
        this.buf = bigger;
      }
      this.fs[i] = pos;
      pos += this.buf.write(v, pos, 'utf8');
      this.fe[i] = pos;
      this.ff[i] = typeof c === 'string' ? 0 : F_QUOTED;
    }
    this.nf = n;
  }

  /** 1-based line number where the current record starts (counts line breaks; error path only). */
  lineNumber(): number {
    // Line mode stores -1 - (byte offset of the line); count lines up to it on demand.
    if (this.line < 0) return lineNumberAt(this.src, -1 - this.line);
    return this.line;
  }

  /** Closes the underlying file. */
  close(): void {
    this.src.close();
  }
}

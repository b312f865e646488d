/**
 * The CSV fast path's byte-level tokenizer: reads a byte range of a file in bounded chunks and
 * finds the fields of each record (start/end offsets into its buffer plus "quoted" / "needs
 * unescaping" flags) without creating strings. Records that straddle chunk boundaries are
 * handled by moving the partial record to the front of the buffer and reading more.
 *
 * Split rule (Hadoop's LineRecordReader): a reader of [start, end) returns the records whose
 * first byte lies in [start, end); a reader with start > 0 first skips to the first line start at
 * or after `start`. Line terminators are LF, CRLF and a lone CR. Empty lines and comment lines
 * are skipped. With `multiLine`, quoted fields may contain line breaks (such files are read as
 * one split). Unquoted fields of integer and double columns are parsed while they are scanned
 * ({@link F_INT}, {@link F_DOUBLE}), so their bytes are read once.
 *
 * Doubles (issue 18): `parseDoubleBytes` was 5% of the worker profile of the 1e7-row join
 * tables' load; parsed here instead, a single-thread A/B of the reader over six splits of
 * J1_1e7_NA (scratch/split-ab.mjs, warm, 18:28 UTC, load ≈ 8) measured equal CPU (1.10 vs 1.08,
 * 1.15 vs 1.13, 1.12 vs 1.12 s): the gain is within the noise. The values are exactly
 * `Number(text)` (test/csv-int-fields.test.ts checks 20,000 random decimals).
 */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { Buffer } from 'node:buffer';
import { FileNotFoundError, KindlingError } from '../errors.js';
import { dropWithPool } from '../exec/array-pool.js';

/** Field flag: the field was enclosed in quotes. */
export const F_QUOTED = 1;
/** Field flag: [start, end) is the raw field text starting at its opening quote; unescape it. */
export const F_RAW = 2;
/**
 * Field flag: an unquoted field of a column read as an integer (see FastTokenizer's `intFields`)
 * held only an optional sign and digits; `fv` holds its value as `parseIntBytes` computes it.
 */
export const F_INT = 8;
/**
 * Field flag: an unquoted field of a column read as a double (FastTokenizer's `intFields` 2) was
 * a plain decimal (`[sign] digits [. digits]`, at most 15 significant and 22 fractional digits);
 * `fv` holds its value, exactly as `parseDoubleBytes` computes it.
 */
export const F_DOUBLE = 16;
/**
 * Field flag: text followed the closing quote (`"ab"cd`); like Spark's univocity parser
 * (STOP_AT_DELIMITER) the value is the raw text up to the separator, quotes included.
 */
export const F_VERBATIM = 4;

const LF = 10;
const CR = 13;

const EMPTY = Buffer.alloc(0);
const EMPTY_I32 = new Int32Array(0);
/** Exact powers of ten (up to 1e22 every one is a double). */
/** Powers of ten exact as doubles (the decimal fast paths' divisors). */
export const POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/** Bytes read from disk per chunk. */
export const CHUNK_BYTES = 4 << 20;

/**
 * Read buffers of closed tokenizers, reused by the next split this thread reads: a fresh 4 MiB
 * buffer per split costs its first-touch page faults (about 3 ms per MiB on this VM, so 0.36 s
 * of worker CPU over the ~28 splits of the two 1e7-row join tables). A task start that drops the
 * thread's free pooled arrays (array-pool.ts `trimPool`) drops them too once no tokenizer has
 * closed for SPARE_IDLE_MS (every split task trims, so a shorter rule would drop them between
 * splits of one scan).
 */
const spareBuffers: Buffer[] = [];
/** Smallest buffer worth keeping, and most kept per thread. */
const SPARE_MIN = 64 << 10;
const SPARE_MAX = 2;
const SPARE_IDLE_MS = 5000;
let spareSince = 0;
dropWithPool(() => {
  if (spareBuffers.length > 0 && performance.now() - spareSince > SPARE_IDLE_MS) spareBuffers.length = 0;
});

/** A read buffer of at least `n` bytes (a spare one when there is one). */
function readBuffer(n: number): Buffer {
  if (n >= SPARE_MIN) {
    for (let i = spareBuffers.length - 1; i >= 0; i--) {
      if (spareBuffers[i]!.length >= n) return spareBuffers.splice(i, 1)[0]!;
    }
  }
  return Buffer.allocUnsafe(n);
}

/** A readable byte sequence: a file, or a decompressed `.gz` file held in memory. */
export interface ByteSource {
  /** The file path (for messages). */
  readonly path: string;
  /** Total size in bytes. */
  readonly size: number;
  /** Reads up to `len` bytes at file position `pos` into `buf[off..]`; returns the count. */
  read(buf: Uint8Array, off: number, len: number, pos: number): number;
  /** Releases the file handle. */
  close(): void;
}

/** Wraps a filesystem error in Kindling's error types, naming the path. */
export function fsError(path: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return new FileNotFoundError(path);
  return new KindlingError(`cannot read '${path}': ${(e as Error)?.message ?? String(e)}`, { cause: e });
}

/** True for files read through gzip (not splittable). */
export function isGzip(path: string): boolean {
  return path.toLowerCase().endsWith('.gz');
}

/** Opens a file for reading (decompressing `.gz` files in memory). */
export function openSource(path: string): ByteSource {
  try {
    if (isGzip(path)) {
      const data = zlib.gunzipSync(fs.readFileSync(path));
      return {
        path,
        size: data.length,
        read(buf, off, len, pos) {
          const n = Math.max(0, Math.min(len, data.length - pos));
          buf.set(data.subarray(pos, pos + n), off);
          return n;
        },
        close() {},
      };
    }
    const fd = fs.openSync(path, 'r');
    const size = fs.fstatSync(fd).size;
    return {
      path,
      size,
      read(buf, off, len, pos) {
        try {
          return fs.readSync(fd, buf, off, len, pos);
        } catch (e) {
          throw fsError(path, e);
        }
      },
      close() {
        fs.closeSync(fd);
      },
    };
  } catch (e) {
    if (e instanceof KindlingError) throw e;
    throw fsError(path, e);
  }
}

/** A stream of tokenized records; the field arrays describe the current record. */
export interface RecordSource {
  /** Bytes the field offsets point into (valid until the next call to `next`). */
  buf: Uint8Array;
  /** Field start offsets. */
  fs: Int32Array;
  /** Field end offsets. */
  fe: Int32Array;
  /** Field flags ({@link F_QUOTED}, {@link F_RAW}, {@link F_INT}, {@link F_DOUBLE}). */
  ff: Uint8Array;
  /** Field values of the fields flagged {@link F_INT} or {@link F_DOUBLE}. */
  fv: Float64Array;
  /** Number of fields in the current record (may exceed the stored ones). */
  nf: number;
  /** Byte offset in the file where the current record starts (approximate for the csv-parse multiLine path). */
  recordPos: number;
  /** Advances to the next record of the range; false at its end. */
  next(): boolean;
  /** 1-based line number (in the file) where the current record starts. Slow: error path only. */
  lineNumber(): number;
  /** Releases resources. */
  close(): void;
}

/** The single-byte dialect the fast tokenizer understands. -1 disables a character. */
export interface FastDialect {
  sep: number;
  quote: number;
  /** Escape inside quoted fields; -1 when none or when equal to the quote (doubling then). */
  escape: number;
  comment: number;
  multiLine: boolean;
}

/** Counts line starts before `pos` (LF, CRLF, lone CR) to give a 1-based line number. */
export function lineNumberAt(src: ByteSource, pos: number): number {
  const buf = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(1, pos + 1)));
  let line = 1;
  let at = 0;
  let prevCR = false;
  while (at < pos) {
    const n = src.read(buf, 0, Math.min(buf.length, pos - at + 1), at);
    if (n <= 0) break;
    const stop = Math.min(n, pos - at);
    for (let i = 0; i < stop; i++) {
      const c = buf[i]!;
      if (c === LF) {
        if (!prevCR) line++;
        prevCR = false;
      } else if (c === CR) {
        line++;
        prevCR = true;
      } else prevCR = false;
    }
    at += stop;
    if (stop < n) break;
  }
  return line;
}

/**
 * Byte offset where the file's first record starts: after a UTF-8 BOM, empty lines and lines
 * starting with `comment` (UTF-8 bytes; empty for none). The header record of a file is the
 * record at this offset, whichever split it falls in. Returns the size when there is none.
 */
export function firstRecordStart(src: ByteSource, comment: Uint8Array): number {
  const buf = Buffer.allocUnsafe(64 * 1024);
  let base = 0;
  let n = src.read(buf, 0, buf.length, 0);
  let i = n >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  let atLineStart = true;
  let inComment = false;
  for (;;) {
    if (i >= n) {
      base += n;
      if (base >= src.size) return src.size;
      n = src.read(buf, 0, buf.length, base);
      if (n <= 0) return src.size;
      i = 0;
    }
    const c = buf[i]!;
    if (c === LF || c === CR) {
      inComment = false;
      atLineStart = true;
      i++;
      continue;
    }
    if (inComment) {
      i++;
      continue;
    }
    if (atLineStart && comment.length > 0 && c === comment[0]) {
      // Compare the rest of the comment prefix (re-reading if it straddles the buffer end).
      let k = 1;
      const tmp = Buffer.allocUnsafe(comment.length);
      const got = src.read(tmp, 0, comment.length, base + i);
      while (k < comment.length && k < got && tmp[k] === comment[k]) k++;
      if (k === comment.length) {
        inComment = true;
        i++;
        continue;
      }
    }
    return base + i;
  }
}

/**
 * The fast tokenizer over the records that start in [start, end) of a source.
 * `storeLimit` caps how many fields' offsets are kept (the count `nf` goes on); once `stopAfter`
 * fields are seen (line mode only) the rest of the line is skipped without tokenizing it.
 */
export class FastTokenizer implements RecordSource {
  // Every field is initialised with a value of its final type (no parameter properties): with
  // define-semantics class fields a field first holding `undefined` gets a generic
  // representation in V8, which makes the hot loop's field accesses slower.
  buf: Buffer = EMPTY;
  fs: Int32Array = EMPTY_I32;
  fe: Int32Array = EMPTY_I32;
  ff: Uint8Array = EMPTY;
  fv: Float64Array = new Float64Array(0);
  nf = 0;
  /** Absolute file offset of the current record. */
  recordPos = 0;
  private p = 0;
  private limit = 0;
  private base = 0;
  private eof = false;
  private readonly sep: number = -1;
  private readonly quote: number = -1;
  private readonly escape: number = -1;
  private readonly comment: number = -1;
  private readonly multiLine: boolean = false;
  private readonly stopAfter: number = 0;
  private readonly end: number = 0;
  private readonly storeLimit: number = 0;
  private readonly src: ByteSource;
  /**
   * Per record field index: 1 for a column read as an integer, 2 for one read as a double. Such
   * an unquoted field is parsed while it is scanned (one pass over its bytes, {@link F_INT},
   * {@link F_DOUBLE}); empty: none.
   */
  private readonly intFields: Uint8Array = EMPTY;

  /** `intFields`: see the field of that name. */
  constructor(src: ByteSource, d: FastDialect, start: number, end: number, storeLimit: number, stopAfter = Infinity, intFields: Uint8Array = EMPTY) {
    this.intFields = intFields;
    this.src = src;
    this.end = end;
    this.storeLimit = storeLimit;
    this.sep = d.sep;
    this.quote = d.quote;
    this.escape = d.escape === d.quote ? -1 : d.escape;
    this.comment = d.comment;
    this.multiLine = d.multiLine;
    this.stopAfter = d.multiLine ? Infinity : Math.max(1, stopAfter);
    const cap = Math.max(1, Math.min(storeLimit, 64));
    this.fs = new Int32Array(cap);
    this.fe = new Int32Array(cap);
    this.ff = new Uint8Array(cap);
    this.fv = new Float64Array(cap);
    const want = Math.max(16, Math.min(CHUNK_BYTES, src.size - start + 2, Math.max(256, end - start + 1024)));
    this.buf = readBuffer(want);
    this.base = start > 0 ? start - 1 : 0;
    if (start >= src.size || start >= end) {
      this.eof = true;
      return;
    }
    if (start === 0) {
      this.fill();
      if (this.limit >= 3 && this.buf[0] === 0xef && this.buf[1] === 0xbb && this.buf[2] === 0xbf) this.p = 3;
    } else {
      this.skipToLineStart();
    }
  }

  private skipToLineStart(): void {
    for (;;) {
      if (this.p >= this.limit) {
        if (this.eof) return;
        this.fill();
        continue;
      }
      const c = this.buf[this.p]!;
      if (c === LF) {
        this.p++;
        return;
      }
      if (c === CR) {
        if (this.p + 1 >= this.limit && !this.eof) {
          this.fill();
          continue;
        }
        this.p++;
        if (this.p < this.limit && this.buf[this.p] === LF) this.p++;
        return;
      }
      this.p++;
    }
  }

  /** Moves the unconsumed bytes to the front and reads more (growing the buffer if full). */
  private fill(): void {
    let buf = this.buf;
    const keep = this.limit - this.p;
    if (this.p > 0) {
      if (keep > 0) buf.copyWithin(0, this.p, this.limit);
      this.base += this.p;
      this.p = 0;
      this.limit = keep;
    } else if (this.limit === buf.length) {
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, this.limit);
      this.buf = buf = bigger;
    }
    const avail = this.src.size - (this.base + this.limit);
    const want = Math.min(buf.length - this.limit, avail);
    if (want <= 0) {
      this.eof = true;
      return;
    }
    const n = this.src.read(buf, this.limit, want, this.base + this.limit);
    this.limit += n;
    if (n <= 0 || this.base + this.limit >= this.src.size) this.eof = true;
  }

  /** Advances to the next record of the range; false at its end. */
  next(): boolean {
    for (;;) {
      const buf = this.buf;
      const p = this.p;
      const limit = this.limit;
      if (p >= limit) {
        if (this.eof) return false;
        this.fill();
        continue;
      }
      if (this.base + p >= this.end) return false;
      const c = buf[p]!;
      if (c === LF) {
        this.p = p + 1;
        continue;
      }
      if (c === CR) {
        if (p + 1 >= limit && !this.eof) {
          this.fill();
          continue;
        }
        this.p = p + 1 < limit && buf[p + 1] === LF ? p + 2 : p + 1;
        continue;
      }
      if (c === this.comment) {
        const q = this.lineEnd(p);
        if (q < 0) {
          this.fill();
          continue;
        }
        this.p = q;
        continue;
      }
      const r = this.tokenize(p);
      if (r < 0) {
        this.fill();
        continue;
      }
      this.recordPos = this.base + p;
      this.p = r;
      return true;
    }
  }

  /**
   * Hands the records buffered from the current position to `builder`'s fused fast path
   * (BatchBuilder.addRun) and moves past the ones it added; returns how many. `next` then goes on
   * from the first record the run left (or reads more data).
   */
  runInto(builder: { n: number; runLast: number; addRun(buf: Uint8Array, p: number, limit: number, stop: number, sep: number, quote: number, comment: number): number }): number {
    const before = builder.n;
    const p = builder.addRun(this.buf, this.p, this.limit, this.end - this.base, this.sep, this.quote, this.comment);
    const added = builder.n - before;
    if (added > 0) {
      this.p = p;
      this.recordPos = this.base + builder.runLast;
    }
    return added;
  }

  /** Position after the line terminator of the line containing p, or -1 if more data is needed. */
  private lineEnd(p: number): number {
    const buf = this.buf;
    const limit = this.limit;
    while (p < limit) {
      const c = buf[p]!;
      if (c === LF) return p + 1;
      if (c === CR) {
        if (p + 1 >= limit) return this.eof ? p + 1 : -1;
        return buf[p + 1] === LF ? p + 2 : p + 1;
      }
      p++;
    }
    return this.eof ? p : -1;
  }

  private growFields(): void {
    const n = this.fs.length * 2;
    const a = new Int32Array(n);
    a.set(this.fs);
    this.fs = a;
    const b = new Int32Array(n);
    b.set(this.fe);
    this.fe = b;
    const c = new Uint8Array(n);
    c.set(this.ff);
    this.ff = c;
    const v = new Float64Array(n);
    v.set(this.fv);
    this.fv = v;
  }

  /** Tokenizes the record at p0; returns the position after it, or -1 if more data is needed. */
  private tokenize(p0: number): number {
    const buf = this.buf;
    const limit = this.limit;
    const eof = this.eof;
    const SEP = this.sep;
    const Q = this.quote;
    const ESC = this.escape;
    const ML = this.multiLine;
    const HI = SEP > CR ? SEP : CR;
    const store = this.storeLimit;
    const stop = this.stopAfter;
    let fs = this.fs;
    let fe = this.fe;
    let ff = this.ff;
    const ints = this.intFields;
    const nInts = ints.length;
    let p = p0;
    let nf = 0;
    for (;;) {
      let s = p;
      let e: number;
      let flags = 0;
      if (p < limit && buf[p] === Q) {
        let q = p + 1;
        let raw = false;
        let closed = -1;
        for (;;) {
          if (q >= limit) {
            if (!eof) return -1;
            raw = true; // unterminated quote at end of input
            break;
          }
          const c = buf[q]!;
          if (c === Q) {
            if (q + 1 >= limit) {
              if (!eof) return -1;
              closed = q++;
              break;
            }
            if (buf[q + 1] === Q) {
              raw = true;
              q += 2;
              continue;
            }
            closed = q++;
            break;
          }
          if (c === ESC) {
            if (q + 1 >= limit) {
              if (!eof) return -1;
              q++;
              continue;
            }
            const n = buf[q + 1];
            if (n === Q || n === ESC) {
              raw = true;
              q += 2;
              continue;
            }
            q++;
            continue;
          }
          if (!ML && (c === LF || c === CR)) {
            raw = true; // line mode: a line break ends the record even inside quotes
            break;
          }
          q++;
        }
        let verbatim = false;
        if (closed >= 0) {
          if (q < limit) {
            const c = buf[q]!;
            if (c !== SEP && c !== LF && c !== CR) {
              verbatim = true; // text after the closing quote: the raw text is the value
              while (q < limit) {
                const d = buf[q]!;
                if (d === SEP || d === LF || d === CR) break;
                q++;
              }
              if (q >= limit && !eof) return -1;
            }
          } else if (!eof) return -1;
        }
        if (verbatim) {
          e = q;
          flags = raw ? F_QUOTED | F_VERBATIM | F_RAW : F_QUOTED | F_VERBATIM;
        } else if (raw) {
          e = q;
          flags = F_QUOTED | F_RAW;
        } else {
          s = p + 1;
          e = closed;
          flags = F_QUOTED;
        }
        p = q;
      } else {
        const nk = nf < nInts ? ints[nf]! : 0;
        if (nk === 1) {
          // An integer column: sign and digits are parsed as they are scanned (as parseIntBytes).
          let q = p;
          const c0 = q < limit ? buf[q]! : 0;
          if (c0 === 45 || c0 === 43) q++;
          const d0 = q;
          let v = 0;
          while (q < limit) {
            const d = buf[q]! - 48;
            if (d < 0 || d > 9) break;
            v = v * 10 + d;
            q++;
          }
          if (q > d0 && (q < limit ? buf[q] === SEP || buf[q] === LF || buf[q] === CR : eof)) {
            flags = F_INT;
            if (nf < store && nf < this.fv.length) this.fv[nf] = c0 === 45 ? 0 - v : v;
            else if (nf < store) flags = 0; // fields grow below: parsed again by the builder
          }
          p = q;
        } else if (nk === 2) {
          // A double column: `[sign] digits [. digits]` with at most 15 significant digits is
          // parsed as it is scanned, exactly as parseDoubleBytes does it (one correctly rounded
          // division, Clinger's fast path); anything else (exponents, more digits, NaN, spaces)
          // is left to the builder's parseDoubleBytes.
          let q = p;
          const c0 = q < limit ? buf[q]! : 0;
          if (c0 === 45 || c0 === 43) q++;
          let mant = 0;
          let nd = 0;
          let digits = 0;
          let frac = 0;
          while (q < limit) {
            const d = buf[q]! - 48;
            if (d < 0 || d > 9) break;
            digits++;
            if (mant !== 0 || d !== 0) {
              mant = mant * 10 + d;
              nd++;
            }
            q++;
          }
          if (q < limit && buf[q] === 46) {
            q++;
            while (q < limit) {
              const d = buf[q]! - 48;
              if (d < 0 || d > 9) break;
              digits++;
              frac++;
              if (mant !== 0 || d !== 0) {
                mant = mant * 10 + d;
                nd++;
              }
              q++;
            }
          }
          if (digits > 0 && nd <= 15 && frac <= 22 && (q < limit ? buf[q] === SEP || buf[q] === LF || buf[q] === CR : eof)) {
            flags = F_DOUBLE;
            const v = mant === 0 ? 0 : frac === 0 ? mant : mant / POW10[frac]!;
            if (nf < store && nf < this.fv.length) this.fv[nf] = c0 === 45 ? -v : v;
            else if (nf < store) flags = 0;
          }
          p = q;
        }
        // Bytes above every special character (typically letters and digits) take one compare.
        while (p < limit) {
          const c = buf[p]!;
          if (c > HI) {
            p++;
            continue;
          }
          if (c === SEP || c === LF || c === CR) break;
          p++;
        }
        if (p >= limit && !eof) return -1;
        e = p;
      }
      if (nf < store) {
        if (nf >= fs.length) {
          this.growFields();
          fs = this.fs;
          fe = this.fe;
          ff = this.ff;
        }
        fs[nf] = s;
        fe[nf] = e;
        ff[nf] = flags;
      }
      nf++;
      if (p >= limit) {
        this.nf = nf;
        return p;
      }
      let c = buf[p]!;
      if (c === SEP) {
        p++;
        if (nf < stop) continue;
        // Enough fields: skip the rest of the line (line mode: quotes cannot span lines).
        while (p < limit) {
          c = buf[p]!;
          if (c === LF || c === CR) break;
          p++;
        }
        if (p >= limit) {
          if (!eof) return -1;
          this.nf = nf;
          return p;
        }
      }
      this.nf = nf;
      if (c === LF) return p + 1;
      // CR
      if (p + 1 >= limit) return eof ? p + 1 : -1;
      return buf[p + 1] === LF ? p + 2 : p + 1;
    }
  }

  /** 1-based line number where the current record starts (counts line breaks; error path only). */
  lineNumber(): number {
    return lineNumberAt(this.src, this.recordPos);
  }

  /** Closes the underlying file and hands the read buffer to the next tokenizer of this thread. */
  close(): void {
    const b = this.buf;
    this.buf = EMPTY;
    if (b.length >= SPARE_MIN && spareBuffers.length < SPARE_MAX) {
      spareBuffers.push(b);
      spareSince = performance.now();
    }
    this.src.close();
  }
}

/**
 * Unescapes a raw quoted field (`buf[s]` is the opening quote) into `out`; returns the length.
 * Inside quotes a doubled quote or `escape` + quote/escape stand for the second character; an
 * unterminated quote runs to the end. With `verbatim` (text followed the closing quote) the
 * opening and closing quotes are kept and the text after them is copied as is, like univocity
 * and csv-parse do. Mirrors {@link FastTokenizer}'s rules.
 */
export function unescapeField(buf: Uint8Array, s: number, e: number, Q: number, ESC: number, out: Uint8Array, verbatim = false): number {
  if (ESC === Q) ESC = -1;
  let i = s + 1;
  let n = 0;
  let inQ = true;
  if (verbatim) out[n++] = Q;
  while (i < e) {
    const c = buf[i]!;
    if (inQ) {
      if (c === Q) {
        if (i + 1 < e && buf[i + 1] === Q) {
          out[n++] = Q;
          i += 2;
          continue;
        }
        inQ = false;
        if (verbatim) out[n++] = Q;
        i++;
        continue;
      }
      if (c === ESC && i + 1 < e) {
        const d = buf[i + 1]!;
        if (d === Q || d === ESC) {
          out[n++] = d;
          i += 2;
          continue;
        }
      }
    }
    out[n++] = c;
    i++;
  }
  return n;
}

/**
 * Turns tokenized CSV records (from the fast tokenizer or the csv-parse fallback, see
 * {@link RecordSource}) into Kindling columns, and infers column types for `inferSchema`.
 *
 * The batch builder converts only the projected fields, straight from bytes into typed arrays
 * (utf8 bytes are copied; quoted fields are unescaped only when they contain escapes), applies
 * Spark's null rules (`nullValue`, unquoted empty field, quoted empty field → `emptyValue`) and
 * reports malformed records so the reader can apply the parse mode. Integer fields the tokenizer
 * already parsed while scanning them (csv-scan.ts F_INT) are taken from it; dictionary lookups of
 * short values are deferred and done in runs (see `keys`).
 *
 * Measured (issue 18, 15:30–16:10 UTC, machine load average 7–11 from other jobs throughout, so
 * wall seconds are unreliable):
 *  - Worker profile of the 1e7-row groupby load (`KINDLING_WORKER_FLAGS=--cpu-prof`, 2 loads):
 *    before, half of `add` (3.6 of 7.5 s) was the id3 table probe (`t[q]`, one cache miss per
 *    row inside the per-record loop); with the deferred lookups the probe runs in
 *    `encodeKeys`/`probeRun` at about a third of that, relative to `tokenize`.
 *  - Worker-side CPU of readCsvSplit alone (scratch script, dictionary 'split' mode, 3 splits of
 *    G1_1e7_1e2_0_0.csv, main's build and this one interleaved, 4 runs each): 1.02 → 0.78 s
 *    (1.30×) with the deferred lookups.
 *  - Process CPU of the whole groupby load (`s.read.csv(..).cache()` + count, 2 threads, second
 *    load of each process, 16:10): main's build 5.95 / 5.98 s, this one (also the splits' tail,
 *    fused integer parsing, the short first batch, csv-dictionary.ts) 4.67 / 4.67 s: 1.28×.
 *    The join tables' load showed no difference beyond the noise (6.0–8.5 s either build).
 *  - Final build, quieter machine (16:47, load ≈ 3.5), `flock bench.lock npx tsx
 *    --max-old-space-size=12000 bench/dbbench.ts --rows 1e7 --only groupby --q zz --reps 0
 *    --loads 5 --baseline /work/wt/base/dist`: groupby load 1.06× (pairs 1.04–1.13; medians 3.07
 *    → 2.85 s, best 2.68 → 2.57 s); `--only join --loads 3`: 1.02× (0.87–1.02; best 3.50 → 3.58 s).
 *    `npm run bench:compare -- --size 1e7 --engines kindling,polars --suite groupby` (16:49, one
 *    cold load per child process): Kindling 4.40 s, Polars 4.37 s — a tie, not yet ahead.
 *
 * Later (issue 18, 18:00–18:50 UTC, load average 4–12 from other jobs: wall seconds swung 2–3×
 * between identical runs, so process CPU and page-fault counts are the figures to trust):
 *  - Where the join tables' load goes (`perf record -e page-faults`, cold process,
 *    scratch/jload.mjs): 282K page faults, 85% of them first writes to the cached output
 *    (`add`'s stores, the codes written by `encodeKeys`: ~830 MB for 2e7 rows). On this VM a
 *    fresh page costs ~12 µs (a worker writing 200 MB of fresh SharedArrayBuffers: 650–700 ms;
 *    the same writes to a reused array: 40 ms), so those faults are ~2.5–3 s of the ~10 s of
 *    process CPU, and the four store lines of `add` took 70% of its profile samples. The output
 *    bytes themselves cannot shrink here (column layouts are the engine's).
 *  - Changes: doubles parsed in the tokenizer (csv-scan.ts F_DOUBLE); a split's first batch
 *    sized for its 16384-row cut and every later batch for the rows the split's remaining
 *    bytes hold (`finish(nextRows)`), so no batch is copied shorter; read buffers and short-key
 *    tables reused within a thread.
 *  - Page faults per cold load (`perf stat -e page-faults`): join tables 282–285K → 266–267K
 *    (−6%), groupby table 185K → 180K. Paired cold loads (scratch/ab.sh, base = main's build,
 *    alternating order, under bench.lock): join tables process CPU ×1.21, 1.03, 0.88, 1.05, 1.20
 *    (median 1.05; wall medians meaningless at load 7), groupby table (load ≈ 3.5–4) wall ×1.01,
 *    1.16, 1.03, 1.05, 1.04 (median 1.04), CPU median 1.05.
 *
 * The fused fast path (issue 18, 20:10–20:40 UTC): `addRun` converts clean records straight from
 * the read buffer into the columns, through a loop compiled per field plan (csv-fused.ts); the
 * tokenizer and `add` read only the records it leaves (see `addRun` for which).
 *  - Worker profile of the cold join-table load before it (scratch/jload.mjs): `add` 38% and
 *    `tokenize` 24% of worker CPU; 70% of `add`'s samples on its four store lines (first writes
 *    to fresh pages). After: the compiled loop 51%, most of it the same stores.
 *  - The loop alone over 64 MB of J1_1e7_NA_0_0.csv with its arrays reused (no fresh pages;
 *    scratch/runbench.mjs, steady state of 12 passes): a generic loop dispatching on each field's
 *    kind 125 ns/row, the compiled loop 81 ns/row (a byte scan alone: 38 ns/row).
 *  - Cold loads, quiet machine (load average 1.3, 20:20–20:28, main's build / this one, two
 *    pairs): join tables 4.48–4.76 → 3.26–3.59 s (generic loop: 3.84–3.91 s), process user CPU
 *    8.65–8.90 → 6.49–6.87 s; groupby table (generic loop) 3.22–3.45 → 3.00–3.05 s. With two
 *    helpers' jobs running (load 2.5–3.8, 20:31–20:34), process CPU (user + sys, of which ~2.1 s
 *    is process and worker start-up): join tables 11.0–11.9 → 8.4–8.8 s, groupby table
 *    8.2–8.5 → 6.5–6.6 s. Page faults unchanged (≈ 266K and 178K): the output's first writes
 *    (about 12 µs per 4 KiB page on this VM) are now the larger part of the load's CPU.
 *  - TPC-H SF 0.1 (eight '|'-separated tables with dates and decimals, 22:00 UTC): compiled loops
 *    from the first record made the cold load slower (2.2 s against 1.6 s; a third load in the
 *    same process 0.59–0.71 s against 0.80 s): each of 16 loops ran interpreted until V8
 *    optimised it. So the path starts once warm (csv.ts `shapeRows`), and a dictionary value
 *    longer than a short key no longer ends the run (TPC-H's l_shipinstruct, half of the rows).
 *    Then: cold 1.84 s against 1.91 s.
 */
import { IllegalArgumentError } from '../errors.js';
import { Buffer } from 'node:buffer';
import { allocArray, copyPrefix } from '../data/alloc.js';
import { Batch } from '../data/batch.js';
import { ColumnData, dictColumn, normalizeValidity } from '../data/column.js';
import { type DictionaryBuilder, encodeBatchColumn } from '../data/dictionary.js';
import { SHORT_KEY_BYTES, packKey, unpackKey } from '../data/short-keys.js';
import type { DataType, Field } from '../types.js';
import { Schema, decimalParams, isDecimal } from '../types.js';
import { POW10N, parseDecimal, writeDecimal } from '../data/decimal.js';
import { F_DOUBLE, F_INT, F_QUOTED, F_RAW, F_VERBATIM, POW10, type RecordSource, unescapeField } from './csv-scan.js';
import * as V from './csv-values.js';
import { FUSED_KEY_RUN, type FusedConverter, type FusedLoop, R_CALL, R_DICT, R_F64, R_I32, R_I64, R_SKIP, R_UTF8, fusedLoop } from './csv-fused.js';
import * as ISO from '../time/iso.js';
import type { DatetimePattern } from '../time/patterns.js';

// Local bindings of the hot helpers: plain function references (transpilers may turn imported
// bindings into getters, which costs a call per use in the inner loops).
const parseIntBytes = V.parseIntBytes;
const parseDoubleBytes = V.parseDoubleBytes;
const parseBoolBytes = V.parseBoolBytes;
const parseIsoDate = ISO.parseIsoDateBytes;
const parseIsoTimestamp = ISO.parseIsoTimestampBytes;
const bytesToString = V.bytesToString;
const doubleState = V.doubleState;
const unescape = unescapeField;
const MAX_INT64 = V.MAX_INT64;
const F_Q = F_QUOTED;
const F_R = F_RAW;
const F_V = F_VERBATIM;
const F_I = F_INT;
const F_D = F_DOUBLE;
/** Most deferred dictionary lookups per column before they are done (a 64 KiB ring of packed keys that stays in cache). */
const KEY_RUN = FUSED_KEY_RUN;
const pack = packKey;

/** Value rules shared by the builder and schema inference. */
export interface ValueRules {
  nullValue: Uint8Array;
  emptyValue: Uint8Array;
  /** A quoted empty field is null (emptyValue set to the nullValue); else it reads as emptyValue in string columns. */
  emptyIsNull: boolean;
  quote: number;
  escape: number;
  dateFormat: DatetimePattern | null;
  timestampFormat: DatetimePattern | null;
}

/** Value kinds of the column builders (CSV's and JSON's), by type; see {@link kindOf}. */
export const K_BOOL = 0;
export const K_I32 = 1;
export const K_I64 = 2;
export const K_F64 = 3;
export const K_UTF8 = 4;
export const K_DATE = 5;
export const K_TS = 6;
export const K_NULL = 7;
export const K_DEC = 8;

/** The value kind of a scalar type; arrays fail (CSV has no representation for them). */
export function kindOf(t: DataType): number {
  if (isDecimal(t)) return K_DEC;
  switch (t) {
    case 'boolean': return K_BOOL;
    case 'int32': return K_I32;
    case 'int64': return K_I64;
    case 'float64': return K_F64;
    case 'utf8': return K_UTF8;
    case 'date32': return K_DATE;
    case 'timestamp': return K_TS;
    case 'null': return K_NULL;
    default: throw new IllegalArgumentError(`CSV columns cannot have type ${t} (arrays have no CSV representation); read it as string and split it`);
  }
}

/** {@link BatchBuilder.add} result: the record was well formed. */
export const REC_OK = 0;
/** {@link BatchBuilder.add} result: the record has fewer fields than the schema. */
export const REC_TOO_FEW = 1;
/** {@link BatchBuilder.add} result: the record has more fields than the schema. */
export const REC_TOO_MANY = 2;
/** {@link BatchBuilder.add} result: a projected value does not parse as its column type. */
export const REC_BAD_VALUE = 3;

function bytesEqual(a: Uint8Array, s: number, e: number, b: Uint8Array): boolean {
  if (e - s !== b.length) return false;
  for (let i = 0; i < b.length; i++) if (a[s + i] !== b[i]) return false;
  return true;
}

/** A fused-path converter storing `parse`'s result (NaN: the text does not parse) into `a`. */
function storeParsed(a: Int32Array | Float64Array, parse: (b: Uint8Array, s: number, e: number) => number): FusedConverter {
  return (b, s, e, row) => {
    const v = parse(b, s, e);
    if (v !== v) return false;
    a[row] = v;
    return true;
  };
}

/** Accumulates converted records into column buffers and cuts them into Batches. */
export class BatchBuilder {
  // Fields are initialised with values of their final types and there are no parameter
  // properties, so V8 keeps precise field representations (see FastTokenizer).
  /** Rows in the batch being built. */
  n = 0;
  /** On REC_BAD_VALUE: the output column index and the offending text. */
  badColumn = -1;
  badText = '';
  private readonly schema: Schema;
  private readonly kinds: Uint8Array = new Uint8Array(0);
  private readonly srcIdx: Int32Array = new Int32Array(0);
  private readonly nOut: number = 0;
  private fixed: (Uint8Array | Int32Array | Float64Array | null)[] = [];
  private valid: (Uint8Array | null)[] = [];
  private offs: (Int32Array | null)[] = [];
  private bytes: (Uint8Array | null)[] = [];
  private readonly bpos: Int32Array = new Int32Array(0);
  private readonly bytesHint: Float64Array = new Float64Array(0);
  private scratch: Uint8Array = Buffer.allocUnsafe(1024);
  /** Decimal columns: scale and 10^precision (the exclusive bound of the unscaled values). */
  private readonly decScale: Int32Array = new Int32Array(0);
  private readonly decLimit: bigint[] = [];
  /** Number of fields a well-formed record has (the full schema's width). */
  private readonly width: number = 0;
  private readonly rules: ValueRules;
  private readonly permissive: boolean = false;
  private readonly capacity: number = 0;
  /** Rows the current batch's arrays hold: `capacity`, or less (a first batch cut short, a split's last batch). */
  private cap = 0;
  /**
   * Utf8 columns encoded against a dictionary that lives as long as the split (csv-dictionary.ts):
   * the builder per output column (null: plain). `add` encodes such a field straight from the
   * tokenizer's buffer into `codes[j]` (no byte copy; the short-key table makes a lookup one
   * cache line, see data/short-keys.ts); a value that would pass the dictionary's limit turns the
   * batch's column back into plain strings and ends the encoding. Finished batches hold such a
   * column as indices into `pending[j]`, a stand-in the split replaces by the final dictionary.
   */
  private dicts: (DictionaryBuilder | null)[] = [];
  /** Per-row dictionary ids of the batch being built, for columns with a dictionary (else null). */
  private codes: (Int32Array | null)[] = [];
  /**
   * Deferred lookups of encoded columns: `add` packs a short value (≤ SHORT_KEY_BYTES bytes) as
   * four int32s per row (short-keys.ts `packKey`; length −1 for a null; row i at index
   * i − pend[j]) and `flush` looks up the rows from `pend[j]` on in one pass
   * (DictionaryBuilder.encodeKeys), where the table's cache misses overlap instead of stalling
   * the per-record loop once per row: at the end of the batch, every KEY_RUN rows, and before a
   * longer value (so ids are still given in row order).
   */
  private keys: (Int32Array | null)[] = [];
  private readonly pend: Int32Array = new Int32Array(0);
  /** {@link canRun}: 0 undecided, 1 yes, 2 no. */
  private runnable = 0;
  /** {@link addRun}'s plan: per record field, what it feeds (R_*) and the output column. */
  private runKind: Int8Array = new Int8Array(0);
  private runCol: Int32Array = new Int32Array(0);
  private runPos: Int32Array = new Int32Array(0);
  private readonly runArrays: (Int32Array | Float64Array | null)[] = [];
  private readonly runBytes: (Uint8Array | null)[] = [];
  private readonly runOut = new Int32Array(2);
  private runLoop: FusedLoop | null = null;
  /** Bumped whenever a column's arrays or encoding change; {@link addRun}'s plan is for `runPlanned`. */
  private layout = 0;
  private runPlanned = -1;
  private readonly runConvs: (FusedConverter | null)[] = [];
  /** Start of the last record {@link addRun} added (-1: none). */
  runLast = -1;
  /** Stand-in dictionaries of encoded columns (see `dicts`). */
  readonly pending: ColumnData[] = [];

  /**
   * `sources[j]`: the record's field index for output column j (default `columns`);
   * `firstRows`: rows the first batch is cut at by the caller (its arrays are sized for that, so
   * finishing it copies nothing).
   */
  constructor(fields: readonly Field[], columns: readonly number[], width: number, rules: ValueRules, permissive: boolean, capacity: number, sources: readonly number[] = columns, private readonly dictionary = false, firstRows = capacity) {
    this.width = width;
    this.rules = rules;
    this.permissive = permissive;
    this.capacity = capacity;
    this.cap = Math.max(1, Math.min(capacity, firstRows));
    this.nOut = columns.length;
    this.kinds = new Uint8Array(this.nOut);
    this.srcIdx = new Int32Array(this.nOut);
    const out: Field[] = [];
    for (let j = 0; j < this.nOut; j++) {
      const f = fields[columns[j]!]!;
      out.push(f);
      this.kinds[j] = kindOf(f.type);
      this.srcIdx[j] = sources[j]!;
    }
    this.decScale = new Int32Array(this.nOut);
    for (let j = 0; j < this.nOut; j++) {
      const t = out[j]!.type;
      this.decLimit.push(isDecimal(t) ? POW10N[decimalParams(t).precision]! : 0n);
      if (isDecimal(t)) this.decScale[j] = decimalParams(t).scale;
    }
    this.schema = new Schema(out);
    this.bpos = new Int32Array(this.nOut);
    this.pend = new Int32Array(this.nOut);
    this.bytesHint = new Float64Array(this.nOut).fill(Math.min(16 * capacity, 1 << 20));
    for (let j = 0; j < this.nOut; j++) {
      this.dicts.push(null);
      this.codes.push(null);
      this.keys.push(null);
      this.pending.push(new ColumnData('utf8', 0, null, null, new Int32Array(1), new Uint8Array(0)));
    }
    this.alloc();
  }

  /** The projected schema of produced batches. */
  get outputSchema(): Schema {
    return this.schema;
  }

  /**
   * Encodes utf8 output column `j` of the following batches against `dict` (null: plain again);
   * a value that would pass the dictionary's limit makes its batch plain and ends the encoding.
   * Called between batches.
   */
  setDictionary(j: number, dict: DictionaryBuilder | null): void {
    if (this.n !== 0) throw new Error('internal: BatchBuilder.setDictionary within a batch');
    this.dicts[j] = dict;
    this.allocColumn(j);
  }

  /** The dictionary builder output column `j` is encoded against, or null. */
  dictionaryOf(j: number): DictionaryBuilder | null {
    return this.dicts[j] as DictionaryBuilder | null;
  }

  private alloc(): void {
    for (let j = 0; j < this.nOut; j++) {
      this.valid[j] = null;
      this.allocColumn(j);
    }
  }

  /** Fresh value buffers of output column `j` (a batch took the previous ones). */
  private allocColumn(j: number): void {
    this.layout++;
    const cap = this.cap;
    const k = this.kinds[j]!;
    this.bpos[j] = 0;
    this.offs[j] = null;
    this.bytes[j] = null;
    this.fixed[j] = null;
    this.codes[j] = null;
    this.pend[j] = 0;
    if (k === K_UTF8 && this.dicts[j] !== null) {
      this.codes[j] = allocArray(Int32Array, cap);
      if (this.keys[j] === null) this.keys[j] = new Int32Array(KEY_RUN * 4);
      return;
    }
    switch (k) {
      case K_BOOL: this.fixed[j] = allocArray(Uint8Array, cap); break;
      case K_I32: case K_DATE: this.fixed[j] = allocArray(Int32Array, cap); break;
      case K_I64: case K_F64: case K_TS: this.fixed[j] = allocArray(Float64Array, cap); break;
      case K_DEC: this.fixed[j] = allocArray(Int32Array, cap * 4); break;
      case K_UTF8:
        this.offs[j] = allocArray(Int32Array, cap + 1);
        this.bytes[j] = allocArray(Uint8Array, Math.max(1024, Math.ceil(((this.bytesHint[j]! * cap) / this.capacity) * 1.1)));
        break;
    }
  }

  /**
   * Looks up the deferred values of encoded column `j`, rows [pend[j], upto) (see `keys`).
   * Returns false when the dictionary would pass its limit: the column then holds rows
   * [0, upto) as plain strings and is no longer encoded.
   */
  private flush(j: number, upto: number): boolean {
    const from = this.pend[j]!;
    if (from >= upto) return true;
    const stop = from + (this.dicts[j] as DictionaryBuilder).encodeKeys(this.keys[j]!, upto - from, this.codes[j]!, from);
    if (stop === upto) {
      this.pend[j] = upto;
      return true;
    }
    this.unencode(j, stop, upto);
    return false;
  }

  /**
   * Turns encoded column `j` back into plain strings (its dictionary would pass its limit) and
   * ends its encoding: rows [0, done) from their ids, rows [done, row) from their deferred packed
   * values. The dictionary keeps what it holds (earlier batches refer to it).
   */
  private unencode(j: number, done: number, row: number): void {
    const d = this.dicts[j]!.dictionary();
    const doff = d.offsets!;
    const dbytes = d.bytes!;
    const codes = this.codes[j]!;
    const keys = this.keys[j]!;
    const base = this.pend[j]!;
    const valid = this.valid[j];
    let total = 0;
    for (let i = 0; i < row; i++) {
      if (valid !== null && valid[i] === 0) continue;
      total += i < done ? doff[codes[i]! + 1]! - doff[codes[i]!]! : keys[(i - base) << 2]!;
    }
    this.dicts[j] = null;
    this.allocColumn(j);
    const offs = this.offs[j]!;
    let bytes = this.bytes[j]!;
    if (bytes.length < total) bytes = this.bytes[j] = allocArray(Uint8Array, total * 2);
    let pos = 0;
    for (let i = 0; i < row; i++) {
      if (valid === null || valid[i] !== 0) {
        if (i < done) {
          const c = codes[i]!;
          for (let k = doff[c]!; k < doff[c + 1]!; k++) bytes[pos++] = dbytes[k]!;
        } else pos += unpackKey(keys, (i - base) << 2, bytes, pos);
      }
      offs[i + 1] = pos;
    }
    this.bpos[j] = pos;
  }

  private setNull(j: number, row: number): void {
    let v = this.valid[j];
    if (v === null) {
      v = this.valid[j] = allocArray(Uint8Array, this.cap);
      v.fill(1);
    }
    v[row] = 0;
    if (this.kinds[j] === K_UTF8) {
      if (this.codes[j] !== null && row - this.pend[j]! >= KEY_RUN) this.flush(j, row);
      const codes = this.codes[j];
      if (codes !== null) {
        codes[row] = 0;
        this.keys[j]![(row - this.pend[j]!) << 2] = -1;
      } else this.offs[j]![row + 1] = this.bpos[j]!;
    }
  }

  private growBytes(j: number, need: number): Uint8Array {
    const old = this.bytes[j]!;
    const bigger = allocArray(Uint8Array, Math.max(old.length * 2, need));
    bigger.set(old.subarray(0, this.bpos[j]!));
    this.bytes[j] = bigger;
    this.layout++;
    return bigger;
  }

  /**
   * Converts the current record of `src` into row `n`. Returns REC_OK (row added), or a
   * malformed code; in PERMISSIVE mode malformed parts become nulls and the row is still added
   * (the code is still returned so callers can count), otherwise nothing is added.
   */
  add(src: RecordSource): number {
    const nf = src.nf;
    let code = nf === this.width ? REC_OK : nf < this.width ? REC_TOO_FEW : REC_TOO_MANY;
    const permissive = this.permissive;
    if (code !== REC_OK && !permissive) return code;
    const row = this.n;
    const rules = this.rules;
    const fsA = src.fs;
    const feA = src.fe;
    const ffA = src.ff;
    const fvA = src.fv;
    const nullV = rules.nullValue;
    const nullLen = nullV.length;
    const srcIdx = this.srcIdx;
    const kinds = this.kinds;
    const fixed = this.fixed;
    const codesA = this.codes;
    const nOut = this.nOut;
    for (let j = 0; j < nOut; j++) {
      const c = srcIdx[j]!;
      const kind = kinds[j]!;
      if (c >= nf || kind === K_NULL) {
        this.setNull(j, row);
        continue;
      }
      let b = src.buf;
      let s = fsA[c]!;
      let e = feA[c]!;
      const fl = ffA[c]!;
      if (fl & F_R) {
        if (this.scratch.length < e - s) this.scratch = Buffer.allocUnsafe((e - s) * 2);
        e = unescape(b, s, e, rules.quote, rules.escape, this.scratch, (fl & F_V) !== 0);
        b = this.scratch;
        s = 0;
      }
      if (s === e) {
        // A quoted "" is emptyValue; with an empty emptyValue only strings can hold it.
        if ((fl & F_Q) === 0 || rules.emptyIsNull || (kind !== K_UTF8 && rules.emptyValue.length === 0)) {
          this.setNull(j, row);
          continue;
        }
        b = rules.emptyValue;
        s = 0;
        e = b.length;
      } else if (nullLen > 0 && e - s === nullLen && bytesEqual(b, s, e, nullV)) {
        this.setNull(j, row);
        continue;
      }
      let ok = true;
      switch (kind) {
        case K_UTF8: {
          if (codesA[j] !== null && (row - this.pend[j]! < KEY_RUN || this.flush(j, row))) {
            const codes = codesA[j]!;
            if (e - s <= SHORT_KEY_BYTES) {
              pack(b, s, e, this.keys[j]!, (row - this.pend[j]!) << 2);
              break;
            }
            if (this.flush(j, row)) {
              const g = (this.dicts[j] as DictionaryBuilder).encodeValue(b, s, e);
              if (g >= 0) {
                codes[row] = g;
                this.pend[j] = row + 1;
                break;
              }
              this.unencode(j, row, row);
            }
          }
          const len = e - s;
          let pos = this.bpos[j]!;
          let out = this.bytes[j]!;
          if (pos + len > out.length) out = this.growBytes(j, pos + len);
          if (len < 24) for (let k = 0; k < len; k++) out[pos + k] = b[s + k]!;
          else out.set(b.subarray(s, e), pos);
          pos += len;
          this.bpos[j] = pos;
          this.offs[j]![row + 1] = pos;
          break;
        }
        case K_I32: {
          // Parsed by the tokenizer while it scanned the field (F_INT), else here.
          const v = (fl & F_I) !== 0 ? fvA[c]! : parseIntBytes(b, s, e);
          if (v >= -2147483648 && v <= 2147483647) (fixed[j] as Int32Array)[row] = v;
          else ok = false;
          break;
        }
        case K_I64: {
          const v = (fl & F_I) !== 0 ? fvA[c]! : parseIntBytes(b, s, e);
          if (v >= -MAX_INT64 && v <= MAX_INT64) (fixed[j] as Float64Array)[row] = v;
          else ok = false;
          break;
        }
        case K_F64: {
          // Plain decimals were parsed by the tokenizer (F_DOUBLE).
          if ((fl & F_D) !== 0) {
            (fixed[j] as Float64Array)[row] = fvA[c]!;
            break;
          }
          const v = parseDoubleBytes(b, s, e);
          if (doubleState.failed) ok = false;
          else (fixed[j] as Float64Array)[row] = v;
          break;
        }
        case K_BOOL: {
          const v = parseBoolBytes(b, s, e);
          if (v < 0) ok = false;
          else (fixed[j] as Uint8Array)[row] = v;
          break;
        }
        case K_DATE: {
          const f = rules.dateFormat;
          const v = f ? f.parseDays(b, s, e) : parseIsoDate(b, s, e, false);
          if (v === v) (fixed[j] as Int32Array)[row] = v;
          else ok = false;
          break;
        }
        case K_TS: {
          const f = rules.timestampFormat;
          const v = f ? f.parseMicros(b, s, e) : parseIsoTimestamp(b, s, e, false);
          if (v === v) (fixed[j] as Float64Array)[row] = v;
          else ok = false;
          break;
        }
        case K_DEC: {
          // Exact (extra fractional digits round HALF_UP, as Spark); too many digits is a bad value.
          const v = parseDecimal(bytesToString(b, s, e), this.decScale[j]!);
          const lim = this.decLimit[j]!;
          if (v !== null && v < lim && v > -lim) writeDecimal(fixed[j] as Int32Array, row, v);
          else ok = false;
          break;
        }
      }
      if (!ok) {
        if (!permissive) {
          this.badColumn = j;
          this.badText = bytesToString(b, s, e);
          this.rollback();
          return REC_BAD_VALUE;
        }
        if (code === REC_OK) {
          code = REC_BAD_VALUE;
          this.badColumn = j;
        }
        this.setNull(j, row);
      }
    }
    this.n = row + 1;
    return code;
  }

  /**
   * Whether {@link addRun} can read this builder's records: no projected column has the null
   * type, no two columns read the same field, and `nullValue` is empty (so only an empty field
   * is null, which the run leaves to `add`).
   * Decided once; the per-run plan follows the columns' current encodings.
   */
  get canRun(): boolean {
    if (this.runnable === 0) {
      let ok = this.rules.nullValue.length === 0;
      const seen = new Set<number>();
      for (let j = 0; j < this.nOut && ok; j++) {
        const k = this.kinds[j]!;
        const c = this.srcIdx[j]!;
        if (k === K_NULL || c >= this.width || seen.has(c)) ok = false;
        seen.add(c);
      }
      this.runnable = ok ? 1 : 2;
    }
    return this.runnable === 1;
  }

  /**
   * The fused fast path: converts the records that start at `p` of `buf` straight from bytes
   * into the columns (no per-field offsets, no second pass over a field's bytes), as many as are
   * complete before `limit`, start before `stop` and fit the batch. It stops, leaving the record
   * for the tokenizer and {@link add}, at anything it does not handle: a quoted, empty or
   * field, a record with the wrong number of fields, a value that does not
   * parse as exactly what `add` would store (see FastTokenizer's F_INT / F_DOUBLE rules), a
   * blank or comment line, or a record cut by the end of the buffer. So every row it adds is
   * the row `add` would have added. Returns the position after the last record added;
   * {@link runLast} is that record's start. Only when {@link canRun}.
   */
  addRun(buf: Uint8Array, p: number, limit: number, stop: number, sep: number, quote: number, comment: number): number {
    const width = this.width;
    const fk = this.runKind;
    const fj = this.runCol;
    const pos = this.runPos;
    // The plan (per record field: what it feeds, its arrays, the compiled loop) is rebuilt only
    // when a column's arrays or encoding changed (`layout`): runs can be a few records long.
    if (this.runPlanned !== this.layout || this.runLoop === null) {
      if (fk.length !== width) {
        this.runKind = new Int8Array(width);
        this.runCol = new Int32Array(width);
        this.runPos = new Int32Array(width);
        return this.addRun(buf, p, limit, stop, sep, quote, comment);
      }
      const cols = this.runArrays;
      const bytes = this.runBytes;
      const convs = this.runConvs;
      fk.fill(R_SKIP);
      cols.length = 0;
      bytes.length = 0;
      convs.length = 0;
      for (let f = 0; f < width; f++) {
        cols.push(null);
        bytes.push(null);
        convs.push(null);
      }
      for (let j = 0; j < this.nOut; j++) {
        const k = this.kinds[j]!;
        const c = this.srcIdx[j]!;
        fj[c] = j;
        if (k === K_I32 || k === K_I64 || k === K_F64) {
          fk[c] = k === K_I32 ? R_I32 : k === K_I64 ? R_I64 : R_F64;
          cols[c] = this.fixed[j] as Int32Array | Float64Array;
        } else if (k !== K_UTF8) {
          fk[c] = R_CALL;
          convs[c] = this.converter(j);
        } else if (this.codes[j] !== null) {
          fk[c] = R_DICT;
          cols[c] = this.keys[j]!;
        } else {
          fk[c] = R_UTF8;
          cols[c] = this.offs[j]!;
          bytes[c] = this.bytes[j]!;
        }
      }
      this.runLoop = fusedLoop(fk, sep, quote, comment);
      this.runPlanned = this.layout;
    }
    for (let f = 0; f < width; f++) {
      const k = fk[f]!;
      if (k === R_DICT) pos[f] = this.pend[fj[f]!]!;
      else if (k === R_UTF8) pos[f] = this.bpos[fj[f]!]!;
    }
    const out = this.runOut;
    const q = this.runLoop(this, this.runArrays, this.runBytes, pos, fj, this.runConvs, buf, p, limit, stop, this.n, this.cap, out);
    const row = out[0]!;
    // Plain strings end at the last row added (a record left to `add` may have copied bytes).
    for (let f = 0; f < width; f++) {
      if (fk[f] !== R_UTF8) continue;
      const j = fj[f]!;
      this.bpos[j] = this.offs[j]![row]!;
    }
    this.n = row;
    this.runLast = out[1]!;
    return q;
  }

  /**
   * @internal The compiled loop's callback for a dictionary field longer than the short keys:
   * encoded as `add` does (the deferred keys first, so ids stay in row order); false when the
   * dictionary would pass its limit (the column is plain now and the run ends).
   */
  runLongKey(j: number, b: Uint8Array, s: number, e: number, row: number): boolean {
    if (!this.flush(j, row)) return false;
    const g = (this.dicts[j] as DictionaryBuilder).encodeValue(b, s, e);
    if (g < 0) {
      this.unencode(j, row, row);
      return false;
    }
    this.codes[j]![row] = g;
    this.pend[j] = row + 1;
    return true;
  }

  /**
   * The conversion `add` makes for column `j`'s kind (boolean, date, timestamp, decimal) as a
   * function of an unquoted, non-empty field's bytes that stores the value at `row` of this
   * batch's array: false when the text does not parse (the fused loop then stops there).
   */
  private converter(j: number): FusedConverter {
    const arr = this.fixed[j]!;
    const rules = this.rules;
    switch (this.kinds[j]) {
      case K_BOOL: {
        const a = arr as Uint8Array;
        return (b, s, e, row) => {
          const v = parseBoolBytes(b, s, e);
          if (v < 0) return false;
          a[row] = v;
          return true;
        };
      }
      case K_DATE: {
        const f = rules.dateFormat;
        return storeParsed(arr as Int32Array, f ? (b, s, e) => f.parseDays(b, s, e) : (b, s, e) => parseIsoDate(b, s, e, false));
      }
      case K_TS: {
        const f = rules.timestampFormat;
        return storeParsed(arr as Float64Array, f ? (b, s, e) => f.parseMicros(b, s, e) : (b, s, e) => parseIsoTimestamp(b, s, e, false));
      }
      default: {
        const a = arr as Int32Array;
        const scale = this.decScale[j]!;
        const lim = this.decLimit[j]!;
        return (b, s, e, row) => {
          const v = parseDecimal(bytesToString(b, s, e), scale);
          if (v === null || v >= lim || v <= -lim) return false;
          writeDecimal(a, row, v);
          return true;
        };
      }
    }
  }

  /** @internal The compiled loop's callback: grows plain string column `j` (`pos` bytes written so far). */
  runGrow(j: number, need: number, pos: number): Uint8Array {
    this.bpos[j] = pos;
    return this.growBytes(j, need);
  }

  /** @internal The compiled loop's callback: looks up every encoded column's deferred keys up to `row`; false when one turned plain. */
  runFlush(row: number): boolean {
    for (let j = 0; j < this.nOut; j++) if (this.codes[j] !== null && this.dicts[j] !== null && !this.flush(j, row)) return false;
    return true;
  }

  /** Undoes the partial writes of row `n` (used when a record is dropped). */
  private rollback(): void {
    const row = this.n;
    for (let j = 0; j < this.nOut; j++) {
      const v = this.valid[j];
      if (v) v[row] = 1;
      if (this.kinds[j] === K_UTF8 && this.codes[j] === null) this.bpos[j] = this.offs[j]![row]!;
      if (this.pend[j]! > row) this.pend[j] = row;
    }
  }

  /** True when the batch is full. */
  get full(): boolean {
    return this.n >= this.cap;
  }

  /**
   * Cuts the rows added so far into a Batch and starts a new one, whose arrays hold `nextRows`
   * rows (at most the capacity; {@link full} then says when to cut it).
   */
  finish(nextRows = this.capacity): Batch {
    const n = this.n;
    for (let j = 0; j < this.nOut; j++) if (this.codes[j] !== null) this.flush(j, n);
    const small = n < this.cap / 2;
    const cols: ColumnData[] = [];
    for (let j = 0; j < this.nOut; j++) {
      const k = this.kinds[j]!;
      const type = this.schema.fields[j]!.type;
      let v = this.valid[j];
      if (k === K_NULL) {
        cols.push(new ColumnData('null', n, null, null));
        continue;
      }
      if (v) {
        v = normalizeValidity(v.subarray(0, n), n);
        if (v && small) v = copyPrefix(v, v.length);
      }
      const codes = this.codes[j];
      if (codes) {
        cols.push(dictColumn(small ? copyPrefix(codes, n) : codes.subarray(0, n), this.pending[j]!, v));
      } else if (k === K_UTF8) {
        const len = this.bpos[j]!;
        const bytesArr = this.bytes[j]!;
        const bytes = len < bytesArr.length * 0.75 ? copyPrefix(bytesArr, len) : bytesArr.subarray(0, len);
        const offs = small ? copyPrefix(this.offs[j]!, n + 1) : this.offs[j]!.subarray(0, n + 1);
        this.bytesHint[j] = Math.min(16 << 20, Math.max(1024, (len / Math.max(1, n)) * this.capacity));
        const plain = new ColumnData('utf8', n, null, v, offs, bytes);
        cols.push(this.dictionary ? encodeBatchColumn(plain) : plain);
      } else {
        const arr = this.fixed[j]!;
        const len = k === K_DEC ? n * 4 : n;
        cols.push(new ColumnData(type, n, small ? copyPrefix(arr, len) : arr.subarray(0, len), v));
      }
    }
    const batch = new Batch(this.schema, cols, n);
    this.n = 0;
    this.cap = Math.max(1, Math.min(this.capacity, nextRows));
    this.alloc();
    return batch;
  }
}

// ---------------------------------------------------------------------------------------------
// Schema inference
// ---------------------------------------------------------------------------------------------

/** Inference lattice codes, narrowest first. */
const T_NULL = 0;
const T_I32 = 1;
const T_I64 = 2;
const T_F64 = 3;
const T_BOOL = 4;
const T_DATE = 5;
const T_TS = 6;
const T_STR = 7;

const T_TYPES: DataType[] = ['utf8', 'int32', 'int64', 'float64', 'boolean', 'date32', 'timestamp', 'utf8'];

function mergeInferred(a: number, b: number): number {
  if (a === b || b === T_NULL) return a;
  if (a === T_NULL) return b;
  if (a <= T_F64 && b <= T_F64) return a > b ? a : b;
  if ((a === T_DATE || a === T_TS) && (b === T_DATE || b === T_TS)) return T_TS;
  return T_STR;
}

/**
 * The narrowest type of one non-null value, trying int → long → double → boolean → date →
 * timestamp → string like Spark's CSV inference. Integers beyond ±(2^53 - 1) are typed as string:
 * Kindling keeps int64 values exact only within that range, and a double would silently round.
 */
function classify(b: Uint8Array, s: number, e: number, rules: ValueRules): number {
  const c0 = b[s]!;
  if ((c0 >= 48 && c0 <= 57) || c0 === 45 || c0 === 43 || c0 === 46) {
    const v = parseIntBytes(b, s, e);
    if (v === v) {
      if (v >= -2147483648 && v <= 2147483647) return T_I32;
      return v >= -MAX_INT64 && v <= MAX_INT64 ? T_I64 : T_STR;
    }
  }
  parseDoubleBytes(b, s, e);
  if (!doubleState.failed) return T_F64;
  if (parseBoolBytes(b, s, e) >= 0) return T_BOOL;
  const df = rules.dateFormat;
  const d = df ? df.parseDays(b, s, e) : parseIsoDate(b, s, e, true);
  if (d === d) return T_DATE;
  const tf = rules.timestampFormat;
  const t = tf ? tf.parseMicros(b, s, e) : parseIsoTimestamp(b, s, e, true);
  if (t === t) return T_TS;
  return T_STR;
}

/** Accumulates per-column inferred types over sampled records. */
export class TypeInferrer {
  private readonly cur: Uint8Array = new Uint8Array(0);
  private scratch: Uint8Array = Buffer.allocUnsafe(1024);
  /** Decimal columns: scale and 10^precision (the exclusive bound of the unscaled values). */
  private readonly decScale: Int32Array = new Int32Array(0);
  private readonly decLimit: bigint[] = [];
  /** Columns not yet widened to string. */
  open = 0;
  private readonly width: number = 0;
  private readonly rules: ValueRules;

  constructor(width: number, rules: ValueRules) {
    this.width = width;
    this.rules = rules;
    this.cur = new Uint8Array(width);
    this.open = width;
  }

  /** Merges the current record of `src` into the column types. */
  /** `order[c]`: the record's field index of column c (a file whose header lists the columns in another order). */
  add(src: RecordSource, order?: readonly number[]): void {
    const n = order ? this.width : Math.min(src.nf, this.width);
    const cur = this.cur;
    const rules = this.rules;
    const nullV = rules.nullValue;
    const buf = src.buf;
    const fsA = src.fs;
    const feA = src.fe;
    const ffA = src.ff;
    for (let c = 0; c < n; c++) {
      const t0 = cur[c]!;
      if (t0 === T_STR) continue;
      const f = order ? order[c]! : c;
      if (f >= src.nf) continue;
      let b = buf;
      let s = fsA[f]!;
      let e = feA[f]!;
      const fl = ffA[f]!;
      if (fl & F_R) {
        if (this.scratch.length < e - s) this.scratch = Buffer.allocUnsafe((e - s) * 2);
        e = unescape(b, s, e, rules.quote, rules.escape, this.scratch, (fl & F_V) !== 0);
        b = this.scratch;
        s = 0;
      }
      if (s === e) {
        if ((fl & F_Q) === 0 || rules.emptyIsNull) continue;
        b = rules.emptyValue;
        s = 0;
        e = b.length;
        if (e === 0) continue; // Spark ignores empty strings when inferring
      } else if (nullV.length > 0 && bytesEqual(b, s, e, nullV)) continue;
      // Fast checks for a value that keeps the column's current numeric type.
      if (t0 === T_I32 || t0 === T_I64) {
        const v = parseIntBytes(b, s, e);
        if (t0 === T_I32 ? v >= -2147483648 && v <= 2147483647 : v >= -MAX_INT64 && v <= MAX_INT64) continue;
      } else if (t0 === T_F64) {
        parseDoubleBytes(b, s, e);
        if (!doubleState.failed) continue;
      }
      const t = mergeInferred(t0, classify(b, s, e, rules));
      if (t !== t0) {
        cur[c] = t;
        if (t === T_STR) this.open--;
      }
    }
  }

  /** The inferred types (all-null columns are strings, like Spark). */
  types(): DataType[] {
    return Array.from(this.cur, (t) => T_TYPES[t]!);
  }
}

/**
 * Seeded generators for the h2oai db-benchmark ("database-like ops benchmark") data sets,
 * written as CSV with the same columns and value distributions as the R originals:
 *
 * groupby (groupby-datagen.R), N rows, K groups:
 *   id1, id2  "id%03d" strings from 1..K        id3  "id%010d" strings from 1..N/K
 *   id4, id5  ints 1..K                          id6  ints 1..N/K
 *   v1 int 1..5, v2 int 1..15, v3 float round(runif(0,100), 6)
 *   With naPct > 0, as in the R script: for each id column, floor(naPct% of its distinct
 *   values) are chosen and every row holding one of them gets NA; for v1..v3, exactly
 *   floor(naPct% of N) random rows get NA. NA is written as an empty field (fwrite style).
 *   Approximation: the NA value set is drawn from the value domain (1..K or 1..N/K) rather
 *   than from the values actually observed; for benchmark sizes every value is observed.
 *
 * join (join-datagen.R), N rows; file names as db-benchmark's J1_<N>_<NA|n>_<nas>_0.csv:
 *   x      N rows      id1, id2, id3 ints; id4, id5, id6 = "id" + id1/id2/id3; v1 float
 *   small  N/1e6 rows  id1, id4, v2
 *   medium N/1e3 rows  id1, id2, id4, id5, v2
 *   big    N rows      id1, id2, id3, id4, id5, id6, v2
 *   Keys follow split_xlr(n): a random permutation of 1..1.1n is split into x (90% of n,
 *   common), l (10%, only on the left / in x) and r (10%, only on the right tables). Left
 *   columns draw from x+l, right columns from x+r, so ~90% of x's rows find a match, id3 is
 *   unique in x and in big, id2 unique in medium, id1 unique in small.
 *   Approximations: (1) where a column has as many rows as keys it is an exact shuffled
 *   permutation (as sample_all gives), otherwise it is sampled with replacement, which
 *   unlike sample_all does not guarantee every key appears (irrelevant at benchmark sizes,
 *   where each key is drawn >= 1000 times); (2) table sizes are rounded and kept >= 1 so
 *   small N works (the R script requires N >= 1e7); (3) with naPct > 0, NAs are put in x's
 *   id1..id3 (distinct-value based, id4..id6 follow) and v1 like the R script, but id4..id6
 *   are written empty rather than as R's "idNA".
 *
 * Neither reproduces R's random stream (the PRNG is mulberry32, default seed 108 like
 * set.seed(108)); output is deterministic for a given seed.
 *
 * Usage:
 *   npx tsx scripts/generate-groupby.ts --rows 1e7 --k 100 [--nas 0] [--seed 108] [--out FILE]
 *       (default FILE: bench/data/G1_<N>_<K>_<nas>_0.csv)
 *   npx tsx scripts/generate-groupby.ts --join --rows 1e7 [--nas 0] [--seed 108] [--out DIR]
 *       (default DIR: bench/data)
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isEntryPoint } from './entry-point.js';

/** Options shared by the db-benchmark generators. */
export interface DbBenchOptions {
  /** PRNG seed (default 108, the seed of the R scripts). */
  seed?: number;
  /** Percentage (0..100) of NA values, as the R scripts' `nas` argument (default 0). */
  naPct?: number;
}

/** Paths of the four join tables written by {@link generateJoinCsvs}. */
export interface JoinCsvPaths {
  x: string;
  small: string;
  medium: string;
  big: string;
}

const DEFAULT_SEED = 108;

/** mulberry32: returns a uniform float in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** R's pretty_sci: 10000000 -> "1e7", 1500 -> "1.5e3", 7 -> "7e0". */
export function prettySci(x: number): string {
  return x.toExponential().replace('e+', 'e');
}

/** Fisher-Yates shuffle in place. */
function shuffle(a: Int32Array, rnd: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

/** A set of NA values over 1..domain: floor(domain * pct / 100) of them, chosen at random. */
function naValueMask(domain: number, pct: number, rnd: () => number): Uint8Array | null {
  const nna = Math.floor((domain * pct) / 100);
  if (nna <= 0) return null;
  const mask = new Uint8Array(domain + 1);
  // Selection sampling (Knuth's algorithm S): exactly nna of 1..domain.
  let need = nna;
  for (let v = 1, left = domain; v <= domain && need > 0; v++, left--) {
    if (rnd() * left < need) {
      mask[v] = 1;
      need--;
    }
  }
  return mask;
}

/** A set of NA values: floor(keys.length * pct / 100) of the distinct `keys`, as a mask by value. */
function naKeyMask(keys: Int32Array, pct: number, rnd: () => number): Uint8Array | null {
  const nna = Math.floor((keys.length * pct) / 100);
  if (nna <= 0) return null;
  let max = 0;
  for (let i = 0; i < keys.length; i++) if (keys[i]! > max) max = keys[i]!;
  const mask = new Uint8Array(max + 1);
  const sel = new RowSelector(nna, keys.length, rnd);
  for (let i = 0; i < keys.length; i++) if (sel.next()) mask[keys[i]!] = 1;
  return mask;
}

/** Picks exactly `count` of `total` rows in one streaming pass (algorithm S). */
class RowSelector {
  private need: number;
  private left: number;
  constructor(count: number, total: number, private readonly rnd: () => number) {
    this.need = Math.max(0, Math.min(count, total));
    this.left = total;
  }
  /** Whether the next row is selected. Call once per row, in order. */
  next(): boolean {
    const hit = this.need > 0 && this.rnd() * this.left < this.need;
    if (hit) this.need--;
    this.left--;
    return hit;
  }
}

const COMMA = 0x2c;
const NL = 0x0a;

/**
 * Byte-level CSV writer: formats numbers and labels straight into a reused Buffer and
 * flushes it with fs.writeSync (string building was ~3x slower at 10M rows).
 */
class ByteWriter {
  private readonly fd: number;
  private readonly buf: Buffer;
  private pos = 0;
  private readonly limit: number;
  constructor(path: string, size = 1 << 22) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'w');
    this.buf = Buffer.allocUnsafe(size);
    this.limit = size - 1024;
  }
  /** Flushes if fewer than ~1 KiB are free; call once per row. */
  reserve(): void {
    if (this.pos > this.limit) this.flush();
  }
  ascii(s: string): void {
    this.pos += this.buf.write(s, this.pos, 'latin1');
  }
  bytes(b: Uint8Array): void {
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  byte(c: number): void {
    this.buf[this.pos++] = c;
  }
  /** Non-negative integer in decimal. */
  uint(v: number): void {
    const buf = this.buf;
    if (v < 10) {
      buf[this.pos++] = 48 + v;
      return;
    }
    let digits = 1;
    for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
    let p = this.pos + digits;
    this.pos = p;
    while (v >= 10) {
      const q = Math.floor(v / 10);
      buf[--p] = 48 + (v - q * 10);
      v = q;
    }
    buf[--p] = 48 + v;
  }
  /** Non-negative integer zero-padded to `width` digits. */
  padded(v: number, width: number): void {
    const buf = this.buf;
    let p = this.pos + width;
    this.pos = p;
    for (let i = 0; i < width; i++) {
      const q = Math.floor(v / 10);
      buf[--p] = 48 + (v - q * 10);
      v = q;
    }
  }
  /**
   * m / 1e6 in shortest decimal form (what String(Math.round(u * 1e8) / 1e6) prints):
   * integer part, then up to 6 fraction digits with trailing zeros dropped.
   */
  micros(m: number): void {
    const ip = Math.floor(m / 1e6);
    let frac = m - ip * 1e6;
    this.uint(ip);
    if (frac === 0) return;
    let width = 6;
    while (frac % 10 === 0) {
      frac /= 10;
      width--;
    }
    this.byte(0x2e);
    this.padded(frac, width);
  }
  flush(): void {
    let off = 0;
    while (off < this.pos) off += writeSync(this.fd, this.buf, off, this.pos - off);
    this.pos = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/**
 * Writes a db-benchmark groupby table (the layout of groupby-datagen.R) to `path` as CSV
 * with header `id1,id2,id3,id4,id5,id6,v1,v2,v3`, streaming in chunks so memory stays
 * flat. Output is deterministic for given (rows, k, seed, naPct).
 *
 * @param path  output file (parent directories are created).
 * @param rows  N, number of rows.
 * @param k     K, number of groups for id1/id2/id4/id5; id3/id6 have floor(N/K) groups.
 * @param opts  `seed` (default 108) and `naPct` (0..100, default 0).
 */
export function generateGroupByCsv(path: string, rows: number, k: number, opts: DbBenchOptions = {}): void {
  const n = Math.floor(rows);
  const K = Math.floor(k);
  if (!(n >= 0) || !(K >= 1)) throw new Error(`invalid rows/k: ${rows}/${k}`);
  const nk = Math.max(1, Math.floor(n / K));
  const nas = opts.naPct ?? 0;
  if (!(nas >= 0 && nas <= 100)) throw new Error(`naPct must be in 0..100, got ${nas}`);
  const rnd = mulberry32(opts.seed ?? DEFAULT_SEED);

  const idK: Uint8Array[] = [new Uint8Array(0)];
  for (let i = 1; i <= K; i++) idK.push(Buffer.from('id' + String(i).padStart(3, '0'), 'latin1'));

  // NA sets (value-based for ids, row-based for values); separate stream so the
  // non-NA values do not depend on naPct.
  const naRnd = mulberry32(((opts.seed ?? DEFAULT_SEED) ^ 0x5bd1e995) >>> 0);
  const domains = [K, K, nk, K, K, nk];
  const naId = domains.map((d) => (nas > 0 ? naValueMask(d, nas, naRnd) : null));
  const nnaRows = Math.floor((n * nas) / 100);
  const naV = [0, 1, 2].map(() => (nnaRows > 0 ? new RowSelector(nnaRows, n, naRnd) : null));
  const noNa = naId.every((m) => m === null) && naV.every((m) => m === null);

  const out = new ByteWriter(path);
  out.ascii('id1,id2,id3,id4,id5,id6,v1,v2,v3\n');
  const a = new Int32Array(9);
  for (let i = 0; i < n; i++) {
    out.reserve();
    a[0] = 1 + Math.floor(rnd() * K);
    a[1] = 1 + Math.floor(rnd() * K);
    a[2] = 1 + Math.floor(rnd() * nk);
    a[3] = 1 + Math.floor(rnd() * K);
    a[4] = 1 + Math.floor(rnd() * K);
    a[5] = 1 + Math.floor(rnd() * nk);
    a[6] = 1 + Math.floor(rnd() * 5);
    a[7] = 1 + Math.floor(rnd() * 15);
    const m3 = Math.round(rnd() * 1e8);
    if (noNa) {
      out.bytes(idK[a[0]!]!);
      out.byte(COMMA);
      out.bytes(idK[a[1]!]!);
      out.byte(COMMA);
      out.ascii('id');
      out.padded(a[2]!, 10);
      out.byte(COMMA);
      out.uint(a[3]!);
      out.byte(COMMA);
      out.uint(a[4]!);
      out.byte(COMMA);
      out.uint(a[5]!);
      out.byte(COMMA);
      out.uint(a[6]!);
      out.byte(COMMA);
      out.uint(a[7]!);
      out.byte(COMMA);
      out.micros(m3);
      out.byte(NL);
      continue;
    }
    for (let c = 0; c < 6; c++) {
      const mask = naId[c];
      const v = a[c]!;
      if (!(mask && mask[v])) {
        if (c < 2) out.bytes(idK[v]!);
        else if (c === 2) {
          out.ascii('id');
          out.padded(v, 10);
        } else out.uint(v);
      }
      out.byte(COMMA);
    }
    if (!naV[0]?.next()) out.uint(a[6]!);
    out.byte(COMMA);
    if (!naV[1]?.next()) out.uint(a[7]!);
    out.byte(COMMA);
    if (!naV[2]?.next()) out.micros(m3);
    out.byte(NL);
  }
  out.close();
}

/** split_xlr(n): keys 1..(n + nr) shuffled, split into common (x), left-only (l), right-only (r). */
function splitXlr(n: number, rnd: () => number): { left: Int32Array; right: Int32Array } {
  const nx = Math.max(1, Math.round(n * 0.9));
  const nl = n - nx;
  const total = n + nl;
  const key = new Int32Array(total);
  for (let i = 0; i < total; i++) key[i] = i + 1;
  shuffle(key, rnd);
  const left = key.slice(0, n); // x + l
  const right = new Int32Array(n); // x + r
  right.set(key.subarray(0, nx), 0);
  right.set(key.subarray(n, total), nx);
  return { left, right };
}

/** Column source approximating sample_all(keys, size). */
function sampleAll(keys: Int32Array, size: number, rnd: () => number): () => number {
  if (keys.length >= size) {
    // Exact: a shuffled permutation (of the first `size` keys after shuffling).
    const perm = keys.slice();
    shuffle(perm, rnd);
    let i = 0;
    return () => perm[i++]!;
  }
  const m = keys.length;
  return () => keys[Math.floor(rnd() * m)]!;
}

interface JoinTableSpec {
  path: string;
  rows: number;
  /** Which of id1/id2/id3 the table has, with their key sources. */
  ids: Array<{ name: 'id1' | 'id2' | 'id3'; keys: Int32Array }>;
  value: 'v1' | 'v2';
  /** NA percentage: that share of each id column's distinct keys, and of the value column's rows. */
  naPct: number;
}

function writeJoinTable(spec: JoinTableSpec, rnd: () => number, naRnd: () => number): void {
  const { rows, ids } = spec;
  const sources = ids.map((c) => sampleAll(c.keys, rows, rnd));
  const masks = ids.map((c) => (spec.naPct > 0 ? naKeyMask(c.keys, spec.naPct, naRnd) : null));
  const vSel = spec.naPct > 0 ? new RowSelector(Math.floor((rows * spec.naPct) / 100), rows, naRnd) : null;
  const header = [...ids.map((c) => c.name), ...ids.map((c) => 'id' + (Number(c.name[2]) + 3)), spec.value];
  const out = new ByteWriter(spec.path);
  out.ascii(header.join(',') + '\n');
  const nid = ids.length;
  const vals = new Int32Array(nid);
  for (let i = 0; i < rows; i++) {
    out.reserve();
    for (let c = 0; c < nid; c++) {
      const v = sources[c]!();
      const mask = masks[c];
      vals[c] = mask && mask[v] ? 0 : v; // 0 = NA (keys start at 1)
    }
    for (let c = 0; c < nid; c++) {
      if (vals[c]! > 0) out.uint(vals[c]!);
      out.byte(COMMA);
    }
    for (let c = 0; c < nid; c++) {
      if (vals[c]! > 0) {
        out.ascii('id');
        out.uint(vals[c]!);
      }
      out.byte(COMMA);
    }
    const m = Math.round(rnd() * 1e8);
    if (!vSel?.next()) out.micros(m);
    out.byte(NL);
  }
  out.close();
}

/**
 * Writes the four db-benchmark join tables (the layout of join-datagen.R) into `dir`:
 * `J1_<N>_NA_<nas>_0.csv` (x), and the right-hand tables `J1_<N>_<N/1e6>_<nas>_0.csv`
 * (small), `J1_<N>_<N/1e3>_<nas>_0.csv` (medium), `J1_<N>_<N>_<nas>_0.csv` (big), where
 * numbers are formatted like R's pretty_sci (1e7). ~90% of x's rows have a matching key in
 * each right table. See the header comment for how this approximates the R script.
 *
 * @param dir   output directory (created if missing).
 * @param rows  N, rows of x and big; small and medium get max(1, round(N/1e6)) and
 *              max(1, round(N/1e3)) rows.
 * @param opts  `seed` (default 108) and `naPct` (0..100, default 0; NAs go into x only,
 *              as in the R script).
 * @returns the paths written.
 */
export function generateJoinCsvs(dir: string, rows: number, opts: DbBenchOptions = {}): JoinCsvPaths {
  const n = Math.floor(rows);
  if (!(n >= 1)) throw new Error(`invalid rows: ${rows}`);
  const nas = opts.naPct ?? 0;
  if (!(nas >= 0 && nas <= 100)) throw new Error(`naPct must be in 0..100, got ${nas}`);
  const seed = opts.seed ?? DEFAULT_SEED;
  const rnd = mulberry32(seed);
  const naRnd = mulberry32((seed ^ 0x5bd1e995) >>> 0);
  mkdirSync(dir, { recursive: true });

  const nSmall = Math.max(1, Math.round(n / 1e6));
  const nMedium = Math.max(1, Math.round(n / 1e3));
  const key1 = splitXlr(nSmall, rnd);
  const key2 = splitXlr(nMedium, rnd);
  const key3 = splitXlr(n, rnd);

  const name = (part: string): string => join(dir, `J1_${prettySci(n)}_${part}_${nas}_0.csv`);
  const paths: JoinCsvPaths = {
    x: name('NA'),
    small: name(prettySci(nSmall)),
    medium: name(prettySci(nMedium)),
    big: name(prettySci(n)),
  };

  writeJoinTable(
    {
      path: paths.x, rows: n, value: 'v1', naPct: nas,
      ids: [{ name: 'id1', keys: key1.left }, { name: 'id2', keys: key2.left }, { name: 'id3', keys: key3.left }],
    },
    rnd, naRnd,
  );
  writeJoinTable(
    { path: paths.small, rows: nSmall, value: 'v2', naPct: 0, ids: [{ name: 'id1', keys: key1.right }] },
    rnd, naRnd,
  );
  writeJoinTable(
    {
      path: paths.medium, rows: nMedium, value: 'v2', naPct: 0,
      ids: [{ name: 'id1', keys: key1.right }, { name: 'id2', keys: key2.right }],
    },
    rnd, naRnd,
  );
  writeJoinTable(
    {
      path: paths.big, rows: n, value: 'v2', naPct: 0,
      ids: [{ name: 'id1', keys: key1.right }, { name: 'id2', keys: key2.right }, { name: 'id3', keys: key3.right }],
    },
    rnd, naRnd,
  );
  return paths;
}

function parseArgs(argv: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument: ${a}`);
    const eq = a.indexOf('=');
    if (eq > 0) m.set(a.slice(2, eq), a.slice(eq + 1));
    else if (a === '--join' || a === '--help') m.set(a.slice(2), 'true');
    else {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      m.set(a.slice(2), v);
    }
  }
  return m;
}

function num(args: Map<string, string>, key: string, dflt?: number): number {
  const s = args.get(key);
  if (s === undefined) {
    if (dflt === undefined) throw new Error(`--${key} is required`);
    return dflt;
  }
  const v = Number(s);
  if (!Number.isFinite(v)) throw new Error(`--${key}: not a number: ${s}`);
  return v;
}

function main(argv: string[]): void {
  const args = parseArgs(argv);
  if (args.has('help')) {
    console.log(
      'usage: npx tsx scripts/generate-groupby.ts --rows N --k K [--nas PCT] [--seed S] [--out FILE]\n' +
        '       npx tsx scripts/generate-groupby.ts --join --rows N [--nas PCT] [--seed S] [--out DIR]',
    );
    return;
  }
  const rows = num(args, 'rows');
  const nas = num(args, 'nas', 0);
  const seed = num(args, 'seed', DEFAULT_SEED);
  const t0 = Date.now();
  if (args.has('join')) {
    const paths = generateJoinCsvs(args.get('out') ?? 'bench/data', rows, { seed, naPct: nas });
    console.log(`wrote ${Object.values(paths).join(', ')} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } else {
    const k = num(args, 'k');
    const out = args.get('out') ?? join('bench/data', `G1_${prettySci(rows)}_${prettySci(k)}_${nas}_0.csv`);
    generateGroupByCsv(out, rows, k, { seed, naPct: nas });
    console.log(`wrote ${out} (${rows} rows) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
}

if (isEntryPoint(import.meta.url)) main(process.argv.slice(2));

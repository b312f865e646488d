/**
 * A seeded, deterministic generator of the eight TPC-H tables (region, nation, supplier,
 * customer, part, partsupp, orders, lineitem) for conformance tests.
 *
 * It follows the TPC-H specification (clause 4.2, "Database population") for column
 * definitions, value domains and key relationships, so that the 22 queries with their default
 * substitution parameters return non-trivial results at small scale factors:
 *
 *   - cardinalities: supplier SF*10,000, part SF*200,000, partsupp 4 per part, customer
 *     SF*150,000, orders SF*1,500,000 (sparse keys: 8 of every 32), 1-7 lineitems per order;
 *   - ps_suppkey / l_suppkey from the spec's formula, so every (l_partkey, l_suppkey) is a
 *     partsupp row; o_custkey never a multiple of 3 (a third of the customers have no orders);
 *   - p_retailprice from the spec's formula, l_extendedprice = l_quantity * p_retailprice,
 *     o_totalprice = sum(l_extendedprice * (1 + l_tax) * (1 - l_discount)) in integer cents;
 *   - dates: o_orderdate in [1992-01-01, 1998-12-31 - 151 days], l_shipdate = o_orderdate +
 *     [1,121], l_commitdate = o_orderdate + [30,90], l_receiptdate = l_shipdate + [1,30];
 *     l_returnflag 'R'/'A' if l_receiptdate <= 1995-06-17 else 'N'; l_linestatus 'O' if
 *     l_shipdate > 1995-06-17 else 'F'; o_orderstatus 'F'/'O'/'P' from its lines;
 *   - the spec's word pools (p_name colours, p_type and p_container syllables, segments,
 *     priorities, ship modes and instructions, nations and regions with their keys);
 *   - phone numbers 'CC-LLL-LLL-LLLL' with country code = nationkey + 10;
 *   - comments: substrings of a text pool built from the spec's pseudo-text grammar (so that
 *     patterns like '%special%requests%' occur), plus 'Customer ... Complaints' /
 *     'Customer ... Recommends' in SF*5 supplier comments each (at least one of each).
 *
 * Differences from dbgen: the random streams are this file's own (mulberry32), so the data is
 * TPC-H-shaped but not byte-identical to dbgen's, and the published answer sets do not apply;
 * the text pool is 1 MiB rather than 300 MB.
 *
 * Output: one file per table, `<table>.csv`, '|'-separated with a header line, no quoting
 * (no value contains '|' or '"'), decimals with two digits, dates as yyyy-mm-dd.
 *
 * Usage: npx tsx scripts/generate-tpch.ts [--sf 0.01] [--seed N] [--out DIR]  (default DIR: out/tpch, git-ignored)
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isEntryPoint } from './entry-point.js';

/**
 * Default seed. At SF 0.01 a few queries select only a handful of rows (Q18: orders with more than
 * 300 units, about one expected; Q19: about one matching line; Q8/Q20/Q21: a few parts or
 * suppliers), so this seed was picked among the first 130 as one where all 22 queries return
 * non-empty, null-free results (Q18 4 rows, Q19 non-null, Q8 non-zero shares in both years).
 */
export const TPCH_SEED = 110;
/** Field separator of the generated files. */
export const TPCH_SEP = '|';

/** Column types of the generated tables (TPC-H identifiers → INT/BIGINT, decimals → DOUBLE). */
export type TpchType = 'INT' | 'BIGINT' | 'DOUBLE' | 'DATE' | 'STRING';

/** The eight tables' columns, in file order. */
export const TPCH_SCHEMA: Record<string, readonly (readonly [string, TpchType])[]> = {
  region: [['r_regionkey', 'INT'], ['r_name', 'STRING'], ['r_comment', 'STRING']],
  nation: [['n_nationkey', 'INT'], ['n_name', 'STRING'], ['n_regionkey', 'INT'], ['n_comment', 'STRING']],
  supplier: [
    ['s_suppkey', 'INT'], ['s_name', 'STRING'], ['s_address', 'STRING'], ['s_nationkey', 'INT'],
    ['s_phone', 'STRING'], ['s_acctbal', 'DOUBLE'], ['s_comment', 'STRING'],
  ],
  customer: [
    ['c_custkey', 'INT'], ['c_name', 'STRING'], ['c_address', 'STRING'], ['c_nationkey', 'INT'],
    ['c_phone', 'STRING'], ['c_acctbal', 'DOUBLE'], ['c_mktsegment', 'STRING'], ['c_comment', 'STRING'],
  ],
  part: [
    ['p_partkey', 'INT'], ['p_name', 'STRING'], ['p_mfgr', 'STRING'], ['p_brand', 'STRING'], ['p_type', 'STRING'],
    ['p_size', 'INT'], ['p_container', 'STRING'], ['p_retailprice', 'DOUBLE'], ['p_comment', 'STRING'],
  ],
  partsupp: [['ps_partkey', 'INT'], ['ps_suppkey', 'INT'], ['ps_availqty', 'INT'], ['ps_supplycost', 'DOUBLE'], ['ps_comment', 'STRING']],
  orders: [
    ['o_orderkey', 'BIGINT'], ['o_custkey', 'INT'], ['o_orderstatus', 'STRING'], ['o_totalprice', 'DOUBLE'],
    ['o_orderdate', 'DATE'], ['o_orderpriority', 'STRING'], ['o_clerk', 'STRING'], ['o_shippriority', 'INT'],
    ['o_comment', 'STRING'],
  ],
  lineitem: [
    ['l_orderkey', 'BIGINT'], ['l_partkey', 'INT'], ['l_suppkey', 'INT'], ['l_linenumber', 'INT'],
    ['l_quantity', 'DOUBLE'], ['l_extendedprice', 'DOUBLE'], ['l_discount', 'DOUBLE'], ['l_tax', 'DOUBLE'],
    ['l_returnflag', 'STRING'], ['l_linestatus', 'STRING'], ['l_shipdate', 'DATE'], ['l_commitdate', 'DATE'],
    ['l_receiptdate', 'DATE'], ['l_shipinstruct', 'STRING'], ['l_shipmode', 'STRING'], ['l_comment', 'STRING'],
  ],
};

/** Table names in generation order. */
export const TPCH_TABLES = ['region', 'nation', 'supplier', 'customer', 'part', 'partsupp', 'orders', 'lineitem'] as const;

/** Spark DDL of a table's schema, e.g. 'r_regionkey INT, r_name STRING, ...'. */
export function tpchDDL(table: string): string {
  const cols = TPCH_SCHEMA[table];
  if (!cols) throw new Error(`unknown TPC-H table '${table}'`);
  return cols.map(([n, t]) => `${n} ${t}`).join(', ');
}

// ---------------------------------------------------------------------------------------------
// Spec word pools (TPC-H clause 4.2.2.13 and 4.2.3)
// ---------------------------------------------------------------------------------------------

const REGIONS = ['AFRICA', 'AMERICA', 'ASIA', 'EUROPE', 'MIDDLE EAST'];
const NATIONS: [string, number][] = [
  ['ALGERIA', 0], ['ARGENTINA', 1], ['BRAZIL', 1], ['CANADA', 1], ['EGYPT', 4], ['ETHIOPIA', 0],
  ['FRANCE', 3], ['GERMANY', 3], ['INDIA', 2], ['INDONESIA', 2], ['IRAN', 4], ['IRAQ', 4],
  ['JAPAN', 2], ['JORDAN', 4], ['KENYA', 0], ['MOROCCO', 0], ['MOZAMBIQUE', 0], ['PERU', 1],
  ['CHINA', 2], ['ROMANIA', 3], ['SAUDI ARABIA', 4], ['VIETNAM', 2], ['RUSSIA', 3],
  ['UNITED KINGDOM', 3], ['UNITED STATES', 1],
];
/** The 92 P_NAME words. */
const COLORS = (
  'almond antique aquamarine azure beige bisque black blanched blue blush brown burlywood burnished ' +
  'chartreuse chiffon chocolate coral cornflower cornsilk cream cyan dark deep dim dodger drab firebrick ' +
  'floral forest frosted gainsboro ghost goldenrod green grey honeydew hot indian ivory khaki lace lavender ' +
  'lawn lemon light lime linen magenta maroon medium metallic midnight mint misty moccasin navajo navy ' +
  'olive orange orchid pale papaya peach peru pink plum powder puff purple red rose rosy royal saddle ' +
  'salmon sandy seashell sienna sky slate smoke snow spring steel tan thistle tomato turquoise violet ' +
  'wheat white yellow'
).split(' ');
const TYPE_S1 = ['STANDARD', 'SMALL', 'MEDIUM', 'LARGE', 'ECONOMY', 'PROMO'];
const TYPE_S2 = ['ANODIZED', 'BURNISHED', 'PLATED', 'POLISHED', 'BRUSHED'];
const TYPE_S3 = ['TIN', 'NICKEL', 'BRASS', 'STEEL', 'COPPER'];
const CONTAINER_S1 = ['SM', 'LG', 'MED', 'JUMBO', 'WRAP'];
const CONTAINER_S2 = ['CASE', 'BOX', 'BAG', 'JAR', 'PKG', 'PACK', 'CAN', 'DRUM'];
const SEGMENTS = ['AUTOMOBILE', 'BUILDING', 'FURNITURE', 'MACHINERY', 'HOUSEHOLD'];
const PRIORITIES = ['1-URGENT', '2-HIGH', '3-MEDIUM', '4-NOT SPECIFIED', '5-LOW'];
const INSTRUCTIONS = ['DELIVER IN PERSON', 'COLLECT COD', 'NONE', 'TAKE BACK RETURN'];
const MODES = ['REG AIR', 'AIR', 'RAIL', 'SHIP', 'TRUCK', 'MAIL', 'FOB'];

// Pseudo-text grammar (clause 4.2.2.14), with dbgen's word weights.
type Weighted = readonly (readonly [string, number])[];
const NOUNS: Weighted = [
  ['foxes', 1], ['ideas', 1], ['theodolites', 1], ['pinto beans', 1], ['instructions', 1], ['dependencies', 10],
  ['excuses', 10], ['platelets', 10], ['asymptotes', 10], ['courts', 5], ['dolphins', 5], ['multipliers', 1],
  ['sauternes', 1], ['warthogs', 1], ['frets', 1], ['dinos', 1], ['attainments', 1], ['somas', 1],
  ['Tiresias', 1], ['patterns', 1], ['forges', 1], ['braids', 1], ['hockey players', 1], ['frays', 1],
  ['warhorses', 1], ['dugouts', 1], ['notornis', 1], ['epitaphs', 1], ['pearls', 1], ['tithes', 1],
  ['waters', 1], ['orbits', 1], ['gifts', 1], ['sheaves', 1], ['depths', 1], ['sentiments', 1],
  ['decoys', 1], ['realms', 1], ['pains', 1], ['grouches', 1], ['escapades', 1],
  ['packages', 40], ['requests', 40], ['accounts', 40], ['deposits', 40],
];
const VERBS: Weighted = [
  ['sleep', 20], ['wake', 20], ['are', 20], ['cajole', 20], ['haggle', 20], ['nag', 10], ['use', 10],
  ['boost', 10], ['affix', 5], ['detect', 5], ['integrate', 5], ['maintain', 1], ['nod', 1], ['was', 1],
  ['lose', 1], ['sublate', 1], ['solve', 1], ['thrash', 1], ['promise', 1], ['engage', 1], ['hinder', 1],
  ['print', 1], ['x-ray', 1], ['breach', 1], ['eat', 1], ['grow', 1], ['impress', 1], ['mold', 1],
  ['poach', 1], ['serve', 1], ['run', 1], ['dazzle', 1], ['snooze', 1], ['doze', 1], ['unwind', 1],
  ['kindle', 1], ['play', 1], ['hang', 1], ['believe', 1], ['doubt', 1],
];
const ADJECTIVES: Weighted = [
  ['special', 20], ['pending', 20], ['unusual', 20], ['express', 20], ['furious', 1], ['sly', 1],
  ['careful', 1], ['blithe', 1], ['quick', 1], ['fluffy', 1], ['slow', 1], ['quiet', 1], ['ruthless', 1],
  ['thin', 1], ['close', 1], ['dogged', 1], ['daring', 1], ['brave', 1], ['stealthy', 1], ['permanent', 1],
  ['enticing', 1], ['idle', 1], ['busy', 1], ['regular', 50], ['final', 40], ['ironic', 40], ['even', 30],
  ['bold', 20], ['silent', 10],
];
const ADVERBS: Weighted = [
  ['sometimes', 1], ['always', 1], ['never', 1], ['furiously', 50], ['slyly', 50], ['carefully', 50],
  ['blithely', 40], ['quickly', 30], ['fluffily', 20], ['slowly', 1], ['quietly', 1], ['ruthlessly', 1],
  ['thinly', 1], ['closely', 1], ['doggedly', 1], ['daringly', 1], ['bravely', 1], ['stealthily', 1],
  ['permanently', 1], ['enticingly', 1], ['idly', 1], ['busily', 1], ['regularly', 1], ['finally', 1],
  ['ironically', 1], ['evenly', 1], ['boldly', 1], ['silently', 1],
];
const PREPOSITIONS: Weighted = [
  ['about', 50], ['above', 50], ['according to', 50], ['across', 50], ['after', 50], ['against', 40],
  ['along', 40], ['alongside of', 30], ['among', 30], ['around', 20], ['at', 10], ['atop', 1], ['before', 1],
  ['behind', 1], ['beneath', 1], ['beside', 1], ['besides', 1], ['between', 1], ['beyond', 1], ['by', 1],
  ['despite', 1], ['during', 1], ['except', 1], ['for', 1], ['from', 1], ['in place of', 1], ['inside', 1],
  ['instead of', 1], ['into', 1], ['near', 1], ['of', 1], ['on', 1], ['outside', 1], ['over', 1],
  ['past', 1], ['since', 1], ['through', 1], ['throughout', 1], ['to', 1], ['toward', 1], ['under', 1],
  ['until', 1], ['up', 1], ['upon', 1], ['without', 1], ['with', 1], ['within', 1],
];
const AUXILIARIES: Weighted = [
  ['do', 1], ['may', 1], ['might', 1], ['shall', 1], ['will', 1], ['would', 1], ['can', 1], ['could', 1],
  ['should', 1], ['ought to', 1], ['must', 1], ['will have to', 1], ['shall have to', 1],
  ['could have to', 1], ['should have to', 1], ['must have to', 1], ['need to', 1], ['try to', 1],
];
const TERMINATORS: Weighted = [['.', 50], [';', 1], [':', 1], ['?', 1], ['!', 1], ['--', 1]];
const SENTENCES: Weighted = [['N V T', 3], ['N V P T', 3], ['N V N T', 3], ['N P V N T', 1], ['N P V P T', 1]];
const NOUN_PHRASES: Weighted = [['N', 10], ['J N', 20], ['J, J N', 10], ['D J N', 50]];
const VERB_PHRASES: Weighted = [['V', 30], ['X V', 1], ['V D', 40], ['X V D', 1]];

const ALPHANUM = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ,';

// ---------------------------------------------------------------------------------------------
// Random numbers and helpers
// ---------------------------------------------------------------------------------------------

/** mulberry32: a small deterministic PRNG. */
class Rng {
  private a: number;
  constructor(seed: number) {
    this.a = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  /** A uniformly chosen element. */
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  /** A weighted choice. */
  weighted(xs: Weighted): string {
    let total = 0;
    for (const [, w] of xs) total += w;
    let r = this.next() * total;
    for (const [s, w] of xs) {
      r -= w;
      if (r < 0) return s;
    }
    return xs[xs.length - 1]![0];
  }
  /** A random alphanumeric string of length [lo, hi] (the spec's v-string). */
  vstring(lo: number, hi: number): string {
    const n = this.int(lo, hi);
    let s = '';
    for (let i = 0; i < n; i++) s += ALPHANUM[Math.floor(this.next() * ALPHANUM.length)];
    return s;
  }
}

/** Independent seeds per table, so one table's shape does not depend on another's draws. */
function tableSeed(seed: number, table: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < table.length; i++) h = Math.imul(h ^ table.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

const DAY_MS = 86_400_000;
const toDays = (iso: string): number => Math.round(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
const STARTDATE = toDays('1992-01-01');
const CURRENTDATE = toDays('1995-06-17');
const ENDDATE = toDays('1998-12-31');

const dateCache = new Map<number, string>();
function fmtDate(days: number): string {
  let s = dateCache.get(days);
  if (s === undefined) {
    s = new Date(days * DAY_MS).toISOString().slice(0, 10);
    dateCache.set(days, s);
  }
  return s;
}
/** Integer cents → 'd.dd' (handles negatives). */
function money(cents: number): string {
  const neg = cents < 0;
  const a = Math.abs(cents);
  const s = `${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
  return neg ? `-${s}` : s;
}
const pad9 = (n: number): string => String(n).padStart(9, '0');

function phone(rng: Rng, nationkey: number): string {
  return `${nationkey + 10}-${rng.int(100, 999)}-${rng.int(100, 999)}-${rng.int(1000, 9999)}`;
}

/** The spec's pseudo-text pool: random sentences from the grammar. */
class TextPool {
  readonly text: string;
  constructor(rng: Rng, size: number) {
    const parts: string[] = [];
    let len = 0;
    while (len < size) {
      const s = this.sentence(rng);
      parts.push(s);
      len += s.length + 1;
    }
    this.text = parts.join(' ');
  }
  private nounPhrase(rng: Rng): string {
    return rng.weighted(NOUN_PHRASES).split(' ').map((t) => {
      if (t === 'N') return rng.weighted(NOUNS);
      if (t === 'J') return rng.weighted(ADJECTIVES);
      if (t === 'J,') return `${rng.weighted(ADJECTIVES)},`;
      return rng.weighted(ADVERBS); // D
    }).join(' ');
  }
  private verbPhrase(rng: Rng): string {
    return rng.weighted(VERB_PHRASES).split(' ').map((t) => {
      if (t === 'V') return rng.weighted(VERBS);
      if (t === 'X') return rng.weighted(AUXILIARIES);
      return rng.weighted(ADVERBS); // D
    }).join(' ');
  }
  private sentence(rng: Rng): string {
    const out: string[] = [];
    for (const t of rng.weighted(SENTENCES).split(' ')) {
      if (t === 'N') out.push(this.nounPhrase(rng));
      else if (t === 'V') out.push(this.verbPhrase(rng));
      else if (t === 'P') out.push(`${rng.weighted(PREPOSITIONS)} the ${this.nounPhrase(rng)}`);
      else out[out.length - 1] += rng.weighted(TERMINATORS); // T
    }
    return out.join(' ');
  }
  /** The spec's "text string [lo, hi]": a substring of the pool of random length and offset. */
  take(rng: Rng, lo: number, hi: number): string {
    const n = rng.int(lo, hi);
    const off = rng.int(0, this.text.length - n - 1);
    // No leading/trailing blanks: CSV readers may trim them.
    return this.text.slice(off, off + n).trim();
  }
}

/** Buffered line writer for one CSV file. */
class CsvOut {
  private readonly fd: number;
  private buf: string[] = [];
  private size = 0;
  constructor(readonly path: string, header: readonly string[]) {
    this.fd = openSync(path, 'w');
    this.row(header);
  }
  row(fields: readonly (string | number)[]): void {
    const line = fields.join(TPCH_SEP);
    this.buf.push(line);
    this.size += line.length;
    if (this.size > 1 << 20) this.flush();
  }
  private flush(): void {
    if (this.buf.length > 0) writeSync(this.fd, this.buf.join('\n') + '\n');
    this.buf = [];
    this.size = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

// ---------------------------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------------------------

/** Row counts for a scale factor. */
export function tpchCounts(sf: number): { supplier: number; part: number; customer: number; orders: number } {
  return {
    supplier: Math.max(1, Math.round(sf * 10_000)),
    part: Math.max(1, Math.round(sf * 200_000)),
    customer: Math.max(3, Math.round(sf * 150_000)),
    orders: Math.max(1, Math.round(sf * 1_500_000)),
  };
}

/** The spec's supplier of the i-th (0..3) partsupp row of a part (clause 4.2.3, PS_SUPPKEY). */
function suppFor(partkey: number, i: number, S: number): number {
  return ((partkey + i * (Math.floor(S / 4) + Math.floor((partkey - 1) / S))) % S) + 1;
}

/** The spec's P_RETAILPRICE in cents. */
function retailCents(partkey: number): number {
  return 90000 + (Math.floor(partkey / 10) % 20001) + 100 * (partkey % 1000);
}

/**
 * Writes region.csv, nation.csv, supplier.csv, customer.csv, part.csv, partsupp.csv, orders.csv
 * and lineitem.csv into `dir` (created if missing) at scale factor `sf` and returns the paths by
 * table name. The same (sf, seed) always gives byte-identical files.
 */
export function generateTpch(dir: string, sf: number = 0.01, seed: number = TPCH_SEED): Record<string, string> {
  if (!(sf > 0) || !Number.isFinite(sf)) throw new Error(`scale factor must be a positive number, got ${sf}`);
  mkdirSync(dir, { recursive: true });
  const paths: Record<string, string> = {};
  const open = (t: string): CsvOut => {
    paths[t] = join(dir, `${t}.csv`);
    return new CsvOut(paths[t], TPCH_SCHEMA[t]!.map(([n]) => n));
  };
  const counts = tpchCounts(sf);
  const S = counts.supplier;
  const P = counts.part;
  const C = counts.customer;
  const text = new TextPool(new Rng(tableSeed(seed, 'text')), 1 << 20);

  // region, nation
  {
    const rng = new Rng(tableSeed(seed, 'region'));
    const out = open('region');
    REGIONS.forEach((name, key) => out.row([key, name, text.take(rng, 31, 115)]));
    out.close();
    const rn = new Rng(tableSeed(seed, 'nation'));
    const on = open('nation');
    NATIONS.forEach(([name, region], key) => on.row([key, name, region, text.take(rn, 31, 114)]));
    on.close();
  }

  // supplier: SF*5 comments with 'Customer%Complaints', SF*5 with 'Customer%Recommends' (≥ 1 each).
  {
    const rng = new Rng(tableSeed(seed, 'supplier'));
    const special = Math.min(Math.floor(S / 2), Math.max(1, Math.round(sf * 5)));
    const marks = new Map<number, 'Complaints' | 'Recommends'>();
    for (const kind of ['Complaints', 'Recommends'] as const) {
      let placed = 0;
      while (placed < special) {
        const k = rng.int(1, S);
        if (marks.has(k)) continue;
        marks.set(k, kind);
        placed++;
      }
    }
    const out = open('supplier');
    for (let k = 1; k <= S; k++) {
      const nation = rng.int(0, 24);
      let comment = text.take(rng, 25, 100);
      const mark = marks.get(k);
      if (mark) {
        // "Customer" at a random position, then the mark after some random text (clause 4.2.3).
        const noise = text.take(rng, 0, 10);
        const at = rng.int(0, comment.length);
        comment = `${comment.slice(0, at)} Customer ${noise} ${mark} ${comment.slice(at)}`.replace(/\s+/g, ' ').trim();
      }
      out.row([k, `Supplier#${pad9(k)}`, rng.vstring(10, 40), nation, phone(rng, nation), money(rng.int(-99999, 999999)), comment]);
    }
    out.close();
  }

  // customer
  {
    const rng = new Rng(tableSeed(seed, 'customer'));
    const out = open('customer');
    for (let k = 1; k <= C; k++) {
      const nation = rng.int(0, 24);
      out.row([
        k, `Customer#${pad9(k)}`, rng.vstring(10, 40), nation, phone(rng, nation), money(rng.int(-99999, 999999)),
        rng.pick(SEGMENTS), text.take(rng, 29, 116),
      ]);
    }
    out.close();
  }

  // part, partsupp
  {
    const rng = new Rng(tableSeed(seed, 'part'));
    const rps = new Rng(tableSeed(seed, 'partsupp'));
    const out = open('part');
    const ops = open('partsupp');
    for (let k = 1; k <= P; k++) {
      const words: string[] = [];
      while (words.length < 5) {
        const w = rng.pick(COLORS);
        if (!words.includes(w)) words.push(w);
      }
      const m = rng.int(1, 5);
      const n = rng.int(1, 5);
      out.row([
        k, words.join(' '), `Manufacturer#${m}`, `Brand#${m}${n}`,
        `${rng.pick(TYPE_S1)} ${rng.pick(TYPE_S2)} ${rng.pick(TYPE_S3)}`, rng.int(1, 50),
        `${rng.pick(CONTAINER_S1)} ${rng.pick(CONTAINER_S2)}`, money(retailCents(k)), text.take(rng, 5, 22),
      ]);
      for (let i = 0; i < 4; i++) {
        ops.row([k, suppFor(k, i, S), rps.int(1, 9999), money(rps.int(100, 100000)), text.take(rps, 49, 198)]);
      }
    }
    out.close();
    ops.close();
  }

  // orders, lineitem
  {
    const rng = new Rng(tableSeed(seed, 'orders'));
    const rl = new Rng(tableSeed(seed, 'lineitem'));
    const oo = open('orders');
    const ol = open('lineitem');
    const clerks = Math.max(1, Math.round(sf * 1000));
    const lines: (string | number)[][] = [];
    for (let i = 0; i < counts.orders; i++) {
      const orderkey = Math.floor(i / 8) * 32 + (i % 8) + 1;
      let custkey: number;
      do custkey = rng.int(1, C);
      while (custkey % 3 === 0);
      const orderdate = rng.int(STARTDATE, ENDDATE - 151);
      const priority = rng.pick(PRIORITIES);
      const clerk = `Clerk#${pad9(rng.int(1, clerks))}`;
      const ocomment = text.take(rng, 19, 78);
      const nlines = rl.int(1, 7);
      let total = 0;
      let nF = 0;
      lines.length = 0;
      for (let ln = 1; ln <= nlines; ln++) {
        const partkey = rl.int(1, P);
        const suppkey = suppFor(partkey, rl.int(0, 3), S);
        const qty = rl.int(1, 50);
        const ext = qty * retailCents(partkey);
        const disc = rl.int(0, 10);
        const tax = rl.int(0, 8);
        const ship = orderdate + rl.int(1, 121);
        const commit = orderdate + rl.int(30, 90);
        const receipt = ship + rl.int(1, 30);
        const returnflag = receipt <= CURRENTDATE ? (rl.next() < 0.5 ? 'R' : 'A') : 'N';
        const linestatus = ship > CURRENTDATE ? 'O' : 'F';
        if (linestatus === 'F') nF++;
        // dbgen's integer-cent arithmetic (truncating).
        total += Math.floor((Math.floor((ext * (100 - disc)) / 100) * (100 + tax)) / 100);
        lines.push([
          orderkey, partkey, suppkey, ln, qty, money(ext), money(disc), money(tax), returnflag, linestatus,
          fmtDate(ship), fmtDate(commit), fmtDate(receipt), rl.pick(INSTRUCTIONS), rl.pick(MODES), text.take(rl, 10, 43),
        ]);
      }
      const status = nF === nlines ? 'F' : nF === 0 ? 'O' : 'P';
      oo.row([orderkey, custkey, status, money(total), fmtDate(orderdate), priority, clerk, 0, ocomment]);
      for (const l of lines) ol.row(l);
    }
    oo.close();
    ol.close();
  }
  return paths;
}

// ---------------------------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------------------------

function main(argv: string[]): void {
  let out = 'out/tpch';
  let sf = 0.01;
  let seed = TPCH_SEED;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--out') out = value();
    else if (flag === '--sf') sf = Number(value());
    else if (flag === '--seed') seed = Number(value());
    else if (flag === '--help' || flag === '-h') {
      console.log('usage: npx tsx scripts/generate-tpch.ts [--sf 0.01] [--seed N] [--out DIR]   (default DIR: out/tpch, git-ignored)');
      return;
    } else throw new Error(`unknown argument: ${a}`);
  }
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${seed}`);
  const t0 = Date.now();
  const paths = generateTpch(out, sf, seed);
  console.log(`TPC-H SF ${sf} (seed ${seed}) in ${Date.now() - t0} ms:`);
  for (const [t, p] of Object.entries(paths)) console.log(`  ${t.padEnd(9)} ${p}`);
}

if (isEntryPoint(import.meta.url)) main(process.argv.slice(2));

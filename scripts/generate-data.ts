/**
 * Seeded generators for Kindling's two bundled example datasets.
 *
 *   data/bank.csv  45,211 rows shaped like the UCI "Bank Marketing" bank-full.csv
 *                  (`;`-separated, strings double-quoted, numbers bare).
 *   data/wine.csv  17,800 rows (100 x 178) shaped like the UCI "Wine" dataset
 *                  (comma-separated, 13 numeric features + class 1/2/3).
 *
 * Both files are fully synthetic: no record comes from the real datasets. Marginal
 * distributions and the main correlations were modelled on the published summary
 * statistics of the originals. The generator uses its own PRNG (mulberry32) and only
 * deterministic arithmetic, so the output is byte-identical on every run;
 * test/data-generator.test.ts checks that the committed files match fresh output.
 *
 * Usage: npx tsx scripts/generate-data.ts [--out DIR]   (default DIR: data/)
 *        npm run data
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isEntryPoint } from './entry-point.js';

/** Seed for data/bank.csv. Changing it changes the committed file. */
export const BANK_SEED = 20080501;
/** Seed for data/wine.csv. Changing it changes the committed file. */
export const WINE_SEED = 19910701;
/** Rows in data/bank.csv (same as the original bank-full.csv). */
export const BANK_ROWS = 45_211;
/** Copies of the 178-row original in data/wine.csv. */
export const WINE_MULTIPLIER = 100;

/** Column names of data/bank.csv, in file order. */
export const BANK_COLUMNS = [
  'age', 'job', 'marital', 'education', 'default', 'balance', 'housing', 'loan', 'contact',
  'day', 'month', 'duration', 'campaign', 'pdays', 'previous', 'poutcome', 'y',
] as const;

/** Column names of data/wine.csv, in file order. */
export const WINE_COLUMNS = [
  'alcohol', 'malic_acid', 'ash', 'alcalinity_of_ash', 'magnesium', 'total_phenols', 'flavanoids',
  'nonflavanoid_phenols', 'proanthocyanins', 'color_intensity', 'hue', 'od280_od315', 'proline',
  'class',
] as const;

// ---------------------------------------------------------------------------------------------
// Random numbers
// ---------------------------------------------------------------------------------------------

/** A small deterministic random source. */
export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Standard normal deviate. */
  normal(): number;
  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number;
  /** Index drawn with probability proportional to `weights[i]` (cumulative table). */
  pick(cum: Float64Array): number;
}

/**
 * Creates a mulberry32-based {@link Rng}. The sequence depends only on `seed`.
 * Normals use Box-Muller (Math.log/sqrt/cos, which V8 implements deterministically).
 */
export function makeRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let spare = NaN;
  return {
    next,
    normal(): number {
      if (!Number.isNaN(spare)) {
        const s = spare;
        spare = NaN;
        return s;
      }
      let u = next();
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    int(lo: number, hi: number): number {
      return lo + Math.floor(next() * (hi - lo + 1));
    },
    pick(cum: Float64Array): number {
      const u = next() * cum[cum.length - 1]!;
      let i = 0;
      while (i < cum.length - 1 && u >= cum[i]!) i++;
      return i;
    },
  };
}

function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let s = 0;
  for (let i = 0; i < weights.length; i++) out[i] = s += weights[i]!;
  return out;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * Finds the intercept c such that mean(sigmoid(c + score[i])) equals `target`
 * (bisection, fixed iteration count, so deterministic).
 */
function calibrate(scores: Float64Array, target: number): number {
  let lo = -30;
  let hi = 30;
  for (let iter = 0; iter < 80; iter++) {
    const mid = (lo + hi) / 2;
    let s = 0;
    for (let i = 0; i < scores.length; i++) s += sigmoid(mid + scores[i]!);
    if (s / scores.length < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

// ---------------------------------------------------------------------------------------------
// Bank marketing
// ---------------------------------------------------------------------------------------------

const JOBS = [
  'admin.', 'blue-collar', 'entrepreneur', 'housemaid', 'management', 'retired',
  'self-employed', 'services', 'student', 'technician', 'unemployed', 'unknown',
] as const;
type Job = (typeof JOBS)[number];
// Frequencies of the original file.
const JOB_CUM = cumulative([5171, 9732, 1487, 1240, 9458, 2264, 1579, 4154, 938, 7597, 1303, 288]);

// Typical age (mean) per job for the generic right-skewed age model.
const JOB_AGE_MEAN: Record<Job, number> = {
  'admin.': 39.3, 'blue-collar': 40.0, entrepreneur: 42.2, housemaid: 46.0, management: 40.4,
  retired: 61, 'self-employed': 40.5, services: 38.7, student: 26, technician: 39.3,
  unemployed: 41.0, unknown: 47.0,
};

const EDUCATIONS = ['primary', 'secondary', 'tertiary', 'unknown'] as const;
// P(education | job): primary, secondary, tertiary, unknown.
const EDU_BY_JOB: Record<Job, Float64Array> = {
  'admin.': cumulative([0.04, 0.82, 0.11, 0.03]),
  'blue-collar': cumulative([0.39, 0.55, 0.02, 0.04]),
  entrepreneur: cumulative([0.12, 0.37, 0.46, 0.05]),
  housemaid: cumulative([0.50, 0.32, 0.14, 0.04]),
  management: cumulative([0.03, 0.11, 0.83, 0.03]),
  retired: cumulative([0.35, 0.43, 0.17, 0.05]),
  'self-employed': cumulative([0.08, 0.34, 0.55, 0.03]),
  services: cumulative([0.08, 0.83, 0.05, 0.04]),
  student: cumulative([0.05, 0.54, 0.24, 0.17]),
  technician: cumulative([0.02, 0.71, 0.24, 0.03]),
  unemployed: cumulative([0.20, 0.56, 0.22, 0.02]),
  unknown: cumulative([0.18, 0.25, 0.14, 0.43]),
};

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] as const;
const MONTH_CUM = cumulative([1403, 2649, 477, 2932, 13766, 5341, 6895, 6247, 579, 738, 3970, 214]);
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
// Month effect on the outcome (the quiet months of the original had far higher success rates).
const MONTH_Y_EFFECT = [-0.5, 0.2, 1.6, 0.3, -0.4, 0.15, -0.2, -0.1, 1.4, 1.4, -0.1, 1.3];
// Month effect on "was this client contacted in an earlier campaign".
const MONTH_PREV_EFFECT = [0.3, 0.5, 1.2, 0.5, -0.2, -0.6, -0.8, -0.5, 1.4, 1.3, 0.6, 1.4];

// Number of contacts in this campaign: explicit table for 1..11, Pareto-like tail 12..63.
const CAMPAIGN_CUM = cumulative([0.388, 0.277, 0.122, 0.078, 0.039, 0.029, 0.016, 0.012, 0.007, 0.006, 0.004, 0.022]);

interface BankRow {
  age: number; job: Job; marital: string; education: string; default: boolean; balance: number;
  housing: boolean; loan: boolean; contact: string; day: number; month: number; duration: number;
  campaign: number; pdays: number; previous: number; poutcome: string; y: boolean;
}

function bankAge(rng: Rng, job: Job): number {
  for (;;) {
    let age: number;
    if (job === 'retired') {
      age = 61 + 8.5 * rng.normal();
      if (age < 24 || age > 95) continue;
    } else if (job === 'student') {
      age = 17 + Math.exp(Math.log(8.5) + 0.45 * rng.normal());
      if (age < 17.5 || age > 50) continue;
    } else {
      // Right-skewed: 18 + lognormal with the job's mean, sd ~ 9.5.
      // (+1.5 compensates for the rejection of most ages past 61 below.)
      const m = JOB_AGE_MEAN[job] + 1.5 - 18;
      const s = 0.45;
      age = 18 + Math.exp(Math.log(m) - (s * s) / 2 + s * rng.normal());
      if (age < 20 || age > 90) continue;
      // Most people past 60 are retired: keep only a few working elders.
      if (age > 61 && rng.next() < 0.85) continue;
    }
    return Math.round(age);
  }
}

function bankMarital(rng: Rng, age: number, job: Job): string {
  let pSingle = age < 25 ? 0.86 : age < 30 ? 0.63 : age < 35 ? 0.42 : age < 45 ? 0.22 : age < 55 ? 0.12 : 0.08;
  if (job === 'student') pSingle = 0.95;
  const pDivorced = age < 30 ? 0.04 : age < 40 ? 0.11 : age < 50 ? 0.18 : age < 60 ? 0.2 : 0.23;
  const u = rng.next();
  if (u < pSingle) return 'single';
  if (u < pSingle + (1 - pSingle) * pDivorced) return 'divorced';
  return 'married';
}

function bankBalance(rng: Rng, r: BankRow): number {
  const pNeg = r.default ? 0.45 : r.age < 30 ? 0.1 : 0.075;
  const pZero = r.default ? 0.25 : 0.078;
  const u = rng.next();
  if (u < pNeg) {
    for (;;) {
      const v = -Math.round(Math.exp(Math.log(250) + 1.1 * rng.normal()));
      if (v >= -8019 && v < 0) return v;
    }
  }
  if (u < pNeg + pZero) return 0;
  let mu = 6.4 + 0.012 * (r.age - 40);
  if (r.job === 'management' || r.job === 'retired') mu += 0.3;
  if (r.job === 'student' || r.job === 'services' || r.job === 'blue-collar') mu -= 0.15;
  if (r.education === 'tertiary') mu += 0.15;
  if (r.default) mu -= 1.0;
  for (;;) {
    const v = Math.round(Math.exp(mu + 1.45 * rng.normal()));
    if (v >= 1 && v <= 102127) return v;
  }
}

function bankPdays(rng: Rng): number {
  for (;;) {
    const u = rng.next();
    let v: number;
    if (u < 0.3) v = 95 + 12 * rng.normal();
    else if (u < 0.6) v = 185 + 15 * rng.normal();
    else if (u < 0.8) v = 355 + 25 * rng.normal();
    else v = Math.exp(rng.next() * Math.log(871));
    v = Math.round(v);
    if (v >= 1 && v <= 871) return v;
  }
}

function bankCampaign(rng: Rng): number {
  const i = rng.pick(CAMPAIGN_CUM);
  if (i < 11) return i + 1;
  for (;;) {
    const v = 12 + Math.floor(8 * (Math.pow(1 - rng.next(), -1 / 1.3) - 1));
    if (v <= 63) return v;
  }
}

/**
 * Generates the text of data/bank.csv: 45,211 synthetic bank-marketing records with the
 * columns {@link BANK_COLUMNS}, `;`-separated, strings double-quoted, numbers bare,
 * `\n` line endings (the layout of the UCI bank-full.csv).
 *
 * Correlations modelled: age by job (retired old, student young); marital status by age;
 * education by job; default/balance; housing and loan by job, age and month; contact
 * "unknown" concentrated in may/jun; prior-campaign fields (pdays, previous, poutcome)
 * consistent with each other; y (~11.7% "yes") driven by call duration, poutcome,
 * month, job, contact, housing, loan and campaign.
 */
export function generateBankCsv(seed: number = BANK_SEED): string {
  const rng = makeRng(seed);
  const n = BANK_ROWS;
  const rows: BankRow[] = [];

  // Pass 1: everything that does not need a calibrated rate.
  for (let i = 0; i < n; i++) {
    const job = JOBS[rng.pick(JOB_CUM)]!;
    const age = bankAge(rng, job);
    const marital = bankMarital(rng, age, job);
    const education = EDUCATIONS[rng.pick(EDU_BY_JOB[job])]!;
    const month = rng.pick(MONTH_CUM);
    const day = rng.int(1, MONTH_DAYS[month]!);
    const pUnknown = month === 4 ? 0.5 : month === 5 ? 0.78 : 0.075;
    let contact: string;
    if (rng.next() < pUnknown) contact = 'unknown';
    else contact = rng.next() < (age > 60 ? 0.35 : 0.075) ? 'telephone' : 'cellular';
    let duration: number;
    for (;;) {
      // A few calls drop almost at once (the original has 0-10 s durations).
      duration = rng.next() < 0.002 ? rng.int(0, 10) : Math.round(Math.exp(5.19 + 0.84 * rng.normal()));
      if (duration <= 4918) break;
    }
    const campaign = bankCampaign(rng);
    rows.push({
      age, job, marital, education, default: false, balance: 0, housing: false, loan: false,
      contact, day, month, duration, campaign, pdays: -1, previous: 0, poutcome: 'unknown', y: false,
    });
  }

  const scores = new Float64Array(n);
  // Pass 2: contacted in a previous campaign (~18.3%), then pdays/previous/poutcome.
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    scores[i] = r.contact === 'unknown' ? -6 : MONTH_PREV_EFFECT[r.month]! + (r.age > 60 ? 0.4 : 0);
  }
  let c = calibrate(scores, 0.1826);
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    if (rng.next() >= sigmoid(c + scores[i]!)) continue;
    r.pdays = bankPdays(rng);
    for (;;) {
      r.previous = Math.ceil(Math.exp(0.4 + rng.normal()));
      if (r.previous >= 1 && r.previous <= 275) break;
    }
    const quiet = r.month === 2 || r.month === 8 || r.month === 9 || r.month === 11;
    const pSuccess = quiet ? 0.38 : 0.15;
    const u = rng.next();
    r.poutcome = u < pSuccess ? 'success' : u < pSuccess + 0.22 ? 'other' : 'failure';
  }

  // Pass 3: credit default (~1.8%), then balance.
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    let s = 0;
    if (r.job === 'entrepreneur' || r.job === 'blue-collar' || r.job === 'unemployed') s += 0.6;
    if (r.job === 'retired' || r.job === 'student') s -= 0.8;
    if (r.education === 'tertiary') s -= 0.3;
    scores[i] = s;
  }
  c = calibrate(scores, 0.018);
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    r.default = rng.next() < sigmoid(c + scores[i]!);
    r.balance = bankBalance(rng, r);
  }

  // Pass 4: housing loan (~55.6%).
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    let s = 0;
    const jobEffect: Partial<Record<Job, number>> = {
      'blue-collar': 0.9, services: 0.5, 'admin.': 0.3, entrepreneur: 0.2, technician: 0.0,
      management: -0.2, housemaid: -0.6, 'self-employed': -0.2, unemployed: -0.4,
      retired: -1.2, student: -1.3, unknown: -1.6,
    };
    s += jobEffect[r.job] ?? 0;
    if (r.age > 55) s -= 0.8;
    else if (r.age >= 28 && r.age <= 45) s += 0.3;
    if (r.month === 4) s += 1.0;
    else if (r.month === 7 || r.month === 10) s -= 0.3;
    if (r.balance > 5000) s -= 0.3;
    scores[i] = s;
  }
  c = calibrate(scores, 0.5558);
  for (let i = 0; i < n; i++) rows[i]!.housing = rng.next() < sigmoid(c + scores[i]!);

  // Pass 5: personal loan (~16.0%).
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    let s = 0;
    if (r.job === 'entrepreneur' || r.job === 'services' || r.job === 'blue-collar' || r.job === 'admin.') s += 0.4;
    if (r.job === 'student' || r.job === 'retired' || r.job === 'unknown') s -= 1.2;
    if (r.default) s += 0.9;
    if (r.balance <= 0) s += 0.4;
    if (r.marital === 'single') s -= 0.2;
    scores[i] = s;
  }
  c = calibrate(scores, 0.1602);
  for (let i = 0; i < n; i++) rows[i]!.loan = rng.next() < sigmoid(c + scores[i]!);

  // Pass 6: the outcome y (~11.7% "yes").
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    let s = 2.0 * Math.log(Math.max(r.duration, 1) / 180);
    if (r.poutcome === 'success') s += 3.2;
    else if (r.poutcome === 'other') s += 0.3;
    if (r.job === 'retired') s += 0.5;
    else if (r.job === 'student') s += 0.8;
    else if (r.job === 'blue-collar') s -= 0.3;
    if (r.age < 25) s += 0.3;
    else if (r.age > 60) s += 0.4;
    if (r.contact === 'unknown') s -= 1.2;
    s += MONTH_Y_EFFECT[r.month]!;
    if (r.housing) s -= 0.6;
    if (r.loan) s -= 0.4;
    if (r.default) s -= 0.2;
    s -= 0.09 * (r.campaign - 1);
    if (r.balance < 0) s -= 0.2;
    if (r.marital === 'married') s -= 0.15;
    else if (r.marital === 'single') s += 0.1;
    if (r.education === 'tertiary') s += 0.2;
    else if (r.education === 'primary') s -= 0.15;
    scores[i] = s;
  }
  c = calibrate(scores, 0.117);
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    const yes = rng.next() < sigmoid(c + scores[i]!);
    r.y = yes && r.duration > 0;
  }

  const q = (s: string): string => `"${s}"`;
  const yn = (b: boolean): string => (b ? '"yes"' : '"no"');
  const lines: string[] = [BANK_COLUMNS.map(q).join(';')];
  for (const r of rows) {
    lines.push(
      [
        r.age, q(r.job), q(r.marital), q(r.education), yn(r.default), r.balance, yn(r.housing),
        yn(r.loan), q(r.contact), r.day, q(MONTHS[r.month]!), r.duration, r.campaign, r.pdays,
        r.previous, q(r.poutcome), yn(r.y),
      ].join(';'),
    );
  }
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// Wine
// ---------------------------------------------------------------------------------------------

interface WineFeature {
  name: string;
  /** Decimal places written (0 = integer-valued). */
  dp: number;
  /** Range of the real dataset; generated values are truncated to it. */
  min: number;
  max: number;
  /** Per-class mean and standard deviation, classes 1..3. */
  mean: [number, number, number];
  sd: [number, number, number];
  /** Loading on the shared within-class "phenolic" factor (0 = independent). */
  load: number;
}

// Class statistics of the UCI Wine data (Forina et al.), rounded.
const WINE_FEATURES: WineFeature[] = [
  { name: 'alcohol', dp: 2, min: 11.03, max: 14.83, mean: [13.74, 12.28, 13.15], sd: [0.46, 0.54, 0.53], load: 0 },
  { name: 'malic_acid', dp: 2, min: 0.74, max: 5.8, mean: [2.01, 1.93, 3.33], sd: [0.69, 1.02, 1.09], load: 0 },
  { name: 'ash', dp: 2, min: 1.36, max: 3.23, mean: [2.46, 2.24, 2.44], sd: [0.23, 0.32, 0.18], load: 0 },
  { name: 'alcalinity_of_ash', dp: 1, min: 10.6, max: 30, mean: [17.04, 20.24, 21.42], sd: [2.55, 3.35, 2.26], load: 0 },
  { name: 'magnesium', dp: 0, min: 70, max: 162, mean: [106.34, 94.55, 99.31], sd: [10.5, 16.75, 10.89], load: 0 },
  { name: 'total_phenols', dp: 2, min: 0.98, max: 3.88, mean: [2.84, 2.26, 1.68], sd: [0.34, 0.55, 0.36], load: 0.8 },
  { name: 'flavanoids', dp: 2, min: 0.34, max: 5.08, mean: [2.98, 2.08, 0.78], sd: [0.4, 0.71, 0.29], load: 0.85 },
  { name: 'nonflavanoid_phenols', dp: 2, min: 0.13, max: 0.66, mean: [0.29, 0.36, 0.45], sd: [0.07, 0.12, 0.12], load: -0.3 },
  { name: 'proanthocyanins', dp: 2, min: 0.41, max: 3.58, mean: [1.9, 1.63, 1.15], sd: [0.41, 0.6, 0.41], load: 0.6 },
  { name: 'color_intensity', dp: 2, min: 1.28, max: 13, mean: [5.53, 3.09, 7.4], sd: [1.24, 0.93, 2.31], load: 0 },
  { name: 'hue', dp: 2, min: 0.48, max: 1.71, mean: [1.06, 1.06, 0.68], sd: [0.12, 0.2, 0.11], load: 0 },
  { name: 'od280_od315', dp: 2, min: 1.27, max: 4, mean: [3.16, 2.79, 1.68], sd: [0.36, 0.5, 0.27], load: 0.5 },
  { name: 'proline', dp: 0, min: 278, max: 1680, mean: [1115.71, 519.51, 629.9], sd: [221.52, 157.21, 115.1], load: 0 },
];
/** Rows per class in the original 178-row dataset. */
const WINE_CLASS_COUNTS = [59, 71, 48];

/**
 * Generates the text of data/wine.csv: `178 * multiplier` rows (class counts 59/71/48 per
 * 178, rows shuffled), columns {@link WINE_COLUMNS}, comma-separated, `\n` line endings.
 * Each feature is drawn from a per-class Gaussian with the real dataset's class mean and
 * standard deviation, truncated to the real dataset's overall range and to mean ± 3 sd,
 * and written with the original's decimal places (magnesium and proline as integers).
 * The phenolic features share a within-class latent factor so they stay correlated.
 */
export function generateWineCsv(seed: number = WINE_SEED, multiplier: number = WINE_MULTIPLIER): string {
  const rng = makeRng(seed);
  const classes: number[] = [];
  for (let c = 0; c < 3; c++) for (let i = 0; i < WINE_CLASS_COUNTS[c]! * multiplier; i++) classes.push(c + 1);
  for (let i = classes.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = classes[i]!;
    classes[i] = classes[j]!;
    classes[j] = t;
  }
  const lines: string[] = [WINE_COLUMNS.join(',')];
  const fields: string[] = new Array<string>(WINE_COLUMNS.length);
  for (const cls of classes) {
    const k = cls - 1;
    const latent = rng.normal();
    for (let f = 0; f < WINE_FEATURES.length; f++) {
      const feat = WINE_FEATURES[f]!;
      const mean = feat.mean[k]!;
      const sd = feat.sd[k]!;
      const lo = Math.max(feat.min, mean - 3 * sd);
      const hi = Math.min(feat.max, mean + 3 * sd);
      const a = feat.load;
      const b = Math.sqrt(1 - a * a);
      let v: number;
      let z = a * latent + b * rng.normal();
      for (;;) {
        v = Number((mean + sd * z).toFixed(feat.dp));
        if (v >= lo && v <= hi) break;
        z = rng.normal();
      }
      fields[f] = v.toFixed(feat.dp);
    }
    fields[WINE_FEATURES.length] = String(cls);
    lines.push(fields.join(','));
  }
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

/**
 * Writes bank.csv and wine.csv into `outDir` (created if missing) and returns their paths.
 */
export function writeDatasets(outDir: string = 'data'): { bank: string; wine: string } {
  mkdirSync(outDir, { recursive: true });
  const bank = join(outDir, 'bank.csv');
  const wine = join(outDir, 'wine.csv');
  writeFileSync(bank, generateBankCsv());
  writeFileSync(wine, generateWineCsv());
  return { bank, wine };
}

function main(argv: string[]): void {
  let out = 'data';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--out') {
      const v = argv[++i];
      if (v === undefined) throw new Error('--out needs a directory');
      out = v;
    } else if (a.startsWith('--out=')) {
      out = a.slice('--out='.length);
    } else if (a === '--help' || a === '-h') {
      console.log('usage: npx tsx scripts/generate-data.ts [--out DIR]   (default: data/)');
      return;
    } else {
      throw new Error(`unknown argument: ${a}`);
    }
  }
  const t0 = Date.now();
  const paths = writeDatasets(out);
  console.log(`wrote ${paths.bank} and ${paths.wine} in ${Date.now() - t0} ms`);
}

if (isEntryPoint(import.meta.url)) main(process.argv.slice(2));

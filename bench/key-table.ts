/**
 * KeyTable micro-benchmark: inserts db-benchmark-like keys (q10: id1, id2, id3 as utf8 with 100,
 * 100 and 1e5 values, id4, id5, id6 as int32 with 100, 100 and 1e5 values; rows nearly unique) in
 * 64Ki-row batches into a KeyTable of this build and of a baseline build, alternating, and reports
 * the best CPU time (user + system, ms) of each and the ratio. Also a one-column int32 build + probe (join-like).
 *
 *   npx tsx bench/key-table.ts [rows=2e6] [reps=3] [baselineDist=/work/wt/base/dist]   (KEYTABLE_THIS_DIST: this build's dist)
 */
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { mulberry32 } from '../src/exec/basic.js';

const rows = Number(process.argv[2] ?? 2e6);
const reps = Number(process.argv[3] ?? 3);
const baseDir = process.argv[4] ?? '/work/wt/base/dist';
/** KEYTABLE_CASE=n: only that case; KEYTABLE_THIS_ONLY=1: skip the baseline (for profiles). */
const onlyCase = process.env.KEYTABLE_CASE === undefined ? -1 : Number(process.env.KEYTABLE_CASE);
const thisOnly = process.env.KEYTABLE_THIS_ONLY === '1';
const thisDir = process.env.KEYTABLE_THIS_DIST ?? path.resolve(import.meta.dirname, '../dist');

interface Col { type: string; length: number; values: Int32Array | null; validity: null; offsets: Int32Array | null; bytes: Uint8Array | null }

async function load(dir: string): Promise<{ KeyTable: any; ColumnData: any }> {
  const kt = await import(pathToFileURL(path.join(dir, 'data/key-table.js')).href);
  const cd = await import(pathToFileURL(path.join(dir, 'data/column.js')).href);
  return { KeyTable: kt.KeyTable, ColumnData: cd.ColumnData };
}

function strings(CD: any, vals: Int32Array, width: number): Col {
  const n = vals.length;
  const len = 2 + width;
  const bytes = new Uint8Array(n * len);
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const s = 'id' + String(vals[i]).padStart(width, '0');
    for (let k = 0; k < len; k++) bytes[i * len + k] = s.charCodeAt(k);
    offsets[i + 1] = (i + 1) * len;
  }
  return new CD('utf8', n, null, null, offsets, bytes);
}

function q10Batches(CD: any, batch: number): Col[][] {
  const rnd = mulberry32(42);
  const out: Col[][] = [];
  for (let s = 0; s < rows; s += batch) {
    const n = Math.min(batch, rows - s);
    const gen = (k: number) => Int32Array.from({ length: n }, () => 1 + Math.floor(rnd() * k));
    out.push([strings(CD, gen(100), 3), strings(CD, gen(100), 3), strings(CD, gen(1e5), 10), new CD('int32', n, gen(100), null), new CD('int32', n, gen(100), null), new CD('int32', n, gen(1e5), null)]);
  }
  return out;
}

function intBatches(CD: any, batch: number, k: number): Col[][] {
  const rnd = mulberry32(7);
  const out: Col[][] = [];
  for (let s = 0; s < rows; s += batch) {
    const n = Math.min(batch, rows - s);
    out.push([new CD('int32', n, Int32Array.from({ length: n }, () => Math.floor(rnd() * k)), null)]);
  }
  return out;
}

function run(KT: any, types: string[], batches: Col[][], probe: boolean): number {
  const t0 = process.cpuUsage();
  const table = new KT(types);
  for (const b of batches) table.insert(b, b[0]!.length, new Int32Array(b[0]!.length));
  if (probe) for (const b of batches) table.find(b, b[0]!.length, new Int32Array(b[0]!.length));
  const cols = table.keyColumns();
  if (cols.length !== types.length) throw new Error('bad');
  const t = process.cpuUsage(t0);
  return (t.user + t.system) / 1000;
}

const base = await load(baseDir);
const mine = await load(thisDir);
const cases: [string, string[], (CD: any) => Col[][], boolean][] = [
  ['q10 keys (3 utf8 + 3 int32)', ['utf8', 'utf8', 'utf8', 'int32', 'int32', 'int32'], (CD) => q10Batches(CD, 65536), false],
  ['one int32 key, rows/4 values, insert + find', ['int32'], (CD) => intBatches(CD, 65536, Math.max(1, rows / 4)), true],
  ['two int32 keys (id4, id6-like)', ['int32', 'int32'], (CD) => intBatches(CD, 65536, 100).map((b, i) => [b[0]!, intBatches(CD, 65536, 1e5)[i]![0]!]), false],
];
for (const [ci, [name, types, make, probe]] of cases.entries()) {
  if (onlyCase >= 0 && ci !== onlyCase) continue;
  const bb = thisOnly ? [] : make(base.ColumnData);
  const mb = make(mine.ColumnData);
  let bt = Infinity;
  let mt = Infinity;
  for (let r = 0; r < reps; r++) {
    if (!thisOnly) bt = Math.min(bt, run(base.KeyTable, types, bb, probe));
    mt = Math.min(mt, run(mine.KeyTable, types, mb, probe));
  }
  console.log(`${name}: base ${bt.toFixed(0)} ms, this ${mt.toFixed(0)} ms, speed-up ${(bt / mt).toFixed(2)}x`);
}

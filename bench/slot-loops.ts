/**
 * The fused slot loops against the ids path (`npx tsx bench/slot-loops.ts [sum|avg|corr|sum3|sumavg] [int|dict] [values]`):
 * 40 batches of 65,536 rows with a key of 100 values (int 1..100, or the codes of a 100-entry
 * dictionary; corr: that key × an int key of 100 values), run through `SlotAggregation.consume`
 * (expr/slot-aggregates.ts) and through `GroupKeys.insert` + the accumulators' loops, alternately,
 * 15 times each; prints the best CPU time per row of each. sum: sum(v1); avg: avg(v1), avg(v2),
 * avg(v3) (q4's shape); corr: corr(v1, v2) (q9's); sum3: sum(v1), sum(v2), sum(v3) (q5's); sumavg:
 * sum(v1), avg(v3) (q3's). `values`: the key's number of values (default 100; q3 / q5: 100000).
 * No assertions: a measurement.
 */
import { ColumnData, dictColumn, utf8FromStrings } from '../src/data/column.js';
import { GroupKeys } from '../src/data/direct-keys.js';
import { AvgAcc, CoMomentsAcc, SumAcc, fusedUpdate } from '../src/expr/aggregates.js';
import type { Accumulator } from '../src/expr/function-defs.js';
import { SlotAggregation } from '../src/expr/slot-aggregates.js';
import type { DataType } from '../src/types.js';

const mode = process.argv[2] ?? 'avg';
const dict = process.argv[3] === 'dict';
const N = 1 << 16;
const B = 40;
const ints = (f: () => number) => Int32Array.from({ length: N }, f);
const K = Number(process.argv[4] ?? 100);
const dictionary = utf8FromStrings(Array.from({ length: K }, (_, i) => `id${i}`));
const key = () => (dict ? dictColumn(ints(() => Math.floor(Math.random() * K)), dictionary, null) : new ColumnData('int32', N, ints(() => 1 + Math.floor(Math.random() * K)), null));
const batches = Array.from({ length: B }, () => ({
  k1: key(),
  k2: new ColumnData('int32', N, ints(() => 1 + Math.floor(Math.random() * 100)), null),
  v1: new ColumnData('int32', N, ints(() => Math.floor(Math.random() * 5)), null),
  v2: new ColumnData('int32', N, ints(() => Math.floor(Math.random() * 15)), null),
  v3: new ColumnData('float64', N, Float64Array.from({ length: N }, () => Math.random() * 100), null),
}));
const make = (): Accumulator[] =>
  mode === 'corr' ? [new CoMomentsAcc('corr')] : mode === 'sum' ? [new SumAcc('int64')] : mode === 'sum3' ? [new SumAcc('int64'), new SumAcc('int64'), new SumAcc('float64')]
    : mode === 'sumavg' ? [new SumAcc('int64'), new AvgAcc()] : [new AvgAcc(), new AvgAcc(), new AvgAcc()];

/** CPU milliseconds of one pass over the batches, fused or through the ids. */
function run(fused: boolean): number {
  const k1: DataType = dict ? 'utf8' : 'int32';
  const keys = new GroupKeys(mode === 'corr' ? [k1, 'int32'] : [k1]);
  const accs = make();
  const slots = new SlotAggregation(keys, accs, make);
  const ids = new Int32Array(N);
  const t0 = process.cpuUsage();
  for (const b of batches) {
    const cols = mode === 'corr' ? [b.k1, b.k2] : [b.k1];
    const args = mode === 'corr' ? [[b.v1, b.v2]] : mode === 'sum' ? [[b.v1]] : mode === 'sumavg' ? [[b.v1], [b.v3]] : [[b.v1], [b.v2], [b.v3]];
    if (fused) {
      if (slots.consume(cols, N, args) !== N) throw new Error('the batch did not take the fused path');
      continue;
    }
    keys.insert(cols, N, ids);
    for (const a of accs) a.grow(keys.size);
    if (!fusedUpdate(accs, ids, N, args)) accs.forEach((a, k) => a.update(ids, N, args[k]!));
  }
  slots.flush();
  const u = process.cpuUsage(t0);
  return (u.user + u.system) / 1000;
}

const best = [Infinity, Infinity];
for (let r = 0; r < 15; r++) for (const f of [0, 1]) best[f] = Math.min(best[f]!, run(f === 1));
const perRow = (ms: number) => ((ms * 1e6) / (N * B)).toFixed(2);
console.log(`${mode} by ${dict ? 'dictionary codes' : 'int'} of ${K} values${mode === 'corr' ? ' × int' : ''}: ids path ${perRow(best[0]!)} ns/row, fused ${perRow(best[1]!)} ns/row`);

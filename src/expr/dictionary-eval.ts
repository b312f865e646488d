/**
 * Expressions over a dictionary-encoded string column (data/dictionary.ts) are evaluated once per
 * distinct value instead of once per row: when an expression reads exactly one column, is
 * deterministic and that column arrives dictionary-encoded, the compiled kernel runs over the
 * dictionary entries the batch uses (plus null, if present), and the rows gather the results by
 * index. Filters comparing with literals (`=`, `like`, `in`, ...), string functions (`upper`,
 * `concat` with literals, ...) and casts all take this path; a utf8 result stays
 * dictionary-encoded. Only the entries the rows use are evaluated, so an expression that fails on
 * some value fails exactly when the plain evaluation would.
 */
import { Batch } from '../data/batch.js';
import { ColumnData, dictColumn, take } from '../data/column.js';
import type { BoundExpr } from './expr.js';
import { getScalar } from './registry.js';
import { allBound, anyBound } from './tree.js';

/** The one column `e` reads when it may be evaluated per dictionary entry; -1 otherwise. */
export function dictionaryInput(e: BoundExpr): number {
  if (e.kind === 'ref' || e.kind === 'lit') return -1;
  let index = -1;
  const several = anyBound(e, (x) => {
    if (x.kind !== 'ref') return false;
    if (index >= 0 && index !== x.index) return true;
    index = x.index;
    return false;
  });
  if (several || index < 0) return -1;
  const ok = allBound(e, (x) => x.kind !== 'udf' && (x.kind !== 'call' || getScalar(x.fn).deterministic !== false));
  return ok ? index : -1;
}

/**
 * The distinct inputs of a dictionary column's rows: `input`, a plain column of the used
 * entries (null last when some row is null), and per row its position in `input`.
 */
function usedEntries(col: ColumnData): { input: ColumnData; codes: Int32Array } {
  const idx = col.indices!;
  const valid = col.validity;
  const n = col.length;
  const size = col.dictionary!.length;
  const pos = new Int32Array(size + 1); // position + 1; slot `size` is null
  for (let i = 0; i < n; i++) pos[valid !== null && valid[i] === 0 ? size : idx[i]!] = 1;
  const order: number[] = [];
  for (let k = 0; k <= size; k++) if (pos[k] !== 0) { order.push(k === size ? -1 : k); pos[k] = order.length; }
  const codes = new Int32Array(n);
  if (valid === null) for (let i = 0; i < n; i++) codes[i] = pos[idx[i]!]! - 1;
  else for (let i = 0; i < n; i++) codes[i] = pos[valid[i] === 0 ? size : idx[i]!]! - 1;
  return { input: take(col.dictionary!, Int32Array.from(order)), codes };
}

/** The batch `b` with column `c` replaced by `input` (the other columns are not read). */
function entryBatch(b: Batch, c: number, input: ColumnData): Batch {
  const cols = b.columns.slice();
  cols[c] = input;
  return new Batch(b.schema, cols, input.length);
}

/** True when column `c` of `b` is dictionary-encoded with fewer entries than rows. */
export function worthDictionary(b: Batch, c: number): boolean {
  const col = b.columns[c];
  return col !== undefined && col.indices !== null && col.dictionary!.length < b.numRows;
}

/** Evaluates `fn` per used entry of dictionary column `c` and gathers the rows' values (utf8 stays dictionary-encoded). */
export function evalOnDictionary(b: Batch, c: number, fn: (b: Batch) => ColumnData): ColumnData {
  const { input, codes } = usedEntries(b.columns[c]!);
  const r = fn(entryBatch(b, c, input));
  if (r.type !== 'utf8' || r.indices !== null) return take(r, codes);
  const rv = r.validity;
  let validity: Uint8Array | null = null;
  if (rv) {
    validity = new Uint8Array(codes.length);
    for (let i = 0; i < codes.length; i++) validity[i] = rv[codes[i]!]!;
  }
  // The result's null entries hold no bytes: without its validity it serves as the dictionary.
  return dictColumn(codes, rv ? new ColumnData('utf8', r.length, null, null, r.offsets, r.bytes) : r, validity);
}

/** Evaluates predicate `fn` per used entry of dictionary column `c` and gathers the rows' mask. */
export function maskOnDictionary(b: Batch, c: number, fn: (b: Batch) => { mask: Uint8Array; count: number }): { mask: Uint8Array; count: number } {
  const { input, codes } = usedEntries(b.columns[c]!);
  const m = fn(entryBatch(b, c, input)).mask;
  const n = codes.length;
  const mask = new Uint8Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) count += mask[i] = m[codes[i]!]!;
  return { mask, count };
}

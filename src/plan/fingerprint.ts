/**
 * Plan fingerprints for the cache manager: two logical plans with the same fingerprint compute
 * the same rows in the same column order (Spark's `sameResult` over canonicalized plans). Column
 * names, qualifiers and aliases do not count — a temp view, `df.alias('x')` or a SQL query over a
 * view all rebuild the cached frame's plan with other names — while every operator parameter,
 * expression and column type does. Sources count by what they read: a source with a codec by its
 * described parameters (the same file read twice with the same options matches), any other
 * (in-memory data) by identity.
 *
 * A fingerprint names its children by small ids interned per session-independent table, so its
 * length is that of one node's parameters, not of the whole tree; fingerprints of a node are
 * memoised per plan object.
 */
import type { DataSource } from '../io/source.js';
import { sourceCodecs } from '../io/source-codec.js';
import { type LogicalPlan, children } from './logical.js';

const memo = new WeakMap<LogicalPlan, string>();
const interned = new Map<string, number>();
const sourceIds = new WeakMap<DataSource, number>();
let nextSourceId = 0;

/** Keys not part of a node's own parameters: its schema (types kept below) and its children. */
const SKIPPED = new Set(['schema', 'input', 'inputs', 'left', 'right', 'subquery']);

function sourceKey(source: DataSource): string {
  const codec = sourceCodecs.of(source as object);
  if (codec) {
    try {
      return `${codec.kind}:${JSON.stringify(codec.describe(source, { describe: (s) => ({ kind: 'nested', data: sourceKey(s) }) }))}`;
    } catch {
      // fall back to identity
    }
  }
  let id = sourceIds.get(source);
  if (id === undefined) sourceIds.set(source, (id = nextSourceId++));
  return `source#${id}`;
}

function replacer(this: unknown, key: string, value: unknown): unknown {
  if (SKIPPED.has(key)) return undefined;
  if (key === 'source' && value && typeof value === 'object') return sourceKey(value as DataSource);
  // A bound column reference counts by position and type, not by name.
  const ref = value as { kind?: unknown; index?: unknown; type?: unknown } | null;
  if (ref && typeof ref === 'object' && ref.kind === 'ref' && typeof ref.index === 'number') return { ref: ref.index, type: ref.type };
  if (typeof value === 'number' && (!Number.isFinite(value) || Object.is(value, -0))) return `__num:${Object.is(value, -0) ? '-0' : String(value)}`;
  if (typeof value === 'bigint') return `__big:${value}`;
  return value;
}

/** The fingerprint of a plan (see the module header). */
export function fingerprint(plan: LogicalPlan): string {
  const hit = memo.get(plan);
  if (hit !== undefined) return hit;
  // Children first, iteratively, so deep plans do not recurse per level.
  const order: LogicalPlan[] = [];
  const stack: LogicalPlan[] = [plan];
  while (stack.length) {
    const p = stack.pop()!;
    if (memo.has(p)) continue;
    order.push(p);
    for (const c of children(p)) if (!memo.has(c)) stack.push(c);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const p = order[i]!;
    if (memo.has(p)) continue;
    const kids = children(p).map((c) => {
      const f = memo.get(c)!;
      let id = interned.get(f);
      if (id === undefined) interned.set(f, (id = interned.size));
      return id;
    });
    const types = p.schema.fields.map((f) => f.type);
    memo.set(p, `${JSON.stringify(p, replacer)}|${JSON.stringify(types)}|${kids.join(',')}`);
  }
  return memo.get(plan)!;
}

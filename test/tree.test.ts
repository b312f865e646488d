import { describe, expect, it } from 'vitest';
import type { BoundExpr, Expr } from '../src/expr/expr.js';
import { anyBound, anyExpr, exprChildren, transformBoundUp, transformExprDown, transformExprUp, visitExpr, withExprChildren } from '../src/expr/tree.js';
import { anyPlan, transformDown, transformUp, visitPlan } from '../src/plan/tree.js';
import type { LogicalPlan } from '../src/plan/logical.js';
import { Schema } from '../src/types.js';

const c = (name: string): Expr => ({ kind: 'col', name });
const win: Expr = {
  kind: 'window', fn: 'sum', args: [c('a')], distinct: false,
  spec: { partitionBy: [c('p')], orderBy: [{ kind: 'sort', expr: c('o'), ascending: true, nullsFirst: true }], frame: null },
};
const caseE: Expr = { kind: 'case', branches: [[c('x'), c('y')], [c('z'), c('w')]], otherwise: c('v') };

describe('expression tree helpers', () => {
  it('lists and replaces children of every kind, keeping identity when unchanged', () => {
    expect(exprChildren(win).map((k) => (k.kind === 'col' ? k.name : k.kind))).toEqual(['a', 'p', 'sort']);
    expect(withExprChildren(win, exprChildren(win))).toBe(win);
    const renamed = transformExprUp(win, (e) => (e.kind === 'col' ? c(e.name.toUpperCase()) : e));
    expect(renamed).toMatchObject({ args: [c('A')], spec: { partitionBy: [c('P')], orderBy: [{ expr: c('O') }] } });
    const names: string[] = [];
    visitExpr(transformExprUp(caseE, (e) => (e.kind === 'col' ? c(e.name + '1') : e)), (e) => { if (e.kind === 'col') names.push(e.name); });
    expect(names).toEqual(['x1', 'y1', 'z1', 'w1', 'v1']);
    const noElse: Expr = { kind: 'case', branches: [[c('x'), c('y')]], otherwise: null };
    expect(transformExprUp(noElse, (e) => (e.kind === 'col' ? c('q') : e))).toEqual({ kind: 'case', branches: [[c('q'), c('q')]], otherwise: null });
  });

  it('transformDown stops at a replaced node; visit and any can prune', () => {
    const e: Expr = { kind: 'call', fn: 'add', args: [{ kind: 'alias', expr: c('a'), name: 'n' }, c('b')] };
    const out = transformExprDown(e, (x) => (x.kind === 'alias' ? c('replaced') : x.kind === 'col' ? c('seen_' + x.name) : undefined));
    expect(out).toEqual({ kind: 'call', fn: 'add', args: [c('replaced'), c('seen_b')] });
    const seen: string[] = [];
    visitExpr(e, (x) => { seen.push(x.kind); return x.kind !== 'alias'; });
    expect(seen).toEqual(['call', 'alias', 'col']);
    expect(anyExpr(e, (x) => x.kind === 'col' && x.name === 'a')).toBe(true);
    expect(anyExpr(e, (x) => x.kind === 'col' && x.name === 'a', (x) => x.kind !== 'alias')).toBe(false);
  });

  it('rewrites bound expressions', () => {
    const r = (i: number): BoundExpr => ({ kind: 'ref', index: i, type: 'int32', name: 'c' + i });
    const e: BoundExpr = { kind: 'case', branches: [[{ kind: 'call', fn: 'gt', args: [r(0), r(1)], type: 'boolean' }, r(2)]], otherwise: { kind: 'cast', expr: r(3), type: 'int32' }, type: 'int32' };
    const shifted = transformBoundUp(e, (x) => (x.kind === 'ref' ? { ...x, index: x.index + 10 } : x));
    const idx: number[] = [];
    anyBound(shifted, (x) => { if (x.kind === 'ref') idx.push(x.index); return false; });
    expect(idx).toEqual([10, 11, 12, 13]);
    expect(transformBoundUp(e, (x) => x)).toBe(e);
  });
});

describe('plan tree helpers', () => {
  const schema = new Schema([{ name: 'a', type: 'int32', nullable: true }]);
  const empty: LogicalPlan = { kind: 'empty', schema };
  const lim: LogicalPlan = { kind: 'limit', input: { kind: 'union', inputs: [empty, empty], schema }, limit: 1, offset: 0, schema };
  it('visits, transforms up and down, and keeps identity', () => {
    const kinds: string[] = [];
    visitPlan(lim, (p) => { kinds.push(p.kind); });
    expect(kinds).toEqual(['limit', 'union', 'empty', 'empty']);
    expect(transformUp(lim, (p) => p)).toBe(lim);
    const up = transformUp(lim, (p) => (p.kind === 'union' ? p.inputs[0]! : p));
    expect(up).toMatchObject({ kind: 'limit', input: { kind: 'empty' } });
    const down = transformDown(lim, (p) => (p.kind === 'limit' ? { ...p, limit: 7 } : p));
    expect(down).toMatchObject({ kind: 'limit', limit: 7, input: { kind: 'union' } });
    expect(anyPlan(lim, (p) => p.kind === 'union')).toBe(true);
    expect(anyPlan(empty, (p) => p.kind === 'union')).toBe(false);
  });
});

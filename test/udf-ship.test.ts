import { describe, expect, it } from 'vitest';
import { IllegalArgumentError } from '../src/errors.js';
import { freeVariables } from '../src/udf/free-variables.js';
import { moduleFunction, resolveFunction, shipFunction } from '../src/udf/function-ref.js';

describe('free variables of a function', () => {
  it('finds outer names and ignores locals, params, properties and labels', () => {
    expect(freeVariables('(x, { a, b: [c] = d }, ...rest) => x + a + c + rest.length + y.z + q[w]')).toEqual(['d', 'y', 'q', 'w']);
    expect(freeVariables('function f(n) { var t = 0; for (let i = 0; i < n; i++) t += g(i); lbl: for (const k of o) { break lbl; } return f(t) + arguments.length; }')).toEqual(['g', 'o']);
    expect(freeVariables('function () { try { h(); } catch ({ message }) { return message; } finally { z = 1; } }')).toEqual(['h', 'z']);
    expect(freeVariables('() => { const o = { k: 1, [key]: 2, m() { return this.k; } }; class C extends Base { #p = 1; static s = v; get g() { return inner; } } let inner; return { o, C }; }')).toEqual(['key', 'Base', 'v']);
    expect(freeVariables('function () { return hoisted(); function hoisted() { return later; } var later = 1; }')).toEqual([]);
    expect(freeVariables('(x) => { switch (x) { case A: let y = 1; return y; default: return B; } }')).toEqual(['A', 'B']);
  });
});

describe('shipping a function', () => {
  it('ships a self-contained function with args and init, resolved once per thread', async () => {
    const ref = shipFunction((x: number, ctx: { args: { k: number }; state: { m: number } }) => x * ctx.args.k + ctx.state.m, 'F.udf', {
      args: { k: 3 }, init: (a: { k: number }) => ({ m: a.k + 1 }),
    });
    expect(ref.kind).toBe('source');
    const r = await resolveFunction(structuredClone(ref));
    expect(r.fn(2, r.ctx)).toBe(10);
    expect(await resolveFunction(ref)).toBe(r);
  });

  it('ships method shorthands and async functions', async () => {
    const o = { twice(x: number) { return 2 * x; }, async later(x: number) { return x + 1; } };
    expect((await resolveFunction(shipFunction(o.twice, 'F.udf'))).fn(4)).toBe(8);
    expect(await (await resolveFunction(shipFunction(o.later, 'F.udf'))).fn(4)).toBe(5);
  });

  it('refuses a closure, naming the variable and the fix', () => {
    const table = new Map([[1, 'a']]);
    expect(() => shipFunction((x: number) => table.get(x), 'F.udf', { name: 'lookup' })).toThrow(IllegalArgumentError);
    expect(() => shipFunction((x: number) => table.get(x), 'F.udf', { name: 'lookup' })).toThrow(/'lookup' uses 'table'.*args: \{ table \}/);
    expect(() => shipFunction(Math.abs, 'F.udf')).toThrow(/built-in or bound/);
    expect(() => shipFunction(((x: number) => x).bind(null), 'F.udf')).toThrow(/built-in or bound/);
    expect(() => shipFunction((x: number) => x, 'F.udf', { args: { f: () => 1 } })).toThrow(/cannot be sent to the workers/);
  });

  it('resolves module functions and names a missing export', async () => {
    const url = new URL('./fixtures/udfs/simple.ts', import.meta.url);
    const ok = await resolveFunction(moduleFunction(url, 'double', 'F.udf.fromModule'));
    expect(ok.fn(21, ok.ctx)).toBe(42);
    const withInit = await resolveFunction(moduleFunction(url, 'scaled', 'F.udf.fromModule', { args: { factor: 5 } }));
    expect(withInit.fn(2, withInit.ctx)).toBe(10);
    await expect(resolveFunction(moduleFunction(url, 'nope', 'F.udf.fromModule'))).rejects.toThrow(/no export 'nope'.*double/);
  });
});

/**
 * Scalar function library tests: every registered function through bind → codegen → evaluate,
 * with null inputs, Spark edge cases, implicit casts / type errors, lazy evaluation of the
 * conditional functions, and a cross-check of a sample of values against DuckDB where the two
 * engines share semantics.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { batchFromRows, valueGetter } from '../src/data/batch.js';
import type { ColumnData } from '../src/data/column.js';
import { ArithmeticOverflowError, ExecutionError, IllegalArgumentError, TypeMismatchError } from '../src/errors.js';
import { bindExpr } from '../src/expr/binder.js';
import { compileExpr } from '../src/expr/codegen.js';
import type { Expr, LiteralValue } from '../src/expr/expr.js';
import { SeededRandom, roundDecimal } from '../src/expr/functions/math.js';
import { functionNames, getScalar } from '../src/expr/registry.js';
import { type DataType, type Row, Schema, type Value } from '../src/types.js';

// ---------------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------------

const col = (name: string): Expr => ({ kind: 'col', name });
const lit = (value: LiteralValue, type: DataType): Expr => ({ kind: 'lit', value, type });
const call = (fn: string, ...args: Expr[]): Expr => ({ kind: 'call', fn, args });
const S = (v: string | null): Expr => lit(v, 'utf8');
const I = (v: number | null): Expr => lit(v, 'int32');
const L = (v: number | null): Expr => lit(v, 'int64');
const D = (v: number | null): Expr => lit(v, 'float64');
const B = (v: boolean | null): Expr => lit(v, 'boolean');
const NULL = lit(null, 'null');
/** A date literal from 'yyyy-MM-dd' (storage: days since the epoch). */
const DATE = (iso: string): Expr => lit(Date.parse(iso + 'T00:00:00Z') / 86_400_000, 'date32');
/** A timestamp literal from an ISO string (storage: micros since the epoch). */
const TS = (iso: string): Expr => lit(Date.parse(iso.endsWith('Z') ? iso : iso + 'Z') * 1000, 'timestamp');
/** An int expression that raises ArithmeticOverflowError when evaluated. */
const OVERFLOW = call('add', I(2147483647), I(1));

function run(e: Expr, rows: Record<string, unknown>[] = [{}], schema?: Schema): { col: ColumnData; type: DataType } {
  const batch = batchFromRows(rows, schema);
  const bound = bindExpr(e, batch.schema);
  return { col: compileExpr(bound)(batch), type: bound.type };
}

/** Evaluates `e` over rows (one row, no columns by default) and returns the JS values. */
function evalRows(e: Expr, rows: Record<string, unknown>[] = [{}], schema?: Schema): Value[] {
  const { col: c } = run(e, rows, schema);
  const get = valueGetter(c);
  return rows.map((_, i) => get(i));
}

/** Evaluates a column-free expression once. */
function ev(e: Expr): Value {
  return evalRows(e)[0]!;
}

/** The bound result type of a column-free expression. */
function typeOf(e: Expr, schema = new Schema([])): DataType {
  return bindExpr(e, schema).type;
}

/** Storage value (days for dates, micros for timestamps) of a column-free expression. */
function storage(e: Expr): number | string | boolean | null {
  const { col: c } = run(e);
  if (c.type === 'null' || (c.validity && c.validity[0] === 0)) return null;
  if (c.type === 'utf8') return c.strings()[0]!;
  if (c.type === 'boolean') return c.values![0] === 1;
  return c.values![0]!;
}

/**
 * Evaluates `make(col('x'))` with x a double column holding `v`. Used for NaN / ±Infinity, which
 * must not be literals: see the kernel-cache note in the report (JSON keys turn them into null).
 */
function withX(v: number, make: (x: Expr) => Expr): Value {
  return evalRows(make(col('x')), [{ x: v }], schema(['x', 'float64']))[0]!;
}

const day = (iso: string): Date => new Date(iso + 'T00:00:00Z');
const ts = (iso: string): Date => new Date(iso.endsWith('Z') ? iso : iso + 'Z');

function schema(...fields: [string, DataType][]): Schema {
  return new Schema(fields.map(([name, type]) => ({ name, type, nullable: true })));
}

// ---------------------------------------------------------------------------------------------
// Registry
// ---------------------------------------------------------------------------------------------

describe('registry', () => {
  it('registers every function with a doc string', () => {
    expect(functionNames().scalar.length).toBeGreaterThan(0);
    const names = functionNames().scalar;
    const expected = [
      'abs', 'round', 'bround', 'floor', 'ceil', 'ceiling', 'sqrt', 'exp', 'log', 'ln', 'log10', 'log2', 'pow', 'power',
      'signum', 'sign', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'atan2', 'degrees', 'radians', 'pmod', 'greatest',
      'least', 'rand', 'randn', 'e', 'pi',
      'upper', 'ucase', 'lower', 'lcase', 'length', 'char_length', 'character_length', 'trim', 'ltrim', 'rtrim',
      'substring', 'substr', 'concat', 'concat_ws', 'split_part', 'regexp_replace', 'regexp_extract', 'instr',
      'locate', 'lpad', 'rpad', 'repeat', 'reverse', 'initcap', 'translate', 'replace', 'startswith', 'endswith',
      'contains', 'ascii', 'left', 'right',
      'to_date', 'to_timestamp', 'year', 'month', 'dayofmonth', 'day', 'dayofweek', 'dayofyear', 'quarter', 'hour',
      'minute', 'second', 'weekofyear', 'date_add', 'date_sub', 'datediff', 'add_months', 'months_between', 'last_day',
      'current_date', 'current_timestamp', 'date_format', 'unix_timestamp', 'from_unixtime', 'date_trunc', 'trunc',
      'coalesce', 'nullif', 'nvl', 'ifnull', 'nvl2', 'if', 'iff', 'raise_error',
    ];
    for (const n of expected) expect(names, n).toContain(n);
    for (const n of names) expect(getScalar(n).doc.length, n).toBeGreaterThan(0);
  });

  it('marks the clock and random functions non-deterministic', () => {
    for (const n of ['rand', 'randn', 'current_date', 'current_timestamp', 'unix_timestamp', 'raise_error']) expect(getScalar(n).deterministic, n).toBe(false);
    expect(getScalar('abs').deterministic).not.toBe(false);
  });
});

describe('array arguments', () => {
  const LIST = 'list<utf8>' as unknown as DataType;
  const sch = schema(['l', LIST], ['s', 'utf8']);
  it('scalar functions reject arrays; coalesce passes them through', () => {
    for (const e of [call('upper', col('l')), call('concat', col('s'), col('l')), call('greatest', col('l'), col('l')),
      call('nullif', col('l'), col('l')), call('year', col('l')), call('sqrt', col('l')), call('coalesce', col('l'), col('s'))]) {
      expect(() => bindExpr(e, sch)).toThrow(TypeMismatchError);
    }
    expect(bindExpr(call('coalesce', col('l'), col('l')), sch).type).toBe(LIST);
  });
});

// ---------------------------------------------------------------------------------------------
// Null propagation (strict functions: any null argument → null)
// ---------------------------------------------------------------------------------------------

describe('null inputs', () => {
  const strict: [string, Expr[]][] = [
    ['abs', [I(-1)]], ['round', [D(1.5), I(0)]], ['bround', [D(1.5), I(0)]], ['floor', [D(1.5)]], ['ceil', [D(1.5)]],
    ['sqrt', [D(4)]], ['cbrt', [D(8)]], ['exp', [D(1)]], ['expm1', [D(1)]], ['log', [D(2), D(8)]], ['ln', [D(1)]], ['log10', [D(1)]],
    ['log2', [D(1)]], ['log1p', [D(1)]], ['pow', [D(2), D(3)]], ['signum', [D(2)]], ['sin', [D(1)]], ['cos', [D(1)]],
    ['tan', [D(1)]], ['cot', [D(1)]], ['asin', [D(1)]], ['acos', [D(1)]], ['atan', [D(1)]], ['atan2', [D(1), D(1)]],
    ['sinh', [D(1)]], ['cosh', [D(1)]], ['tanh', [D(1)]], ['hypot', [D(3), D(4)]],
    ['degrees', [D(1)]], ['radians', [D(1)]], ['pmod', [I(7), I(3)]],
    ['upper', [S('a')]], ['lower', [S('a')]], ['length', [S('a')]], ['octet_length', [S('a')]], ['bit_length', [S('a')]],
    ['trim', [S(' a '), S(' ')]], ['ltrim', [S(' a')]], ['rtrim', [S('a ')]],
    ['substring', [S('abc'), I(1), I(2)]], ['left', [S('abc'), I(1)]], ['right', [S('abc'), I(1)]],
    ['concat', [S('a'), S('b')]], ['split_part', [S('a,b'), S(','), I(1)]], ['substring_index', [S('a.b'), S('.'), I(1)]],
    ['regexp_replace', [S('abc'), S('b'), S('x')]], ['regexp_extract', [S('abc'), S('(b)'), I(1)]], ['instr', [S('abc'), S('b')]],
    ['lpad', [S('a'), I(3), S('x')]], ['rpad', [S('a'), I(3), S('x')]], ['repeat', [S('a'), I(2)]], ['space', [I(2)]],
    ['reverse', [S('ab')]], ['initcap', [S('ab')]], ['translate', [S('ab'), S('a'), S('x')]], ['replace', [S('ab'), S('a'), S('x')]],
    ['startswith', [S('ab'), S('a')]], ['endswith', [S('ab'), S('b')]], ['contains', [S('ab'), S('a')]], ['ascii', [S('a')]],
    ['to_date', [S('2024-01-05')]], ['to_date', [S('05/01/2024'), S('dd/MM/yyyy')]], ['to_timestamp', [S('2024-01-05 10:00:00')]],
    ['to_timestamp', [S('05/01/2024'), S('dd/MM/yyyy')]],
    ['year', [DATE('2024-01-05')]], ['month', [DATE('2024-01-05')]], ['dayofmonth', [DATE('2024-01-05')]],
    ['dayofweek', [DATE('2024-01-05')]], ['weekday', [DATE('2024-01-05')]], ['dayofyear', [DATE('2024-01-05')]], ['quarter', [DATE('2024-01-05')]],
    ['weekofyear', [DATE('2024-01-05')]], ['hour', [TS('2024-01-05T10:00:00')]], ['minute', [TS('2024-01-05T10:00:00')]],
    ['second', [TS('2024-01-05T10:00:00')]], ['date_add', [DATE('2024-01-05'), I(1)]], ['date_sub', [DATE('2024-01-05'), I(1)]],
    ['datediff', [DATE('2024-01-05'), DATE('2024-01-01')]], ['add_months', [DATE('2024-01-05'), I(1)]],
    ['months_between', [TS('2024-03-05T00:00:00'), TS('2024-01-01T00:00:00')]], ['last_day', [DATE('2024-01-05')]],
    ['next_day', [DATE('2024-01-05'), S('Mon')]], ['make_date', [I(2024), I(1), I(5)]],
    ['date_format', [TS('2024-01-05T10:00:00'), S('yyyy')]], ['unix_timestamp', [S('2024-01-05 00:00:00')]],
    ['unix_timestamp', [S('2024-01-05'), S('yyyy-MM-dd')]], ['from_unixtime', [L(0), S('yyyy')]],
    ['date_trunc', [S('day'), TS('2024-01-05T10:00:00')]], ['trunc', [DATE('2024-01-05'), S('month')]],
    ['timestamp_seconds', [L(1)]], ['unix_seconds', [TS('2024-01-05T10:00:00')]],
  ];
  it.each(strict)('%s is null when any argument is null', (fn, args) => {
    expect(ev(call(fn, ...args)), `${fn} on valid input`).not.toBeNull();
    for (let i = 0; i < args.length; i++) {
      const withNull = args.map((a, j) => (j === i ? NULL : a));
      expect(ev(call(fn, ...withNull)), `${fn} with argument ${i} null`).toBeNull();
    }
  });

  it('nulls from columns propagate per row', () => {
    const rows = [{ s: 'ab', n: 1 }, { s: null, n: 2 }, { s: 'cd', n: null }];
    expect(evalRows(call('substring', col('s'), col('n')), rows)).toEqual(['ab', null, null]);
    expect(evalRows(call('upper', col('s')), rows)).toEqual(['AB', null, 'CD']);
    expect(evalRows(call('sqrt', col('n')), rows)).toEqual([1, Math.SQRT2, null]);
  });

  it('a null-typed column works as an argument', () => {
    const sch = schema(['x', 'null']);
    expect(evalRows(call('upper', col('x')), [{ x: null }], sch)).toEqual([null]);
    expect(evalRows(call('coalesce', col('x'), I(3)), [{ x: null }], sch)).toEqual([3]);
  });
});

// ---------------------------------------------------------------------------------------------
// Math
// ---------------------------------------------------------------------------------------------

describe('math', () => {
  it('abs keeps the numeric type; strings are read as doubles', () => {
    expect(ev(call('abs', I(-5)))).toBe(5);
    expect(typeOf(call('abs', I(-5)))).toBe('int32');
    expect(ev(call('abs', D(-2.5)))).toBe(2.5);
    expect(ev(call('abs', S('-3')))).toBe(3);
    expect(typeOf(call('abs', S('-3')))).toBe('float64');
    expect(ev(call('abs', I(-2147483648)))).toBe(-2147483648); // wraps like Spark (non-ANSI)
    expect(() => bindExpr(call('abs', B(true)), new Schema([]))).toThrow(TypeMismatchError);
  });

  it('round is HALF_UP on the decimal value', () => {
    expect(ev(call('round', D(2.5)))).toBe(3);
    expect(ev(call('round', D(-2.5)))).toBe(-3);
    expect(ev(call('round', D(0.5)))).toBe(1);
    expect(ev(call('round', D(-0.5)))).toBe(-1);
    expect(ev(call('round', D(1.4)))).toBe(1);
    expect(ev(call('round', D(0.49999999999999994)))).toBe(0);
    expect(ev(call('round', D(2.675), I(2)))).toBe(2.68); // BigDecimal("2.675"), not the binary value
    expect(ev(call('round', D(1.005), I(2)))).toBe(1.01);
    expect(ev(call('round', D(-1.005), I(2)))).toBe(-1.01);
    expect(ev(call('round', D(123.456), I(1)))).toBe(123.5);
    expect(ev(call('round', D(1234.5678), I(-2)))).toBe(1200);
    expect(ev(call('round', D(0.000123), I(3)))).toBe(0);
    expect(ev(call('round', D(1.5e-7), I(7)))).toBe(2e-7);
    expect(ev(call('round', D(1e300), I(2)))).toBe(1e300);
    expect(ev(call('round', D(99.99), I(1)))).toBe(100);
    expect(Number.isNaN(withX(NaN, (x) => call('round', x)) as number)).toBe(true);
    expect(withX(Infinity, (x) => call('round', x, I(2)))).toBe(Infinity);
    expect(withX(-Infinity, (x) => call('bround', x))).toBe(-Infinity);
  });

  it('round of an integer stays an integer', () => {
    expect(typeOf(call('round', I(125), I(-1)))).toBe('int32');
    expect(typeOf(call('round', L(125)))).toBe('int64');
    expect(ev(call('round', I(125), I(-1)))).toBe(130);
    expect(ev(call('round', I(-125), I(-1)))).toBe(-130);
    expect(ev(call('round', I(7), I(2)))).toBe(7);
    expect(ev(call('round', L(5), I(-1)))).toBe(10);
    expect(ev(call('round', I(4), I(-1)))).toBe(0);
    expect(typeOf(call('round', S('2.5')))).toBe('float64');
    expect(ev(call('round', S('2.5')))).toBe(3);
  });

  it('bround is HALF_EVEN', () => {
    expect(ev(call('bround', D(2.5)))).toBe(2);
    expect(ev(call('bround', D(3.5)))).toBe(4);
    expect(ev(call('bround', D(-2.5)))).toBe(-2);
    expect(ev(call('bround', D(2.25), I(1)))).toBe(2.2);
    expect(ev(call('bround', D(2.35), I(1)))).toBe(2.4);
    expect(ev(call('bround', D(2.251), I(1)))).toBe(2.3);
    expect(ev(call('bround', I(25), I(-1)))).toBe(20);
    expect(ev(call('bround', I(35), I(-1)))).toBe(40);
    expect(ev(call('bround', I(5), I(-1)))).toBe(0);
    expect(roundDecimal(0.125, 2, true)).toBe(0.12);
    expect(roundDecimal(0.375, 2, true)).toBe(0.38);
  });

  it('floor / ceil return long', () => {
    expect(ev(call('floor', D(2.7)))).toBe(2);
    expect(ev(call('floor', D(-2.1)))).toBe(-3);
    expect(ev(call('ceil', D(2.1)))).toBe(3);
    expect(ev(call('ceiling', D(-2.7)))).toBe(-2);
    expect(typeOf(call('floor', D(2.7)))).toBe('int64');
    expect(typeOf(call('ceil', I(3)))).toBe('int64');
    expect(ev(call('floor', I(5)))).toBe(5);
    expect(ev(call('floor', S('3.7')))).toBe(3);
    expect(withX(NaN, (x) => call('floor', x))).toBe(0);
    expect(() => ev(call('floor', D(1e300)))).toThrow(ArithmeticOverflowError);
  });

  it('sqrt, exp and the log family follow Spark', () => {
    expect(ev(call('sqrt', D(4)))).toBe(2);
    expect(Number.isNaN(ev(call('sqrt', D(-1))) as number)).toBe(true); // Spark: NaN
    expect(ev(call('sqrt', S('16')))).toBe(4);
    expect(ev(call('sqrt', S('abc')))).toBeNull(); // the implicit cast yields null
    expect(ev(call('exp', D(0)))).toBe(1);
    expect(ev(call('log', D(Math.E)))).toBe(1);
    expect(ev(call('log', D(0)))).toBeNull();
    expect(ev(call('log', D(-1)))).toBeNull();
    expect(ev(call('log', D(2), D(8)))).toBe(3);
    expect(ev(call('log', D(10), D(100)))).toBe(2);
    expect(ev(call('log', D(-2), D(8)))).toBeNull();
    expect(ev(call('log', D(2), D(0)))).toBeNull();
    expect(ev(call('ln', D(1)))).toBe(0);
    expect(ev(call('ln', D(0)))).toBeNull();
    expect(ev(call('log10', D(1000)))).toBe(3);
    expect(ev(call('log10', D(-5)))).toBeNull();
    expect(ev(call('log2', D(8)))).toBe(3);
    expect(ev(call('log2', D(0)))).toBeNull();
    expect(ev(call('log1p', D(0)))).toBe(0);
    expect(ev(call('log1p', D(-1)))).toBeNull();
    expect(ev(call('expm1', D(0)))).toBe(0);
    expect(ev(call('cbrt', D(27)))).toBe(3);
    expect(() => bindExpr(call('sqrt', B(true)), new Schema([]))).toThrow(TypeMismatchError);
    expect(() => bindExpr(call('sqrt', DATE('2024-01-01')), new Schema([]))).toThrow(TypeMismatchError);
  });

  it('pow, signum, trigonometry, degrees / radians', () => {
    expect(ev(call('pow', I(2), I(10)))).toBe(1024);
    expect(ev(call('power', D(4), D(0.5)))).toBe(2);
    expect(typeOf(call('pow', I(2), I(3)))).toBe('float64');
    expect(Number.isNaN(ev(call('pow', D(-8), D(1 / 3))) as number)).toBe(true);
    expect(ev(call('signum', I(-5)))).toBe(-1);
    expect(ev(call('sign', D(0)))).toBe(0);
    expect(ev(call('signum', D(40)))).toBe(1);
    expect(ev(call('sin', D(0)))).toBe(0);
    expect(ev(call('cos', D(0)))).toBe(1);
    expect(ev(call('tan', D(0)))).toBe(0);
    expect(ev(call('cot', D(1)))).toBeCloseTo(0.6420926159343306, 15);
    expect(ev(call('asin', D(1)))).toBe(Math.PI / 2);
    expect(Number.isNaN(ev(call('asin', D(2))) as number)).toBe(true);
    expect(ev(call('acos', D(1)))).toBe(0);
    expect(ev(call('atan', D(1)))).toBe(Math.PI / 4);
    expect(ev(call('atan2', D(1), D(1)))).toBe(Math.PI / 4);
    expect(ev(call('atan2', D(0), D(-1)))).toBe(Math.PI);
    expect(ev(call('sinh', D(0)))).toBe(0);
    expect(ev(call('cosh', D(0)))).toBe(1);
    expect(ev(call('tanh', D(0)))).toBe(0);
    expect(ev(call('hypot', D(3), D(4)))).toBe(5);
    expect(ev(call('degrees', D(Math.PI)))).toBe(180);
    expect(ev(call('radians', D(180)))).toBe(Math.PI);
  });

  it('pmod is the positive remainder', () => {
    expect(ev(call('pmod', I(10), I(3)))).toBe(1);
    expect(ev(call('pmod', I(-10), I(3)))).toBe(2);
    expect(ev(call('pmod', I(-7), I(3)))).toBe(2);
    expect(ev(call('pmod', I(7), I(-3)))).toBe(1);
    expect(ev(call('pmod', I(-7), I(-3)))).toBe(-1);
    expect(ev(call('pmod', I(7), I(0)))).toBeNull();
    expect(ev(call('pmod', D(-7.5), D(2)))).toBe(0.5);
    expect(typeOf(call('pmod', I(7), I(3)))).toBe('int32');
    expect(typeOf(call('pmod', I(7), L(3)))).toBe('int64');
  });

  it('greatest / least skip nulls and widen types', () => {
    expect(ev(call('greatest', I(10), I(9), I(2), I(4), I(3)))).toBe(10);
    expect(ev(call('greatest', I(1), I(null), I(3)))).toBe(3);
    expect(ev(call('least', I(null), I(5), I(2)))).toBe(2);
    expect(ev(call('greatest', I(null), I(null)))).toBeNull();
    expect(ev(call('least', I(2), D(1.5)))).toBe(1.5);
    expect(typeOf(call('least', I(2), D(1.5)))).toBe('float64');
    expect(ev(call('greatest', S('apple'), S('banana')))).toBe('banana');
    expect(ev(call('least', DATE('2024-01-05'), DATE('2023-12-31')))).toEqual(day('2023-12-31'));
    expect(Number.isNaN(withX(NaN, (x) => call('greatest', D(1), x)) as number)).toBe(true);
    expect(withX(NaN, (x) => call('least', x, D(1)))).toBe(1);
    expect(ev(call('greatest', B(false), B(true)))).toBe(true);
    expect(() => bindExpr(call('greatest', B(true), I(1)), new Schema([]))).toThrow(TypeMismatchError);
    const rows = [{ a: 1, b: 5 }, { a: 7, b: null }, { a: null, b: null }];
    expect(evalRows(call('greatest', col('a'), col('b')), rows, schema(['a', 'int32'], ['b', 'int32']))).toEqual([5, 7, null]);
  });

  it('nanvl replaces NaN and evaluates its second argument only then', () => {
    expect(withX(NaN, (x) => call('nanvl', x, I(123)))).toBe(123);
    expect(withX(2, (x) => call('nanvl', x, I(123)))).toBe(2);
    expect(ev(call('nanvl', D(null), I(1)))).toBeNull();
    expect(withX(NaN, (x) => call('nanvl', x, D(null)))).toBeNull();
    expect(withX(2, (x) => call('nanvl', x, OVERFLOW))).toBe(2);
    expect(() => withX(NaN, (x) => call('nanvl', x, OVERFLOW))).toThrow(ArithmeticOverflowError);
  });

  it('rand / randn: seeded, in range, roughly distributed as documented', () => {
    const rows = Array.from({ length: 20_000 }, () => ({}));
    const u = evalRows(call('rand', I(42)), rows) as number[];
    expect(u.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = u.reduce((a, b) => a + b, 0) / u.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    expect(new Set(u).size).toBeGreaterThan(19_990);
    const g = evalRows(call('randn', L(7)), rows) as number[];
    const gm = g.reduce((a, b) => a + b, 0) / g.length;
    const gv = g.reduce((a, b) => a + (b - gm) ** 2, 0) / g.length;
    expect(Math.abs(gm)).toBeLessThan(0.03);
    expect(gv).toBeGreaterThan(0.95);
    expect(gv).toBeLessThan(1.05);
    expect(ev(call('rand'))).toBeTypeOf('number');
    expect(ev(call('rand', NULL))).toBeTypeOf('number'); // null seed = 0, like Spark
    expect(() => bindExpr(call('rand', S('x')), new Schema([]))).toThrow(TypeMismatchError);
  });

  it('SeededRandom is reproducible per seed', () => {
    const a = new SeededRandom();
    const b = new SeededRandom();
    const c = new SeededRandom();
    a.reseed(42);
    b.reseed(42);
    c.reseed(43);
    const sa = Array.from({ length: 5 }, () => a.nextDouble());
    expect(Array.from({ length: 5 }, () => b.nextDouble())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c.nextDouble())).not.toEqual(sa);
  });

  it('e() and pi()', () => {
    expect(ev(call('e'))).toBe(Math.E);
    expect(ev(call('pi'))).toBe(Math.PI);
  });
});

// ---------------------------------------------------------------------------------------------
// Strings
// ---------------------------------------------------------------------------------------------

describe('strings', () => {
  it('upper / lower, with implicit casts to string', () => {
    expect(ev(call('upper', S('Spark')))).toBe('SPARK');
    expect(ev(call('ucase', S('a')))).toBe('A');
    expect(ev(call('lower', S('SpArK')))).toBe('spark');
    expect(ev(call('lcase', S('A')))).toBe('a');
    expect(ev(call('upper', I(1)))).toBe('1');
    expect(ev(call('upper', B(true)))).toBe('TRUE');
    expect(ev(call('upper', D(1.5)))).toBe('1.5');
    expect(ev(call('upper', DATE('2024-01-05')))).toBe('2024-01-05');
  });

  it('length counts characters, not UTF-16 units', () => {
    expect(ev(call('length', S('Spark SQL ')))).toBe(10);
    expect(ev(call('length', S('héllo')))).toBe(5);
    expect(ev(call('char_length', S('😀a')))).toBe(2);
    expect(ev(call('character_length', S('')))).toBe(0);
    expect(ev(call('length', I(12345)))).toBe(5);
    expect(typeOf(call('length', S('x')))).toBe('int32');
    expect(ev(call('octet_length', S('héllo')))).toBe(6);
    expect(ev(call('bit_length', S('Spark SQL')))).toBe(72);
  });

  it('trim family removes spaces only, or the given characters', () => {
    expect(ev(call('trim', S('    SparkSQL   ')))).toBe('SparkSQL');
    expect(ev(call('trim', S('\tab\n')))).toBe('\tab\n');
    expect(ev(call('ltrim', S('  a  ')))).toBe('a  ');
    expect(ev(call('rtrim', S('  a  ')))).toBe('  a');
    expect(ev(call('trim', S('SSparkSQLS'), S('SL')))).toBe('parkSQ');
    expect(ev(call('btrim', S('xxaxx'), S('x')))).toBe('a');
    expect(ev(call('trim', S('yxTomxx'), S('xyz')))).toBe('Tom');
    expect(ev(call('ltrim', S('zzzytest'), S('xyz')))).toBe('test');
    expect(ev(call('rtrim', S('testxxzx'), S('xyz')))).toBe('test');
    expect(ev(call('trim', S('😀a😀'), S('😀')))).toBe('a');
    expect(ev(call('trim', S('   ')))).toBe('');
  });

  it('substring matches Spark positions exactly', () => {
    expect(ev(call('substring', S('Spark SQL'), I(5)))).toBe('k SQL');
    expect(ev(call('substring', S('Spark SQL'), I(-3)))).toBe('SQL');
    expect(ev(call('substring', S('Spark SQL'), I(5), I(1)))).toBe('k');
    expect(ev(call('substr', S('hello'), I(0), I(2)))).toBe('he'); // pos 0 acts as 1
    expect(ev(call('substring', S('hello'), I(1), I(2)))).toBe('he');
    expect(ev(call('substring', S('hello'), I(-3), I(2)))).toBe('ll');
    expect(ev(call('substring', S('hello'), I(-10), I(7)))).toBe('he'); // start before the string eats into len
    expect(ev(call('substring', S('hello'), I(-10), I(3)))).toBe('');
    expect(ev(call('substring', S('hello'), I(10)))).toBe('');
    expect(ev(call('substring', S('hello'), I(2), I(-1)))).toBe('');
    expect(ev(call('substring', S('hello'), I(2), I(100)))).toBe('ello');
    expect(ev(call('substring', S('😀ab'), I(2), I(1)))).toBe('a');
    expect(ev(call('substring', S('a😀b'), I(-2), I(1)))).toBe('😀');
    expect(ev(call('substring', S('hello'), S('2'), S('2')))).toBe('el'); // numeric strings cast to int
    expect(ev(call('substring', S('hello'), L(2)))).toBe('ello');
  });

  it('left / right', () => {
    expect(ev(call('left', S('Spark SQL'), I(3)))).toBe('Spa');
    expect(ev(call('left', S('abc'), I(-1)))).toBe('');
    expect(ev(call('left', S('abc'), I(10)))).toBe('abc');
    expect(ev(call('right', S('Spark SQL'), I(3)))).toBe('SQL');
    expect(ev(call('right', S('abc'), I(0)))).toBe('');
    expect(ev(call('right', S('abc'), I(5)))).toBe('abc');
  });

  it('concat is null if any argument is null; concat_ws skips nulls', () => {
    expect(ev(call('concat', S('Spark'), S('SQL')))).toBe('SparkSQL');
    expect(ev(call('concat', S('a'), S(null)))).toBeNull();
    expect(ev(call('concat'))).toBe('');
    expect(ev(call('concat', S('a'), I(1), B(false)))).toBe('a1false');
    expect(ev(call('concat_ws', S(' '), S('Spark'), S('SQL')))).toBe('Spark SQL');
    expect(ev(call('concat_ws', S('/'), S('foo'), S(null), S('bar')))).toBe('foo/bar');
    expect(ev(call('concat_ws', S(null), S('Spark'), S('SQL')))).toBeNull();
    expect(ev(call('concat_ws', S('s')))).toBe('');
    expect(ev(call('concat_ws', S(','), S(null), S(null)))).toBe('');
    expect(ev(call('concat_ws', S(','), S(null), S('a')))).toBe('a');
    const rows = [{ a: 'x', b: 'y' }, { a: null, b: 'y' }, { a: 'x', b: null }];
    expect(evalRows(call('concat_ws', S('-'), col('a'), col('b')), rows)).toEqual(['x-y', 'y', 'x']);
    expect(evalRows(call('concat', col('a'), col('b')), rows)).toEqual(['xy', null, null]);
  });

  it('split_part works like Spark', () => {
    expect(ev(call('split_part', S('11.12.13'), S('.'), I(3)))).toBe('13');
    expect(ev(call('split_part', S('a,b,c'), S(','), I(1)))).toBe('a');
    expect(ev(call('split_part', S('a,b,c'), S(','), I(-1)))).toBe('c');
    expect(ev(call('split_part', S('a,b,c'), S(','), I(-3)))).toBe('a');
    expect(ev(call('split_part', S('a,b'), S(','), I(5)))).toBe('');
    expect(ev(call('split_part', S('a,b'), S(','), I(-5)))).toBe('');
    expect(ev(call('split_part', S('a,b'), S(''), I(1)))).toBe('a,b');
    expect(ev(call('split_part', S('a,b'), S(''), I(2)))).toBe('');
    expect(ev(call('split_part', S('a||b'), S('||'), I(2)))).toBe('b');
    expect(() => ev(call('split_part', S('a,b'), S(','), I(0)))).toThrow(IllegalArgumentError);
  });

  it('substring_index', () => {
    expect(ev(call('substring_index', S('www.apache.org'), S('.'), I(2)))).toBe('www.apache');
    expect(ev(call('substring_index', S('www.apache.org'), S('.'), I(-2)))).toBe('apache.org');
    expect(ev(call('substring_index', S('www.apache.org'), S('.'), I(0)))).toBe('');
    expect(ev(call('substring_index', S('www.apache.org'), S('.'), I(5)))).toBe('www.apache.org');
    expect(ev(call('substring_index', S('www.apache.org'), S('.'), I(-5)))).toBe('www.apache.org');
    expect(ev(call('substring_index', S('abc'), S(''), I(1)))).toBe('');
  });

  it('regexp_replace translates Java replacement syntax', () => {
    expect(ev(call('regexp_replace', S('100-200'), S('(\\d+)'), S('num')))).toBe('num-num');
    expect(ev(call('regexp_replace', S('100-200'), S('(\\d+)-(\\d+)'), S('$2-$1')))).toBe('200-100');
    expect(ev(call('regexp_replace', S('abc'), S('b'), S('\\$')))).toBe('a$c');
    expect(ev(call('regexp_replace', S('abc'), S('b'), S('[$0]')))).toBe('a[b]c');
    expect(ev(call('regexp_replace', S('a.b.c'), S('\\.'), S('')))).toBe('abc');
    expect(ev(call('regexp_replace', S('ABCabc'), S('(?i)b'), S('x')))).toBe('AxCaxc');
    expect(ev(call('regexp_replace', S('aaa'), S('a'), S('b'), I(2)))).toBe('abb');
    expect(ev(call('regexp_replace', S('aaa'), S('^a'), S('b'), I(2)))).toBe('aba'); // ^ anchors at pos, like a Java region
    expect(ev(call('regexp_replace', S('abc'), S('(?<x>b)'), S('${x}${x}')))).toBe('abbc');
    expect(ev(call('regexp_replace', S('a-b'), S('\\-'), S('+')))).toBe('a+b'); // Java escape JS rejects in u-mode
    expect(() => ev(call('regexp_replace', S('abc'), S('('), S('x')))).toThrow(IllegalArgumentError);
    const rows = [{ s: 'a1', p: '\\d' }, { s: 'b2', p: '[a-z]' }, { s: 'c3', p: null }];
    expect(evalRows(call('regexp_replace', col('s'), col('p'), S('_')), rows)).toEqual(['a_', '_2', null]);
  });

  it('regexp_extract', () => {
    expect(ev(call('regexp_extract', S('100-200'), S('(\\d+)-(\\d+)'), I(1)))).toBe('100');
    expect(ev(call('regexp_extract', S('100-200'), S('(\\d+)-(\\d+)'), I(2)))).toBe('200');
    expect(ev(call('regexp_extract', S('100-200'), S('(\\d+)-(\\d+)'), I(0)))).toBe('100-200');
    expect(ev(call('regexp_extract', S('100-200'), S('(\\d+)')))).toBe('100');
    expect(ev(call('regexp_extract', S('abc'), S('(\\d+)'), I(1)))).toBe('');
    expect(ev(call('regexp_extract', S('ac'), S('a(b)?c'), I(1)))).toBe('');
    expect(() => ev(call('regexp_extract', S('abc'), S('(a)'), I(2)))).toThrow(IllegalArgumentError);
  });

  it('instr / locate / position count characters from 1', () => {
    expect(ev(call('instr', S('SparkSQL'), S('SQL')))).toBe(6);
    expect(ev(call('instr', S('abc'), S('z')))).toBe(0);
    expect(ev(call('instr', S('abc'), S('')))).toBe(1);
    expect(ev(call('instr', S('😀ab'), S('a')))).toBe(2);
    expect(ev(call('locate', S('bar'), S('foobarbar')))).toBe(4);
    expect(ev(call('locate', S('bar'), S('foobarbar'), I(5)))).toBe(7);
    expect(ev(call('position', S('bar'), S('foobarbar')))).toBe(4);
    expect(ev(call('locate', S('bar'), S('foobarbar'), I(0)))).toBe(0);
    expect(ev(call('locate', S('bar'), S('foobarbar'), I(100)))).toBe(0);
    expect(ev(call('locate', S('bar'), S('foobarbar'), I(null)))).toBe(0); // null pos → 0 (Hive/Spark)
    expect(ev(call('locate', S(null), S('foobarbar')))).toBeNull();
    expect(ev(call('locate', S('bar'), S(null), I(1)))).toBeNull();
    expect(ev(call('locate', S(''), S('abc'), I(3)))).toBe(1);
    expect(ev(call('locate', S('b'), S('😀😀b'), I(2)))).toBe(3);
  });

  it('lpad / rpad pad or cut to len characters', () => {
    expect(ev(call('lpad', S('hi'), I(5), S('??')))).toBe('???hi');
    expect(ev(call('lpad', S('hi'), I(1), S('??')))).toBe('h');
    expect(ev(call('lpad', S('hi'), I(5)))).toBe('   hi');
    expect(ev(call('lpad', S('hi'), I(6), S('ab')))).toBe('ababhi');
    expect(ev(call('lpad', S('hi'), I(-1), S('x')))).toBe('');
    expect(ev(call('lpad', S('hi'), I(5), S('')))).toBe('hi');
    expect(ev(call('rpad', S('hi'), I(5), S('??')))).toBe('hi???');
    expect(ev(call('rpad', S('hi'), I(1), S('??')))).toBe('h');
    expect(ev(call('rpad', S('hi'), I(5)))).toBe('hi   ');
    expect(ev(call('rpad', S('😀'), I(3), S('é')))).toBe('😀éé');
  });

  it('repeat, space, reverse, initcap', () => {
    expect(ev(call('repeat', S('123'), I(2)))).toBe('123123');
    expect(ev(call('repeat', S('a'), I(0)))).toBe('');
    expect(ev(call('repeat', S('a'), I(-1)))).toBe('');
    expect(ev(call('space', I(3)))).toBe('   ');
    expect(ev(call('space', I(-3)))).toBe('');
    expect(ev(call('reverse', S('Spark SQL')))).toBe('LQS krapS');
    expect(ev(call('reverse', S('a😀b')))).toBe('b😀a');
    expect(ev(call('initcap', S('sPark sql')))).toBe('Spark Sql');
    expect(ev(call('initcap', S('hello-world  foo')))).toBe('Hello-world  Foo');
  });

  it('translate, replace', () => {
    expect(ev(call('translate', S('AaBbCc'), S('abc'), S('123')))).toBe('A1B2C3');
    expect(ev(call('translate', S('abcabc'), S('ab'), S('x')))).toBe('xcxc'); // extra from-chars are deleted
    expect(ev(call('translate', S('aaa'), S('aa'), S('xy')))).toBe('xxx'); // the first mapping wins
    expect(ev(call('translate', S('a😀'), S('😀'), S('b')))).toBe('ab');
    expect(ev(call('replace', S('ABCabc'), S('abc'), S('DEF')))).toBe('ABCDEF');
    expect(ev(call('replace', S('abcb'), S('b')))).toBe('ac');
    expect(ev(call('replace', S('abc'), S(''), S('x')))).toBe('abc');
    expect(ev(call('replace', S('abc'), S('b'), S('$&')))).toBe('a$&c'); // no JS replacement patterns
  });

  it('startswith / endswith / contains / ascii', () => {
    expect(ev(call('startswith', S('Spark SQL'), S('Spark')))).toBe(true);
    expect(ev(call('startswith', S('Spark SQL'), S('SQL')))).toBe(false);
    expect(ev(call('endswith', S('Spark SQL'), S('SQL')))).toBe(true);
    expect(ev(call('contains', S('Spark SQL'), S('k S')))).toBe(true);
    expect(ev(call('contains', S('Spark SQL'), S('')))).toBe(true);
    expect(typeOf(call('contains', S('a'), S('b')))).toBe('boolean');
    expect(ev(call('ascii', S('222')))).toBe(50);
    expect(ev(call('ascii', I(2)))).toBe(50);
    expect(ev(call('ascii', S('')))).toBe(0);
    expect(ev(call('ascii', S('😀')))).toBe(0x1f600);
  });
});

// ---------------------------------------------------------------------------------------------
// Dates and times
// ---------------------------------------------------------------------------------------------

describe('datetime', () => {
  it('to_date without a format casts; invalid dates give null', () => {
    expect(ev(call('to_date', S('2024-01-05')))).toEqual(day('2024-01-05'));
    expect(ev(call('to_date', S('2024-1-5')))).toEqual(day('2024-01-05'));
    expect(ev(call('to_date', S('2024-01-05 23:59:59')))).toEqual(day('2024-01-05'));
    expect(ev(call('to_date', S('2024-02-30')))).toBeNull();
    expect(ev(call('to_date', S('2023-02-29')))).toBeNull();
    expect(ev(call('to_date', S('2024-02-29')))).toEqual(day('2024-02-29'));
    expect(ev(call('to_date', S('not a date')))).toBeNull();
    expect(ev(call('to_date', TS('2024-01-05T23:00:00')))).toEqual(day('2024-01-05'));
    expect(ev(call('to_date', DATE('2024-01-05')))).toEqual(day('2024-01-05'));
    expect(() => bindExpr(call('to_date', I(1)), new Schema([]))).toThrow(TypeMismatchError);
  });

  it('to_date with a format', () => {
    expect(ev(call('to_date', S('05/01/2024'), S('dd/MM/yyyy')))).toEqual(day('2024-01-05'));
    expect(ev(call('to_date', S('2016-12-31'), S('yyyy-MM-dd')))).toEqual(day('2016-12-31'));
    expect(ev(call('to_date', S('2024-1-05'), S('yyyy-MM-dd')))).toBeNull(); // MM needs two digits
    expect(ev(call('to_date', S('2024-1-5'), S('yyyy-M-d')))).toEqual(day('2024-01-05'));
    expect(ev(call('to_date', S('2024-01-05'), S('yyyy-M-d')))).toEqual(day('2024-01-05'));
    expect(ev(call('to_date', S('20240105'), S('yyyyMMdd')))).toEqual(day('2024-01-05'));
    expect(ev(call('to_date', I(20240105), S('yyyyMMdd')))).toEqual(day('2024-01-05'));
    expect(ev(call('to_date', S('24-01-05'), S('yy-MM-dd')))).toEqual(day('2024-01-05'));
    expect(ev(call('to_date', S('Jan 5, 2024'), S('MMM d, yyyy')))).toEqual(day('2024-01-05'));
    expect(ev(call('to_date', S('5 JANUARY 2024'), S('d MMMM yyyy')))).toEqual(day('2024-01-05'));
    expect(ev(call('to_date', S('Fri 2024-01-05'), S('EEE yyyy-MM-dd')))).toEqual(day('2024-01-05'));
    expect(ev(call('to_date', S('Mon 2024-01-05'), S('EEE yyyy-MM-dd')))).toBeNull(); // day of week contradicts the date
    expect(ev(call('to_date', S('2024-02-30'), S('yyyy-MM-dd')))).toBeNull();
    expect(ev(call('to_date', S('2023-02-29'), S('yyyy-MM-dd')))).toBeNull();
    expect(ev(call('to_date', S('2024-01-05 10:00'), S('yyyy-MM-dd')))).toBeNull(); // unparsed text
    expect(ev(call('to_date', S("2024-01-05T10:00:00"), S("yyyy-MM-dd'T'HH:mm:ss")))).toEqual(day('2024-01-05'));
    expect(ev(call('to_date', S('2024.060'), S('yyyy.DDD')))).toEqual(day('2024-02-29'));
    expect(ev(call('to_date', S('01-05'), S('MM-dd')))).toEqual(day('1970-01-05')); // missing year → 1970
    expect(ev(call('to_date', S('2024-01-05'), S('yyyy-MM-dd[ HH:mm]')))).toEqual(day('2024-01-05'));
    expect(() => ev(call('to_date', S('2024'), S('YYYY')))).toThrow(IllegalArgumentError);
    expect(() => ev(call('to_date', S('2024'), S("yyyy'")))).toThrow(IllegalArgumentError);
    const rows = [{ s: '05/01/2024', f: 'dd/MM/yyyy' }, { s: '2024-01-06', f: 'yyyy-MM-dd' }, { s: 'x', f: 'yyyy' }];
    expect(evalRows(call('to_date', col('s'), col('f')), rows)).toEqual([day('2024-01-05'), day('2024-01-06'), null]);
  });

  it('to_timestamp with and without a format', () => {
    expect(ev(call('to_timestamp', S('2024-01-05 10:11:12')))).toEqual(ts('2024-01-05T10:11:12'));
    expect(ev(call('to_timestamp', S('2024-01-05T10:11:12.5+01:00')))).toEqual(ts('2024-01-05T09:11:12.5'));
    expect(ev(call('to_timestamp', S('2016-12-31'), S('yyyy-MM-dd')))).toEqual(ts('2016-12-31T00:00:00'));
    expect(ev(call('to_timestamp', S('2024-01-05 10:11:12.5'), S('yyyy-MM-dd HH:mm:ss.SSS')))).toEqual(ts('2024-01-05T10:11:12.500'));
    expect(ev(call('to_timestamp', S('2024-01-05 10:11:12.1234'), S('yyyy-MM-dd HH:mm:ss.SSS')))).toBeNull();
    expect(ev(call('to_timestamp', S('12/25/2023 11:30 PM'), S('MM/dd/yyyy hh:mm a')))).toEqual(ts('2023-12-25T23:30:00'));
    expect(ev(call('to_timestamp', S('12/25/2023 12:05 am'), S('MM/dd/yyyy hh:mm a')))).toEqual(ts('2023-12-25T00:05:00'));
    expect(ev(call('to_timestamp', S('2024-01-05 10:00 +02:00'), S('yyyy-MM-dd HH:mm XXX')))).toEqual(ts('2024-01-05T08:00:00'));
    expect(ev(call('to_timestamp', S('2024-01-05 10:00 Z'), S('yyyy-MM-dd HH:mm XXX')))).toEqual(ts('2024-01-05T10:00:00'));
    expect(ev(call('to_timestamp', S('2024-01-05 25:00'), S('yyyy-MM-dd HH:mm')))).toBeNull();
    expect(ev(call('to_timestamp', S('20240105123456789'), S('yyyyMMddHHmmssSSS')))).toEqual(ts('2024-01-05T12:34:56.789'));
    expect(ev(call('to_timestamp', S('2024-01-05 10:30'), S('yyyy-MM-dd[ HH:mm]')))).toEqual(ts('2024-01-05T10:30:00'));
    expect(ev(call('to_timestamp', S('2024-01-05'), S('yyyy-MM-dd[ HH:mm]')))).toEqual(ts('2024-01-05T00:00:00'));
    expect(ev(call('to_timestamp', DATE('2024-01-05')))).toEqual(ts('2024-01-05T00:00:00'));
    expect(ev(call('to_timestamp', I(86400)))).toEqual(ts('1970-01-02T00:00:00')); // numbers are epoch seconds
    expect(() => bindExpr(call('to_timestamp', B(true)), new Schema([]))).toThrow(TypeMismatchError);
  });

  it('field extraction, with strings cast to dates / timestamps', () => {
    expect(ev(call('year', S('2024-01-05')))).toBe(2024);
    expect(ev(call('year', DATE('1969-12-31')))).toBe(1969);
    expect(ev(call('year', TS('2024-12-31T23:59:59')))).toBe(2024);
    expect(ev(call('month', S('2016-07-30')))).toBe(7);
    expect(ev(call('dayofmonth', S('2009-07-30')))).toBe(30);
    expect(ev(call('day', DATE('2024-02-29')))).toBe(29);
    expect(ev(call('dayofyear', S('2016-04-09')))).toBe(100);
    expect(ev(call('dayofyear', S('2024-12-31')))).toBe(366);
    expect(ev(call('quarter', S('2016-08-31')))).toBe(3);
    expect(ev(call('quarter', S('2016-01-01')))).toBe(1);
    expect(ev(call('hour', S('2009-07-30 12:58:59')))).toBe(12);
    expect(ev(call('minute', S('2009-07-30 12:58:59')))).toBe(58);
    expect(ev(call('second', S('2009-07-30 12:58:59')))).toBe(59);
    expect(ev(call('hour', DATE('2024-01-05')))).toBe(0);
    expect(ev(call('hour', TS('1969-12-31T23:15:00')))).toBe(23);
    expect(ev(call('minute', TS('1969-12-31T23:15:00')))).toBe(15);
    expect(() => bindExpr(call('year', B(true)), new Schema([]))).toThrow(TypeMismatchError);
    expect(() => bindExpr(call('year', I(2024)), new Schema([]))).toThrow(TypeMismatchError);
    expect(() => bindExpr(call('hour', D(1)), new Schema([]))).toThrow(TypeMismatchError);
    expect(ev(call('year', S('garbage')))).toBeNull();
  });

  it('dayofweek (1 = Sunday), weekday (0 = Monday), ISO weekofyear', () => {
    expect(ev(call('dayofweek', S('2009-07-30')))).toBe(5); // Thursday
    expect(ev(call('dayofweek', S('2024-01-07')))).toBe(1); // Sunday
    expect(ev(call('dayofweek', S('2024-01-06')))).toBe(7); // Saturday
    expect(ev(call('dayofweek', S('1969-12-31')))).toBe(4); // Wednesday, before the epoch
    expect(ev(call('weekday', S('2024-01-07')))).toBe(6);
    expect(ev(call('weekday', S('2024-01-08')))).toBe(0);
    expect(ev(call('weekofyear', S('2008-02-20')))).toBe(8);
    expect(ev(call('weekofyear', S('2021-01-03')))).toBe(53); // belongs to 2020's last ISO week
    expect(ev(call('weekofyear', S('2024-12-30')))).toBe(1); // belongs to 2025's first ISO week
    expect(ev(call('weekofyear', S('2024-01-01')))).toBe(1);
  });

  it('date arithmetic across month / year ends and leap years', () => {
    expect(ev(call('date_add', S('2024-02-28'), I(1)))).toEqual(day('2024-02-29'));
    expect(ev(call('date_add', S('2023-02-28'), I(1)))).toEqual(day('2023-03-01'));
    expect(ev(call('date_add', S('2023-12-31'), I(1)))).toEqual(day('2024-01-01'));
    expect(ev(call('date_add', S('2024-01-01'), I(-1)))).toEqual(day('2023-12-31'));
    expect(ev(call('dateadd', DATE('2024-01-01'), L(366)))).toEqual(day('2025-01-01'));
    expect(ev(call('date_sub', S('2024-03-01'), I(1)))).toEqual(day('2024-02-29'));
    expect(ev(call('date_sub', S('2023-03-01'), I(1)))).toEqual(day('2023-02-28'));
    expect(ev(call('date_add', TS('2024-01-05T23:00:00'), I(1)))).toEqual(day('2024-01-06'));
    expect(ev(call('datediff', S('2009-07-31'), S('2009-07-30')))).toBe(1);
    expect(ev(call('datediff', S('2024-03-01'), S('2024-02-01')))).toBe(29);
    expect(ev(call('date_diff', S('2023-03-01'), S('2023-02-01')))).toBe(28);
    expect(ev(call('datediff', S('2024-01-01'), S('2025-01-01')))).toBe(-366);
    expect(ev(call('datediff', TS('2024-01-02T01:00:00'), TS('2024-01-01T23:00:00')))).toBe(1);
    expect(() => bindExpr(call('date_add', S('2024-01-01'), B(true)), new Schema([]))).toThrow(TypeMismatchError);
  });

  it('add_months clamps to month ends; months_between; last_day; next_day; make_date', () => {
    expect(ev(call('add_months', S('2016-08-31'), I(1)))).toEqual(day('2016-09-30'));
    expect(ev(call('add_months', S('2024-01-31'), I(1)))).toEqual(day('2024-02-29'));
    expect(ev(call('add_months', S('2023-01-31'), I(1)))).toEqual(day('2023-02-28'));
    expect(ev(call('add_months', S('2024-02-29'), I(12)))).toEqual(day('2025-02-28'));
    expect(ev(call('add_months', S('2024-11-15'), I(3)))).toEqual(day('2025-02-15'));
    expect(ev(call('add_months', S('2024-03-31'), I(-1)))).toEqual(day('2024-02-29'));
    expect(ev(call('add_months', S('2024-01-15'), I(-13)))).toEqual(day('2022-12-15'));
    expect(ev(call('months_between', S('1997-02-28 10:30:00'), S('1996-10-30')))).toBe(3.94959677);
    expect(ev(call('months_between', S('1997-02-28 10:30:00'), S('1996-10-30'), B(false)))).toBeCloseTo(3.9495967741935485, 14);
    expect(ev(call('months_between', S('2024-02-29'), S('2024-01-31')))).toBe(1); // both month ends
    expect(ev(call('months_between', S('2024-03-15'), S('2024-01-15')))).toBe(2);
    expect(ev(call('months_between', S('2024-01-15'), S('2024-03-15')))).toBe(-2);
    expect(ev(call('last_day', S('2009-01-12')))).toEqual(day('2009-01-31'));
    expect(ev(call('last_day', S('2024-02-10')))).toEqual(day('2024-02-29'));
    expect(ev(call('last_day', S('2023-02-10')))).toEqual(day('2023-02-28'));
    expect(ev(call('last_day', S('2024-12-01')))).toEqual(day('2024-12-31'));
    expect(ev(call('next_day', S('2015-01-14'), S('TU')))).toEqual(day('2015-01-20'));
    expect(ev(call('next_day', S('2015-01-14'), S('wednesday')))).toEqual(day('2015-01-21'));
    expect(ev(call('next_day', S('2015-01-14'), S('Thu')))).toEqual(day('2015-01-15'));
    expect(ev(call('next_day', S('2015-01-14'), S('xx')))).toBeNull();
    expect(ev(call('make_date', I(2013), I(7), I(15)))).toEqual(day('2013-07-15'));
    expect(ev(call('make_date', I(2023), I(2), I(29)))).toBeNull();
    expect(ev(call('make_date', I(2024), I(13), I(1)))).toBeNull();
  });

  it('date_trunc and trunc', () => {
    expect(ev(call('date_trunc', S('YEAR'), S('2015-03-05 09:32:05.359')))).toEqual(ts('2015-01-01T00:00:00'));
    expect(ev(call('date_trunc', S('MM'), S('2015-03-05 09:32:05.359')))).toEqual(ts('2015-03-01T00:00:00'));
    expect(ev(call('date_trunc', S('quarter'), S('2015-05-05 09:32:05')))).toEqual(ts('2015-04-01T00:00:00'));
    expect(ev(call('date_trunc', S('week'), S('2024-01-07 10:00:00')))).toEqual(ts('2024-01-01T00:00:00'));
    expect(ev(call('date_trunc', S('DD'), S('2015-03-05 09:32:05.359')))).toEqual(ts('2015-03-05T00:00:00'));
    expect(ev(call('date_trunc', S('HOUR'), S('2015-03-05 09:32:05.359')))).toEqual(ts('2015-03-05T09:00:00'));
    expect(ev(call('date_trunc', S('minute'), S('2015-03-05 09:32:05.359')))).toEqual(ts('2015-03-05T09:32:00'));
    expect(ev(call('date_trunc', S('second'), S('2015-03-05 09:32:05.359')))).toEqual(ts('2015-03-05T09:32:05'));
    expect(storage(call('date_trunc', S('MILLISECOND'), S('2015-03-05 09:32:05.123456')))).toBe(Date.parse('2015-03-05T09:32:05.123Z') * 1000);
    expect(ev(call('date_trunc', S('bogus'), S('2015-03-05 09:32:05')))).toBeNull();
    expect(ev(call('trunc', S('2019-08-04'), S('week')))).toEqual(day('2019-07-29'));
    expect(ev(call('trunc', S('2019-08-04'), S('quarter')))).toEqual(day('2019-07-01'));
    expect(ev(call('trunc', S('2009-02-12'), S('MM')))).toEqual(day('2009-02-01'));
    expect(ev(call('trunc', S('2015-10-27'), S('YEAR')))).toEqual(day('2015-01-01'));
    expect(ev(call('trunc', S('2015-10-27'), S('day')))).toBeNull();
  });

  it('date_format, unix_timestamp, from_unixtime', () => {
    expect(ev(call('date_format', S('2016-04-08'), S('y')))).toBe('2016');
    expect(ev(call('date_format', S('2024-01-05 13:04:05'), S('yyyy/MM/dd HH:mm')))).toBe('2024/01/05 13:04');
    expect(ev(call('date_format', S('2024-01-05 13:04:05.123'), S("EEE, d MMM yyyy hh:mm:ss.SSS a")))).toBe('Fri, 5 Jan 2024 01:04:05.123 PM');
    expect(ev(call('date_format', DATE('2024-03-09'), S("EEEE MMMM dd 'of' yy, 'Q'Q, D")))).toBe('Saturday March 09 of 24, Q1, 69');
    expect(ev(call('date_format', TS('2024-01-05T00:00:00'), S('yyyy-MM-dd HH:mm:ss XXX')))).toBe('2024-01-05 00:00:00 Z');
    expect(ev(call('date_format', TS('2024-01-05T00:00:00'), S('kk:mm K h a')))).toBe('24:00 0 12 AM');
    expect(ev(call('unix_timestamp', S('2024-01-05 00:00:00')))).toBe(1704412800);
    expect(ev(call('unix_timestamp', S('2016-04-08'), S('yyyy-MM-dd')))).toBe(1460073600);
    expect(ev(call('unix_timestamp', S('2016-04-08')))).toBeNull(); // does not match the default pattern
    expect(ev(call('unix_timestamp', TS('2024-01-05T00:00:01.9')))).toBe(1704412801);
    expect(ev(call('unix_timestamp', DATE('1970-01-02')))).toBe(86400);
    expect(typeOf(call('unix_timestamp'))).toBe('int64');
    expect(Math.abs((ev(call('unix_timestamp')) as number) - Date.now() / 1000)).toBeLessThan(5);
    expect(ev(call('from_unixtime', I(0)))).toBe('1970-01-01 00:00:00');
    expect(ev(call('from_unixtime', L(1704412800), S('yyyy-MM-dd')))).toBe('2024-01-05');
    expect(ev(call('from_unixtime', L(-1)))).toBe('1969-12-31 23:59:59');
    expect(ev(call('timestamp_seconds', D(1.5)))).toEqual(ts('1970-01-01T00:00:01.500'));
    expect(ev(call('unix_seconds', S('1970-01-01 00:00:10')))).toBe(10);
  });

  it('current_date / current_timestamp read the clock', () => {
    const today = Math.floor(Date.now() / 86_400_000);
    expect(Math.abs((storage(call('current_date')) as number) - today)).toBeLessThanOrEqual(1);
    expect(Math.abs((storage(call('current_timestamp')) as number) / 1000 - Date.now())).toBeLessThan(5000);
    expect(typeOf(call('now'))).toBe('timestamp');
  });
});

// ---------------------------------------------------------------------------------------------
// Conditionals
// ---------------------------------------------------------------------------------------------

describe('conditional', () => {
  it('coalesce returns the first non-null value, widening types', () => {
    expect(ev(call('coalesce', I(null), I(2), I(3)))).toBe(2);
    expect(ev(call('coalesce', NULL, NULL))).toBeNull();
    expect(ev(call('coalesce', I(null), D(1.5)))).toBe(1.5);
    expect(typeOf(call('coalesce', I(1), D(1.5)))).toBe('float64');
    expect(ev(call('coalesce', S(null), I(1)))).toBe('1'); // string promotion
    expect(ev(call('coalesce', DATE('2024-01-05'), TS('2024-01-06T10:00:00')))).toEqual(ts('2024-01-05T00:00:00'));
    expect(() => bindExpr(call('coalesce', B(true), I(1)), new Schema([]))).toThrow(TypeMismatchError);
    const rows = [{ a: 1, b: 10 }, { a: null, b: 20 }, { a: null, b: null }];
    expect(evalRows(call('coalesce', col('a'), col('b'), I(-1)), rows, schema(['a', 'int32'], ['b', 'int32']))).toEqual([1, 20, -1]);
  });

  it('coalesce evaluates later arguments only when needed', () => {
    const sch = schema(['a', 'int32']);
    expect(evalRows(call('coalesce', col('a'), OVERFLOW), [{ a: 1 }, { a: 2 }], sch)).toEqual([1, 2]);
    expect(() => evalRows(call('coalesce', col('a'), OVERFLOW), [{ a: 1 }, { a: null }], sch)).toThrow(ArithmeticOverflowError);
    expect(evalRows(call('coalesce', col('a'), I(0), OVERFLOW), [{ a: null }], sch)).toEqual([0]);
    // nested conditionals keep their own laziness
    expect(ev(call('coalesce', I(5), call('coalesce', I(null), OVERFLOW)))).toBe(5);
  });

  it('nvl / ifnull / nvl2', () => {
    expect(ev(call('nvl', I(null), I(7)))).toBe(7);
    expect(ev(call('ifnull', S('x'), S('y')))).toBe('x');
    expect(ev(call('nvl', I(3), OVERFLOW))).toBe(3);
    expect(() => ev(call('nvl', I(null), OVERFLOW))).toThrow(ArithmeticOverflowError);
    expect(ev(call('nvl2', I(null), S('a'), S('b')))).toBe('b');
    expect(ev(call('nvl2', S('z'), S('a'), S('b')))).toBe('a');
    expect(ev(call('nvl2', B(true), I(1), D(2.5)))).toBe(1);
    expect(typeOf(call('nvl2', B(true), I(1), D(2.5)))).toBe('float64');
    expect(ev(call('nvl2', I(1), I(2), OVERFLOW))).toBe(2);
    expect(ev(call('nvl2', I(null), OVERFLOW, I(3)))).toBe(3);
  });

  it('if / iff evaluate only the chosen branch; a null condition is false', () => {
    expect(ev(call('if', B(true), I(1), I(2)))).toBe(1);
    expect(ev(call('if', B(false), I(1), I(2)))).toBe(2);
    expect(ev(call('if', B(null), I(1), I(2)))).toBe(2);
    expect(ev(call('iff', NULL, S('a'), S('b')))).toBe('b');
    expect(ev(call('if', B(true), I(1), OVERFLOW))).toBe(1);
    expect(ev(call('if', B(false), OVERFLOW, I(1)))).toBe(1);
    expect(() => ev(call('if', B(true), OVERFLOW, I(1)))).toThrow(ArithmeticOverflowError);
    expect(ev(call('if', B(true), I(null), I(2)))).toBeNull();
    expect(typeOf(call('if', B(true), I(1), L(2)))).toBe('int64');
    expect(() => bindExpr(call('if', S('x'), I(1), I(2)), new Schema([]))).toThrow(TypeMismatchError);
    const rows = [{ a: 1 }, { a: 5 }, { a: null }];
    expect(evalRows(call('if', call('gt', col('a'), I(2)), S('big'), S('small')), rows, schema(['a', 'int32']))).toEqual(['small', 'big', 'small']);
  });

  it('raise_error fails with its message when evaluated, only in the chosen branch', () => {
    expect(() => ev(call('raise_error', S('boom: bad row')))).toThrow(/^boom: bad row$/);
    expect(() => ev(call('raise_error', S('boom')))).toThrow(ExecutionError);
    expect(() => ev(call('raise_error', lit(null, 'null')))).toThrow(/raise_error\(NULL\)/);
    expect(ev(call('if', B(false), call('raise_error', S('boom')), I(1)))).toBe(1);
    expect(typeOf(call('raise_error', S('x')))).toBe('null');
    expect(() => bindExpr(call('raise_error', I(1)), new Schema([]))).toThrow(TypeMismatchError);
    const rows = [{ a: 1 }, { a: 5 }];
    expect(() => evalRows(call('if', call('gt', col('a'), I(2)), call('raise_error', S('a too big')), col('a')), rows, schema(['a', 'int32']))).toThrow('a too big');
  });

  it('nullif', () => {
    expect(ev(call('nullif', I(1), I(1)))).toBeNull();
    expect(ev(call('nullif', I(1), I(2)))).toBe(1);
    expect(ev(call('nullif', S('a'), S('a')))).toBeNull();
    expect(ev(call('nullif', I(null), I(1)))).toBeNull();
    expect(ev(call('nullif', I(1), I(null)))).toBe(1);
    expect(withX(NaN, (x) => call('nullif', x, call('divide', D(0), D(0))))).toBe(NaN); // divide(0, 0) is null in Kindling
    expect(withX(NaN, (x) => call('nullif', x, x))).toBeNull(); // NaN = NaN in Spark
    expect(ev(call('nullif', I(1), D(1)))).toBeNull();
    expect(ev(call('nullif', I(1), D(1.5)))).toBe(1);
    expect(typeOf(call('nullif', I(1), D(1.5)))).toBe('int32'); // the type of the first argument
    expect(ev(call('nullif', S('1'), I(1)))).toBeNull(); // compared as doubles
    expect(ev(call('nullif', DATE('2024-01-05'), S('2024-01-05')))).toBeNull();
    expect(() => bindExpr(call('nullif', B(true), DATE('2024-01-05')), new Schema([]))).toThrow(TypeMismatchError);
  });
});

// ---------------------------------------------------------------------------------------------
// Cross-check against DuckDB where semantics agree
// ---------------------------------------------------------------------------------------------

describe('cross-check with DuckDB', () => {
  const cases: [string, Expr][] = [
    ['round(2.5::DOUBLE)', call('round', D(2.5))],
    ['round(-2.5::DOUBLE)', call('round', D(-2.5))],
    ['round(123.456::DOUBLE, 1)', call('round', D(123.456), I(1))],
    ['floor(-2.5::DOUBLE)', call('floor', D(-2.5))],
    ['ceil(2.1::DOUBLE)', call('ceil', D(2.1))],
    ['sqrt(2.0)', call('sqrt', D(2))],
    ['exp(1.5)', call('exp', D(1.5))],
    ['ln(10.0)', call('ln', D(10))],
    ['log10(12345.0)', call('log10', D(12345))],
    ['log(2, 1024)', call('log', D(2), D(1024))],
    ['pow(1.5, 3.2)', call('pow', D(1.5), D(3.2))],
    ['atan2(1.0, 2.0)', call('atan2', D(1), D(2))],
    ['degrees(1.0)', call('degrees', D(1))],
    ['radians(90.0)', call('radians', D(90))],
    ['sign(-3.5)', call('signum', D(-3.5))],
    ['cbrt(10.0)', call('cbrt', D(10))],
    ['greatest(1, NULL, 3)', call('greatest', I(1), I(null), I(3))],
    ['least(4.5::DOUBLE, 2, NULL)', call('least', D(4.5), I(2), I(null))],
    ["upper('héllo')", call('upper', S('héllo'))],
    ["length('héllo😀')", call('length', S('héllo😀'))],
    ["substring('hello world', -5, 3)", call('substring', S('hello world'), I(-5), I(3))],
    ["substring('hello world', 3)", call('substring', S('hello world'), I(3))],
    ["split_part('a,b,c', ',', 2)", call('split_part', S('a,b,c'), S(','), I(2))],
    ["split_part('a,b,c', ',', -1)", call('split_part', S('a,b,c'), S(','), I(-1))],
    ["split_part('a,b,c', ',', 7)", call('split_part', S('a,b,c'), S(','), I(7))],
    ["lpad('hi', 5, '??')", call('lpad', S('hi'), I(5), S('??'))],
    ["lpad('hello', 3, 'x')", call('lpad', S('hello'), I(3), S('x'))],
    ["rpad('hi', 6, 'ab')", call('rpad', S('hi'), I(6), S('ab'))],
    ["instr('foobarbar', 'bar')", call('instr', S('foobarbar'), S('bar'))],
    ["reverse('abc😀')", call('reverse', S('abc😀'))],
    ["repeat('ab', 3)", call('repeat', S('ab'), I(3))],
    ["replace('ababab', 'ab', 'x')", call('replace', S('ababab'), S('ab'), S('x'))],
    ["translate('abcabc', 'ab', 'x')", call('translate', S('abcabc'), S('ab'), S('x'))],
    ["starts_with('Spark', 'Sp')", call('startswith', S('Spark'), S('Sp'))],
    ["ends_with('Spark', 'rk')", call('endswith', S('Spark'), S('rk'))],
    ["contains('Spark', 'ar')", call('contains', S('Spark'), S('ar'))],
    ["ascii('A')", call('ascii', S('A'))],
    ["left('Spark SQL', 3)", call('left', S('Spark SQL'), I(3))],
    ["right('Spark SQL', 3)", call('right', S('Spark SQL'), I(3))],
    ["concat_ws('-', 'a', NULL, 'b')", call('concat_ws', S('-'), S('a'), S(null), S('b'))],
    ["regexp_extract('100-200', '(\\d+)-(\\d+)', 2)", call('regexp_extract', S('100-200'), S('(\\d+)-(\\d+)'), I(2))],
    ["regexp_replace('a1b22c', '\\d+', 'X', 'g')", call('regexp_replace', S('a1b22c'), S('\\d+'), S('X'))],
    ["coalesce(NULL, 'x', 'y')", call('coalesce', S(null), S('x'), S('y'))],
    ['nullif(3, 3)', call('nullif', I(3), I(3))],
    ["year(DATE '1999-12-31')", call('year', DATE('1999-12-31'))],
    ["month(DATE '1999-12-31')", call('month', DATE('1999-12-31'))],
    ["day(DATE '2024-02-29')", call('dayofmonth', DATE('2024-02-29'))],
    ["dayofweek(DATE '2024-01-07') + 1", call('dayofweek', DATE('2024-01-07'))],
    ["dayofweek(DATE '1969-07-20') + 1", call('dayofweek', DATE('1969-07-20'))],
    ["dayofyear(DATE '2024-03-01')", call('dayofyear', DATE('2024-03-01'))],
    ["quarter(DATE '2024-11-01')", call('quarter', DATE('2024-11-01'))],
    ["weekofyear(DATE '2021-01-03')", call('weekofyear', DATE('2021-01-03'))],
    ["weekofyear(DATE '2026-12-31')", call('weekofyear', DATE('2026-12-31'))],
    ["last_day(DATE '2024-02-10')", call('last_day', DATE('2024-02-10'))],
    ["CAST(DATE '2024-01-31' + INTERVAL 1 MONTH AS DATE)", call('add_months', DATE('2024-01-31'), I(1))],
    ["DATE '2024-02-28' + 1", call('date_add', DATE('2024-02-28'), I(1))],
    ["date_diff('day', DATE '2023-02-01', DATE '2023-03-01')", call('datediff', DATE('2023-03-01'), DATE('2023-02-01'))],
    ["hour(TIMESTAMP '2024-01-05 13:14:15')", call('hour', TS('2024-01-05T13:14:15'))],
    ["minute(TIMESTAMP '2024-01-05 13:14:15')", call('minute', TS('2024-01-05T13:14:15'))],
    ["second(TIMESTAMP '2024-01-05 13:14:15')", call('second', TS('2024-01-05T13:14:15'))],
    ["date_trunc('month', TIMESTAMP '2024-05-17 10:11:12')", call('date_trunc', S('month'), TS('2024-05-17T10:11:12'))],
    ["date_trunc('week', TIMESTAMP '2024-05-19 10:11:12')", call('date_trunc', S('week'), TS('2024-05-19T10:11:12'))],
    ["date_trunc('quarter', TIMESTAMP '2024-05-19 10:11:12')", call('date_trunc', S('quarter'), TS('2024-05-19T10:11:12'))],
    ["strptime('05/01/2024 13:30', '%d/%m/%Y %H:%M')", call('to_timestamp', S('05/01/2024 13:30'), S('dd/MM/yyyy HH:mm'))],
    ["strftime(TIMESTAMP '2024-01-05 13:04:05', '%Y/%m/%d %H:%M:%S')", call('date_format', TS('2024-01-05T13:04:05'), S('yyyy/MM/dd HH:mm:ss'))],
  ];

  /** DuckDB value → Kindling storage value (bigint → number, date → days, timestamp → micros). */
  function fromDuck(v: unknown): number | string | boolean | null {
    if (v === null || v === undefined) return null;
    if (typeof v === 'bigint') return Number(v);
    if (typeof v === 'object') {
      const o = v as { days?: number; micros?: bigint; scale?: number; value?: bigint };
      if (o.days !== undefined) return o.days;
      if (o.scale !== undefined && o.value !== undefined) return Number(o.value) / 10 ** o.scale;
      if (o.micros !== undefined) return Number(o.micros);
    }
    return v as number | string | boolean;
  }

  it('agrees on a sample of values', async () => {
    const conn = await (await DuckDBInstance.create(':memory:')).connect();
    const sql = `SELECT ${cases.map(([q], i) => `${q} AS c${i}`).join(', ')}`;
    const row = (await conn.runAndReadAll(sql)).getRowObjects()[0] as Row;
    cases.forEach(([q, e], i) => {
      const want = fromDuck(row[`c${i}`]);
      const got = storage(e);
      if (typeof want === 'number' && typeof got === 'number' && !Number.isInteger(want)) {
        expect(got, q).toBeCloseTo(want, 12);
      } else {
        expect(got, q).toEqual(want);
      }
    });
  });
});

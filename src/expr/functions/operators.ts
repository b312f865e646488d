/**
 * Operator functions: arithmetic, comparison, boolean logic with SQL three-valued null semantics,
 * null tests, IN, LIKE / RLIKE / ILIKE. Registered under internal names (`add`, `eq`, `and`, ...)
 * that the Column API and the SQL planner both use.
 */
import { type DataType, type DecimalType, adjustedDecimal, arithmeticType, asDecimal, commonType, decimalParams, isDecimal, isNested, isNumeric } from '../../types.js';
import { type FunctionRegistry, type ResolvedSignature, type ScalarFunctionDef, typeError } from '../function-defs.js';
import type { BoundExpr } from '../expr.js';

/**
 * Decimal operands of a binary operator: when one side is a decimal and the other an int, long,
 * decimal or null, both as decimals (ints as decimal(10,0), longs as decimal(20,0), null as the
 * other side's type), else undefined (a double or string operand makes the operation double).
 */
function decimalOperands(a: DataType, b: DataType, args?: readonly BoundExpr[]): [DecimalType, DecimalType] | undefined {
  if (!isDecimal(a) && !isDecimal(b)) return undefined;
  const x = a === 'null' ? asDecimal(b) : literalDecimal(args?.[0]) ?? asDecimal(a);
  const y = b === 'null' ? asDecimal(a) : literalDecimal(args?.[1]) ?? asDecimal(b);
  return x && y ? [x, y] : undefined;
}

/** Spark's `DecimalType.fromLiteral` next to a decimal: an integer literal as decimal(its digits, 0), so `price * 2` stays narrow. */
function literalDecimal(e: BoundExpr | undefined): DecimalType | undefined {
  if (!e || e.kind !== 'lit' || (e.type !== 'int32' && e.type !== 'int64') || typeof e.value !== 'number') return undefined;
  return `decimal(${Math.max(1, String(Math.abs(e.value)).length)},0)`;
}

/**
 * Spark's result type of a decimal operator (DecimalPrecision, allowPrecisionLoss = true):
 * + and -: scale max(s1,s2), precision max(p1-s1,p2-s2) + scale + 1; *: p1+p2+1, s1+s2;
 * /: scale max(6, s1+p2+1), precision p1-s1+s2 + scale; %: min(p1-s1,p2-s2) + max(s1,s2), max(s1,s2);
 * over 38 digits, adjusted by `adjustedDecimal`.
 */
export function decimalResultType(op: string, a: DecimalType, b: DecimalType): DecimalType {
  const { precision: p1, scale: s1 } = decimalParams(a);
  const { precision: p2, scale: s2 } = decimalParams(b);
  switch (op) {
    case '+': case '-': {
      const s = Math.max(s1, s2);
      return adjustedDecimal(Math.max(p1 - s1, p2 - s2) + s + 1, s);
    }
    case '*': return adjustedDecimal(p1 + p2 + 1, s1 + s2);
    case '/': {
      const s = Math.max(6, s1 + p2 + 1);
      return adjustedDecimal(p1 - s1 + s2 + s, s);
    }
    default: {
      const s = Math.max(s1, s2);
      return adjustedDecimal(Math.min(p1 - s1, p2 - s2) + s, s);
    }
  }
}

function decimalSignature(op: string, a: DataType, b: DataType, args?: readonly BoundExpr[]): ResolvedSignature | undefined {
  const d = decimalOperands(a, b, args);
  return d && { type: decimalResultType(op, d[0], d[1]), argTypes: d };
}

const pow10 = (k: number): string => `${10n ** BigInt(k)}n`;

/**
 * Code for a decimal operator over unscaled bigints `a` (scale s1) and `b` (scale s2) giving
 * `type`: exact, then rounded HALF_UP only where the result scale is below the exact one
 * (precision-loss adjustment, division), then checked against the precision.
 */
function decimalTemplate(op: string, a: string, b: string, argTypes: readonly DataType[], type: DataType): string {
  const s1 = decimalParams(argTypes[0] as DecimalType).scale;
  const s2 = decimalParams(argTypes[1] as DecimalType).scale;
  const s = decimalParams(type as DecimalType).scale;
  const q = `'${type}'`;
  const at = (v: string, k: number) => (k === 0 ? v : `${v} * ${pow10(k)}`);
  const round = (v: string, exact: number) => (exact === s ? v : `R.decDivUp(${v}, ${pow10(exact - s)})`);
  switch (op) {
    case '+': case '-': {
      const sx = Math.max(s1, s2);
      return `R.decChk(${round(`(${at(a, sx - s1)} ${op} ${at(b, sx - s2)})`, sx)}, ${q}, 'decimal ${op}')`;
    }
    case '*': return `R.decChk(${round(`(${a} * ${b})`, s1 + s2)}, ${q}, 'decimal *')`;
    case '/': {
      const k = s - s1 + s2;
      return `R.decDiv(${a}, ${b}, ${k >= 0 ? pow10(k) : '1n'}, ${k >= 0 ? '1n' : pow10(-k)}, ${q})`;
    }
    default: {
      const sx = Math.max(s1, s2);
      return `(${b} === 0n ? null : R.decChk(${round(`(${at(a, sx - s1)} % ${at(b, sx - s2)})`, sx)}, ${q}, 'decimal %'))`;
    }
  }
}

function arith(name: string, op: string): ScalarFunctionDef {
  return {
    name, arity: [2, 2], doc: `a ${op} b`,
    resolve(argTypes, display, args) {
      const [a, b] = argTypes as [DataType, DataType];
      if ((name === 'add' || name === 'subtract') && a === 'date32' && (b === 'int32' || b === 'int64')) return { type: 'date32', argTypes: ['date32', 'int32'] };
      if (name === 'add' && b === 'date32' && (a === 'int32' || a === 'int64')) return { type: 'date32', argTypes: ['int32', 'date32'] };
      if (name === 'subtract' && a === 'date32' && b === 'date32') return { type: 'int32', argTypes: ['date32', 'date32'] };
      const dec = decimalSignature(op, a, b, args);
      if (dec) return dec;
      const t = numericOperands(a, b);
      if (!t) throw typeError(display, argTypes, `numeric operands for '${op}'`);
      return { type: t, argTypes: [t, t] };
    },
    template([a, b], argTypes, type) {
      if (isDecimal(type)) return decimalTemplate(op, a!, b!, argTypes, type);
      const raw = `(${a} ${op} ${b})`;
      if (type === 'int32' || type === 'date32') return `R.chk32${raw}`;
      if (type === 'int64') return `R.chk64${raw}`;
      return raw;
    },
  };
}

/** Common numeric type of two operands; strings are read as doubles (Spark's implicit cast). */
function numericOperands(a: DataType, b: DataType): DataType | undefined {
  const na = a === 'utf8' ? 'float64' : a;
  const nb = b === 'utf8' ? 'float64' : b;
  if (na === 'null' && nb === 'null') return 'int32';
  const t = arithmeticType(na, nb);
  return t && t !== 'null' ? t : undefined;
}

/** Operand type for a comparison of `a` and `b` (Spark's implicit casts), or undefined. */
export function comparisonType(a: DataType, b: DataType): DataType | undefined {
  const t = commonType(a, b);
  if (t) return t === 'null' ? 'boolean' : t;
  if (a === 'utf8' && (isNumeric(b) || isDecimal(b))) return 'float64';
  if (b === 'utf8' && (isNumeric(a) || isDecimal(a))) return 'float64';
  if (a === 'utf8' && (b === 'date32' || b === 'timestamp')) return b;
  if (b === 'utf8' && (a === 'date32' || a === 'timestamp')) return a;
  if (a === 'boolean' && b === 'utf8') return 'boolean';
  if (b === 'boolean' && a === 'utf8') return 'boolean';
  return undefined;
}

function compare(name: string, op: string, sqlOp: string): ScalarFunctionDef {
  return {
    name, arity: [2, 2], doc: `a ${sqlOp} b`,
    resolve(argTypes, display) {
      const t = comparisonType(argTypes[0]!, argTypes[1]!);
      if (!t) throw typeError(display, argTypes, `comparable operands for '${sqlOp}' (cast one side)`);
      if (isNested(t)) throw typeError(display, argTypes, `scalar operands for '${sqlOp}': arrays, structs and maps are not compared yet; compare their elements or fields (or to_json() of them)`);
      return { type: 'boolean', argTypes: [t, t] };
    },
    template: ([a, b]) => `(${a} ${op} ${b})`,
  };
}

function logic(name: 'and' | 'or'): ScalarFunctionDef {
  return {
    name, arity: [2, 2], nulls: 'custom', doc: `a ${name.toUpperCase()} b with SQL three-valued logic`,
    resolve(argTypes, display) {
      for (const t of argTypes) if (t !== 'boolean' && t !== 'null') throw typeError(display, argTypes, `boolean operands for ${name.toUpperCase()}`);
      return { type: 'boolean', argTypes: ['boolean', 'boolean'] };
    },
    generate(ctx, _t, _r, out) {
      const a = ctx.arg(0);
      const b = ctx.arg(1);
      // AND: false dominates; OR: true dominates; otherwise null if either is null.
      const dom = name === 'and' ? 'false' : 'true';
      return `if ((!${a.n} && ${a.v} === ${dom}) || (!${b.n} && ${b.v} === ${dom})) { ${out.n} = false; ${out.v} = ${dom}; }
else if (${a.n} || ${b.n}) { ${out.n} = true; ${out.v} = false; }
else { ${out.n} = false; ${out.v} = ${name === 'and' ? 'true' : 'false'}; }`;
    },
  };
}

function boolArg(name: string) {
  return (argTypes: readonly DataType[], display: string) => {
    if (argTypes[0] !== 'boolean' && argTypes[0] !== 'null') throw typeError(display, argTypes, `a boolean argument for ${name}`);
    return { type: 'boolean' as DataType, argTypes: ['boolean' as DataType] };
  };
}

function stringPattern(name: string, call: string): ScalarFunctionDef {
  return {
    name, arity: [2, 2], doc: `str ${name.toUpperCase()} pattern`,
    resolve(argTypes, display) {
      for (const t of argTypes) if (t !== 'utf8' && t !== 'null') throw typeError(display, argTypes, `string operands for ${name.toUpperCase()}`);
      return { type: 'boolean', argTypes: ['utf8', 'utf8'] };
    },
    template: ([s, p]) => `R.${call}(${s}, ${p})`,
  };
}

const DEFS: ScalarFunctionDef[] = [
  arith('add', '+'),
  arith('subtract', '-'),
  arith('multiply', '*'),
  {
    name: 'divide', arity: [2, 2], doc: 'a / b as double (as a decimal when an operand is a decimal and the other is not a double); null when b is 0 (Spark default)', mayReturnNull: true,
    resolve(argTypes, display, args) {
      const dec = decimalSignature('/', argTypes[0]!, argTypes[1]!, args);
      if (dec) return dec;
      const t = numericOperands(argTypes[0]!, argTypes[1]!);
      if (!t) throw typeError(display, argTypes, "numeric operands for '/'");
      return { type: 'float64', argTypes: ['float64', 'float64'] };
    },
    template: ([a, b], argTypes, type) => (isDecimal(type) ? decimalTemplate('/', a!, b!, argTypes, type) : `(${b} === 0 ? null : ${a} / ${b})`),
  },
  {
    name: 'mod', aliases: ['%'], arity: [2, 2], doc: 'a % b (sign of a); null when b is 0', mayReturnNull: true,
    resolve(argTypes, display, args) {
      const dec = decimalSignature('%', argTypes[0]!, argTypes[1]!, args);
      if (dec) return dec;
      const t = numericOperands(argTypes[0]!, argTypes[1]!);
      if (!t) throw typeError(display, argTypes, "numeric operands for '%'");
      return { type: t, argTypes: [t, t] };
    },
    template: ([a, b], argTypes, type) => (isDecimal(type) ? decimalTemplate('%', a!, b!, argTypes, type) : `(${b} === 0 ? null : ${a} % ${b})`),
  },
  {
    name: 'negative', arity: [1, 1], doc: '-a',
    resolve(argTypes, display) {
      const t = argTypes[0]!;
      if (!isNumeric(t) && !isDecimal(t) && t !== 'null') throw typeError(display, argTypes, 'a numeric argument');
      return { type: t === 'null' ? 'int32' : t, argTypes: [t === 'null' ? 'int32' : t] };
    },
    template: ([a], _argTypes, type) => (isDecimal(type) ? `(-${a})` : `(0 - ${a})`),
  },
  compare('eq', '===', '='),
  compare('neq', '!==', '!='),
  compare('lt', '<', '<'),
  compare('lte', '<=', '<='),
  compare('gt', '>', '>'),
  compare('gte', '>=', '>='),
  {
    name: 'eq_null_safe', arity: [2, 2], nulls: 'custom', doc: 'a <=> b: equality where null <=> null is true',
    resolve(argTypes, display) {
      const t = comparisonType(argTypes[0]!, argTypes[1]!);
      if (!t) throw typeError(display, argTypes, "comparable operands for '<=>'");
      return { type: 'boolean', argTypes: [t, t] };
    },
    generate(ctx, _t, _r, out) {
      const a = ctx.arg(0);
      const b = ctx.arg(1);
      return `${out.n} = false; ${out.v} = (${a.n} || ${b.n}) ? (${a.n} && ${b.n}) : ${a.v} === ${b.v};`;
    },
  },
  logic('and'),
  logic('or'),
  { name: 'not', arity: [1, 1], doc: 'NOT a', resolve: boolArg('NOT'), template: ([a]) => `(!${a})` },
  {
    name: 'isnull', arity: [1, 1], nulls: 'custom', doc: 'a IS NULL',
    resolve: (argTypes) => ({ type: 'boolean', argTypes }),
    generate: (ctx, _t, _r, out) => `${out.n} = false; ${out.v} = ${ctx.arg(0).n};`,
  },
  {
    name: 'isnotnull', arity: [1, 1], nulls: 'custom', doc: 'a IS NOT NULL',
    resolve: (argTypes) => ({ type: 'boolean', argTypes }),
    generate: (ctx, _t, _r, out) => `${out.n} = false; ${out.v} = !${ctx.arg(0).n};`,
  },
  {
    name: 'isnan', arity: [1, 1], doc: 'true if a is NaN',
    resolve(argTypes, display) {
      if (!isNumeric(argTypes[0]!) && argTypes[0] !== 'null') throw typeError(display, argTypes, 'a numeric argument');
      return { type: 'boolean', argTypes: ['float64'] };
    },
    template: ([a]) => `Number.isNaN(${a})`,
  },
  {
    name: 'in', arity: [2, Infinity], nulls: 'custom',
    doc: 'a IN (b, c, ...): null if a is null, or if no match and the list holds a null',
    resolve(argTypes, display) {
      // Null literals (the tested value or list items) take the others' type: NULL IN (NULL, 1) is int.
      const typed = argTypes.filter((x) => x !== 'null');
      let t: DataType | undefined = typed[0] ?? 'boolean';
      for (const x of typed.slice(1)) {
        t = t && comparisonType(t, x);
        if (t === 'boolean' && argTypes[0] !== 'boolean' && argTypes[0] !== 'null') t = commonType(argTypes[0]!, x) ?? t;
      }
      if (!t) throw typeError(display, argTypes, 'list values of the same type as the tested value');
      return { type: 'boolean', argTypes: argTypes.map(() => t!) };
    },
    generate(ctx, argTypes, _r, out) {
      const x = ctx.arg(0);
      let code = `${out.n} = ${x.n}; ${out.v} = false;\nif (!${x.n}) { let sawNull = false;\n`;
      for (let i = 1; i < argTypes.length; i++) {
        const y = ctx.arg(i);
        code += `if (${y.n}) sawNull = true; else if (${y.v} === ${x.v}) ${out.v} = true;\n`;
      }
      code += `if (!${out.v} && sawNull) ${out.n} = true; }`;
      return code;
    },
  },
  stringPattern('like', 'like'),
  stringPattern('ilike', 'ilike'),
  { ...stringPattern('rlike', 'rlike'), aliases: ['regexp', 'regexp_like'] },
];

/** Registers the module's functions. */
export function register(registry: FunctionRegistry): void {
  registry.registerScalar(...DEFS);
}

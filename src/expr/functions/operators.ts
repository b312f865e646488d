/**
 * Operator functions: arithmetic, comparison, boolean logic with SQL three-valued null semantics,
 * null tests, IN, LIKE / RLIKE / ILIKE. Registered under internal names (`add`, `eq`, `and`, ...)
 * that the Column API and the SQL planner both use.
 */
import { type DataType, arithmeticType, commonType, isNumeric } from '../../types.js';
import { type FunctionRegistry, type ScalarFunctionDef, typeError } from '../function-defs.js';

function arith(name: string, op: string): ScalarFunctionDef {
  return {
    name, arity: [2, 2], doc: `a ${op} b`,
    resolve(argTypes, display) {
      const [a, b] = argTypes as [DataType, DataType];
      if ((name === 'add' || name === 'subtract') && a === 'date32' && (b === 'int32' || b === 'int64')) return { type: 'date32', argTypes: ['date32', 'int32'] };
      if (name === 'add' && b === 'date32' && (a === 'int32' || a === 'int64')) return { type: 'date32', argTypes: ['int32', 'date32'] };
      if (name === 'subtract' && a === 'date32' && b === 'date32') return { type: 'int32', argTypes: ['date32', 'date32'] };
      const t = numericOperands(a, b);
      if (!t) throw typeError(display, argTypes, `numeric operands for '${op}'`);
      return { type: t, argTypes: [t, t] };
    },
    template([a, b], _argTypes, type) {
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
  if (a === 'utf8' && isNumeric(b)) return b === 'float64' ? 'float64' : 'float64';
  if (b === 'utf8' && isNumeric(a)) return 'float64';
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
    name: 'divide', arity: [2, 2], doc: 'a / b as double; null when b is 0 (Spark default)', mayReturnNull: true,
    resolve(argTypes, display) {
      const t = numericOperands(argTypes[0]!, argTypes[1]!);
      if (!t) throw typeError(display, argTypes, "numeric operands for '/'");
      return { type: 'float64', argTypes: ['float64', 'float64'] };
    },
    template: ([a, b]) => `(${b} === 0 ? null : ${a} / ${b})`,
  },
  {
    name: 'mod', aliases: ['%'], arity: [2, 2], doc: 'a % b (sign of a); null when b is 0', mayReturnNull: true,
    resolve(argTypes, display) {
      const t = numericOperands(argTypes[0]!, argTypes[1]!);
      if (!t) throw typeError(display, argTypes, "numeric operands for '%'");
      return { type: t, argTypes: [t, t] };
    },
    template: ([a, b]) => `(${b} === 0 ? null : ${a} % ${b})`,
  },
  {
    name: 'negative', arity: [1, 1], doc: '-a',
    resolve(argTypes, display) {
      const t = argTypes[0]!;
      if (!isNumeric(t) && t !== 'null') throw typeError(display, argTypes, 'a numeric argument');
      return { type: t === 'null' ? 'int32' : t, argTypes: [t === 'null' ? 'int32' : t] };
    },
    template: ([a]) => `(0 - ${a})`,
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

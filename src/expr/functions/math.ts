/**
 * Math functions with Spark semantics: abs, round (HALF_UP) / bround (HALF_EVEN) on the decimal
 * value of a double (Spark rounds `BigDecimal(Double.toString(x))`, so round(2.675, 2) = 2.68),
 * floor / ceil (→ long), the double-valued functions (sqrt, exp, log family, trigonometry, pow, ...),
 * pmod, greatest / least (skip nulls), nanvl, rand / randn and the constants e() / pi().
 *
 * Implicit casts follow Spark: numeric strings are read as doubles; booleans, dates and timestamps
 * are rejected with a TypeMismatchError. Log functions return null for arguments ≤ 0 (Spark's
 * Logarithm), while sqrt(-1) is NaN, as in Spark.
 */
import { type DataType, type DecimalType, boundedDecimal, decimalParams, isDecimal, isIntegral } from '../../types.js';
import { type FunctionRegistry, type ScalarFunctionDef, typeError } from '../function-defs.js';
import type { BoundExpr } from '../expr.js';
import { defaultValue, intArg, isArrayType, lazyArg, numericArg, requireDoubles, widerType } from './helpers.js';

// ---------------------------------------------------------------------------------------------
// Rounding on the decimal representation (Spark's BigDecimal(d).setScale(scale, mode))
// ---------------------------------------------------------------------------------------------

/**
 * Rounds `x` to `scale` decimal places (negative: tens, hundreds, ...) on its shortest decimal
 * representation, HALF_UP (away from zero) or HALF_EVEN. Infinite / NaN values pass through.
 */
export function roundDecimal(x: number, scale: number, halfEven: boolean): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const neg = x < 0;
  const ax = neg ? -x : x;
  if (scale === 0 && ax < 4503599627370496) {
    // Fast path: the fraction ax - floor(ax) is exact for |x| < 2^52.
    const f = Math.floor(ax);
    const d = ax - f;
    let r: number;
    if (d > 0.5) r = f + 1;
    else if (d < 0.5) r = f;
    else r = halfEven ? (f % 2 === 0 ? f : f + 1) : f + 1;
    return neg && r !== 0 ? -r : r;
  }
  if (scale > 0 && scale <= 15 && ax < 1e15) {
    // Fast path: decide on the scaled binary value unless it is within rounding noise of a tie
    // (where the decimal representation has to decide), then divide exactly-representable
    // integers, which gives the correctly rounded double of the decimal result.
    const p = POW10[scale]!;
    const y = ax * p;
    if (y < 4503599627370496) {
      const f = Math.floor(y);
      const d = y - f;
      if (Math.abs(d - 0.5) > y * 4e-16 + 1e-300) {
        const r = (d > 0.5 ? f + 1 : f) / p;
        return neg && r !== 0 ? -r : r;
      }
    }
  }
  let s = String(ax);
  let exp = 0;
  const ei = s.indexOf('e');
  if (ei >= 0) {
    exp = Number(s.slice(ei + 1));
    s = s.slice(0, ei);
  }
  const dot = s.indexOf('.');
  let digits: string;
  let point: number; // value = 0.digits × 10^point, i.e. `point` digits before the decimal point
  if (dot >= 0) {
    digits = s.slice(0, dot) + s.slice(dot + 1);
    point = dot + exp;
  } else {
    digits = s;
    point = s.length + exp;
  }
  const keep = point + scale; // digits kept
  if (keep >= digits.length) return x; // nothing beyond the scale
  if (keep < 0) return 0; // the first dropped digit is an implied 0
  const first = digits.charCodeAt(keep) - 48;
  let up: boolean;
  if (first > 5) up = true;
  else if (first < 5) up = false;
  else if (!halfEven) up = true;
  else {
    up = false;
    for (let i = keep + 1; i < digits.length; i++) if (digits.charCodeAt(i) !== 48) { up = true; break; }
    if (!up) up = keep > 0 && (digits.charCodeAt(keep - 1) - 48) % 2 === 1;
  }
  let kept = digits.slice(0, keep);
  if (up) kept = incrementDigits(kept);
  const r = kept === '' ? 0 : Number(`${kept}e${-scale}`);
  return neg && r !== 0 ? -r : r;
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

function incrementDigits(d: string): string {
  const a = d.split('');
  let i = a.length - 1;
  for (; i >= 0; i--) {
    if (a[i] === '9') a[i] = '0';
    else {
      a[i] = String.fromCharCode(a[i]!.charCodeAt(0) + 1);
      break;
    }
  }
  return (i < 0 ? '1' : '') + a.join('');
}

function roundHalfUp(x: number, scale: number): number {
  return roundDecimal(x, scale, false);
}
function roundHalfEven(x: number, scale: number): number {
  return roundDecimal(x, scale, true);
}
function roundIntHalfUp(x: number, scale: number): number {
  return scale >= 0 ? x : roundDecimal(x, scale, false);
}
function roundIntHalfEven(x: number, scale: number): number {
  return scale >= 0 ? x : roundDecimal(x, scale, true);
}

/** The constant scale argument of round / bround on a decimal (Spark requires a foldable int). */
function decimalRoundScale(args: readonly BoundExpr[] | undefined, display: string): number {
  if (!args || args.length < 2) return 0;
  let a = args[1]!;
  while (a.kind === 'cast') a = a.expr;
  if (a.kind !== 'lit' || typeof a.value !== 'number' || !Number.isInteger(a.value)) {
    throw typeError(display, args.map((x) => x.type), 'a constant integer scale when rounding a decimal');
  }
  return a.value;
}

/**
 * Spark's round/bround type on decimal(p,s) with scale d: decimal(p-s+1+min(s,d), min(s,d)) for
 * d ≥ 0, decimal(max(p-s+1, 1-d), 0) for d < 0 (bounded at 38).
 */
function decimalRoundType(t: DecimalType, d: number): DecimalType {
  const { precision: p, scale: s } = decimalParams(t);
  if (d < 0) return boundedDecimal(Math.max(p - s + 1, -d + 1), 0);
  const ns = Math.min(s, d);
  return boundedDecimal(p - s + 1 + ns, ns);
}

function rounding(name: string, halfEven: boolean): ScalarFunctionDef {
  const mode = halfEven ? 'HALF_EVEN (bankers\' rounding)' : 'HALF_UP (halves away from zero)';
  return {
    name, arity: [1, 2], nulls: 'custom',
    doc: `${name}(x[, scale]): x rounded to scale decimal places (default 0; negative rounds left of the point) with ${mode}; integers stay integers, decimal(p,s) gives Spark's decimal(p-s+1+min(s,scale), min(s,scale))`,
    resolve(argTypes, display, args) {
      if (isDecimal(argTypes[0]!)) {
        const d = decimalRoundScale(args, display);
        return { type: decimalRoundType(argTypes[0], d), argTypes: argTypes.length > 1 ? [argTypes[0], 'int32'] : [argTypes[0]] };
      }
      const t = numericArg(argTypes[0]!);
      const s = argTypes.length > 1 ? intArg(argTypes[1]!) : 'int32';
      if (t === undefined || s === undefined) throw typeError(display, argTypes, `${name}(numeric[, int])`);
      return { type: t, argTypes: argTypes.length > 1 ? [t, 'int32'] : [t] };
    },
    // Custom only so the optional scale can default to 0; still strict in all arguments.
    generate(ctx, argTypes, type, out) {
      const x = ctx.arg(0);
      const s = argTypes.length > 1 ? ctx.arg(1) : { v: '0', n: 'false' };
      if (isDecimal(type)) {
        // Unscaled at scale s1 → result scale s2 (the scale argument is a constant d): drop s1 - d digits, pad back to s2 when d < 0.
        const s1 = decimalParams(argTypes[0] as DecimalType).scale;
        const s2 = decimalParams(type as DecimalType).scale;
        return `if (${x.n} || ${s.n}) { ${out.n} = true; ${out.v} = 0n; } else { ${out.n} = false; ${out.v} = R.decRound(${x.v}, ${s1}, ${s.v}, ${s2}, ${halfEven}, '${type}'); }`;
      }
      const fn = isIntegral(type) ? (halfEven ? roundIntHalfEven : roundIntHalfUp) : halfEven ? roundHalfEven : roundHalfUp;
      const call = `${ctx.constant(fn)}(${x.v}, ${s.v})`;
      const wrapped = type === 'int64' ? `R.chk64(${call})` : call;
      return `if (${x.n} || ${s.n}) { ${out.n} = true; ${out.v} = ${defaultValue(type)}; } else { ${out.n} = false; ${out.v} = ${wrapped}; }`;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Definition builders
// ---------------------------------------------------------------------------------------------

/** A double → double function given as a JS expression. */
function unaryDouble(name: string, doc: string, tpl: (a: string) => string, opts: { aliases?: string[]; mayReturnNull?: boolean } = {}): ScalarFunctionDef {
  return {
    name, arity: [1, 1], doc,
    ...(opts.aliases ? { aliases: opts.aliases } : {}),
    ...(opts.mayReturnNull ? { mayReturnNull: true } : {}),
    resolve(argTypes, display) {
      return { type: 'float64', argTypes: requireDoubles(argTypes, display, `a numeric argument for ${name}`) };
    },
    template: ([a]) => tpl(a!),
  };
}

/** A (double, double) → double function given as a JS expression. */
function binaryDouble(name: string, doc: string, tpl: (a: string, b: string) => string, aliases?: string[]): ScalarFunctionDef {
  return {
    name, arity: [2, 2], doc,
    ...(aliases ? { aliases } : {}),
    resolve(argTypes, display) {
      return { type: 'float64', argTypes: requireDoubles(argTypes, display, `numeric arguments for ${name}`) };
    },
    template: ([a, b]) => tpl(a!, b!),
  };
}

/** floor / ceil: integral input passes through as long; doubles are rounded to a long (NaN → 0, like Spark). */
function floorCeil(name: 'floor' | 'ceil', aliases?: string[]): ScalarFunctionDef {
  const fn = name === 'floor' ? 'Math.floor' : 'Math.ceil';
  return {
    name, arity: [1, 1],
    doc: `${name}(x): the ${name === 'floor' ? 'largest' : 'smallest'} integer ${name === 'floor' ? 'not greater' : 'not less'} than x, as a long (NaN → 0; beyond ±2^53 raises ArithmeticOverflowError); decimal(p,s) gives decimal(p-s+1,0)`,
    ...(aliases ? { aliases } : {}),
    resolve(argTypes, display) {
      if (isDecimal(argTypes[0]!)) {
        const { precision: p, scale: s } = decimalParams(argTypes[0]);
        return { type: boundedDecimal(p - s + 1, 0), argTypes: [argTypes[0]] };
      }
      const t = numericArg(argTypes[0]!);
      if (t === undefined) throw typeError(display, argTypes, `a numeric argument for ${name}`);
      return { type: 'int64', argTypes: [isIntegral(t) ? 'int64' : 'float64'] };
    },
    template: ([a], argTypes) => (isDecimal(argTypes[0]!)
      ? `R.decFloorCeil(${a}, ${decimalParams(argTypes[0]).scale}, ${name === 'floor'})`
      : argTypes[0] === 'int64' ? a! : `R.chk64(${fn}(${a}) || 0)`),
  };
}

/** greatest / least: the largest / smallest non-null argument; null only when all are null. */
function extremum(name: 'greatest' | 'least'): ScalarFunctionDef {
  return {
    name, arity: [2, Infinity], nulls: 'custom',
    doc: `${name}(a, b, ...): the ${name === 'greatest' ? 'largest' : 'smallest'} non-null argument (null only if all are null); NaN counts as larger than any number`,
    resolve(argTypes, display) {
      const t = argTypes.some(isArrayType) ? undefined : widerType(argTypes);
      if (t === undefined) throw typeError(display, argTypes, `arguments of one comparable (non-array) type for ${name}`);
      return { type: t, argTypes: argTypes.map(() => t) };
    },
    generate(ctx, argTypes, type, out) {
      let code = `${out.n} = true; ${out.v} = ${defaultValue(type)};\n`;
      for (let i = 0; i < argTypes.length; i++) {
        const a = ctx.arg(i);
        let better: string;
        if (type === 'float64') {
          // Spark orders NaN above every other double.
          better = name === 'greatest'
            ? `(${a.v} > ${out.v} || (${a.v} !== ${a.v} && ${out.v} === ${out.v}))`
            : `(${a.v} < ${out.v} || (${out.v} !== ${out.v} && ${a.v} === ${a.v}))`;
        } else {
          better = `${a.v} ${name === 'greatest' ? '>' : '<'} ${out.v}`;
        }
        code += `if (!${a.n} && (${out.n} || ${better})) { ${out.v} = ${a.v}; ${out.n} = false; }\n`;
      }
      return code;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// rand / randn
// ---------------------------------------------------------------------------------------------

/**
 * A small, fast seeded PRNG (sfc32 seeded through splitmix32) producing doubles in [0, 1) with
 * 53 random bits, and standard normal values by the Marsaglia polar method.
 */
export class SeededRandom {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;
  private spare = NaN;
  /** The seed the state was last initialised from (`undefined` before first use). */
  seed: number | undefined = undefined;

  /** Re-initialises the stream from `seed` (any finite number; integers expected). */
  reseed(seed: number): void {
    this.seed = seed;
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 4294967296) >>> 0;
    let s = (lo ^ Math.imul(hi, 0x9e3779b9)) >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next() ^ hi;
    this.spare = NaN;
    for (let i = 0; i < 12; i++) this.u32();
  }

  private u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform double in [0, 1). */
  nextDouble(): number {
    return ((this.u32() >>> 5) * 67108864 + (this.u32() >>> 6)) / 9007199254740992;
  }

  /** Standard normal double. */
  nextGaussian(): number {
    if (this.spare === this.spare) {
      const s = this.spare;
      this.spare = NaN;
      return s;
    }
    let u: number, v: number, q: number;
    do {
      u = 2 * this.nextDouble() - 1;
      v = 2 * this.nextDouble() - 1;
      q = u * u + v * v;
    } while (q >= 1 || q === 0);
    const m = Math.sqrt((-2 * Math.log(q)) / q);
    this.spare = v * m;
    return u * m;
  }
}

function randomFn(name: 'rand' | 'randn'): ScalarFunctionDef {
  const what = name === 'rand' ? 'uniformly distributed in [0, 1)' : 'from the standard normal distribution';
  return {
    name, arity: [0, 1], nulls: 'custom', deterministic: false,
    ...(name === 'rand' ? { aliases: ['random'] } : {}),
    doc: `${name}([seed]): a random double ${what}. Each call site has its own stream, seeded once from seed ` +
      '(an int/long literal; null means 0; omitted: a random seed). The sequence is per partition in spirit, as in ' +
      'Spark (which reseeds each partition with seed + partitionIndex): values depend on how rows are split into ' +
      'partitions and batches. Today the stream lives with the compiled expression, which is cached per worker, ' +
      'so it continues across the batches and partitions that worker evaluates (and across queries in one ' +
      'process) instead of restarting per partition',
    resolve(argTypes, display) {
      const s = argTypes[0];
      if (s !== undefined && s !== 'int32' && s !== 'int64' && s !== 'null') throw typeError(display, argTypes, `an int or long literal seed for ${name}`);
      return { type: 'float64', argTypes: s === undefined ? [] : [s === 'null' ? 'int64' : s] };
    },
    generate(ctx, argTypes, _type, out) {
      const rng = new SeededRandom();
      const st = ctx.constant(rng);
      let seedExpr: string;
      if (argTypes.length === 0) {
        seedExpr = String(Math.floor(Math.random() * 2 ** 52));
      } else {
        const a = ctx.arg(0);
        seedExpr = `(${a.n} ? 0 : ${a.v})`;
      }
      const next = name === 'rand' ? 'nextDouble' : 'nextGaussian';
      return `if (${st}.seed === undefined) ${st}.reseed(${seedExpr}); ${out.n} = false; ${out.v} = ${st}.${next}();`;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Registrations
// ---------------------------------------------------------------------------------------------

const DEFS: ScalarFunctionDef[] = [
  {
    name: 'abs', arity: [1, 1], doc: 'abs(x): absolute value, of the same numeric type (int overflow wraps like Spark: abs(-2147483648) = -2147483648)',
    resolve(argTypes, display) {
      if (isDecimal(argTypes[0]!)) return { type: argTypes[0], argTypes: [argTypes[0]] };
      const t = numericArg(argTypes[0]!);
      if (t === undefined) throw typeError(display, argTypes, 'a numeric argument for abs');
      return { type: t, argTypes: [t] };
    },
    template: ([a], _argTypes, type) => (isDecimal(type) ? `(${a} < 0n ? -${a} : ${a})` : `Math.abs(${a})`),
  },
  rounding('round', false),
  rounding('bround', true),
  floorCeil('floor'),
  floorCeil('ceil', ['ceiling']),
  unaryDouble('sqrt', 'sqrt(x): square root (NaN for negative x, like Spark)', (a) => `Math.sqrt(${a})`),
  unaryDouble('cbrt', 'cbrt(x): cube root', (a) => `Math.cbrt(${a})`),
  unaryDouble('exp', 'exp(x): e raised to x', (a) => `Math.exp(${a})`),
  unaryDouble('expm1', 'expm1(x): exp(x) - 1', (a) => `Math.expm1(${a})`),
  {
    name: 'log', arity: [1, 2], mayReturnNull: true,
    doc: 'log(x): natural logarithm; log(base, x): logarithm of x to base. Null when x ≤ 0 or base ≤ 0 (Spark)',
    resolve(argTypes, display) {
      return { type: 'float64', argTypes: requireDoubles(argTypes, display, 'numeric arguments for log') };
    },
    template: (args) => args.length === 1
      ? `(${args[0]} <= 0 ? null : Math.log(${args[0]}))`
      : `(${args[0]} <= 0 || ${args[1]} <= 0 ? null : Math.log(${args[1]}) / Math.log(${args[0]}))`,
  },
  unaryDouble('ln', 'ln(x): natural logarithm; null when x ≤ 0', (a) => `(${a} <= 0 ? null : Math.log(${a}))`, { mayReturnNull: true }),
  unaryDouble('log10', 'log10(x): base-10 logarithm; null when x ≤ 0', (a) => `(${a} <= 0 ? null : Math.log10(${a}))`, { mayReturnNull: true }),
  unaryDouble('log2', 'log2(x): base-2 logarithm computed as ln(x) / ln(2) like Spark; null when x ≤ 0', (a) => `(${a} <= 0 ? null : Math.log(${a}) / Math.LN2)`, { mayReturnNull: true }),
  unaryDouble('log1p', 'log1p(x): ln(1 + x); null when x ≤ -1', (a) => `(${a} <= -1 ? null : Math.log1p(${a}))`, { mayReturnNull: true }),
  binaryDouble('pow', 'pow(x, y): x raised to the power y', (a, b) => `Math.pow(${a}, ${b})`, ['power']),
  unaryDouble('signum', 'signum(x): -1.0, 0.0 or 1.0 by the sign of x (NaN stays NaN)', (a) => `Math.sign(${a})`, { aliases: ['sign'] }),
  unaryDouble('sin', 'sin(x): sine of x radians', (a) => `Math.sin(${a})`),
  unaryDouble('cos', 'cos(x): cosine of x radians', (a) => `Math.cos(${a})`),
  unaryDouble('tan', 'tan(x): tangent of x radians', (a) => `Math.tan(${a})`),
  unaryDouble('cot', 'cot(x): cotangent of x radians (1 / tan(x))', (a) => `(1 / Math.tan(${a}))`),
  unaryDouble('asin', 'asin(x): arc sine in radians (NaN outside [-1, 1])', (a) => `Math.asin(${a})`),
  unaryDouble('acos', 'acos(x): arc cosine in radians (NaN outside [-1, 1])', (a) => `Math.acos(${a})`),
  unaryDouble('atan', 'atan(x): arc tangent in radians', (a) => `Math.atan(${a})`),
  binaryDouble('atan2', 'atan2(y, x): angle in radians of the point (x, y)', (a, b) => `Math.atan2(${a}, ${b})`),
  unaryDouble('sinh', 'sinh(x): hyperbolic sine', (a) => `Math.sinh(${a})`),
  unaryDouble('cosh', 'cosh(x): hyperbolic cosine', (a) => `Math.cosh(${a})`),
  unaryDouble('tanh', 'tanh(x): hyperbolic tangent', (a) => `Math.tanh(${a})`),
  binaryDouble('hypot', 'hypot(a, b): sqrt(a² + b²) without intermediate overflow', (a, b) => `Math.hypot(${a}, ${b})`),
  unaryDouble('degrees', 'degrees(x): radians → degrees', (a) => `(${a} * 57.29577951308232)`),
  unaryDouble('radians', 'radians(x): degrees → radians', (a) => `(${a} * 0.017453292519943295)`),
  {
    name: 'pmod', arity: [2, 2], mayReturnNull: true,
    doc: 'pmod(a, n): the positive remainder of a / n (((a % n) + n) % n when a % n < 0); null when n is 0',
    resolve(argTypes, display) {
      const ts = argTypes.map((t) => numericArg(t, 'int32'));
      const t = ts[0] !== undefined && ts[1] !== undefined ? widerType(ts as DataType[]) : undefined;
      if (t === undefined) throw typeError(display, argTypes, 'numeric arguments for pmod');
      return { type: t, argTypes: [t, t] };
    },
    template: ([a, b]) => `(${b} === 0 ? null : (${a} % ${b} < 0 ? ((${a} % ${b}) + ${b}) % ${b} : ${a} % ${b}))`,
  },
  {
    name: 'nanvl', arity: [2, 2], nulls: 'custom',
    doc: 'nanvl(a, b): a if it is not NaN, else b (b is evaluated only then); null when a is null',
    resolve(argTypes, display) {
      return { type: 'float64', argTypes: requireDoubles(argTypes, display, 'numeric arguments for nanvl') };
    },
    generate(ctx, _argTypes, _type, out) {
      const a = ctx.arg(0);
      const b = lazyArg(ctx, 1);
      return `if (${a.n}) { ${out.n} = true; ${out.v} = 0; } else if (${a.v} === ${a.v}) { ${out.n} = false; ${out.v} = ${a.v}; } else {\n${b.code}\n${out.n} = ${b.n}; ${out.v} = ${b.n} ? 0 : ${b.v}; }`;
    },
  },
  extremum('greatest'),
  extremum('least'),
  randomFn('rand'),
  randomFn('randn'),
  { name: 'e', arity: [0, 0], doc: "e(): Euler's number", resolve: () => ({ type: 'float64', argTypes: [] }), template: () => 'Math.E' },
  { name: 'pi', arity: [0, 0], doc: 'pi(): π', resolve: () => ({ type: 'float64', argTypes: [] }), template: () => 'Math.PI' },
];

/** Registers the module's functions. */
export function register(registry: FunctionRegistry): void {
  registry.registerScalar(...DEFS);
}

/**
 * `spark.udf` (PySpark's UDFRegistration): a session's own UDFs by name, consulted before the
 * built-in functions when SQL (`spark.sql`, `selectExpr`, string filters) resolves a call. Each
 * session has its own map, so one session's UDFs are invisible to another's.
 */
import { IllegalArgumentError } from '../errors.js';
import type { FunctionRef } from './function-ref.js';
import type { ReturnTypeInput } from './spec.js';
import { type ScalarUdfFunction, type UserDefinedFunction, isUserDefinedFunction, makeUdf, udfFromSpec } from './udf.js';

/** The session's registered UDFs (`spark.udf`). */
export class UDFRegistration {
  private readonly udfs = new Map<string, UserDefinedFunction>();

  /**
   * Registers a UDF under `name` for SQL and returns it (as PySpark). `f` is a UDF made by
   * `F.udf` / `F.arrowUdf` (then no `returnType`), or a function / `F.fromModule` reference,
   * registered as a scalar UDF returning `returnType` (default 'string', as PySpark).
   * Registering a name again replaces the earlier UDF; a registered name shadows a built-in function.
   * @example spark.udf.register('month_as_int', (m: string) => ..., 'int'); spark.sql('SELECT month_as_int(month) FROM bank')
   */
  register(name: string, f: UserDefinedFunction | ScalarUdfFunction | FunctionRef, returnType?: ReturnTypeInput): UserDefinedFunction {
    const what = 'spark.udf.register()';
    if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new IllegalArgumentError(`${what}: the name should be an identifier (letters, digits, _), got ${JSON.stringify(name)}`);
    let u: UserDefinedFunction;
    if (isUserDefinedFunction(f)) {
      if (returnType !== undefined) throw new IllegalArgumentError(`${what}: '${name}' is already a UDF with return type ${f.returnType}; leave returnType out (it is only for a plain function)`);
      u = udfFromSpec({ ...f.spec, name });
    } else {
      u = makeUdf('scalar', f, returnType ?? 'string', { name }, what);
    }
    this.udfs.set(name.toLowerCase(), u);
    return u;
  }

  /** The UDF registered as `name` (case-insensitive), if any. */
  get(name: string): UserDefinedFunction | undefined {
    return this.udfs.get(name.toLowerCase());
  }

  /** The registered UDFs (name, kind, return type, deterministic), by name. */
  list(): { name: string; kind: string; returnType: string; deterministic: boolean }[] {
    return [...this.udfs.values()].map((u) => ({ name: u.name, kind: u.kind, returnType: u.returnType, deterministic: u.deterministic })).sort((a, b) => a.name.localeCompare(b.name));
  }
}

/**
 * Binary (byte string) functions with Spark semantics: hex / unhex, base64 / unbase64. Binary
 * values reach generated code as byte strings (one char per byte, latin1; see ColumnData.strings),
 * so these are plain string functions over them. `length` / `octet_length` of a binary count bytes
 * (src/expr/functions/string.ts); casts between string and binary encode / decode UTF-8
 * (src/expr/runtime.ts).
 */
import { Buffer } from 'node:buffer';
import type { DataType } from '../../types.js';
import { type FunctionRegistry, type ScalarFunctionDef, typeError } from '../function-defs.js';

const DEFS: ScalarFunctionDef[] = [
  {
    name: 'hex', arity: [1, 1], doc: 'hex(expr): upper-case hex digits of a binary, of a string\'s UTF-8 bytes, or of a long',
    resolve(argTypes, display) {
      const t = argTypes[0]!;
      const to: DataType | undefined = t === 'binary' ? 'binary' : t === 'utf8' || t === 'null' ? 'binary' : t === 'int32' || t === 'int64' ? 'int64' : undefined;
      if (!to) throw typeError(display, argTypes, 'a binary, string or integral argument');
      return { type: 'utf8', argTypes: [to] };
    },
    // A long: its two's-complement 64-bit value, as Spark prints it (hex(-1) = 'FFFFFFFFFFFFFFFF').
    template: ([v], [t]) => (t === 'int64' ? `BigInt.asUintN(64, BigInt(${v})).toString(16).toUpperCase()` : `Buffer.from(${v}, 'latin1').toString('hex').toUpperCase()`),
  },
  {
    name: 'unhex', arity: [1, 1], doc: 'unhex(str): the bytes of a hex string (an odd count gets a leading 0); null when it is not hex',
    resolve: (argTypes, display) => {
      if (argTypes[0] !== 'utf8' && argTypes[0] !== 'null') throw typeError(display, argTypes, 'a string argument');
      return { type: 'binary', argTypes: ['utf8'] };
    },
    impl: (s: string) => (/^[0-9a-fA-F]*$/.test(s) ? Buffer.from(s.length % 2 ? `0${s}` : s, 'hex').toString('latin1') : null),
  },
  {
    name: 'base64', arity: [1, 1], doc: 'base64(bin): the binary (a string\'s UTF-8 bytes) as base64 text',
    resolve: (argTypes, display) => {
      if (argTypes[0] !== 'binary' && argTypes[0] !== 'utf8' && argTypes[0] !== 'null') throw typeError(display, argTypes, 'a binary or string argument');
      return { type: 'utf8', argTypes: ['binary'] };
    },
    impl: (b: string) => Buffer.from(b, 'latin1').toString('base64'),
  },
  {
    name: 'unbase64', arity: [1, 1], doc: 'unbase64(str): the bytes a base64 string encodes',
    resolve: (argTypes, display) => {
      if (argTypes[0] !== 'utf8' && argTypes[0] !== 'null') throw typeError(display, argTypes, 'a string argument');
      return { type: 'binary', argTypes: ['utf8'] };
    },
    impl: (s: string) => Buffer.from(s, 'base64').toString('latin1'),
  },
];

/** Registers the binary functions. */
export function register(registry: FunctionRegistry): void {
  registry.registerScalar(...DEFS);
}

/**
 * The list of built-in function modules, in registration order: scalar functions (operators,
 * math, string, datetime, conditional, array), aggregates, and window-only functions (ranking,
 * offset, nth_value). Each module exports `register(registry)`; src/expr/registry.ts calls them
 * once per thread (`registerBuiltins`). A new built-in module is added here.
 */
import type { FunctionModule } from './function-defs.js';
import * as operators from './functions/operators.js';
import * as math from './functions/math.js';
import * as string from './functions/string.js';
import * as datetime from './functions/datetime.js';
import * as conditional from './functions/conditional.js';
import * as array from './functions/array.js';
import * as binary from './functions/binary.js';
import * as nested from './functions/nested.js';
import * as higherOrder from './functions/higher-order.js';
import * as aggregates from './aggregates.js';
import * as aggregatesMore from './aggregates-more.js';
import * as ranking from './window/ranking.js';
import * as offset from './window/offset.js';
import * as nthValue from './window/nth-value.js';

/** Every built-in function module. */
export const BUILTIN_MODULES: readonly FunctionModule[] = [operators, math, string, datetime, conditional, array, binary, nested, higherOrder, aggregates, aggregatesMore, ranking, offset, nthValue];

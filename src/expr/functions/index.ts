/**
 * The scalar function library: importing this module registers every built-in scalar function
 * (operators, math, string, datetime, conditional, array) in the shared registry, for the DataFrame API
 * and SQL alike.
 */
import { OPERATORS_LOADED } from './operators.js';
import { MATH_LOADED } from './math.js';
import { STRING_LOADED } from './string.js';
import { DATETIME_LOADED } from './datetime.js';
import { CONDITIONAL_LOADED } from './conditional.js';
import { ARRAY_LOADED } from './array.js';

/** Marker: true once all built-in scalar functions are registered. */
export const FUNCTIONS_LOADED: boolean = OPERATORS_LOADED && MATH_LOADED && STRING_LOADED && DATETIME_LOADED && CONDITIONAL_LOADED && ARRAY_LOADED;

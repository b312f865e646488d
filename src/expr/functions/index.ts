/** Registers every scalar function module (import for side effects). */
import './operators.js';
import './math.js';
import './string.js';

export const FUNCTIONS_LOADED = true;

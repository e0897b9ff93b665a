import type { StdlibFunction } from './arguments.js';
import { COLLECTION_FUNCTIONS } from './collections.js';
import { ENCODING_FUNCTIONS } from './encoding.js';
import { EXPRESSION_HELPERS } from './expression-helpers.js';
import { MATH_FUNCTIONS } from './math.js';
import { RETRY_PREDICATES } from './retry.js';
import { SYS_FUNCTIONS } from './sys.js';
import { TEXT_FUNCTIONS } from './text.js';
import { TIME_FUNCTIONS } from './time.js';

export type { StdlibEnvironment, StdlibFunction } from './arguments.js';
export { decodeJsonText } from './encoding.js';
export { defaultRetryPredicate } from './retry.js';

/**
 * The non-blocking standard library and expression helpers
 * (https://cloud.google.com/workflows/docs/reference/stdlib/overview,
 * https://cloud.google.com/workflows/docs/reference/stdlib/expression-helpers), one module per
 * namespace group. The blocking functions (http.*, sys.sleep, sys.log) run in the interpreter.
 */
export const STDLIB: ReadonlyMap<string, StdlibFunction> = new Map<string, StdlibFunction>([
  ...EXPRESSION_HELPERS,
  ...COLLECTION_FUNCTIONS,
  ...TEXT_FUNCTIONS,
  ...ENCODING_FUNCTIONS,
  ...MATH_FUNCTIONS,
  ...TIME_FUNCTIONS,
  ...SYS_FUNCTIONS,
  ...RETRY_PREDICATES,
]);

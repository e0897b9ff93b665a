import { isList, isMap, type WfValue } from '../values.js';
import { fn, type StdlibEntries } from './arguments.js';

/**
 * http.default_retry_predicate: 429, 502, 503, 504, ConnectionError, ConnectionFailedError and
 * TimeoutError; the non-idempotent variant: 429, 503 and ConnectionFailedError
 * (https://cloud.google.com/workflows/docs/reference/stdlib/http/default_retry_predicate,
 * https://cloud.google.com/workflows/docs/reference/stdlib/http/default_retry_predicate_non_idempotent).
 */
export function defaultRetryPredicate(error: WfValue, idempotent: boolean): boolean {
  if (!isMap(error)) return false;
  const tags = error.get('tags');
  const tagList = isList(tags) ? tags : [];
  const code = error.get('code');
  const retriedCodes = idempotent ? [429n, 502n, 503n, 504n] : [429n, 503n];
  if (tagList.includes('HttpError') && typeof code === 'bigint') return retriedCodes.includes(code);
  // The non-idempotent variant still retries a connection that was never established: the
  // request cannot have reached the target (default_retry_predicate_non_idempotent page).
  const retriedTags = idempotent
    ? ['ConnectionError', 'ConnectionFailedError', 'TimeoutError']
    : ['ConnectionFailedError'];
  return retriedTags.some((t) => tagList.includes(t));
}

/** Retry predicates, usable as functions too (https://cloud.google.com/workflows/docs/reference/stdlib/retry). */
export const RETRY_PREDICATES: StdlibEntries = [
  ['retry.always', fn(['e'], 1, () => true)],
  ['retry.never', fn(['e'], 1, () => false)],
  ['http.default_retry_predicate', fn(['e'], 1, ([e]) => defaultRetryPredicate(e ?? null, true))],
  [
    'http.default_retry_predicate_non_idempotent',
    fn(['e'], 1, ([e]) => defaultRetryPredicate(e ?? null, false)),
  ],
];

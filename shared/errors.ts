/**
 * The two kinds of failure a step may raise (docs/architecture.md "Step contract"). Everything that
 * is not a PermanentError is worth retrying; waiting is not an error at all (a step returns
 * `pending`).
 */

/** A condition that may clear by itself: quota (429), unavailability (503), a busy cluster. */
export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  constructor(
    /** Short machine-readable cause, e.g. `rate-limited`, `cluster-busy`, `etag-conflict`. */
    readonly reason: string,
    message: string,
    readonly options: { retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
  }
}

/** A condition no retry will fix: invalid input, immutable drift, permission denied. */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  constructor(
    /** Short machine-readable cause, e.g. `immutable-drift`, `invalid-argument`, `permission-denied`. */
    readonly reason: string,
    message: string,
    readonly options: { field?: string; resource?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
  }
}

/** The JSON body every API and step function answers an error with. */
export interface ErrorBody {
  kind:
    | 'retryable'
    | 'permanent'
    | 'invalid-request'
    | 'not-found'
    | 'conflict'
    | 'unauthenticated'
    | 'forbidden';
  reason: string;
  message: string;
  field?: string;
}

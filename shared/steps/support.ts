import { createHash } from 'node:crypto';
import { PermanentError, RetryableError } from '../errors.js';
import type { Comparison, ImmutableDrift } from '../plan/gcp/diff.js';
import type { GcpApis, OperationStatus } from '../core/gcp-apis.js';
import type {
  PendingOperation,
  StepContext,
  StepOutputs,
  StepResult,
} from '../core/step-contract.js';

/** What every environment step receives besides its context: the API adapters and tunables. */
export interface StepDeps {
  gcp: GcpApis;
  /**
   * Consecutive successful reads of a new service account before it is bound (IAM is
   * eventually consistent; terraform-provider-google waits the same way). Default 3.
   */
  serviceAccountReads?: number;
  /** Pauses between IAM etag retries inside one call; tests inject an instant one. */
  sleep?: (ms: number) => Promise<void>;
}

/** Seconds a caller waits before calling a pending step again, per kind of wait. */
export const POLL_SECONDS = {
  compute: 5,
  serviceUsage: 5,
  iamConsistency: 2,
  dns: 2,
  gkeHub: 5,
  cluster: 30,
  nodePool: 15,
  mesh: 30,
} as const;

/** A failed operation is retried (with a fresh requestId) at most this often per resource. */
export const MAX_FAILED_OPERATIONS = 3;

/** RFC 4122 namespace of the service's compute request ids (a fixed random UUID). */
const REQUEST_ID_NAMESPACE = 'a9b8c1d2-5e4f-4a3b-9c8d-7e6f5a4b3c2d';

/**
 * A name-based (version 5, SHA-1) UUID of the parts: compute requires `requestId` to be a UUID,
 * and deriving it from (run, step, resource) makes a repeated call send the same one, so Google
 * answers the first call's operation instead of doing the work twice.
 */
export function requestIdFor(...parts: string[]): string {
  const namespace = Buffer.from(REQUEST_ID_NAMESPACE.replaceAll('-', ''), 'hex');
  const hash = createHash('sha1').update(namespace).update(parts.join('\u0000')).digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A short digest of a JSON body, to tell two patches of one resource apart in a requestId. */
export function bodyDigest(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16);
}

/**
 * The recorded operation's state: none recorded, finished, failed with Google's message, or
 * still running — then `wait` is the step's answer (pending on the same operation), since
 * waiting is a result, not an error.
 */
export type ResumeState =
  | { state: 'none' }
  | { state: 'done' }
  | { state: 'failed'; message: string }
  | { state: 'running'; wait: StepResult };

/**
 * Reads the operation an earlier call recorded, by name, from the API that owns it; a running
 * one comes back with the `pending` answer to give, polled again after `pollSeconds`.
 */
export async function resumeOperation(
  ctx: StepContext,
  deps: StepDeps,
  pollSeconds: number,
  message?: string,
): Promise<ResumeState> {
  const op = ctx.operation;
  if (!op) return { state: 'none' };
  const { gcp } = deps;
  let status: OperationStatus;
  switch (op.api) {
    case 'compute-global':
    case 'compute-regional':
    case 'compute-zonal':
      status = await gcp.compute.getOperation(ctx.environment.spec.project, op);
      break;
    case 'container':
      status = await gcp.container.getOperation(op.name);
      break;
    case 'serviceusage':
      status = await gcp.serviceUsage.getOperation(op.name);
      break;
    case 'gkehub':
      status = await gcp.gkeHub.getOperation(op.name);
      break;
    default:
      // Pseudo-operations (a read-back counter) are interpreted by their step.
      return { state: 'done' };
  }
  if (!status.done) return { state: 'running', wait: pendingOn(op, pollSeconds, message) };
  return status.error ? { state: 'failed', message: status.error.message } : { state: 'done' };
}

/** `pending` on an operation, recorded so the next call resumes it by name. */
export function pendingOn(
  operation: PendingOperation,
  retryAfterSeconds: number,
  message?: string,
): StepResult {
  return {
    status: 'pending',
    retryAfterSeconds,
    operation,
    ...(message ? { message } : {}),
  };
}

/**
 * The answer of a call that just started an operation it cannot go past: a failed one is
 * retried, a running one is `pending` on it (recorded, so the next call resumes it by name).
 * Undefined once it finished, for the caller to go on.
 */
export function awaitStarted(
  api: string,
  op: OperationStatus,
  resource: string,
  retryAfterSeconds: number,
  message?: string,
): StepResult | undefined {
  if (op.error) throw operationFailed(resource, op.error.message);
  if (!op.done) return pendingOn({ api, name: op.name }, retryAfterSeconds, message);
  return undefined;
}

/** `pending` for a second right after a change finished: the next call reads the result back. */
export function readingBack(message: string): StepResult {
  return waitFor(1, message);
}

/** `pending` with nothing to resume: call again in `retryAfterSeconds` (waiting is a result). */
export function waitFor(retryAfterSeconds: number, message?: string): StepResult {
  return { status: 'pending', retryAfterSeconds, ...(message ? { message } : {}) };
}

/** `done` with outputs. */
export function done(outputs: StepOutputs = {}): StepResult {
  return { status: 'done', outputs };
}

/** Raises on immutable drift: the first drifted field, named, with both values. */
export function raiseOnImmutableDrift(resource: string, comparison: Comparison): void {
  const drift: ImmutableDrift | undefined = comparison.immutableDrift?.[0];
  if (!drift) return;
  throw new PermanentError(
    'immutable-drift',
    `${resource}: field ${drift.field} is ${JSON.stringify(drift.observed)} but the spec wants ${JSON.stringify(drift.desired)}; it cannot change after creation (delete the resource or change the spec)`,
    { field: drift.field, resource },
  );
}

/**
 * Starts a create whose operation may fail: a failed operation consumed its requestId (Google
 * would answer the same failed operation again), so the next attempt's id is salted with the
 * failed operation's name. Stateless and deterministic, so a later call replays the same chain
 * and lands on the same operations. Gives up with Google's message after
 * {@link MAX_FAILED_OPERATIONS} failures.
 */
export async function startWithFreshIds<R extends OperationStatus | string>(
  resource: string,
  baseParts: string[],
  start: (requestId: string) => Promise<R>,
): Promise<R> {
  let salt: string[] = [];
  let lastError = '';
  for (let attempt = 0; attempt < MAX_FAILED_OPERATIONS; attempt += 1) {
    const result = await start(requestIdFor(...baseParts, ...salt));
    if (typeof result === 'string' || !result.error) return result;
    lastError = result.error.message;
    salt = [result.name];
  }
  throw new PermanentError(
    'operation-failed',
    `${resource}: the operation failed ${MAX_FAILED_OPERATIONS} times; last error: ${lastError}`,
    { resource },
  );
}

/** A RetryableError for an operation that finished with an error and is worth starting again. */
export function operationFailed(resource: string, message: string): RetryableError {
  return new RetryableError('operation-failed', `${resource}: ${message}`, {
    retryAfterSeconds: 5,
  });
}

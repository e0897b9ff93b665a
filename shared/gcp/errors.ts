import { PermanentError, RetryableError } from '../errors.js';
import { CANONICAL_STATUS_BY_HTTP } from './canonical-status.js';

/**
 * Classification of Google API failures into the step contract's two error kinds. The official
 * clients fail in three shapes: gax over REST (`GaxiosError`, `code` = HTTP status, `message` =
 * the raw JSON error body), gax over gRPC (`code` = gRPC code 0-16, `details`), googleapis /
 * google-auth-library (`GaxiosError` with `response.data.error`), and @google-cloud/dns
 * (`ApiError`, `code` = HTTP status, `errors[]`). Connection failures carry a string `code`.
 */

/** gRPC canonical codes by number (google.rpc.Code). */
const GRPC_STATUS: Readonly<Record<number, string>> = {
  1: 'CANCELLED',
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  6: 'ALREADY_EXISTS',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  10: 'ABORTED',
  11: 'OUT_OF_RANGE',
  12: 'UNIMPLEMENTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  15: 'DATA_LOSS',
  16: 'UNAUTHENTICATED',
};

/**
 * The canonical status of an HTTP code when the body names none: Google's own pairs, plus what a
 * client meets on the way (a cancelled call's 499, a proxy's 502).
 */
const STATUS_BY_HTTP: Readonly<Record<number, string>> = {
  ...CANONICAL_STATUS_BY_HTTP,
  499: 'CANCELLED',
  502: 'UNAVAILABLE',
};

/** Socket-level failures: the request may or may not have arrived, so it is always retried. */
const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/** What one failed call says, whatever client shaped it. */
export interface GoogleErrorFacts {
  /** HTTP status, when the failure came over HTTP. */
  httpStatus?: number;
  /** Canonical status name: `NOT_FOUND`, `ABORTED`, `FAILED_PRECONDITION`... */
  status?: string;
  /** Legacy `errors[].reason`: `alreadyExists`, `notFound`, `rateLimitExceeded`... */
  reasons: string[];
  /** Google's own message (not the client's wrapper around it). */
  message: string;
  /** The first field violation of a BadRequest detail, if any. */
  field?: string;
  /** A socket-level error code (`ECONNRESET`...). */
  connectionCode?: string;
}

type Loose = Record<string, unknown>;

function isObject(value: unknown): value is Loose {
  return typeof value === 'object' && value !== null;
}

/** The `{error: {...}}` body of a REST failure, wherever the client put it. */
function errorBody(err: Loose): Loose | undefined {
  const response = isObject(err.response) ? err.response : undefined;
  const data = response?.data ?? response?.body;
  const candidates: unknown[] = [data, err.message];
  for (const candidate of candidates) {
    let value: unknown = candidate;
    if (typeof value === 'string' && value.trimStart().startsWith('{')) {
      try {
        value = JSON.parse(value);
      } catch {
        continue;
      }
    }
    if (isObject(value) && isObject(value.error)) return value.error;
  }
  return undefined;
}

function firstFieldViolation(details: unknown): string | undefined {
  if (!Array.isArray(details)) return undefined;
  for (const detail of details) {
    if (!isObject(detail) || !Array.isArray(detail.fieldViolations)) continue;
    const first: unknown = detail.fieldViolations[0];
    if (isObject(first) && typeof first.field === 'string') return first.field;
  }
  return undefined;
}

/** Reads the facts of a failure from any of the clients' error shapes. */
export function googleErrorFacts(error: unknown): GoogleErrorFacts {
  if (!isObject(error)) return { reasons: [], message: String(error) };
  const body = errorBody(error);
  const facts: GoogleErrorFacts = {
    reasons: [],
    message: typeof error.message === 'string' ? error.message : String(error),
  };
  const code = error.code;
  const httpFromResponse = isObject(error.response) ? error.response.status : undefined;
  if (typeof httpFromResponse === 'number') facts.httpStatus = httpFromResponse;
  else if (typeof code === 'number' && code >= 100) facts.httpStatus = code;
  else if (typeof code === 'number') facts.status = GRPC_STATUS[code];
  if (body) {
    if (typeof body.message === 'string') facts.message = body.message;
    if (typeof body.status === 'string') facts.status = body.status;
    if (typeof body.code === 'number' && facts.httpStatus === undefined) {
      facts.httpStatus = body.code;
    }
    if (Array.isArray(body.errors)) {
      for (const entry of body.errors) {
        if (isObject(entry) && typeof entry.reason === 'string') facts.reasons.push(entry.reason);
      }
    }
    const field = firstFieldViolation(body.details);
    if (field) facts.field = field;
  }
  if (Array.isArray(error.errors)) {
    for (const entry of error.errors) {
      if (isObject(entry) && typeof entry.reason === 'string') facts.reasons.push(entry.reason);
    }
  }
  facts.field ??= firstFieldViolation(error.details) ?? firstFieldViolation(error.statusDetails);
  if (facts.status === undefined && facts.httpStatus !== undefined) {
    facts.status = STATUS_BY_HTTP[facts.httpStatus];
  }
  // An HTTP 409 that Google marks ABORTED (or `aborted`) is an etag race, not a duplicate.
  if (facts.httpStatus === 409 && facts.reasons.includes('aborted')) facts.status = 'ABORTED';
  if (typeof error.code === 'string' && CONNECTION_CODES.has(error.code)) {
    facts.connectionCode = error.code;
  }
  if (!facts.connectionCode && /socket hang up|ECONNRESET|network timeout/i.test(facts.message)) {
    facts.connectionCode = 'ECONNRESET';
  }
  return facts;
}

/** True when the call failed because the resource does not exist (HTTP 404 / NOT_FOUND). */
export function isNotFound(error: unknown): boolean {
  const facts = googleErrorFacts(error);
  return facts.httpStatus === 404 || facts.status === 'NOT_FOUND';
}

/** True when a create failed because the name is taken (409 alreadyExists / ALREADY_EXISTS). */
export function isAlreadyExists(error: unknown): boolean {
  const facts = googleErrorFacts(error);
  if (facts.status === 'ABORTED') return false;
  return (
    facts.status === 'ALREADY_EXISTS' ||
    facts.reasons.includes('alreadyExists') ||
    (facts.httpStatus === 409 && /already exists/i.test(facts.message))
  );
}

/** Where a failure happened, for the error's message and `resource`. */
export interface CallSite {
  /** What was attempted, e.g. `insert firewall`. */
  action: string;
  /** The resource addressed, e.g. `projects/p/global/firewalls/allow-egress-calico`. */
  resource: string;
}

/** Backoff hints (seconds) the step contract passes on to the orchestrator. */
export const RETRY_HINT_SECONDS = {
  rateLimited: 10,
  clusterBusy: 30,
  unavailable: 5,
  etagConflict: 1,
  connection: 2,
} as const;

/**
 * Turns any client failure into a RetryableError or PermanentError with a reason, Google's
 * message, the resource and (for INVALID_ARGUMENT) the offending field. Errors that are not from
 * Google (a bug, a TypeError) come back unchanged: the caller decides. ALREADY_EXISTS reaching
 * this function is a permanent `already-exists` (callers that expect it check
 * {@link isAlreadyExists} first and observe instead).
 */
export function classifyGcpError(error: unknown, site: CallSite): unknown {
  if (error instanceof RetryableError || error instanceof PermanentError) return error;
  const facts = googleErrorFacts(error);
  const where = `${site.action} ${site.resource}`;
  const retryable = (reason: string, retryAfterSeconds: number) =>
    new RetryableError(reason, `${where}: ${facts.message}`, { retryAfterSeconds, cause: error });
  const permanent = (reason: string) =>
    new PermanentError(reason, `${where}: ${facts.message}`, {
      resource: site.resource,
      cause: error,
      ...(facts.field ? { field: facts.field } : {}),
    });

  if (facts.connectionCode) return retryable('connection-error', RETRY_HINT_SECONDS.connection);
  const { status, httpStatus } = facts;
  if (status === undefined && httpStatus === undefined) return error;

  if (httpStatus === 429 || status === 'RESOURCE_EXHAUSTED') {
    return retryable('rate-limited', RETRY_HINT_SECONDS.rateLimited);
  }
  if (status === 'ABORTED') return retryable('etag-conflict', RETRY_HINT_SECONDS.etagConflict);
  if (status === 'FAILED_PRECONDITION' || httpStatus === 412) {
    // GKE answers FAILED_PRECONDITION while another operation runs on the cluster; compute and
    // DNS answer it for stale fingerprints and changes: a re-read and retry resolves all three.
    const busy = /operation|in progress|running/i.test(facts.message);
    return retryable(
      busy ? 'cluster-busy' : 'precondition-failed',
      busy ? RETRY_HINT_SECONDS.clusterBusy : RETRY_HINT_SECONDS.etagConflict,
    );
  }
  if (
    httpStatus === 500 ||
    httpStatus === 502 ||
    httpStatus === 503 ||
    httpStatus === 504 ||
    status === 'UNAVAILABLE' ||
    status === 'DEADLINE_EXCEEDED' ||
    status === 'INTERNAL' ||
    status === 'CANCELLED'
  ) {
    return retryable('unavailable', RETRY_HINT_SECONDS.unavailable);
  }
  if (status === 'ALREADY_EXISTS') return permanent('already-exists');
  if (httpStatus === 401 || status === 'UNAUTHENTICATED') return permanent('unauthenticated');
  if (httpStatus === 403 || status === 'PERMISSION_DENIED') return permanent('permission-denied');
  if (httpStatus === 404 || status === 'NOT_FOUND') return permanent('not-found');
  if (httpStatus === 501 || status === 'UNIMPLEMENTED') return permanent('not-implemented');
  if (httpStatus === 400 || status === 'INVALID_ARGUMENT' || status === 'OUT_OF_RANGE') {
    return permanent('invalid-argument');
  }
  return permanent('api-error');
}

/**
 * Runs one client call and classifies what it throws; `onNotFound` / `onAlreadyExists` turn those
 * two expected answers into values instead of errors.
 */
export async function callGoogle<T, N = never, A = never>(
  site: CallSite,
  call: () => Promise<T>,
  expected: { onNotFound?: () => N; onAlreadyExists?: () => A } = {},
): Promise<T | N | A> {
  try {
    return await call();
  } catch (error) {
    if (expected.onNotFound && isNotFound(error)) return expected.onNotFound();
    if (expected.onAlreadyExists && isAlreadyExists(error)) return expected.onAlreadyExists();
    throw classifyGcpError(error, site);
  }
}

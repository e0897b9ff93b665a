import { CANONICAL_STATUS_BY_HTTP } from '../../shared/gcp/canonical-status.js';

/**
 * Google's error bodies, as recorded in real traffic (test/fixtures/gcp-sim/SOURCE.md): compute
 * answers `{error: {code, message, errors: [{domain, message, reason}]}}` without `status`; the
 * One-Platform APIs (container, dns, iam, serviceusage, resourcemanager) add `status`, and gkehub
 * answers only `{code, message, status}`. Cloud Storage's JSON API answers like compute
 * (`{error: {code, message, errors: [{domain, message, reason}]}}`, no `status`) and never adds
 * google.rpc `details`.
 */

/** How an API family shapes its error body. */
export type ErrorStyle = 'compute' | 'one-platform' | 'status-only' | 'storage';

/** The legacy `errors[].reason` Google pairs with each canonical status. */
const reasonByStatus: Record<string, string> = {
  INVALID_ARGUMENT: 'badRequest',
  FAILED_PRECONDITION: 'failedPrecondition',
  NOT_FOUND: 'notFound',
  ALREADY_EXISTS: 'alreadyExists',
  ABORTED: 'aborted',
  RESOURCE_EXHAUSTED: 'rateLimitExceeded',
  UNAVAILABLE: 'backendError',
  INTERNAL: 'backendError',
  UNIMPLEMENTED: 'notImplemented',
  PERMISSION_DENIED: 'forbidden',
};

/** One violated field, reported in `details[].fieldViolations` like Google's BadRequest. */
export interface FieldViolation {
  field: string;
  description: string;
}

/**
 * google.rpc.ErrorInfo, which One-Platform APIs add to a refusal (an IAM denial carries
 * `reason: IAM_PERMISSION_DENIED` and the permission in `metadata`).
 */
export interface ErrorInfo {
  reason: string;
  domain: string;
  metadata?: Record<string, string>;
}

/** An error a simulated API answers with; the server renders it in the route's style. */
export class GoogleApiError extends Error {
  override readonly name = 'GoogleApiError';
  readonly status: string;
  readonly reason: string;
  constructor(
    readonly httpCode: number,
    message: string,
    options: {
      status?: string;
      reason?: string;
      violations?: FieldViolation[];
      errorInfo?: ErrorInfo;
    } = {},
  ) {
    super(message);
    this.status = options.status ?? CANONICAL_STATUS_BY_HTTP[httpCode] ?? 'UNKNOWN';
    this.reason = options.reason ?? reasonByStatus[this.status] ?? 'unknown';
    this.violations = options.violations ?? [];
    this.errorInfo = options.errorInfo;
  }
  readonly violations: FieldViolation[];
  readonly errorInfo: ErrorInfo | undefined;

  /** The JSON body Google sends for this error in the given style. */
  toBody(style: ErrorStyle): { error: Record<string, unknown> } {
    const error: Record<string, unknown> = { code: this.httpCode, message: this.message };
    if (style !== 'status-only') {
      error.errors = [{ domain: 'global', message: this.message, reason: this.reason }];
    }
    if (style !== 'compute' && style !== 'storage') error.status = this.status;
    const details: object[] = [];
    if (this.violations.length > 0 && style !== 'storage') {
      details.push({
        '@type': 'type.googleapis.com/google.rpc.BadRequest',
        fieldViolations: this.violations,
      });
    }
    if (this.errorInfo && style === 'one-platform') {
      details.push({ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', ...this.errorInfo });
    }
    if (details.length > 0) error.details = details;
    return { error };
  }
}

/** 404 in compute's wording: `The resource 'projects/p/global/networks/n' was not found`. */
export function computeNotFound(path: string): GoogleApiError {
  return new GoogleApiError(404, `The resource '${path}' was not found`);
}

/** 409 in compute's wording: `The resource '...' already exists`. */
export function computeAlreadyExists(path: string): GoogleApiError {
  return new GoogleApiError(409, `The resource '${path}' already exists`);
}

/** 400 naming the offending field, as Google's field validation does. */
export function invalidField(field: string, description: string): GoogleApiError {
  return new GoogleApiError(400, description, {
    reason: 'invalid',
    violations: [{ field, description }],
  });
}

/** The etag conflict of `setIamPolicy`: HTTP 409 with status ABORTED. */
export function etagConflict(): GoogleApiError {
  return new GoogleApiError(
    409,
    'There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.',
    { status: 'ABORTED', reason: 'aborted' },
  );
}

/** The error an injected fault answers with for an HTTP code. */
export function faultError(httpCode: number): GoogleApiError {
  switch (httpCode) {
    case 429:
      return new GoogleApiError(
        429,
        "Quota exceeded for quota metric 'Requests' (simulated fault).",
        {
          reason: 'rateLimitExceeded',
        },
      );
    case 503:
      return new GoogleApiError(503, 'The service is currently unavailable (simulated fault).');
    case 409:
      return etagConflict();
    case 412:
      return new GoogleApiError(412, 'Precondition check failed (simulated fault).', {
        status: 'FAILED_PRECONDITION',
        reason: 'conditionNotMet',
      });
    default:
      return new GoogleApiError(httpCode, `Simulated fault ${httpCode}.`);
  }
}

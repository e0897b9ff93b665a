import type { Request } from '@google-cloud/functions-framework';
import { dnsLabel } from '../../shared/spec/index.js';
import { HttpError, invalidRequest } from './http.js';

/** What the API reads from a request besides its body: path parameters and headers. */

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** 404 naming what was not found. */
export function notFound(what: string): HttpError {
  return new HttpError(404, {
    kind: 'not-found',
    reason: 'not-found',
    message: `${what} not found`,
  });
}

/** A DNS-1123 label of the URL path (percent-decoded), or 400 `reason` naming `field`. */
function pathLabel(raw: string, what: string, reason: string, field: string): string {
  const label = decodeURIComponent(raw);
  if (!dnsLabel.safeParse(label).success) {
    throw invalidRequest(
      reason,
      `the ${what} must be a DNS-1123 label: 1-63 lowercase letters, digits or hyphens`,
      field,
    );
  }
  return label;
}

/** The environment id of a URL path segment (percent-decoded), or 400 `invalid-environment-id`. */
export function environmentId(raw: string): string {
  return pathLabel(raw, 'environment id', 'invalid-environment-id', 'environmentId');
}

/** The tenant name of a URL path segment (percent-decoded), or 400 `invalid-tenant-name`. */
export function tenantName(raw: string): string {
  return pathLabel(raw, 'tenant name', 'invalid-tenant-name', 'tenantName');
}

/** The request's Idempotency-Key header, or 400 when it is not 1-255 visible ASCII characters. */
export function idempotencyKey(req: Request): string | undefined {
  const key = req.get('idempotency-key');
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw invalidRequest(
      'invalid-idempotency-key',
      'Idempotency-Key must be 1-255 visible ASCII characters',
      'Idempotency-Key',
    );
  }
  return key;
}

/**
 * The key a run is stored under for a caller's Idempotency-Key: keys are the caller's own, so
 * another caller sending the same key makes its own request (authorized on its own), never
 * answers or re-drives this caller's run.
 */
export function callerScopedKey(caller: string, key: string): string {
  return `${caller} ${key}`;
}

/**
 * The generation an `If-Match` header expects (`3` or `"3"`, an entity tag of the generation);
 * undefined without the header; 400 when it is anything else.
 */
export function ifMatchGeneration(req: Request): number | undefined {
  const header = req.get('if-match');
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?([1-9][0-9]{0,15})"?\s*$/.exec(header);
  if (!match) {
    throw invalidRequest(
      'invalid-if-match',
      'If-Match must be the generation the change expects, e.g. "3"',
      'If-Match',
    );
  }
  return Number(match[1]);
}

import { createHash, randomUUID } from 'node:crypto';
import { canonicalJson } from '../spec/hash.js';

/** sha256 (hex) of the canonical JSON (keys sorted) of any value, e.g. a request. */
export function hashOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/**
 * The run id of a request: derived from the idempotency key when there is one, so that
 * concurrent retries of one request converge on one document; random otherwise.
 */
export function runIdFor(idempotencyKey: string | undefined): string {
  if (idempotencyKey === undefined) return `run-${randomUUID()}`;
  return `run-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}`;
}

/** A deep copy without `undefined` fields: Firestore rejects them, and both stores must agree. */
export function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

import { createHash, randomUUID } from 'node:crypto';
import { isPlainObject, type JsonObject } from '../lib/json.js';
import { canonicalJson } from '../spec/hash.js';
import { TimestampValue } from './backend.js';

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

/**
 * {@link plain}, except that each {@link TimestampValue} becomes `native(value)`: how a backend
 * writes a timestamp in its own type (Firestore: a Timestamp). Everything else follows JSON's
 * rules, like {@link plain}: `undefined` fields are dropped, `undefined` array items become null.
 */
export function plainWithTimestamps(
  value: unknown,
  native: (timestamp: TimestampValue) => unknown,
): unknown {
  if (value instanceof TimestampValue) return native(value);
  if (Array.isArray(value)) {
    return value.map((item) => (item === undefined ? null : plainWithTimestamps(item, native)));
  }
  if (isObjectLiteral(value)) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, field]) => field !== undefined)
        .map(([key, field]) => [key, plainWithTimestamps(field, native)]),
    );
  }
  return value === undefined ? undefined : plain(value);
}

/** An object literal: instances of a class (a backend's own timestamp, a Date) are not walked. */
function isObjectLiteral(value: unknown): value is JsonObject {
  if (!isPlainObject(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

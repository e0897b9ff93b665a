/**
 * Shapes of decoded JSON, shared by every layer: request and response bodies, Kubernetes objects,
 * spec documents and stored run state are all handled as plain JSON values before they are typed.
 */

/** A decoded JSON object: field names to values not yet checked. */
export type JsonObject = Record<string, unknown>;

/**
 * Whether a value is an object with fields: not null, not an array. It does not look at the
 * prototype, so a class instance that carries data (a client library's model object) counts too;
 * code that must tell plain data from such instances checks the prototype itself.
 */
export function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

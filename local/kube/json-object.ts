/** A decoded JSON object, as the simulator handles Kubernetes objects and their fragments. */
export type JsonObject = Record<string, unknown>;

/** Whether a decoded JSON value is an object (not null, not an array). */
export function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

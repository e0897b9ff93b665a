/** A client's message object as plain JSON: protobuf.js oneof markers (`_name`) dropped. */
export function plainJson(value: unknown): Record<string, unknown> {
  const text = JSON.stringify(value ?? {}, (key, inner: unknown) =>
    key.startsWith('_') ? undefined : inner,
  );
  return JSON.parse(text) as Record<string, unknown>;
}

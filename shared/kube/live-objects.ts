import type { KubeObject } from '../plan/kube-object.js';
import type { KubeObjectClient, LiveObject, ManagedKind } from '../core/kube-apis.js';

/** Metadata the API server sets: none of it says anything about what an object does. */
const SERVER_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'selfLink',
] as const;

/** An object as read, without status and server-set metadata (smaller, and as an author wrote it). */
export function withoutServerFields(live: LiveObject): KubeObject {
  const { status: _status, ...rest } = live;
  const metadata: Record<string, unknown> = { ...live.metadata };
  for (const field of SERVER_METADATA) delete metadata[field];
  return { ...rest, metadata: metadata as KubeObject['metadata'] };
}

/**
 * Every object of the given kinds in the cluster, in all namespaces and whoever owns them
 * (no label selector), without server-set fields. A kind the server does not serve reads as
 * none. Read-only: it never writes.
 */
export async function readLiveObjects(
  client: KubeObjectClient,
  kinds: readonly ManagedKind[],
): Promise<KubeObject[]> {
  const lists = await Promise.all(kinds.map((kind) => client.list(kind, '')));
  return lists.flat().map(withoutServerFields);
}

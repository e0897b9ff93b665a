import { diffDocuments, type FieldChange } from '../lib/json-diff.js';
import { MANAGED_BY_VALUE, OWNER_LABELS } from '../spec/constants.js';
import type { KubeObject } from './kube-object.js';

/** What would happen to one Kubernetes object. */
export interface ObjectChange {
  action: 'create' | 'update' | 'delete';
  /** `Kind/namespace/name` (`Kind/name` when cluster-scoped). */
  object: string;
  /** For an update: the fields that differ, as the desired object sets them. */
  fields?: FieldChange[];
}

function refOf(object: KubeObject): string {
  const { namespace, name } = object.metadata;
  return namespace ? `${object.kind}/${namespace}/${name}` : `${object.kind}/${name}`;
}

/** The live value at each leaf path the desired document sets, so server defaults never count. */
function projected(desired: unknown, live: unknown): unknown {
  if (Array.isArray(desired)) {
    // Item by item: the server defaults fields inside list items too (a port's protocol).
    if (!Array.isArray(live)) return live;
    return live.map((item, index) =>
      index < desired.length ? projected(desired[index], item) : item,
    );
  }
  if (desired !== null && typeof desired === 'object' && !Array.isArray(desired)) {
    const source = live !== null && typeof live === 'object' && !Array.isArray(live) ? live : {};
    return Object.fromEntries(
      Object.keys(desired).map((key) => [
        key,
        projected(
          (desired as Record<string, unknown>)[key],
          (source as Record<string, unknown>)[key],
        ),
      ]),
    );
  }
  return live;
}

/** The parts of an object its writer decides (what an apply sets), not what the server adds. */
function written(object: KubeObject): Record<string, unknown> {
  const { metadata, status: _status, ...rest } = object as KubeObject & { status?: unknown };
  return {
    ...rest,
    metadata: {
      ...(metadata.labels ? { labels: metadata.labels } : {}),
      ...(metadata.annotations ? { annotations: metadata.annotations } : {}),
    },
  };
}

/**
 * What applying `desired` to a cluster holding `live` would do to the objects the product
 * manages for `environment` (pure): objects to create, objects whose desired fields differ
 * (field by field; a field the server defaults or adds is not a difference), and managed objects
 * no longer desired, which the apply prunes. Objects of others are never listed.
 */
export function objectDiff(
  environment: string,
  live: readonly KubeObject[],
  desired: readonly KubeObject[],
): ObjectChange[] {
  const managed = (o: KubeObject) =>
    o.metadata.labels?.[OWNER_LABELS.managedBy] === MANAGED_BY_VALUE &&
    o.metadata.labels?.[OWNER_LABELS.environment] === environment;
  const liveByRef = new Map(live.map((o) => [refOf(o), o]));
  const desiredRefs = new Set(desired.map(refOf));
  const changes: ObjectChange[] = [];
  for (const object of desired) {
    const ref = refOf(object);
    const current = liveByRef.get(ref);
    if (!current) {
      changes.push({ action: 'create', object: ref });
      continue;
    }
    const wanted = written(object);
    const fields = diffDocuments(projected(wanted, current), wanted);
    if (fields.length > 0) changes.push({ action: 'update', object: ref, fields });
  }
  for (const object of live) {
    if (managed(object) && !desiredRefs.has(refOf(object))) {
      changes.push({ action: 'delete', object: refOf(object) });
    }
  }
  return changes.sort((a, b) => (a.object < b.object ? -1 : a.object > b.object ? 1 : 0));
}

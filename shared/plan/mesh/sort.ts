import type { KubeObject } from '../kube-object.js';

/**
 * Apply order of kinds: namespaces first, then what workloads need (identities, RBAC, services),
 * then policy and routing. Kinds not listed sort after these, alphabetically.
 */
export const KIND_ORDER: readonly string[] = [
  'Namespace',
  'ServiceAccount',
  'Role',
  'RoleBinding',
  'Service',
  'Deployment',
  'PodDisruptionBudget',
  'HorizontalPodAutoscaler',
  'NetworkPolicy',
  'PeerAuthentication',
  'Telemetry',
  'Sidecar',
  'Gateway',
  'ServiceEntry',
  'DestinationRule',
  'VirtualService',
  'AuthorizationPolicy',
];

function kindRank(kind: string): number {
  const index = KIND_ORDER.indexOf(kind);
  return index === -1 ? KIND_ORDER.length : index;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders objects by kind (KIND_ORDER), then kind name, namespace and name; returns a new array. */
export function sortObjects(objects: readonly KubeObject[]): KubeObject[] {
  return [...objects].sort(
    (a, b) =>
      kindRank(a.kind) - kindRank(b.kind) ||
      compareStrings(a.kind, b.kind) ||
      compareStrings(a.metadata.namespace ?? '', b.metadata.namespace ?? '') ||
      compareStrings(a.metadata.name, b.metadata.name),
  );
}

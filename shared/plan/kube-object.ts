/** The minimal shape of a Kubernetes object the compiler emits and the applier sends. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  [field: string]: unknown;
}

/** A stable identity for an object: kind, namespace and name (apiVersion excluded on purpose). */
export function objectKey(obj: Pick<KubeObject, 'kind' | 'metadata'>): string {
  return `${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}

/** A kind as a cluster lists it: the API version to list it through, and whether it is namespaced. */
export interface ListedKind {
  apiVersion: string;
  kind: string;
  namespaced: boolean;
}

/**
 * Every kind the compiler emits, with the API version the product lists it through. One table
 * for the applier (which prunes them) and the analyzer (which reads some of them live).
 */
export const LISTED_KINDS: readonly ListedKind[] = [
  { apiVersion: 'v1', kind: 'Namespace', namespaced: false },
  { apiVersion: 'v1', kind: 'ServiceAccount', namespaced: true },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', namespaced: true },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', namespaced: true },
  { apiVersion: 'v1', kind: 'Service', namespaced: true },
  { apiVersion: 'apps/v1', kind: 'Deployment', namespaced: true },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', namespaced: true },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', namespaced: true },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespaced: true },
  { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', namespaced: true },
  { apiVersion: 'telemetry.istio.io/v1', kind: 'Telemetry', namespaced: true },
  { apiVersion: 'networking.istio.io/v1', kind: 'Sidecar', namespaced: true },
  { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', namespaced: true },
  { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', namespaced: true },
  { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', namespaced: true },
  { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespaced: true },
  { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', namespaced: true },
];

/** The listed kinds of these names, in this order; a name the table lacks is a programming error. */
export function listedKinds(kinds: readonly string[]): ListedKind[] {
  return kinds.map((kind) => {
    const listed = LISTED_KINDS.find((k) => k.kind === kind);
    if (!listed) throw new Error(`no listed kind ${kind} (shared/plan/kube-object.ts)`);
    return listed;
  });
}

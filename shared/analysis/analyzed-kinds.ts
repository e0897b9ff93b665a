/** A kind the analyzer reads, with the API version a cluster is listed through. */
export interface AnalyzedKind {
  apiVersion: string;
  kind: string;
  namespaced: boolean;
}

/**
 * Every kind the reachability analyzer reads (namespace labels, the gateway's Service and
 * Deployment, NetworkPolicy, Istio routing and authorization). A live check lists each of them
 * across ALL namespaces and without a label selector: objects the product does not own (another
 * team's AuthorizationPolicy, a ServiceEntry exported to `*`) decide reachability just as well.
 */
export const ANALYZED_KINDS: readonly AnalyzedKind[] = [
  { apiVersion: 'v1', kind: 'Namespace', namespaced: false },
  { apiVersion: 'v1', kind: 'Service', namespaced: true },
  { apiVersion: 'apps/v1', kind: 'Deployment', namespaced: true },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespaced: true },
  { apiVersion: 'networking.istio.io/v1', kind: 'Sidecar', namespaced: true },
  { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', namespaced: true },
  { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', namespaced: true },
  { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', namespaced: true },
  { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespaced: true },
  { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', namespaced: true },
];

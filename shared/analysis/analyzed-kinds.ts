import { listedKinds, type ListedKind } from '../plan/kube-object.js';

/** A kind the analyzer reads, with the API version a cluster is listed through. */
export type AnalyzedKind = ListedKind;

/**
 * Every kind the reachability analyzer reads (namespace labels, the gateway's Service and
 * Deployment, NetworkPolicy, Istio routing and authorization). A live check lists each of them
 * across ALL namespaces and without a label selector: objects the product does not own (another
 * team's AuthorizationPolicy, a ServiceEntry exported to `*`) decide reachability just as well.
 */
export const ANALYZED_KINDS: readonly AnalyzedKind[] = listedKinds([
  'Namespace',
  'Service',
  'Deployment',
  'NetworkPolicy',
  'Sidecar',
  'Gateway',
  'ServiceEntry',
  'DestinationRule',
  'VirtualService',
  'AuthorizationPolicy',
]);

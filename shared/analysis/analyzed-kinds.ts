import { listedKinds, type ListedKind } from '../plan/kube-object.js';

/** A kind the analyzer reads, with the API version a cluster is listed through. */
export type AnalyzedKind = ListedKind;

/**
 * Every kind the reachability analyzer reads, and where it reads it; in the order a cluster is
 * listed (shared/plan/kube-object.ts `LISTED_KINDS`).
 */
const READ_BY: Readonly<Record<string, string>> = {
  Namespace: 'network-policy.ts: the labels namespaceSelectors match',
  Service: "gateway-service.ts: the egress gateway's Services and ports",
  Deployment: "gateway-service.ts: the egress gateway pods' labels",
  NetworkPolicy: 'network-policy.ts: pod egress and ingress (node hop)',
  Sidecar: "sidecar-hop.ts: the source proxy's scope and outbound traffic policy",
  Gateway: 'gateway-server.ts: the server that accepts a connection',
  ServiceEntry: "sidecar-hop.ts: the source proxy's registry",
  DestinationRule: 'destination-rule.ts: TLS toward the gateway and from it',
  VirtualService: 'virtual-service.ts: routes at mesh and at the gateway',
  AuthorizationPolicy: 'gateway-hop.ts: who may use the gateway',
};

/**
 * The kinds a live check lists, each across ALL namespaces and without a label selector:
 * objects the product does not own (another team's AuthorizationPolicy, a ServiceEntry exported
 * to `*`) decide reachability just as well.
 */
export const ANALYZED_KINDS: readonly AnalyzedKind[] = listedKinds(Object.keys(READ_BY));

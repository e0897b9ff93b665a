import type { Environment } from '../../spec/environment.js';
import type { Tenant } from '../../spec/tenant.js';

export { tenantNamespace } from '../../spec/egress.js';
import { OWNER_LABELS, MANAGED_BY_VALUE } from '../../spec/constants.js';

/**
 * The egress gateway's ports: Service port → container (target) port. AuthorizationPolicy's
 * `destination.port` is the target port (docs/architecture.md "Reachability analyzer"), so policies
 * read it from here.
 */
export const GATEWAY_PORTS = {
  /** Sidecar → gateway over Istio mTLS; the gateway sees HTTP (origination and plain http). */
  http: { name: 'http', port: 80, targetPort: 8080 },
  /** Sidecar → gateway with the app's own TLS, forwarded by SNI (passthrough). */
  tls: { name: 'tls', port: 443, targetPort: 8443 },
} as const;

/** Name of the Istio Gateway resource in the gateway namespace (the tutorial's). */
export const EGRESS_GATEWAY_RESOURCE = 'egress-gateway';
/** Name of the DestinationRule that carries the sidecar → gateway subsets (the tutorial's). */
export const GATEWAY_DESTINATION_RULE = 'target-egress-gateway';
/** Subset for sidecar → gateway traffic wrapped in Istio mTLS (the tutorial's name). */
export const MTLS_SUBSET = 'target-egress-gateway-mTLS';
/** Subset for sidecar → gateway TLS passthrough traffic (the tutorial's name). */
export const PASSTHROUGH_SUBSET = 'target-egress-gateway-TLS-passthrough';
/** The label value that selects the egress gateway pods (`istio: egress`, as the tutorial). */
export const GATEWAY_SELECTOR = { istio: 'egress' } as const;
/** The control plane namespace (Istio's root namespace). */
export const ISTIO_SYSTEM = 'istio-system';
/** Namespace label set by the API server itself, which no one can change or forge. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * Annotation on objects that exist independently of the product (kube-system, istio-system):
 * the applier server-side-applies only the fields given here (labels) and must NEVER delete such
 * an object when pruning; it drops its own labels instead. The API server also refuses to
 * delete kube-system, but istio-system belongs to the managed control plane.
 */
export const ADOPTED_ANNOTATION = 'egress.provisioner.dev/adopted';

/** The egress gateway Service's cluster-local FQDN (`istio-egressgateway.istio-egress.svc.cluster.local`). */
export function gatewayServiceHost(env: Environment): string {
  const gw = env.spec.mesh.egressGateway;
  return `${gw.name}.${gw.namespace}.svc.cluster.local`;
}

/** `namespace/name` reference of the Istio Gateway, as VirtualServices bind to it. */
export function gatewayReference(env: Environment): string {
  return `${env.spec.mesh.egressGateway.namespace}/${EGRESS_GATEWAY_RESOURCE}`;
}

/**
 * Names derived from tenants and hosts: injective, at most 63 characters (shared/spec
 * object-names.ts).
 */
export {
  hostSlug,
  hostServiceEntryName,
  hostVirtualServiceName,
  originationRuleName,
  originationSubsetName,
  mutualObjectName,
  tenantHostPolicyName,
  tenantPassthroughPolicyName,
} from '../../spec/object-names.js';

/**
 * Ownership labels (shared/spec/constants.ts OWNER_LABELS): every object carries managed-by and
 * environment; objects that belong to exactly one tenant also carry the tenant, so offboarding
 * a tenant prunes exactly its objects. Objects shared by tenants (a host's routing) carry none.
 */
export function ownerLabels(env: Environment, tenant?: Tenant): Record<string, string> {
  const labels: Record<string, string> = {
    [OWNER_LABELS.managedBy]: MANAGED_BY_VALUE,
    [OWNER_LABELS.environment]: env.metadata.name,
  };
  if (tenant) labels[OWNER_LABELS.tenant] = tenant.metadata.name;
  return labels;
}

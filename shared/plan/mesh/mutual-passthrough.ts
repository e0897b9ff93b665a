/**
 * EXPERIMENTAL `mesh.passthroughMode: istio-mutual` (docs/architecture.md "Tenant policy compiler"): the
 * app's TLS stream is wrapped in Istio mTLS between sidecar and gateway, so the gateway knows
 * which namespace a passthrough connection comes from and can authorize it per tenant. The
 * pattern (Gateway server TLS + ISTIO_MUTUAL, DestinationRule subset ISTIO_MUTUAL + sni, a `tcp`
 * route at the gateway, one gateway port per host) was shown by an Istio maintainer, is
 * documented nowhere current and is unverified on managed Cloud Service Mesh.
 *
 * Each passthrough host gets its own Service, Gateway and DestinationRule (all selecting the
 * same gateway pods), so the mesh-config step's objects stay independent of tenants.
 */
import { PermanentError } from '../../errors.js';
import type { Environment } from '../../spec/environment.js';
import type { KubeObject } from '../kube-object.js';
import type { HostGrants, TenantGrant } from './grants.js';
import {
  authorizationPolicy,
  destinationRule,
  gateway,
  type TcpRoute,
  type TlsRoute,
} from './istio-builders.js';
import { service } from './kubernetes-builders.js';
import {
  GATEWAY_SELECTOR,
  mutualObjectName,
  ownerLabels,
  tenantPassthroughPolicyName,
} from './names.js';

/** Gateway ports for wrapped passthrough: outside Istio's 15000-15090 and below ephemeral ports. */
export const MUTUAL_PASSTHROUGH_PORTS = { first: 20000, count: 10000 } as const;
/** Subset of a host's gateway Service that wraps the app's TLS in Istio mTLS. */
export const MUTUAL_SUBSET = 'istio-mutual';

/** 32-bit FNV-1a: a stable, dependency-free hash for port allocation and short names. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * A gateway port per passthrough host, from a hash of the host name: adding or removing one host
 * moves no other host's port (unless two hash to the same port, resolved in host order).
 */
export function allocateMutualPorts(hosts: readonly string[]): Map<string, number> {
  const { first, count } = MUTUAL_PASSTHROUGH_PORTS;
  // Past `count` hosts the probe below would never find a free port: refuse instead of hanging.
  if (new Set(hosts).size > count) {
    throw new PermanentError(
      'invalid-argument',
      `${new Set(hosts).size} passthrough hosts need more than the ${count} gateway ports wrapped passthrough has (${first}-${first + count - 1}); use fewer passthrough hosts or passthroughMode plain`,
      { field: 'spec.mesh.passthroughMode' },
    );
  }
  const taken = new Set<number>();
  const ports = new Map<string, number>();
  for (const host of [...hosts].sort()) {
    let offset = fnv1a(host) % count;
    while (taken.has(first + offset)) offset = (offset + 1) % count;
    taken.add(first + offset);
    ports.set(host, first + offset);
  }
  return ports;
}

/** What a host's wrapped passthrough adds: objects, and the routes of its VirtualService. */
export interface MutualPassthrough {
  objects: KubeObject[];
  gatewayRef: string;
  tls: TlsRoute[];
  tcp: TcpRoute[];
}

/** Service, Gateway, DestinationRule, routes and per-tenant policies of one passthrough host. */
export function mutualPassthrough(
  env: Environment,
  grants: HostGrants & { passthrough: NonNullable<HostGrants['passthrough']> },
  port: number,
  exportTo: string[],
): MutualPassthrough {
  const gw = env.spec.mesh.egressGateway;
  const labels = ownerLabels(env);
  const name = mutualObjectName(grants.host);
  const serviceHost = `${name}.${gw.namespace}.svc.cluster.local`;
  const gatewayRef = `${gw.namespace}/${name}`;
  const objects: KubeObject[] = [
    service({
      name,
      namespace: gw.namespace,
      labels,
      selector: { app: gw.name, ...GATEWAY_SELECTOR },
      ports: [{ name: 'tls', port, targetPort: port }],
    }),
    gateway({
      name,
      namespace: gw.namespace,
      labels,
      selector: GATEWAY_SELECTOR,
      servers: [
        {
          port: { number: port, name: `tls-${port}`, protocol: 'TLS' },
          hosts: [`${gw.namespace}/${grants.host}`],
          tls: { mode: 'ISTIO_MUTUAL' },
        },
      ],
    }),
    destinationRule({
      name,
      namespace: gw.namespace,
      labels,
      host: serviceHost,
      // Sidecars apply this rule (they wrap the stream), so it goes where the host is exported.
      exportTo,
      subsets: [
        {
          name: MUTUAL_SUBSET,
          trafficPolicy: {
            loadBalancer: { simple: 'ROUND_ROBIN' },
            portLevelSettings: [
              { port: { number: port }, tls: { mode: 'ISTIO_MUTUAL', sni: grants.host } },
            ],
          },
        },
      ],
    }),
    ...grants.passthrough.tenants.map((grant) => tenantPolicy(env, grants.host, port, grant)),
  ];
  return {
    objects,
    gatewayRef,
    tls: [
      {
        match: [{ gateways: ['mesh'], port: grants.passthrough.port, sniHosts: [grants.host] }],
        route: [
          {
            destination: { host: serviceHost, subset: MUTUAL_SUBSET, port: { number: port } },
            weight: 100,
          },
        ],
      },
    ],
    tcp: [
      {
        match: [{ gateways: [gatewayRef], port }],
        route: [
          {
            destination: { host: grants.host, port: { number: grants.passthrough.targetPort } },
            weight: 100,
          },
        ],
      },
    ],
  };
}

/** A tenant's wrapped-passthrough grant: its namespace (now visible), the host's port and SNI. */
function tenantPolicy(
  env: Environment,
  host: string,
  port: number,
  grant: TenantGrant,
): KubeObject {
  return authorizationPolicy({
    name: tenantPassthroughPolicyName(grant.tenant.metadata.name, host),
    namespace: env.spec.mesh.egressGateway.namespace,
    labels: ownerLabels(env, grant.tenant),
    selector: GATEWAY_SELECTOR,
    rules: [
      {
        from: [{ source: { namespaces: [grant.namespace] } }],
        when: [
          { key: 'destination.port', values: [String(port)] },
          { key: 'connection.sni', values: [host] },
        ],
      },
    ],
  });
}

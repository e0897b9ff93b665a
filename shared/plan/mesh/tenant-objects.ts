import { PRIVATE_GOOGLE_APIS_CIDR, RESTRICTED_GOOGLE_APIS_CIDR } from '../../spec/constants.js';
import { podSecurityLabels } from '../../spec/tenant-policy.js';
import type { Environment } from '../../spec/environment.js';
import type { Tenant } from '../../spec/tenant.js';
import { PermanentError } from '../../errors.js';
import type { KubeObject } from '../kube-object.js';
import { compileGrants, groupGrants, type HostGrants, type TenantGrant } from './grants.js';
import {
  authorizationPolicy,
  destinationRule,
  serviceEntry,
  sidecar,
  virtualService,
  type AuthorizationRule,
  type HttpRoute,
  type ServiceEntryPort,
  type TcpRoute,
  type TlsRoute,
} from './istio-builders.js';
import {
  namespace,
  networkPolicy,
  serviceAccount,
  type NetworkPolicyPeer,
} from './kubernetes-builders.js';
import type { MeshObjectsOptions } from './mesh-objects.js';
import {
  allocateMutualPorts,
  MUTUAL_PASSTHROUGH_PORTS,
  mutualPassthrough,
} from './mutual-passthrough.js';
import {
  GATEWAY_PORTS,
  GATEWAY_SELECTOR,
  ISTIO_SYSTEM,
  MTLS_SUBSET,
  NAMESPACE_NAME_LABEL,
  PASSTHROUGH_SUBSET,
  gatewayReference,
  gatewayServiceHost,
  hostServiceEntryName,
  hostVirtualServiceName,
  originationRuleName,
  originationSubsetName,
  ownerLabels,
  tenantHostPolicyName,
  tenantNamespace,
} from './names.js';
import { sortObjects } from './sort.js';

/** Name of the environment-wide policy that admits granted SNI names on the passthrough port. */
export const PASSTHROUGH_SNI_POLICY = 'egress-gateway-passthrough-sni';

/** Hosts a tenant with Google API access reaches directly (Private Google Access), not via the gateway. */
export const GOOGLE_API_SERVICE_ENTRIES = [
  { name: 'metadata-google-internal', hosts: ['metadata.google.internal'] },
  { name: 'private-googleapis-com', hosts: ['private.googleapis.com', 'storage.googleapis.com'] },
] as const;

/** The GKE metadata server: 169.254.169.254 on dataplane v2, 127.0.0.1:988 on dataplane v1. */
const METADATA_SERVER_EGRESS = [
  { to: [{ ipBlock: { cidr: '169.254.169.254/32' } }] },
  { to: [{ ipBlock: { cidr: '127.0.0.1/32' } }], ports: [{ protocol: 'TCP' as const, port: 988 }] },
];

/** Whether a tenant reaches Google APIs directly; Workload Identity implies it. */
export function usesGoogleApis(tenant: Tenant): boolean {
  return tenant.spec.googleApis || tenant.spec.workloadIdentity.length > 0;
}

/**
 * Objects of the tenants step for the FULL set of tenants of the environment (absent tenants
 * excluded): per host, the routing shared by the tenants granted it; per tenant×host, the
 * gateway's authorization; per tenant, its namespace, Sidecar, NetworkPolicies and Workload
 * Identity service accounts. Pure and order-free: the same set in any order gives the same list.
 */
export function desiredTenantObjects(
  env: Environment,
  tenants: readonly Tenant[],
  opts: MeshObjectsOptions = {},
): KubeObject[] {
  const revisionReady = opts.revisionReady ?? true;
  const { tenants: present, hosts } = compileGrants(env, tenants);
  const objects: KubeObject[] = [];
  const passthroughHosts = hosts.filter((h) => h.passthrough).map((h) => h.host);
  const wrapped = env.spec.mesh.passthroughMode === 'istio-mutual';
  const mutualPorts = wrapped ? allocateMutualPorts(passthroughHosts) : new Map<string, number>();
  for (const grants of hosts)
    objects.push(...hostObjects(env, grants, mutualPorts.get(grants.host)));
  if (passthroughHosts.length > 0 && !wrapped) {
    // Over passthrough the gateway sees raw TLS from the app, with no Istio mTLS and so no
    // client identity: this can only be one policy for the whole environment, keyed on SNI.
    objects.push(
      authorizationPolicy({
        name: PASSTHROUGH_SNI_POLICY,
        namespace: env.spec.mesh.egressGateway.namespace,
        labels: ownerLabels(env),
        selector: GATEWAY_SELECTOR,
        rules: [
          {
            when: [
              { key: 'destination.port', values: [String(GATEWAY_PORTS.tls.targetPort)] },
              { key: 'connection.sni', values: passthroughHosts },
            ],
          },
        ],
      }),
    );
  }
  const googleApiNamespaces = present.filter(usesGoogleApis).map(tenantNamespace).sort();
  if (googleApiNamespaces.length > 0) {
    for (const entry of GOOGLE_API_SERVICE_ENTRIES) {
      objects.push(
        serviceEntry({
          name: entry.name,
          namespace: env.spec.mesh.egressGateway.namespace,
          labels: ownerLabels(env),
          hosts: [...entry.hosts],
          ports: [
            { number: 80, name: 'http', protocol: 'HTTP' },
            { number: 443, name: 'tls', protocol: 'TLS' },
          ],
          resolution: 'DNS',
          exportTo: ['.', ...googleApiNamespaces],
        }),
      );
    }
  }
  for (const tenant of present)
    objects.push(...tenantOwnObjects(env, tenant, present, revisionReady));
  return sortObjects(objects);
}

/**
 * Throws exactly what {@link desiredTenantObjects} would throw for the same environment and
 * tenants (the same PermanentError, first one first), without building the objects: grouping
 * the grants refuses what the gateway cannot route, wrapped passthrough refuses more hosts than
 * it has ports, and each host's ServiceEntry ports, in the same host order, refuse a port
 * carrying two protocols. Nothing else on that path throws, so
 * validation asks this instead of compiling thousands of objects
 * (test/shared/plan/mesh/expressible.test.ts compares the two).
 */
export function checkTenantObjects(env: Environment, tenants: readonly Tenant[]): void {
  const { hosts } = groupGrants(env, tenants);
  if (env.spec.mesh.passthroughMode === 'istio-mutual') {
    const passthroughHosts = [...hosts.values()].filter((h) => h.passthrough).map((h) => h.host);
    if (passthroughHosts.length > MUTUAL_PASSTHROUGH_PORTS.count) {
      allocateMutualPorts(passthroughHosts);
    }
  }
  // The compile checks hosts in name order and stops at the first refusal: that is the refused
  // host with the least name, found without sorting every host.
  let refused: HostGrants | undefined;
  for (const grants of hosts.values()) {
    if (refused !== undefined && grants.host > refused.host) continue;
    try {
      servicePortProtocols(grants);
    } catch (error) {
      if (!(error instanceof PermanentError)) throw error;
      refused = grants;
    }
  }
  if (refused !== undefined) servicePortProtocols(refused);
}

/**
 * ServiceEntry, VirtualService, origination DestinationRule and per-tenant policies of a host;
 * `mutualPort` is the host's gateway port when passthrough is wrapped in Istio mTLS.
 */
function hostObjects(env: Environment, grants: HostGrants, mutualPort?: number): KubeObject[] {
  const gwNamespace = env.spec.mesh.egressGateway.namespace;
  const gwHost = gatewayServiceHost(env);
  const gwRef = gatewayReference(env);
  const labels = ownerLabels(env);
  const granted = new Set<string>();
  for (const g of [...(grants.http?.tenants ?? []), ...(grants.passthrough?.tenants ?? [])]) {
    granted.add(g.namespace);
  }
  // '.' rather than the gateway namespace's name: Istio ignored the other namespaces of a list
  // that named the config's own namespace (istio/istio#48349).
  const exportTo = ['.', ...[...granted].sort()];
  const objects: KubeObject[] = [];
  const originationSubset = originationSubsetName(grants.host);

  const http: HttpRoute[] = [];
  const tls: TlsRoute[] = [];
  if (grants.http) {
    const origination = grants.http.mode === 'tls-origination';
    http.push(
      {
        match: [{ gateways: ['mesh'], port: grants.http.port }],
        route: [
          {
            destination: {
              host: gwHost,
              subset: MTLS_SUBSET,
              port: { number: GATEWAY_PORTS.http.port },
            },
            weight: 100,
          },
        ],
      },
      {
        match: [{ gateways: [gwRef], port: GATEWAY_PORTS.http.port }],
        route: [
          {
            destination: {
              host: grants.host,
              ...(origination ? { subset: originationSubset } : {}),
              port: { number: grants.http.targetPort },
            },
            weight: 100,
          },
        ],
      },
    );
    if (origination) {
      objects.push(
        destinationRule({
          name: originationRuleName(grants.host),
          namespace: gwNamespace,
          labels,
          host: grants.host,
          // Only the gateway originates TLS; sidecars never route to the host directly.
          exportTo: ['.'],
          subsets: [
            {
              name: originationSubset,
              trafficPolicy: {
                loadBalancer: { simple: 'ROUND_ROBIN' },
                portLevelSettings: [
                  {
                    port: { number: grants.http.targetPort },
                    tls: { mode: 'SIMPLE', sni: grants.host },
                  },
                ],
              },
            },
          ],
        }),
      );
    }
    for (const grant of grants.http.tenants) {
      objects.push(tenantHostPolicy(env, grants.host, grants.http.port, grant));
    }
  }
  const tcp: TcpRoute[] = [];
  // The shared gateway carries HTTP and plain passthrough; wrapped passthrough has its own.
  const gateways = ['mesh'];
  if (grants.http || (grants.passthrough && mutualPort === undefined)) gateways.push(gwRef);
  if (grants.passthrough && mutualPort !== undefined) {
    const wrapped = mutualPassthrough(
      env,
      { ...grants, passthrough: grants.passthrough },
      mutualPort,
      exportTo,
    );
    objects.push(...wrapped.objects);
    tls.push(...wrapped.tls);
    tcp.push(...wrapped.tcp);
    gateways.push(wrapped.gatewayRef);
  } else if (grants.passthrough) {
    tls.push(
      {
        match: [{ gateways: ['mesh'], port: grants.passthrough.port, sniHosts: [grants.host] }],
        route: [
          {
            destination: {
              host: gwHost,
              subset: PASSTHROUGH_SUBSET,
              port: { number: GATEWAY_PORTS.tls.port },
            },
            weight: 100,
          },
        ],
      },
      {
        match: [{ gateways: [gwRef], port: GATEWAY_PORTS.tls.port, sniHosts: [grants.host] }],
        route: [
          {
            destination: { host: grants.host, port: { number: grants.passthrough.targetPort } },
            weight: 100,
          },
        ],
      },
    );
  }
  objects.push(
    serviceEntry({
      name: hostServiceEntryName(grants.host),
      namespace: gwNamespace,
      labels,
      hosts: [grants.host],
      ports: serviceEntryPorts(grants),
      resolution: 'DNS',
      exportTo,
    }),
    virtualService({
      name: hostVirtualServiceName(grants.host),
      namespace: gwNamespace,
      labels,
      hosts: [grants.host],
      gateways,
      http,
      tls,
      tcp,
      exportTo,
    }),
  );
  return objects;
}

/** The ports a host's ServiceEntry declares: exactly those its granted modes use. */
function serviceEntryPorts(grants: HostGrants): ServiceEntryPort[] {
  return servicePortProtocols(grants)
    .sort(([a], [b]) => a - b)
    .map(([number, protocol]) => ({ number, name: portName(number, protocol), protocol }));
}

/**
 * Each port of a host's ServiceEntry with its protocol, in first-use order; throws when one port
 * would carry two protocols. At most four ports, so a list rather than a Map.
 */
function servicePortProtocols(grants: HostGrants): Array<[number, ServiceEntryPort['protocol']]> {
  const ports: Array<[number, ServiceEntryPort['protocol']]> = [];
  const add = (number: number, protocol: ServiceEntryPort['protocol']) => {
    const existing = ports.find(([n]) => n === number)?.[1];
    if (existing !== undefined && existing !== protocol) {
      throw new PermanentError(
        'invalid-argument',
        `host ${grants.host}: port ${number} would carry both ${existing} and ${protocol}; choose other ports`,
        { field: 'spec.egress[].port' },
      );
    }
    if (existing === undefined) ports.push([number, protocol]);
  };
  if (grants.http) {
    add(grants.http.port, 'HTTP');
    add(grants.http.targetPort, grants.http.mode === 'tls-origination' ? 'TLS' : 'HTTP');
  }
  if (grants.passthrough) {
    add(grants.passthrough.port, 'TLS');
    add(grants.passthrough.targetPort, 'TLS');
  }
  return ports;
}

function portName(number: number, protocol: ServiceEntryPort['protocol']): string {
  if (number === 80 && protocol === 'HTTP') return 'http';
  if (number === 443 && protocol === 'TLS') return 'tls';
  return `${protocol.toLowerCase()}-${number}`;
}

/**
 * One tenant's ALLOW policy for one host on the gateway: its namespace (the mTLS identity the
 * gateway sees on port 80), the host, its paths and methods, on the gateway pod's HTTP port.
 */
function tenantHostPolicy(
  env: Environment,
  host: string,
  appPort: number,
  grant: TenantGrant,
): KubeObject {
  // The Host header carries the port only when it is not the scheme's default.
  const hosts = appPort === 80 ? [host] : [host, `${host}:${appPort}`];
  const rules: AuthorizationRule[] = grant.rules.map((rule) => ({
    from: [{ source: { namespaces: [grant.namespace] } }],
    to: [
      {
        operation: {
          hosts,
          ...(rule.paths.length > 0 ? { paths: [...new Set(rule.paths)].sort() } : {}),
          ...(rule.methods.length > 0 ? { methods: [...new Set(rule.methods)].sort() } : {}),
        },
      },
    ],
    // destination.port is the port the gateway POD receives on (the Service's targetPort).
    when: [{ key: 'destination.port', values: [String(GATEWAY_PORTS.http.targetPort)] }],
  }));
  // One rule per egress rule, deduplicated and sorted: the spec's rule order means nothing.
  const unique = [...new Map(rules.map((r) => [JSON.stringify(r), r])).entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, r]) => r);
  return authorizationPolicy({
    name: tenantHostPolicyName(grant.tenant.metadata.name, host),
    namespace: env.spec.mesh.egressGateway.namespace,
    labels: ownerLabels(env, grant.tenant),
    selector: GATEWAY_SELECTOR,
    rules: unique,
  });
}

/** Whether `target` admits `source`'s pods: `source` allows it and `target` accepts `source`. */
export function acceptsTraffic(source: Tenant, target: Tenant): boolean {
  return (
    source !== target &&
    source.spec.networkPolicy.allowToTenants.includes(target.metadata.name) &&
    target.spec.networkPolicy.acceptFromTenants.includes(source.metadata.name)
  );
}

const byName = (name: string): { matchLabels: Record<string, string> } => ({
  matchLabels: { [NAMESPACE_NAME_LABEL]: name },
});

/** A tenant's namespace, Sidecar, NetworkPolicies and Workload Identity service accounts. */
function tenantOwnObjects(
  env: Environment,
  tenant: Tenant,
  present: readonly Tenant[],
  revisionReady: boolean,
): KubeObject[] {
  const ns = tenantNamespace(tenant);
  const labels = ownerLabels(env, tenant);
  const gwNamespace = env.spec.mesh.egressGateway.namespace;
  const objects: KubeObject[] = [
    namespace({
      name: ns,
      labels: {
        ...tenant.spec.namespaceLabels,
        ...(revisionReady ? { 'istio-injection': 'enabled' } : {}),
        // Per environment, never per tenant: validation refuses pod-security.* namespaceLabels.
        ...podSecurityLabels(env.spec.tenancy.podSecurity),
        ...labels,
      },
    }),
    sidecar({
      name: 'default',
      namespace: ns,
      labels,
      outboundTrafficPolicy: 'REGISTRY_ONLY',
      egressHosts: [`${gwNamespace}/*`, `${ns}/*`],
    }),
    // Namespaces are selected by kubernetes.io/metadata.name, which the API server sets and no
    // one can forge, rather than by labels any namespace editor could copy.
    networkPolicy({
      name: 'allow-egress-to-control-plane',
      namespace: ns,
      labels,
      egress: [
        {
          to: [
            {
              namespaceSelector: byName(ISTIO_SYSTEM),
              podSelector: { matchLabels: { istio: 'istiod' } },
            },
            {
              namespaceSelector: byName(gwNamespace),
              podSelector: { matchLabels: { ...GATEWAY_SELECTOR } },
            },
          ],
        },
      ],
    }),
    networkPolicy({
      name: 'allow-egress-to-dns',
      namespace: ns,
      labels,
      egress: [
        {
          to: [{ namespaceSelector: byName('kube-system') }],
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 53 },
          ],
        },
      ],
    }),
  ];
  if (tenant.spec.networkPolicy.allowSameNamespace) {
    objects.push(
      networkPolicy({
        name: 'allow-egress-to-same-namespace',
        namespace: ns,
        labels,
        ingress: [{ from: [{ podSelector: {} }] }],
        egress: [{ to: [{ podSelector: {} }] }],
      }),
    );
    // Ingress is isolated by the policy above; admit the tenants that were granted this one
    // AND that this tenant accepts: another tenant's spec alone never opens this namespace.
    const sources = present.filter((t) => acceptsTraffic(t, tenant));
    if (sources.length > 0) {
      objects.push(
        networkPolicy({
          name: 'allow-ingress-from-granted-tenants',
          namespace: ns,
          labels,
          ingress: [
            {
              from: sources.map((t): NetworkPolicyPeer => ({
                namespaceSelector: byName(tenantNamespace(t)),
              })),
            },
          ],
        }),
      );
    }
  }
  // A target tenant that is absent (offboarded) or unknown gets no policy: nothing to reach.
  for (const targetName of [...new Set(tenant.spec.networkPolicy.allowToTenants)].sort()) {
    const target = present.find((t) => t.metadata.name === targetName);
    if (!target || target === tenant) continue;
    objects.push(
      networkPolicy({
        name: `allow-egress-to-tenant-${targetName}`,
        namespace: ns,
        labels,
        egress: [{ to: [{ namespaceSelector: byName(tenantNamespace(target)) }] }],
      }),
    );
  }
  if (usesGoogleApis(tenant)) {
    objects.push(
      networkPolicy({
        name: 'allow-egress-to-google-apis',
        namespace: ns,
        labels,
        egress: [
          {
            to: [
              { ipBlock: { cidr: RESTRICTED_GOOGLE_APIS_CIDR } },
              { ipBlock: { cidr: PRIVATE_GOOGLE_APIS_CIDR } },
            ],
          },
        ],
      }),
      networkPolicy({
        name: 'allow-egress-to-metadata-server',
        namespace: ns,
        labels,
        egress: METADATA_SERVER_EGRESS,
      }),
    );
  }
  for (const wi of tenant.spec.workloadIdentity) {
    objects.push(
      serviceAccount({
        name: wi.kubernetesServiceAccount,
        namespace: ns,
        labels,
        annotations: {
          'iam.gke.io/gcp-service-account': `${wi.googleServiceAccount}@${env.spec.project}.iam.gserviceaccount.com`,
        },
      }),
    );
  }
  return objects;
}

import {
  GATEWAY_EGRESS_PORTS,
  GOOGLE_HEALTH_CHECK_RANGES,
  PRIVATE_GOOGLE_APIS_CIDR,
} from '../../spec/constants.js';
import type { Environment } from '../../spec/environment.js';
import { gatewayNodesEmail, networkPath } from './names.js';
import { ownershipDescription } from './ownership.js';
import {
  postRequest,
  type GcpResourceKind,
  type PlannedRequest,
  type StepRequests,
} from './request.js';

/** Body of `POST compute/v1/projects/P/global/networks` (message Network). */
export interface NetworkBody {
  name: string;
  description: string;
  autoCreateSubnetworks: boolean;
  routingConfig: { routingMode: 'REGIONAL' | 'GLOBAL' };
}

/** One secondary range of a subnetwork (message SubnetworkSecondaryRange). */
export interface SecondaryRange {
  rangeName: string;
  ipCidrRange: string;
}

/** Body of `POST compute/v1/projects/P/regions/R/subnetworks` (message Subnetwork). */
export interface SubnetworkBody {
  name: string;
  description: string;
  network: string;
  ipCidrRange: string;
  secondaryIpRanges: SecondaryRange[];
  privateIpGoogleAccess: boolean;
}

/** One NAT of a Cloud Router (message RouterNat). */
export interface RouterNatBody {
  name: string;
  natIpAllocateOption: 'AUTO_ONLY' | 'MANUAL_ONLY';
  sourceSubnetworkIpRangesToNat:
    | 'ALL_SUBNETWORKS_ALL_IP_RANGES'
    | 'ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES'
    | 'LIST_OF_SUBNETWORKS';
}

/** Body of `POST compute/v1/projects/P/regions/R/routers` (message Router). */
export interface RouterBody {
  name: string;
  description: string;
  network: string;
  nats: RouterNatBody[];
}

/** One protocol entry of a firewall rule (message Firewall.AllowedValueListEntry). */
export interface FirewallProtocolEntry {
  IPProtocol: string;
  ports?: string[];
}

/** Body of `POST compute/v1/projects/P/global/firewalls` (message Firewall). */
export interface FirewallBody {
  name: string;
  description: string;
  network: string;
  direction: 'EGRESS' | 'INGRESS';
  priority: number;
  allowed?: FirewallProtocolEntry[];
  denied?: FirewallProtocolEntry[];
  destinationRanges?: string[];
  sourceRanges?: string[];
  targetServiceAccounts?: string[];
}

/** The VPC: custom subnet mode, as gcloud sends for `networks create --subnet-mode custom`. */
export function desiredNetwork(env: Environment): NetworkBody {
  return {
    name: env.spec.network.name,
    description: ownershipDescription(env, 'VPC of an egress environment'),
    autoCreateSubnetworks: false,
    routingConfig: { routingMode: 'REGIONAL' },
  };
}

/** The node subnet with the pods and services secondary ranges and Private Google Access. */
export function desiredSubnetwork(env: Environment): SubnetworkBody {
  const { subnet } = env.spec;
  return {
    name: subnet.name,
    description: ownershipDescription(env, 'Nodes, pods and services of an egress environment'),
    network: networkPath(env),
    ipCidrRange: subnet.cidr,
    secondaryIpRanges: [
      { rangeName: subnet.podsRangeName, ipCidrRange: subnet.podsCidr },
      { rangeName: subnet.servicesRangeName, ipCidrRange: subnet.servicesCidr },
    ],
    privateIpGoogleAccess: subnet.privateGoogleAccess,
  };
}

/**
 * The NAT of `routers nats create --nat-all-subnet-ip-ranges --auto-allocate-nat-external-ips`,
 * also on its own because a router that exists without it is completed by a PATCH of `nats`.
 */
export function desiredRouterNat(env: Environment): RouterNatBody {
  return {
    name: env.spec.nat.name,
    natIpAllocateOption: 'AUTO_ONLY',
    sourceSubnetworkIpRangesToNat: 'ALL_SUBNETWORKS_ALL_IP_RANGES',
  };
}

/** The Cloud Router with its NAT, created in one insert (the tutorial needs two commands). */
export function desiredRouter(env: Environment): RouterBody {
  return {
    name: env.spec.nat.routerName,
    description: ownershipDescription(env, 'Cloud NAT router of an egress environment'),
    network: networkPath(env),
    nats: [desiredRouterNat(env)],
  };
}

/** Ports of a rule as gcloud's `--rules tcp:80,tcp:443` sends them: one entry per spec. */
function tcp(...ports: number[]): FirewallProtocolEntry[] {
  return ports.map((port) => ({ IPProtocol: 'tcp', ports: [String(port)] }));
}

/**
 * The tutorial's nine firewall rules, every range derived from the spec: deny all egress at the
 * lowest priority, then the minimal set of allows a private cluster with a mesh needs.
 */
export function desiredFirewalls(env: Environment): FirewallBody[] {
  const { subnet, cluster } = env.spec;
  const network = networkPath(env);
  const rule = (
    fields: Omit<FirewallBody, 'network' | 'priority'> & { priority?: number },
  ): FirewallBody => ({
    ...fields,
    // The tutorial's own description, with the environment's ownership marker appended.
    description: ownershipDescription(env, fields.description),
    network,
    priority: fields.priority ?? 1000,
  });
  // Node-to-node TCP ports inside the subnet (Calico, the kubelet).
  const withinSubnet = (name: string, description: string, port: number): FirewallBody =>
    rule({
      name,
      description,
      direction: 'EGRESS',
      allowed: tcp(port),
      destinationRanges: [subnet.cidr],
    });
  return [
    rule({
      name: 'global-deny-egress-all',
      description: 'Default rule to deny all egress from the network.',
      direction: 'EGRESS',
      priority: 65535,
      denied: [{ IPProtocol: 'all' }],
      destinationRanges: ['0.0.0.0/0'],
    }),
    rule({
      name: 'gateway-allow-egress-web',
      description: 'Allow the nodes running the egress gateways to connect to the web',
      direction: 'EGRESS',
      allowed: tcp(...GATEWAY_EGRESS_PORTS),
      targetServiceAccounts: [gatewayNodesEmail(env)],
    }),
    rule({
      name: 'allow-egress-to-api-server',
      description: 'Allow nodes to reach the Kubernetes API server.',
      direction: 'EGRESS',
      allowed: tcp(443, 10250),
      destinationRanges: [cluster.masterCidr],
    }),
    rule({
      name: 'allow-ingress-api-server-to-webhook',
      description: 'Allow the API server to call the webhooks exposed by istiod discovery',
      direction: 'INGRESS',
      allowed: tcp(15017),
      sourceRanges: [cluster.masterCidr],
    }),
    rule({
      name: 'allow-egress-pods-and-services',
      description: 'Allow pods and services on nodes to reach each other',
      direction: 'EGRESS',
      allowed: [{ IPProtocol: 'all' }],
      destinationRanges: [subnet.podsCidr, subnet.servicesCidr],
    }),
    withinSubnet('allow-egress-calico', 'Allow Calico Typha within the subnet', 5473),
    withinSubnet(
      'allow-egress-kubelet-readonly',
      'Allow access to the kubelet read-only port within the subnet',
      10255,
    ),
    rule({
      name: 'allow-egress-gcp-apis',
      description: 'Allow access to the VIPs used by Google Cloud APIs (Private Google Access)',
      direction: 'EGRESS',
      allowed: [{ IPProtocol: 'tcp' }],
      destinationRanges: [PRIVATE_GOOGLE_APIS_CIDR],
    }),
    rule({
      name: 'allow-ingress-gcp-health-checker',
      description: 'Allow workloads to respond to Google Cloud health checks',
      direction: 'INGRESS',
      allowed: tcp(80, 443),
      sourceRanges: [...GOOGLE_HEALTH_CHECK_RANGES],
    }),
  ];
}

const COMPUTE = 'compute.googleapis.com';

/** The POST creating `body` in a project collection (`global/networks`, `regions/R/routers`). */
function createIn<B extends { name: string }>(
  env: Environment,
  kind: GcpResourceKind,
  collection: string,
  body: B,
): PlannedRequest<B> {
  const path = `/compute/v1/projects/${env.spec.project}/${collection}`;
  return postRequest(kind, body.name, COMPUTE, path, body);
}

/** A collection of the environment's region, e.g. `regions/R/subnetworks`. */
function regional(env: Environment, collection: string): string {
  return `regions/${env.spec.region}/${collection}`;
}

/** The compute steps' requests: one create each, and one per rule for `firewalls`. */
export const COMPUTE_REQUESTS = {
  network: (env) => [createIn(env, 'Network', 'global/networks', desiredNetwork(env))],
  subnet: (env) => [
    createIn(env, 'Subnetwork', regional(env, 'subnetworks'), desiredSubnetwork(env)),
  ],
  nat: (env) => [createIn(env, 'Router', regional(env, 'routers'), desiredRouter(env))],
  firewalls: (env) =>
    desiredFirewalls(env).map((body) => createIn(env, 'Firewall', 'global/firewalls', body)),
} satisfies Record<string, StepRequests>;

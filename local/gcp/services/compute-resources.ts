import { GoogleApiError, invalidField } from '../api-error.js';
import { type SimRequest } from '../handler.js';
import { type Json } from '../store.js';
import { blocksOverlap, type Ipv4Block, nthAddress } from '../../../shared/lib/ip.js';
import { checkFirewallRule } from './compute-firewall.js';
import { lastSegment, parseCidr, requireName, requireString } from './shared.js';
import { base, computeLink, kinds, resolveComputeRef, resourcePath } from './compute-operations.js';
/**
 * What compute v1 fills in and checks per resource kind: the defaults of a new network, subnetwork,
 * router or firewall, the references and range overlaps it refuses, and what may not be deleted
 * while in use.
 */

function requireNetwork(req: SimRequest, value: unknown, field: string): string {
  const ref = resolveComputeRef(requireString(value, field), req.params.project!, 'networks');
  if (!req.store.get('compute.networks', ref)) {
    throw invalidField(
      field,
      `Invalid value for field '${field}': '${String(value)}'. The referenced network resource cannot be found.`,
    );
  }
  return ref;
}

function rangesOf(subnet: Json): { cidr: Ipv4Block; label: string }[] {
  const ranges = [
    { cidr: parseCidr(subnet.ipCidrRange, 'ipCidrRange'), label: String(subnet.name) },
  ];
  for (const secondary of (subnet.secondaryIpRanges as Json[] | undefined) ?? []) {
    ranges.push({
      cidr: parseCidr(secondary.ipCidrRange, 'secondaryIpRanges'),
      label: `${String(subnet.name)}/${String(secondary.rangeName)}`,
    });
  }
  return ranges;
}

/** Refuses ranges that overlap each other or any other subnet's ranges in the network. */
export function checkSubnetRanges(
  req: SimRequest,
  subnet: Json,
  networkRef: string,
  selfPath: string,
): void {
  const own: { cidr: Ipv4Block; field: string }[] = [
    { cidr: parseCidr(subnet.ipCidrRange, 'resource.ipCidrRange'), field: 'resource.ipCidrRange' },
  ];
  const secondaries = (subnet.secondaryIpRanges as Json[] | undefined) ?? [];
  secondaries.forEach((range, i) => {
    const field = `resource.secondaryIpRanges[${i}]`;
    requireName(range.rangeName, `${field}.rangeName`);
    own.push({
      cidr: parseCidr(range.ipCidrRange, `${field}.ipCidrRange`),
      field: `${field}.ipCidrRange`,
    });
  });
  own.forEach((a, i) => {
    own.slice(i + 1).forEach((b) => {
      if (blocksOverlap(a.cidr, b.cidr)) {
        throw invalidField(
          b.field,
          `Invalid IPCidrRange: ${b.cidr.text} conflicts with ${a.cidr.text} in the same subnetwork.`,
        );
      }
    });
  });
  for (const other of req.store.list('compute.subnetworks')) {
    const otherPath = String(other.selfLink).slice(base.length);
    if (otherPath === selfPath || other.network !== computeLink(networkRef)) continue;
    for (const mine of own) {
      for (const theirs of rangesOf(other)) {
        if (blocksOverlap(mine.cidr, theirs.cidr)) {
          throw invalidField(
            mine.field,
            `Invalid IPCidrRange: ${mine.cidr.text} conflicts with existing subnetwork '${String(other.name)}' in region '${lastSegment(String(other.region))}'.`,
          );
        }
      }
    }
  }
}

export function buildNetwork(_req: SimRequest, resource: Json): Json {
  return {
    autoCreateSubnetworks: false,
    networkFirewallPolicyEnforcementOrder: 'AFTER_CLASSIC_FIREWALL',
    ...resource,
    routingConfig: {
      routingMode: 'REGIONAL',
      bgpBestPathSelectionMode: 'LEGACY',
      ...((resource.routingConfig as Json | undefined) ?? {}),
    },
    selfLinkWithId: computeLink(
      `projects/${_req.params.project}/global/networks/${String(resource.id)}`,
    ),
  };
}

export function buildSubnetwork(req: SimRequest, resource: Json): Json {
  const networkRef = requireNetwork(req, resource.network, 'resource.network');
  const path = resourcePath(req, kinds.subnetworks, String(resource.name));
  requireString(resource.ipCidrRange, 'resource.ipCidrRange');
  checkSubnetRanges(req, resource, networkRef, path);
  const network = req.store.get('compute.networks', networkRef)!;
  // Like Google, a network lists `subnetworks` only once it has one.
  network.subnetworks = [
    ...((network.subnetworks as string[] | undefined) ?? []),
    computeLink(path),
  ];
  const cidr = parseCidr(resource.ipCidrRange, 'resource.ipCidrRange');
  return {
    privateIpGoogleAccess: false,
    privateIpv6GoogleAccess: 'DISABLE_GOOGLE_ACCESS',
    purpose: 'PRIVATE',
    stackType: 'IPV4_ONLY',
    ...resource,
    network: computeLink(networkRef),
    gatewayAddress: nthAddress(cidr, 1),
    fingerprint: req.store.etag(),
    state: 'READY',
  };
}

export function checkNats(nats: unknown): void {
  ((nats as Json[] | undefined) ?? []).forEach((nat, i) => {
    requireName(nat.name, `resource.nats[${i}].name`);
    if (nat.sourceSubnetworkIpRangesToNat === undefined) {
      throw invalidField(
        `resource.nats[${i}].sourceSubnetworkIpRangesToNat`,
        `Invalid value for field 'resource.nats[${i}].sourceSubnetworkIpRangesToNat': ''. Must be specified.`,
      );
    }
  });
}

export function buildRouter(req: SimRequest, resource: Json): Json {
  const networkRef = requireNetwork(req, resource.network, 'resource.network');
  checkNats(resource.nats);
  return { ...resource, network: computeLink(networkRef) };
}

export function buildFirewall(req: SimRequest, resource: Json): Json {
  const networkRef = requireNetwork(
    req,
    resource.network ?? 'global/networks/default',
    'resource.network',
  );
  const allowed = (resource.allowed as Json[] | undefined) ?? [];
  const denied = (resource.denied as Json[] | undefined) ?? [];
  if (allowed.length > 0 === denied.length > 0) {
    throw invalidField(
      'resource.allowed',
      "Invalid value for field 'resource.allowed': exactly one of 'allowed' or 'denied' must be set.",
    );
  }
  checkFirewallRule(resource);
  const direction = (resource.direction as string | undefined) ?? 'INGRESS';
  if (direction === 'EGRESS' && resource.sourceRanges) {
    throw invalidField(
      'resource.sourceRanges',
      "Invalid value for field 'resource.sourceRanges': source ranges are not allowed for an EGRESS rule.",
    );
  }
  for (const field of ['sourceRanges', 'destinationRanges'] as const) {
    ((resource[field] as string[] | undefined) ?? []).forEach((range, i) => {
      const withPrefix = range.includes('/') ? range : `${range}/32`;
      parseCidr(withPrefix, `resource.${field}[${i}]`);
    });
  }
  const out: Json = {
    priority: 1000,
    logConfig: { enable: false },
    disabled: false,
    ...resource,
    direction,
    network: computeLink(networkRef),
  };
  if (
    direction === 'INGRESS' &&
    !out.sourceRanges &&
    !out.sourceTags &&
    !out.sourceServiceAccounts
  ) {
    out.sourceRanges = ['0.0.0.0/0'];
  }
  if (direction === 'EGRESS' && !out.destinationRanges) out.destinationRanges = ['0.0.0.0/0'];
  return out;
}

/** A network in use by a subnet, router or firewall cannot be deleted. */
export function networkInUse(req: SimRequest, path: string): void {
  const link = computeLink(path);
  for (const plural of ['subnetworks', 'routers', 'firewalls']) {
    const user = req.store.list(`compute.${plural}`).find((r) => r.network === link);
    if (user) {
      throw new GoogleApiError(
        400,
        `The network resource '${path}' is already being used by '${String(user.selfLink).slice(base.length)}'`,
        { reason: 'resourceInUseByAnotherResource' },
      );
    }
  }
}

export function subnetInUse(req: SimRequest, path: string): void {
  const cluster = req.store
    .list('container.clusters')
    .find((c) => String(c.subnetwork) === lastSegment(path) && String(c.network) !== '');
  if (cluster) {
    throw new GoogleApiError(
      400,
      `The subnetwork resource '${path}' is already being used by cluster '${String(cluster.name)}'`,
      { reason: 'resourceInUseByAnotherResource' },
    );
  }
}

export function removeSubnetFromNetwork(req: SimRequest, path: string): void {
  const subnet = req.store.get('compute.subnetworks', path);
  const network = subnet
    ? req.store.get('compute.networks', String(subnet.network).slice(base.length))
    : undefined;
  if (network) {
    const remaining = ((network.subnetworks as string[] | undefined) ?? []).filter(
      (s) => s !== computeLink(path),
    );
    if (remaining.length > 0) network.subnetworks = remaining;
    else delete network.subnetworks;
  }
}

/**
 * Cross-field checks of one Environment: what its schema cannot say about one field alone
 * (address ranges and their sizes, authorized networks, duplicates, DNS zones and records).
 */
import ipaddr from 'ipaddr.js';
import {
  blockSize,
  blocksOverlap,
  coversAllIpv4,
  isPrivateBlock,
  parseIpv4Block,
  type Ipv4Block,
} from './cidr.js';
import type { Environment } from './environment.js';
import { reservedServiceAccountReason } from './grant-policy.js';
import { unknownRoleErrors } from './roles.js';
import { formatPath, type SpecError } from './spec-error.js';
import {
  isReservedNamespace,
  isTopLevelDomainNamespace,
  MESH_NAMESPACE_PREFIXES,
} from './tenant-policy.js';
import { claim, duplicates, specError, type Path } from './validation-support.js';

/** GKE's default of 110 pods per node reserves a /24 of the pods range for every node. */
export const POD_BLOCK_PREFIX_PER_NODE = 24;
/** Google reserves four addresses of every subnet's primary range. */
export const SUBNET_RESERVED_ADDRESSES = 4;
/** The name GKE gives the node pool it creates with the cluster. */
export const DEFAULT_NODE_POOL_NAME = 'default-pool';

/** Cross-field checks of one Environment: CIDR math, DNS zones, duplicates, zone/region. */
export function validateEnvironment(env: Environment): SpecError[] {
  return [
    ...checkLocation(env),
    ...checkAddressRanges(env),
    ...checkAuthorizedNetworks(env),
    ...checkApis(env),
    ...checkServiceAccountsAndPools(env),
    ...checkDnsZones(env),
    ...checkGatewayNamespace(env),
    ...checkRoles(env),
  ];
}

/** Every role the environment names must exist: node service account roles, the grant policy. */
function checkRoles(env: Environment): SpecError[] {
  return [
    ...env.spec.nodeServiceAccounts.roles.flatMap((role, index) =>
      unknownRoleErrors(role, ['spec', 'nodeServiceAccounts', 'roles', index]),
    ),
    ...env.spec.tenancy.grants.flatMap((grant, grantIndex) =>
      grant.roles.flatMap((role, index) =>
        unknownRoleErrors(role, ['spec', 'tenancy', 'grants', grantIndex, 'roles', index]),
      ),
    ),
  ];
}

/**
 * The egress gateway gets a namespace of its own: not one Kubernetes, Google or the mesh's
 * control plane manages (an `istio-`/`asm-` name other than istio-system/asm-system is the
 * mesh's convention, `istio-egress` by default), and not a top-level domain (the pods' DNS
 * search path would resolve `*.<namespace>` hosts to its Services).
 */
function checkGatewayNamespace(env: Environment): SpecError[] {
  const namespace = env.spec.mesh.egressGateway.namespace;
  const path = ['spec', 'mesh', 'egressGateway', 'namespace'];
  const meshConvention =
    MESH_NAMESPACE_PREFIXES.some((prefix) => namespace.startsWith(prefix)) &&
    !MESH_SYSTEM_NAMESPACES.includes(namespace);
  if (isReservedNamespace(namespace) && !meshConvention) {
    return [
      specError(
        path,
        'namespace-reserved',
        `namespace "${namespace}" is managed by Kubernetes, Google or the mesh's control plane; give the egress gateway a namespace of its own (e.g. istio-egress)`,
      ),
    ];
  }
  if (isTopLevelDomainNamespace(namespace)) {
    return [
      specError(
        path,
        'namespace-is-tld',
        `namespace "${namespace}" is a top-level domain: pods would resolve ".${namespace}" hosts to its Services; choose another (e.g. istio-egress)`,
      ),
    ];
  }
  return [];
}

/** The mesh control plane's own namespaces: never the egress gateway's. */
const MESH_SYSTEM_NAMESPACES: readonly string[] = ['istio-system', 'asm-system'];

function checkLocation(env: Environment): SpecError[] {
  const { region, zone } = env.spec;
  if (zone.startsWith(`${region}-`)) return [];
  return [
    specError(['spec', 'zone'], 'zone-not-in-region', `${zone} is not a zone of region ${region}`),
  ];
}

function checkAddressRanges(env: Environment): SpecError[] {
  const { subnet, cluster, gatewayPool } = env.spec;
  const ranges: Array<{ path: Path; label: string; text: string }> = [
    { path: ['spec', 'subnet', 'cidr'], label: 'subnet range', text: subnet.cidr },
    { path: ['spec', 'subnet', 'podsCidr'], label: 'pods range', text: subnet.podsCidr },
    {
      path: ['spec', 'subnet', 'servicesCidr'],
      label: 'services range',
      text: subnet.servicesCidr,
    },
    {
      path: ['spec', 'cluster', 'masterCidr'],
      label: 'control plane range',
      text: cluster.masterCidr,
    },
  ];
  const errors: SpecError[] = [];
  const parsed: Array<{ path: Path; block: Ipv4Block }> = [];
  for (const range of ranges) {
    const block = parseIpv4Block(range.text);
    if (!block) continue; // the schema already reported the syntax
    errors.push(...checkCanonical(range.path, block));
    if (!isPrivateBlock(block)) {
      errors.push(
        specError(
          range.path,
          'non-private-range',
          `the ${range.label} ${block.text} is not private: use RFC 1918 (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) or RFC 6598 (100.64.0.0/10) addresses`,
        ),
      );
    }
    for (const earlier of parsed) {
      if (blocksOverlap(earlier.block, block)) {
        errors.push(
          specError(
            range.path,
            'cidr-overlap',
            `${block.text} overlaps ${formatPath(earlier.path)} (${earlier.block.text})`,
          ),
        );
      }
    }
    parsed.push({ path: range.path, block });
  }

  const master = parseIpv4Block(cluster.masterCidr);
  if (master && master.prefix !== 28) {
    errors.push(
      specError(
        ['spec', 'cluster', 'masterCidr'],
        'master-cidr-size',
        `the control plane range must be a /28, not a /${master.prefix}`,
      ),
    );
  }

  const nodes = cluster.nodeCount + gatewayPool.nodeCount;
  const nodeCounts = `cluster.nodeCount ${cluster.nodeCount} + gatewayPool.nodeCount ${gatewayPool.nodeCount}`;
  const pods = parseIpv4Block(subnet.podsCidr);
  if (pods) {
    const blocks =
      pods.prefix <= POD_BLOCK_PREFIX_PER_NODE ? 2 ** (POD_BLOCK_PREFIX_PER_NODE - pods.prefix) : 0;
    if (blocks < nodes) {
      errors.push(
        specError(
          ['spec', 'subnet', 'podsCidr'],
          'pods-range-too-small',
          `a /${pods.prefix} pods range holds ${blocks} of the /24 blocks GKE gives each node (110 pods per node), but the cluster has ${nodes} nodes (${nodeCounts})`,
        ),
      );
    }
  }
  const primary = parseIpv4Block(subnet.cidr);
  if (primary) {
    const usable = Math.max(0, blockSize(primary) - SUBNET_RESERVED_ADDRESSES);
    if (usable < nodes) {
      errors.push(
        specError(
          ['spec', 'subnet', 'cidr'],
          'subnet-too-small',
          `a /${primary.prefix} subnet has ${usable} usable addresses (Google reserves ${SUBNET_RESERVED_ADDRESSES}), but the cluster has ${nodes} nodes (${nodeCounts})`,
        ),
      );
    }
  }
  return errors;
}

function checkCanonical(path: Path, block: Ipv4Block): SpecError[] {
  if (block.address === block.network) return [];
  return [
    specError(
      path,
      'cidr-not-canonical',
      `${block.text} has host bits set; write the network address ${block.canonical}`,
    ),
  ];
}

function checkAuthorizedNetworks(env: Environment): SpecError[] {
  const errors: SpecError[] = [];
  const seen = new Map<string, number>();
  env.spec.cluster.authorizedNetworks.forEach((network, index) => {
    const path = ['spec', 'cluster', 'authorizedNetworks', index, 'cidr'];
    const block = parseIpv4Block(network.cidr);
    if (!block) return;
    errors.push(...checkCanonical(path, block));
    if (block.prefix === 0) {
      errors.push(
        specError(
          path,
          'open-control-plane',
          `${block.text} would open the control plane endpoint to the whole internet; list only the networks that need it`,
        ),
      );
    }
    const first = claim(seen, block.canonical, index);
    if (first !== undefined) {
      errors.push(
        specError(
          path,
          'duplicate-authorized-network',
          `${block.canonical} is already listed in spec.cluster.authorizedNetworks[${first}]`,
        ),
      );
    }
  });
  const blocks = env.spec.cluster.authorizedNetworks.flatMap(
    (network) => parseIpv4Block(network.cidr) ?? [],
  );
  if (!blocks.some((block) => block.prefix === 0) && coversAllIpv4(blocks)) {
    errors.push(
      specError(
        ['spec', 'cluster', 'authorizedNetworks'],
        'open-control-plane',
        `together ${blocks.map((block) => block.canonical).join(', ')} cover every IPv4 address, which would open the control plane endpoint to the whole internet; list only the networks that need it`,
      ),
    );
  }
  return errors;
}

function checkApis(env: Environment): SpecError[] {
  return duplicates(env.spec.apis).map(({ index, first, value }) =>
    specError(
      ['spec', 'apis', index],
      'duplicate-api',
      `${value} is already listed in spec.apis[${first}]`,
    ),
  );
}

function checkServiceAccountsAndPools(env: Environment): SpecError[] {
  const errors: SpecError[] = [];
  const { application, gateway } = env.spec.nodeServiceAccounts;
  for (const [field, account] of [
    ['application', application],
    ['gateway', gateway],
  ] as const) {
    const reserved = reservedServiceAccountReason(account);
    if (reserved !== undefined) {
      errors.push(
        specError(
          ['spec', 'nodeServiceAccounts', field],
          'reserved-service-account',
          `${reserved}; nodes must run as an account of their own`,
        ),
      );
    }
  }
  if (application === gateway) {
    errors.push(
      specError(
        ['spec', 'nodeServiceAccounts', 'gateway'],
        'duplicate-service-account',
        `the gateway nodes need their own service account (the firewall rules tell the two pools apart by it); "${gateway}" is also the application nodes' account`,
      ),
    );
  }
  if (env.spec.gatewayPool.name === DEFAULT_NODE_POOL_NAME) {
    errors.push(
      specError(
        ['spec', 'gatewayPool', 'name'],
        'node-pool-name-conflict',
        `"${DEFAULT_NODE_POOL_NAME}" is the node pool GKE creates with the cluster; choose another name`,
      ),
    );
  }
  return errors;
}

function checkDnsZones(env: Environment): SpecError[] {
  const errors: SpecError[] = [];
  const zones = env.spec.privateDns.zones;
  const zonesPath = ['spec', 'privateDns', 'zones'];
  for (const { index, first, value } of duplicates(zones.map((zone) => zone.name))) {
    errors.push(
      specError(
        [...zonesPath, index, 'name'],
        'duplicate-zone-name',
        `zone name "${value}" is already used by spec.privateDns.zones[${first}]`,
      ),
    );
  }
  for (const { index, first, value } of duplicates(zones.map((zone) => zone.dnsName))) {
    errors.push(
      specError(
        [...zonesPath, index, 'dnsName'],
        'duplicate-zone-dns-name',
        `"${value}" is already served by spec.privateDns.zones[${first}]`,
      ),
    );
  }
  zones.forEach((zone, zoneIndex) => {
    const recordKeys = zone.records.map((record) => `${record.name} ${record.type}`);
    zone.records.forEach((record, recordIndex) => {
      const recordPath = [...zonesPath, zoneIndex, 'records', recordIndex];
      if (!isInsideZone(record.name, zone.dnsName)) {
        errors.push(
          specError(
            [...recordPath, 'name'],
            'record-outside-zone',
            `"${record.name}" is not inside the zone "${zone.dnsName}"`,
          ),
        );
      }
      const cnameClash = zone.records.findIndex(
        (other, otherIndex) =>
          otherIndex < recordIndex &&
          other.name === record.name &&
          (other.type === 'CNAME') !== (record.type === 'CNAME'),
      );
      if (cnameClash >= 0) {
        errors.push(
          specError(
            [...recordPath, 'type'],
            'cname-conflict',
            `"${record.name}" already has a ${zone.records[cnameClash]?.type} record in records[${cnameClash}]; a CNAME cannot share its name with another record`,
          ),
        );
      }
      record.rrdatas.forEach((data, dataIndex) => {
        const problem = rrdataProblem(record.type, data);
        if (problem) {
          errors.push(specError([...recordPath, 'rrdatas', dataIndex], 'invalid-rrdata', problem));
        }
      });
      if (record.type === 'CNAME' && record.rrdatas.length > 1) {
        errors.push(
          specError(
            [...recordPath, 'rrdatas'],
            'invalid-rrdata',
            `a CNAME record has exactly one target, not ${record.rrdatas.length}`,
          ),
        );
      }
    });
    for (const { index, first, value } of duplicates(recordKeys)) {
      errors.push(
        specError(
          [...zonesPath, zoneIndex, 'records', index],
          'duplicate-record',
          `the ${value.split(' ')[1]} record "${value.split(' ')[0]}" is already defined in records[${first}]`,
        ),
      );
    }
  });
  return errors;
}

function isInsideZone(name: string, zoneDnsName: string): boolean {
  return name === zoneDnsName || name.endsWith(`.${zoneDnsName}`);
}

function rrdataProblem(type: 'A' | 'AAAA' | 'CNAME', data: string): string | undefined {
  switch (type) {
    case 'A':
      return ipaddr.IPv4.isValidFourPartDecimal(data)
        ? undefined
        : `"${data}" is not an IPv4 address (A record)`;
    case 'AAAA':
      return ipaddr.IPv6.isValid(data)
        ? undefined
        : `"${data}" is not an IPv6 address (AAAA record)`;
    case 'CNAME':
      return /^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+$/.test(data)
        ? undefined
        : `"${data}" is not a DNS name ending with a dot (CNAME record)`;
  }
}

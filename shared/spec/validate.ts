/**
 * Cross-field validation of parsed (zod) spec documents: what a schema cannot say about one
 * field alone. Pure: no I/O. Every function returns ALL problems it finds.
 */
import ipaddr from 'ipaddr.js';
import { OWNER_LABELS, RESERVED_NAMESPACES } from './constants.js';
import {
  blockSize,
  blocksOverlap,
  isPrivateBlock,
  parseIpv4Block,
  type Ipv4Block,
} from './cidr.js';
import {
  egressRulePorts,
  hostCovers,
  ISTIO_RESERVED_PORT_RANGE,
  tenantNamespace,
} from './egress.js';
import type { Environment } from './environment.js';
import { formatPath, type SpecError } from './spec-error.js';
import type { Tenant } from './tenant.js';

/** GKE's default of 110 pods per node reserves a /24 of the pods range for every node. */
export const POD_BLOCK_PREFIX_PER_NODE = 24;
/** Google reserves four addresses of every subnet's primary range. */
export const SUBNET_RESERVED_ADDRESSES = 4;
/** The name GKE gives the node pool it creates with the cluster. */
export const DEFAULT_NODE_POOL_NAME = 'default-pool';

/** A parsed document with the name of where it came from. */
export interface Sourced<T> {
  source?: string;
  spec: T;
}

type Path = ReadonlyArray<PropertyKey>;

function specError(path: Path, rule: string, message: string): SpecError {
  return { path: formatPath(path), rule, message };
}

/** Cross-field checks of one Environment: CIDR math, DNS zones, duplicates, zone/region. */
export function validateEnvironment(env: Environment): SpecError[] {
  return [
    ...checkLocation(env),
    ...checkAddressRanges(env),
    ...checkAuthorizedNetworks(env),
    ...checkApis(env),
    ...checkServiceAccountsAndPools(env),
    ...checkDnsZones(env),
  ];
}

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
    const first = seen.get(block.canonical);
    if (first !== undefined) {
      errors.push(
        specError(
          path,
          'duplicate-authorized-network',
          `${block.canonical} is already listed in spec.cluster.authorizedNetworks[${first}]`,
        ),
      );
    } else {
      seen.set(block.canonical, index);
    }
  });
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

/** Label keys the platform sets on tenant namespaces itself; a tenant may not override them. */
export const RESERVED_NAMESPACE_LABELS: readonly string[] = [
  'istio-injection',
  'istio.io/rev',
  'kubernetes.io/metadata.name',
  ...Object.values(OWNER_LABELS),
];

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !LABEL_PREFIX.test(prefix))) {
    return `label key "${key}" has an invalid prefix: it must be a DNS subdomain like example.com`;
  }
  if (!LABEL_NAME.test(name)) {
    return `label key "${key}" is invalid: the name part must be 1-63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`;
  }
  return undefined;
}

/**
 * Checks of one Tenant. With its Environment, also the checks that need it (the egress
 * gateway's namespace, the environment's node service accounts, the environment's name).
 */
export function validateTenant(tenant: Tenant, environment?: Environment): SpecError[] {
  const errors: SpecError[] = [];
  const namespace = tenantNamespace(tenant);
  const namespacePath =
    tenant.spec.namespace === undefined ? ['metadata', 'name'] : ['spec', 'namespace'];
  const gatewayNamespace = environment?.spec.mesh.egressGateway.namespace;
  if (
    (RESERVED_NAMESPACES as readonly string[]).includes(namespace) ||
    namespace.startsWith('kube-') ||
    namespace === gatewayNamespace
  ) {
    errors.push(
      specError(
        namespacePath,
        'reserved-namespace',
        `namespace "${namespace}" is reserved for the platform; give the tenant its own namespace`,
      ),
    );
  }
  if (environment && tenant.spec.environment !== environment.metadata.name) {
    errors.push(
      specError(
        ['spec', 'environment'],
        'environment-mismatch',
        `the tenant belongs to environment "${tenant.spec.environment}", not "${environment.metadata.name}"`,
      ),
    );
  }

  for (const [key, value] of Object.entries(tenant.spec.namespaceLabels)) {
    const path = ['spec', 'namespaceLabels', key];
    if (RESERVED_NAMESPACE_LABELS.includes(key)) {
      errors.push(
        specError(path, 'reserved-label', `label "${key}" is set by the platform; remove it`),
      );
      continue;
    }
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) errors.push(specError(path, 'invalid-label', keyProblem));
    if (value !== '' && !LABEL_NAME.test(value)) {
      errors.push(
        specError(
          path,
          'invalid-label',
          `label value "${value}" is invalid: at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`,
        ),
      );
    }
  }

  tenant.spec.networkPolicy.allowToTenants.forEach((name, index) => {
    if (name === tenant.metadata.name) {
      errors.push(
        specError(
          ['spec', 'networkPolicy', 'allowToTenants', index],
          'self-reference',
          `"${name}" is this tenant itself; traffic inside its namespace is governed by allowSameNamespace`,
        ),
      );
    }
  });

  errors.push(...checkEgressRules(tenant));
  errors.push(...checkWorkloadIdentity(tenant, environment));
  return errors;
}

function checkEgressRules(tenant: Tenant): SpecError[] {
  const errors: SpecError[] = [];
  const rules = tenant.spec.egress;
  rules.forEach((rule, index) => {
    const rulePath = ['spec', 'egress', index];
    const isWildcard = rule.host.startsWith('*.');
    if (isWildcard && rule.mode === 'tls-origination') {
      errors.push(
        specError(
          [...rulePath, 'host'],
          'wildcard-tls-origination',
          `TLS origination needs a concrete host name (SNI and certificate check); list the hosts under "${rule.host}" or use passthrough`,
        ),
      );
    }
    if (rule.mode === 'passthrough') {
      for (const field of ['paths', 'methods'] as const) {
        if (rule[field].length === 0) continue;
        errors.push(
          specError(
            [...rulePath, field],
            'passthrough-no-l7',
            `${field} cannot be enforced over passthrough (the gateway sees only the TLS server name); use mode tls-origination`,
          ),
        );
      }
    }
    if (
      rule.port !== undefined &&
      rule.port >= ISTIO_RESERVED_PORT_RANGE.first &&
      rule.port <= ISTIO_RESERVED_PORT_RANGE.last
    ) {
      errors.push(
        specError(
          [...rulePath, 'port'],
          'reserved-port',
          `port ${rule.port} is in ${ISTIO_RESERVED_PORT_RANGE.first}-${ISTIO_RESERVED_PORT_RANGE.last}, which the Istio sidecar reserves`,
        ),
      );
    }

    const duplicate = rules.findIndex(
      (other, otherIndex) =>
        otherIndex < index && other.host === rule.host && other.mode === rule.mode,
    );
    if (duplicate >= 0) {
      errors.push(
        specError(
          [...rulePath, 'host'],
          'duplicate-egress-rule',
          `${rule.host} with mode ${rule.mode} is already granted by spec.egress[${duplicate}]; merge the two rules`,
        ),
      );
    } else {
      const { port } = egressRulePorts(rule);
      const clash = rules.findIndex(
        (other, otherIndex) =>
          otherIndex < index &&
          other.host === rule.host &&
          egressRulePorts(other).port === port &&
          !sameTraffic(other, rule),
      );
      const other = rules[clash];
      if (other) {
        errors.push(
          specError(
            [...rulePath, 'port'],
            'port-conflict',
            `${rule.host} port ${port} is already used by spec.egress[${clash}] (${describeTraffic(other)}); one port of a host carries one kind of traffic`,
          ),
        );
      }
    }

    if (rule.mode === 'passthrough') {
      const limited = rules.findIndex(
        (other) =>
          other.mode !== 'passthrough' &&
          (other.paths.length > 0 || other.methods.length > 0) &&
          hostCovers(rule.host, other.host),
      );
      if (limited >= 0) {
        errors.push(
          specError(
            [...rulePath, 'mode'],
            'passthrough-bypasses-l7',
            `passthrough to ${rule.host} would bypass the path and method limits of spec.egress[${limited}] (the gateway sees only the TLS server name); drop this rule or lift the limits`,
          ),
        );
      }
    }
  });
  return errors;
}

/** Two rules for one host and port are compatible only if they route the same way. */
function sameTraffic(
  a: Tenant['spec']['egress'][number],
  b: Tenant['spec']['egress'][number],
): boolean {
  return a.mode === b.mode && egressRulePorts(a).targetPort === egressRulePorts(b).targetPort;
}

function describeTraffic(rule: Tenant['spec']['egress'][number]): string {
  return `mode ${rule.mode}, targetPort ${egressRulePorts(rule).targetPort}`;
}

function checkWorkloadIdentity(tenant: Tenant, environment?: Environment): SpecError[] {
  const errors: SpecError[] = [];
  const bindings = tenant.spec.workloadIdentity;
  const base = ['spec', 'workloadIdentity'];
  for (const { index, first, value } of duplicates(
    bindings.map((b) => b.kubernetesServiceAccount),
  )) {
    errors.push(
      specError(
        [...base, index, 'kubernetesServiceAccount'],
        'duplicate-kubernetes-service-account',
        `Kubernetes service account "${value}" is already bound by spec.workloadIdentity[${first}]`,
      ),
    );
  }
  for (const { index, first, value } of duplicates(bindings.map((b) => b.googleServiceAccount))) {
    errors.push(
      specError(
        [...base, index, 'googleServiceAccount'],
        'duplicate-google-service-account',
        `Google service account "${value}" is already used by spec.workloadIdentity[${first}]`,
      ),
    );
  }
  if (environment) {
    const nodeAccounts = environment.spec.nodeServiceAccounts;
    bindings.forEach((binding, index) => {
      if (
        binding.googleServiceAccount === nodeAccounts.application ||
        binding.googleServiceAccount === nodeAccounts.gateway
      ) {
        errors.push(
          specError(
            [...base, index, 'googleServiceAccount'],
            'duplicate-google-service-account',
            `"${binding.googleServiceAccount}" is a node service account of environment "${environment.metadata.name}"; a tenant needs its own`,
          ),
        );
      }
    });
  }
  return errors;
}

/**
 * Checks across documents: duplicate names, references between tenants and to environments,
 * conflicting uses of one host and port, Google service accounts claimed twice. Per-document
 * checks are not repeated here. A set that holds a tenant's Environment is taken as that
 * environment's full desired state, so only then must `allowToTenants` name tenants of the set
 * (a lone tenant file is a partial view). `declaredEnvironments` names environments that were given but
 * failed to parse, so their tenants are not reported as orphans on top.
 */
export function validateSpecSet(
  set: {
    environments: ReadonlyArray<Sourced<Environment>>;
    tenants: ReadonlyArray<Sourced<Tenant>>;
  },
  options: { declaredEnvironments?: ReadonlyArray<string> } = {},
): SpecError[] {
  const errors: SpecError[] = [];
  const at = (source: string | undefined, error: SpecError): SpecError =>
    source === undefined ? error : { source, ...error };
  const where = (item: Sourced<unknown>, fallback: string): string => item.source ?? fallback;

  const environmentsByName = new Map<string, Sourced<Environment>>();
  for (const env of set.environments) {
    const name = env.spec.metadata.name;
    const first = environmentsByName.get(name);
    if (first) {
      errors.push(
        at(
          env.source,
          specError(
            ['metadata', 'name'],
            'duplicate-environment',
            `environment "${name}" is already defined in ${where(first, 'another document')}`,
          ),
        ),
      );
    } else {
      environmentsByName.set(name, env);
    }
  }
  const knownEnvironments = new Set([
    ...environmentsByName.keys(),
    ...(options.declaredEnvironments ?? []),
  ]);

  const tenantsByEnvironment = new Map<string, Array<Sourced<Tenant>>>();
  for (const tenant of set.tenants) {
    const envName = tenant.spec.spec.environment;
    if (knownEnvironments.size > 0 && !knownEnvironments.has(envName)) {
      errors.push(
        at(
          tenant.source,
          specError(
            ['spec', 'environment'],
            'unknown-environment',
            `environment "${envName}" is not among the given Environment documents (${[...knownEnvironments].sort().join(', ')})`,
          ),
        ),
      );
    }
    const group = tenantsByEnvironment.get(envName) ?? [];
    group.push(tenant);
    tenantsByEnvironment.set(envName, group);
  }

  for (const [envName, tenants] of tenantsByEnvironment) {
    errors.push(...checkTenantGroup(envName, tenants, environmentsByName.has(envName), at));
  }

  // Google service accounts live in the project: two tenants must never share one.
  const accounts = new Map<string, { tenant: string; source?: string }>();
  for (const tenant of set.tenants) {
    if (tenant.spec.spec.state === 'absent') continue;
    tenant.spec.spec.workloadIdentity.forEach((binding, index) => {
      const owner = accounts.get(binding.googleServiceAccount);
      const name = tenant.spec.metadata.name;
      if (owner && owner.tenant !== name) {
        errors.push(
          at(
            tenant.source,
            specError(
              ['spec', 'workloadIdentity', index, 'googleServiceAccount'],
              'duplicate-google-service-account',
              `Google service account "${binding.googleServiceAccount}" is already used by tenant "${owner.tenant}"`,
            ),
          ),
        );
      } else if (!owner) {
        accounts.set(binding.googleServiceAccount, { tenant: name, source: tenant.source });
      }
    });
  }
  return errors;
}

function checkTenantGroup(
  envName: string,
  tenants: ReadonlyArray<Sourced<Tenant>>,
  complete: boolean,
  at: (source: string | undefined, error: SpecError) => SpecError,
): SpecError[] {
  const errors: SpecError[] = [];
  const byName = new Map<string, Sourced<Tenant>>();
  const byNamespace = new Map<string, string>();
  const hostPorts = new Map<string, { tenant: string; rule: Tenant['spec']['egress'][number] }>();

  for (const tenant of tenants) {
    const name = tenant.spec.metadata.name;
    const first = byName.get(name);
    if (first) {
      errors.push(
        at(
          tenant.source,
          specError(
            ['metadata', 'name'],
            'duplicate-tenant',
            `tenant "${name}" of environment "${envName}" is already defined in ${first.source ?? 'another document'}`,
          ),
        ),
      );
    } else {
      byName.set(name, tenant);
    }
  }

  for (const tenant of tenants) {
    const name = tenant.spec.metadata.name;
    tenant.spec.spec.networkPolicy.allowToTenants.forEach((target, index) => {
      if (complete && target !== name && !byName.has(target)) {
        errors.push(
          at(
            tenant.source,
            specError(
              ['spec', 'networkPolicy', 'allowToTenants', index],
              'unknown-tenant',
              `no tenant "${target}" in environment "${envName}"`,
            ),
          ),
        );
      }
    });
  }

  // A duplicate tenant is reported once; letting it claim namespace and ports would repeat it.
  for (const tenant of byName.values()) {
    const name = tenant.spec.metadata.name;
    if (tenant.spec.spec.state === 'absent') continue;
    const namespace = tenantNamespace(tenant.spec);
    const owner = byNamespace.get(namespace);
    if (owner !== undefined) {
      errors.push(
        at(
          tenant.source,
          specError(
            tenant.spec.spec.namespace === undefined ? ['metadata', 'name'] : ['spec', 'namespace'],
            'duplicate-namespace',
            `namespace "${namespace}" is already used by tenant "${owner}"`,
          ),
        ),
      );
    } else {
      byNamespace.set(namespace, name);
    }

    // The gateway's routing for a host and port is shared by every tenant granted it.
    tenant.spec.spec.egress.forEach((rule, index) => {
      const key = `${rule.host}:${egressRulePorts(rule).port}`;
      const existing = hostPorts.get(key);
      if (!existing) {
        hostPorts.set(key, { tenant: name, rule });
      } else if (existing.tenant !== name && !sameTraffic(existing.rule, rule)) {
        errors.push(
          at(
            tenant.source,
            specError(
              ['spec', 'egress', index, 'port'],
              'port-conflict',
              `${rule.host} port ${egressRulePorts(rule).port} is used by tenant "${existing.tenant}" with ${describeTraffic(existing.rule)}; the gateway routes one port of a host one way for every tenant`,
            ),
          ),
        );
      }
    });
  }
  return errors;
}

/** Later occurrences of repeated values, each with the index of the first one. */
function duplicates(
  values: ReadonlyArray<string>,
): Array<{ index: number; first: number; value: string }> {
  const firstIndex = new Map<string, number>();
  const found: Array<{ index: number; first: number; value: string }> = [];
  values.forEach((value, index) => {
    const first = firstIndex.get(value);
    if (first === undefined) firstIndex.set(value, index);
    else found.push({ index, first, value });
  });
  return found;
}

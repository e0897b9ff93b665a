/**
 * Checks of one Tenant that its schema cannot make: reserved namespaces and labels, egress
 * rules that contradict each other, workload identity bindings; with its Environment, also the
 * checks that need it.
 */
import { GATEWAY_EGRESS_PORTS, OWNER_LABELS } from './constants.js';
import { egressRulePorts, ISTIO_RESERVED_PORT_RANGE, tenantNamespace } from './egress.js';
import type { Environment } from './environment.js';
import { unknownRoleErrors } from './roles.js';
import type { SpecError } from './spec-error.js';
import type { EgressRule, Tenant } from './tenant.js';
import {
  deniedHostPattern,
  isReservedNamespace,
  isTopLevelDomainNamespace,
  POD_SECURITY_LABEL_PREFIX,
} from './tenant-policy.js';
import { duplicates, specError } from './validation-support.js';

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
  if (isReservedNamespace(namespace, gatewayNamespace)) {
    errors.push(
      specError(
        namespacePath,
        'namespace-reserved',
        `namespace "${namespace}" is reserved for the platform (Kubernetes, Google and the mesh manage it); give the tenant its own namespace`,
      ),
    );
  } else if (isTopLevelDomainNamespace(namespace)) {
    errors.push(
      specError(
        namespacePath,
        'namespace-is-tld',
        `namespace "${namespace}" is a top-level domain: pods resolve "example.${namespace}" through their DNS search path as the Service "example" of namespace "${namespace}", so its owner could capture every tenant's traffic to ".${namespace}" hosts; choose a namespace that is not a top-level domain (e.g. "team-${namespace}")`,
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
    if (RESERVED_NAMESPACE_LABELS.includes(key) || key.startsWith(POD_SECURITY_LABEL_PREFIX)) {
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

  for (const field of ['allowToTenants', 'acceptFromTenants'] as const) {
    tenant.spec.networkPolicy[field].forEach((name, index) => {
      if (name === tenant.metadata.name) {
        errors.push(
          specError(
            ['spec', 'networkPolicy', field, index],
            'self-reference',
            `"${name}" is this tenant itself; traffic inside its namespace is governed by allowSameNamespace`,
          ),
        );
      }
    });
  }

  const denied = environment?.spec.tenancy.deniedHosts ?? [];
  tenant.spec.egress.forEach((rule, index) => {
    const pattern = deniedHostPattern(rule.host, denied);
    if (pattern !== undefined) {
      errors.push(
        specError(
          ['spec', 'egress', index, 'host'],
          'host-denied-by-environment',
          `"${rule.host}" matches "${pattern}" of environment "${environment?.metadata.name ?? ''}" spec.tenancy.deniedHosts`,
        ),
      );
    }
  });

  errors.push(...checkEgressRules(tenant));
  errors.push(...checkWorkloadIdentity(tenant, environment));
  return errors;
}

/**
 * Indexes of a tenant's egress rules, so each rule is checked against the others in near-constant
 * time (a tenant may list thousands of rules; pairwise scans made validation quadratic).
 */
interface EgressRuleIndex {
  /** The first rule of each host and mode. */
  firstByHostMode: Map<string, number>;
  /** Per host and port, the first rule of each way of routing it (mode and target port). */
  routesByHostPort: Map<string, number[]>;
  /** The first non-passthrough rule with path or method limits, by exact host. */
  limitedByHost: Map<string, number>;
  /** The same, by every proper ".suffix" of the host's name (for wildcard patterns). */
  limitedBySuffix: Map<string, number>;
}

function keepFirst(map: Map<string, number>, key: string, index: number): void {
  if (!map.has(key)) map.set(key, index);
}

function indexLimitedRules(
  rules: readonly EgressRule[],
): Pick<EgressRuleIndex, 'limitedByHost' | 'limitedBySuffix'> {
  const limitedByHost = new Map<string, number>();
  const limitedBySuffix = new Map<string, number>();
  // Suffixes are looked up only for a wildcard passthrough: without one, they are not indexed.
  const wildcards = rules.some((r) => r.mode === 'passthrough' && r.host.startsWith('*.'));
  rules.forEach((rule, index) => {
    if (rule.mode === 'passthrough' || (rule.paths.length === 0 && rule.methods.length === 0)) {
      return;
    }
    keepFirst(limitedByHost, rule.host, index);
    if (!wildcards) return;
    // hostCovers("*.S", host): the host's body (a wildcard's without "*") ends with ".S" and is
    // longer than it; every such ".S" is a suffix starting at a dot after the first character.
    const body = rule.host.startsWith('*.') ? rule.host.slice(1) : rule.host;
    for (let dot = body.indexOf('.', 1); dot >= 0; dot = body.indexOf('.', dot + 1)) {
      keepFirst(limitedBySuffix, body.slice(dot), index);
    }
  });
  return { limitedByHost, limitedBySuffix };
}

/** The first limited rule `pattern` covers (`hostCovers` of egress.ts), or -1. */
function firstLimitedCovered(index: EgressRuleIndex, pattern: string): number {
  const candidates = [index.limitedByHost.get(pattern)];
  if (pattern.startsWith('*.')) candidates.push(index.limitedBySuffix.get(pattern.slice(1)));
  const found = candidates.filter((i): i is number => i !== undefined);
  return found.length > 0 ? Math.min(...found) : -1;
}

const NO_ROUTES: readonly number[] = [];

function checkEgressRules(tenant: Tenant): SpecError[] {
  const errors: SpecError[] = [];
  const rules = tenant.spec.egress;
  const index: EgressRuleIndex = {
    firstByHostMode: new Map(),
    routesByHostPort: new Map(),
    ...indexLimitedRules(rules),
  };
  rules.forEach((rule, ruleIndex) => {
    const rulePath = ['spec', 'egress', ruleIndex];
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

    if (rule.targetPort !== undefined && !GATEWAY_EGRESS_PORTS.includes(rule.targetPort)) {
      errors.push(
        specError(
          [...rulePath, 'targetPort'],
          'target-port-blocked',
          `targetPort ${rule.targetPort} is closed: the environment's egress firewall (gateway-allow-egress-web) lets the gateway reach ports ${GATEWAY_EGRESS_PORTS.join(' and ')} only`,
        ),
      );
    }

    const hostMode = `${rule.host}\u0000${rule.mode}`;
    const duplicate = index.firstByHostMode.get(hostMode);
    const { port } = egressRulePorts(rule);
    const hostPort = `${rule.host}\u0000${port}`;
    const routes = index.routesByHostPort.get(hostPort) ?? NO_ROUTES;
    if (duplicate !== undefined) {
      errors.push(
        specError(
          [...rulePath, 'host'],
          'duplicate-egress-rule',
          `${rule.host} with mode ${rule.mode} is already granted by spec.egress[${duplicate}]; merge the two rules`,
        ),
      );
    } else {
      // The first earlier rule on this host and port that routes differently: each way of
      // routing is kept by its first rule, so the smallest such index is the first one.
      let clash = -1;
      for (const i of routes) {
        if ((clash < 0 || i < clash) && !sameTraffic(rules[i]!, rule)) clash = i;
      }
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
    keepFirst(index.firstByHostMode, hostMode, ruleIndex);
    if (!routes.some((i) => sameTraffic(rules[i]!, rule))) {
      index.routesByHostPort.set(hostPort, [...routes, ruleIndex]);
    }

    if (rule.mode === 'passthrough') {
      const limited = firstLimitedCovered(index, rule.host);
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
export function sameTraffic(a: EgressRule, b: EgressRule): boolean {
  return a.mode === b.mode && egressRulePorts(a).targetPort === egressRulePorts(b).targetPort;
}

/** How a rule routes its port, for the messages of a port conflict. */
export function describeTraffic(rule: EgressRule): string {
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
  bindings.forEach((binding, index) => {
    binding.grants.forEach((grant, grantIndex) => {
      errors.push(...unknownRoleErrors(grant.role, [...base, index, 'grants', grantIndex, 'role']));
    });
  });
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

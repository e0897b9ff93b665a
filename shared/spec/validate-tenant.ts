/**
 * Checks of one Tenant that its schema cannot make: reserved namespaces and labels, egress
 * rules that contradict each other, workload identity bindings; with its Environment, also the
 * checks that need it.
 */
import { OWNER_LABELS, RESERVED_NAMESPACES } from './constants.js';
import {
  egressRulePorts,
  hostCovers,
  ISTIO_RESERVED_PORT_RANGE,
  tenantNamespace,
} from './egress.js';
import type { Environment } from './environment.js';
import type { SpecError } from './spec-error.js';
import type { EgressRule, Tenant } from './tenant.js';
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

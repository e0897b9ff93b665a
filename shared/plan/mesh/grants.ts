import type { Environment } from '../../spec/environment.js';
import type { EgressRule, Tenant } from '../../spec/tenant.js';
import { PermanentError } from '../../errors.js';
import { egressRulePorts, tenantNamespace } from '../../spec/egress.js';
import { hostNameProblem } from '../../spec/tenant.js';
import {
  deniedHostPattern,
  isReservedNamespace,
  isTopLevelDomainNamespace,
} from '../../spec/tenant-policy.js';

/** Modes that cross the gateway as HTTP on its port 80 (the gateway sees the request). */
export type HttpMode = 'http' | 'tls-origination';

/** One tenant's rules for one host in one mode. */
export interface TenantGrant {
  tenant: Tenant;
  namespace: string;
  rules: EgressRule[];
}

/** What the environment grants for one external host, across all tenants. */
export interface HostGrants {
  host: string;
  /** HTTP-visible access (plain http or TLS origination); at most one of the two per host. */
  http?: { mode: HttpMode; port: number; targetPort: number; tenants: TenantGrant[] };
  /** TLS passthrough by SNI. */
  passthrough?: { port: number; targetPort: number; tenants: TenantGrant[] };
}

/** The compiler's view of a tenant set: present tenants sorted by name, and grants by host. */
export interface CompiledGrants {
  tenants: Tenant[];
  hosts: HostGrants[];
}

function invalid(tenant: Tenant, field: string, message: string): PermanentError {
  return new PermanentError(
    'invalid-argument',
    `Tenant "${tenant.metadata.name}": ${field}: ${message}`,
    {
      field,
      resource: `Tenant/${tenant.metadata.name}`,
    },
  );
}

/** The path of a field of an egress rule, built only for a refusal. */
function egressField(index: number, field: string): string {
  return `spec.egress[${index}].${field}`;
}

function compareNames(a: Tenant, b: Tenant): number {
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

/**
 * Validates a tenant set against what the egress gateway can express and groups its egress
 * rules by host. Absent tenants are left out. Throws PermanentError('invalid-argument') naming
 * the tenant and field; the order of `tenants` does not change the result.
 */
export function compileGrants(env: Environment, tenants: readonly Tenant[]): CompiledGrants {
  const { tenants: present, hosts } = groupGrants(env, tenants);
  const sortedHosts = [...hosts.values()].sort((a, b) =>
    a.host < b.host ? -1 : a.host > b.host ? 1 : 0,
  );
  return { tenants: present, hosts: sortedHosts };
}

/**
 * {@link compileGrants} before the hosts are sorted: the same checks and refusals, the grants of
 * each host in a Map in first-use order. Validation takes it as is (sorting thousands of hosts
 * only to check each is wasted).
 */
export function groupGrants(
  env: Environment,
  tenants: readonly Tenant[],
): { tenants: Tenant[]; hosts: Map<string, HostGrants> } {
  const present = tenants.filter((t) => t.spec.state !== 'absent').sort(compareNames);
  const byName = new Set<string>();
  const byNamespace = new Map<string, string>();
  for (const tenant of present) {
    const ns = tenantNamespace(tenant);
    if (tenant.spec.environment !== env.metadata.name) {
      throw invalid(
        tenant,
        'spec.environment',
        `must be "${env.metadata.name}", the environment being compiled (got "${tenant.spec.environment}")`,
      );
    }
    if (byName.has(tenant.metadata.name)) {
      throw invalid(tenant, 'metadata.name', 'is declared twice');
    }
    byName.add(tenant.metadata.name);
    const other = byNamespace.get(ns);
    if (other !== undefined) {
      throw invalid(
        tenant,
        'spec.namespace',
        `namespace "${ns}" already belongs to tenant "${other}"`,
      );
    }
    // Tenants stored before a rule existed are held to it here too (defence in depth).
    if (isReservedNamespace(ns, env.spec.mesh.egressGateway.namespace)) {
      throw invalid(
        tenant,
        'spec.namespace',
        `"${ns}" is reserved for the platform (namespace-reserved: Kubernetes, Google and the mesh manage it)`,
      );
    }
    if (isTopLevelDomainNamespace(ns)) {
      throw invalid(
        tenant,
        'spec.namespace',
        `"${ns}" is a top-level domain (namespace-is-tld: the pods' DNS search path would resolve ".${ns}" hosts to its Services)`,
      );
    }
    byNamespace.set(ns, tenant.metadata.name);
  }

  const hosts = new Map<string, HostGrants>();
  for (const tenant of present) {
    const ns = tenantNamespace(tenant);
    tenant.spec.egress.forEach((rule, index) => {
      const hostProblem = hostNameProblem(rule.host);
      if (hostProblem) {
        throw invalid(
          tenant,
          egressField(index, 'host'),
          `${hostProblem.rule}: ${hostProblem.message}`,
        );
      }
      const denied = deniedHostPattern(rule.host, env.spec.tenancy.deniedHosts);
      if (denied !== undefined) {
        throw invalid(
          tenant,
          egressField(index, 'host'),
          `host-denied-by-environment: "${rule.host}" matches "${denied}" of spec.tenancy.deniedHosts`,
        );
      }
      if (rule.host.startsWith('*.')) {
        throw invalid(
          tenant,
          egressField(index, 'host'),
          'wildcard hosts are not supported through the egress gateway (it cannot resolve them)',
        );
      }
      const ports = egressRulePorts(rule);
      let entry = hosts.get(rule.host);
      if (entry === undefined) {
        entry = { host: rule.host };
        hosts.set(rule.host, entry);
      }
      if (rule.mode === 'passthrough') {
        if (rule.paths.length > 0 || rule.methods.length > 0) {
          throw invalid(
            tenant,
            egressField(index, rule.paths.length > 0 ? 'paths' : 'methods'),
            'paths and methods cannot be enforced over passthrough (the gateway never sees the request); use mode tls-origination',
          );
        }
        entry.passthrough ??= { ...ports, tenants: [] };
        checkPorts(tenant, index, rule.host, 'passthrough', entry.passthrough, ports);
        grantTo(entry.passthrough.tenants, tenant, ns, rule);
      } else {
        entry.http ??= { mode: rule.mode, ...ports, tenants: [] };
        if (entry.http.mode !== rule.mode) {
          throw invalid(
            tenant,
            egressField(index, 'mode'),
            `host ${rule.host} is already granted as "${entry.http.mode}" (to ${entry.http.tenants.map((g) => g.tenant.metadata.name).join(', ')}); the gateway routes one host one way, so use "${entry.http.mode}"`,
          );
        }
        checkPorts(tenant, index, rule.host, rule.mode, entry.http, ports);
        grantTo(entry.http.tenants, tenant, ns, rule);
      }
      if (entry.http && entry.passthrough && entry.http.port === entry.passthrough.port) {
        throw invalid(
          tenant,
          egressField(index, 'port'),
          `host ${rule.host} cannot use port ${entry.http.port} both for ${entry.http.mode} and passthrough`,
        );
      }
    });
  }

  // A tenant limited to some paths or methods of a host must not also reach the whole host
  // over passthrough: the tutorial's team-y bypassed its /status/418 limit that way.
  for (const entry of hosts.values()) {
    if (!entry.http || !entry.passthrough) continue;
    for (const grant of entry.http.tenants) {
      const restricted = grant.rules.some((r) => r.paths.length > 0 || r.methods.length > 0);
      const unrestricted = grant.rules.some((r) => r.paths.length === 0 && r.methods.length === 0);
      const alsoPassthrough = entry.passthrough.tenants.some((g) => g.tenant === grant.tenant);
      if (restricted && !unrestricted && alsoPassthrough) {
        const index = grant.tenant.spec.egress.findIndex(
          (r) => r.host === entry.host && r.mode === 'passthrough',
        );
        throw invalid(
          grant.tenant,
          `spec.egress[${index}].mode`,
          `host ${entry.host} is limited to some paths or methods for this tenant, so it cannot also be granted as passthrough (which would bypass the limit)`,
        );
      }
    }
  }

  return { tenants: present, hosts };
}

function checkPorts(
  tenant: Tenant,
  index: number,
  host: string,
  mode: string,
  granted: { port: number; targetPort: number },
  wanted: { port: number; targetPort: number },
): void {
  if (granted.port !== wanted.port || granted.targetPort !== wanted.targetPort) {
    throw invalid(
      tenant,
      egressField(index, 'port'),
      `host ${host} in mode ${mode} already uses port ${granted.port} → ${granted.targetPort}; every tenant must use the same ports for a host and mode`,
    );
  }
}

function grantTo(grants: TenantGrant[], tenant: Tenant, namespace: string, rule: EgressRule): void {
  const existing = grants.find((g) => g.tenant === tenant);
  if (existing) existing.rules.push(rule);
  else grants.push({ tenant, namespace, rules: [rule] });
}

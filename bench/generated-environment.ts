/**
 * A generated environment of many tenants for the analysis benchmark and the analyzer's
 * equivalence tests: examples/tutorial's environment and `tenants` tenants, each granted
 * `hostsPerTenant` hosts of one shared pool of `hosts` (so most hosts are shared by many
 * tenants), modes and ports mixed by host, paths and methods by tenant, and pairs of tenants
 * with and without consent between them; compiled as the tenants step compiles them.
 */
import type { AnalyzerOptions, FirewallRule } from '#shared/analysis/index.js';
import { analyzerOptionsFor } from '#shared/analysis/index.js';
import { desiredFirewalls } from '#shared/plan/gcp/compute.js';
import type { KubeObject } from '#shared/plan/kube-object.js';
import { desiredObjects } from '#shared/plan/mesh/index.js';
import {
  parseEnvironment,
  parseTenant,
  type Environment,
  type Tenant,
} from '#shared/spec/index.js';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** The shape of a generated environment. */
export interface GeneratedShape {
  tenants: number;
  /** The shared pool the tenants' hosts are drawn from. */
  hosts: number;
  hostsPerTenant: number;
  passthroughMode: 'plain' | 'istio-mutual';
}

/** The defaults: five hosts per tenant (issue 18's environments) out of a pool of 50. */
export const DEFAULT_SHAPE: Omit<GeneratedShape, 'tenants'> = {
  hosts: 50,
  hostsPerTenant: 5,
  passthroughMode: 'plain',
};

/** A generated environment: its specs, their compiled objects and what the analyzer takes. */
export interface GeneratedEnvironment {
  shape: GeneratedShape;
  environment: Environment;
  tenants: Tenant[];
  objects: KubeObject[];
  firewalls: FirewallRule[];
  options: AnalyzerOptions;
}

/** Host `index` of the pool. */
export function poolHost(index: number): string {
  return `h${index}.shared.example.com`;
}

/**
 * The egress rule of tenant `tenant` for pool host `host`. The mode and port depend on the host
 * only: every tenant granted a host and port routes it one way (the spec set's `port-conflict`).
 */
function generatedRule(tenant: number, host: number): Record<string, unknown> {
  const name = poolHost(host);
  switch (host % 4) {
    case 0:
      return { host: name, mode: 'http', ...(tenant % 2 ? { paths: ['/v1/*', '/status'] } : {}) };
    case 1:
      return {
        host: name,
        mode: 'tls-origination',
        ...(tenant % 3 === 0 ? { methods: ['GET', 'HEAD'] } : {}),
      };
    case 2:
      return { host: name, mode: 'passthrough' };
    default:
      return { host: name, mode: 'http', port: 8080 };
  }
}

/** The pool hosts of tenant `tenant`: distinct, spread so that neighbours share some. */
export function tenantHosts(tenant: number, shape: Omit<GeneratedShape, 'tenants'>): number[] {
  const hosts = new Set<number>();
  for (let j = 0; hosts.size < Math.min(shape.hostsPerTenant, shape.hosts); j += 1) {
    let host = (tenant * 7 + j * 11) % shape.hosts;
    while (hosts.has(host)) host = (host + 1) % shape.hosts;
    hosts.add(host);
  }
  return [...hosts];
}

/** The Tenant document of tenant `tenant` (`team-N`) of an environment of `shape.tenants`. */
export function generatedTenantDocument(
  tenant: number,
  shape: GeneratedShape,
): Record<string, unknown> {
  const name = (t: number) => `team-${t}`;
  // One pair in ten connects with consent (t+1 asks, t accepts); one in ten asks without it.
  const networkPolicy =
    tenant % 10 === 1
      ? { allowToTenants: [name(tenant - 1)] }
      : tenant % 10 === 0 && tenant + 1 < shape.tenants
        ? { acceptFromTenants: [name(tenant + 1)] }
        : tenant % 10 === 5 && tenant + 1 < shape.tenants
          ? { allowToTenants: [name(tenant + 1)] }
          : {};
  return {
    apiVersion: 'egress.provisioner.dev/v1alpha1',
    kind: 'Tenant',
    metadata: { name: name(tenant) },
    spec: {
      environment: 'tutorial',
      namespaceLabels: { team: `group-${tenant % 4}` },
      egress: tenantHosts(tenant, shape).map((host) => generatedRule(tenant, host)),
      googleApis: tenant % 7 === 0,
      networkPolicy,
    },
  };
}

/** examples/tutorial's environment with `passthroughMode`. */
export function generatedEnvironmentSpec(
  passthroughMode: GeneratedShape['passthroughMode'],
): Environment {
  const url = new URL('../examples/tutorial/environment.yaml', import.meta.url);
  const document = parse(readFileSync(url, 'utf8')) as { spec: Record<string, unknown> };
  return parseEnvironment({
    ...document,
    spec: { ...document.spec, mesh: { ...(document.spec.mesh ?? {}), passthroughMode } },
  });
}

/** Generates, parses and compiles an environment of `shape`. */
export function generateEnvironment(
  shape: Partial<GeneratedShape> & { tenants: number },
): GeneratedEnvironment {
  const full: GeneratedShape = { ...DEFAULT_SHAPE, ...shape };
  if (!Number.isInteger(full.tenants) || full.tenants < 1) {
    throw new RangeError(`a generated environment needs tenants >= 1, got ${full.tenants}`);
  }
  if (!Number.isInteger(full.hosts) || full.hosts < 1) {
    throw new RangeError(`a generated environment needs hosts >= 1, got ${full.hosts}`);
  }
  const environment = generatedEnvironmentSpec(full.passthroughMode);
  const tenants = Array.from({ length: full.tenants }, (_, t) =>
    parseTenant(generatedTenantDocument(t, full), environment),
  );
  return {
    shape: full,
    environment,
    tenants,
    objects: desiredObjects(environment, tenants),
    firewalls: desiredFirewalls(environment),
    options: analyzerOptionsFor(environment),
  };
}

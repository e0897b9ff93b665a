import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compileGrants } from '../../../shared/plan/mesh/grants.js';
import {
  EnvironmentSchema,
  parseEnvironment,
  parseTenant,
  SpecValidationError,
  TenantSchema,
  validateEnvironment,
  type SpecError,
} from '../../../shared/spec/index.js';
import {
  isTopLevelDomainNamespace,
  SPECIAL_USE_TOP_LEVEL_DOMAINS,
} from '../../../shared/spec/tenant-policy.js';

const root = join(import.meta.dirname, '../../..');
const example = (name: string): unknown =>
  parse(readFileSync(join(root, 'examples/tutorial', `${name}.yaml`), 'utf8'));

const API_VERSION = 'egress.provisioner.dev/v1alpha1';
const environmentDoc = (spec: Record<string, unknown> = {}) => ({
  apiVersion: API_VERSION,
  kind: 'Environment',
  metadata: { name: 'tutorial' },
  spec: { project: 'tutorial-project', region: 'us-central1', zone: 'us-central1-a', ...spec },
});
const tenantDoc = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: API_VERSION,
  kind: 'Tenant',
  metadata: { name },
  spec: { environment: 'tutorial', ...spec },
});
const rulesOf = (errors: SpecError[]) => errors.map((e) => `${e.path} ${e.rule}`);

function tenantRules(doc: unknown): string[] {
  try {
    parseTenant(doc, parseEnvironment(environmentDoc()));
    return [];
  } catch (error) {
    if (!(error instanceof SpecValidationError)) throw error;
    return rulesOf(error.errors);
  }
}

describe('top-level domain namespaces', () => {
  it('knows IANA’s top-level domains, internationalised ones in xn-- form, and the special-use names', () => {
    for (const name of ['com', 'io', 'dev', 'app', 'org', 'google', 'xn--p1ai', 'xn--qxam']) {
      expect(isTopLevelDomainNamespace(name), name).toBe(true);
    }
    for (const name of SPECIAL_USE_TOP_LEVEL_DOMAINS) {
      expect(isTopLevelDomainNamespace(name), name).toBe(true);
    }
    for (const name of ['team-x', 'team-y', 'payments', 'mallory', 'istio-egress', 'a-b']) {
      expect(isTopLevelDomainNamespace(name), name).toBe(false);
    }
  });

  it('refuses a tenant whose spec.namespace is a top-level domain, explaining the DNS capture', () => {
    expect(tenantRules(tenantDoc('mallory', { namespace: 'com' }))).toEqual([
      'spec.namespace namespace-is-tld',
    ]);
    try {
      parseTenant(tenantDoc('mallory', { namespace: 'com' }));
      expect.unreachable('a tenant claiming namespace com was accepted');
    } catch (error) {
      const [problem] = (error as SpecValidationError).errors;
      expect(problem?.message).toContain('Service "example" of namespace "com"');
      expect(problem?.message).toContain('choose a namespace that is not a top-level domain');
    }
  });

  it('refuses a tenant named like a top-level domain on metadata.name (its default namespace)', () => {
    expect(tenantRules(tenantDoc('internal'))).toEqual(['metadata.name namespace-is-tld']);
    expect(tenantRules(tenantDoc('io'))).toEqual(['metadata.name namespace-is-tld']);
    // Its own namespace, when that is not a top-level domain, is fine.
    expect(tenantRules(tenantDoc('io', { namespace: 'team-io' }))).toEqual([]);
  });

  it('keeps the tutorial’s tenants valid', () => {
    const env = parseEnvironment(example('environment'));
    expect(parseTenant(example('team-x'), env).metadata.name).toBe('team-x');
    expect(parseTenant(example('team-y'), env).metadata.name).toBe('team-y');
  });

  it('the compiler refuses a stored tenant with such a namespace (defence in depth)', () => {
    const env = EnvironmentSchema.parse(environmentDoc());
    const stored = TenantSchema.parse(tenantDoc('mallory', { namespace: 'com' }));
    expect(() => compileGrants(env, [stored])).toThrowError(/namespace-is-tld/);
  });
});

describe('the egress gateway namespace', () => {
  const gatewayRules = (namespace: string) =>
    rulesOf(
      validateEnvironment(
        EnvironmentSchema.parse(environmentDoc({ mesh: { egressGateway: { namespace } } })),
      ),
    );

  it('may be the default istio-egress or a name of its own', () => {
    expect(gatewayRules('istio-egress')).toEqual([]);
    expect(gatewayRules('asm-egress')).toEqual([]);
    expect(gatewayRules('egress-gw')).toEqual([]);
  });

  it('may not be a namespace Kubernetes, Google or the mesh control plane manages', () => {
    for (const namespace of [
      'default',
      'kube-system',
      'kube-public',
      'istio-system',
      'asm-system',
      'gke-managed-system',
      'gmp-system',
      'config-management-system',
    ]) {
      expect(gatewayRules(namespace), namespace).toEqual([
        'spec.mesh.egressGateway.namespace namespace-reserved',
      ]);
    }
  });

  it('may not be a top-level domain', () => {
    expect(gatewayRules('com')).toEqual(['spec.mesh.egressGateway.namespace namespace-is-tld']);
  });

  it('can never be claimed by a tenant, nor can the mesh system namespaces', () => {
    for (const namespace of ['istio-egress', 'istio-system', 'asm-system', 'kube-system']) {
      expect(tenantRules(tenantDoc('mallory', { namespace })), namespace).toEqual([
        'spec.namespace namespace-reserved',
      ]);
    }
    const env = parseEnvironment(
      environmentDoc({ mesh: { egressGateway: { namespace: 'egress-gw' } } }),
    );
    expect(() => parseTenant(tenantDoc('mallory', { namespace: 'egress-gw' }), env)).toThrowError(
      /namespace-reserved/,
    );
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  blocksOverlap,
  blockContains,
  egressRulePorts,
  EnvironmentSchema,
  hostCovers,
  isPrivateBlock,
  parseEnvironment,
  parseIpv4Block,
  parseTenant,
  specHash,
  SpecValidationError,
  tenantNamespace,
  TenantSchema,
  validateDocuments,
  type SpecError,
} from '../../../shared/spec/index.js';

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

describe('validateDocuments', () => {
  it('accepts the tutorial example and returns the parsed set with defaults applied', () => {
    const result = validateDocuments([
      { source: 'environment.yaml#1', doc: example('environment') },
      { source: 'team-x.yaml#1', doc: example('team-x') },
      { source: 'team-y.yaml#1', doc: example('team-y') },
    ]);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.specs.environments.map((e) => e.metadata.name)).toEqual(['tutorial']);
    expect(result.specs.tenants.map((t) => t.metadata.name)).toEqual(['team-x', 'team-y']);
    expect(result.specs.environments[0]?.spec.cluster.nodeCount).toBe(4);
    expect(result.specs.tenants[1]?.spec.egress[0]?.methods).toEqual([]);
  });

  it('lists every problem of every document, each with its source', () => {
    const result = validateDocuments([
      {
        source: 'env.yaml#1',
        doc: environmentDoc({
          subnet: { cidr: '10.0.0.1/24', podsCidr: '10.0.0.0/16' },
          cluster: { masterCidr: '10.5.0.0/27' },
        }),
      },
      {
        source: 'team.yaml#1',
        doc: tenantDoc('team-x', {
          namespace: 'istio-egress',
          egress: [{ host: 'example.com', mode: 'passthrough', paths: ['/x'] }],
        }),
      },
      { source: 'team.yaml#2', doc: { kind: 'Tenant' } },
    ]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => `${e.source} ${e.path} ${e.rule}`)).toEqual([
      'env.yaml#1 spec.subnet.cidr cidr-not-canonical',
      'env.yaml#1 spec.subnet.podsCidr cidr-overlap',
      'env.yaml#1 spec.cluster.masterCidr master-cidr-size',
      'team.yaml#1 spec.namespace namespace-reserved',
      'team.yaml#1 spec.egress[0].paths passthrough-no-l7',
      'team.yaml#2 apiVersion required',
      'team.yaml#2 metadata required',
      'team.yaml#2 spec required',
    ]);
  });

  it('maps each unknown key to its own error, path including the key', () => {
    const result = validateDocuments([
      { doc: environmentDoc({ subnet: { cidrs: '10.0.0.0/24', pods: 'x' } }) },
    ]);
    expect(result.ok ? [] : result.errors).toEqual([
      { path: 'spec.subnet.cidrs', rule: 'unknown-field', message: 'unknown field "cidrs"' },
      { path: 'spec.subnet.pods', rule: 'unknown-field', message: 'unknown field "pods"' },
    ]);
  });

  it('refuses a document that is not a mapping', () => {
    const result = validateDocuments([{ source: 'a.yaml#1', doc: ['a'] }]);
    expect(result.ok ? [] : result.errors).toEqual([
      {
        source: 'a.yaml#1',
        path: '',
        rule: 'invalid-document',
        message:
          'a spec document must be a mapping with apiVersion, kind, metadata and spec, not a list',
      },
    ]);
  });

  it('checks allowToTenants only against a complete set (one holding the environment)', () => {
    const lone = validateDocuments([{ doc: example('team-x') }]);
    expect(lone.ok).toBe(true);
    const withEnvironment = validateDocuments([
      { doc: example('environment') },
      { doc: example('team-x') },
    ]);
    expect(withEnvironment.ok ? [] : rulesOf(withEnvironment.errors)).toEqual([
      'spec.networkPolicy.allowToTenants[0] unknown-tenant',
    ]);
  });

  it('does not call tenants orphans when their environment was given but is invalid', () => {
    const result = validateDocuments([
      { doc: { ...environmentDoc(), spec: { project: 'tutorial-project' } } },
      { doc: tenantDoc('team-x') },
    ]);
    expect(result.ok ? [] : rulesOf(result.errors)).toEqual([
      'spec.region required',
      'spec.zone required',
    ]);
  });

  it('lets an absent tenant give up its namespace and ports', () => {
    const result = validateDocuments([
      { doc: environmentDoc() },
      {
        doc: tenantDoc('old-team', {
          namespace: 'shared',
          state: 'absent',
          egress: [{ host: 'example.com', mode: 'http' }],
        }),
      },
      { doc: tenantDoc('new-team', { namespace: 'shared', egress: [{ host: 'example.com' }] }) },
    ]);
    expect(result.ok ? [] : rulesOf(result.errors)).toEqual([]);
  });

  it('accepts one host granted to two tenants the same way, and different ports of a host', () => {
    const result = validateDocuments([
      { doc: environmentDoc() },
      { doc: tenantDoc('team-a', { egress: [{ host: 'example.com' }] }) },
      {
        doc: tenantDoc('team-b', {
          egress: [
            { host: 'example.com', paths: ['/api/*'] },
            { host: 'example.com', mode: 'http', port: 8080 },
          ],
        }),
      },
    ]);
    expect(result.ok ? [] : rulesOf(result.errors)).toEqual([]);
  });

  it("refuses the tutorial's own team-y gap: a path-limited host also granted as passthrough", () => {
    const teamY = example('team-y') as { spec: { egress: unknown[] } };
    teamY.spec.egress.push({ host: 'httpbin.org', mode: 'passthrough' });
    const result = validateDocuments([{ doc: teamY }]);
    expect(result.ok ? [] : rulesOf(result.errors)).toEqual([
      'spec.egress[1].mode passthrough-bypasses-l7',
    ]);
  });
});

describe('parseEnvironment / parseTenant', () => {
  it('return the parsed document', () => {
    const env = parseEnvironment(example('environment'));
    expect(env.spec.subnet.podsCidr).toBe('10.1.0.0/16');
    expect(parseTenant(example('team-x'), env).spec.workloadIdentity).toHaveLength(1);
  });

  it('throw SpecValidationError carrying every problem', () => {
    let caught: unknown;
    try {
      parseEnvironment(
        environmentDoc({ subnet: { cidr: '8.8.8.0/24' }, cluster: { masterCidr: '10.5.0.0/24' } }),
      );
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SpecValidationError);
    const errors = (caught as SpecValidationError).errors;
    expect(rulesOf(errors)).toEqual([
      'spec.subnet.cidr non-private-range',
      'spec.cluster.masterCidr master-cidr-size',
    ]);
    expect((caught as Error).message.split('\n')[0]).toBe('invalid spec: 2 problems');
  });

  it('refuse a document of the other kind without schema noise', () => {
    expect(() => parseEnvironment(example('team-x'))).toThrowError(
      'invalid spec: 1 problem\n  kind: expected kind Environment, not "Tenant" [unexpected-kind]',
    );
  });

  it('check a tenant against the environment it is given', () => {
    const env = parseEnvironment(
      environmentDoc({ mesh: { egressGateway: { namespace: 'egress-gw' } } }),
    );
    const doc = tenantDoc('egress-gw', { environment: 'other' });
    try {
      parseTenant(doc, env);
      expect.unreachable('parseTenant accepted a tenant of another environment');
    } catch (err) {
      expect(rulesOf((err as SpecValidationError).errors)).toEqual([
        'metadata.name namespace-reserved',
        'spec.environment environment-mismatch',
      ]);
    }
    // Without the environment, egress-gw is an ordinary namespace.
    expect(parseTenant(doc).metadata.name).toBe('egress-gw');
  });
});

describe('specHash', () => {
  it('is stable across key order and explicit defaults, and changes with content', () => {
    const a = EnvironmentSchema.parse(environmentDoc());
    const b = EnvironmentSchema.parse({
      spec: { zone: 'us-central1-a', region: 'us-central1', project: 'tutorial-project' },
      metadata: { name: 'tutorial' },
      kind: 'Environment',
      apiVersion: API_VERSION,
    });
    const c = EnvironmentSchema.parse(environmentDoc({ subnet: { cidr: '10.0.0.0/24' } }));
    const d = EnvironmentSchema.parse(environmentDoc({ cluster: { nodeCount: 5 } }));
    expect(specHash(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(specHash(b)).toBe(specHash(a));
    expect(specHash(c)).toBe(specHash(a));
    expect(specHash(d)).not.toBe(specHash(a));
  });
});

describe('helpers', () => {
  it('tenantNamespace defaults to the tenant name', () => {
    expect(tenantNamespace(TenantSchema.parse(tenantDoc('team-x')))).toBe('team-x');
    expect(tenantNamespace(TenantSchema.parse(tenantDoc('team-x', { namespace: 'x' })))).toBe('x');
  });

  it('egressRulePorts applies the per-mode defaults', () => {
    expect(egressRulePorts({ mode: 'tls-origination' })).toEqual({ port: 80, targetPort: 443 });
    expect(egressRulePorts({ mode: 'http' })).toEqual({ port: 80, targetPort: 80 });
    expect(egressRulePorts({ mode: 'passthrough' })).toEqual({ port: 443, targetPort: 443 });
    expect(egressRulePorts({ mode: 'http', port: 8080, targetPort: 8081 })).toEqual({
      port: 8080,
      targetPort: 8081,
    });
  });

  it('hostCovers reads wildcards as Istio does', () => {
    expect(hostCovers('example.com', 'example.com')).toBe(true);
    expect(hostCovers('*.example.com', 'api.example.com')).toBe(true);
    expect(hostCovers('*.example.com', 'a.b.example.com')).toBe(true);
    expect(hostCovers('*.example.com', '*.api.example.com')).toBe(true);
    expect(hostCovers('*.example.com', 'example.com')).toBe(false);
    expect(hostCovers('*.example.com', 'badexample.com')).toBe(false);
    expect(hostCovers('api.example.com', '*.example.com')).toBe(false);
  });

  it('CIDR math: overlap, containment, privacy, canonical form', () => {
    const block = (text: string) => {
      const parsed = parseIpv4Block(text);
      if (!parsed) throw new Error(text);
      return parsed;
    };
    expect(blocksOverlap(block('10.0.0.0/24'), block('10.0.0.128/25'))).toBe(true);
    expect(blocksOverlap(block('10.0.0.0/24'), block('10.0.1.0/24'))).toBe(false);
    expect(blocksOverlap(block('0.0.0.0/0'), block('192.168.1.0/24'))).toBe(true);
    expect(blockContains(block('172.16.0.0/12'), block('172.31.255.0/24'))).toBe(true);
    expect(blockContains(block('172.16.0.0/12'), block('172.32.0.0/24'))).toBe(false);
    expect(isPrivateBlock(block('100.64.0.0/10'))).toBe(true);
    expect(isPrivateBlock(block('10.0.0.0/7'))).toBe(false);
    expect(block('10.1.2.3/16').canonical).toBe('10.1.0.0/16');
    expect(parseIpv4Block('10.0.0.0/33')).toBeUndefined();
  });
});

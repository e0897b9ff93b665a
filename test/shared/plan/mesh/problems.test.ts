import { describe, expect, it } from 'vitest';
import { compilationProblems } from '../../../../shared/plan/mesh/index.js';
import { validateDocuments, type Tenant } from '../../../../shared/spec/index.js';
import { tutorialEnvironment, tutorialTenants } from './tutorial.js';

const wildcardPassthrough = {
  apiVersion: 'egress.provisioner.dev/v1alpha1',
  kind: 'Tenant',
  metadata: { name: 'team-z' },
  spec: { environment: 'tutorial', egress: [{ host: '*.example.org', mode: 'passthrough' }] },
};

describe('compilationProblems', () => {
  it('finds nothing in the tutorial', () => {
    expect(
      compilationProblems({ environments: [tutorialEnvironment()], tenants: tutorialTenants() }),
    ).toEqual([]);
  });

  it('turns a refusal of the compiler into a spec error naming the tenant and field', () => {
    const validated = validateDocuments([
      { doc: { ...tutorialEnvironment() } },
      { doc: wildcardPassthrough },
    ]);
    // The schema and cross-field rules accept it; only the compiler knows it cannot route it.
    expect(validated.ok).toBe(true);
    const tenants = validated.ok ? validated.specs.tenants : ([] as Tenant[]);
    expect(compilationProblems({ environments: [tutorialEnvironment()], tenants })).toEqual([
      {
        source: 'Tenant/team-z',
        path: 'spec.egress[0].host',
        rule: 'gateway-cannot-express',
        message:
          'Tenant "team-z": spec.egress[0].host: wildcard hosts are not supported through the egress gateway (it cannot resolve them)',
      },
    ]);
  });
});

import { describe, expect, it, vi } from 'vitest';
import type * as ObjectNames from '../../../shared/spec/object-names.js';
import { TenantSchema, validateSpecSet, type Tenant } from '../../../shared/spec/index.js';

// Derivation is injective by construction (object-names.test.ts), so a real collision needs a
// hash collision; the check that refuses one is tested here with a derivation that collides.
vi.mock('../../../shared/spec/object-names.js', async (original) => ({
  ...(await original<typeof ObjectNames>()),
  hostObjectNames: (host: string) => [
    { kind: 'ServiceEntry', name: host.endsWith('.com') ? 'same-ext' : `${host}-ext` },
  ],
  tenantHostObjectNames: () => [],
}));

const tenant = (name: string, hosts: string[], state = 'present'): Tenant =>
  TenantSchema.parse({
    apiVersion: 'egress.provisioner.dev/v1alpha1',
    kind: 'Tenant',
    metadata: { name },
    spec: { environment: 'tutorial', state, egress: hosts.map((host) => ({ host })) },
  });

describe('name-collision', () => {
  it('refuses a tenant whose host maps to a name another host already has', () => {
    const errors = validateSpecSet({
      environments: [],
      tenants: [
        { source: 'Tenant/stored', spec: tenant('stored', ['a.b.com']) },
        { source: 'Tenant/incoming', spec: tenant('incoming', ['httpbin.org', 'a-b.com']) },
      ],
    });
    expect(errors).toEqual([
      expect.objectContaining({
        source: 'Tenant/incoming',
        path: 'spec.egress[1].host',
        rule: 'name-collision',
      }),
    ]);
  });

  it('lets two tenants share one host, and ignores absent tenants', () => {
    expect(
      validateSpecSet({
        environments: [],
        tenants: [
          { spec: tenant('x', ['a.b.com']) },
          { spec: tenant('y', ['a.b.com']) },
          { spec: tenant('z', ['c.com'], 'absent') },
        ],
      }),
    ).toEqual([]);
  });
});

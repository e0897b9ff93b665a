import { describe, expect, it } from 'vitest';
import { EnvironmentSchema } from '../../../shared/spec/environment.js';
import { TenantSchema } from '../../../shared/spec/tenant.js';

const envDoc = {
  apiVersion: 'egress.provisioner.dev/v1alpha1',
  kind: 'Environment',
  metadata: { name: 'tutorial' },
  spec: { project: 'tutorial-project', region: 'us-central1', zone: 'us-central1-a' },
};

describe('Environment schema', () => {
  it('fills the tutorial defaults', () => {
    const env = EnvironmentSchema.parse(envDoc);
    expect(env.spec.subnet).toEqual({
      name: 'subnet-gke',
      cidr: '10.0.0.0/24',
      podsRangeName: 'pods',
      podsCidr: '10.1.0.0/16',
      servicesRangeName: 'services',
      servicesCidr: '10.2.0.0/20',
      privateGoogleAccess: true,
    });
    expect(env.spec.cluster.masterCidr).toBe('10.5.0.0/28');
    expect(env.spec.privateDns.zones.map((z) => z.dnsName)).toEqual([
      'googleapis.com.',
      'gcr.io.',
      'pkg.dev.',
    ]);
  });

  it('rejects unknown fields with their path', () => {
    const result = EnvironmentSchema.safeParse({
      ...envDoc,
      spec: { ...envDoc.spec, subnet: { cidrs: '10.0.0.0/24' } },
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['spec', 'subnet']);
  });
});

describe('Tenant schema', () => {
  it('defaults an egress rule to TLS origination', () => {
    const tenant = TenantSchema.parse({
      apiVersion: 'egress.provisioner.dev/v1alpha1',
      kind: 'Tenant',
      metadata: { name: 'team-x' },
      spec: { environment: 'tutorial', egress: [{ host: 'example.com' }] },
    });
    expect(tenant.spec.egress[0]?.mode).toBe('tls-origination');
  });
});

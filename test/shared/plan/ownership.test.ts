import { describe, expect, it } from 'vitest';
import { resourceNameCollisions } from '../../../shared/plan/gcp/collisions.js';
import {
  assertOwned,
  ownerOf,
  ownershipDescription,
  ownershipLabels,
} from '../../../shared/plan/gcp/ownership.js';
import type { Environment } from '../../../shared/spec/index.js';
import { tutorialEnvironment } from './helpers.js';

const env = tutorialEnvironment();
const named = (name: string, edit: (e: Environment) => void = () => {}): Environment => {
  const copy = structuredClone(env);
  copy.metadata.name = name;
  edit(copy);
  return copy;
};

describe('ownership markers', () => {
  it('reads the owner from labels, resourceLabels, then the description', () => {
    expect(ownerOf({ labels: ownershipLabels(env) })).toBe('tutorial');
    expect(ownerOf({ resourceLabels: ownershipLabels(env) })).toBe('tutorial');
    expect(ownerOf({ description: ownershipDescription(env, 'VPC') })).toBe('tutorial');
    // Tenant service accounts' marker (shared/steps/tenant-identities.ts) reads the same way.
    expect(ownerOf({ description: 'egress-provisioner environment=prod tenant=team-x' })).toBe(
      'prod',
    );
  });

  it('finds no owner in unmarked, partial or look-alike markers', () => {
    expect(ownerOf({})).toBeUndefined();
    expect(ownerOf({ description: 'SA for application nodes' })).toBeUndefined();
    expect(ownerOf({ labels: { 'egress-environment': 'tutorial' } })).toBeUndefined();
    expect(ownerOf({ description: 'xegress-provisioner environment=tutorial' })).toBeUndefined();
    expect(ownerOf({ description: 'egress-provisioner environment=Tutorial' })).toBeUndefined();
  });

  it('labels win over the description', () => {
    const other = named('other');
    expect(
      ownerOf({
        resourceLabels: ownershipLabels(other),
        description: ownershipDescription(env, 'x'),
      }),
    ).toBe('other');
  });

  it('refuses with not-owned, naming resource, owner and field', () => {
    const resource = 'projects/p/global/networks/vpc-network';
    expect(() =>
      assertOwned(env, resource, { labels: ownershipLabels(named('other')) }, 'spec.network.name'),
    ).toThrow(
      expect.objectContaining({
        reason: 'not-owned',
        message: expect.stringMatching(/vpc-network is owned by environment other/),
        options: { resource, field: 'spec.network.name' },
      }),
    );
    expect(() => assertOwned(env, resource, { description: 'by hand' })).toThrow(/no owner marker/);
    expect(() => assertOwned(env, resource, { labels: ownershipLabels(env) })).not.toThrow();
  });
});

describe('resourceNameCollisions', () => {
  it('none across projects, nor with itself', () => {
    expect(
      resourceNameCollisions(
        env,
        named('other', (e) => (e.spec.project = 'other-project')),
      ),
    ).toEqual([]);
    expect(resourceNameCollisions(env, env)).toEqual([]);
  });

  it('names every colliding field of two default environments, the cluster first', () => {
    const fields = resourceNameCollisions(named('second'), env).map((c) => c.field);
    expect(fields).toEqual([
      'spec.cluster.name',
      'spec.network.name',
      'spec.subnet.name',
      'spec.nat.routerName',
      'spec.nodeServiceAccounts.application',
      'spec.nodeServiceAccounts.gateway',
      ...env.spec.privateDns.zones.map((_, i) => `spec.privateDns.zones[${i}].name`),
      'spec.project',
    ]);
  });

  it('regional and zonal names collide only in the same region or zone', () => {
    const elsewhere = named('second', (e) => {
      e.spec.region = 'europe-west1';
      e.spec.zone = 'europe-west1-b';
    });
    const fields = resourceNameCollisions(elsewhere, env).map((c) => c.field);
    expect(fields).not.toContain('spec.cluster.name');
    expect(fields).not.toContain('spec.subnet.name');
    expect(fields).not.toContain('spec.nat.routerName');
    expect(fields).toContain('spec.network.name');
  });

  it("one environment's application account is the other's gateway account", () => {
    const swapped = named('second', (e) => {
      e.spec.nodeServiceAccounts.application = env.spec.nodeServiceAccounts.gateway;
      e.spec.nodeServiceAccounts.gateway = 'sa-gw-2';
    });
    const fields = resourceNameCollisions(swapped, env).map((c) => c.field);
    expect(fields).toContain('spec.nodeServiceAccounts.application');
    expect(fields).not.toContain('spec.nodeServiceAccounts.gateway');
  });

  it('the fixed firewall names still collide when everything else is renamed', () => {
    const renamed = named('second', (e) => {
      e.spec.cluster.name = 'c2';
      e.spec.network.name = 'n2';
      e.spec.subnet.name = 's2';
      e.spec.nat.routerName = 'r2';
      e.spec.nodeServiceAccounts.application = 'sa-app-2';
      e.spec.nodeServiceAccounts.gateway = 'sa-gw-2';
      e.spec.privateDns.zones = e.spec.privateDns.zones.map((z) => ({ ...z, name: `${z.name}-2` }));
    });
    expect(resourceNameCollisions(renamed, env)).toEqual([
      { field: 'spec.project', resource: expect.stringContaining('global-deny-egress-all') },
    ]);
  });
});

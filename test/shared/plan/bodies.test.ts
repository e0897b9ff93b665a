import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../shared/errors.js';
import { desiredCluster } from '../../../shared/plan/gcp/container.js';
import { desiredManagedZone, recordChangeFor } from '../../../shared/plan/gcp/dns.js';
import {
  BATCH_ENABLE_LIMIT,
  desiredServiceBatches,
  missingServiceBatches,
} from '../../../shared/plan/gcp/serviceusage.js';
import { environmentWith, tutorialEnvironment } from './helpers.js';

describe('services:batchEnable', () => {
  const many = Array.from(
    { length: 45 },
    (_, i) => `svc${String(i).padStart(2, '0')}.googleapis.com`,
  );

  it('chunks at 20 services per call, sorted and deduplicated', () => {
    const batches = desiredServiceBatches(environmentWith({ apis: [...many, ...many] }));
    expect(batches.map((b) => b.serviceIds.length)).toEqual([20, 20, 5]);
    expect(BATCH_ENABLE_LIMIT).toBe(20);
    expect(batches.flatMap((b) => b.serviceIds)).toEqual([...many].sort());
  });

  it('enables only what is missing on a repeated call', () => {
    const env = environmentWith({ apis: many });
    expect(missingServiceBatches(env, many.slice(0, 44))).toEqual([{ serviceIds: [many[44]] }]);
    expect(missingServiceBatches(env, many)).toEqual([]);
  });
});

describe('cluster', () => {
  it('refuses an authorized network open to the internet, naming the field', () => {
    const env = environmentWith({
      cluster: { authorizedNetworks: [{ cidr: '10.0.0.0/8' }, { cidr: '0.0.0.0/0' }] },
    });
    expect(() => desiredCluster(env)).toThrow(PermanentError);
    expect(() => desiredCluster(env)).toThrow(
      'spec.cluster.authorizedNetworks[1].cidr: must not be 0.0.0.0/0; the control plane is reached through its IAM-authorized DNS endpoint',
    );
  });

  it('turns network policy off in both places when the spec does', () => {
    const { cluster } = desiredCluster(environmentWith({ cluster: { networkPolicy: false } }));
    expect(cluster.networkPolicy).toEqual({ provider: 'CALICO', enabled: false });
    expect(cluster.addonsConfig.networkPolicyConfig).toEqual({ disabled: true });
    expect(cluster.masterAuthorizedNetworksConfig).toEqual({ enabled: true, cidrBlocks: [] });
  });
});

describe('private DNS', () => {
  const env = tutorialEnvironment();
  const zone = env.spec.privateDns.zones.find((z) => z.name === 'private-google-apis');
  if (!zone) throw new Error('tutorial zone missing');

  it('always sends a description, which the API requires', () => {
    expect(desiredManagedZone(env, { ...zone, description: '' }).description).toBe(
      'Private zone for googleapis.com. (egress environment tutorial)',
    );
  });

  it('changes nothing when the records are there, replaces what differs', () => {
    const observed = zone.records.map((r) => ({ ...r, rrdatas: [...r.rrdatas].reverse() }));
    const soa = {
      name: 'googleapis.com.',
      type: 'SOA',
      ttl: 21600,
      rrdatas: ['ns. x. 1 21600 3600 259200 300'],
    };
    expect(recordChangeFor(zone, [...observed, soa])).toBeUndefined();
    const stale = {
      name: 'private.googleapis.com.',
      type: 'A',
      ttl: 300,
      rrdatas: ['199.36.153.8'],
    };
    expect(recordChangeFor(zone, [observed[0] ?? soa, stale])).toEqual({
      additions: [zone.records.find((r) => r.type === 'A')],
      deletions: [stale],
    });
    expect(recordChangeFor(zone, [])?.additions).toHaveLength(2);
  });
});

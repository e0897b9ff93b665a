import { describe, expect, it } from 'vitest';
import {
  desiredFirewalls,
  desiredNetwork,
  desiredRouter,
  desiredSubnetwork,
} from '../../../shared/plan/gcp/compute.js';
import { desiredCluster, desiredGatewayNodePool } from '../../../shared/plan/gcp/container.js';
import { desiredManagedZone } from '../../../shared/plan/gcp/dns.js';
import { desiredServiceMeshFeature } from '../../../shared/plan/gcp/gkehub.js';
import { desiredServiceAccounts } from '../../../shared/plan/gcp/iam.js';
import {
  FIELD_RULES,
  compareResource,
  fieldPaths,
  normalizeReference,
  type DiffKind,
} from '../../../shared/plan/gcp/diff.js';
import { tutorialEnvironment } from './helpers.js';

const env = tutorialEnvironment();
const URL_PREFIX = 'https://www.googleapis.com/compute/v1/';
const clone = <T>(value: T): T => structuredClone(value);

function firewall(name: string) {
  const rule = desiredFirewalls(env).find((candidate) => candidate.name === name);
  if (!rule) throw new Error(`no rule ${name}`);
  return rule;
}

/** A firewall as a GET answers it: server fields, full URLs, entries as Google stores them. */
function observedFirewall(name: string) {
  const rule = firewall(name);
  return {
    ...clone(rule),
    id: '123',
    kind: 'compute#firewall',
    selfLink: `${URL_PREFIX}projects/tutorial-project/global/firewalls/${name}`,
    creationTimestamp: '2024-04-01T12:34:56.123-07:00',
    network: `${URL_PREFIX}${rule.network}`,
    disabled: false,
    logConfig: { enable: false },
  };
}

describe('field rules', () => {
  const bodies: Record<DiffKind, object> = {
    Network: desiredNetwork(env),
    Subnetwork: desiredSubnetwork(env),
    Router: desiredRouter(env),
    Firewall: firewall('gateway-allow-egress-web'),
    ServiceAccount: desiredServiceAccounts(env)[0]?.serviceAccount ?? {},
    ManagedZone: desiredManagedZone(env, env.spec.privateDns.zones[0] ?? ({} as never)),
    Cluster: desiredCluster(env).cluster,
    NodePool: desiredGatewayNodePool(env).nodePool,
    Feature: desiredServiceMeshFeature(env),
  };

  for (const [kind, body] of Object.entries(bodies) as [DiffKind, object][]) {
    it(`${kind}: classify every field the desired body sets`, () => {
      const rules = FIELD_RULES[kind];
      const classified = [...rules.mutable, ...rules.immutable, ...rules.ignored];
      for (const path of fieldPaths(body)) {
        const covered = classified.some((rule) => path === rule || path.startsWith(`${rule}.`));
        expect(covered, `${kind}.${path} is neither mutable, immutable nor ignored`).toBe(true);
      }
    });
  }

  it('cover also the fields of the other firewall shapes', () => {
    for (const rule of desiredFirewalls(env)) {
      const classified = [
        ...FIELD_RULES.Firewall.mutable,
        ...FIELD_RULES.Firewall.immutable,
        ...FIELD_RULES.Firewall.ignored,
      ];
      for (const path of fieldPaths(rule)) expect(classified).toContain(path);
    }
  });
});

describe('compare', () => {
  it('finds no drift in a resource exactly as a GET returns it', () => {
    expect(
      compareResource(
        'Firewall',
        firewall('gateway-allow-egress-web'),
        observedFirewall('gateway-allow-egress-web'),
      ),
    ).toEqual({});
    expect(
      compareResource('Network', desiredNetwork(env), {
        ...desiredNetwork(env),
        id: '1',
        routingConfig: { routingMode: 'REGIONAL', bgpBestPathSelectionMode: 'LEGACY' },
        networkFirewallPolicyEnforcementOrder: 'AFTER_CLASSIC_FIREWALL',
      }),
    ).toEqual({});
  });

  it('treats an omitted default as equal (Google leaves out false and empty values)', () => {
    const desired = { ...desiredSubnetwork(env), privateIpGoogleAccess: false };
    const observed: Record<string, unknown> = {
      ...clone(desired),
      network: `${URL_PREFIX}${desired.network}`,
    };
    delete observed.privateIpGoogleAccess;
    expect(compareResource('Subnetwork', desired, observed)).toEqual({});
    expect(compareResource('Subnetwork', desiredSubnetwork(env), observed)).toEqual({
      patch: { privateIpGoogleAccess: true },
    });
  });

  it('compares lists as sets and firewall entries by protocol and ports', () => {
    const desired = firewall('allow-ingress-gcp-health-checker');
    const observed = observedFirewall('allow-ingress-gcp-health-checker');
    observed.sourceRanges = [...(observed.sourceRanges ?? [])].reverse();
    // `tcp:80,tcp:443` and `tcp:443,80` are the same rule.
    observed.allowed = [{ IPProtocol: 'tcp', ports: ['443', '80'] }];
    expect(compareResource('Firewall', desired, observed)).toEqual({});
  });

  it('patches drift on mutable fields with the desired values', () => {
    const observed = observedFirewall('allow-egress-to-api-server');
    observed.destinationRanges = ['0.0.0.0/0'];
    observed.priority = 900;
    observed.allowed = [{ IPProtocol: 'tcp', ports: ['443'] }];
    const desired = firewall('allow-egress-to-api-server');
    expect(compareResource('Firewall', desired, observed)).toEqual({
      patch: { allowed: desired.allowed, priority: 1000, destinationRanges: ['10.5.0.0/28'] },
    });
  });

  it('patches a range added by someone else (lists are compared whole)', () => {
    const observed = observedFirewall('allow-egress-calico');
    observed.destinationRanges = ['10.0.0.0/24', '0.0.0.0/0'];
    expect(compareResource('Firewall', firewall('allow-egress-calico'), observed)).toEqual({
      patch: { destinationRanges: ['10.0.0.0/24'] },
    });
  });

  it('reports drift on immutable fields, naming the field', () => {
    const observed = observedFirewall('allow-egress-calico');
    observed.network = `${URL_PREFIX}projects/tutorial-project/global/networks/other`;
    observed.direction = 'INGRESS';
    expect(compareResource('Firewall', firewall('allow-egress-calico'), observed)).toEqual({
      immutableDrift: [
        {
          field: 'network',
          desired: 'projects/tutorial-project/global/networks/vpc-network',
          observed: `${URL_PREFIX}projects/tutorial-project/global/networks/other`,
        },
        { field: 'direction', desired: 'EGRESS', observed: 'INGRESS' },
      ],
    });
  });

  it('reports an allow rule turned deny as immutable drift of the action', () => {
    const observed: Record<string, unknown> = observedFirewall('allow-egress-calico');
    observed.denied = observed.allowed;
    delete observed.allowed;
    expect(compareResource('Firewall', firewall('allow-egress-calico'), observed)).toEqual({
      immutableDrift: [{ field: 'action', desired: 'ALLOW', observed: 'DENY' }],
    });
  });

  it('network: routing mode is patched, subnet mode is immutable', () => {
    const desired = desiredNetwork(env);
    expect(
      compareResource('Network', desired, { ...desired, routingConfig: { routingMode: 'GLOBAL' } }),
    ).toEqual({
      patch: { routingConfig: { routingMode: 'REGIONAL' } },
    });
    expect(
      compareResource('Network', desired, { ...desired, autoCreateSubnetworks: true }),
    ).toEqual({
      immutableDrift: [{ field: 'autoCreateSubnetworks', desired: false, observed: true }],
    });
  });

  it('subnet: a new CIDR is immutable, a missing secondary range is patched', () => {
    const desired = desiredSubnetwork(env);
    const observed = {
      ...clone(desired),
      ipCidrRange: '10.9.0.0/24',
      secondaryIpRanges: desired.secondaryIpRanges.slice(0, 1),
      fingerprint: 'abc=',
    };
    expect(compareResource('Subnetwork', desired, observed)).toEqual({
      patch: { secondaryIpRanges: desired.secondaryIpRanges },
      immutableDrift: [{ field: 'ipCidrRange', desired: '10.0.0.0/24', observed: '10.9.0.0/24' }],
    });
  });

  it('router: a router without its NAT gets the NAT patched', () => {
    const desired = desiredRouter(env);
    expect(compareResource('Router', desired, { ...clone(desired), nats: [] })).toEqual({
      patch: { nats: desired.nats },
    });
    const withServerFields = {
      ...clone(desired),
      nats: desired.nats.map((nat) => ({
        ...nat,
        enableEndpointIndependentMapping: false,
        type: 'PUBLIC',
      })),
    };
    expect(compareResource('Router', desired, withServerFields)).toEqual({});
  });

  it('cluster: GKE answers bare network names and extra fields without drift', () => {
    const { cluster } = desiredCluster(env);
    const observed = {
      ...clone(cluster),
      network: 'vpc-network',
      subnetwork: 'subnet-gke',
      status: 'RUNNING',
      initialNodeCount: 3,
      privateClusterConfig: {
        ...cluster.privateClusterConfig,
        privateEndpoint: '10.5.0.2',
        peeringName: 'gke-x',
      },
      masterAuthorizedNetworksConfig: {
        ...cluster.masterAuthorizedNetworksConfig,
        gcpPublicCidrsAccessEnabled: false,
      },
      nodeConfig: { ...cluster.nodeConfig, diskSizeGb: 100, imageType: 'COS_CONTAINERD' },
    };
    expect(compareResource('Cluster', cluster, observed)).toEqual({});
  });

  it('cluster: authorized networks and channel are patched, private-node settings are immutable', () => {
    const { cluster } = desiredCluster(env);
    const observed = {
      ...clone(cluster),
      releaseChannel: { channel: 'RAPID' },
      masterAuthorizedNetworksConfig: { enabled: true, cidrBlocks: [{ cidrBlock: '0.0.0.0/0' }] },
      privateClusterConfig: { enablePrivateNodes: false, masterIpv4CidrBlock: '10.5.0.0/28' },
      subnetwork: 'other-subnet',
    };
    expect(compareResource('Cluster', cluster, observed)).toEqual({
      patch: {
        masterAuthorizedNetworksConfig: cluster.masterAuthorizedNetworksConfig,
        releaseChannel: { channel: 'REGULAR' },
      },
      immutableDrift: [
        { field: 'subnetwork', desired: cluster.subnetwork, observed: 'other-subnet' },
        { field: 'privateClusterConfig.enablePrivateNodes', desired: true, observed: false },
      ],
    });
  });

  it('node pool: taints are patched, the machine type is immutable', () => {
    const { nodePool } = desiredGatewayNodePool(env);
    const observed = {
      ...clone(nodePool),
      config: { ...clone(nodePool.config), machineType: 'e2-standard-8', taints: [] },
      initialNodeCount: 5,
    };
    expect(compareResource('NodePool', nodePool, observed)).toEqual({
      patch: { config: { taints: nodePool.config.taints } },
      immutableDrift: [
        { field: 'config.machineType', desired: 'e2-standard-4', observed: 'e2-standard-8' },
      ],
    });
  });

  it('service account, zone and feature: mutable fields are patched', () => {
    const account = desiredServiceAccounts(env)[0]?.serviceAccount;
    if (!account) throw new Error('no account');
    expect(
      compareResource('ServiceAccount', account, {
        ...account,
        description: '',
        etag: 'x',
        uniqueId: '1',
      }),
    ).toEqual({
      patch: { description: account.description },
    });
    const zone = desiredManagedZone(env, env.spec.privateDns.zones[0] ?? ({} as never));
    const observedZone = {
      ...clone(zone),
      privateVisibilityConfig: { networks: [], kind: 'dns#managedZonePrivateVisibilityConfig' },
      labels: { ...zone.labels, extra: 'kept' },
      nameServers: ['ns-gcp-private.googledomains.com.'],
    };
    expect(compareResource('ManagedZone', zone, observedZone)).toEqual({
      patch: { privateVisibilityConfig: { networks: zone.privateVisibilityConfig.networks } },
    });
    expect(
      compareResource('ManagedZone', zone, { ...clone(zone), dnsName: 'example.com.' })
        .immutableDrift,
    ).toEqual([{ field: 'dnsName', desired: zone.dnsName, observed: 'example.com.' }]);
    const feature = desiredServiceMeshFeature(env);
    expect(
      compareResource('Feature', feature, { name: 'x', state: { state: { code: 'OK' } } }),
    ).toEqual({
      patch: { fleetDefaultMemberConfig: { mesh: { management: 'MANAGEMENT_AUTOMATIC' } } },
    });
  });

  it('normalizes resource URLs of every form', () => {
    expect(normalizeReference(`${URL_PREFIX}projects/p/global/networks/n`)).toBe(
      'projects/p/global/networks/n',
    );
    expect(
      normalizeReference('http://127.0.0.1:8080/compute/v1/projects/p/global/networks/n'),
    ).toBe('projects/p/global/networks/n');
    expect(normalizeReference('projects/p/global/networks/n')).toBe('projects/p/global/networks/n');
    expect(normalizeReference('10.0.0.0/24')).toBe('10.0.0.0/24');
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  desiredFirewalls,
  desiredRouter,
  desiredSubnetwork,
} from '../../../shared/plan/gcp/compute.js';
import { desiredCluster, desiredGatewayNodePool } from '../../../shared/plan/gcp/container.js';
import { desiredManagedZone, desiredRecordSets } from '../../../shared/plan/gcp/dns.js';
import {
  bindingsOf,
  desiredProjectBindings,
  desiredServiceAccounts,
} from '../../../shared/plan/gcp/iam.js';
import { desiredServiceBatches } from '../../../shared/plan/gcp/serviceusage.js';
import { FIXTURES, tutorialEnvironment } from './helpers.js';

interface TutorialFirewall {
  name: string;
  action: 'ALLOW' | 'DENY';
  direction: 'EGRESS' | 'INGRESS';
  rules: string;
  priority: number;
  destinationRanges?: string[];
  sourceRanges?: string[];
  targetServiceAccounts?: string[];
}

const env = tutorialEnvironment();
const project = env.spec.project;
// The fixture writes the tutorial's shell variable; the example's project stands for it.
const tutorial = parse(
  readFileSync(`${FIXTURES}gcp-final-state.yaml`, 'utf8').replaceAll('PROJECT_ID', project),
) as {
  apis: string[];
  network: { name: string };
  subnet: {
    name: string;
    range: string;
    secondaryRanges: Record<string, string>;
    privateIpGoogleAccess: boolean;
  };
  router: { name: string; network: string };
  nat: { name: string };
  serviceAccounts: { name: string; description: string; displayName: string }[];
  projectIamBindings: { roles: string[]; members: string[] };
  firewallRules: TutorialFirewall[];
  dnsZones: {
    name: string;
    dnsName: string;
    records: { name: string; type: string; ttl: number; rrdatas: string[] }[];
  }[];
  cluster: Record<string, unknown>;
  nodePools: {
    name: string;
    machineType: string;
    nodeTaints: string[];
    serviceAccount: string;
    numNodes: number;
  }[];
};

/** `--rules tcp:80,tcp:443` the way gcloud turns it into entries: one per comma-separated spec. */
function gcloudRules(rules: string): { IPProtocol: string; ports?: string[] }[] {
  return rules.split(',').map((spec) => {
    const [protocol, ports] = spec.split(':');
    return ports ? { IPProtocol: protocol ?? '', ports: [ports] } : { IPProtocol: protocol ?? '' };
  });
}

describe("the tutorial's nine firewall rules", () => {
  const planned = desiredFirewalls(env);

  it('are exactly the planned ones, by name', () => {
    expect(planned.map((rule) => rule.name).sort()).toEqual(
      tutorial.firewallRules.map((rule) => rule.name).sort(),
    );
  });

  for (const want of tutorial.firewallRules) {
    it(`${want.name}: same fields`, () => {
      const rule = planned.find((candidate) => candidate.name === want.name);
      expect(rule).toBeDefined();
      if (!rule) return;
      expect(rule.network).toBe(`projects/${project}/global/networks/${tutorial.network.name}`);
      expect(rule.direction).toBe(want.direction);
      expect(rule.priority).toBe(want.priority);
      const entries = gcloudRules(want.rules);
      if (want.action === 'ALLOW') {
        expect(rule.allowed).toEqual(entries);
        expect(rule.denied).toBeUndefined();
      } else {
        expect(rule.denied).toEqual(entries);
        expect(rule.allowed).toBeUndefined();
      }
      expect(rule.destinationRanges).toEqual(want.destinationRanges);
      expect(rule.sourceRanges).toEqual(want.sourceRanges);
      expect(rule.targetServiceAccounts).toEqual(want.targetServiceAccounts);
    });
  }

  it('follow the spec, not constants: another master CIDR and subnet move the rules', () => {
    const moved = tutorialEnvironment();
    moved.spec.cluster.masterCidr = '172.16.0.0/28';
    moved.spec.subnet.cidr = '10.10.0.0/22';
    const rules = Object.fromEntries(desiredFirewalls(moved).map((rule) => [rule.name, rule]));
    expect(rules['allow-egress-to-api-server']?.destinationRanges).toEqual(['172.16.0.0/28']);
    expect(rules['allow-ingress-api-server-to-webhook']?.sourceRanges).toEqual(['172.16.0.0/28']);
    expect(rules['allow-egress-calico']?.destinationRanges).toEqual(['10.10.0.0/22']);
    expect(rules['allow-egress-kubelet-readonly']?.destinationRanges).toEqual(['10.10.0.0/22']);
  });
});

describe("the tutorial's other resources", () => {
  it('enables the same services', () => {
    expect(
      desiredServiceBatches(env)
        .flatMap((batch) => batch.serviceIds)
        .sort(),
    ).toEqual([...tutorial.apis].sort());
  });

  it('creates the same subnet, router and NAT', () => {
    const subnet = desiredSubnetwork(env);
    expect(subnet.name).toBe(tutorial.subnet.name);
    expect(subnet.ipCidrRange).toBe(tutorial.subnet.range);
    expect(
      Object.fromEntries(subnet.secondaryIpRanges.map((r) => [r.rangeName, r.ipCidrRange])),
    ).toEqual(tutorial.subnet.secondaryRanges);
    expect(subnet.privateIpGoogleAccess).toBe(tutorial.subnet.privateIpGoogleAccess);
    const router = desiredRouter(env);
    expect(router.name).toBe(tutorial.router.name);
    expect(router.network).toBe(`projects/${project}/global/networks/${tutorial.router.network}`);
    expect(router.nats.map((nat) => nat.name)).toEqual([tutorial.nat.name]);
  });

  it('creates the same service accounts and project bindings', () => {
    expect(
      desiredServiceAccounts(env).map((sa) => ({
        name: sa.accountId,
        // The tutorial's description, then the ownership marker (shared/plan/gcp/ownership.ts).
        description: sa.serviceAccount.description.replace(
          ` [egress-provisioner environment=${env.metadata.name}]`,
          '',
        ),
        displayName: sa.serviceAccount.displayName,
      })),
    ).toEqual(tutorial.serviceAccounts);
    for (const sa of desiredServiceAccounts(env)) {
      expect(sa.serviceAccount.description).toMatch(/ \[egress-provisioner environment=\S+\]$/);
    }
    const expected = tutorial.projectIamBindings.roles.map((role) => ({
      role,
      members: [...tutorial.projectIamBindings.members].sort(),
    }));
    expect(bindingsOf(desiredProjectBindings(env))).toEqual(expected);
  });

  it("creates the tutorial's DNS zones and records (and pkg.dev besides)", () => {
    const zones = env.spec.privateDns.zones;
    for (const want of tutorial.dnsZones) {
      const zone = zones.find((candidate) => candidate.name === want.name);
      expect(zone, want.name).toBeDefined();
      if (!zone) continue;
      const body = desiredManagedZone(env, zone);
      expect(body.dnsName).toBe(want.dnsName);
      expect(body.visibility).toBe('private');
      expect(body.privateVisibilityConfig.networks).toEqual([
        {
          networkUrl: `https://www.googleapis.com/compute/v1/projects/${project}/global/networks/vpc-network`,
        },
      ]);
      expect(desiredRecordSets(zone)).toEqual(
        [...want.records].sort((a, b) => a.name.localeCompare(b.name)),
      );
    }
    expect(zones.map((zone) => zone.name)).toContain('private-pkg-dev');
  });

  it("creates the cluster with the tutorial's flags", () => {
    const { cluster } = desiredCluster(env);
    const want = tutorial.cluster;
    expect(cluster.name).toBe(want.name);
    expect(cluster.ipAllocationPolicy).toEqual({
      useIpAliases: want.enableIpAlias,
      clusterSecondaryRangeName: want.clusterSecondaryRangeName,
      servicesSecondaryRangeName: want.servicesSecondaryRangeName,
    });
    expect(cluster.privateClusterConfig).toEqual({
      enablePrivateNodes: want.enablePrivateNodes,
      masterIpv4CidrBlock: want.masterIpv4Cidr,
    });
    expect(cluster.releaseChannel.channel).toBe(String(want.releaseChannel).toUpperCase());
    expect(cluster.masterAuth.clientCertificateConfig.issueClientCertificate).toBe(
      want.issueClientCertificate,
    );
    expect(cluster.networkPolicy.enabled).toBe(want.networkPolicy === 'enabled');
    expect(cluster.nodeConfig.serviceAccount).toBe(want.serviceAccount);
    expect(cluster.nodeConfig.machineType).toBe(want.machineType);
    expect(cluster.initialNodeCount).toBe(want.numNodes);
    expect(cluster.network).toBe(`projects/${project}/global/networks/${String(want.network)}`);
    expect(cluster.subnetwork).toBe(
      `projects/${project}/regions/us-central1/subnetworks/${String(want.subnetwork)}`,
    );
    expect(cluster.workloadIdentityConfig.workloadPool).toBe(want.workloadPool);
    // SHELL_IP/32 of the tutorial is the example's documentation address.
    expect(cluster.masterAuthorizedNetworksConfig.cidrBlocks.map((b) => b.cidrBlock)).toEqual([
      '203.0.113.7/32',
    ]);
  });

  it('creates the gateway pool with its taint', () => {
    const { nodePool } = desiredGatewayNodePool(env);
    const want = tutorial.nodePools[0];
    expect(nodePool.name).toBe(want?.name);
    expect(nodePool.config.machineType).toBe(want?.machineType);
    expect(nodePool.config.serviceAccount).toBe(want?.serviceAccount);
    expect(nodePool.initialNodeCount).toBe(want?.numNodes);
    // dedicated=gateway:NoSchedule in gcloud's syntax.
    expect(nodePool.config.taints).toEqual([
      { key: 'dedicated', value: 'gateway', effect: 'NO_SCHEDULE' },
    ]);
    expect(want?.nodeTaints).toEqual(['dedicated=gateway:NoSchedule']);
  });
});

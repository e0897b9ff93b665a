import { skipGcloudSuites } from '../../support/binaries.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGcpSimulator, type GcpSimulator } from '../../../local/gcp/index.js';
import { Gcloud } from './gcloud-helper.js';

/**
 * The tutorial's gcloud commands (seed lines ~60-400) against the simulator, in order, with
 * one simulator and one gcloud config shared by the ordered cases below.
 */

const project = 'sim-project';
const sa = (id: string) => `${id}@${project}.iam.gserviceaccount.com`;

/** The tutorial's nine firewall rules. */
const firewallRules: string[][] = [
  [
    'global-deny-egress-all',
    '--action',
    'DENY',
    '--direction',
    'EGRESS',
    '--rules',
    'all',
    '--destination-ranges',
    '0.0.0.0/0',
    '--priority',
    '65535',
  ],
  [
    'gateway-allow-egress-web',
    '--action',
    'ALLOW',
    '--direction',
    'EGRESS',
    '--rules',
    'tcp:80,tcp:443',
    '--target-service-accounts',
    sa('sa-gateway-nodes'),
    '--priority',
    '1000',
  ],
  [
    'allow-egress-to-api-server',
    '--action',
    'ALLOW',
    '--direction',
    'EGRESS',
    '--rules',
    'tcp:443,tcp:10250',
    '--destination-ranges',
    '10.5.0.0/28',
    '--priority',
    '1000',
  ],
  [
    'allow-ingress-api-server-to-webhook',
    '--action',
    'ALLOW',
    '--direction',
    'INGRESS',
    '--rules',
    'tcp:15017',
    '--source-ranges',
    '10.5.0.0/28',
    '--priority',
    '1000',
  ],
  [
    'allow-egress-pods-and-services',
    '--action',
    'ALLOW',
    '--direction',
    'EGRESS',
    '--rules',
    'all',
    '--destination-ranges',
    '10.1.0.0/16,10.2.0.0/20',
    '--priority',
    '1000',
  ],
  [
    'allow-egress-calico',
    '--action',
    'ALLOW',
    '--direction',
    'EGRESS',
    '--rules',
    'tcp:5473',
    '--destination-ranges',
    '10.0.0.0/24',
    '--priority',
    '1000',
  ],
  [
    'allow-egress-kubelet-readonly',
    '--action',
    'ALLOW',
    '--direction',
    'EGRESS',
    '--rules',
    'tcp:10255',
    '--destination-ranges',
    '10.0.0.0/24',
    '--priority',
    '1000',
  ],
  [
    'allow-egress-gcp-apis',
    '--action',
    'ALLOW',
    '--direction',
    'EGRESS',
    '--rules',
    'tcp',
    '--destination-ranges',
    '199.36.153.8/30',
    '--priority',
    '1000',
  ],
  [
    'allow-ingress-gcp-health-checker',
    '--action',
    'ALLOW',
    '--direction',
    'INGRESS',
    '--rules',
    'tcp:80,tcp:443',
    '--source-ranges',
    '130.211.0.0/22,35.191.0.0/16,35.191.0.0/16,209.85.152.0/22,209.85.204.0/22',
    '--priority',
    '1000',
  ],
];

// The slowest suite (gcloud starts in 1-5 s per command on a loaded machine): EGRESS_SKIP_GCLOUD=1 skips it outside CI.
describe.skipIf(skipGcloudSuites)(
  'gcloud against the GCP simulator (the tutorial, in order)',
  { timeout: 600_000 },
  () => {
    let sim: GcpSimulator;
    let gcloud: Gcloud;

    beforeAll(async () => {
      sim = await startGcpSimulator();
      gcloud = new Gcloud(sim.url, project);
    });
    afterAll(async () => {
      await sim.close();
      gcloud.cleanup();
    });

    it('enables the services and builds the network, subnet, router and NAT', async () => {
      await gcloud.run([
        'services',
        'enable',
        'dns.googleapis.com',
        'container.googleapis.com',
        'compute.googleapis.com',
        'gkehub.googleapis.com',
      ]);
      const enabled = await gcloud.json<{ config: { name: string } }[]>([
        'services',
        'list',
        '--enabled',
      ]);
      expect(enabled.map((s) => s.config.name).sort()).toEqual([
        'compute.googleapis.com',
        'container.googleapis.com',
        'dns.googleapis.com',
        'gkehub.googleapis.com',
      ]);

      await gcloud.run(['compute', 'networks', 'create', 'vpc-network', '--subnet-mode', 'custom']);
      await gcloud.run([
        'compute',
        'networks',
        'subnets',
        'create',
        'subnet-gke',
        '--network',
        'vpc-network',
        '--range',
        '10.0.0.0/24',
        '--secondary-range',
        'pods=10.1.0.0/16,services=10.2.0.0/20',
        '--enable-private-ip-google-access',
      ]);
      await gcloud.run(['compute', 'routers', 'create', 'nat-router', '--network', 'vpc-network']);
      await gcloud.run([
        'compute',
        'routers',
        'nats',
        'create',
        'nat-config',
        '--router',
        'nat-router',
        '--nat-all-subnet-ip-ranges',
        '--auto-allocate-nat-external-ips',
      ]);

      const network = await gcloud.json(['compute', 'networks', 'describe', 'vpc-network']);
      expect(network.autoCreateSubnetworks).toBe(false);
      expect(network.subnetworks).toEqual([
        `${sim.url}/compute/v1/projects/${project}/regions/us-central1/subnetworks/subnet-gke`,
      ]);
      const subnet = await gcloud.json([
        'compute',
        'networks',
        'subnets',
        'describe',
        'subnet-gke',
      ]);
      expect(subnet).toMatchObject({
        ipCidrRange: '10.0.0.0/24',
        privateIpGoogleAccess: true,
        secondaryIpRanges: [
          { rangeName: 'pods', ipCidrRange: '10.1.0.0/16' },
          { rangeName: 'services', ipCidrRange: '10.2.0.0/20' },
        ],
      });
      const nat = await gcloud.json([
        'compute',
        'routers',
        'nats',
        'describe',
        'nat-config',
        '--router',
        'nat-router',
      ]);
      expect(nat).toMatchObject({
        name: 'nat-config',
        natIpAllocateOption: 'AUTO_ONLY',
        sourceSubnetworkIpRangesToNat: 'ALL_SUBNETWORKS_ALL_IP_RANGES',
      });
      const networks = await gcloud.json<{ name: string }[]>(['compute', 'networks', 'list']);
      expect(networks.map((n) => n.name)).toEqual(['vpc-network']);
      const routers = await gcloud.json<{ name: string; nats: unknown[] }[]>([
        'compute',
        'routers',
        'list',
      ]);
      expect(routers.map((r) => [r.name, r.nats.length])).toEqual([['nat-router', 1]]);
      const subnets = await gcloud.json<{ name: string }[]>([
        'compute',
        'networks',
        'subnets',
        'list',
      ]);
      expect(subnets.map((s) => s.name)).toEqual(['subnet-gke']);
    });

    it('creates the node service accounts, binds roles and creates the nine firewall rules', async () => {
      await gcloud.run([
        'iam',
        'service-accounts',
        'create',
        'sa-application-nodes',
        '--description=SA for application nodes',
        '--display-name=sa-application-nodes',
      ]);
      await gcloud.run([
        'iam',
        'service-accounts',
        'create',
        'sa-gateway-nodes',
        '--description=SA for gateway nodes',
        '--display-name=sa-gateway-nodes',
      ]);
      const account = await gcloud.json([
        'iam',
        'service-accounts',
        'describe',
        sa('sa-gateway-nodes'),
      ]);
      expect(account).toMatchObject({
        email: sa('sa-gateway-nodes'),
        displayName: 'sa-gateway-nodes',
        projectId: project,
      });
      expect(String(account.uniqueId)).toMatch(/^\d{21}$/);

      const accounts = await gcloud.json<{ email: string }[]>(['iam', 'service-accounts', 'list']);
      expect(accounts.map((a) => a.email).sort()).toEqual([
        sa('sa-application-nodes'),
        sa('sa-gateway-nodes'),
      ]);

      for (const role of ['roles/logging.logWriter', 'roles/monitoring.metricWriter']) {
        for (const id of ['sa-application-nodes', 'sa-gateway-nodes']) {
          await gcloud.run([
            'projects',
            'add-iam-policy-binding',
            project,
            `--member=serviceAccount:${sa(id)}`,
            `--role=${role}`,
          ]);
        }
      }
      const policy = await gcloud.json<{ bindings: { role: string; members: string[] }[] }>([
        'projects',
        'get-iam-policy',
        project,
      ]);
      expect(
        policy.bindings.find((b) => b.role === 'roles/logging.logWriter')?.members.sort(),
      ).toEqual([
        `serviceAccount:${sa('sa-application-nodes')}`,
        `serviceAccount:${sa('sa-gateway-nodes')}`,
      ]);

      for (const rule of firewallRules) {
        await gcloud.run([
          'compute',
          'firewall-rules',
          'create',
          ...rule,
          '--network',
          'vpc-network',
          '--description',
          `rule ${rule[0]}`,
        ]);
      }
      const rules = await gcloud.json<{ name: string }[]>(['compute', 'firewall-rules', 'list']);
      expect(rules.map((r) => r.name).sort()).toEqual(firewallRules.map((r) => r[0]).sort());
      const web = await gcloud.json([
        'compute',
        'firewall-rules',
        'describe',
        'gateway-allow-egress-web',
      ]);
      expect(web).toMatchObject({
        direction: 'EGRESS',
        priority: 1000,
        allowed: [
          { IPProtocol: 'tcp', ports: ['80'] },
          { IPProtocol: 'tcp', ports: ['443'] },
        ],
        targetServiceAccounts: [sa('sa-gateway-nodes')],
      });
      const deny = await gcloud.json([
        'compute',
        'firewall-rules',
        'describe',
        'global-deny-egress-all',
      ]);
      expect(deny).toMatchObject({
        denied: [{ IPProtocol: 'all' }],
        destinationRanges: ['0.0.0.0/0'],
        priority: 65535,
      });
    });

    it('creates the private DNS zones and their records through transactions', async () => {
      for (const [zone, dnsName] of [
        ['private-google-apis', 'googleapis.com'],
        ['private-gcr-io', 'gcr.io'],
      ] as const) {
        await gcloud.run([
          'dns',
          'managed-zones',
          'create',
          zone,
          '--description',
          `zone ${zone}`,
          '--dns-name',
          dnsName,
          '--visibility',
          'private',
          '--networks',
          'vpc-network',
        ]);
        await gcloud.run(['dns', 'record-sets', 'transaction', 'start', '--zone', zone]);
        await gcloud.run([
          'dns',
          'record-sets',
          'transaction',
          'add',
          `private.${dnsName}.`,
          '--name',
          `*.${dnsName}`,
          '--ttl',
          '300',
          '--type',
          'CNAME',
          '--zone',
          zone,
        ]);
        await gcloud.run([
          'dns',
          'record-sets',
          'transaction',
          'add',
          '199.36.153.8',
          '--name',
          `private.${dnsName}`,
          '--ttl',
          '300',
          '--type',
          'A',
          '--zone',
          zone,
        ]);
        await gcloud.run(['dns', 'record-sets', 'transaction', 'execute', '--zone', zone]);
      }
      const zone = await gcloud.json(['dns', 'managed-zones', 'describe', 'private-google-apis']);
      expect(zone).toMatchObject({ dnsName: 'googleapis.com.', visibility: 'private' });
      expect(JSON.stringify(zone.privateVisibilityConfig)).toContain(
        '/global/networks/vpc-network',
      );
      const records = await gcloud.json<{ name: string; type: string; rrdatas: string[] }[]>([
        'dns',
        'record-sets',
        'list',
        '--zone',
        'private-google-apis',
      ]);
      expect(records.map((r) => `${r.name} ${r.type} ${r.rrdatas.join(',')}`).sort()).toEqual([
        '*.googleapis.com. CNAME private.googleapis.com.',
        'googleapis.com. NS ns-gcp-private.googledomains.com.',
        'googleapis.com. SOA ns-gcp-private.googledomains.com. cloud-dns-hostmaster.google.com. 2 21600 3600 259200 300',
        'private.googleapis.com. A 199.36.153.8',
      ]);
      const zones = await gcloud.json<{ name: string }[]>(['dns', 'managed-zones', 'list']);
      expect(zones.map((z) => z.name).sort()).toEqual(['private-gcr-io', 'private-google-apis']);
    });

    it('creates the private cluster and the tainted gateway pool, and writes credentials', async () => {
      await gcloud.run([
        'container',
        'clusters',
        'create',
        'cluster1',
        '--enable-ip-alias',
        '--enable-private-nodes',
        '--release-channel',
        'regular',
        '--no-enable-basic-auth',
        '--no-issue-client-certificate',
        '--enable-master-authorized-networks',
        '--master-authorized-networks',
        '203.0.113.7/32',
        '--master-ipv4-cidr',
        '10.5.0.0/28',
        '--enable-network-policy',
        '--service-account',
        sa('sa-application-nodes'),
        '--machine-type',
        'e2-standard-4',
        '--num-nodes',
        '4',
        '--network',
        'vpc-network',
        '--subnetwork',
        'subnet-gke',
        '--cluster-secondary-range-name',
        'pods',
        '--services-secondary-range-name',
        'services',
        '--workload-pool',
        `${project}.svc.id.goog`,
        '--zone',
        'us-central1-a',
      ]);
      await gcloud.run([
        'container',
        'node-pools',
        'create',
        'gateway',
        '--cluster',
        'cluster1',
        '--machine-type',
        'e2-standard-4',
        '--node-taints',
        'dedicated=gateway:NoSchedule',
        '--service-account',
        sa('sa-gateway-nodes'),
        '--num-nodes',
        '1',
      ]);
      const cluster = await gcloud.json(['container', 'clusters', 'describe', 'cluster1']);
      expect(cluster).toMatchObject({
        status: 'RUNNING',
        endpoint: expect.stringMatching(/^34\.118\./),
        privateClusterConfig: {
          enablePrivateNodes: true,
          masterIpv4CidrBlock: '10.5.0.0/28',
          privateEndpoint: '10.5.0.2',
        },
        ipAllocationPolicy: {
          clusterSecondaryRangeName: 'pods',
          servicesSecondaryRangeName: 'services',
          clusterIpv4CidrBlock: '10.1.0.0/16',
        },
        workloadIdentityConfig: { workloadPool: `${project}.svc.id.goog` },
        releaseChannel: { channel: 'REGULAR' },
        networkPolicy: { enabled: true },
        masterAuthorizedNetworksConfig: {
          enabled: true,
          cidrBlocks: [{ cidrBlock: '203.0.113.7/32' }],
        },
      });
      const pool = await gcloud.json([
        'container',
        'node-pools',
        'describe',
        'gateway',
        '--cluster',
        'cluster1',
      ]);
      expect(pool).toMatchObject({
        status: 'RUNNING',
        initialNodeCount: 1,
        config: {
          machineType: 'e2-standard-4',
          serviceAccount: sa('sa-gateway-nodes'),
          taints: [{ key: 'dedicated', value: 'gateway', effect: 'NO_SCHEDULE' }],
        },
      });
      const pools = await gcloud.json<{ name: string }[]>([
        'container',
        'node-pools',
        'list',
        '--cluster',
        'cluster1',
      ]);
      expect(pools.map((p) => p.name)).toEqual(['default-pool', 'gateway']);

      await gcloud.run(['container', 'clusters', 'get-credentials', 'cluster1']);
      const kubeconfig = readFileSync(join(gcloud.dir, 'kubeconfig'), 'utf8');
      expect(kubeconfig).toContain(`gke_${project}_us-central1-a_cluster1`);
      expect(kubeconfig).toContain(`server: https://${String(cluster.endpoint)}`);
      const clusters = await gcloud.json<{ name: string }[]>(['container', 'clusters', 'list']);
      expect(clusters.map((c) => c.name)).toEqual(['cluster1']);
    });

    it('refuses to delete a network still in use, then deletes everything in reverse order', async () => {
      const inUse = await gcloud.fails(['compute', 'networks', 'delete', 'vpc-network']);
      expect(inUse).toContain('is already being used by');

      await gcloud.run(['container', 'node-pools', 'delete', 'gateway', '--cluster', 'cluster1']);
      await gcloud.run(['container', 'clusters', 'delete', 'cluster1']);
      for (const zone of ['private-google-apis', 'private-gcr-io']) {
        await gcloud.run([
          'dns',
          'record-sets',
          'delete',
          `*.${zone === 'private-gcr-io' ? 'gcr.io' : 'googleapis.com'}.`,
          '--type',
          'CNAME',
          '--zone',
          zone,
        ]);
        await gcloud.run([
          'dns',
          'record-sets',
          'delete',
          `private.${zone === 'private-gcr-io' ? 'gcr.io' : 'googleapis.com'}.`,
          '--type',
          'A',
          '--zone',
          zone,
        ]);
        await gcloud.run(['dns', 'managed-zones', 'delete', zone]);
      }
      // Several names in one command: gcloud sends them as one batch request (POST /batch/compute/v1).
      await gcloud.run(['compute', 'firewall-rules', 'delete', ...firewallRules.map((r) => r[0]!)]);
      await gcloud.run([
        'compute',
        'routers',
        'nats',
        'delete',
        'nat-config',
        '--router',
        'nat-router',
      ]);
      await gcloud.run(['compute', 'routers', 'delete', 'nat-router']);
      await gcloud.run(['compute', 'networks', 'subnets', 'delete', 'subnet-gke']);
      await gcloud.run(['compute', 'networks', 'delete', 'vpc-network']);
      for (const id of ['sa-application-nodes', 'sa-gateway-nodes']) {
        await gcloud.run(['iam', 'service-accounts', 'delete', sa(id)]);
      }
      const state = sim.state().resources;
      for (const collection of [
        'compute.networks',
        'compute.subnetworks',
        'compute.routers',
        'compute.firewalls',
        'container.clusters',
        'dns.managedZones',
        'iam.serviceAccounts',
      ]) {
        expect(Object.keys(state[collection] ?? {}), collection).toEqual([]);
      }
      expect(await gcloud.fails(['compute', 'networks', 'describe', 'vpc-network'])).toContain(
        `The resource 'projects/${project}/global/networks/vpc-network' was not found`,
      );
    });
  },
);

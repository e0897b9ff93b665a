import {
  FirewallsClient,
  GlobalOperationsClient,
  NetworksClient,
  RegionOperationsClient,
  RoutersClient,
  SubnetworksClient,
} from '@google-cloud/compute';
import { ClusterManagerClient } from '@google-cloud/container';
import { DNS } from '@google-cloud/dns';
import { ProjectsClient } from '@google-cloud/resource-manager';
import { ServiceUsageClient } from '@google-cloud/service-usage';
import { iam } from '@googleapis/iam';
import { PassThroughClient } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGcpSimulator, type GcpSimulator } from '../../../local/gcp/index.js';

/**
 * The official Node clients reach the simulator through client options only, with no
 * credentials, and make the calls the product's steps make.
 */

const project = 'node-project';
const region = 'us-central1';
const zone = 'us-central1-a';

describe('official Node clients against the GCP simulator', { timeout: 60_000 }, () => {
  let sim: GcpSimulator;
  let options: {
    apiEndpoint: string;
    port: number;
    protocol: string;
    fallback: boolean;
    /** google-gax bundles its own google-auth-library: same class at run time, another type. */
    authClient: never;
  };

  beforeAll(async () => {
    sim = await startGcpSimulator();
    options = {
      apiEndpoint: '127.0.0.1',
      port: sim.port,
      protocol: 'http',
      fallback: true,
      authClient: new PassThroughClient() as never,
    };
  });
  afterAll(async () => {
    await sim.close();
  });

  it('service-usage enables services through a long-running operation', async () => {
    const client = new ServiceUsageClient(options);
    const [operation] = await client.batchEnableServices({
      parent: `projects/${project}`,
      serviceIds: ['compute.googleapis.com', 'container.googleapis.com'],
    });
    const [response] = await operation.promise();
    expect(response.services?.map((s) => s.config?.name)).toEqual([
      'compute.googleapis.com',
      'container.googleapis.com',
    ]);
    const [service] = await client.getService({
      name: `projects/${project}/services/container.googleapis.com`,
    });
    expect(service.state).toBe('ENABLED');
    const [other] = await client.getService({
      name: `projects/${project}/services/dns.googleapis.com`,
    });
    expect(other.state).toBe('DISABLED');
  });

  it('compute creates a network, subnet, router with NAT and firewall, waiting on operations', async () => {
    const networks = new NetworksClient(options);
    const globalOperations = new GlobalOperationsClient(options);
    const regionOperations = new RegionOperationsClient(options);
    const [insert] = await networks.insert({
      project,
      requestId: '00000000-0000-4000-8000-000000000001',
      networkResource: { name: 'vpc-network', autoCreateSubnetworks: false },
    });
    const [done] = await globalOperations.wait({ project, operation: String(insert.name) });
    expect(done.status).toBe('DONE');
    expect(done.targetLink).toBe(
      `${sim.url}/compute/v1/projects/${project}/global/networks/vpc-network`,
    );

    // The same requestId is the same operation: no second network, no error.
    const writesBefore = sim.counters.writes;
    const [again] = await networks.insert({
      project,
      requestId: '00000000-0000-4000-8000-000000000001',
      networkResource: { name: 'vpc-network', autoCreateSubnetworks: false },
    });
    expect(again.name).toBe(insert.name);
    expect(sim.counters.writes).toBe(writesBefore + 1);

    const subnetworks = new SubnetworksClient(options);
    const [subnetOp] = await subnetworks.insert({
      project,
      region,
      subnetworkResource: {
        name: 'subnet-gke',
        network: `projects/${project}/global/networks/vpc-network`,
        ipCidrRange: '10.0.0.0/24',
        privateIpGoogleAccess: true,
        secondaryIpRanges: [
          { rangeName: 'pods', ipCidrRange: '10.1.0.0/16' },
          { rangeName: 'services', ipCidrRange: '10.2.0.0/20' },
        ],
      },
    });
    const [subnetDone] = await regionOperations.wait({
      project,
      region,
      operation: String(subnetOp.name),
    });
    expect(subnetDone.region).toBe(`${sim.url}/compute/v1/projects/${project}/regions/${region}`);
    const [subnet] = await subnetworks.get({ project, region, subnetwork: 'subnet-gke' });
    expect(subnet.gatewayAddress).toBe('10.0.0.1');
    expect(subnet.secondaryIpRanges?.map((r) => r.rangeName)).toEqual(['pods', 'services']);

    const routers = new RoutersClient(options);
    const [routerOp] = await routers.insert({
      project,
      region,
      routerResource: {
        name: 'nat-router',
        network: `projects/${project}/global/networks/vpc-network`,
      },
    });
    await regionOperations.wait({ project, region, operation: String(routerOp.name) });
    const [patchOp] = await routers.patch({
      project,
      region,
      router: 'nat-router',
      routerResource: {
        nats: [
          {
            name: 'nat-config',
            natIpAllocateOption: 'AUTO_ONLY',
            sourceSubnetworkIpRangesToNat: 'ALL_SUBNETWORKS_ALL_IP_RANGES',
          },
        ],
      },
    });
    await regionOperations.wait({ project, region, operation: String(patchOp.name) });
    const [router] = await routers.get({ project, region, router: 'nat-router' });
    expect(router.nats?.[0]?.name).toBe('nat-config');

    const firewalls = new FirewallsClient(options);
    const [firewallOp] = await firewalls.insert({
      project,
      firewallResource: {
        name: 'global-deny-egress-all',
        network: `projects/${project}/global/networks/vpc-network`,
        direction: 'EGRESS',
        priority: 65535,
        denied: [{ IPProtocol: 'all' }],
        destinationRanges: ['0.0.0.0/0'],
      },
    });
    await globalOperations.wait({ project, operation: String(firewallOp.name) });
    const [firewall] = await firewalls.get({ project, firewall: 'global-deny-egress-all' });
    expect(firewall).toMatchObject({
      direction: 'EGRESS',
      priority: 65535,
      destinationRanges: ['0.0.0.0/0'],
    });
  });

  it('iam and resource-manager create service accounts and bind roles with etags', async () => {
    const client = iam({
      version: 'v1',
      rootUrl: `${sim.url}/`,
      auth: new PassThroughClient() as never,
    });
    const created = await client.projects.serviceAccounts.create({
      name: `projects/${project}`,
      requestBody: {
        accountId: 'sa-gateway-nodes',
        serviceAccount: { displayName: 'sa-gateway-nodes' },
      },
    });
    expect(created.data.email).toBe(`sa-gateway-nodes@${project}.iam.gserviceaccount.com`);
    const fetched = await client.projects.serviceAccounts.get({
      name: `projects/${project}/serviceAccounts/sa-gateway-nodes@${project}.iam.gserviceaccount.com`,
    });
    expect(fetched.data.uniqueId).toBe(created.data.uniqueId);

    const projects = new ProjectsClient(options);
    const [policy] = await projects.getIamPolicy({
      resource: `projects/${project}`,
      options: { requestedPolicyVersion: 3 },
    });
    const [updated] = await projects.setIamPolicy({
      resource: `projects/${project}`,
      policy: {
        ...policy,
        version: 3,
        bindings: [
          ...(policy.bindings ?? []),
          { role: 'roles/logging.logWriter', members: [`serviceAccount:${created.data.email}`] },
        ],
      },
    });
    expect(updated.version).toBe(3);
    expect(updated.bindings?.map((b) => b.role)).toEqual([
      'roles/owner',
      'roles/logging.logWriter',
    ]);
    expect(updated.etag).not.toEqual(policy.etag);
  });

  it('container creates a cluster and node pool, by locations path, with int enums', async () => {
    const client = new ClusterManagerClient(options);
    const parent = `projects/${project}/locations/${zone}`;
    const [operation] = await client.createCluster({
      parent,
      cluster: {
        name: 'cluster1',
        network: 'vpc-network',
        subnetwork: 'subnet-gke',
        initialNodeCount: 4,
        ipAllocationPolicy: {
          useIpAliases: true,
          clusterSecondaryRangeName: 'pods',
          servicesSecondaryRangeName: 'services',
        },
        privateClusterConfig: { enablePrivateNodes: true, masterIpv4CidrBlock: '10.5.0.0/28' },
        releaseChannel: { channel: 'REGULAR' },
        // CHANNEL_STANDARD is proto number 4 at position 3: the int must map by number.
        networkConfig: { gatewayApiConfig: { channel: 'CHANNEL_STANDARD' } },
        fleet: { project },
      },
    });
    expect(operation.operationType).toBe('CREATE_CLUSTER');
    const [cluster] = await client.getCluster({ name: `${parent}/clusters/cluster1` });
    expect(cluster.status).toBe('RUNNING');
    expect(cluster.privateClusterConfig?.privateEndpoint).toBe('10.5.0.2');
    expect(cluster.releaseChannel?.channel).toBe('REGULAR');
    const stored = sim.state().resources['container.clusters']?.[`${parent}/clusters/cluster1`];
    expect(stored?.networkConfig).toMatchObject({
      gatewayApiConfig: { channel: 'CHANNEL_STANDARD' },
    });
    expect(cluster.fleet?.membership).toMatch(/\/locations\/global\/memberships\/cluster1$/);
    const [poolOp] = await client.createNodePool({
      parent: `${parent}/clusters/cluster1`,
      nodePool: {
        name: 'gateway',
        initialNodeCount: 1,
        config: {
          machineType: 'e2-standard-4',
          taints: [{ key: 'dedicated', value: 'gateway', effect: 'NO_SCHEDULE' }],
        },
      },
    });
    const [finished] = await client.getOperation({
      name: `${parent}/operations/${String(poolOp.name)}`,
    });
    expect(finished.status).toBe('DONE');
    const [pool] = await client.getNodePool({
      name: `${parent}/clusters/cluster1/nodePools/gateway`,
    });
    expect(pool.config?.taints?.[0]?.effect).toBe('NO_SCHEDULE');
    expect(
      sim.state().resources['container.clusters']?.[`${parent}/clusters/cluster1`]?.nodePools,
    ).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'gateway',
          config: expect.objectContaining({
            taints: [{ key: 'dedicated', value: 'gateway', effect: 'NO_SCHEDULE' }],
          }),
        }),
      ]),
    );
  });

  it('dns creates a private zone and records, and lists them', async () => {
    const dns = new DNS({
      projectId: project,
      apiEndpoint: `127.0.0.1:${sim.port}`,
      authClient: new PassThroughClient(),
    } as never);
    (dns as unknown as { baseUrl: string }).baseUrl = `${sim.url}/dns/v1`;
    const [zone] = await dns.createZone('private-google-apis', {
      dnsName: 'googleapis.com.',
      description: 'Private DNS zone for Google APIs',
      visibility: 'private',
      privateVisibilityConfig: {
        networks: [
          {
            networkUrl: `https://www.googleapis.com/compute/v1/projects/${project}/global/networks/vpc-network`,
          },
        ],
      },
    } as never);
    await zone.addRecords([
      zone.record('cname', {
        name: '*.googleapis.com.',
        ttl: 300,
        data: 'private.googleapis.com.',
      }),
      zone.record('a', { name: 'private.googleapis.com.', ttl: 300, data: ['199.36.153.8'] }),
    ]);
    const [records] = await zone.getRecords();
    expect(records.map((r) => `${String(r.metadata.name)} ${String(r.type)}`).sort()).toEqual([
      '*.googleapis.com. CNAME',
      'googleapis.com. NS',
      'googleapis.com. SOA',
      'private.googleapis.com. A',
    ]);
  });

  it('gkehub features report the managed mesh through a plain authorized request', async () => {
    const auth = new PassThroughClient();
    const base = `${sim.url}/v1/projects/${project}/locations/global`;
    const created = await auth.request<{ name: string; done: boolean }>({
      url: `${base}/features?featureId=servicemesh`,
      method: 'POST',
      data: { fleetDefaultMemberConfig: { mesh: { management: 'MANAGEMENT_AUTOMATIC' } } },
    });
    expect(created.data.done).toBe(true);
    const feature = await auth.request<{
      membershipStates: Record<
        string,
        { servicemesh: { controlPlaneManagement: { state: string } } }
      >;
    }>({
      url: `${base}/features/servicemesh`,
    });
    const states = Object.values(feature.data.membershipStates);
    expect(states.map((s) => s.servicemesh.controlPlaneManagement.state)).toEqual(['ACTIVE']);
  });
});

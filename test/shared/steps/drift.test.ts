import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGcpAdapters } from '../../../cli/compose.js';
import type { GcpSimulator } from '../../../local/gcp/index.js';
import { clusterPath, gatewayNodesEmail } from '../../../shared/plan/gcp/names.js';
import { ownershipDescription, ownershipLabels } from '../../../shared/plan/gcp/ownership.js';
import type { GcpApis } from '../../../shared/core/gcp-apis.js';
import type { GcpStepName, StepImplementation } from '../../../shared/steps/index.js';
import { driveStep, runAll, startStack, tutorialEnvironment } from './helpers.js';

/**
 * Drift made through Google's own APIs (as a person with gcloud would make it) is brought back
 * by the next ensure: mutable fields with the API's update method, counted in the simulator;
 * immutable ones stop the step with a PermanentError naming the field.
 */

const env = tutorialEnvironment();
const project = env.spec.project;
const clusterName = clusterPath(env);
const poolName = `${clusterName}/nodePools/${env.spec.gatewayPool.name}`;

type Json = Record<string, unknown>;

describe('drift on the provisioned tutorial environment', { timeout: 120_000 }, () => {
  let sim: GcpSimulator;
  let steps: () => Record<GcpStepName, StepImplementation>;
  let gcp: GcpApis;

  /** Write calls per method id since `before`, only those that changed. */
  function writesSince(before: ReturnType<GcpSimulator['counters']['snapshot']>): Json {
    const after = sim.counters.snapshot().byMethod;
    const out: Json = {};
    for (const [method, counts] of Object.entries(after)) {
      const delta = counts.writes - (before.byMethod[method]?.writes ?? 0);
      if (delta > 0) out[method] = delta;
    }
    return out;
  }

  /** Runs the step until done; returns the writes it made. */
  async function rerun(step: GcpStepName, runId: string): Promise<Json> {
    const before = sim.counters.snapshot();
    const { result } = await driveStep(steps, step, env, { runId });
    expect(result.status).toBe('done');
    return writesSince(before);
  }

  function storedCluster(): Json {
    return sim.state().resources['container.clusters']?.[clusterName] as Json;
  }

  beforeAll(async () => {
    ({ sim, steps } = await startStack());
    gcp = createGcpAdapters({ mode: 'local', endpoint: sim.url });
    const { report } = await runAll(steps(), env);
    expect(report.status).toBe('succeeded');
  });
  afterAll(async () => {
    await sim.close();
  });

  it('cluster: two drifted mutable fields are updated one ClusterUpdate at a time, then nothing', async () => {
    // Someone opened the control plane to another network and closed the DNS endpoint.
    await gcp.container.updateCluster(clusterName, {
      desiredMasterAuthorizedNetworksConfig: {
        enabled: true,
        cidrBlocks: [{ cidrBlock: '198.51.100.0/24', displayName: 'someone' }],
      },
    });
    await gcp.container.updateCluster(clusterName, {
      desiredControlPlaneEndpointsConfig: { dnsEndpointConfig: { allowExternalTraffic: false } },
    });
    expect(storedCluster()).toMatchObject({
      masterAuthorizedNetworksConfig: { cidrBlocks: [{ cidrBlock: '198.51.100.0/24' }] },
      controlPlaneEndpointsConfig: { dnsEndpointConfig: { allowExternalTraffic: false } },
    });

    expect(await rerun('cluster', 'run-drift-cluster')).toEqual({
      'container.projects.locations.clusters.update': 2,
    });
    expect(storedCluster()).toMatchObject({
      masterAuthorizedNetworksConfig: {
        enabled: true,
        cidrBlocks: [{ cidrBlock: '203.0.113.7/32', displayName: 'cloud-shell' }],
      },
      controlPlaneEndpointsConfig: {
        dnsEndpointConfig: { allowExternalTraffic: true, endpoint: expect.any(String) },
        ipEndpointsConfig: {
          authorizedNetworksConfig: { cidrBlocks: [{ cidrBlock: '203.0.113.7/32' }] },
        },
      },
      status: 'RUNNING',
    });
    expect(await rerun('cluster', 'run-drift-cluster-2')).toEqual({});
  });

  it('cluster: lost ownership labels come back with one setResourceLabels, others kept', async () => {
    const before = storedCluster();
    // Someone replaced the labels: teardown would no longer recognise the cluster as ours.
    await gcp.container.setClusterLabels(
      clusterName,
      { team: 'platform' },
      String(before.labelFingerprint),
    );
    expect(storedCluster().resourceLabels).toEqual({ team: 'platform' });

    expect(await rerun('cluster', 'run-drift-labels')).toEqual({
      'container.projects.locations.clusters.setResourceLabels': 1,
    });
    const after = storedCluster();
    expect(after.resourceLabels).toEqual({ ...ownershipLabels(env), team: 'platform' });
    expect(after.labelFingerprint).not.toBe(before.labelFingerprint);
    expect(await rerun('cluster', 'run-drift-labels-2')).toEqual({});
  });

  it('cluster: a stale label fingerprint is refused by GKE as a retryable precondition', async () => {
    await expect(
      gcp.container.setClusterLabels(clusterName, { team: 'late' }, 'deadbeef'),
    ).rejects.toMatchObject({
      name: 'RetryableError',
      reason: 'precondition-failed',
      message: expect.stringContaining('fingerprint mismatch'),
    });
  });

  it('cluster: network policy enforcement turned off comes back with one setNetworkPolicy', async () => {
    await gcp.container.setClusterNetworkPolicy(clusterName, {
      provider: 'CALICO',
      enabled: false,
    });
    expect(storedCluster().networkPolicy).toEqual({ provider: 'CALICO', enabled: false });

    expect(await rerun('cluster', 'run-drift-netpol')).toEqual({
      'container.projects.locations.clusters.setNetworkPolicy': 1,
    });
    expect(storedCluster()).toMatchObject({
      networkPolicy: { provider: 'CALICO', enabled: true },
      status: 'RUNNING',
    });
    expect(await rerun('cluster', 'run-drift-netpol-2')).toEqual({});
  });

  it('cluster: policy and its addon both off come back addon first, as GKE requires', async () => {
    await gcp.container.setClusterNetworkPolicy(clusterName, {
      provider: 'CALICO',
      enabled: false,
    });
    await gcp.container.updateCluster(clusterName, {
      desiredAddonsConfig: { networkPolicyConfig: { disabled: true } },
    });
    expect(storedCluster()).toMatchObject({
      networkPolicy: { enabled: false },
      addonsConfig: { networkPolicyConfig: { disabled: true } },
    });

    // Enforcement before the addon would be GKE's 400, a PermanentError stopping the step.
    expect(await rerun('cluster', 'run-drift-addon')).toEqual({
      'container.projects.locations.clusters.update': 1,
      'container.projects.locations.clusters.setNetworkPolicy': 1,
    });
    expect(storedCluster()).toMatchObject({
      networkPolicy: { enabled: true },
      addonsConfig: { networkPolicyConfig: { disabled: false } },
    });
    expect(await rerun('cluster', 'run-drift-addon-2')).toEqual({});
  });

  it('cluster: a label or policy call failing midway is retried to convergence', async () => {
    await gcp.container.setClusterLabels(clusterName, {}, String(storedCluster().labelFingerprint));
    await gcp.container.setClusterNetworkPolicy(clusterName, {
      provider: 'CALICO',
      enabled: false,
    });
    sim.setFaults([
      { method: 'clusters.setNetworkPolicy', respond: 503, times: 1 },
      {
        method: 'clusters.setResourceLabels',
        operationError: { code: 13, message: 'Internal error (simulated).' },
        times: 1,
      },
    ]);
    let writes: Json;
    try {
      writes = await rerun('cluster', 'run-drift-faults');
    } finally {
      sim.setFaults(undefined);
    }
    // Each call once failed (refused, or its operation failed) and once succeeded.
    expect(writes).toEqual({
      'container.projects.locations.clusters.setNetworkPolicy': 2,
      'container.projects.locations.clusters.setResourceLabels': 2,
    });
    expect(storedCluster()).toMatchObject({
      networkPolicy: { enabled: true },
      resourceLabels: ownershipLabels(env),
      status: 'RUNNING',
    });
    expect(await rerun('cluster', 'run-drift-faults-2')).toEqual({});
  });

  it("cluster: the default pool's workload metadata comes back with one node pool update", async () => {
    const defaultPool = `${clusterName}/nodePools/default-pool`;
    const observed = (await gcp.container.getNodePool(defaultPool)) as { config: Json };
    await gcp.container.updateNodePool(defaultPool, {
      nodeVersion: '-',
      imageType: observed.config.imageType,
      workloadMetadataConfig: { mode: 'GCE_METADATA' },
    });
    expect(storedCluster().nodeConfig).toMatchObject({
      workloadMetadataConfig: { mode: 'GCE_METADATA' },
    });

    expect(await rerun('cluster', 'run-drift-metadata')).toEqual({
      'container.projects.locations.clusters.nodePools.update': 1,
    });
    expect(storedCluster().nodeConfig).toMatchObject({
      workloadMetadataConfig: { mode: 'GKE_METADATA' },
    });
    const pool = (await gcp.container.getNodePool(defaultPool)) as { config: Json; status: string };
    expect(pool).toMatchObject({
      status: 'RUNNING',
      config: { workloadMetadataConfig: { mode: 'GKE_METADATA' } },
    });
    expect(await rerun('cluster', 'run-drift-metadata-2')).toEqual({});
  });

  it('cluster: a changed private control-plane range is immutable drift, named', async () => {
    const moved = structuredClone(env);
    moved.spec.cluster.masterCidr = '10.6.0.0/28';
    const before = sim.counters.snapshot();
    await expect(driveStep(steps, 'cluster', moved, { runId: 'run-drift' })).rejects.toMatchObject({
      name: 'PermanentError',
      reason: 'immutable-drift',
      options: { field: 'privateClusterConfig.masterIpv4CidrBlock', resource: clusterName },
    });
    expect(writesSince(before)).toEqual({});
  });

  it('gateway pool: lost taints come back with one node pool update, then nothing', async () => {
    const observed = (await gcp.container.getNodePool(poolName)) as { config: Json };
    await gcp.container.updateNodePool(poolName, {
      nodeVersion: '-',
      imageType: observed.config.imageType,
      taints: { taints: [] },
    });
    expect(((await gcp.container.getNodePool(poolName)) as { config: Json }).config.taints).toEqual(
      [],
    );
    expect(await rerun('gateway-pool', 'run-drift-pool')).toEqual({
      'container.projects.locations.clusters.nodePools.update': 1,
    });
    const pool = (await gcp.container.getNodePool(poolName)) as { config: Json; status: string };
    expect(pool.status).toBe('RUNNING');
    expect(pool.config.taints).toEqual([
      { key: 'dedicated', value: 'gateway', effect: 'NO_SCHEDULE' },
    ]);
    expect(await rerun('gateway-pool', 'run-drift-pool-2')).toEqual({});
  });

  it('gateway pool: another machine type is immutable drift, named', async () => {
    const bigger = structuredClone(env);
    bigger.spec.gatewayPool.machineType = 'e2-standard-8';
    await expect(
      driveStep(steps, 'gateway-pool', bigger, { runId: 'run-drift' }),
    ).rejects.toMatchObject({
      name: 'PermanentError',
      reason: 'immutable-drift',
      options: { field: 'config.machineType', resource: poolName },
    });
  });

  // Its ownership labels stay: a zone without them is not adopted (test/security/ownership.test.ts).
  it('private DNS: a zone that lost its description is patched once, then nothing', async () => {
    const zone = 'private-google-apis';
    const before = (await gcp.dns.getZone(project, zone)) as Json;
    await gcp.dns.patchZone(project, zone, { description: 'edited by hand' });
    expect(await gcp.dns.getZone(project, zone)).toMatchObject({ description: 'edited by hand' });
    expect(await rerun('private-dns', 'run-drift-dns')).toEqual({ 'dns.managedZones.patch': 1 });
    const after = (await gcp.dns.getZone(project, zone)) as Json;
    expect(after.description).toBe(before.description);
    expect(after.labels).toEqual(before.labels);
    expect(await rerun('private-dns', 'run-drift-dns-2')).toEqual({});
  });

  it('private DNS: a zone whose DNS name the spec changed is immutable drift, named', async () => {
    const renamed = structuredClone(env);
    const first = renamed.spec.privateDns.zones[0]!;
    first.dnsName = 'googleapis.example.';
    await expect(
      driveStep(steps, 'private-dns', renamed, { runId: 'run-drift' }),
    ).rejects.toMatchObject({
      name: 'PermanentError',
      reason: 'immutable-drift',
      options: { field: 'dnsName', resource: `projects/${project}/managedZones/${first.name}` },
    });
  });

  it('service accounts: a renamed account is patched once, then nothing', async () => {
    const email = gatewayNodesEmail(env);
    const before = (await gcp.iam.getServiceAccount(project, email)) as Json;
    expect(before.displayName).toEqual(expect.any(String));
    await gcp.iam.patchServiceAccount(project, email, { displayName: 'renamed by hand' });
    expect(await rerun('service-accounts', 'run-drift-sa')).toEqual({
      'iam.projects.serviceAccounts.patch': 1,
    });
    expect((await gcp.iam.getServiceAccount(project, email))?.displayName).toBe(before.displayName);
    expect(await rerun('service-accounts', 'run-drift-sa-2')).toEqual({});
  });

  it('subnet: Private Google Access turned off comes back through its own method, other drift after', async () => {
    const scope = { project, region: env.spec.region };
    const name = env.spec.subnet.name;
    const subnet = async () => (await gcp.compute.get('subnetworks', scope, name)) as Json;
    const edited = ownershipDescription(env, 'edited by hand');
    // subnetworks.patch cannot change the field (Google's Subnetwork reference).
    await expect(
      gcp.compute.patch(
        'subnetworks',
        scope,
        name,
        { privateIpGoogleAccess: false, fingerprint: (await subnet()).fingerprint },
        'drift-patch-pga',
      ),
    ).rejects.toMatchObject({ message: expect.stringContaining('setPrivateIpGoogleAccess') });
    await gcp.compute.setPrivateIpGoogleAccess(scope, name, false, 'drift-pga-off');
    await gcp.compute.patch(
      'subnetworks',
      scope,
      name,
      // The owner marker stays: a subnet without it is not adopted (test/security/ownership.test.ts).
      { description: edited, fingerprint: (await subnet()).fingerprint },
      'drift-description',
    );
    expect(await subnet()).toMatchObject({ privateIpGoogleAccess: false, description: edited });

    expect(await rerun('subnet', 'run-drift-subnet')).toEqual({
      'compute.subnetworks.setPrivateIpGoogleAccess': 1,
      'compute.subnetworks.patch': 1,
    });
    expect((await subnet()).privateIpGoogleAccess).toBe(true);
    expect((await subnet()).description).not.toBe(edited);
    expect(await rerun('subnet', 'run-drift-subnet-2')).toEqual({});
  });

  it('GKE refuses more than one ClusterUpdate field per request', async () => {
    await expect(
      gcp.container.updateCluster(clusterName, {
        desiredReleaseChannel: { channel: 'REGULAR' },
        desiredWorkloadIdentityConfig: { workloadPool: `${project}.svc.id.goog` },
      }),
    ).rejects.toMatchObject({
      name: 'PermanentError',
      message: expect.stringContaining('Exactly one update'),
    });
  });
});

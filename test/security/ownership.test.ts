/**
 * Issue 16, finding 2 (adoption and deletion of resources the environment does not own), tried
 * as an attacker and as a careless user would: the environment steps run in process against the
 * GCP simulator through the official clients, and the API through the real functions-framework
 * and the Firestore emulator. Every refusal is compared before and after: the simulator's state
 * (and its write counters) and Firestore are unchanged.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createGcpAdapters } from '../../cli/compose.js';
import type { GcpSimulator } from '../../local/gcp/index.js';
import type { GcpApis } from '../../shared/core/gcp-apis.js';
import type { StepName } from '../../shared/core/step-contract.js';
import { desiredCluster } from '../../shared/plan/gcp/container.js';
import { desiredNetwork, desiredSubnetwork } from '../../shared/plan/gcp/compute.js';
import { clusterParent } from '../../shared/plan/gcp/names.js';
import { EnvironmentSchema, type Environment } from '../../shared/spec/index.js';
import type { GcpStepName, StepImplementation } from '../../shared/steps/index.js';
import { dumpFirestore } from '../support/firestore-dump.js';
import { STEP_RESOURCE_COLLECTIONS, resourceKeys } from '../support/gcp-state.js';
import { startFunctionsTestEnv, type FunctionsTestEnv } from '../support/functions-env.js';
import {
  productionProcessEnv,
  startFramework,
  type FrameworkProcess,
} from '../support/functions-framework.js';
import { postEnvironment } from '../support/security-harness.js';
import { driveStep, runAll, startStack, tutorialEnvironment } from '../shared/steps/helpers.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 180_000 });

const victim = tutorialEnvironment();
const project = victim.spec.project;

/** Another environment of the same project with every default name (what admission now refuses). */
function sameNames(name: string): Environment {
  const env = structuredClone(victim);
  env.metadata.name = name;
  return env;
}

/** The GCP steps in graph order that create Google resources, with the spec field each refuses on. */
const OWNING_STEPS: { step: GcpStepName; field?: string }[] = [
  { step: 'subnet', field: 'spec.subnet.name' },
  { step: 'nat', field: 'spec.nat.routerName' },
  { step: 'service-accounts', field: 'spec.nodeServiceAccounts.application' },
  { step: 'firewalls' },
  { step: 'private-dns', field: 'spec.privateDns.zones[0].name' },
  { step: 'cluster', field: 'spec.cluster.name' },
  { step: 'gateway-pool', field: 'spec.cluster.name' },
];

function snapshot(sim: GcpSimulator): { state: string; writes: number } {
  const byMethod = sim.counters.snapshot().byMethod;
  const writes = Object.values(byMethod).reduce((sum, counts) => sum + counts.writes, 0);
  return { state: JSON.stringify(sim.state().resources), writes };
}

describe('steps refuse what another environment owns (GCP simulator)', () => {
  let sim: GcpSimulator;
  let steps: () => Record<GcpStepName, StepImplementation>;

  beforeAll(async () => {
    ({ sim, steps } = await startStack());
    // The victim is provisioned first; the attacker's environment reuses every default name.
    const { report } = await runAll(steps(), victim);
    expect(report.status).toBe('succeeded');
  });
  afterAll(async () => {
    await sim?.close();
  });

  it.each(OWNING_STEPS)(
    '$step stops with not-owned, naming the owner, and writes nothing',
    async ({ step, field }) => {
      const attacker = sameNames('attacker');
      const before = snapshot(sim);
      await expect(
        driveStep(steps, step, attacker, { runId: `run-attack-${step}` }),
      ).rejects.toMatchObject({
        name: 'PermanentError',
        reason: 'not-owned',
        message: expect.stringContaining(`owned by environment ${victim.metadata.name}`),
        ...(field ? { options: expect.objectContaining({ field }) } : {}),
      });
      expect(snapshot(sim)).toEqual(before);
    },
  );

  it("network: another environment's VPC is refused too", async () => {
    const before = snapshot(sim);
    await expect(
      driveStep(steps, 'network', sameNames('attacker'), { runId: 'run-attack-network' }),
    ).rejects.toMatchObject({
      reason: 'not-owned',
      options: { field: 'spec.network.name' },
    });
    expect(snapshot(sim)).toEqual(before);
  });

  it("tearing down an environment with the same names leaves the other's resources", async () => {
    const before = snapshot(sim);
    const { report } = await runAll(steps(), sameNames('attacker'), 'teardown', 'run-attack-down');
    expect(report.status).toBe('succeeded');
    expect(snapshot(sim)).toEqual(before);
    // Each step says what it kept.
    const kept = Object.fromEntries(
      Object.entries(report.steps).map(([name, step]) => [name, step.outputs?.kept]),
    ) as Partial<Record<StepName, unknown>>;
    expect(kept.cluster).toBe(`${clusterParent(victim)}/clusters/${victim.spec.cluster.name}`);
    expect(kept.subnet).toEqual([victim.spec.subnet.name]);
    expect(kept.nat).toEqual([victim.spec.nat.routerName]);
    expect(kept.firewalls).toHaveLength(9);
    expect(kept['private-dns']).toHaveLength(victim.spec.privateDns.zones.length);
    expect(kept['service-accounts']).toHaveLength(2);
    expect(kept.network).toEqual([victim.spec.network.name]);
  });

  it('the owner still converges with no write, then tears its own down', async () => {
    const before = snapshot(sim);
    const { report } = await runAll(steps(), victim, 'provision', 'run-owner-again');
    expect(report.status).toBe('succeeded');
    expect(snapshot(sim).writes).toBe(before.writes);
    const down = await runAll(steps(), victim, 'teardown', 'run-owner-down');
    expect(down.report.status).toBe('succeeded');
    for (const collection of ['compute.networks', ...STEP_RESOURCE_COLLECTIONS]) {
      expect(resourceKeys(sim, collection), collection).toEqual([]);
    }
  });
});

describe('steps refuse unmarked resources named like the environment (GCP simulator)', () => {
  let sim: GcpSimulator;
  let steps: () => Record<GcpStepName, StepImplementation>;
  let gcp: GcpApis;

  beforeAll(async () => {
    ({ sim, steps } = await startStack());
    gcp = createGcpAdapters({ mode: 'local', endpoint: sim.url });
    // Made by hand (or by someone else's tooling) under the spec's names, with no marker.
    const scope = { project, region: victim.spec.region };
    const unmarked = { description: 'made by hand' };
    await gcp.compute.insert(
      'networks',
      { project },
      { ...desiredNetwork(victim), ...unmarked },
      '00000000-0000-4000-8000-00000000a001',
    );
    await gcp.compute.insert(
      'subnetworks',
      scope,
      { ...desiredSubnetwork(victim), ...unmarked },
      '00000000-0000-4000-8000-00000000a002',
    );
    await gcp.iam.createServiceAccount(project, {
      accountId: victim.spec.nodeServiceAccounts.application,
      serviceAccount: { displayName: 'hand-made', ...unmarked },
    });
    const { cluster } = desiredCluster(victim);
    await gcp.container.createCluster(clusterParent(victim), {
      ...cluster,
      ...unmarked,
      resourceLabels: { team: 'platform' },
    });
    // The simulator materializes the project's policy on its first read: read it up front.
    await gcp.projectIam.getIamPolicy(project);
  });
  afterAll(async () => {
    await sim?.close();
  });

  it.each([
    { step: 'subnet' as const, field: 'spec.subnet.name' },
    { step: 'service-accounts' as const, field: 'spec.nodeServiceAccounts.application' },
    { step: 'cluster' as const, field: 'spec.cluster.name' },
  ])(
    '$step stops with not-owned ("no owner marker") and writes nothing',
    async ({ step, field }) => {
      const before = snapshot(sim);
      await expect(
        driveStep(steps, step, victim, { runId: `run-unmarked-${step}` }),
      ).rejects.toMatchObject({
        name: 'PermanentError',
        reason: 'not-owned',
        message: expect.stringContaining('has no owner marker'),
        options: expect.objectContaining({ field }),
      });
      expect(snapshot(sim)).toEqual(before);
    },
  );

  it('network: a pre-existing unmarked VPC is used read-only (the documented exception), and kept on teardown', async () => {
    const before = snapshot(sim);
    const { result } = await driveStep(steps, 'network', victim, { runId: 'run-unmarked-net' });
    expect(result).toMatchObject({ status: 'done', outputs: { networkOwned: 'false' } });
    const removed = await driveStep(steps, 'network', victim, {
      runId: 'run-unmarked-net-down',
      mode: 'remove',
    });
    expect(removed.result).toMatchObject({
      status: 'done',
      outputs: { kept: [victim.spec.network.name] },
    });
    expect(snapshot(sim)).toEqual(before);
  });

  it('teardown deletes none of them', async () => {
    const before = snapshot(sim);
    for (const step of ['cluster', 'service-accounts', 'subnet'] as const) {
      const { result } = await driveStep(steps, step, victim, {
        runId: `run-unmarked-down-${step}`,
        mode: 'remove',
      });
      expect(result.status).toBe('done');
      expect(result.status === 'done' && result.outputs?.kept, step).toBeTruthy();
    }
    expect(snapshot(sim)).toEqual(before);
  });
});

describe('admission refuses colliding resource names (functions-framework, emulators)', () => {
  let env: FunctionsTestEnv;
  let api: FrameworkProcess;

  const doc = (name: string, spec: Record<string, unknown> = {}) => ({
    apiVersion: 'egress.provisioner.dev/v1alpha1',
    kind: 'Environment',
    metadata: { name },
    spec: { project, region: 'us-central1', zone: 'us-central1-a', ...spec },
  });

  const post = (body: unknown) => postEnvironment(api, body);

  beforeAll(async () => {
    env = await startFunctionsTestEnv();
    api = await startFramework(
      'api',
      productionProcessEnv(env, { EGRESS_SERVED_PROJECTS: project }),
    );
    const first = await post(doc('first'));
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    EnvironmentSchema.parse(doc('second'));
  });
  afterAll(async () => {
    await api?.stop();
    await env?.close();
  });

  it('a second environment with the default names: 409 naming the field and the other environment', async () => {
    const before = await dumpFirestore(env.db);
    const answer = await post(doc('second'));
    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({
      kind: 'conflict',
      reason: 'resource-name-collision',
      field: 'spec.cluster.name',
      message: expect.stringContaining("environment first's"),
    });
    expect(await dumpFirestore(env.db)).toEqual(before);
  });

  it('renamed resources still share the fixed firewall rule names: 409 on spec.project', async () => {
    const before = await dumpFirestore(env.db);
    const answer = await post(
      doc('third', {
        network: { name: 'net-3' },
        subnet: { name: 'subnet-3' },
        nat: { routerName: 'router-3' },
        cluster: { name: 'cluster-3' },
        nodeServiceAccounts: { application: 'sa-app-3', gateway: 'sa-gw-3' },
        privateDns: {
          zones: [
            {
              name: 'zone-3',
              dnsName: 'googleapis.com.',
              records: [
                { name: 'private.googleapis.com.', type: 'A', ttl: 300, rrdatas: ['199.36.153.8'] },
              ],
            },
          ],
        },
      }),
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(409);
    expect(answer.body).toMatchObject({
      reason: 'resource-name-collision',
      field: 'spec.project',
      message: expect.stringContaining('firewall rules'),
    });
    expect(await dumpFirestore(env.db)).toEqual(before);
  });

  it('the environment itself may be posted again (no collision with itself)', async () => {
    const again = await post(doc('first'));
    expect([200, 202, 409]).toContain(again.status);
    expect(again.body.reason).not.toBe('resource-name-collision');
  });
});

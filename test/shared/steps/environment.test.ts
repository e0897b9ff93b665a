import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStepsOnlyUp } from '../../../cli/commands/up.js';
import { createGcpAdapters } from '../../../cli/compose.js';
import type { GcpSimulator } from '../../../local/gcp/index.js';
import {
  compareResource,
  desiredCluster,
  desiredFirewalls,
  desiredGatewayNodePool,
  desiredManagedZone,
  desiredNetwork,
  desiredProjectBindings,
  desiredRecordSets,
  desiredRouter,
  desiredServiceAccounts,
  desiredServiceMeshFeature,
  desiredSubnetwork,
  serviceAccountEmail,
  type DiffKind,
} from '../../../shared/plan/gcp/index.js';
import { ENVIRONMENT_GRAPH } from '../../../shared/plan/graph.js';
import type { GcpStepName, StepImplementation } from '../../../shared/steps/index.js';
import { driveStep, runAll, startStack, tutorialEnvironment } from './helpers.js';

const env = tutorialEnvironment();
const project = env.spec.project;
const GCP_STEPS = ENVIRONMENT_GRAPH.map((node) => node.name).filter(
  (name): name is GcpStepName => name !== 'mesh-config' && name !== 'tenants',
);

type Json = Record<string, unknown>;

/** The simulator's stored resources of a collection (links carry the simulator's placeholder origin). */
function stored(sim: GcpSimulator, collection: string): Record<string, Json> {
  return (sim.state().resources[collection] ?? {}) as Record<string, Json>;
}

/** The fields of `desired` that differ from `observed` under the plan's field rules. */
function differences(kind: DiffKind, desired: object, observed: Json | undefined): unknown {
  expect(observed, `${kind} exists`).toBeDefined();
  return compareResource(kind, desired, observed ?? {});
}

describe('the tutorial environment on the GCP simulator', { timeout: 120_000 }, () => {
  let sim: GcpSimulator;
  let steps: () => Record<GcpStepName, StepImplementation>;

  beforeAll(async () => {
    ({ sim, steps } = await startStack());
  });
  afterAll(async () => {
    await sim.close();
  });

  it('provisions through the runner: every Google Cloud step done, the Kubernetes steps reported skipped', async () => {
    const { report, events } = await runAll(steps(), env);
    expect(report.failure).toBeUndefined();
    expect(report.status).toBe('succeeded');
    expect(report.skipped.sort()).toEqual(['mesh-config', 'tenants']);
    for (const step of GCP_STEPS) expect(report.steps[step]?.status, step).toBe('DONE');
    // Independent steps overlap: subnet starts before network's siblings are all done.
    const order = events.filter((e) => e.type === 'done').map((e) => e.step);
    expect(order.indexOf('apis')).toBe(0);
    expect(order.indexOf('cluster')).toBeGreaterThan(order.indexOf('firewalls'));
    expect(report.steps.cluster?.outputs).toMatchObject({
      clusterName: 'cluster1',
      endpoint: expect.stringMatching(/\.gke\.goog$/),
      caCertificate: expect.any(String),
    });
  });

  it('leaves the resources of the plan: compute, IAM, DNS, fleet and GKE match the desired bodies', () => {
    const region = `projects/${project}/regions/${env.spec.region}`;
    expect(
      differences(
        'Network',
        desiredNetwork(env),
        stored(sim, 'compute.networks')[`projects/${project}/global/networks/vpc-network`],
      ),
    ).toEqual({});
    expect(
      differences(
        'Subnetwork',
        desiredSubnetwork(env),
        stored(sim, 'compute.subnetworks')[`${region}/subnetworks/subnet-gke`],
      ),
    ).toEqual({});
    expect(
      differences(
        'Router',
        desiredRouter(env),
        stored(sim, 'compute.routers')[`${region}/routers/nat-router`],
      ),
    ).toEqual({});
    const firewalls = stored(sim, 'compute.firewalls');
    expect(Object.keys(firewalls)).toHaveLength(9);
    for (const rule of desiredFirewalls(env)) {
      expect(
        differences(
          'Firewall',
          rule,
          firewalls[`projects/${project}/global/firewalls/${rule.name}`],
        ),
        rule.name,
      ).toEqual({});
    }
    expect(firewalls[`projects/${project}/global/firewalls/global-deny-egress-all`]).toMatchObject({
      priority: 65535,
      direction: 'EGRESS',
      destinationRanges: ['0.0.0.0/0'],
    });

    const accounts = stored(sim, 'iam.serviceAccounts');
    for (const body of desiredServiceAccounts(env)) {
      const email = serviceAccountEmail(project, body.accountId);
      expect(accounts[`projects/${project}/serviceAccounts/${email}`]).toMatchObject({
        email,
        ...body.serviceAccount,
      });
    }
    const policy = stored(sim, 'iam.policies')[`projects/${project}`] as {
      bindings: { role: string; members: string[] }[];
    };
    for (const { role, member } of desiredProjectBindings(env)) {
      expect(policy.bindings.find((b) => b.role === role)?.members, `${role} ${member}`).toContain(
        member,
      );
    }
    expect(policy.bindings.find((b) => b.role === 'roles/owner')?.members).toEqual([
      'user:owner@example.com',
    ]);

    const zones = stored(sim, 'dns.managedZones');
    const records = stored(sim, 'dns.rrsets');
    for (const zone of env.spec.privateDns.zones) {
      expect(
        differences(
          'ManagedZone',
          desiredManagedZone(env, zone),
          zones[`projects/${project}/managedZones/${zone.name}`],
        ),
      ).toEqual({});
      for (const set of desiredRecordSets(zone)) {
        expect(
          records[`projects/${project}/managedZones/${zone.name}/rrsets/${set.name}/${set.type}`],
          `${set.name} ${set.type}`,
        ).toMatchObject({
          ttl: set.ttl,
          rrdatas: set.rrdatas,
        });
      }
    }
    expect(Object.keys(zones).sort()).toEqual(
      ['private-gcr-io', 'private-google-apis', 'private-pkg-dev'].map(
        (z) => `projects/${project}/managedZones/${z}`,
      ),
    );

    const feature = stored(sim, 'gkehub.features')[
      `projects/${project}/locations/global/features/servicemesh`
    ];
    expect(differences('Feature', desiredServiceMeshFeature(env), feature)).toEqual({});

    const cluster = stored(sim, 'container.clusters')[
      `projects/${project}/locations/${env.spec.zone}/clusters/cluster1`
    ];
    expect(differences('Cluster', desiredCluster(env).cluster, cluster)).toEqual({});
    expect(cluster).toMatchObject({
      status: 'RUNNING',
      masterAuthorizedNetworksConfig: {
        enabled: true,
        cidrBlocks: [{ cidrBlock: '203.0.113.7/32', displayName: 'cloud-shell' }],
      },
      controlPlaneEndpointsConfig: { dnsEndpointConfig: { allowExternalTraffic: true } },
      privateClusterConfig: { enablePrivateNodes: true, masterIpv4CidrBlock: '10.5.0.0/28' },
    });
    const pools = (cluster?.nodePools ?? []) as Json[];
    const gateway = pools.find((pool) => pool.name === 'gateway');
    expect(differences('NodePool', desiredGatewayNodePool(env).nodePool, gateway)).toEqual({});
    expect(pools).toHaveLength(2);
  });

  it.each(GCP_STEPS)(
    '%s: a second ensure observes, answers done and makes no write call',
    async (step) => {
      const before = sim.counters.snapshot();
      const { result, calls } = await driveStep(steps, step, env, { runId: 'run-second' });
      expect(result.status).toBe('done');
      expect(calls).toBe(1);
      const after = sim.counters.snapshot();
      expect(after.writes - before.writes).toBe(0);
      expect(after.reads - before.reads).toBeGreaterThan(0);
    },
  );

  it('a whole second run through the runner makes no write call', async () => {
    const before = sim.counters.snapshot();
    const { report } = await runAll(steps(), env, 'provision', 'run-again');
    expect(report.status).toBe('succeeded');
    expect(sim.counters.snapshot().writes - before.writes).toBe(0);
  });

  it('patches mutable drift and names the field of immutable drift', async () => {
    const fwKey = `projects/${project}/global/firewalls/allow-egress-calico`;
    // Someone widened a rule's ports and turned Private Google Access off.
    const adapters = createGcpAdapters({ mode: 'local', endpoint: sim.url });
    await adapters.compute.patch(
      'firewalls',
      { project },
      'allow-egress-calico',
      { allowed: [{ IPProtocol: 'tcp', ports: ['1-65535'] }] },
      '00000000-0000-4000-8000-00000000d001',
    );
    // Private Google Access has its own method: subnetworks.patch does not change it.
    await adapters.compute.setPrivateIpGoogleAccess(
      { project, region: env.spec.region },
      'subnet-gke',
      false,
      '00000000-0000-4000-8000-00000000d002',
    );
    expect(stored(sim, 'compute.firewalls')[fwKey]?.allowed).toEqual([
      { IPProtocol: 'tcp', ports: ['1-65535'] },
    ]);
    await driveStep(steps, 'firewalls', env, { runId: 'run-drift' });
    await driveStep(steps, 'subnet', env, { runId: 'run-drift' });
    expect(stored(sim, 'compute.firewalls')[fwKey]?.allowed).toEqual([
      { IPProtocol: 'tcp', ports: ['5473'] },
    ]);
    expect(
      stored(sim, 'compute.subnetworks')[
        `projects/${project}/regions/${env.spec.region}/subnetworks/subnet-gke`
      ]?.privateIpGoogleAccess,
    ).toBe(true);

    const moved = structuredClone(env);
    moved.spec.subnet.cidr = '10.0.8.0/24';
    await expect(driveStep(steps, 'subnet', moved, { runId: 'run-drift' })).rejects.toMatchObject({
      name: 'PermanentError',
      reason: 'immutable-drift',
      options: {
        field: 'ipCidrRange',
        resource: `projects/${project}/regions/${env.spec.region}/subnetworks/subnet-gke`,
      },
    });
  });

  it('egressctl up --steps-only reports each step with a timestamp and succeeds on a provisioned project', async () => {
    const lines: string[] = [];
    const code = await runStepsOnlyUp(
      { file: ['examples/tutorial/environment.yaml'], gcpEndpoint: sim.url },
      (line) => lines.push(line),
    );
    expect(code).toBe(0);
    expect(lines.some((line) => /^\d{4}-\d\d-\d\dT[\d:.]+Z {2}network +done in/.test(line))).toBe(
      true,
    );
    expect(lines).toContain(
      'skipped (Kubernetes steps, which --steps-only does not run): mesh-config, tenants',
    );
    expect(lines.at(-1)).toBe('provisioning succeeded');
  });
});

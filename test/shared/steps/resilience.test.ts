import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGcpAdapters } from '../../../cli/compose.js';
import {
  ManualClock,
  startGcpSimulator,
  type FaultScript,
  type GcpSimulator,
} from '../../../local/gcp/index.js';
import { clusterPath } from '../../../shared/plan/gcp/names.js';
import { ENVIRONMENT_GRAPH } from '../../../shared/plan/graph.js';
import type { StepContext } from '../../../shared/core/step-contract.js';
import {
  environmentSteps,
  type GcpStepName,
  type StepImplementation,
} from '../../../shared/steps/index.js';
import { driveStep, runAll, startStack, tutorialEnvironment } from './helpers.js';

const env = tutorialEnvironment();
const project = env.spec.project;
const GCP_STEPS = ENVIRONMENT_GRAPH.map((node) => node.name).filter(
  (name): name is GcpStepName => name !== 'mesh-config' && name !== 'tenants',
);

function count(sim: GcpSimulator, collection: string): number {
  return Object.keys(sim.state().resources[collection] ?? {}).length;
}

/** A fault that hits each step's writes part-way (or its read, for the read-only step). */
const FAULTS: Record<GcpStepName, FaultScript> = {
  apis: [{ method: 'batchEnable', respond: 503, times: 1 }],
  network: [
    {
      method: 'compute.networks.insert',
      operationError: { code: 13, message: 'Internal error (simulated).' },
      times: 1,
    },
  ],
  subnet: [{ method: 'compute.subnetworks.insert', respond: 503, times: 1 }],
  nat: [{ method: 'compute.routers.insert', respond: 429, times: 1 }],
  'service-accounts': [
    { method: 'serviceAccounts.create', respond: 503, nth: 2 },
    { method: 'setIamPolicy', respond: 409, times: 2 },
  ],
  firewalls: [{ method: 'compute.firewalls.insert', respond: 503, nth: 4, times: 2 }],
  'private-dns': [{ method: 'dns.changes.create', respond: 503, nth: 2 }],
  'fleet-mesh': [{ method: 'features.create', respond: 503, times: 1 }],
  cluster: [{ method: 'clusters.create', respond: 503, times: 1 }],
  'gateway-pool': [{ method: 'nodePools.create', respond: 429, times: 1 }],
  'mesh-ready': [{ method: 'features.get', respond: 503, times: 1 }],
};

/**
 * The error each step's fault must reach it as: the classification of the injected failure.
 * The network's fault is inside its operation: the step sees the failed operation, no error.
 */
const FAULT_REASONS: Record<Exclude<GcpStepName, 'network'>, string> = {
  apis: 'unavailable',
  subnet: 'unavailable',
  nat: 'rate-limited',
  'service-accounts': 'unavailable',
  firewalls: 'unavailable',
  'private-dns': 'unavailable',
  'fleet-mesh': 'unavailable',
  cluster: 'unavailable',
  'gateway-pool': 'rate-limited',
  'mesh-ready': 'unavailable',
};

/**
 * The same steps, recording every error a call throws: a fault a client library retried by
 * itself never shows here, so the record proves the fault reached the step (and the runner).
 */
function recordingFailures(
  implementations: Record<GcpStepName, StepImplementation>,
  failures: { name: string; reason?: string }[],
): Record<GcpStepName, StepImplementation> {
  const record =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await call(...args);
      } catch (error) {
        const { name, reason } = error as { name: string; reason?: string };
        failures.push({ name, ...(reason ? { reason } : {}) });
        throw error;
      }
    };
  return Object.fromEntries(
    Object.entries(implementations).map(([step, implementation]) => [
      step,
      {
        ...implementation,
        ensure: record(implementation.ensure),
        remove: record(implementation.remove),
      },
    ]),
  ) as Record<GcpStepName, StepImplementation>;
}

describe(
  'a step failing midway converges when called again, without duplicates',
  { timeout: 120_000 },
  () => {
    let sim: GcpSimulator;
    let steps: () => Record<GcpStepName, StepImplementation>;
    beforeAll(async () => {
      ({ sim, steps } = await startStack());
    });
    afterAll(async () => {
      await sim.close();
    });

    it.each(GCP_STEPS)('%s', async (step) => {
      sim.setFaults(FAULTS[step]);
      const failures: { name: string; reason?: string }[] = [];
      const { result } = await driveStep(() => recordingFailures(steps(), failures), step, env, {
        runId: 'run-faults',
      });
      sim.setFaults(undefined);
      expect(result.status).toBe('done');
      if (step === 'network') {
        // The failed operation made the step insert again.
        expect(sim.counters.byMethod['compute.networks.insert']?.writes).toBe(2);
      } else {
        // The fault reached the step as a retryable failure of its call (no client retried it
        // unseen), and the next calls converged.
        expect(failures).toContainEqual({ name: 'RetryableError', reason: FAULT_REASONS[step] });
      }
      expect(failures.every((failure) => failure.name === 'RetryableError')).toBe(true);
      // Called once more, the step finds everything in place.
      const before = sim.counters.writes;
      expect((await driveStep(steps, step, env, { runId: 'run-faults-2' })).calls).toBe(1);
      expect(sim.counters.writes).toBe(before);
    });

    it('left exactly one of everything', () => {
      expect(count(sim, 'compute.networks')).toBe(1);
      expect(count(sim, 'compute.subnetworks')).toBe(1);
      expect(count(sim, 'compute.routers')).toBe(1);
      expect(count(sim, 'compute.firewalls')).toBe(9);
      expect(count(sim, 'iam.serviceAccounts')).toBe(2);
      expect(count(sim, 'dns.managedZones')).toBe(3);
      expect(count(sim, 'gkehub.features')).toBe(1);
      expect(count(sim, 'container.clusters')).toBe(1);
      const cluster = Object.values(sim.state().resources['container.clusters'] ?? {})[0] as {
        nodePools: { name: string }[];
      };
      expect(cluster.nodePools.map((pool) => pool.name).sort()).toEqual([
        'default-pool',
        'gateway',
      ]);
      const policy = sim.state().resources['iam.policies']?.[`projects/${project}`] as {
        bindings: { role: string; members: string[] }[];
      };
      for (const binding of policy.bindings)
        expect(new Set(binding.members).size).toBe(binding.members.length);
    });
  },
);

describe('the DNS client leaves retrying to the runner', { timeout: 60_000 }, () => {
  it('a 503 reaches the adapter after one request, not after hidden retries', async () => {
    // Three failures in a row: the library's own retries (3, with real-time backoff) would hide
    // them all and succeed on the fourth request.
    const sim = await startGcpSimulator({
      port: 0,
      timeScale: 0,
      faults: [{ method: 'dns.managedZones.get', respond: 503, times: 3 }],
    });
    try {
      const gcp = createGcpAdapters({ mode: 'local', endpoint: sim.url });
      await expect(gcp.dns.getZone(project, 'private-google-apis')).rejects.toMatchObject({
        name: 'RetryableError',
        reason: 'unavailable',
      });
      expect(sim.counters.byMethod['dns.managedZones.get']?.reads).toBe(1);
    } finally {
      await sim.close();
    }
  });
});

describe('provisioning under 20% transient failures (seeded)', { timeout: 120_000 }, () => {
  it('completes, retrying with backoff', async () => {
    const { sim, steps } = await startStack({ rate: 0.2, codes: [503, 429, 502], seed: 11 });
    try {
      const { report, events } = await runAll(steps(), env);
      expect(report.failure).toBeUndefined();
      expect(report.status).toBe('succeeded');
      const retries = events.filter((event) => event.type === 'retrying');
      expect(retries.length).toBeGreaterThan(0);
      expect(
        new Set(retries.map((event) => (event.type === 'retrying' ? event.reason : ''))),
      ).toEqual(expect.any(Set));
      expect(count(sim, 'compute.firewalls')).toBe(9);
      expect(count(sim, 'container.clusters')).toBe(1);
    } finally {
      await sim.close();
    }
  });
});

describe('a permanent failure', { timeout: 120_000 }, () => {
  it("stops the run with the step, the resource and Google's message", async () => {
    const { sim, steps } = await startStack([{ method: 'compute.firewalls.insert', respond: 403 }]);
    try {
      const { report, events } = await runAll(steps(), env);
      expect(report.status).toBe('failed');
      expect(report.failure).toMatchObject({
        step: 'firewalls',
        reason: 'permission-denied',
        resource: expect.stringMatching(new RegExp(`^projects/${project}/global/firewalls/`)),
        message: expect.stringContaining('Simulated fault 403.'),
      });
      expect(events.some((event) => event.type === 'started' && event.step === 'cluster')).toBe(
        false,
      );
      expect(count(sim, 'container.clusters')).toBe(0);
    } finally {
      await sim.close();
    }
  });
});

describe('a pending operation resumes by name after a restart', { timeout: 120_000 }, () => {
  const clock = new ManualClock();
  let sim: GcpSimulator;
  // Every call builds new clients and adapters: nothing survives but the recorded operation.
  const fresh = () =>
    environmentSteps({
      gcp: createGcpAdapters({ mode: 'local', endpoint: sim.url }),
      serviceAccountReads: 2,
    });
  const call = (step: GcpStepName, operation?: StepContext['operation']) =>
    fresh()[step].ensure({
      runId: 'run-resume',
      step,
      environment: env,
      tenants: [],
      upstream: {},
      attempt: 1,
      ...(operation ? { operation } : {}),
    });

  beforeAll(async () => {
    sim = await startGcpSimulator({ port: 0, timeScale: 1, clock });
  });
  afterAll(async () => {
    await sim.close();
  });

  it.each([
    ['apis', 'serviceusage', 10],
    ['network', 'compute-global', 30],
    ['subnet', 'compute-regional', 30],
    ['fleet-mesh', 'gkehub', 10],
    ['nat', 'compute-regional', 60],
    ['firewalls', 'compute-global', 60],
    ['cluster', 'container', 300],
    ['gateway-pool', 'container', 120],
  ] as const)('%s (%s)', async (step, api, seconds) => {
    if (step === 'firewalls') {
      // Firewalls reference the node service accounts; provision them first (consistency wait included).
      let result = await call('service-accounts');
      let operation = result.status === 'pending' ? result.operation : undefined;
      for (let i = 0; i < 6 && result.status !== 'done'; i += 1) {
        clock.advance(5_000);
        try {
          result = await call('service-accounts', operation);
          operation = result.status === 'pending' ? result.operation : operation;
        } catch (error) {
          expect((error as { reason?: string }).reason).toBe('service-account-propagating');
        }
      }
      expect(result.status).toBe('done');
    }
    const first = await call(step);
    expect(first.status).toBe('pending');
    const operation = first.status === 'pending' ? first.operation : undefined;
    if (api) expect(operation?.api).toBe(api);
    const writes = sim.counters.writes;
    const again = await call(step, operation);
    expect(again).toMatchObject({ status: 'pending', ...(operation ? { operation } : {}) });
    clock.advance(seconds * 1000);
    let result = await call(step, operation);
    if (result.status === 'pending') result = await call(step, result.operation);
    expect(result.status).toBe('done');
    // Resuming read the operation and the resource; it started nothing new.
    expect(sim.counters.writes).toBe(writes);
  });

  it('mesh-ready waits for the managed control plane, then answers done', async () => {
    const waiting = await call('mesh-ready');
    expect(waiting).toMatchObject({
      status: 'pending',
      message: expect.stringContaining('PROVISIONING'),
    });
    clock.advance(360_000);
    expect(await call('mesh-ready')).toMatchObject({
      status: 'done',
      outputs: { controlPlaneState: 'ACTIVE' },
    });
  });

  it('cluster drift repair (setNetworkPolicy) resumes by name', async () => {
    const gcp = createGcpAdapters({ mode: 'local', endpoint: sim.url });
    const name = clusterPath(env);
    await gcp.container.setClusterNetworkPolicy(name, { provider: 'CALICO', enabled: false });
    clock.advance(60_000);
    await sim.settle();
    const first = await call('cluster');
    expect(first).toMatchObject({ status: 'pending', operation: { api: 'container' } });
    const operation = first.status === 'pending' ? first.operation : undefined;
    const writes = sim.counters.writes;
    expect(await call('cluster', operation)).toMatchObject({ status: 'pending', operation });
    clock.advance(60_000);
    let result = await call('cluster', operation);
    if (result.status === 'pending') result = await call('cluster', result.operation);
    expect(result.status).toBe('done');
    expect(sim.counters.writes).toBe(writes);
    expect(sim.state().resources['container.clusters']?.[name]).toMatchObject({
      networkPolicy: { enabled: true },
    });
  });
});

describe('teardown', { timeout: 120_000 }, () => {
  let sim: GcpSimulator;
  let steps: () => Record<GcpStepName, StepImplementation>;
  beforeAll(async () => {
    ({ sim, steps } = await startStack());
  });
  afterAll(async () => {
    await sim.close();
  });

  it('removes everything the environment created and nothing else', async () => {
    const gcp = createGcpAdapters({ mode: 'local', endpoint: sim.url });
    await gcp.compute.insert(
      'networks',
      { project },
      { name: 'other-network', autoCreateSubnetworks: false },
      '00000000-0000-4000-8000-0000000000aa',
    );
    await gcp.compute.insert(
      'firewalls',
      { project },
      {
        name: 'other-allow-ssh',
        network: `projects/${project}/global/networks/other-network`,
        direction: 'INGRESS',
        allowed: [{ IPProtocol: 'tcp', ports: ['22'] }],
        sourceRanges: ['10.9.0.0/16'],
      },
      '00000000-0000-4000-8000-0000000000ab',
    );
    const provisioned = await runAll(steps(), env);
    expect(provisioned.report.status).toBe('succeeded');
    expect(count(sim, 'compute.networks')).toBe(2);

    const { report, events } = await runAll(steps(), env, 'teardown', 'run-teardown');
    expect(report.failure).toBeUndefined();
    expect(report.status).toBe('succeeded');
    const doneOrder = events.filter((e) => e.type === 'done').map((e) => e.step);
    expect(doneOrder.indexOf('gateway-pool')).toBeLessThan(doneOrder.indexOf('cluster'));
    expect(doneOrder.indexOf('cluster')).toBeLessThan(doneOrder.indexOf('subnet'));
    expect(doneOrder.indexOf('subnet')).toBeLessThan(doneOrder.indexOf('network'));

    const state = sim.state().resources;
    expect(Object.keys(state['compute.networks'] ?? {})).toEqual([
      `projects/${project}/global/networks/other-network`,
    ]);
    expect(Object.keys(state['compute.firewalls'] ?? {})).toEqual([
      `projects/${project}/global/firewalls/other-allow-ssh`,
    ]);
    expect(count(sim, 'compute.subnetworks')).toBe(0);
    expect(count(sim, 'compute.routers')).toBe(0);
    expect(count(sim, 'dns.managedZones')).toBe(0);
    expect(count(sim, 'iam.serviceAccounts')).toBe(0);
    expect(count(sim, 'container.clusters')).toBe(0);
    expect(count(sim, 'gkehub.memberships')).toBe(0);
    const policy = state['iam.policies']?.[`projects/${project}`] as {
      bindings: { role: string; members: string[] }[];
    };
    expect(policy.bindings).toEqual([{ role: 'roles/owner', members: ['user:owner@example.com'] }]);
    // The fleet's mesh feature may serve other environments: kept, and reported so.
    expect(count(sim, 'gkehub.features')).toBe(1);
    expect(report.steps['fleet-mesh']?.outputs).toMatchObject({
      kept: expect.stringContaining('servicemesh'),
    });

    const before = sim.counters.writes;
    const again = await runAll(steps(), env, 'teardown', 'run-teardown-2');
    expect(again.report.status).toBe('succeeded');
    expect(sim.counters.writes).toBe(before);
  });
});

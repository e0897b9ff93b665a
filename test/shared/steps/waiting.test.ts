import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGcpAdapters } from '../../../cli/compose.js';
import { ManualClock, startGcpSimulator, type GcpSimulator } from '../../../local/gcp/index.js';
import { desiredProjectBindings, desiredRecordSets } from '../../../shared/plan/gcp/index.js';
import { applicationNodesEmail } from '../../../shared/plan/gcp/names.js';
import type { StepContext, StepResult } from '../../../shared/core/step-contract.js';
import { environmentSteps, type GcpStepName } from '../../../shared/steps/index.js';
import { DNS_CHANGE_API } from '../../../shared/steps/private-dns.js';
import { MemoryStepRecords, runSteps } from '../../../shared/steps/runner.js';
import { IAM_CONSISTENCY_API } from '../../../shared/steps/service-accounts.js';
import { tutorialEnvironment } from './helpers.js';

/**
 * Waiting on Google's own clocks, at time scale 1 on an injected clock: new service accounts
 * that IAM does not show yet, and Cloud DNS record changes that stay `pending` for a while.
 * Every call builds fresh clients and adapters: only the recorded operation survives, as after
 * a process restart.
 */

const env = tutorialEnvironment();
const project = env.spec.project;

function simulatorWithClock(): {
  clock: ManualClock;
  start: () => Promise<GcpSimulator>;
} {
  const clock = new ManualClock();
  return { clock, start: () => startGcpSimulator({ port: 0, timeScale: 1, clock }) };
}

function callStep(
  sim: GcpSimulator,
  step: GcpStepName,
  operation?: StepContext['operation'],
  mode: 'ensure' | 'remove' = 'ensure',
): Promise<StepResult> {
  const fresh = environmentSteps({
    gcp: createGcpAdapters({ mode: 'local', endpoint: sim.url }),
    serviceAccountReads: 2,
    sleep: async () => {},
  });
  return fresh[step][mode]({
    runId: 'run-waiting',
    step,
    environment: env,
    tenants: [],
    upstream: {},
    attempt: 1,
    ...(operation ? { operation } : {}),
  });
}

describe('service accounts: the read-back waits for IAM to show them', { timeout: 120_000 }, () => {
  const { clock, start } = simulatorWithClock();
  let sim: GcpSimulator;
  beforeAll(async () => {
    sim = await start();
  });
  afterAll(async () => {
    await sim.close();
  });

  it('stays pending while the new accounts 404, counts reads once they show, then binds', async () => {
    const gcp = createGcpAdapters({ mode: 'local', endpoint: sim.url });
    const first = await callStep(sim, 'service-accounts');
    expect(first).toMatchObject({
      status: 'pending',
      operation: { api: IAM_CONSISTENCY_API, name: '0' },
    });
    expect(await gcp.iam.getServiceAccount(project, applicationNodesEmail(env))).toBeUndefined();

    // IAM still hides them: no read counts, nothing is bound.
    clock.advance(5_000);
    const waiting = await callStep(
      sim,
      'service-accounts',
      first.status === 'pending' ? first.operation : undefined,
    );
    expect(waiting).toMatchObject({
      status: 'pending',
      operation: { api: IAM_CONSISTENCY_API, name: '0' },
    });
    expect(sim.counters.byMethod['cloudresourcemanager.projects.setIamPolicy']).toBeUndefined();

    clock.advance(5_000);
    const once = await callStep(
      sim,
      'service-accounts',
      waiting.status === 'pending' ? waiting.operation : undefined,
    );
    expect(once).toMatchObject({
      status: 'pending',
      operation: { api: IAM_CONSISTENCY_API, name: '1' },
    });
    clock.advance(2_000);
    const finished = await callStep(
      sim,
      'service-accounts',
      once.status === 'pending' ? once.operation : undefined,
    );
    expect(finished.status).toBe('done');
    // Bound in one policy write, the tutorial's roles for both accounts (the loop is not empty).
    expect(sim.counters.byMethod['cloudresourcemanager.projects.setIamPolicy']?.writes).toBe(1);
    expect(desiredProjectBindings(env).length).toBeGreaterThan(0);
    const policy = await gcp.projectIam.getIamPolicy(project);
    for (const { role, member } of desiredProjectBindings(env)) {
      expect(policy.bindings?.find((b) => b.role === role)?.members, role).toContain(member);
    }
    expect(Object.keys(sim.state().resources['iam.serviceAccounts'] ?? {})).toHaveLength(2);
  });

  it('through the runner, whose sleeps move the simulator clock, the step converges', async () => {
    sim.reset();
    const events: string[] = [];
    const report = await runSteps({
      runId: 'run-runner-waiting',
      mode: 'provision',
      environment: env,
      registry: {
        'service-accounts': environmentSteps({
          gcp: createGcpAdapters({ mode: 'local', endpoint: sim.url }),
          serviceAccountReads: 3,
          sleep: async (ms) => clock.advance(ms),
        })['service-accounts'],
      },
      records: new MemoryStepRecords(),
      clock,
      sleep: async (ms) => clock.advance(ms),
      onEvent: (event) => events.push(event.type),
    });
    expect(report.failure).toBeUndefined();
    expect(report.steps['service-accounts']?.status).toBe('DONE');
    // Created, hidden for 10 s (2 s polls), then three consecutive reads before binding.
    expect(events.filter((type) => type === 'pending').length).toBeGreaterThanOrEqual(5);
    expect(sim.counters.byMethod['cloudresourcemanager.projects.setIamPolicy']?.writes).toBe(1);
  });
});

describe('private DNS: pending record changes', { timeout: 120_000 }, () => {
  const { clock, start } = simulatorWithClock();
  let sim: GcpSimulator;

  /** Calls the step until done, advancing the clock by each pending answer's wait. */
  async function drive(
    step: GcpStepName,
    mode: 'ensure' | 'remove' = 'ensure',
  ): Promise<{ calls: number; pendings: number }> {
    let operation: StepContext['operation'];
    let pendings = 0;
    for (let calls = 1; calls <= 20; calls += 1) {
      let result: StepResult;
      try {
        result = await callStep(sim, step, operation, mode);
      } catch (error) {
        if ((error as Error).name !== 'RetryableError') throw error;
        clock.advance(1_000);
        continue;
      }
      if (result.status === 'done') return { calls, pendings };
      pendings += 1;
      operation = result.operation;
      clock.advance(result.retryAfterSeconds * 1000);
    }
    throw new Error(`${step} did not finish`);
  }

  function recordCount(): number {
    return Object.keys(sim.state().resources['dns.rrsets'] ?? {}).length;
  }

  beforeAll(async () => {
    sim = await start();
    await drive('network');
  });
  afterAll(async () => {
    await sim.close();
  });

  it('records the changes as its operation and resumes them by id after a restart', async () => {
    const first = await callStep(sim, 'private-dns');
    expect(first.status).toBe('pending');
    const operation = first.status === 'pending' ? first.operation : undefined;
    expect(operation?.api).toBe(DNS_CHANGE_API);
    const names = operation?.name.split(',') ?? [];
    expect(names).toHaveLength(env.spec.privateDns.zones.length);
    for (const name of names) {
      expect(name).toMatch(
        new RegExp(`^projects/${project}/managedZones/private-[a-z-]+/changes/\\d+$`),
      );
    }
    const writes = sim.counters.writes;

    // Cloud DNS has not applied them yet: still pending, nothing new written.
    const again = await callStep(sim, 'private-dns', operation);
    expect(again).toMatchObject({ status: 'pending', operation });
    expect(sim.counters.writes).toBe(writes);
    expect(sim.counters.byMethod['dns.changes.get']?.reads).toBe(names.length);

    clock.advance(1_000);
    expect((await callStep(sim, 'private-dns', operation)).status).toBe('done');
    // Called once more, with nothing recorded: it observes and writes nothing.
    expect((await callStep(sim, 'private-dns')).status).toBe('done');
    expect(sim.counters.writes).toBe(writes);
  });

  it('a change refused midway converges on the next calls, without duplicate records', async () => {
    await drive('private-dns', 'remove');
    expect(Object.keys(sim.state().resources['dns.managedZones'] ?? {})).toHaveLength(0);
    // The dns library retries 5xx and 429 by itself, so a refusal it gives up on at once stands
    // for the failure: one zone's change is refused while the other two are submitted.
    const changesBefore = sim.counters.byMethod['dns.changes.create']?.writes ?? 0;
    const changes = () =>
      (sim.counters.byMethod['dns.changes.create']?.writes ?? 0) - changesBefore;
    sim.setFaults([{ method: 'dns.changes.create', respond: 403, nth: 2 }]);
    await expect(callStep(sim, 'private-dns')).rejects.toMatchObject({
      name: 'PermanentError',
      reason: 'permission-denied',
    });
    expect(changes()).toBe(3);
    sim.setFaults(undefined);
    // Called again (a rerun after the cause is fixed), it submits only the missing change.
    const { pendings } = await drive('private-dns');
    expect(pendings).toBe(1);
    expect(changes()).toBe(4);
    const expected = env.spec.privateDns.zones.reduce(
      // Each zone also holds its SOA and NS records.
      (sum, zone) => sum + desiredRecordSets(zone).length + 2,
      0,
    );
    expect(recordCount()).toBe(expected);
    const writes = sim.counters.writes;
    expect((await callStep(sim, 'private-dns')).status).toBe('done');
    expect(sim.counters.writes).toBe(writes);
  });
});

/**
 * Issue 16, finding 9 (starts are not atomic): a run whose starter crashed between recording it
 * and publishing its request (or starting its execution) is repaired — taken over by the next
 * start once its start claim expired, or failed `abandoned` by the sweeper — on the memory store
 * and on the Firestore emulator.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createFirestoreStores } from '../../../shared/state/firestore.js';
import { createMemoryStores } from '../../../shared/state/memory.js';
import type { StartRunRequest, StateStores } from '../../../shared/state/types.js';
import { ManualClock } from '../../support/clock.js';
import { startTestEmulators, type TestEmulators } from '../../support/emulators.js';
import { environmentDoc } from './store-contract.js';

// The emulators run on two cores shared by many suites: contention makes them slow, not wrong.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 120_000 });

let emulators: TestEmulators | undefined;
beforeAll(async () => {
  emulators = await startTestEmulators();
});
afterAll(async () => {
  await emulators?.stop();
});

/** A keyless HTTP start, as the api makes it: a 30 s claim on publishing its request. */
function httpStart(overrides: Partial<StartRunRequest> = {}): StartRunRequest {
  return {
    kind: 'provision',
    environmentId: 'tutorial',
    spec: environmentDoc(),
    environmentStatus: 'PROVISIONING',
    trigger: { type: 'http' },
    requestHash: 'h1',
    leaseSeconds: 900,
    executionStart: { token: 'creator', ttlSeconds: 30 },
    ...overrides,
  };
}

/** A tenants start, as tenant-events makes it: no claim at creation, dirty when busy. */
function tenantsStart(key: string): StartRunRequest {
  return {
    kind: 'tenants',
    environmentId: 'tutorial',
    trigger: { type: 'pubsub', messageId: key, idempotencyKey: key },
    idempotencyKey: key,
    requestHash: key,
    leaseSeconds: 900,
    onBusy: 'mark-dirty',
  };
}

async function created(stores: StateStores, request: StartRunRequest): Promise<string> {
  const result = await stores.runs.startRun(request);
  if (result.outcome !== 'created') throw new Error(`not created: ${result.outcome}`);
  return result.run.id;
}

/** Environment tutorial stored, with no run holding it (as after a finished provision). */
async function storedEnvironment(stores: StateStores): Promise<void> {
  const run = await created(stores, httpStart({ requestHash: 'setup' }));
  await stores.runs.finish(run, 'SUCCEEDED');
  await stores.environments.releaseLease('tutorial', run);
}

const subjects: Array<[string, (clock: ManualClock) => Promise<StateStores>]> = [
  ['memory store', async (clock) => createMemoryStores(clock)],
  [
    'Firestore store (emulator)',
    async (clock) => {
      const projectId = emulators!.newProjectId('demo-abandoned');
      await emulators!.clear(projectId);
      return createFirestoreStores(emulators!.firestore(projectId), clock);
    },
  ],
];

describe.each(subjects)('%s: a crashed start is taken over by the next one', (_name, make) => {
  it('refuses while the start claim lives, then fails the crashed run and starts the new one', async () => {
    const clock = new ManualClock();
    const stores = await make(clock);
    // The creator recorded the run and crashed before publishing it.
    const crashed = await created(stores, httpStart());
    clock.advance(29);
    expect(await stores.runs.startRun(httpStart({ requestHash: 'h2' }))).toMatchObject({
      outcome: 'busy',
      lease: { holder: crashed },
    });
    clock.advance(2);
    const next = await stores.runs.startRun(httpStart({ requestHash: 'h2' }));
    expect(next).toMatchObject({ outcome: 'created', abandonedRun: crashed });
    if (next.outcome !== 'created') return;
    const old = await stores.runs.get(crashed);
    expect(old).toMatchObject({
      status: 'FAILED',
      finishedAt: clock.now().toISOString(),
      error: { kind: 'permanent', reason: 'abandoned' },
    });
    expect(old?.executionStart).toBeUndefined();
    expect(old?.error?.message).toContain(`run ${next.run.id} took environment tutorial over`);
    expect(await stores.environments.get('tutorial')).toMatchObject({
      currentRun: next.run.id,
      lease: { holder: next.run.id },
    });
  });

  it('a tenants event takes over an abandoned holder instead of marking it dirty', async () => {
    const clock = new ManualClock();
    const stores = await make(clock);
    const crashed = await created(stores, httpStart());
    clock.advance(31);
    const next = await stores.runs.startRun(tenantsStart('m1'));
    expect(next).toMatchObject({ outcome: 'created', abandonedRun: crashed });
    expect((await stores.runs.get(crashed))?.status).toBe('FAILED');
  });

  it('never takes over a run that was published, has an execution, or is running', async () => {
    const clock = new ManualClock();
    const stores = await make(clock);
    const published = await created(stores, httpStart());
    await stores.runs.markPublished(published);
    clock.advance(60);
    expect(await stores.runs.startRun(httpStart({ requestHash: 'h2' }))).toMatchObject({
      outcome: 'busy',
    });
    expect((await stores.runs.get(published))?.status).toBe('PENDING');

    const other = await make(clock);
    const executed = await created(other, httpStart());
    await other.runs.setExecution(executed, 'projects/p/locations/l/workflows/w/executions/e1');
    clock.advance(60);
    expect(await other.runs.startRun(httpStart({ requestHash: 'h2' }))).toMatchObject({
      outcome: 'busy',
    });

    const third = await make(clock);
    const running = await created(third, httpStart());
    await third.runs.markRunning(running);
    clock.advance(60);
    expect(await third.runs.startRun(httpStart({ requestHash: 'h2' }))).toMatchObject({
      outcome: 'busy',
    });
  });

  it('never takes over a tenants run whose execution start claim lives (120 s)', async () => {
    const clock = new ManualClock();
    const stores = await make(clock);
    await storedEnvironment(stores);
    const tenants = await created(stores, tenantsStart('m1'));
    expect(await stores.runs.claimExecutionStart(tenants, 'delivery', 120)).toEqual({
      start: true,
    });
    clock.advance(119);
    expect(await stores.runs.startRun(httpStart())).toMatchObject({ outcome: 'busy' });
    expect(await stores.runs.startRun(tenantsStart('m2'))).toMatchObject({
      outcome: 'coalesced',
    });
    expect((await stores.runs.get(tenants))?.status).toBe('PENDING');
    // Its claim expired (the starting delivery crashed): the next start repairs it.
    clock.advance(2);
    expect(await stores.runs.startRun(httpStart())).toMatchObject({
      outcome: 'created',
      abandonedRun: tenants,
    });
  });

  it('a run without a claim (redelivery or same-key retry repairs it) is taken over only after its lease', async () => {
    const clock = new ManualClock();
    const stores = await make(clock);
    await storedEnvironment(stores);
    const tenants = await created(stores, tenantsStart('m1'));
    clock.advance(899);
    expect(await stores.runs.startRun(httpStart())).toMatchObject({ outcome: 'busy' });
    clock.advance(2);
    expect(await stores.runs.startRun(httpStart())).toMatchObject({
      outcome: 'created',
      abandonedRun: tenants,
    });
    expect(await stores.runs.get(tenants)).toMatchObject({
      status: 'FAILED',
      error: { reason: 'abandoned' },
    });
  });
});

describe.each(subjects)('%s: the sweeper fails abandoned runs', (_name, make) => {
  it('fails a crashed start after its claim and the idle time, releasing the environment', async () => {
    const clock = new ManualClock();
    const stores = await make(clock);
    const crashed = await created(stores, httpStart());
    clock.advance(31);
    expect(await stores.runs.sweepAbandonedRuns({ idleSeconds: 300 })).toEqual({
      swept: [],
      examined: 1,
    });
    clock.advance(300);
    expect(await stores.runs.sweepAbandonedRuns({ idleSeconds: 300 })).toEqual({
      swept: [crashed],
      examined: 1,
    });
    expect(await stores.runs.get(crashed)).toMatchObject({
      status: 'FAILED',
      error: { kind: 'permanent', reason: 'abandoned' },
    });
    expect((await stores.runs.get(crashed))?.error?.message).toContain('failed by the sweeper');
    const env = await stores.environments.get('tutorial');
    expect(env?.lease).toBeUndefined();
    expect(env?.status).toBe('FAILED');
    // Nothing left to do: a second sweep changes nothing.
    expect(await stores.runs.sweepAbandonedRuns({ idleSeconds: 300 })).toEqual({
      swept: [],
      examined: 0,
    });
    // The environment takes a new run at once.
    expect((await stores.runs.startRun(httpStart({ requestHash: 'h2' }))).outcome).toBe('created');
  });

  it('leaves published, executing, running, live-claimed and fresh runs alone', async () => {
    const clock = new ManualClock();
    const stores = await make(clock);
    const env = (name: string) => ({
      environmentId: name,
      spec: environmentDoc(name),
    });
    const published = await created(stores, httpStart(env('a')));
    await stores.runs.markPublished(published);
    const executed = await created(stores, httpStart(env('b')));
    await stores.runs.setExecution(executed, 'projects/p/locations/l/workflows/w/executions/e1');
    const running = await created(stores, httpStart(env('c')));
    await stores.runs.markRunning(running);
    const claimed = await created(stores, httpStart(env('d')));
    clock.advance(1000);
    await stores.runs.claimExecutionStart(claimed, 'retry', 30);
    const fresh = await created(stores, { ...tenantsStart('m1'), ...env('e') });
    const before = await Promise.all(
      [published, executed, running, claimed, fresh].map((id) => stores.runs.get(id)),
    );
    const result = await stores.runs.sweepAbandonedRuns({ idleSeconds: 300 });
    expect(result.swept).toEqual([]);
    const after = await Promise.all(
      [published, executed, running, claimed, fresh].map((id) => stores.runs.get(id)),
    );
    expect(after).toEqual(before);
  });

  it('a tenants run with no claim is swept only after the idle time, keeping others leases', async () => {
    const clock = new ManualClock();
    const stores = await make(clock);
    await storedEnvironment(stores);
    const tenants = await created(stores, tenantsStart('m1'));
    clock.advance(299);
    expect((await stores.runs.sweepAbandonedRuns()).swept).toEqual([]);
    clock.advance(1);
    expect((await stores.runs.sweepAbandonedRuns()).swept).toEqual([tenants]);
    // A tenants run leaves the environment's status as it was.
    expect((await stores.environments.get('tutorial'))?.status).toBe('PROVISIONING');
    expect((await stores.environments.get('tutorial'))?.lease).toBeUndefined();
  });

  it('takes at most `limit` runs per sweep', async () => {
    const clock = new ManualClock();
    const stores = await make(clock);
    const ids = [];
    for (const name of ['a', 'b', 'c']) {
      ids.push(
        await created(stores, httpStart({ environmentId: name, spec: environmentDoc(name) })),
      );
    }
    clock.advance(400);
    const first = await stores.runs.sweepAbandonedRuns({ limit: 2 });
    const second = await stores.runs.sweepAbandonedRuns({ limit: 2 });
    expect(first.swept).toHaveLength(2);
    expect([...first.swept, ...second.swept].sort()).toEqual([...ids].sort());
  });
});

import request from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import { PermanentError, RetryableError } from '../../shared/errors.js';
import type { StepContext } from '../../shared/core/step-contract.js';
import {
  getTestServer,
  overrideContext,
  type FunctionsContext,
  type StepRegistry,
} from '../../functions/testing.js';
import { environmentDoc, tenantDoc } from '../shared/state/store-contract.js';
import { startTutorialRun, useFunctionsTestEnv } from '../support/functions-env.js';

// The emulators run on two cores shared by many suites: contention makes them slow, not wrong.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 120_000 });

let base: FunctionsContext;
const calls: StepContext[] = [];

/** A registry whose steps answer each way a real one can. */
/** Every registered step's teardown: this suite's teardown calls reach only unregistered steps. */
const notCalled = async (): Promise<never> => {
  throw new Error('remove is not called in this suite');
};

const registry: StepRegistry = {
  apis: {
    ensure: async () => ({ status: 'done', outputs: { enabled: ['dns.googleapis.com'] } }),
    remove: notCalled,
  },
  network: {
    remove: notCalled,
    async ensure(ctx) {
      calls.push(ctx);
      if (!ctx.operation) {
        return {
          status: 'pending',
          retryAfterSeconds: 10,
          operation: { api: 'compute-global', name: 'operation-net-1' },
        };
      }
      return { status: 'done', outputs: { network: 'vpc-network', op: ctx.operation.name } };
    },
  },
  subnet: {
    remove: notCalled,
    async ensure(ctx) {
      calls.push(ctx);
      throw new PermanentError('immutable-drift', 'ipCidrRange differs', {
        field: 'spec.subnet.cidr',
      });
    },
  },
  cluster: {
    remove: notCalled,
    ensure: async () => {
      throw new RetryableError('cluster-busy', 'another operation runs', { retryAfterSeconds: 30 });
    },
  },
  'gateway-pool': {
    remove: notCalled,
    ensure: async () => {
      throw new TypeError('cannot read properties of undefined');
    },
  },
  tenants: {
    remove: notCalled,
    async ensure(ctx) {
      calls.push(ctx);
      return { status: 'done', outputs: { objects: ctx.tenants.length } };
    },
  },
};

const startRun = (kind: 'provision' | 'teardown' = 'provision') => startTutorialRun(base, kind);

const call = (fn: string, body: object) => request(getTestServer(fn)).post('/').send(body);

useFunctionsTestEnv(
  (started) => {
    base = started.ctx;
  },
  () => {
    overrideContext({ steps: registry });
    calls.length = 0;
  },
);

describe('step functions', () => {
  it('answers pending, then resumes with the recorded operation and the upstream outputs', async () => {
    const runId = await startRun();
    const apis = await call('step-network', { runId, step: 'apis' });
    expect(apis.status).toBe(200);
    expect(apis.body).toEqual({ status: 'done', outputs: { enabled: ['dns.googleapis.com'] } });

    const first = await call('step-network', { runId, step: 'network' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'pending', retryAfterSeconds: 10 });
    const second = await call('step-network', { runId, step: 'network' });
    expect(second.body).toEqual({
      status: 'done',
      outputs: { network: 'vpc-network', op: 'operation-net-1' },
    });
    expect(calls.map((c) => [c.attempt, c.operation?.name])).toEqual([
      [1, undefined],
      [2, 'operation-net-1'],
    ]);
    expect(calls[0]).toMatchObject({
      runId,
      step: 'network',
      environment: environmentDoc(),
      upstream: { apis: { enabled: ['dns.googleapis.com'] } },
    });
    const step = await base.stores.runs.getStep(runId, 'network');
    expect(step).toMatchObject({
      status: 'DONE',
      attempts: 2,
      outputs: { network: 'vpc-network' },
    });
    expect(step?.finishedAt).toBeDefined();
    expect((await base.stores.runs.get(runId))?.status).toBe('RUNNING');
    expect((await base.stores.environments.get('tutorial'))?.outputs).toEqual({
      apis: { enabled: ['dns.googleapis.com'] },
      network: { network: 'vpc-network', op: 'operation-net-1' },
    });
  });

  it('maps a permanent error to 422, a retryable one to 503 with Retry-After, a missing step to 501', async () => {
    const runId = await startRun();
    const permanent = await call('step-network', { runId, step: 'subnet' });
    expect(permanent.status).toBe(422);
    expect(permanent.body).toEqual({
      kind: 'permanent',
      reason: 'immutable-drift',
      message: 'ipCidrRange differs',
      field: 'spec.subnet.cidr',
    });
    expect(await base.stores.runs.getStep(runId, 'subnet')).toMatchObject({
      status: 'FAILED',
      error: { reason: 'immutable-drift', field: 'spec.subnet.cidr' },
    });

    const retryable = await call('step-cluster', { runId, step: 'cluster' });
    expect(retryable.status).toBe(503);
    expect(retryable.headers['retry-after']).toBe('30');
    expect(retryable.body).toEqual({
      kind: 'retryable',
      reason: 'cluster-busy',
      message: 'another operation runs',
    });
    expect(await base.stores.runs.getStep(runId, 'cluster')).toMatchObject({
      status: 'PENDING',
      error: { reason: 'cluster-busy' },
    });

    const unexpected = await call('step-cluster', { runId, step: 'gateway-pool' });
    expect(unexpected.status).toBe(503);
    expect(unexpected.body).toMatchObject({ kind: 'retryable', reason: 'unexpected' });
    expect(JSON.stringify(unexpected.body)).not.toMatch(/\n\s+at /);

    const missing = await call('step-nat', { runId, step: 'nat' });
    expect(missing.status).toBe(501);
    expect(missing.body).toMatchObject({ reason: 'step-not-implemented', field: 'step' });
    expect(missing.body.message).toContain('nat');
    expect(await base.stores.runs.getStep(runId, 'nat')).toBeUndefined();

    // A step missing from the registry answers 501 in a teardown run too, naming `remove`.
    const teardown = await call('step-nat', {
      runId: await forceTeardown(runId),
      step: 'nat',
    });
    expect(teardown.status).toBe(501);
    expect(teardown.body.message).toContain('remove');
  });

  it('rejects bad requests with 4xx naming the field', async () => {
    const runId = await startRun();
    const results = await Promise.all([
      call('step-network', { runId, step: 'cluster' }),
      call('step-network', { runId: 'nope', step: 'network' }),
      call('step-network', { step: 'network' }),
      call('step-network', { runId: 'run-00000000000000000000000000000000', step: 'network' }),
    ]);
    expect(results.map((r) => [r.status, r.body.field])).toEqual([
      [400, 'step'],
      [400, 'runId'],
      [400, 'runId'],
      [404, 'runId'],
    ]);
  });

  it('refuses a run that lost its lease, and a finished run', async () => {
    const runId = await startRun();
    await base.stores.environments.releaseLease('tutorial', runId);
    await base.stores.environments.acquireLease('tutorial', 'run-other', 60);
    const lost = await call('step-network', { runId, step: 'apis' });
    expect(lost.status).toBe(409);
    expect(lost.body).toMatchObject({ kind: 'conflict', reason: 'lease-lost' });
    await base.stores.runs.finish(runId, 'FAILED');
    const finished = await call('step-network', { runId, step: 'apis' });
    expect(finished.status).toBe(409);
    expect(finished.body.reason).toBe('run-finished');
  });

  it('marks applied tenants, and finalize reconciles again when the environment got dirty', async () => {
    const runId = await startRun();
    await base.stores.tenants.put('tutorial', tenantDoc('team-x'));
    await base.stores.tenants.put('tutorial', tenantDoc('team-y'));
    const res = await call('step-tenants', { runId, step: 'tenants' });
    expect(res.body).toEqual({ status: 'done', outputs: { objects: 2 } });
    const tenants = await base.stores.tenants.list('tutorial');
    expect(tenants.map((t) => [t.id, t.status, t.lastAppliedHash === t.specHash])).toEqual([
      ['team-x', 'APPLIED', true],
      ['team-y', 'APPLIED', true],
    ]);

    // Another pass over the same specs writes no tenant record; a changed spec's record only.
    await base.stores.tenants.put('tutorial', tenantDoc('team-y', ['example.org']));
    const pending = await base.stores.tenants.list('tutorial');
    const second = await call('step-tenants', { runId, step: 'tenants' });
    expect(second.status).toBe(200);
    const after = await base.stores.tenants.list('tutorial');
    const updated = (list: typeof after) =>
      Object.fromEntries(list.map((t) => [t.id, t.updatedAt]));
    expect(updated(after)['team-x']).toBe(updated(pending)['team-x']);
    expect(after.map((t) => [t.id, t.status])).toEqual([
      ['team-x', 'APPLIED'],
      ['team-y', 'APPLIED'],
    ]);
    expect(after.find((t) => t.id === 'team-y')?.lastAppliedHash).toBe(
      after.find((t) => t.id === 'team-y')?.specHash,
    );

    // A tenant event while the run works: coalesced into it.
    await base.stores.environments.acquireLeaseOrMarkDirty('tutorial', 'run-event', 60);
    const again = await call('finalize', { runId, outcome: 'succeeded' });
    expect(again.body).toEqual({ runId, status: 'RUNNING', again: true });
    const done = await call('finalize', { runId, outcome: 'succeeded' });
    expect(done.body).toEqual({ runId, status: 'SUCCEEDED', again: false });
    const environment = await base.stores.environments.get('tutorial');
    expect(environment).toMatchObject({ status: 'READY', dirty: false });
    expect(environment?.lease).toBeUndefined();
    const repeat = await call('finalize', { runId, outcome: 'failed' });
    expect(repeat.body).toEqual({ runId, status: 'SUCCEEDED', again: false });
    const bad = await call('finalize', { runId, outcome: 'maybe' });
    expect([bad.status, bad.body.field]).toEqual([400, 'outcome']);
  });
});

/** Ends a provision run and starts a teardown on the same environment. */
async function forceTeardown(runId: string): Promise<string> {
  await base.stores.runs.finish(runId, 'FAILED');
  await base.stores.environments.releaseLease('tutorial', runId);
  return startRun('teardown');
}

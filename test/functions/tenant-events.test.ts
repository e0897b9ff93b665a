import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import YAML from 'yaml';
import { describe, expect, it, vi } from 'vitest';
import {
  createContext,
  getTestServer,
  setContext,
  type FunctionsContext,
} from '../../functions/testing.js';
import { EXECUTION_START_TTL_SECONDS, tenantRunId } from '../../functions/tenant-events.js';
import { parseTenant } from '../../shared/spec/index.js';
import { createFirestoreStores } from '../../shared/state/firestore.js';
import { ManualClock } from '../support/clock.js';
import {
  pubsubPushBody,
  startTutorialRun,
  useFunctionsTestEnv,
  type FunctionsTestEnv,
} from '../support/functions-env.js';

// The emulators run on two cores shared by many suites: contention makes them slow, not wrong.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 120_000 });

let env: FunctionsTestEnv;
let base: FunctionsContext;
let counter = 0;

const tenant = (name = 'team-x', host = 'example.com') => ({
  apiVersion: 'egress.provisioner.dev/v1alpha1',
  kind: 'Tenant',
  metadata: { name },
  spec: { environment: 'tutorial', egress: [{ host }] },
});

/** The body the Pub/Sub emulator POSTs to a push endpoint. */
const pushBody = (document: unknown, attributes: Record<string, string>, messageId: string) =>
  pubsubPushBody(env.projectId, document, attributes, messageId);

/** Pushes as the environment's own topic's subscription does (the path names the topic). */
const deliver = (body: object, topic = 'tenants-tutorial') =>
  request(getTestServer('tenant-events'))
    .post(`/projects/${env.projectId}/topics/${topic}`)
    .send(body);

/** An environment whose provisioning run ended, so a tenant event can take the lease. */
async function readyEnvironment(): Promise<void> {
  const runId = await startTutorialRun(base);
  await base.stores.environments.releaseLease('tutorial', runId);
}

useFunctionsTestEnv(
  (started) => {
    env = started;
    base = started.ctx;
  },
  () => {
    env.executionCalls.length = 0;
    counter += 1;
  },
);

describe('tenant-events', () => {
  it('records a redelivered message once and starts one reconcile-tenants execution', async () => {
    await readyEnvironment();
    const messageId = `${counter}000001`;
    const body = pushBody(tenant(), { environment: 'tutorial' }, messageId);
    const first = await deliver(body);
    const again = await deliver(body);
    expect([first.status, again.status]).toEqual([204, 204]);

    const runId = tenantRunId(messageId);
    const message = await base.stores.runs.getMessage(messageId);
    expect(message).toMatchObject({
      id: messageId,
      topic: `projects/${env.projectId}/topics/tenants-tutorial`,
      outcome: 'accepted',
      environment: 'tutorial',
      tenant: 'team-x',
      runId,
    });
    expect(env.executionCalls).toHaveLength(1);
    expect(env.executionCalls[0]).toMatchObject({
      method: 'POST',
      path: expect.stringContaining(
        `/v1/projects/${env.projectId}/locations/us-central1/workflows/reconcile-tenants/executions`,
      ) as unknown,
    });
    const argument = JSON.parse((env.executionCalls[0]?.body as { argument: string }).argument);
    expect(argument).toEqual({ runId, environmentId: 'tutorial' });
    const run = await base.stores.runs.get(runId);
    expect(run).toMatchObject({
      kind: 'tenants',
      trigger: { type: 'pubsub', messageId },
      executionName: expect.stringMatching(/reconcile-tenants\/executions\/exec-\d+$/) as unknown,
    });
    const stored = await base.stores.tenants.list('tutorial');
    expect(stored.map((t) => [t.id, t.generation, t.status])).toEqual([['team-x', 1, 'PENDING']]);
    expect((await base.stores.environments.get('tutorial'))?.lease?.holder).toBe(runId);
  });

  it('records a republished spec that is already applied as unchanged, starting no run', async () => {
    await readyEnvironment();
    const firstId = `${counter}000101`;
    expect((await deliver(pushBody(tenant(), { environment: 'tutorial' }, firstId))).status).toBe(
      204,
    );
    const runId = tenantRunId(firstId);
    const stored = await base.stores.tenants.get('tutorial', 'team-x');
    await base.stores.tenants.setStatus('tutorial', 'team-x', 'APPLIED', {
      lastAppliedHash: stored!.specHash,
    });
    await base.stores.runs.finish(runId, 'SUCCEEDED');
    await base.stores.environments.releaseLease('tutorial', runId);
    env.executionCalls.length = 0;

    const againId = `${counter}000102`;
    expect((await deliver(pushBody(tenant(), { environment: 'tutorial' }, againId))).status).toBe(
      204,
    );
    expect(await base.stores.runs.getMessage(againId)).toMatchObject({
      outcome: 'unchanged',
      tenant: 'team-x',
    });
    expect(await base.stores.runs.get(tenantRunId(againId))).toBeUndefined();
    expect(env.executionCalls).toHaveLength(0);
    expect((await base.stores.environments.get('tutorial'))?.lease).toBeUndefined();
    expect(await base.stores.tenants.get('tutorial', 'team-x')).toMatchObject({
      generation: 1,
      status: 'APPLIED',
    });
  });

  it('accepts YAML, and coalesces into the running run by marking the environment dirty', async () => {
    await readyEnvironment();
    const yaml = YAML.stringify(tenant('team-y', 'httpbin.org'));
    const first = await deliver(pushBody(yaml, { environment: 'tutorial' }, `${counter}1`));
    expect(first.status).toBe(204);
    const second = await deliver(
      pushBody(tenant('team-z'), { environment: 'tutorial' }, `${counter}2`),
    );
    expect(second.status).toBe(204);
    expect(env.executionCalls).toHaveLength(1);
    expect(await base.stores.runs.getMessage(`${counter}2`)).toMatchObject({
      outcome: 'coalesced',
      runId: tenantRunId(`${counter}1`),
    });
    expect((await base.stores.environments.get('tutorial'))?.dirty).toBe(true);
    expect((await base.stores.tenants.list('tutorial')).map((t) => t.id)).toEqual([
      'team-y',
      'team-z',
    ]);
  });

  it('acknowledges and records an invalid document with its field errors, never to be redelivered', async () => {
    await readyEnvironment();
    const cases: { doc: unknown; attrs: Record<string, string>; field: string }[] = [
      {
        doc: tenant('team-x', 'Not A Host'),
        attrs: { environment: 'tutorial' },
        field: 'spec.egress[0].host',
      },
      // The topic decides the environment; an attribute naming another is refused.
      { doc: tenant(), attrs: { environment: 'absent' }, field: 'attributes.environment' },
      { doc: '{not yaml: [', attrs: { environment: 'tutorial' }, field: 'message.data' },
      {
        doc: { ...tenant(), kind: 'Environment' },
        attrs: { environment: 'tutorial' },
        field: 'kind',
      },
      {
        doc: { ...tenant(), spec: { environment: 'other' } },
        attrs: { environment: 'tutorial' },
        field: 'spec.environment',
      },
    ];
    for (const [index, c] of cases.entries()) {
      const id = `${counter}9${index}`;
      const res = await deliver(pushBody(c.doc, c.attrs, id));
      expect(res.status, JSON.stringify(c)).toBe(204);
      const record = await base.stores.runs.getMessage(id);
      const fields = [record?.error?.field, ...(record?.errors ?? []).map((e) => e.field)];
      expect(record?.outcome, JSON.stringify(record)).toBe('rejected');
      expect(fields, JSON.stringify(record)).toContain(c.field);
    }
    expect(await base.stores.tenants.list('tutorial')).toEqual([]);
    expect(env.executionCalls).toEqual([]);
  });

  it('takes the environment from the topic, never from an attribute', async () => {
    await readyEnvironment();
    // Without an attribute: accepted for the topic's environment.
    const plain = `${counter}701`;
    expect((await deliver(pushBody(tenant(), {}, plain))).status).toBe(204);
    expect(await base.stores.runs.getMessage(plain)).toMatchObject({
      outcome: 'accepted',
      environment: 'tutorial',
    });
    // Through a topic that is no environment's (the old shared topic, another project's): refused.
    for (const [index, topic] of [
      'tenant-requests',
      'environment-requests',
      'tenants-',
    ].entries()) {
      const id = `${counter}71${index}`;
      expect(
        (await deliver(pushBody(tenant('team-q'), { environment: 'tutorial' }, id), topic)).status,
      ).toBe(204);
      expect(await base.stores.runs.getMessage(id)).toMatchObject({
        outcome: 'rejected',
        error: { reason: 'unknown-topic', field: 'topic' },
      });
    }
    const foreign = `${counter}720`;
    const res = await request(getTestServer('tenant-events'))
      .post(`/projects/someone-elses-project/topics/tenants-tutorial`)
      .send(pushBody(tenant('team-q'), {}, foreign));
    expect(res.status).toBe(204);
    expect((await base.stores.runs.getMessage(foreign))?.error?.reason).toBe('unknown-topic');
    // A publisher of tenants-other cannot reach tutorial by naming it in an attribute.
    const claimed = `${counter}730`;
    await deliver(
      pushBody(tenant('team-q'), { environment: 'tutorial' }, claimed),
      'tenants-other',
    );
    expect(await base.stores.runs.getMessage(claimed)).toMatchObject({
      outcome: 'rejected',
      error: { reason: 'environment-mismatch', field: 'attributes.environment' },
    });
    expect((await base.stores.tenants.list('tutorial')).map((t) => t.id)).toEqual(['team-x']);
  });

  it('rejects a tenant the gateway cannot express, or one that conflicts with a stored tenant', async () => {
    await readyEnvironment();
    await base.stores.tenants.put(
      'tutorial',
      parseTenant({
        ...tenant('team-x', 'httpbin.org'),
        spec: { environment: 'tutorial', egress: [{ host: 'httpbin.org', mode: 'http' }] },
      }),
    );
    const cases = [
      {
        name: 'wildcard host through the gateway',
        doc: {
          ...tenant('team-z'),
          spec: {
            environment: 'tutorial',
            egress: [{ host: '*.example.org', mode: 'passthrough' }],
          },
        },
      },
      {
        name: 'httpbin.org as tls-origination while team-x has it as http',
        doc: {
          ...tenant('team-z'),
          spec: {
            environment: 'tutorial',
            egress: [{ host: 'httpbin.org', mode: 'tls-origination' }],
          },
        },
      },
    ];
    for (const [index, c] of cases.entries()) {
      const id = `${counter}8${index}`;
      const res = await deliver(pushBody(c.doc, { environment: 'tutorial' }, id));
      expect(res.status, c.name).toBe(204);
      const record = await base.stores.runs.getMessage(id);
      expect(record?.outcome, `${c.name}: ${JSON.stringify(record)}`).toBe('rejected');
      expect(record?.error?.field, `${c.name}: ${JSON.stringify(record)}`).toMatch(/^spec\.egress/);
    }
    expect((await base.stores.tenants.list('tutorial')).map((t) => t.id)).toEqual(['team-x']);
    expect(env.executionCalls).toEqual([]);
  });

  it('fails (for redelivery) when the Executions API is down, and starts the execution on redelivery', async () => {
    await readyEnvironment();
    // The real client against a port where nothing listens.
    setContext(createContext({ ...base.config, workflowsEndpoint: 'http://127.0.0.1:1' }));
    const body = pushBody(tenant(), { environment: 'tutorial' }, `${counter}5`);
    const failed = await deliver(body);
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(await base.stores.runs.getMessage(`${counter}5`)).toBeUndefined();
    setContext(base);
    const redelivered = await deliver(body);
    expect(redelivered.status).toBe(204);
    expect(env.executionCalls).toHaveLength(1);
    expect((await base.stores.runs.get(tenantRunId(`${counter}5`)))?.executionName).toBeDefined();
  });

  it('starts one execution for two concurrent deliveries of one message', async () => {
    await readyEnvironment();
    // Both deliveries get past startRun (both see the run without an execution) before either
    // starts the execution: the interleaving that starts two without the start claim.
    let runsStarted = 0;
    let bothPastStartRun!: () => void;
    const gate = new Promise<void>((resolve) => (bothPastStartRun = resolve));
    const runs = new Proxy(base.stores.runs, {
      get(target, property) {
        if (property === 'startRun') {
          return async (request: Parameters<typeof target.startRun>[0]) => {
            const result = await target.startRun(request);
            if (++runsStarted === 2) bothPastStartRun();
            return result;
          };
        }
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
    setContext({
      ...base,
      stores: { ...base.stores, runs },
      executions: {
        start: async (workflow, argument) => {
          await gate;
          return base.executions.start(workflow, argument);
        },
      },
    });
    const messageId = `${counter}7`;
    const body = pushBody(tenant(), { environment: 'tutorial' }, messageId);
    // A delivery that ends before startRun (e.g. its tenant write lost a contended transaction
    // on a loaded emulator, a 5xx) opens the gate too, or the other would wait on it forever.
    const both = await Promise.all(
      [deliver(body), deliver(body)].map((delivery) =>
        Promise.resolve(delivery).finally(bothPastStartRun),
      ),
    );
    // The loser either found the start in flight and asked Pub/Sub for a redelivery (5xx), or,
    // when the winner finished first, found its execution recorded (204): never a second start.
    expect(both.map((r) => r.status)).toContain(204);
    for (const r of both) expect(r.status === 204 || r.status >= 500, String(r.status)).toBe(true);
    expect(env.executionCalls).toHaveLength(1);
    const runId = tenantRunId(messageId);
    const run = await base.stores.runs.get(runId);
    expect(run?.executionName).toMatch(/reconcile-tenants\/executions\/exec-\d+$/);
    expect(await base.stores.runs.getMessage(messageId)).toMatchObject({
      outcome: 'accepted',
      runId,
    });
    // Its redelivery finds the message recorded.
    expect((await deliver(body)).status).toBe(204);
    expect(env.executionCalls).toHaveLength(1);
  });

  it('starts the execution on a redelivery once a crashed start has outlived its claim', async () => {
    await readyEnvironment();
    const clock = new ManualClock();
    const stores = createFirestoreStores(env.db, clock);
    setContext({ ...base, stores });
    const messageId = `${counter}6`;
    const body = pushBody(tenant(), { environment: 'tutorial' }, messageId);
    const runId = tenantRunId(messageId);
    // A delivery stored the tenant and the run, then its process died while starting the
    // execution: its start claim is all that is left.
    setContext({ ...base, stores, executions: { start: () => Promise.reject(new Error('down')) } });
    expect((await deliver(body)).status).toBeGreaterThanOrEqual(500);
    expect(
      await stores.runs.claimExecutionStart(runId, 'crashed-delivery', EXECUTION_START_TTL_SECONDS),
    ).toEqual({ start: true });
    setContext({ ...base, stores });

    const early = await deliver(body);
    expect(early.status).toBeGreaterThanOrEqual(500);
    expect(env.executionCalls).toEqual([]);
    expect(await stores.runs.getMessage(messageId)).toBeUndefined();

    clock.advance(EXECUTION_START_TTL_SECONDS + 1);
    expect((await deliver(body)).status).toBe(204);
    expect(env.executionCalls).toHaveLength(1);
    expect((await stores.runs.get(runId))?.executionName).toBeDefined();
  });

  it('receives a real push from the Pub/Sub emulator', async () => {
    await readyEnvironment();
    const server: Server = getTestServer('tenant-events');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const topic = env.pubsub.topic('tenants-tutorial');
      const [exists] = await topic.exists();
      if (!exists) await topic.create();
      await topic.createSubscription(`push-${counter}`, {
        pushEndpoint: `http://127.0.0.1:${port}/projects/${env.projectId}/topics/tenants-tutorial`,
      });
      // No attribute: the environment is the topic's.
      const messageId = await topic.publishMessage({ json: tenant('team-push') });
      let record;
      for (let i = 0; i < 100 && !record; i += 1) {
        record = await base.stores.runs.getMessage(messageId);
        if (!record) await new Promise((r) => setTimeout(r, 100));
      }
      expect(record).toMatchObject({ outcome: 'accepted', tenant: 'team-push' });
      expect(env.executionCalls).toHaveLength(1);
    } finally {
      await env.pubsub.subscription(`push-${counter}`).delete();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

import request from 'supertest';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { getTestServer, type FunctionsContext } from '../../functions/testing.js';
import { parseTenant } from '../../shared/spec/index.js';
import { dumpFirestore } from '../support/firestore-dump.js';
import {
  environmentRequest,
  pullAll,
  useFunctionsTestEnv,
  type FunctionsTestEnv,
} from '../support/functions-env.js';
import { requireIdTokens, signedIdToken } from '../support/id-tokens.js';

// The emulators run on two cores shared by many suites: contention makes them slow, not wrong.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 120_000 });

const envDoc = environmentRequest;

let env: FunctionsTestEnv;
let base: FunctionsContext;
const server = () => getTestServer('api');

useFunctionsTestEnv(
  (started) => {
    env = started;
    base = started.ctx;
  },
  async () => {
    await pullAll(env.pubsub, env.requests);
  },
);

describe('POST /v1/environments', () => {
  it('creates one run for 10 concurrent identical requests with one Idempotency-Key', async () => {
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        request(server())
          .post('/v1/environments')
          .set('Idempotency-Key', 'create-tutorial-1')
          .send(envDoc()),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 202]);
    const runIds = new Set(responses.map((r) => (r.body as { runId: string }).runId));
    expect(runIds.size).toBe(1);
    const [runId] = [...runIds];
    expect(await base.stores.runs.listByEnvironment('tutorial')).toHaveLength(1);
    const published = await pullAll(env.pubsub, env.requests);
    expect(published).toEqual([
      {
        data: { runId, environmentId: 'tutorial', kind: 'provision' },
        attributes: { runId, environment: 'tutorial', kind: 'provision' },
      },
    ]);
    const created = responses.find((r) => r.status === 202);
    expect(created?.headers.location).toBe(`/v1/runs/${runId}`);
  }, 60_000);

  it('answers 409 when the key is reused for another request, or the environment is busy', async () => {
    const first = await request(server())
      .post('/v1/environments')
      .set('Idempotency-Key', 'k')
      .send(envDoc());
    expect(first.status).toBe(202);
    const reused = await request(server())
      .post('/v1/environments')
      .set('Idempotency-Key', 'k')
      .send(envDoc('tutorial', { region: 'europe-west1', zone: 'europe-west1-b' }));
    expect(reused.status).toBe(409);
    expect(reused.body).toMatchObject({
      kind: 'conflict',
      reason: 'idempotency-key-reused',
      field: 'Idempotency-Key',
    });
    const busy = await request(server()).post('/v1/environments').send(envDoc());
    expect(busy.status).toBe(409);
    expect(busy.body).toMatchObject({ kind: 'conflict', reason: 'environment-busy' });
    expect(busy.body.message).toContain((first.body as { runId: string }).runId);
  });

  it('accepts YAML bodies', async () => {
    const yaml = [
      'apiVersion: egress.provisioner.dev/v1alpha1',
      'kind: Environment',
      'metadata: {name: from-yaml}',
      'spec: {project: tutorial-project, region: us-central1, zone: us-central1-a}',
    ].join('\n');
    const res = await request(server())
      .post('/v1/environments')
      .set('Content-Type', 'application/yaml')
      .send(yaml);
    expect(res.status).toBe(202);
    expect((await base.stores.environments.get('from-yaml'))?.spec.spec.subnet.cidr).toBe(
      '10.0.0.0/24',
    );
  });
});

describe('malformed requests', () => {
  const spec = (extra: Record<string, unknown>) => envDoc('tutorial', extra);
  const cases: {
    name: string;
    body: unknown;
    field: string;
    contentType?: string;
    headers?: Record<string, string>;
  }[] = [
    { name: 'no apiVersion', body: { ...envDoc(), apiVersion: undefined }, field: 'apiVersion' },
    { name: 'wrong apiVersion', body: { ...envDoc(), apiVersion: 'v1' }, field: 'apiVersion' },
    { name: 'Tenant kind', body: { ...envDoc(), kind: 'Tenant' }, field: 'kind' },
    { name: 'unknown kind', body: { ...envDoc(), kind: 'Cluster' }, field: 'kind' },
    { name: 'no metadata', body: { ...envDoc(), metadata: undefined }, field: 'metadata' },
    {
      name: 'bad name',
      body: { ...envDoc(), metadata: { name: 'Bad_Name' } },
      field: 'metadata.name',
    },
    {
      name: 'label not a string',
      body: { ...envDoc(), metadata: { name: 'a', labels: { x: 1 } } },
      field: 'metadata.labels.x',
    },
    { name: 'no spec', body: { ...envDoc(), spec: undefined }, field: 'spec' },
    { name: 'bad project', body: spec({ project: 'X' }), field: 'spec.project' },
    { name: 'bad region', body: spec({ region: 'nowhere' }), field: 'spec.region' },
    { name: 'bad zone', body: spec({ zone: 'us-central1' }), field: 'spec.zone' },
    {
      name: 'bad subnet cidr',
      body: spec({ subnet: { cidr: '10.0.0.0/33' } }),
      field: 'spec.subnet.cidr',
    },
    {
      name: 'pods cidr not a cidr',
      body: spec({ subnet: { podsCidr: 'abc' } }),
      field: 'spec.subnet.podsCidr',
    },
    {
      name: 'zero nodes',
      body: spec({ cluster: { nodeCount: 0 } }),
      field: 'spec.cluster.nodeCount',
    },
    {
      name: 'nodes as text',
      body: spec({ cluster: { nodeCount: 'four' } }),
      field: 'spec.cluster.nodeCount',
    },
    {
      name: 'bad channel',
      body: spec({ cluster: { releaseChannel: 'BETA' } }),
      field: 'spec.cluster.releaseChannel',
    },
    { name: 'unknown field', body: spec({ colour: 'blue' }), field: 'spec.colour' },
    { name: 'bad api name', body: spec({ apis: ['not-a-service'] }), field: 'spec.apis[0]' },
    {
      name: 'bad taint effect',
      body: spec({ gatewayPool: { taint: { effect: 'SOMETIMES' } } }),
      field: 'spec.gatewayPool.taint.effect',
    },
    {
      name: 'bad mtls mode',
      body: spec({ mesh: { mtlsMode: 'OFF' } }),
      field: 'spec.mesh.mtlsMode',
    },
    {
      name: 'too many replicas',
      body: spec({ mesh: { egressGateway: { replicas: 100 } } }),
      field: 'spec.mesh.egressGateway.replicas',
    },
    {
      name: 'networks not a list',
      body: spec({ cluster: { authorizedNetworks: 'x' } }),
      field: 'spec.cluster.authorizedNetworks',
    },
    {
      name: 'short SA id',
      body: spec({ nodeServiceAccounts: { application: 'a' } }),
      field: 'spec.nodeServiceAccounts.application',
    },
    {
      name: 'bad dns name',
      body: spec({
        privateDns: {
          zones: [
            {
              name: 'z',
              dnsName: 'nodot',
              records: [{ name: 'a.nodot.', type: 'A', rrdatas: ['1.2.3.4'] }],
            },
          ],
        },
      }),
      field: 'spec.privateDns.zones[0].dnsName',
    },
    { name: 'a list body', body: [envDoc()], field: 'body' },
    {
      name: 'broken YAML',
      body: 'kind: [unclosed',
      contentType: 'application/yaml',
      field: 'body',
    },
    { name: 'plain text', body: 'hello', contentType: 'text/plain', field: 'body' },
    { name: 'empty body', body: '', contentType: 'application/yaml', field: 'body' },
    {
      name: 'bad Idempotency-Key',
      body: envDoc(),
      headers: { 'Idempotency-Key': 'has spaces in it' },
      field: 'Idempotency-Key',
    },
    {
      name: 'overlapping ranges',
      body: spec({ subnet: { podsCidr: '10.0.0.0/16' } }),
      field: 'spec.subnet.podsCidr',
    },
  ];

  it('answers each of 30 malformed bodies with a 4xx naming the field, and changes nothing', async () => {
    expect(cases).toHaveLength(30);
    const seeded = await request(server()).post('/v1/environments').send(envDoc('seeded'));
    expect(seeded.status).toBe(202);
    const before = await dumpFirestore(env.db);
    for (const c of cases) {
      let req = request(server()).post('/v1/environments');
      if (c.contentType) req = req.set('Content-Type', c.contentType);
      for (const [name, value] of Object.entries(c.headers ?? {})) req = req.set(name, value);
      const res = await req.send(c.body as object);
      const body = res.body as {
        kind?: string;
        field?: string;
        message?: string;
        errors?: { field?: string }[];
      };
      const fields = [body.field, ...(body.errors ?? []).map((e) => e.field)];
      expect({ case: c.name, status: res.status, json: res.type }).toEqual({
        case: c.name,
        status: 400,
        json: 'application/json',
      });
      expect(body.kind, c.name).toBe('invalid-request');
      expect(fields, `${c.name}: ${JSON.stringify(body)}`).toContain(c.field);
      expect(JSON.stringify(body), c.name).not.toMatch(/\n\s+at /);
    }
    expect(await dumpFirestore(env.db)).toEqual(before);
    expect(await pullAll(env.pubsub, env.requests)).toHaveLength(1);
  }, 60_000);

  it('refuses an environment that cannot express a tenant it already has, and stores nothing', async () => {
    await base.stores.tenants.put(
      'tutorial',
      parseTenant({
        apiVersion: 'egress.provisioner.dev/v1alpha1',
        kind: 'Tenant',
        metadata: { name: 'team-x' },
        spec: { environment: 'tutorial', namespace: 'team-x', egress: [{ host: 'example.com' }] },
      }),
    );
    const before = await dumpFirestore(env.db);
    // Moving the egress gateway into team-x's namespace passes the schema, but the compiler
    // reserves the gateway's namespace for the platform.
    const res = await request(server())
      .post('/v1/environments')
      .send(envDoc('tutorial', { mesh: { egressGateway: { namespace: 'team-x' } } }));
    const body = res.body as { reason?: string; field?: string; message?: string };
    expect(res.status, JSON.stringify(body)).toBe(400);
    expect(body).toMatchObject({ reason: 'gateway-cannot-express', field: 'spec.namespace' });
    expect(body.message).toContain('team-x');
    expect(await dumpFirestore(env.db)).toEqual(before);
    expect(await pullAll(env.pubsub, env.requests)).toHaveLength(0);
  });

  it('answers 413 above the body limit, naming the limit', async () => {
    const res = await request(server())
      .post('/v1/environments')
      .send({ ...envDoc(), padding: 'x'.repeat(300 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({
      kind: 'invalid-request',
      reason: 'body-too-large',
      field: 'body',
    });
    expect(res.body.message).toContain('262144');
  });

  it('answers unknown routes, methods and ids with JSON 4xx', async () => {
    const routes = await Promise.all([
      request(server()).get('/v2/nothing'),
      request(server()).put('/v1/environments'),
      request(server()).get('/v1/environments/Not_Valid'),
      request(server()).get('/v1/environments/absent'),
      request(server()).get('/v1/runs/run-0123456789abcdef'),
      request(server()).get('/v1/runs/not-a-run'),
      request(server()).delete('/v1/environments/absent'),
    ]);
    expect(routes.map((r) => [r.status, r.body.reason])).toEqual([
      [404, 'no-such-route'],
      [405, 'method-not-allowed'],
      [400, 'invalid-environment-id'],
      [404, 'not-found'],
      [404, 'not-found'],
      [404, 'not-found'],
      [404, 'not-found'],
    ]);
  });
});

describe('reading, planning and deleting', () => {
  it('shows the environment, its run with steps, its tenants, a plan, and deletes after the run ends', async () => {
    const created = await request(server()).post('/v1/environments').send(envDoc());
    const runId = (created.body as { runId: string }).runId;
    const got = await request(server()).get('/v1/environments/tutorial');
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: 'tutorial', status: 'PROVISIONING', currentRun: runId });

    await base.stores.runs.beginStep(runId, 'network');
    await base.stores.runs.completeStep(runId, 'network', { selfLink: 'n' });
    await base.stores.runs.beginStep(runId, 'apis');
    const run = await request(server()).get(`/v1/runs/${runId}`);
    expect(run.status).toBe(200);
    expect(run.body.run).toMatchObject({ id: runId, kind: 'provision', status: 'PENDING' });
    expect(
      run.body.steps.map((s: { step: string; status: string; attempts: number }) => [
        s.step,
        s.status,
        s.attempts,
      ]),
    ).toEqual([
      ['apis', 'RUNNING', 1],
      ['network', 'DONE', 1],
    ]);
    expect(run.body.steps[1].durationSeconds).toBeGreaterThanOrEqual(0);

    const plan = await request(server())
      .post('/v1/environments/tutorial:plan')
      .send(envDoc('tutorial', { cluster: { nodeCount: 6 }, subnet: { cidr: '10.0.0.0/24' } }));
    expect(plan.status).toBe(200);
    expect(plan.body).toEqual({
      environmentId: 'tutorial',
      exists: true,
      changes: [{ path: 'spec.cluster.nodeCount', from: 4, to: 6 }],
    });
    const mismatch = await request(server()).post('/v1/environments/other:plan').send(envDoc());
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.field).toBe('metadata.name');

    await base.stores.tenants.put(
      'tutorial',
      (await import('../shared/state/store-contract.js')).tenantDoc('team-x'),
    );
    const tenants = await request(server()).get('/v1/environments/tutorial/tenants');
    expect(tenants.body.tenants.map((t: { id: string }) => t.id)).toEqual(['team-x']);

    const busy = await request(server()).delete('/v1/environments/tutorial');
    expect(busy.status).toBe(409);
    const finalized = await request(getTestServer('finalize'))
      .post('/')
      .send({ runId, outcome: 'succeeded' });
    expect(finalized.body).toEqual({ runId, status: 'SUCCEEDED', again: false });
    expect((await base.stores.environments.get('tutorial'))?.status).toBe('READY');
    await pullAll(env.pubsub, env.requests);
    const deleted = await request(server())
      .delete('/v1/environments/tutorial')
      .set('Idempotency-Key', 'del-1');
    expect(deleted.status).toBe(202);
    expect(deleted.body).toMatchObject({ environmentId: 'tutorial', kind: 'teardown' });
    expect((await base.stores.environments.get('tutorial'))?.status).toBe('DELETING');
    expect(await pullAll(env.pubsub, env.requests)).toMatchObject([{ data: { kind: 'teardown' } }]);
  });
});

describe('authentication', () => {
  const token = signedIdToken;

  beforeEach(() => requireIdTokens(base, ['ok@example.com']));

  it('requires a valid Google-signed ID token for the allowed caller', async () => {
    const get = (authorization?: string) => {
      const req = request(server()).get('/v1/environments/absent');
      return authorization ? req.set('Authorization', authorization) : req;
    };
    const results = await Promise.all([
      get(),
      get('Basic abc'),
      get(`Bearer ${token({ aud: 'https://other.example', email: 'ok@example.com' })}`),
      get(`Bearer ${token({ aud: 'https://api.example', email: 'ok@example.com', exp: 1 })}`),
      get(`Bearer ${token({ aud: 'https://api.example', email: 'intruder@example.com' })}`),
      get(`Bearer ${token({ aud: 'https://api.example', email: 'ok@example.com' })}`),
    ]);
    expect(results.map((r) => [r.status, r.body.kind, r.body.reason])).toEqual([
      [401, 'unauthenticated', 'missing-token'],
      [401, 'unauthenticated', 'missing-token'],
      [401, 'unauthenticated', 'invalid-token'],
      [401, 'unauthenticated', 'invalid-token'],
      [403, 'forbidden', 'forbidden'],
      [404, 'not-found', 'not-found'],
    ]);
    expect(results[0]?.headers['www-authenticate']).toBe('Bearer');
  });
});

/**
 * Issue 16, finding 3 (per-caller authorization) and 10 (tenant admission), tried as an
 * attacker would through the api in the real functions-framework on the Firestore and Pub/Sub
 * emulators, callers proving who they are with Google-signed ID tokens:
 * - tenant changes come through `PUT`/`DELETE /v1/environments/{env}/tenants/{name}` as the
 *   caller; only an admin, or a manager whose pattern (`spec.tenantManagers`) covers the name,
 *   may make them; a refusal is a 4xx naming field and rule, and writes nothing;
 * - reads are for admins, viewers and managers (a manager lists only its own tenants);
 * - one caller's Idempotency-Key never answers another caller's request;
 * - two concurrent admissions claiming one namespace: one is stored, the other refused (the
 *   checks against stored tenants run in the transaction that writes).
 */
import request from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import { getTestServer } from '../../functions/testing.js';
import { dumpFirestore } from '../support/firestore-dump.js';
import { environmentRequest, pullAll } from '../support/functions-env.js';
import {
  ADMIN,
  bearer,
  MANAGER,
  postTutorialWithRoles,
  STRANGER,
  useIdTokenApi,
  VIEWER,
} from '../support/id-tokens.js';

// The emulators run on two cores shared by many suites: contention makes them slow, not wrong.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 120_000 });

const api = useIdTokenApi();
const server = () => getTestServer('api');

const tenantDoc = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'egress.provisioner.dev/v1alpha1',
  kind: 'Tenant',
  metadata: { name },
  spec: { environment: 'tutorial', egress: [{ host: 'example.com' }], ...spec },
});

const tenantPath = (name: string) => `/v1/environments/tutorial/tenants/${name}`;
const put = (email: string, name: string, doc: object = tenantDoc(name)) =>
  request(server()).put(tenantPath(name)).set('Authorization', bearer(email)).send(doc);
const get = (email: string, path: string) =>
  request(server()).get(path).set('Authorization', bearer(email));

/** Environment tutorial created by ADMIN, MANAGER managing `team-*`, VERA viewing; settled. */
async function createEnvironment(): Promise<void> {
  const created = await postTutorialWithRoles();
  expect(created.status).toBe(202);
  const holder = (await api.ctx.stores.environments.get('tutorial'))?.lease?.holder;
  if (!holder) throw new Error('environment tutorial holds no lease');
  await api.ctx.stores.runs.finish(holder, 'SUCCEEDED');
  await api.ctx.stores.environments.releaseLease('tutorial', holder);
  await api.ctx.stores.environments.update('tutorial', { status: 'READY' });
  await pullAll(api.env.pubsub, api.env.requests);
}

/** Sends `attempt`; expects `status` and `reason` (and `field` when given), nothing written. */
async function expectRefused(
  attempt: () => Promise<request.Response>,
  expected: { status: number; reason: string; field?: string },
): Promise<request.Response> {
  const before = await dumpFirestore(api.env.db);
  const res = await attempt();
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect({ status: res.status, reason: res.body.reason, field: res.body.field }).toEqual({
    status: expected.status,
    reason: expected.reason,
    field: expected.field,
  });
  expect(await dumpFirestore(api.env.db)).toEqual(before);
  return res;
}

describe('tenant changes through the API, as the caller', () => {
  it('lets a manager change the tenants its pattern covers, and no others', async () => {
    await createEnvironment();
    const accepted = await put(MANAGER, 'team-x');
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ tenant: 'team-x', generation: 1, status: 'PENDING' });
    expect(accepted.headers.location).toBe(`/v1/runs/${accepted.body.runId}`);
    expect(accepted.headers.etag).toBe('"1"');
    const run = await api.ctx.stores.runs.get(accepted.body.runId);
    expect(run).toMatchObject({ kind: 'tenants', trigger: { caller: `user:${MANAGER}` } });

    const refused = await expectRefused(() => put(MANAGER, 'billing-app'), {
      status: 403,
      reason: 'not-tenant-manager',
    });
    expect(refused.body.message).toContain('user:bob@example.com');
    await expectRefused(() => put(STRANGER, 'team-z'), {
      status: 403,
      reason: 'not-tenant-manager',
    });
    await expectRefused(() => put(VIEWER, 'team-z'), { status: 403, reason: 'not-tenant-manager' });
    await expectRefused(
      () => request(server()).delete(tenantPath('team-x')).set('Authorization', bearer(STRANGER)),
      { status: 403, reason: 'not-tenant-manager' },
    );
    // The admin manages every tenant.
    expect((await put(ADMIN, 'billing-app')).status).toBe(202);
  });

  it('answers a refused document with its 4xx, naming field and rule, storing nothing', async () => {
    await createEnvironment();
    await expectRefused(
      () =>
        put(
          MANAGER,
          'team-x',
          tenantDoc('team-x', { egress: [{ host: 'metadata.google.internal' }] }),
        ),
      { status: 400, reason: 'host-not-external', field: 'spec.egress[0].host' },
    );
    await expectRefused(() => put(MANAGER, 'team-x', tenantDoc('team-y')), {
      status: 400,
      reason: 'name-mismatch',
      field: 'metadata.name',
    });
    await expectRefused(
      () => put(MANAGER, 'team-x', { ...tenantDoc('team-x'), spec: { environment: 'other' } }),
      { status: 400, reason: 'environment-mismatch', field: 'spec.environment' },
    );
    await expectRefused(
      () =>
        request(server())
          .put('/v1/environments/absent/tenants/team-x')
          .set('Authorization', bearer(ADMIN))
          .send({ ...tenantDoc('team-x'), spec: { environment: 'absent' } }),
      { status: 404, reason: 'environment-not-found', field: 'environmentId' },
    );
  });

  it('refuses a change made against a generation that is no longer stored (If-Match)', async () => {
    await createEnvironment();
    expect((await put(MANAGER, 'team-x')).status).toBe(202);
    const changed = tenantDoc('team-x', { egress: [{ host: 'www.example.com' }] });
    await expectRefused(() => put(MANAGER, 'team-x', changed).set('If-Match', '"7"'), {
      status: 412,
      reason: 'generation-mismatch',
      field: 'If-Match',
    });
    const matched = await put(MANAGER, 'team-x', changed).set('If-Match', '"1"');
    expect([matched.status, matched.body.generation]).toEqual([202, 2]);
  });

  it('offboards with DELETE: the stored tenant becomes absent, applied by a tenants run', async () => {
    await createEnvironment();
    expect((await put(MANAGER, 'team-x')).status).toBe(202);
    const deleted = await request(server())
      .delete(tenantPath('team-x'))
      .set('Authorization', bearer(MANAGER));
    expect(deleted.status).toBe(202);
    expect((await api.ctx.stores.tenants.get('tutorial', 'team-x'))?.spec.spec.state).toBe(
      'absent',
    );
    await expectRefused(
      () => request(server()).delete(tenantPath('team-q')).set('Authorization', bearer(MANAGER)),
      { status: 404, reason: 'tenant-not-found' },
    );
  });

  it('lets admins, viewers and managers read; a manager lists only its own tenants', async () => {
    await createEnvironment();
    expect((await put(ADMIN, 'billing-app')).status).toBe(202);
    expect((await put(MANAGER, 'team-x')).status).toBe(202);
    const names = async (email: string) =>
      ((await get(email, '/v1/environments/tutorial/tenants')).body.tenants as { id: string }[])
        .map((t) => t.id)
        .sort();
    expect(await names(ADMIN)).toEqual(['billing-app', 'team-x']);
    expect(await names(VIEWER)).toEqual(['billing-app', 'team-x']);
    expect(await names(MANAGER)).toEqual(['team-x']);
    expect((await get(MANAGER, tenantPath('team-x'))).status).toBe(200);
    const hidden = await get(MANAGER, tenantPath('billing-app'));
    expect([hidden.status, hidden.body.reason]).toEqual([403, 'not-tenant-reader']);
    for (const path of [
      '/v1/environments/tutorial',
      '/v1/environments/tutorial/tenants',
      tenantPath('team-x'),
    ]) {
      const refused = await get(STRANGER, path);
      expect([refused.status, refused.body.reason], path).toEqual([403, 'not-environment-reader']);
    }
  });

  it("never answers one caller's Idempotency-Key with another caller's run", async () => {
    await createEnvironment();
    const first = await put(ADMIN, 'team-x').set('Idempotency-Key', 'shared-key');
    const replay = await put(ADMIN, 'team-x').set('Idempotency-Key', 'shared-key');
    expect(replay.body.runId).toBe(first.body.runId);
    await api.ctx.stores.runs.finish(first.body.runId, 'SUCCEEDED');
    await api.ctx.stores.environments.releaseLease('tutorial', first.body.runId);
    const other = await put(MANAGER, 'team-x').set('Idempotency-Key', 'shared-key');
    expect(other.status).toBe(202);
    expect(other.body.runId).not.toBe(first.body.runId);
    // Environments too: the same key from a non-admin is its own request, refused on its own.
    const created = await request(server())
      .post('/v1/environments')
      .set('Authorization', bearer(ADMIN))
      .set('Idempotency-Key', 'env-key')
      .send(environmentRequest('tutorial', { viewers: [`user:${VIEWER}`] }));
    expect(created.status).toBe(409); // the manager's tenants run holds the environment
    const stolen = await request(server())
      .post('/v1/environments')
      .set('Authorization', bearer(STRANGER))
      .set('Idempotency-Key', 'env-key')
      .send(environmentRequest('tutorial', { viewers: [`user:${VIEWER}`] }));
    expect([stolen.status, stolen.body.reason]).toEqual([403, 'not-environment-admin']);
  });

  it('stores one of two concurrent tenants claiming one namespace, and refuses the other', async () => {
    await createEnvironment();
    const before = await dumpFirestore(api.env.db);
    const [a, b] = await Promise.all([
      put(MANAGER, 'team-a', tenantDoc('team-a', { namespace: 'shared' })),
      put(MANAGER, 'team-b', tenantDoc('team-b', { namespace: 'shared' })),
    ]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([202, 400]);
    const loser = a.status === 400 ? a : b;
    expect([loser.body.reason, loser.body.field]).toEqual([
      'duplicate-namespace',
      'spec.namespace',
    ]);
    const stored = (await api.ctx.stores.tenants.list('tutorial')).map((t) => t.id);
    expect(stored).toHaveLength(1);
    expect(Object.keys(before).length).toBeLessThan(
      Object.keys(await dumpFirestore(api.env.db)).length,
    );
  });
});

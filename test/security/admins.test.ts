/**
 * Issue 16, finding 3 (per-caller authorization), environment admins: only the creator of an
 * environment and the principals its STORED spec names in `spec.admins` may change or delete it.
 * Callers prove who they are with Google-signed ID tokens, verified by google-auth-library's own
 * verifyIdToken against certificates served locally; the api runs in the functions framework on
 * the Firestore and Pub/Sub emulators.
 */
import request from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import { getTestServer } from '../../functions/testing.js';
import { dumpFirestore } from '../support/firestore-dump.js';
import { environmentRequest, pullAll } from '../support/functions-env.js';
import { idToken, useIdTokenApi } from '../support/id-tokens.js';

// The emulators run on two cores shared by many suites: contention makes them slow, not wrong.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 120_000 });

const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';
const ROBOT = 'robot@tutorial-project.iam.gserviceaccount.com';

const api = useIdTokenApi();
const server = () => getTestServer('api');

const post = (email: string, spec: Record<string, unknown> = {}) =>
  request(server())
    .post('/v1/environments')
    .set('Authorization', `Bearer ${idToken(email)}`)
    .send(environmentRequest('tutorial', spec));

const del = (email: string) =>
  request(server())
    .delete('/v1/environments/tutorial')
    .set('Authorization', `Bearer ${idToken(email)}`);

/** Ends the run that holds environment tutorial, so the next request is not answered busy. */
async function settle(): Promise<void> {
  const stored = await api.ctx.stores.environments.get('tutorial');
  const holder = stored?.lease?.holder;
  if (!holder) throw new Error('environment tutorial holds no lease');
  await api.ctx.stores.runs.finish(holder, 'SUCCEEDED');
  await api.ctx.stores.environments.releaseLease('tutorial', holder);
  await pullAll(api.env.pubsub, api.env.requests);
}

/** Sends `attempt` and expects 403 not-environment-admin naming `caller`, with nothing written. */
async function expectRefused(caller: string, attempt: () => Promise<request.Response>) {
  const before = await dumpFirestore(api.env.db);
  const res = await attempt();
  expect([res.status, res.body.kind, res.body.reason]).toEqual([
    403,
    'forbidden',
    'not-environment-admin',
  ]);
  expect(res.body.message).toContain(caller);
  expect(res.body.message).toContain('environment tutorial');
  expect(await dumpFirestore(api.env.db)).toEqual(before);
  expect(await pullAll(api.env.pubsub, api.env.requests)).toEqual([]);
}

describe('environment admins', () => {
  it('records the creator; another caller may neither change nor delete the environment', async () => {
    const created = await post(ALICE);
    expect(created.status).toBe(202);
    expect((await api.ctx.stores.environments.get('tutorial'))?.createdBy).toBe(`user:${ALICE}`);
    await settle();

    await expectRefused(`user:${BOB}`, () => post(BOB, { apis: ['dns.googleapis.com'] }));
    await expectRefused(`user:${BOB}`, () => del(BOB));
    // A caller cannot make themselves admin by listing themselves in the spec they send.
    await expectRefused(`user:${BOB}`, () => post(BOB, { admins: [`user:${BOB}`] }));

    // The creator still may.
    expect((await post(ALICE, { apis: ['dns.googleapis.com'] })).status).toBe(202);
  });

  it('lets the principals the stored spec names change and delete it', async () => {
    expect((await post(ALICE)).status).toBe(202);
    await settle();
    expect((await post(ALICE, { admins: [`user:${BOB}`, `serviceAccount:${ROBOT}`] })).status).toBe(
      202,
    );
    await settle();
    // bob, now an admin, may update (the creator stays an admin even when not listed).
    const updated = await post(BOB, { admins: [`serviceAccount:${ROBOT}`] });
    expect(updated.status).toBe(202);
    const stored = await api.ctx.stores.environments.get('tutorial');
    expect(stored?.createdBy).toBe(`user:${ALICE}`);
    expect(stored?.spec.spec.admins).toEqual([`serviceAccount:${ROBOT}`]);
    await settle();
    // bob removed himself: refused now; the service account (serviceAccount: principal) may delete.
    await expectRefused(`user:${BOB}`, () => del(BOB));
    expect((await del(ROBOT)).status).toBe(202);
  });

  it('lets only its admins and viewers read; anyone may create it anew after it was deleted', async () => {
    expect((await post(ALICE)).status).toBe(202);
    const read = (email: string, path = '/v1/environments/tutorial') =>
      request(server())
        .get(path)
        .set('Authorization', `Bearer ${idToken(email)}`);
    const runId = (await api.ctx.stores.environments.get('tutorial'))?.lease?.holder;
    for (const path of [
      '/v1/environments/tutorial',
      '/v1/environments/tutorial/tenants',
      `/v1/runs/${runId}`,
    ]) {
      const refused = await read(BOB, path);
      expect([refused.status, refused.body.reason], path).toEqual([403, 'not-environment-reader']);
      expect((await read(ALICE, path)).status, path).toBe(200);
    }
    await settle();
    expect((await post(ALICE, { viewers: [`user:${BOB}`] })).status).toBe(202);
    expect((await read(BOB)).status).toBe(200);
    // A viewer reads; it does not change.
    await settle();
    await expectRefused(`user:${BOB}`, () => del(BOB));
    expect((await del(ALICE)).status).toBe(202);
    await settle();
    // The teardown ran to its end (finalize marks the environment DELETED).
    await api.ctx.stores.environments.update('tutorial', { status: 'DELETED' });
    expect((await post(BOB)).status).toBe(202);
    expect((await api.ctx.stores.environments.get('tutorial'))?.createdBy).toBe(`user:${BOB}`);
  });
});

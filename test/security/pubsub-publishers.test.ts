/**
 * Issue 16, finding 3 on the Pub/Sub path ("any publisher may rewrite or offboard any tenant"),
 * tried as an attacker would: each environment has its own topic, `tenants-<environment>`, whose
 * publishers are exactly those who may manage every tenant of it (its admins, its creator, the
 * managers of `*`); tenant-events takes the environment from the topic the push came through.
 * Real pieces: the GCP simulator's Pub/Sub API (topic IAM, publish authorized by the caller's
 * access token) over Google's Pub/Sub emulator, whose push reaches tenant-events running in
 * functions-framework, on the Firestore emulator. A refused publish changes nothing.
 */
import { PassThroughClient } from 'google-auth-library';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getTestServer } from '../../functions/testing.js';
import { startGcpSimulator, type GcpSimulator } from '../../local/gcp/index.js';
import { TokenIssuer, accessTokenPrincipal } from '../../local/metadata/index.js';
import { PubsubAdapter } from '../../shared/gcp/index.js';
import { ensureTenantIntake } from '../../shared/steps/tenant-intake.js';
import { dumpFirestore } from '../support/firestore-dump.js';
import { environmentRequest, pullAll } from '../support/functions-env.js';
import {
  productionProcessEnv,
  startFramework,
  type FrameworkProcess,
} from '../support/functions-framework.js';
import { bearer, useIdTokenApi } from '../support/id-tokens.js';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 120_000 });

const ADMIN = 'alice@example.com';
const ALL_TENANTS = 'carol@example.com';
const SOME_TENANTS = 'bob@example.com';
const STRANGER = 'mallory@example.com';

const api = useIdTokenApi();
const issuer = new TokenIssuer();
let sim: GcpSimulator;
let events: FrameworkProcess;

const tenantDoc = (name: string) => ({
  apiVersion: 'egress.provisioner.dev/v1alpha1',
  kind: 'Tenant',
  metadata: { name },
  spec: { environment: 'tutorial', egress: [{ host: 'example.com' }] },
});

beforeAll(async () => {
  sim = await startGcpSimulator({
    pubsubEmulatorHost: process.env.PUBSUB_EMULATOR_HOST!,
    verifyAccessToken: accessTokenPrincipal(issuer.jwks()),
  });
  events = await startFramework('tenant-events', productionProcessEnv(api.env), 'cloudevent');
});

afterAll(async () => {
  await events?.stop();
  await sim?.close();
});

/** Environment tutorial created by ADMIN through the api, with its intake kept by the step. */
async function environmentWithIntake(): Promise<string> {
  const created = await request(getTestServer('api'))
    .post('/v1/environments')
    .set('Authorization', bearer(ADMIN))
    .send(
      environmentRequest('tutorial', {
        tenantManagers: [
          { principal: `user:${SOME_TENANTS}`, tenants: ['team-*'] },
          { principal: `user:${ALL_TENANTS}`, tenants: ['*'] },
        ],
      }),
    );
  expect(created.status).toBe(202);
  const stored = await api.ctx.stores.environments.get('tutorial');
  if (!stored?.lease) throw new Error('environment tutorial holds no lease');
  await api.ctx.stores.runs.finish(stored.lease.holder, 'SUCCEEDED');
  await api.ctx.stores.environments.releaseLease('tutorial', stored.lease.holder);
  await pullAll(api.env.pubsub, api.env.requests);
  const intake = await ensureTenantIntake(stored.spec, stored.createdBy, {
    pubsub: new PubsubAdapter(new PassThroughClient(), sim.url),
    target: { project: api.env.projectId, tenantEventsUrl: events.url },
  });
  return String(intake.intakeTopic);
}

async function publish(
  topic: string,
  doc: unknown,
  email?: string,
): Promise<{ status: number; body: { messageIds?: string[]; error?: Record<string, unknown> } }> {
  const res = await fetch(`${sim.url}/v1/${topic}:publish`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(email ? { authorization: `Bearer ${issuer.accessToken(email).access_token}` } : {}),
    },
    body: JSON.stringify({
      messages: [{ data: Buffer.from(JSON.stringify(doc)).toString('base64') }],
    }),
  });
  return { status: res.status, body: (await res.json()) as never };
}

async function recordOf(messageId: string) {
  for (let i = 0; i < 150; i += 1) {
    const record = await api.ctx.stores.runs.getMessage(messageId);
    if (record) return record;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`message ${messageId} never reached tenant-events`);
}

describe('the Pub/Sub path authenticates its publisher by the topic IAM', () => {
  it('refuses every publisher but those who may manage every tenant, writing nothing', async () => {
    const topic = await environmentWithIntake();
    expect(topic).toBe(`projects/${api.env.projectId}/topics/tenants-tutorial`);
    const before = await dumpFirestore(api.env.db);
    for (const caller of [STRANGER, SOME_TENANTS, undefined]) {
      const refused = await publish(topic, tenantDoc('team-x'), caller);
      expect(refused.status, caller ?? 'no token').toBe(caller ? 403 : 401);
      expect(refused.body.error).toMatchObject(
        caller
          ? { status: 'PERMISSION_DENIED', message: 'User not authorized to perform this action.' }
          : { status: 'UNAUTHENTICATED' },
      );
    }
    // Had anything been let through, its push would have arrived by now.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await dumpFirestore(api.env.db)).toEqual(before);
  });

  it('lets the admin and a manager of every tenant publish; the topic names the environment', async () => {
    const topic = await environmentWithIntake();
    for (const [caller, name] of [
      [ADMIN, 'team-a'],
      [ALL_TENANTS, 'billing'],
    ] as const) {
      const sent = await publish(topic, tenantDoc(name), caller);
      expect(sent.status).toBe(200);
      const record = await recordOf(sent.body.messageIds![0]!);
      // The second joins the run the first started (coalesced): both are admitted.
      expect(record).toMatchObject({
        outcome: expect.stringMatching(/^(accepted|coalesced)$/) as unknown,
        environment: 'tutorial',
        tenant: name,
        topic,
      });
    }
    expect((await api.ctx.stores.tenants.list('tutorial')).map((t) => t.id).sort()).toEqual([
      'billing',
      'team-a',
    ]);
  });
});

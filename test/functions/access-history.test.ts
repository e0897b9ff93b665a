/**
 * The access history through the functions on the Firestore emulator: the tenants step's
 * result, when it becomes the environment's, records exactly the cells it changed (a tenant
 * onboarded gains, one offboarded loses, a teardown takes everything), once however often the
 * step or finalize is called again; `GET /v1/environments/{env}/access-history` lists them newest
 * first, page by page, to the environment's readers, a tenant manager seeing only its tenants.
 */
import request from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import type { StepContext } from '../../shared/core/step-contract.js';
import { TenantSchema, tenantNamespace, type Tenant } from '../../shared/spec/index.js';
import type { AccessHistoryEntry } from '../../shared/state/types.js';
import { getTestServer, overrideContext, type StepRegistry } from '../../functions/testing.js';
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

/**
 * A tenants step that answers as the real one records: a row per present tenant and host it is
 * granted (allowed, TLS origination), and one denied request per tenant that never changes.
 */
const rowsOf = (ctx: StepContext) =>
  ctx.tenants
    .filter((t) => t.spec.state === 'present')
    .flatMap((t) => [
      ...t.spec.egress.map(
        (rule) => `${tenantNamespace(t)} GET http://${rule.host} ALLOWED tls-origination`,
      ),
      `${tenantNamespace(t)} GET http://sampled-ungranted.example DENIED_NO_ROUTE`,
    ]);
const stepCalls: number[] = [];
const registry: StepRegistry = {
  tenants: {
    async ensure(ctx) {
      stepCalls.push(ctx.attempt);
      return { status: 'done', outputs: { reachability: rowsOf(ctx), objects: 1 } };
    },
    remove: async () => ({ status: 'done', outputs: {} }),
  },
};

const tenant = (name: string, hosts: string[], extra: Record<string, unknown> = {}): Tenant =>
  TenantSchema.parse({
    apiVersion: 'egress.provisioner.dev/v1alpha1',
    kind: 'Tenant',
    metadata: { name },
    spec: { environment: 'tutorial', egress: hosts.map((host) => ({ host })), ...extra },
  });

const post = (fn: string, body: object) => request(getTestServer(fn)).post('/').send(body);
const history = (email: string, query = '') =>
  request(getTestServer('api'))
    .get(`/v1/environments/tutorial/access-history${query}`)
    .set('Authorization', bearer(email));

/** One line per entry: what a test compares. */
const line = (e: AccessHistoryEntry) =>
  `${e.change} ${e.tenant} ${e.method} ${e.url} ${e.from?.verdict ?? '-'}→${e.to?.verdict ?? '-'}`;

/** Environment tutorial as ADMIN creates it through the API: its provision run's id. */
async function createEnvironment(): Promise<string> {
  overrideContext({ steps: registry });
  stepCalls.length = 0;
  const created = await postTutorialWithRoles();
  expect(created.status).toBe(202);
  return created.body.runId as string;
}

/** Ends `runId` as the workflow would, twice (a retried finalize). */
async function finalize(runId: string): Promise<void> {
  for (let i = 0; i < 2; i++) {
    const res = await post('finalize', { runId, outcome: 'succeeded' });
    expect(res.body).toMatchObject({ runId, status: 'SUCCEEDED', again: false });
  }
}

async function startRun(kind: 'tenants' | 'teardown', messageId: string): Promise<string> {
  const started = await api.ctx.stores.runs.startRun({
    kind,
    environmentId: 'tutorial',
    trigger: { type: 'pubsub', messageId },
    requestHash: messageId,
    leaseSeconds: 600,
  });
  if (started.outcome !== 'created') throw new Error(`run not created: ${started.outcome}`);
  return started.run.id;
}

/** Every entry, as ADMIN reads them with the default page. */
async function allEntries(): Promise<AccessHistoryEntry[]> {
  const res = await history(ADMIN);
  expect(res.status).toBe(200);
  expect(res.body.nextPageToken).toBeUndefined();
  return res.body.entries as AccessHistoryEntry[];
}

describe('access history: what a tenants step applied', () => {
  it('records the cells an onboard gains and an offboard loses, once each, with run and trigger', async () => {
    const provision = await createEnvironment();
    await api.ctx.stores.tenants.put('tutorial', tenant('team-x', ['example.com']));
    await api.ctx.stores.tenants.put(
      'tutorial',
      tenant('team-y', ['httpbin.org', 'example.org'], { namespace: 'ns-y' }),
    );
    // The step called twice (a workflow retry after a lost answer) and finalize twice.
    for (let i = 0; i < 2; i++) {
      const res = await post('step-tenants', { runId: provision, step: 'tenants' });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    expect(stepCalls).toEqual([1, 2]);
    await finalize(provision);
    const onboarded = await allEntries();
    expect(onboarded.map(line)).toEqual([
      'gained team-x GET http://example.com -→ALLOWED',
      'gained team-y GET http://example.org -→ALLOWED',
      'gained team-y GET http://httpbin.org -→ALLOWED',
    ]);
    expect(onboarded[1]).toMatchObject({
      tenant: 'team-y',
      namespace: 'ns-y',
      to: { verdict: 'ALLOWED', via: 'tls-origination' },
      run: { id: provision, kind: 'provision', trigger: { type: 'http', caller: `user:${ADMIN}` } },
    });
    expect(onboarded[0]?.namespace).toBeUndefined();
    expect((await api.ctx.stores.environments.get('tutorial'))?.outputs.tenants).toMatchObject({
      objects: 1,
    });

    // Offboarding team-y, by a Pub/Sub message: its cells are lost; team-x's stay unrecorded.
    const offboard = await startRun('tenants', 'msg-7');
    await api.ctx.stores.tenants.put(
      'tutorial',
      tenant('team-y', ['httpbin.org', 'example.org'], { namespace: 'ns-y', state: 'absent' }),
    );
    expect((await post('step-tenants', { runId: offboard, step: 'tenants' })).status).toBe(200);
    expect((await post('step-tenants', { runId: offboard, step: 'tenants' })).status).toBe(200);
    await finalize(offboard);
    const entries = await allEntries();
    expect(entries.map(line)).toEqual([
      'lost team-y GET http://example.org ALLOWED→-',
      'lost team-y GET http://httpbin.org ALLOWED→-',
      ...onboarded.map(line),
    ]);
    expect(entries[0]).toMatchObject({
      namespace: 'ns-y',
      run: { id: offboard, kind: 'tenants', trigger: { type: 'pubsub', messageId: 'msg-7' } },
    });
    expect(entries[0]!.appliedAt > onboarded[0]!.appliedAt).toBe(true);

    // A teardown's end takes every remaining cell away, once.
    const teardown = await startRun('teardown', 'msg-8');
    await finalize(teardown);
    const afterTeardown = (await allEntries()).map(line);
    expect(afterTeardown).toEqual([
      'lost team-x GET http://example.com ALLOWED→-',
      ...entries.map(line),
    ]);
  });

  it('records nothing for a run that changes no cell', async () => {
    const provision = await createEnvironment();
    await api.ctx.stores.tenants.put('tutorial', tenant('team-x', ['example.com']));
    await post('step-tenants', { runId: provision, step: 'tenants' });
    await finalize(provision);
    const again = await startRun('tenants', 'msg-1');
    expect((await post('step-tenants', { runId: again, step: 'tenants' })).status).toBe(200);
    await finalize(again);
    expect((await allEntries()).map((e) => e.run.id)).toEqual([provision]);
  });
});

describe('GET /v1/environments/{env}/access-history', () => {
  /** tutorial with team-a, team-b (MANAGER's) and billing (not), each gaining 2 cells. */
  async function populated(): Promise<void> {
    const provision = await createEnvironment();
    for (const name of ['team-a', 'team-b', 'billing']) {
      await api.ctx.stores.tenants.put(
        'tutorial',
        tenant(name, [`${name}.example`, 'shared.example']),
      );
    }
    expect((await post('step-tenants', { runId: provision, step: 'tenants' })).status).toBe(200);
    await finalize(provision);
  }

  it('lets admins and viewers read every cell, a manager its tenants, nobody else', async () => {
    await populated();
    const tenantsOf = (res: request.Response) => [
      ...new Set((res.body.entries as AccessHistoryEntry[]).map((e) => e.tenant)),
    ];
    expect(tenantsOf(await history(ADMIN))).toEqual(['billing', 'team-a', 'team-b']);
    expect(tenantsOf(await history(VIEWER))).toEqual(['billing', 'team-a', 'team-b']);
    expect(tenantsOf(await history(MANAGER))).toEqual(['team-a', 'team-b']);
    expect(tenantsOf(await history(MANAGER, '?tenant=team-b'))).toEqual(['team-b']);
    expect(tenantsOf(await history(VIEWER, '?tenant=billing'))).toEqual(['billing']);

    const foreign = await history(MANAGER, '?tenant=billing');
    expect([foreign.status, foreign.body.reason, foreign.body.field]).toEqual([
      403,
      'not-tenant-reader',
      'tenant',
    ]);
    const stranger = await history(STRANGER);
    expect([stranger.status, stranger.body.reason]).toEqual([403, 'not-environment-reader']);
    const unknown = await request(getTestServer('api'))
      .get('/v1/environments/nope/access-history')
      .set('Authorization', bearer(ADMIN));
    expect(unknown.status).toBe(404);
    const posted = await request(getTestServer('api'))
      .post('/v1/environments/tutorial/access-history')
      .set('Authorization', bearer(ADMIN))
      .send({});
    expect([posted.status, posted.headers.allow]).toEqual([405, 'GET']);
  });

  it('pages with limit and pageToken, without loss or repeat, and refuses bad parameters', async () => {
    await populated();
    const everything = (await history(ADMIN)).body.entries as AccessHistoryEntry[];
    expect(everything).toHaveLength(6);
    for (const [email, expected] of [
      [ADMIN, everything],
      [MANAGER, everything.filter((e) => e.tenant !== 'billing')],
    ] as const) {
      const paged: AccessHistoryEntry[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const query = `?limit=1${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`;
        const res = await history(email, query);
        expect(res.status).toBe(200);
        expect(res.body.entries.length).toBeLessThanOrEqual(1);
        paged.push(...res.body.entries);
        token = res.body.nextPageToken;
        pages += 1;
      } while (token && pages < 20);
      expect(paged).toEqual(expected);
    }
    for (const [query, reason, field] of [
      ['?limit=0', 'invalid-limit', 'limit'],
      ['?limit=ten', 'invalid-limit', 'limit'],
      ['?pageToken=not-a-token', 'invalid-page-token', 'pageToken'],
      [
        `?pageToken=${Buffer.from('["x",-1]').toString('base64url')}`,
        'invalid-page-token',
        'pageToken',
      ],
      ['?tenant=Team_X', 'invalid-tenant-name', 'tenant'],
    ]) {
      const res = await history(ADMIN, query);
      expect([res.status, res.body.reason, res.body.field], query).toEqual([400, reason, field]);
    }
  });
});

/**
 * The API reads the console is drawn from (functions/lib/console-*.ts), in the real
 * functions-framework on the Firestore and Pub/Sub emulators, callers proving who they are with
 * Google-signed ID tokens: `GET /v1/environments`, `.../runs`, `.../reachability` and its traces
 * are for the environment's admins, viewers and tenant managers (a manager sees its own tenants'
 * rows, hosts and findings only), and the console's files are served behind the same
 * authentication.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { getTestServer } from '../../functions/testing.js';
import { ADMIN, bearer, MANAGER, STRANGER, useIdTokenApi, VIEWER } from '../support/id-tokens.js';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 120_000 });

const api = useIdTokenApi();
const server = () => getTestServer('api');
const get = (email: string | undefined, path: string) => {
  const req = request(server()).get(path);
  return email ? req.set('Authorization', bearer(email)) : req;
};

const example = (name: string) =>
  parse(readFileSync(`examples/tutorial/${name}.yaml`, 'utf8')) as Record<string, unknown>;

interface Reachability {
  requests: Array<{ method: string; url: string; ungranted: boolean }>;
  rows: Array<{
    tenant: string;
    cells: Array<{ verdict: string; via?: string; granted: boolean; decidedBy: string }>;
  }>;
  findings: Array<{ kind: string; tenant?: string; host?: string }>;
}

/** The tutorial created by ADMIN with its two tenants; MANAGER manages team-y; VERA views. */
async function tutorial(): Promise<void> {
  const environment = example('environment') as { spec: Record<string, unknown> };
  environment.spec.tenantManagers = [{ principal: `user:${MANAGER}`, tenants: ['team-y'] }];
  environment.spec.viewers = [`user:${VIEWER}`];
  const created = await request(server())
    .post('/v1/environments')
    .set('Authorization', bearer(ADMIN))
    .send(environment);
  expect(created.status, JSON.stringify(created.body)).toBe(202);
  for (const name of ['team-x', 'team-y']) {
    const put = await request(server())
      .put(`/v1/environments/tutorial/tenants/${name}`)
      .set('Authorization', bearer(ADMIN))
      .send(example(name));
    expect(put.status, JSON.stringify(put.body)).toBe(202);
  }
}

/** The cell of `tenant` × `method url`. */
function cell(view: Reachability, tenant: string, method: string, url: string) {
  const column = view.requests.findIndex((r) => r.method === method && r.url === url);
  expect(column, `${method} ${url} in ${JSON.stringify(view.requests)}`).toBeGreaterThanOrEqual(0);
  return view.rows.find((row) => row.tenant === tenant)?.cells[column];
}

describe('the console reads', () => {
  it('lists the environments each caller may read, with last run, tenant and findings counts', async () => {
    await tutorial();
    const asAdmin = await get(ADMIN, '/v1/environments');
    expect(asAdmin.status).toBe(200);
    const [summary] = asAdmin.body.environments;
    expect(summary).toMatchObject({
      id: 'tutorial',
      project: 'tutorial-project',
      status: 'PROVISIONING',
      tenants: 2,
      lastRun: { kind: 'provision', status: 'PENDING' },
    });
    const matrix = await get(ADMIN, '/v1/environments/tutorial/reachability');
    expect(summary.findings).toBe(matrix.body.findings.length);
    expect(summary.findings).toBeGreaterThan(0);

    const asManager = await get(MANAGER, '/v1/environments');
    expect(asManager.body.environments).toMatchObject([{ id: 'tutorial', tenants: 1 }]);
    expect((await get(VIEWER, '/v1/environments')).body.environments).toMatchObject([
      { id: 'tutorial', tenants: 2 },
    ]);
    expect((await get(STRANGER, '/v1/environments')).body).toEqual({ environments: [] });
    expect((await get(undefined, '/v1/environments')).status).toBe(401);
  });

  it('lists the runs of an environment to its readers only', async () => {
    await tutorial();
    // The provision run ends; offboarding team-x then starts a tenants run of its own.
    const holder = (await api.ctx.stores.environments.get('tutorial'))!.lease!.holder;
    await api.ctx.stores.runs.finish(holder, 'SUCCEEDED');
    await api.ctx.stores.environments.releaseLease('tutorial', holder);
    const offboarded = await request(server())
      .delete('/v1/environments/tutorial/tenants/team-x')
      .set('Authorization', bearer(ADMIN));
    expect(offboarded.status).toBe(202);
    const runs = await get(VIEWER, '/v1/environments/tutorial/runs');
    expect(runs.status).toBe(200);
    expect(runs.body.runs).toMatchObject([
      { id: offboarded.body.runId, kind: 'tenants' },
      { id: holder, kind: 'provision', status: 'SUCCEEDED' },
    ]);
    const newest = await get(VIEWER, '/v1/environments/tutorial/runs?limit=1');
    expect(newest.body.runs.map((r: { id: string }) => r.id)).toEqual([offboarded.body.runId]);
    const badLimit = await get(VIEWER, '/v1/environments/tutorial/runs?limit=none');
    expect({
      status: badLimit.status,
      reason: badLimit.body.reason,
      field: badLimit.body.field,
    }).toEqual({ status: 400, reason: 'invalid-limit', field: 'limit' });
    const denied = await get(STRANGER, '/v1/environments/tutorial/runs');
    expect({ status: denied.status, reason: denied.body.reason }).toEqual({
      status: 403,
      reason: 'not-environment-reader',
    });
  });

  it("answers the tutorial's verdicts per tenant and request, a manager seeing its own tenants' rows and hosts only", async () => {
    await tutorial();
    const whole = await get(ADMIN, '/v1/environments/tutorial/reachability');
    expect(whole.status).toBe(200);
    const view = whole.body as Reachability;
    expect(view.rows.map((r) => r.tenant)).toEqual(['team-x', 'team-y']);
    expect(cell(view, 'team-x', 'GET', 'http://example.com/')).toMatchObject({
      verdict: 'ALLOWED',
      via: 'tls-origination',
      granted: true,
    });
    expect(cell(view, 'team-y', 'GET', 'http://httpbin.org/status/418')).toMatchObject({
      verdict: 'ALLOWED',
      via: 'plain-http',
    });
    expect(cell(view, 'team-y', 'GET', 'http://example.com/')).toMatchObject({
      verdict: 'DENIED_NO_ROUTE',
      granted: false,
    });
    expect(cell(view, 'team-x', 'GET', 'http://httpbin.org/')?.verdict).not.toBe('ALLOWED');
    expect(view.requests.some((r) => r.ungranted)).toBe(true);

    const managed = (await get(MANAGER, '/v1/environments/tutorial/reachability'))
      .body as Reachability;
    expect(managed.rows.map((r) => r.tenant)).toEqual(['team-y']);
    const hosts = new Set(managed.requests.map((r) => new URL(r.url).hostname));
    expect(hosts.has('httpbin.org')).toBe(true);
    // example.com is team-x's: its columns and findings are not the manager's to see.
    expect(hosts.has('example.com')).toBe(false);
    expect(managed.findings.some((f) => f.host === 'example.com' || f.tenant === 'team-x')).toBe(
      false,
    );
    expect(view.findings.some((f) => f.host === 'example.com' || f.tenant === 'team-x')).toBe(true);

    const denied = await get(STRANGER, '/v1/environments/tutorial/reachability');
    expect({ status: denied.status, reason: denied.body.reason }).toEqual({
      status: 403,
      reason: 'not-environment-reader',
    });
  });

  it("traces one cell hop by hop for whoever may read its tenant, and names a bad query's field", async () => {
    await tutorial();
    const path = (tenant: string, url: string) =>
      `/v1/environments/tutorial/reachability/trace?tenant=${tenant}&url=${encodeURIComponent(url)}`;
    const traced = await get(VIEWER, path('team-x', 'http://example.com/'));
    expect(traced.status, JSON.stringify(traced.body)).toBe(200);
    expect(traced.body).toMatchObject({
      tenant: 'team-x',
      request: { method: 'GET', url: 'http://example.com/' },
      verdict: 'ALLOWED',
      via: 'tls-origination',
      expected: { allowed: true, via: 'tls-origination' },
    });
    const stages = (traced.body.trace as Array<{ stage: string }>).map((hop) => hop.stage);
    expect(stages).toEqual(
      expect.arrayContaining(['network-policy', 'sidecar', 'authorization-policy', 'firewall']),
    );
    const rbac = await get(MANAGER, path('team-y', 'http://httpbin.org/'));
    expect(rbac.body.verdict).toBe('DENIED_RBAC');
    expect(rbac.body.trace.at(-1)).toMatchObject({
      stage: 'authorization-policy',
      decision: 'deny',
    });

    const notHis = await get(MANAGER, path('team-x', 'http://example.com/'));
    expect({ status: notHis.status, reason: notHis.body.reason }).toEqual({
      status: 403,
      reason: 'not-tenant-reader',
    });
    const badUrl = await get(ADMIN, path('team-x', 'ftp://example.com/'));
    expect({ status: badUrl.status, reason: badUrl.body.reason, field: badUrl.body.field }).toEqual(
      {
        status: 400,
        reason: 'invalid-url',
        field: 'url',
      },
    );
    const noTenant = await get(ADMIN, '/v1/environments/tutorial/reachability/trace?url=http://a/');
    expect({ status: noTenant.status, field: noTenant.body.field }).toEqual({
      status: 400,
      field: 'tenant',
    });
    const absent = await get(ADMIN, path('team-z', 'http://example.com/'));
    expect(absent.status).toBe(404);
  });
});

describe("the console's files", () => {
  let bundle: string;
  const saved = process.env.EGRESS_CONSOLE_DIR;

  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'console-files-'));
    bundle = join(dir, 'dist');
    mkdirSync(bundle);
    writeFileSync(join(bundle, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(bundle, 'app.js'), 'export {};');
    writeFileSync(join(dir, 'secret.txt'), 'not the console');
    process.env.EGRESS_CONSOLE_DIR = bundle;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.EGRESS_CONSOLE_DIR;
    else process.env.EGRESS_CONSOLE_DIR = saved;
    rmSync(join(bundle, '..'), { recursive: true, force: true });
  });

  it('serves them to authenticated callers only, with a policy that loads nothing from elsewhere', async () => {
    const anonymous = await get(undefined, '/console/');
    expect({ status: anonymous.status, reason: anonymous.body.reason }).toEqual({
      status: 401,
      reason: 'missing-token',
    });
    const page = await get(STRANGER, '/console/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.text).toContain('<title>console</title>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    const script = await get(STRANGER, '/console/app.js');
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    // Without its slash, the folder's URL: relative, so a prefix (`/api`) is kept.
    const bare = await get(STRANGER, '/console');
    expect({ status: bare.status, location: bare.headers.location }).toEqual({
      status: 308,
      location: 'console/',
    });
  });

  it('serves nothing outside the bundle, and says when the bundle is not built', async () => {
    for (const path of [
      '/console/../secret.txt',
      '/console/%2e%2e/secret.txt',
      '/console/nope.js',
    ]) {
      const res = await get(ADMIN, path);
      expect(res.status, path).toBe(404);
      expect(res.text).not.toContain('not the console');
    }
    process.env.EGRESS_CONSOLE_DIR = join(bundle, 'missing');
    try {
      const res = await get(ADMIN, '/console/');
      expect({ status: res.status, reason: res.body.reason }).toEqual({
        status: 503,
        reason: 'console-not-built',
      });
    } finally {
      process.env.EGRESS_CONSOLE_DIR = bundle;
    }
  });
});

/**
 * `egressctl tenant apply|delete` and `egressctl tenants` as a script runs them (a child
 * process) against the api in the real functions-framework on the Firestore and Pub/Sub
 * emulators: tenants are PUT and offboarded through the API, a refusal names field and rule
 * with exit code 1, and the list puts failed tenants first.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFunctionsTestEnv, type FunctionsTestEnv } from '../../support/functions-env.js';
import {
  productionProcessEnv,
  startFramework,
  type FrameworkProcess,
} from '../../support/functions-framework.js';
import { postEnvironment } from '../../support/security-harness.js';
import { environmentRequest } from '../../support/functions-env.js';
import { CliProcess } from '../cli-process.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let env: FunctionsTestEnv;
let api: FrameworkProcess;
const directory = mkdtempSync(join(tmpdir(), 'cli-tenant-'));

beforeAll(async () => {
  env = await startFunctionsTestEnv();
  api = await startFramework(
    'api',
    productionProcessEnv(env, { EGRESS_SERVED_PROJECTS: 'tutorial-project' }),
  );
  expect((await postEnvironment(api, environmentRequest())).status).toBe(202);
  // The provisioning run ended: tenant runs take the lease instead of joining it.
  const holder = (await env.ctx.stores.environments.get('tutorial'))?.lease?.holder;
  if (holder) {
    await env.ctx.stores.runs.finish(holder, 'SUCCEEDED');
    await env.ctx.stores.environments.releaseLease('tutorial', holder);
  }
});

afterAll(async () => {
  await api?.stop();
  await env?.close();
  rmSync(directory, { recursive: true, force: true });
});

async function egressctl(...args: string[]): Promise<{ code: number | null; output: string }> {
  const cli = new CliProcess([...args, '--api-url', api.url]);
  const code = await cli.exited;
  return { code, output: cli.output };
}

describe('egressctl tenant apply|delete and tenants', () => {
  it('PUTs each Tenant of the files, says what became of it, and lists them', async () => {
    const applied = await egressctl('tenant', 'apply', '-f', 'examples/tutorial/team-y.yaml');
    expect(applied.code, applied.output).toBe(0);
    expect(applied.output).toMatch(/^team-y: accepted, generation 1, run run-[0-9a-f]+/m);
    expect((await env.ctx.stores.tenants.get('tutorial', 'team-y'))?.generation).toBe(1);

    const listed = await egressctl('tenants', 'tutorial');
    expect(listed.output).toContain('environment tutorial: 1 tenant (1 PENDING)');
    expect(listed.output).toMatch(/^team-y +PENDING +1$/m);
  });

  it('refuses a tenant the API refuses, naming field and rule, with exit code 1', async () => {
    // team-x grants on the bucket; this environment's tenancy policy allows no grant.
    const refused = await egressctl('tenant', 'apply', '-f', 'examples/tutorial/team-x.yaml');
    expect(refused.code).toBe(1);
    expect(refused.output).toContain(
      'team-x: refused: PUT /v1/environments/tutorial/tenants/team-x: HTTP 400 grant-not-allowed',
    );
    expect(refused.output).toContain('(field spec.workloadIdentity[0].grants[0])');
    expect(await env.ctx.stores.tenants.get('tutorial', 'team-x')).toBeUndefined();
  });

  it('refuses an invalid document before calling the API', async () => {
    writeFileSync(
      join(directory, 'bad.yaml'),
      [
        'apiVersion: egress.provisioner.dev/v1alpha1',
        'kind: Tenant',
        'metadata: {name: team-q}',
        'spec: {environment: tutorial, egress: [{host: metadata.google.internal}]}',
      ].join('\n'),
    );
    const refused = await egressctl('tenant', 'apply', '-f', join(directory, 'bad.yaml'));
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/bad\.yaml#1: spec\.egress\[0\]\.host: .*\[host-not-external\]/);
    expect(await env.ctx.stores.tenants.get('tutorial', 'team-q')).toBeUndefined();
  });

  it('offboards with tenant delete, and names a tenant that does not exist', async () => {
    const deleted = await egressctl('tenant', 'delete', 'tutorial', 'team-y');
    expect(deleted.code, deleted.output).toBe(0);
    expect(deleted.output).toMatch(/^team-y: accepted, generation 2/m);
    expect((await env.ctx.stores.tenants.get('tutorial', 'team-y'))?.spec.spec.state).toBe(
      'absent',
    );
    const missing = await egressctl('tenant', 'delete', 'tutorial', 'nobody');
    expect(missing.code).toBe(1);
    expect(missing.output).toContain('HTTP 404 tenant-not-found');
  });
});

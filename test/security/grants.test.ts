/**
 * Issue 16, findings 1, 2 (reserved accounts) and 14, tried as an attacker would: through the
 * real functions-framework (api and tenant-events in their own processes), the Firestore and
 * Pub/Sub emulators and the GCP simulator. Each attempt is refused naming field and rule, and
 * Firestore and the simulator are compared before and after: nothing the attempt asked for was
 * written (a refused tenant message leaves only its own `rejected` message record).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startGcpSimulator, type GcpSimulator } from '../../local/gcp/index.js';
import { dumpFirestore } from '../support/firestore-dump.js';
import { startFunctionsTestEnv, type FunctionsTestEnv } from '../support/functions-env.js';
import type { FrameworkProcess } from '../support/functions-framework.js';
import {
  expectOnlyMessageRecorded,
  postEnvironment as post,
  pushTenant,
  startAdmission,
} from '../support/security-harness.js';

// The emulators run on two cores shared by many suites: contention makes them slow, not wrong.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 120_000 });

const API_VERSION = 'egress.provisioner.dev/v1alpha1';
const PROJECT = 'tutorial-project';
const BUCKET = `//storage.googleapis.com/projects/_/buckets/${PROJECT}-bucket`;
const STEPS_ACCOUNT = `//iam.googleapis.com/projects/${PROJECT}/serviceAccounts/egress-steps@${PROJECT}.iam.gserviceaccount.com`;

const environmentDoc = (spec: Record<string, unknown> = {}) => ({
  apiVersion: API_VERSION,
  kind: 'Environment',
  metadata: { name: 'tutorial' },
  spec: {
    project: PROJECT,
    region: 'us-central1',
    zone: 'us-central1-a',
    tenancy: {
      grants: [{ roles: ['roles/storage.objectViewer'], resources: [BUCKET] }],
    },
    ...spec,
  },
});

const tenantDoc = (
  grants: Array<{ role: string; resource: string }>,
  googleServiceAccount = 'sa-team-x-app',
) => ({
  apiVersion: API_VERSION,
  kind: 'Tenant',
  metadata: { name: 'team-x' },
  spec: {
    environment: 'tutorial',
    workloadIdentity: [{ kubernetesServiceAccount: 'app', googleServiceAccount, grants }],
  },
});

let env: FunctionsTestEnv;
let api: FrameworkProcess;
let events: FrameworkProcess;
let gcp: GcpSimulator;

beforeAll(async () => {
  env = await startFunctionsTestEnv();
  gcp = await startGcpSimulator({
    port: 0,
    seed: { buckets: [{ name: `${PROJECT}-bucket`, project: PROJECT }] },
  });
  ({ api, events } = await startAdmission(env));
  // The environment every tenant attack targets, with the tutorial's grant policy.
  const created = await postEnvironment(environmentDoc());
  expect(created.status, JSON.stringify(created.body)).toBe(202);
});
afterAll(async () => {
  await Promise.all([api?.stop(), events?.stop()]);
  await gcp?.close();
  await env?.close();
});

/** An API error body: the first problem, and all of them when there are several. */
interface ErrorResponse {
  reason?: string;
  field?: string;
  errors?: Array<{ reason: string; field?: string }>;
}

const postEnvironment = (doc: unknown) => post<ErrorResponse>(api, doc);

/** Delivers a Tenant document as Pub/Sub's push does; returns the message id and HTTP status. */
const publishTenant = (doc: unknown) => pushTenant(events, env.projectId, doc, 'grants');

/** Firestore and the GCP simulator now. */
async function snapshot() {
  return { firestore: await dumpFirestore(env.db), gcp: gcp.state() };
}

/**
 * A tenant message refused with `rule` at `field`: acknowledged, recorded as rejected, and
 * nothing else written (no tenant stored, no run started, the simulator untouched).
 */
async function expectTenantRefused(doc: unknown, field: string, rule: string): Promise<void> {
  const before = await snapshot();
  const { messageId, status } = await publishTenant(doc);
  expect(status).toBeLessThan(300); // acknowledged: a refused document is never redelivered
  const record = await env.ctx.stores.runs.getMessage(messageId);
  expect(record).toMatchObject({
    outcome: 'rejected',
    error: { kind: 'invalid-request', reason: rule, field },
  });
  const after = await snapshot();
  await expectOnlyMessageRecorded(env, before.firestore, after.firestore, messageId);
  expect(after.gcp).toEqual(before.gcp);
}

/** An Environment POST refused with 400 naming `field` and `rule`, nothing written. */
async function expectEnvironmentRefused(doc: unknown, field: string, rule: string) {
  const before = await snapshot();
  const { status, body } = await postEnvironment(doc);
  expect(status).toBe(400);
  const problems = body.errors ?? [body];
  expect(problems).toEqual(
    expect.arrayContaining([expect.objectContaining({ reason: rule, field })]),
  );
  const after = await snapshot();
  expect(after).toEqual(before);
}

describe('finding 1: a tenant spec cannot escalate through workloadIdentity.grants', () => {
  it('refuses roles/iam.serviceAccountTokenCreator on the steps account', async () => {
    await expectTenantRefused(
      tenantDoc([{ role: 'roles/iam.serviceAccountTokenCreator', resource: STEPS_ACCOUNT }]),
      'spec.workloadIdentity[0].grants[0]',
      'grant-sensitive-resource',
    );
  });

  it('refuses roles/storage.admin on a bucket the environment does not list', async () => {
    await expectTenantRefused(
      tenantDoc([
        {
          role: 'roles/storage.admin',
          resource: '//storage.googleapis.com/projects/_/buckets/someone-elses-bucket',
        },
      ]),
      'spec.workloadIdentity[0].grants[0]',
      'grant-not-allowed',
    );
  });

  it('refuses a grant on a projects/-/ path', async () => {
    await expectTenantRefused(
      tenantDoc([
        {
          role: 'roles/storage.objectViewer',
          resource: `//iam.googleapis.com/projects/-/serviceAccounts/egress-steps@${PROJECT}.iam.gserviceaccount.com`,
        },
      ]),
      'spec.workloadIdentity[0].grants[0]',
      'grant-sensitive-resource',
    );
  });

  it('refuses the allowed role on the allowed bucket with a forbidden one beside it', async () => {
    await expectTenantRefused(
      tenantDoc([
        { role: 'roles/storage.objectViewer', resource: BUCKET },
        { role: 'roles/storage.objectAdmin', resource: BUCKET },
      ]),
      'spec.workloadIdentity[0].grants[1]',
      'grant-not-allowed',
    );
  });
});

describe('finding 2 (reserved accounts): no one may run as the provisioner', () => {
  it('refuses a tenant naming egress-steps as its Google service account', async () => {
    await expectTenantRefused(
      tenantDoc([], 'egress-steps'),
      'spec.workloadIdentity[0].googleServiceAccount',
      'reserved-service-account',
    );
  });

  it('refuses an environment whose application nodes would run as egress-steps', async () => {
    await expectEnvironmentRefused(
      environmentDoc({ nodeServiceAccounts: { application: 'egress-steps' } }),
      'spec.nodeServiceAccounts.application',
      'reserved-service-account',
    );
  });
});

describe('finding 14: the control plane cannot be opened by halves', () => {
  it('refuses 0.0.0.0/1 + 128.0.0.0/1 as authorized networks', async () => {
    await expectEnvironmentRefused(
      environmentDoc({
        cluster: { authorizedNetworks: [{ cidr: '0.0.0.0/1' }, { cidr: '128.0.0.0/1' }] },
      }),
      'spec.cluster.authorizedNetworks',
      'open-control-plane',
    );
  });
});

describe('what the policy allows', () => {
  it('accepts the grant the environment lists (so the refusals above are the policy’s)', async () => {
    const { messageId } = await publishTenant(
      tenantDoc([{ role: 'roles/storage.objectViewer', resource: BUCKET }]),
    );
    // The environment's provisioning run holds it: the tenant run is coalesced into it.
    expect((await env.ctx.stores.runs.getMessage(messageId))?.outcome).toMatch(
      /^(accepted|coalesced)$/,
    );
    expect(
      (await env.ctx.stores.tenants.list('tutorial')).map((t) => t.spec.metadata.name),
    ).toEqual(['team-x']);
  });
});

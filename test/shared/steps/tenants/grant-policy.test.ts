/**
 * The tenants step holds stored tenants to the environment's grant policy again before any IAM
 * write (defence in depth: the policy may have tightened after a tenant was admitted), against
 * the GCP simulator through the product's Workload Identity adapter.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { reconcileWorkloadIdentity } from '../../../../shared/steps/tenant-identities.js';
import { PermanentError } from '../../../../shared/errors.js';
import type { Environment, Tenant } from '../../../../shared/spec/index.js';
import { startGcpSimulator, type GcpSimulator } from '../../../../local/gcp/index.js';
import { simulatedWorkloadIdentity } from './gcp-workload-identity.js';
import { TUTORIAL_BUCKET, tutorialEnvironment, tutorialTenant } from './helpers.js';

const env = tutorialEnvironment();
let gcp: GcpSimulator;

beforeAll(async () => {
  gcp = await startGcpSimulator({ port: 0, seed: { buckets: [TUTORIAL_BUCKET] } });
});
afterAll(async () => {
  await gcp.close();
});
beforeEach(() => {
  gcp.reset();
});

const withGrants = (grants: Environment['spec']['tenancy']['grants']): Environment => ({
  ...env,
  spec: { ...env.spec, tenancy: { ...env.spec.tenancy, grants } },
});

async function refusal(environment: Environment, tenants: readonly Tenant[]) {
  const before = gcp.state();
  const writes = gcp.counters.writes;
  const error = await reconcileWorkloadIdentity(
    environment,
    tenants,
    simulatedWorkloadIdentity(gcp.url),
    'grant',
  ).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(gcp.counters.writes).toBe(writes);
  expect(gcp.state()).toEqual(before);
  return error;
}

describe('tenants step: grant policy before any IAM write', () => {
  it('grants what the tutorial environment allows', async () => {
    const report = await reconcileWorkloadIdentity(
      env,
      [tutorialTenant('team-x')],
      simulatedWorkloadIdentity(gcp.url),
      'grant',
    );
    expect(report.created).toHaveLength(1);
  });

  it('stops with grant-not-allowed when the policy tightened after the tenant was stored', async () => {
    const error = await refusal(withGrants([]), [tutorialTenant('team-x')]);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({
      reason: 'grant-not-allowed',
      options: { field: 'spec.workloadIdentity[0].grants[0]' },
    });
    expect((error as Error).message).toContain('roles/storage.objectViewer');
    expect((error as Error).message).toContain('"tutorial"');
  });

  it('stops with reserved-service-account for a stored tenant running as egress-steps', async () => {
    const x = tutorialTenant('team-x');
    const [binding] = x.spec.workloadIdentity;
    const tenant: Tenant = {
      ...x,
      spec: {
        ...x.spec,
        workloadIdentity: [{ ...binding!, googleServiceAccount: 'egress-steps', grants: [] }],
      },
    };
    expect(await refusal(env, [tenant])).toMatchObject({
      reason: 'reserved-service-account',
      options: { field: 'spec.workloadIdentity[0].googleServiceAccount' },
    });
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { APPLY_SET_LABEL } from '../../../../shared/kube/index.js';
import { objectKey } from '../../../../shared/plan/kube-object.js';
import { desiredMeshObjects, desiredTenantObjects } from '../../../../shared/plan/mesh/index.js';
import { ensureMeshConfig } from '../../../../shared/steps/mesh-config.js';
import {
  WORKLOAD_IDENTITY_USER_ROLE,
  serviceAccountResource,
} from '../../../../shared/steps/tenant-identities.js';
import { ensureTenants, removeTenants } from '../../../../shared/steps/tenants.js';
import type { WorkloadIdentityApi } from '../../../../shared/core/workload-identity.js';
import type { Tenant } from '../../../../shared/spec/index.js';
import { ManualClock, startGcpSimulator } from '../../../../local/gcp/index.js';
import { liveWithLabel, objectApiFor } from '../../kube/helpers.js';
import { simulatedWorkloadIdentity } from './gcp-workload-identity.js';
import {
  dependencies,
  failingAfter,
  TUTORIAL_BUCKET,
  startSimulators,
  stepContext,
  tutorialEnvironment,
  tutorialTenant,
  type Simulators,
} from './helpers.js';

const env = tutorialEnvironment();
const project = env.spec.project;
const teamXAccount = `sa-test-app-team-x@${project}.iam.gserviceaccount.com`;
/** The bucket team-x's grant names (the simulator is seeded with it). */
const bucketResource = `//storage.googleapis.com/projects/_/buckets/${TUTORIAL_BUCKET.name}`;
let sims: Simulators;
let iam: WorkloadIdentityApi;

beforeAll(async () => {
  sims = await startSimulators();
  iam = simulatedWorkloadIdentity(sims.gcp.url);
});
afterAll(async () => {
  await Promise.all([sims.kube.close(), sims.gcp.close()]);
});
beforeEach(async () => {
  sims.kube.reset();
  sims.gcp.reset();
  // Tenants come after mesh-config: its objects are there, and must stay untouched.
  await ensureMeshConfig(stepContext('mesh-config', sims.kube), dependencies(sims));
});

function run(tenants: readonly Tenant[], deps = dependencies(sims)) {
  return ensureTenants(stepContext('tenants', sims.kube, { tenants }), deps);
}

/** Live objects of both sets equal the compiler's output for `tenants`, ignoring server metadata. */
function expectLiveEqualsCompiler(tenants: readonly Tenant[]): void {
  const live = liveWithLabel(sims.kube, APPLY_SET_LABEL, 'tenants');
  const desired = desiredTenantObjects(env, tenants);
  expect([...live.keys()].sort()).toEqual(desired.map(objectKey).sort());
  for (const obj of desired) expect(live.get(objectKey(obj)), objectKey(obj)).toEqual(obj);
  const mesh = liveWithLabel(sims.kube, APPLY_SET_LABEL, 'mesh');
  expect([...mesh.keys()].sort()).toEqual(desiredMeshObjects(env).map(objectKey).sort());
}

async function accounts(): Promise<string[]> {
  return (await iam.listServiceAccounts(project)).map((a) => a.email).sort();
}

async function members(resource: string, role: string): Promise<string[]> {
  const policy = await iam.getIamPolicy(resource);
  return (policy.bindings ?? [])
    .filter((b) => b.role === role)
    .flatMap((b) => b.members)
    .sort();
}

describe('step tenants against the Kubernetes and GCP simulators', () => {
  it('is done on the first run and sends no write to either API on the second', async () => {
    const tenants = [tutorialTenant('team-x'), tutorialTenant('team-y')];
    const first = await run(tenants);
    expect(first).toMatchObject({
      status: 'done',
      outputs: { tenants: ['team-x', 'team-y'], serviceAccounts: [teamXAccount] },
    });
    expectLiveEqualsCompiler(tenants);

    const kubeWrites = sims.kube.counters.writes;
    const gcpWrites = sims.gcp.counters.writes;
    const second = await run(tenants);
    expect(second).toMatchObject({
      status: 'done',
      outputs: { applied: 0, deleted: 0, iamWrites: 0 },
    });
    expect(sims.kube.counters.writes).toBe(kubeWrites);
    expect(sims.gcp.counters.writes).toBe(gcpWrites);
  });

  it('onboards team-x, then team-y, then offboards team-x: live state equals the compiler each time', async () => {
    await run([tutorialTenant('team-x')]);
    expectLiveEqualsCompiler([tutorialTenant('team-x')]);
    expect(await accounts()).toEqual([teamXAccount]);
    expect(
      await members(serviceAccountResource(project, teamXAccount), WORKLOAD_IDENTITY_USER_ROLE),
    ).toEqual([`serviceAccount:${project}.svc.id.goog[team-x/test]`]);
    expect(await members(bucketResource, 'roles/storage.objectViewer')).toEqual([
      `serviceAccount:${teamXAccount}`,
    ]);

    await run([tutorialTenant('team-x'), tutorialTenant('team-y')]);
    expectLiveEqualsCompiler([tutorialTenant('team-x'), tutorialTenant('team-y')]);

    const offboarded = [tutorialTenant('team-x', 'absent'), tutorialTenant('team-y')];
    const result = await run(offboarded);
    expect(result).toMatchObject({
      status: 'done',
      outputs: { tenants: ['team-y'], serviceAccounts: [] },
    });
    expectLiveEqualsCompiler([tutorialTenant('team-y')]);
    expect(
      sims.kube
        .objects()
        .some((o) => (o.metadata as { namespace?: string; name: string }).name === 'team-x'),
    ).toBe(false);
    // Its identity and grants go with it; the bucket's own bindings stay.
    expect(await accounts()).toEqual([]);
    expect(await members(bucketResource, 'roles/storage.objectViewer')).toEqual([]);
    expect(
      (await members(bucketResource, 'roles/storage.legacyBucketOwner')).length,
    ).toBeGreaterThan(0);
  });

  it('offboards a tenant deleted from the store: its account is found by its marker', async () => {
    await run([tutorialTenant('team-x'), tutorialTenant('team-y')]);
    await run([tutorialTenant('team-y')]);
    expectLiveEqualsCompiler([tutorialTenant('team-y')]);
    expect(await accounts()).toEqual([]);
  });

  it('converges on a rerun after failing midway', async () => {
    const tenants = [tutorialTenant('team-x'), tutorialTenant('team-y')];
    await expect(run(tenants, dependencies(sims, failingAfter(6)))).rejects.toMatchObject({
      name: 'RetryableError',
    });
    const partial = liveWithLabel(sims.kube, APPLY_SET_LABEL, 'tenants');
    expect(partial.size).toBeGreaterThan(0);
    expect(partial.size).toBeLessThan(desiredTenantObjects(env, tenants).length);
    expect((await run(tenants)).status).toBe('done');
    expectLiveEqualsCompiler(tenants);
    expect(await accounts()).toEqual([teamXAccount]);
  });

  it('two runs at once with the same full set both finish and end in the union', async () => {
    const tenants = [tutorialTenant('team-x'), tutorialTenant('team-y')];
    const results = await Promise.all([run(tenants), run(tenants)]);
    expect(results.map((r) => r.status)).toEqual(['done', 'done']);
    expectLiveEqualsCompiler(tenants);
    expect(await accounts()).toEqual([teamXAccount]);
    expect(await members(bucketResource, 'roles/storage.objectViewer')).toEqual([
      `serviceAccount:${teamXAccount}`,
    ]);
  });

  it('a pass on a stale tenant set is repaired by the next pass on the full set (level-based)', async () => {
    // The lease lets one run work at a time and the store marks the environment dirty when a
    // tenant changes meanwhile, so a pass that read {team-y} is always followed by one that
    // reads the full set: the union is never lost for good.
    await run([tutorialTenant('team-x'), tutorialTenant('team-y')]);
    await run([tutorialTenant('team-y')]);
    await run([tutorialTenant('team-x'), tutorialTenant('team-y')]);
    expectLiveEqualsCompiler([tutorialTenant('team-x'), tutorialTenant('team-y')]);
    expect(await accounts()).toEqual([teamXAccount]);
  });

  it('waits for mesh-config before touching anything', async () => {
    const writes = sims.kube.counters.writes + sims.gcp.counters.writes;
    const result = await ensureTenants(
      stepContext('tenants', sims.kube, {
        tenants: [tutorialTenant('team-x')],
        revisionReady: false,
      }),
      dependencies(sims),
    );
    expect(result).toMatchObject({ status: 'pending' });
    expect(sims.kube.counters.writes + sims.gcp.counters.writes).toBe(writes);
  });

  it('refuses to adopt a Google service account it does not own', async () => {
    await iam.createServiceAccount(project, 'sa-test-app-team-x', {
      displayName: 'someone',
      description: 'not ours',
    });
    await expect(run([tutorialTenant('team-x')])).rejects.toMatchObject({
      name: 'PermanentError',
      reason: 'service-account-conflict',
    });
    expect(liveWithLabel(sims.kube, APPLY_SET_LABEL, 'tenants').size).toBe(0);
  });

  it('stops with not-owned on a namespace it did not create, before any Google write', async () => {
    const kube = objectApiFor(sims.kube.url);
    await kube.create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team-x', labels: { owner: 'someone-else' } },
    });
    const gcpWrites = sims.gcp.counters.writes;
    await expect(run([tutorialTenant('team-x')])).rejects.toMatchObject({
      name: 'PermanentError',
      reason: 'not-owned',
    });
    // No Google account, binding or grant for a tenant whose namespace is someone else's.
    expect(sims.gcp.counters.writes).toBe(gcpWrites);
    expect(liveWithLabel(sims.kube, APPLY_SET_LABEL, 'tenants').size).toBe(0);
  });

  it('removes every tenant object, grant and account, then is done with no write', async () => {
    const tenants = [tutorialTenant('team-x'), tutorialTenant('team-y')];
    await run(tenants);
    const ctx = stepContext('tenants', sims.kube, { tenants });
    expect((await removeTenants(ctx, dependencies(sims))).status).toBe('pending');
    expect(liveWithLabel(sims.kube, APPLY_SET_LABEL, 'tenants').size).toBe(0);
    expect(await accounts()).toEqual([]);
    expect(await members(bucketResource, 'roles/storage.objectViewer')).toEqual([]);
    const writes = sims.kube.counters.writes + sims.gcp.counters.writes;
    expect((await removeTenants(ctx, dependencies(sims))).status).toBe('done');
    expect(sims.kube.counters.writes + sims.gcp.counters.writes).toBe(writes);
    // The mesh is mesh-config's to remove.
    expect(liveWithLabel(sims.kube, APPLY_SET_LABEL, 'mesh').size).toBe(
      desiredMeshObjects(env).length,
    );
  });

  it("re-reads and retries a policy write that lost an etag race, keeping the other writer's binding", async () => {
    let raced = false;
    const racing: WorkloadIdentityApi = {
      ...iam,
      async setIamPolicy(resource, policy) {
        if (!raced && resource === bucketResource) {
          raced = true;
          // Someone else writes the bucket policy between our read and our write.
          const theirs = await iam.getIamPolicy(resource);
          await iam.setIamPolicy(resource, {
            ...theirs,
            bindings: [
              ...(theirs.bindings ?? []),
              { role: 'roles/storage.objectCreator', members: ['user:auditor@example.com'] },
            ],
          });
        }
        return iam.setIamPolicy(resource, policy);
      },
    };
    const result = await run([tutorialTenant('team-x')], {
      ...dependencies(sims),
      workloadIdentity: racing,
    });
    expect(result.status).toBe('done');
    expect(raced).toBe(true);
    expect(await members(bucketResource, 'roles/storage.objectCreator')).toEqual([
      'user:auditor@example.com',
    ]);
    expect(await members(bucketResource, 'roles/storage.objectViewer')).toEqual([
      `serviceAccount:${teamXAccount}`,
    ]);
  });

  it('retries, not fails, while a new service account is not usable in policies yet', async () => {
    const clock = new ManualClock();
    const slowIam = await startGcpSimulator({
      port: 0,
      timeScale: 1,
      clock,
      seed: { buckets: [TUTORIAL_BUCKET] },
    });
    try {
      const deps = {
        ...dependencies(sims),
        workloadIdentity: simulatedWorkloadIdentity(slowIam.url),
      };
      await expect(run([tutorialTenant('team-x')], deps)).rejects.toMatchObject({
        name: 'RetryableError',
        reason: 'service-account-not-propagated',
      });
      clock.advance(60_000);
      expect((await run([tutorialTenant('team-x')], deps)).status).toBe('done');
      expectLiveEqualsCompiler([tutorialTenant('team-x')]);
    } finally {
      await slowIam.close();
    }
  });
});

/**
 * Issue 16, finding 4 (namespaces), the two gaps left after the reserved prefixes and the tenant
 * namespace ownership check, tried as an attacker would:
 * - a tenant claiming a namespace named like a top-level domain (`com`): every pod resolves
 *   `google.com` through its DNS search path as `google.com.svc.cluster.local`, the Service
 *   `google` of namespace `com`, so its owner would capture other tenants' traffic. Delivered
 *   through the real functions-framework (tenant-events in its own process) and the Firestore and
 *   Pub/Sub emulators; a tenant stored before the rule is refused by the compiler too, against the
 *   Kubernetes simulator.
 * - a pre-existing namespace named like the environment's egress gateway namespace, not marked as
 *   the environment's: the mesh-config step (in process, with the real Kubernetes client against
 *   the simulator) stops with `not-owned` instead of adopting it.
 * Each refusal is compared before and after: Firestore (only the refused message's own record is
 * added) and the cluster (objects and write counter) are unchanged.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startKubeSimulator, type KubeSimulator } from '../../local/kube/index.js';
import { PermanentError } from '../../shared/errors.js';
import { applyObjectSet, kubeObjectClient, kubeStepDependencies } from '../../shared/kube/index.js';
import { desiredTenantObjects } from '../../shared/plan/mesh/index.js';
import { EnvironmentSchema, TenantSchema, type Environment } from '../../shared/spec/index.js';
import { ensureMeshConfig } from '../../shared/steps/mesh-config.js';
import { dumpFirestore } from '../support/firestore-dump.js';
import { startFunctionsTestEnv, type FunctionsTestEnv } from '../support/functions-env.js';
import type { FrameworkProcess } from '../support/functions-framework.js';
import {
  expectOnlyMessageRecorded,
  postEnvironment,
  pushTenant,
  startAdmission,
} from '../support/security-harness.js';
import { objectApiFor } from '../shared/kube/helpers.js';
import { stepContext } from '../shared/steps/tenants/helpers.js';

// The emulators run on two cores shared by many suites: contention makes them slow, not wrong.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 120_000 });

const API_VERSION = 'egress.provisioner.dev/v1alpha1';
const environmentDoc = {
  apiVersion: API_VERSION,
  kind: 'Environment',
  metadata: { name: 'tutorial' },
  spec: { project: 'tutorial-project', region: 'us-central1', zone: 'us-central1-a' },
};
const tenantDoc = (spec: Record<string, unknown>, name = 'mallory') => ({
  apiVersion: API_VERSION,
  kind: 'Tenant',
  metadata: { name },
  spec: { environment: 'tutorial', ...spec },
});

describe('tenant messages claiming a top-level domain namespace (functions-framework, emulators)', () => {
  let env: FunctionsTestEnv;
  let api: FrameworkProcess;
  let events: FrameworkProcess;

  beforeAll(async () => {
    env = await startFunctionsTestEnv();
    ({ api, events } = await startAdmission(env, { EGRESS_SERVED_PROJECTS: 'tutorial-project' }));
    const created = await postEnvironment(api, environmentDoc);
    expect(created.status, `${JSON.stringify(created.body)}\n${api.output()}`).toBe(202);
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), events?.stop()]);
    await env?.close();
  });

  async function expectTenantRefused(doc: unknown, field: string, rule: string): Promise<void> {
    const before = await dumpFirestore(env.db);
    const { messageId, status } = await pushTenant(events, env.projectId, doc, 'namespaces');
    expect(status).toBeLessThan(300); // acknowledged: a refused document is never redelivered
    const record = await env.ctx.stores.runs.getMessage(messageId);
    const errors = (record?.errors ?? [record?.error]) as unknown[];
    expect(record?.outcome).toBe('rejected');
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'invalid-request', reason: rule, field }),
      ]),
    );
    await expectOnlyMessageRecorded(env, before, await dumpFirestore(env.db), messageId);
  }

  for (const namespace of ['com', 'io', 'dev', 'internal', 'local', 'lan', 'xn--p1ai']) {
    it(`refuses spec.namespace ${namespace}`, async () => {
      await expectTenantRefused(
        tenantDoc({ namespace, egress: [{ host: 'httpbin.org' }] }),
        'spec.namespace',
        'namespace-is-tld',
      );
    });
  }

  it('refuses a tenant named like a top-level domain (its default namespace)', async () => {
    await expectTenantRefused(tenantDoc({}, 'com'), 'metadata.name', 'namespace-is-tld');
  });

  it('refuses the mesh system namespaces and the gateway namespace', async () => {
    for (const namespace of ['istio-system', 'istio-egress', 'asm-system', 'kube-system']) {
      await expectTenantRefused(tenantDoc({ namespace }), 'spec.namespace', 'namespace-reserved');
    }
  });
});

describe('the cluster (Kubernetes simulator)', () => {
  let sim: KubeSimulator;
  beforeAll(async () => {
    sim = await startKubeSimulator({ port: 0 });
  });
  afterAll(async () => {
    await sim?.close();
  });
  const environment = (): Environment => EnvironmentSchema.parse(environmentDoc);
  const cluster = () => ({ objects: JSON.stringify(sim.objects()), writes: sim.counters.writes });
  const deps = () => kubeStepDependencies(() => kubeObjectClient(objectApiFor(sim.url)));

  it('a tenant stored before the rule with namespace com is refused by the compiler, nothing applied', async () => {
    sim.reset();
    const env = environment();
    const stored = TenantSchema.parse(tenantDoc({ namespace: 'com' }));
    const before = cluster();
    let error: unknown;
    try {
      await applyObjectSet({
        client: kubeObjectClient(objectApiFor(sim.url)),
        set: { environment: env.metadata.name, name: 'tenants' },
        objects: desiredTenantObjects(env, [stored]),
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toContain('namespace-is-tld');
    expect(cluster()).toEqual(before);
  });

  it('mesh-config does not adopt a pre-existing gateway namespace it did not create', async () => {
    sim.reset();
    const kube = objectApiFor(sim.url);
    await kube.create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'istio-egress', labels: { team: 'payments' } },
    });
    await kube.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'ledger', namespace: 'istio-egress' },
      data: { balance: '42' },
    });
    const before = cluster();
    const result = ensureMeshConfig(stepContext('mesh-config', sim), deps());
    await expect(result).rejects.toBeInstanceOf(PermanentError);
    await expect(result).rejects.toMatchObject({
      reason: 'not-owned',
      options: { resource: 'Namespace//istio-egress', field: 'spec.mesh.egressGateway.namespace' },
    });
    await expect(result).rejects.toThrow(
      /namespace "istio-egress" .*not created by egress-provisioner \(app\.kubernetes\.io\/managed-by=\(none\)\)/,
    );
    expect(cluster()).toEqual(before);
  });

  it("mesh-config does not adopt another environment's gateway namespace, nor a tenant's", async () => {
    sim.reset();
    const other = EnvironmentSchema.parse({ ...environmentDoc, metadata: { name: 'other' } });
    await ensureMeshConfig(stepContext('mesh-config', sim, { env: other }), deps());
    let before = cluster();
    await expect(ensureMeshConfig(stepContext('mesh-config', sim), deps())).rejects.toMatchObject({
      reason: 'not-owned',
      message: expect.stringContaining('egress.provisioner.dev/environment=other'),
    });
    expect(cluster()).toEqual(before);

    // A gateway namespace renamed onto a tenant's namespace: the tenant keeps it.
    sim.reset();
    const env = environment();
    await applyObjectSet({
      client: kubeObjectClient(objectApiFor(sim.url)),
      set: { environment: env.metadata.name, name: 'tenants' },
      objects: desiredTenantObjects(env, [TenantSchema.parse(tenantDoc({}, 'team-x'))]),
    });
    const renamed = EnvironmentSchema.parse({
      ...environmentDoc,
      spec: { ...environmentDoc.spec, mesh: { egressGateway: { namespace: 'team-x' } } },
    });
    before = cluster();
    await expect(
      ensureMeshConfig(stepContext('mesh-config', sim, { env: renamed }), deps()),
    ).rejects.toMatchObject({
      reason: 'not-owned',
      message: expect.stringContaining('egress.provisioner.dev/tenant=team-x'),
    });
    expect(cluster()).toEqual(before);
  });

  it('mesh-config creates the gateway namespace marked as the environment’s and converges on it', async () => {
    sim.reset();
    const first = await ensureMeshConfig(stepContext('mesh-config', sim), deps());
    expect(first.status).toBe('done');
    const ns = sim
      .objects()
      .find(
        (o) => o.kind === 'Namespace' && (o.metadata as { name: string }).name === 'istio-egress',
      );
    expect((ns?.metadata as { labels: Record<string, string> }).labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'egress-provisioner',
      'egress.provisioner.dev/environment': 'tutorial',
    });
    const writes = sim.counters.writes;
    expect(await ensureMeshConfig(stepContext('mesh-config', sim), deps())).toMatchObject({
      status: 'done',
      outputs: { applied: 0 },
    });
    expect(sim.counters.writes).toBe(writes);
  });
});

/**
 * Issue 16, findings 4 (namespaces), 5 (consent), 6 (hosts), 7 (name collisions) and 12 (Pod
 * Security), tried as an attacker would: tenant messages through the real functions-framework
 * (api and tenant-events in their own processes) and the Firestore and Pub/Sub emulators; the
 * namespace takeover through the applier and the real client against the Kubernetes simulator.
 * Each attempt is refused naming field and rule, and Firestore (only the refused message's own
 * `rejected` record is added) and the cluster are compared before and after: nothing changed.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startKubeSimulator, type KubeSimulator } from '../../local/kube/index.js';
import { PermanentError } from '../../shared/errors.js';
import { applyObjectSet, kubeObjectClient } from '../../shared/kube/index.js';
import { desiredMeshObjects, desiredTenantObjects } from '../../shared/plan/mesh/index.js';
import {
  EnvironmentSchema,
  TenantSchema,
  type Environment,
  type Tenant,
} from '../../shared/spec/index.js';
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

// The emulators run on two cores shared by many suites: contention makes them slow, not wrong.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 120_000 });

const API_VERSION = 'egress.provisioner.dev/v1alpha1';
const environmentDoc = {
  apiVersion: API_VERSION,
  kind: 'Environment',
  metadata: { name: 'tutorial' },
  spec: {
    project: 'tutorial-project',
    region: 'us-central1',
    zone: 'us-central1-a',
    tenancy: { deniedHosts: ['*.corp.example.com', 'billing.example.org'] },
  },
};

const tenantDoc = (spec: Record<string, unknown>, name = 'mallory') => ({
  apiVersion: API_VERSION,
  kind: 'Tenant',
  metadata: { name },
  spec: { environment: 'tutorial', ...spec },
});

describe('admission of hostile tenant messages (functions-framework, emulators)', () => {
  let env: FunctionsTestEnv;
  let api: FrameworkProcess;
  let events: FrameworkProcess;

  beforeAll(async () => {
    env = await startFunctionsTestEnv();
    ({ api, events } = await startAdmission(env, { EGRESS_SERVED_PROJECTS: 'tutorial-project' }));
    const created = await postEnvironment(api, environmentDoc);
    expect(created.status, JSON.stringify(created.body)).toBe(202);
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), events?.stop()]);
    await env?.close();
  });

  /** Delivers a Tenant document as Pub/Sub's push does. */
  const publishTenant = (doc: unknown) => pushTenant(events, env.projectId, doc, 'tenant-policy');

  async function expectTenantRefused(doc: unknown, field: string, rule: string): Promise<void> {
    const before = await dumpFirestore(env.db);
    const { messageId, status } = await publishTenant(doc);
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

  describe('finding 6: egress hosts inside the VPC or the cluster', () => {
    for (const host of [
      'metadata.google.internal',
      'instance-1.us-central1-a.c.tutorial-project.internal',
      'kubernetes.default.svc.cluster.local',
      'kubernetes.default.svc',
      'kubernetes.default',
      'istiod.istio-system',
      'printer.local',
      'app.localhost',
    ]) {
      it(`refuses ${host}`, async () => {
        await expectTenantRefused(
          tenantDoc({ egress: [{ host, mode: 'http' }] }),
          'spec.egress[0].host',
          'host-not-external',
        );
      });
    }

    it('refuses a host the environment denies (spec.tenancy.deniedHosts)', async () => {
      await expectTenantRefused(
        tenantDoc({ egress: [{ host: 'httpbin.org' }, { host: 'vault.corp.example.com' }] }),
        'spec.egress[1].host',
        'host-denied-by-environment',
      );
      await expectTenantRefused(
        tenantDoc({ egress: [{ host: 'billing.example.org' }] }),
        'spec.egress[0].host',
        'host-denied-by-environment',
      );
    });
  });

  describe('finding 4: Kubernetes-, Google- and mesh-managed namespaces', () => {
    for (const namespace of [
      'gmp-system',
      'gke-managed-system',
      'config-management-system',
      'kube-system',
      'default',
      'istio-egress',
      'asm-system',
      'anthos-identity-service',
      'gatekeeper-system',
      'cnrm-system',
    ]) {
      it(`refuses spec.namespace ${namespace}`, async () => {
        await expectTenantRefused(tenantDoc({ namespace }), 'spec.namespace', 'namespace-reserved');
      });
    }
  });

  describe('finding 12: Pod Security is the environment’s, not the tenant’s', () => {
    it('refuses a namespace label that would lower the Pod Security level', async () => {
      await expectTenantRefused(
        tenantDoc({ namespaceLabels: { 'pod-security.kubernetes.io/enforce': 'privileged' } }),
        'spec.namespaceLabels.pod-security.kubernetes.io/enforce',
        'reserved-label',
      );
    });
  });
});

const environment = (spec: Record<string, unknown> = {}): Environment =>
  EnvironmentSchema.parse({ ...environmentDoc, spec: { ...environmentDoc.spec, ...spec } });
const tenant = (name: string, spec: Record<string, unknown> = {}): Tenant =>
  TenantSchema.parse(tenantDoc(spec, name));

describe('the tenants apply against the Kubernetes simulator', () => {
  let sim: KubeSimulator;
  beforeAll(async () => {
    sim = await startKubeSimulator({ port: 0 });
  });
  afterAll(async () => {
    await sim?.close();
  });
  const client = () => kubeObjectClient(objectApiFor(sim.url));
  const applyTenants = (env: Environment, tenants: Tenant[]) =>
    applyObjectSet({
      client: client(),
      set: { environment: env.metadata.name, name: 'tenants' },
      objects: desiredTenantObjects(env, tenants),
    });
  const cluster = () => JSON.stringify(sim.objects());

  async function expectNotOwned(env: Environment, tenants: Tenant[], namespace: string) {
    const before = cluster();
    const error = await applyTenants(env, tenants).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ reason: 'not-owned' });
    expect((error as Error).message).toContain(`namespace "${namespace}"`);
    expect(cluster()).toEqual(before);
  }

  it('finding 4: does not adopt a namespace someone else created', async () => {
    sim.reset();
    await objectApiFor(sim.url).create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'payments', labels: { team: 'payments' } },
    });
    await expectNotOwned(environment(), [tenant('mallory', { namespace: 'payments' })], 'payments');
  });

  it('finding 4: does not hand one tenant’s namespace to another, nor another environment’s', async () => {
    sim.reset();
    const env = environment();
    await applyTenants(env, [tenant('team-x')]);
    // team-x is offboarded in the same breath as mallory claims its namespace and workloads.
    await expectNotOwned(
      env,
      [
        { ...tenant('team-x'), spec: { ...tenant('team-x').spec, state: 'absent' } },
        tenant('mallory', { namespace: 'team-x' }),
      ],
      'team-x',
    );
    const other = EnvironmentSchema.parse({
      ...environmentDoc,
      metadata: { name: 'other' },
    });
    await expectNotOwned(
      other,
      [TenantSchema.parse(tenantDoc({ environment: 'other' }, 'team-x'))],
      'team-x',
    );
  });

  it('finding 4: offboarding deletes what the product created and nothing else', async () => {
    sim.reset();
    const env = environment();
    await applyTenants(env, [tenant('team-x'), tenant('team-y')]);
    const api = objectApiFor(sim.url);
    await api.create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'payments', labels: { team: 'x' } },
    });
    await applyTenants(env, []);
    const names = sim
      .objects()
      .filter((o) => o.kind === 'Namespace')
      .map((o) => (o.metadata as { name: string }).name);
    expect(names).toContain('payments');
    expect(names).toContain('default');
    expect(names).toContain('kube-system');
    expect(names).not.toContain('team-x');
  });

  it('finding 5: A listing B writes nothing into B’s namespace unless B accepts A', async () => {
    sim.reset();
    const env = environment();
    const a = tenant('team-a', { networkPolicy: { allowToTenants: ['team-b'] } });
    await applyTenants(env, [a, tenant('team-b')]);
    const inB = () =>
      sim
        .objects()
        .filter(
          (o) =>
            o.kind === 'NetworkPolicy' &&
            (o.metadata as { namespace: string }).namespace === 'team-b',
        )
        .map((o) => (o.metadata as { name: string }).name);
    expect(inB()).not.toContain('allow-ingress-from-granted-tenants');
    await applyTenants(env, [
      a,
      tenant('team-b', { networkPolicy: { acceptFromTenants: ['team-a'] } }),
    ]);
    expect(inB()).toContain('allow-ingress-from-granted-tenants');
  });

  it('finding 12: tenant namespaces enforce the environment’s Pod Security level', async () => {
    sim.reset();
    await applyTenants(environment({ tenancy: { podSecurity: 'restricted' } }), [tenant('team-x')]);
    const ns = sim
      .objects()
      .find((o) => o.kind === 'Namespace' && (o.metadata as { name: string }).name === 'team-x');
    expect((ns?.metadata as { labels: Record<string, string> }).labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'latest',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
    });
  });

  it('finding 7: the issue’s colliding pairs and a 253-character host apply side by side', async () => {
    sim.reset();
    const label = 'a'.repeat(61);
    const longHost = `${label}.${label}.${label}.${'b'.repeat(63)}.com`;
    expect(longHost).toHaveLength(253);
    const tenants = [
      tenant('a', { egress: [{ host: 'b-to-c.com' }, { host: 'a.b.com' }] }),
      tenant('a-to-b', { egress: [{ host: 'c.com' }, { host: 'a-b.com' }] }),
      tenant('long', { egress: [{ host: longHost }] }),
    ];
    const objects = desiredTenantObjects(environment(), tenants);
    const keys = objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const o of objects) expect(o.metadata.name.length).toBeLessThanOrEqual(63);
    await applyObjectSet({
      client: client(),
      set: { environment: 'tutorial', name: 'mesh' },
      objects: desiredMeshObjects(environment()),
    });
    const report = await applyTenants(environment(), tenants);
    expect(report.applied).toHaveLength(objects.length);
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PatchStrategy, type KubernetesObjectApi } from '@kubernetes/client-node';
import type { KubeSimulator } from '../../../local/kube/index.js';
import {
  APPLY_SET_LABEL,
  FIELD_MANAGER,
  MANAGED_KINDS,
  applyObjectSet,
  removeObjectSet,
  type KubeObjectClient,
} from '../../../shared/kube/index.js';
import {
  KIND_ORDER,
  desiredMeshObjects,
  desiredTenantObjects,
} from '../../../shared/plan/mesh/index.js';
import { objectKey } from '../../../shared/plan/kube-object.js';
import {
  liveWithLabel,
  simulatorWithClient,
  tutorialEnvironment,
  tutorialTenant,
} from './helpers.js';

const env = tutorialEnvironment();
const mesh = { environment: env.metadata.name, name: 'mesh' };
let sim: KubeSimulator;
let api: KubernetesObjectApi;
let client: KubeObjectClient;

beforeAll(async () => {
  ({ sim, api, client } = await simulatorWithClient());
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => sim.reset());

describe('applyObjectSet against the Kubernetes simulator', () => {
  it('lists every kind the compiler orders', () => {
    expect(MANAGED_KINDS.map((k) => k.kind).sort()).toEqual([...KIND_ORDER].sort());
  });

  it('creates the set, then sends no write when nothing changed', async () => {
    const objects = desiredMeshObjects(env);
    const first = await applyObjectSet({ client, set: mesh, objects });
    expect(first.applied).toHaveLength(objects.length);
    expect(sim.counters.apply).toBe(objects.length);

    const writes = sim.counters.writes;
    const second = await applyObjectSet({ client, set: mesh, objects });
    expect(second.applied).toEqual([]);
    expect(second.unchanged).toHaveLength(objects.length);
    expect(sim.counters.writes).toBe(writes);
  });

  it('leaves live objects equal to the compiler output', async () => {
    const objects = desiredMeshObjects(env);
    await applyObjectSet({ client, set: mesh, objects });
    const live = liveWithLabel(sim, APPLY_SET_LABEL, 'mesh');
    expect([...live.keys()].sort()).toEqual(objects.map(objectKey).sort());
    for (const obj of objects) expect(live.get(objectKey(obj)), objectKey(obj)).toEqual(obj);
  });

  it('takes back a field another writer changed (drift), and only that object', async () => {
    const objects = desiredMeshObjects(env);
    await applyObjectSet({ client, set: mesh, objects });
    const service = objects.find((o) => o.kind === 'Service')!;
    const spec = service.spec as { ports: { targetPort: number }[] };
    await api.patch(
      { ...service, spec: { ...spec, ports: spec.ports.map((p) => ({ ...p, targetPort: 9999 })) } },
      undefined,
      undefined,
      'someone-else',
      true,
      PatchStrategy.ServerSideApply,
    );
    const report = await applyObjectSet({ client, set: mesh, objects });
    expect(report.applied).toEqual([objectKey(service)]);
    const live = (await client.read({ ...service, ...service.metadata })) as unknown as {
      spec: { ports: { targetPort: number }[] };
    };
    expect(live.spec.ports.map((p) => p.targetPort)).toEqual([8080, 8443]);
  });

  it('prunes what is no longer desired, in reverse order, and never deletes kube-system', async () => {
    const tenants = { environment: env.metadata.name, name: 'tenants' };
    await applyObjectSet({ client, set: mesh, objects: desiredMeshObjects(env) });
    const both = desiredTenantObjects(env, [tutorialTenant('team-x'), tutorialTenant('team-y')]);
    await applyObjectSet({ client, set: tenants, objects: both });

    const onlyY = desiredTenantObjects(env, [tutorialTenant('team-y')]);
    const report = await applyObjectSet({ client, set: tenants, objects: onlyY });
    expect(report.deleted).toContain('Namespace//team-x');
    // Objects inside team-x go with their namespace, not one by one.
    expect(report.cascaded.every((key) => key.split('/')[1] === 'team-x')).toBe(true);
    expect(report.cascaded.length).toBeGreaterThan(0);
    expect([...liveWithLabel(sim, APPLY_SET_LABEL, 'tenants').keys()].sort()).toEqual(
      onlyY.map(objectKey).sort(),
    );
    // The mesh set is untouched by the tenants set's pruning.
    expect([...liveWithLabel(sim, APPLY_SET_LABEL, 'mesh').keys()].sort()).toEqual(
      desiredMeshObjects(env).map(objectKey).sort(),
    );

    const removed = await removeObjectSet({ client, set: mesh });
    expect(removed.released.sort()).toEqual(['Namespace//istio-system', 'Namespace//kube-system']);
    const kubeSystem = (await client.read({
      apiVersion: 'v1',
      kind: 'Namespace',
      name: 'kube-system',
    }))!;
    expect(kubeSystem.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'kube-system' });
    expect(liveWithLabel(sim, APPLY_SET_LABEL, 'mesh').size).toBe(0);
  });

  it('rejects an object without the environment label before any write', async () => {
    const [first] = desiredMeshObjects(env);
    const bad = { ...first!, metadata: { ...first!.metadata, labels: {} } };
    await expect(applyObjectSet({ client, set: mesh, objects: [bad] })).rejects.toMatchObject({
      name: 'PermanentError',
      reason: 'unowned-object',
    });
    expect(sim.counters.writes).toBe(0);
  });

  it('uses the fixed field manager', async () => {
    await applyObjectSet({ client, set: mesh, objects: desiredMeshObjects(env) });
    const ns = sim.objects().find((o) => (o.metadata as { name: string }).name === 'istio-egress')!;
    const managers = (ns.metadata as { managedFields: { manager: string }[] }).managedFields.map(
      (m) => m.manager,
    );
    expect(managers).toEqual([FIELD_MANAGER]);
  });

  it('lists a kind the server does not serve as empty, and applying it is a wait', async () => {
    const unserved = { apiVersion: 'example.com/v1', kind: 'Widget', namespaced: true };
    expect(await client.list(unserved, 'a=b')).toEqual([]);
    expect(await client.list({ ...unserved, apiVersion: 'networking.istio.io/v1' }, 'a=b')).toEqual(
      [],
    );
    const widget = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'Widget',
      metadata: { name: 'w', namespace: 'default' },
    };
    await expect(client.apply(widget)).rejects.toMatchObject({
      name: 'RetryableError',
      reason: 'kind-not-served',
    });
  });
});

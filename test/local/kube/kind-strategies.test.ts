/**
 * The per-kind write rules (local/kube/strategies), seen through the REST API: defaults,
 * generation, status, deletion side effects, the scale subresource and the read-only CRDs.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startKubeSimulator, type KubeSimulator } from '../../../local/kube/index.js';
import { objectPath, restClient, type Json } from './helpers.js';

let simulator: KubeSimulator;
let call: ReturnType<typeof restClient>;
const fixedNow = new Date('2025-03-04T05:06:07.890Z');

beforeAll(async () => {
  simulator = await startKubeSimulator({ port: 0, now: () => fixedNow });
  call = restClient(simulator.url);
});

afterAll(async () => {
  await simulator.close();
});

beforeEach(() => simulator.reset());

async function create(apiVersion: string, plural: string, object: Json) {
  const namespace = (object.metadata as Json).namespace as string | undefined;
  const created = await call('POST', objectPath(apiVersion, plural, namespace), object);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body;
}

const deployment = (replicas?: number): Json => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    ...(replicas === undefined ? {} : { replicas }),
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'nginx' }] },
    },
  },
});

describe('per-kind strategies', () => {
  it('defaults a Service and keeps its cluster IP across updates', async () => {
    const service = await create('v1', 'services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'api', namespace: 'default' },
      spec: { selector: { app: 'api' }, ports: [{ port: 80 }] },
    });
    expect(service.spec).toMatchObject({
      type: 'ClusterIP',
      sessionAffinity: 'None',
      ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
    });
    expect(service.spec.clusterIP).toMatch(/^10\.96\.0\.\d+$/);
    expect(service.spec.clusterIPs).toEqual([service.spec.clusterIP]);
    expect(service.metadata.generation).toBe(1);
    const path = objectPath('v1', 'services', 'default', 'api');
    const patched = await call(
      'PATCH',
      path,
      { spec: { clusterIP: null, clusterIPs: null, ports: [{ port: 81 }] } },
      'application/merge-patch+json',
    );
    expect(patched.body.spec.clusterIP).toBe(service.spec.clusterIP);
    expect(patched.body.metadata.generation).toBe(2);
    const other = await create('v1', 'services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'other', namespace: 'default' },
      spec: { ports: [{ port: 80 }] },
    });
    expect(other.spec.clusterIP).not.toBe(service.spec.clusterIP);
    const external = await create('v1', 'services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'external', namespace: 'default' },
      spec: { type: 'ExternalName', externalName: 'example.com' },
    });
    expect(external.spec.clusterIP).toBeUndefined();
  });

  it('types a Secret Opaque and tracks no generation for kinds without a status', async () => {
    const secret = await create('v1', 'secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'token', namespace: 'default', generation: 7 },
      stringData: { token: 'x' },
      status: { sent: true },
    });
    expect(secret.type).toBe('Opaque');
    expect(secret.metadata.generation).toBeUndefined();
    expect(secret.status).toBeUndefined();
  });

  it('reports a Deployment available at once, with one replica by default', async () => {
    const created = await create('apps/v1', 'deployments', deployment());
    expect(created.spec.replicas).toBe(1);
    expect(created.metadata.generation).toBe(1);
    expect(created.status).toMatchObject({
      observedGeneration: 1,
      replicas: 1,
      readyReplicas: 1,
      availableReplicas: 1,
    });
    expect(created.status.conditions).toContainEqual(
      expect.objectContaining({
        type: 'Available',
        status: 'True',
        lastTransitionTime: '2025-03-04T05:06:07Z',
      }),
    );
    const stopped = await create('apps/v1', 'deployments', {
      ...deployment(0),
      metadata: { name: 'stopped', namespace: 'default' },
    });
    expect(stopped.status.replicas).toBeUndefined();
    expect(stopped.status.conditions).toHaveLength(2);
  });

  it('serves the scale subresource of Deployments, and only of Deployments', async () => {
    await create('apps/v1', 'deployments', deployment(2));
    const path = `${objectPath('apps/v1', 'deployments', 'default', 'web')}/scale`;
    const scale = await call('GET', path);
    expect(scale.body).toMatchObject({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 2 },
      status: { replicas: 2, selector: 'app=web' },
    });
    const scaled = await call('PUT', path, { ...scale.body, spec: { replicas: 5 } });
    expect(scaled.status).toBe(200);
    expect(scaled.body.spec.replicas).toBe(5);
    const stored = await call('GET', objectPath('apps/v1', 'deployments', 'default', 'web'));
    expect(stored.body.spec.replicas).toBe(5);
    expect(stored.body.status.availableReplicas).toBe(5);
    expect(stored.body.metadata.generation).toBe(2);
    const negative = await call(
      'PATCH',
      path,
      { spec: { replicas: -1 } },
      'application/merge-patch+json',
    );
    expect(negative.status).toBe(422);
    expect(negative.body.details.causes[0].field).toBe('spec.replicas');
    const service = await create('v1', 'services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'api', namespace: 'default' },
      spec: { ports: [{ port: 80 }] },
    });
    expect(service.metadata.name).toBe('api');
    expect(
      (await call('GET', `${objectPath('v1', 'services', 'default', 'api')}/scale`)).status,
    ).toBe(404);
  });

  it('defaults a Namespace, keeps it Active, and deletes its contents with it', async () => {
    const created = await create('v1', 'namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team-x', labels: { team: 'x' } },
      status: { phase: 'Terminating' },
    });
    expect(created.metadata.labels).toEqual({
      team: 'x',
      'kubernetes.io/metadata.name': 'team-x',
    });
    expect(created.spec).toEqual({ finalizers: ['kubernetes'] });
    expect(created.status).toEqual({ phase: 'Active' });
    expect(created.metadata.generation).toBeUndefined();
    await create('v1', 'configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'team-x' },
    });
    await create('v1', 'configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'default' },
    });
    const dryRun = await call(
      'DELETE',
      `${objectPath('v1', 'namespaces', undefined, 'team-x')}?dryRun=All`,
    );
    expect(dryRun.body.status).toEqual({ phase: 'Terminating' });
    expect((await call('GET', objectPath('v1', 'configmaps', 'team-x', 'settings'))).status).toBe(
      200,
    );
    const deleted = await call('DELETE', objectPath('v1', 'namespaces', undefined, 'team-x'));
    expect(deleted.body.status).toEqual({ phase: 'Terminating' });
    expect(deleted.body.metadata.deletionTimestamp).toBe('2025-03-04T05:06:07Z');
    expect((await call('GET', objectPath('v1', 'configmaps', 'team-x', 'settings'))).status).toBe(
      404,
    );
    expect((await call('GET', objectPath('v1', 'configmaps', 'default', 'settings'))).status).toBe(
      200,
    );
  });

  it('serves the Istio CRDs read-only, by name and in lists', async () => {
    const crds = 'apiextensions.k8s.io/v1';
    const list = await call('GET', objectPath(crds, 'customresourcedefinitions', undefined));
    const names = (list.body.items as Json[]).map((item) => item.metadata.name as string);
    expect(names).toContain('virtualservices.networking.istio.io');
    expect(names).toHaveLength(15);
    const one = await call(
      'GET',
      objectPath(crds, 'customresourcedefinitions', undefined, 'gateways.networking.istio.io'),
    );
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      apiVersion: crds,
      kind: 'CustomResourceDefinition',
      spec: { group: 'networking.istio.io', names: { kind: 'Gateway' } },
    });
    const missing = await call(
      'GET',
      objectPath(crds, 'customresourcedefinitions', undefined, 'gateways.example.com'),
    );
    expect(missing.status).toBe(404);
    const write = await call(
      'DELETE',
      objectPath(crds, 'customresourcedefinitions', undefined, 'gateways.networking.istio.io'),
    );
    expect(write.status).toBe(405);
  });
});

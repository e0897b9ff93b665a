import {
  ApiException,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeSimulator, type KubeSimulator } from '../../../local/kube/index.js';
import { finalStateObjects, type Json } from './helpers.js';

let simulator: KubeSimulator;
let objects: KubernetesObjectApi;
let core: CoreV1Api;

beforeAll(async () => {
  simulator = await startKubeSimulator({ port: 0, name: 'client-node' });
  const config = new KubeConfig();
  config.loadFromString(simulator.kubeconfig('sim'));
  objects = KubernetesObjectApi.makeApiClient(config);
  core = config.makeApiClient(CoreV1Api);
});

afterAll(async () => {
  await simulator.close();
});

const serverSideApply = (object: KubernetesObject, force = true) =>
  objects.patch(
    object,
    undefined,
    undefined,
    'egress-provisioner',
    force,
    PatchStrategy.ServerSideApply,
  );

async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (error) {
    if (error instanceof ApiException) return error.code;
    throw error;
  }
}

describe('@kubernetes/client-node 1.4.0 against the simulator', () => {
  it('creates and deletes a namespace with CoreV1Api', async () => {
    const created = await core.createNamespace({
      body: { metadata: { name: 'client-ns', labels: { team: 'x' } } },
    });
    expect(created.metadata?.uid).toBeTruthy();
    const read = await core.readNamespace({ name: 'client-ns' });
    expect(read.metadata?.labels).toMatchObject({ team: 'x' });
    await core.deleteNamespace({ name: 'client-ns' });
    expect(await statusOf(core.readNamespace({ name: 'client-ns' }))).toBe(404);
  });

  it('server-side applies, reads, lists and deletes Istio objects through KubernetesObjectApi', async () => {
    const all = finalStateObjects() as KubernetesObject[];
    for (const object of all) await serverSideApply(object);
    expect(simulator.counters.apply).toBe(all.length);

    const virtualService = all.find(
      (object) => object.kind === 'VirtualService',
    ) as KubernetesObject;
    const read = (await objects.read({
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: { name: virtualService.metadata?.name ?? '', namespace: 'istio-egress' },
    })) as Json;
    expect(read.spec.hosts).toEqual(['example.com']);
    expect(read.metadata.managedFields[0]).toMatchObject({
      manager: 'egress-provisioner',
      operation: 'Apply',
    });

    const resourceVersion = read.metadata.resourceVersion;
    const again = (await serverSideApply(virtualService)) as Json;
    expect(again.metadata.resourceVersion).toBe(resourceVersion);

    const policies = await objects.list('networking.k8s.io/v1', 'NetworkPolicy', 'team-x');
    expect(policies.items.length).toBeGreaterThan(3);
    const labelled = await objects.list(
      'v1',
      'Namespace',
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      'team in (x,y)',
    );
    expect(labelled.items.map((item) => item.metadata?.name)).toEqual(['team-x', 'team-y']);
    const byName = await objects.list(
      'networking.istio.io/v1',
      'ServiceEntry',
      'istio-egress',
      undefined,
      undefined,
      undefined,
      'metadata.name=httpbin-org-ext',
    );
    expect(byName.items).toHaveLength(1);

    await objects.delete(virtualService);
    expect(await statusOf(objects.read(virtualService as never))).toBe(404);
  });

  it('reports a 422 for an invalid object and a 409 for a conflicting apply without force', async () => {
    const invalid = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'bad', namespace: 'istio-egress' },
      spec: { host: 'x', trafficPolicy: { loadBalancer: { simple: 'RANDOMLY' } } },
    };
    expect(await statusOf(serverSideApply(invalid))).toBe(422);
    const service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'istio-egressgateway', namespace: 'istio-egress' },
      spec: {
        selector: { istio: 'egress' },
        ports: [{ name: 'http', port: 80, targetPort: 8080 }],
      },
    };
    await serverSideApply(service);
    const other = objects.patch(
      {
        ...service,
        spec: { ...service.spec, ports: [{ name: 'http', port: 80, targetPort: 9090 }] },
      },
      undefined,
      undefined,
      'someone-else',
      false,
      PatchStrategy.ServerSideApply,
    );
    expect(await statusOf(other)).toBe(409);
    const stored = (await objects.read(service as never)) as Json;
    expect(stored.spec.ports[0]).toMatchObject({ port: 80, targetPort: 8080, protocol: 'TCP' });
    expect(stored.spec.clusterIP).toMatch(/^10\.96\./);
  });
});

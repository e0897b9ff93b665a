import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startKubeSimulator, type KubeSimulator } from '../../../local/kube/index.js';
import { finalStateObjects, objectPath, restClient, type Json } from './helpers.js';

const pluralOf: Record<string, string> = {
  Namespace: 'namespaces',
  ServiceAccount: 'serviceaccounts',
  NetworkPolicy: 'networkpolicies',
  PeerAuthentication: 'peerauthentications',
  Sidecar: 'sidecars',
  Gateway: 'gateways',
  DestinationRule: 'destinationrules',
  ServiceEntry: 'serviceentries',
  VirtualService: 'virtualservices',
  AuthorizationPolicy: 'authorizationpolicies',
};

const applyType = 'application/apply-patch+yaml';

let simulator: KubeSimulator;
let call: ReturnType<typeof restClient>;

beforeAll(async () => {
  simulator = await startKubeSimulator({ port: 0 });
  call = restClient(simulator.url);
});

afterAll(async () => {
  await simulator.close();
});

beforeEach(() => simulator.reset());

/** Server-side apply of one object by a manager. */
function apply(object: Json, manager: string, force = false) {
  const metadata = object.metadata as Json;
  const path = objectPath(
    object.apiVersion,
    pluralOf[object.kind] ?? '',
    metadata.namespace,
    metadata.name,
  );
  return call(
    'PATCH',
    `${path}?fieldManager=${manager}${force ? '&force=true' : ''}`,
    object,
    applyType,
  );
}

function namespace(name: string, labels: Record<string, string> = {}): Json {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

const virtualService = (spec: Json): Json => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'vs', namespace: 'team-x' },
  spec,
});

describe('discovery', () => {
  it('lists every Istio kind in every served version, preferred version first', async () => {
    const groups = await call('GET', '/apis');
    const networking = groups.body.groups.find(
      (group: Json) => group.name === 'networking.istio.io',
    );
    expect(networking.versions.map((version: Json) => version.version)).toEqual([
      'v1',
      'v1beta1',
      'v1alpha3',
    ]);
    expect(networking.preferredVersion.version).toBe('v1');
    for (const version of ['v1', 'v1beta1', 'v1alpha3']) {
      const resources = await call('GET', `/apis/networking.istio.io/${version}`);
      const names = resources.body.resources.map((resource: Json) => resource.name);
      expect(names).toEqual(
        expect.arrayContaining([
          'virtualservices',
          'destinationrules',
          'gateways',
          'serviceentries',
          'sidecars',
        ]),
      );
    }
    const telemetry = await call('GET', '/apis/telemetry.istio.io/v1');
    expect(telemetry.body.resources[0]).toMatchObject({
      name: 'telemetries',
      kind: 'Telemetry',
      namespaced: true,
    });
    const hpa = await call('GET', '/apis/autoscaling/v2');
    expect(hpa.body.resources[0]).toMatchObject({
      name: 'horizontalpodautoscalers',
      shortNames: ['hpa'],
    });
  });

  it('answers aggregated discovery when asked for it', async () => {
    const response = await fetch(`${simulator.url}/apis`, {
      headers: {
        accept:
          'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json',
      },
    });
    expect(response.headers.get('content-type')).toContain('as=APIGroupDiscoveryList');
    const body = (await response.json()) as Json;
    const security = body.items.find((item: Json) => item.metadata.name === 'security.istio.io');
    expect(security.versions[0].resources.map((resource: Json) => resource.resource)).toContain(
      'authorizationpolicies',
    );
  });

  it('falls back to unaggregated discovery for a client asking only for v2beta1', async () => {
    const response = await fetch(`${simulator.url}/apis`, {
      headers: {
        accept:
          'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json',
      },
    });
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(((await response.json()) as Json).kind).toBe('APIGroupList');
  });

  it('serves OpenAPI v3 that declares fieldValidation on PATCH', async () => {
    const root = await call('GET', '/openapi/v3');
    const entry = root.body.paths['apis/networking.istio.io/v1beta1'];
    const document = await call('GET', entry.serverRelativeURL);
    const patch =
      document.body.paths[
        '/apis/networking.istio.io/v1beta1/namespaces/{namespace}/virtualservices/{name}'
      ].patch;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({
      group: 'networking.istio.io',
      version: 'v1beta1',
      kind: 'VirtualService',
    });
    expect(patch.parameters.map((parameter: Json) => parameter.name)).toContain('fieldValidation');
  });
});

describe('objects', () => {
  it('creates, reads, updates with resourceVersion checks, and deletes', async () => {
    const created = await call('POST', '/api/v1/namespaces/team-x/configmaps', {
      metadata: { name: 'c' },
      data: { a: '1' },
    });
    expect(created.status).toBe(404);
    expect(created.body).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      message: 'namespaces "team-x" not found',
      code: 404,
    });

    expect((await call('POST', '/api/v1/namespaces', namespace('team-x'))).status).toBe(201);
    const first = await call('POST', '/api/v1/namespaces/team-x/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: { a: '1' },
    });
    expect(first.status).toBe(201);
    expect(first.body.metadata).toMatchObject({ name: 'c', namespace: 'team-x' });
    expect(first.body.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    const again = await call('POST', '/api/v1/namespaces/team-x/configmaps', {
      metadata: { name: 'c' },
    });
    expect(again.status).toBe(409);
    expect(again.body.reason).toBe('AlreadyExists');

    const updated = await call('PUT', '/api/v1/namespaces/team-x/configmaps/c', {
      ...first.body,
      data: { a: '2' },
    });
    expect(updated.status).toBe(200);
    expect(Number(updated.body.metadata.resourceVersion)).toBeGreaterThan(
      Number(first.body.metadata.resourceVersion),
    );
    const stale = await call('PUT', '/api/v1/namespaces/team-x/configmaps/c', {
      ...first.body,
      data: { a: '3' },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe('Conflict');
    expect((await call('GET', '/api/v1/namespaces/team-x/configmaps/c')).body.data).toEqual({
      a: '2',
    });

    expect((await call('DELETE', '/api/v1/namespaces/team-x/configmaps/c')).status).toBe(200);
    const gone = await call('GET', '/api/v1/namespaces/team-x/configmaps/c');
    expect(gone.status).toBe(404);
    expect(gone.body.message).toBe('configmaps "c" not found');
  });

  it('bumps generation on spec changes only and keeps resourceVersion on a no-op apply', async () => {
    await apply(namespace('team-x'), 'test');
    const gateway = {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'Gateway',
      metadata: { name: 'gw', namespace: 'team-x' },
      spec: { selector: { istio: 'egress' } },
    };
    const first = await apply(gateway, 'test');
    expect(first.status).toBe(201);
    expect(first.body.metadata.generation).toBe(1);
    const same = await apply(gateway, 'test');
    expect(same.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
    const labelled = await apply(
      { ...gateway, metadata: { ...gateway.metadata, labels: { a: 'b' } } },
      'test',
    );
    expect(labelled.body.metadata.generation).toBe(1);
    const changed = await apply({ ...gateway, spec: { selector: { istio: 'other' } } }, 'test');
    expect(changed.body.metadata.generation).toBe(2);
    // Every served version reads the same stored object.
    const alpha = await call(
      'GET',
      '/apis/networking.istio.io/v1alpha3/namespaces/team-x/gateways/gw',
    );
    expect(alpha.body.apiVersion).toBe('networking.istio.io/v1alpha3');
    expect(alpha.body.spec).toEqual({ selector: { istio: 'other' } });
  });

  it('serves the status subresource without touching spec or generation', async () => {
    await apply(namespace('team-x'), 'test');
    const gateway = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: { name: 'gw', namespace: 'team-x' },
      spec: { selector: { istio: 'egress' } },
      status: { ignored: true },
    };
    const created = await apply(gateway, 'test');
    expect(created.body.status).toBeUndefined();
    const path = '/apis/networking.istio.io/v1/namespaces/team-x/gateways/gw/status';
    const written = await call('PUT', path, {
      ...created.body,
      spec: { selector: { other: 'x' } },
      status: { conditions: [] },
    });
    expect(written.status).toBe(200);
    expect(written.body.status).toEqual({ conditions: [] });
    expect(written.body.spec).toEqual({ selector: { istio: 'egress' } });
    expect(written.body.metadata.generation).toBe(1);
    const patched = await call(
      'PATCH',
      path,
      { status: { observedGeneration: 1 } },
      'application/merge-patch+json',
    );
    expect(patched.body.status).toEqual({ conditions: [], observedGeneration: 1 });
    // A write to the main resource keeps the status.
    const reapplied = await apply({ ...gateway, spec: { selector: { istio: 'x' } } }, 'test');
    expect(reapplied.body.status).toEqual({ conditions: [], observedGeneration: 1 });
    expect((await call('GET', `${path.replace('/status', '')}/scale`)).status).toBe(404);
  });

  it('patches with merge, JSON and strategic merge patches', async () => {
    await apply(namespace('team-x'), 'test');
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'team-x' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              { name: 'app', image: 'nginx:1', env: [{ name: 'A', value: '1' }] },
              { name: 'side', image: 'busybox' },
            ],
          },
        },
      },
    };
    expect(
      (await call('POST', '/apis/apps/v1/namespaces/team-x/deployments', deployment)).status,
    ).toBe(201);
    const path = '/apis/apps/v1/namespaces/team-x/deployments/web';
    const strategic = await call(
      'PATCH',
      path,
      { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:2' }] } } } },
      'application/strategic-merge-patch+json',
    );
    expect(strategic.status).toBe(200);
    const containers = strategic.body.spec.template.spec.containers;
    expect(containers.map((container: Json) => [container.name, container.image])).toEqual([
      ['app', 'nginx:2'],
      ['side', 'busybox'],
    ]);
    expect(containers[0].env).toEqual([{ name: 'A', value: '1' }]);
    expect(strategic.body.metadata.generation).toBe(2);
    expect(strategic.body.status.availableReplicas).toBe(1);

    const merge = await call(
      'PATCH',
      path,
      { metadata: { labels: { tier: 'front' } } },
      'application/merge-patch+json',
    );
    expect(merge.body.metadata.labels).toEqual({ tier: 'front' });
    const json = await call(
      'PATCH',
      path,
      [{ op: 'replace', path: '/spec/replicas', value: 3 }],
      'application/json-patch+json',
    );
    expect(json.body.spec.replicas).toBe(3);
    const failedTest = await call(
      'PATCH',
      path,
      [{ op: 'test', path: '/spec/replicas', value: 9 }],
      'application/json-patch+json',
    );
    expect(failedTest.status).toBe(422);
  });

  it('filters lists by label and field selectors and deletes collections', async () => {
    await apply(namespace('team-x', { team: 'x', tier: 'a' }), 'test');
    await apply(namespace('team-y', { team: 'y' }), 'test');
    await apply(namespace('shared'), 'test');
    const names = async (query: string): Promise<string[]> => {
      const response = await call('GET', `/api/v1/namespaces?${query}`);
      expect(response.status).toBe(200);
      return response.body.items.map((item: Json) => item.metadata.name);
    };
    expect(await names('labelSelector=team%3Dx')).toEqual(['team-x']);
    expect(await names('labelSelector=team%3D%3Dy')).toEqual(['team-y']);
    expect(await names('labelSelector=team%21%3Dx,team')).toEqual(['team-y']);
    expect(await names('labelSelector=team+in+(x,y)')).toEqual(['team-x', 'team-y']);
    expect(await names('labelSelector=team+notin+(x),!kubernetes.io/metadata.name')).toEqual([]);
    expect(await names('labelSelector=!team')).toEqual([
      'default',
      'kube-node-lease',
      'kube-public',
      'kube-system',
      'shared',
    ]);
    expect(await names('labelSelector=tier')).toEqual(['team-x']);
    expect(await names('fieldSelector=metadata.name%3Dshared')).toEqual(['shared']);
    expect(await names('fieldSelector=metadata.name%21%3Dshared&labelSelector=team')).toEqual([
      'team-x',
      'team-y',
    ]);
    const bad = await call('GET', '/api/v1/namespaces?labelSelector=a+in+(b');
    expect(bad.status).toBe(400);

    for (const name of ['a', 'b', 'c']) {
      await call('POST', '/api/v1/namespaces/team-x/configmaps', {
        metadata: { name, labels: { keep: name === 'c' ? 'yes' : 'no' } },
      });
    }
    const all = await call('GET', '/api/v1/configmaps?fieldSelector=metadata.namespace%3Dteam-x');
    expect(all.body.items).toHaveLength(3);
    const deleted = await call(
      'DELETE',
      '/api/v1/namespaces/team-x/configmaps?labelSelector=keep%3Dno',
    );
    expect(deleted.body.items.map((item: Json) => item.metadata.name)).toEqual(['a', 'b']);
    const left = await call('GET', '/api/v1/namespaces/team-x/configmaps');
    expect(left.body.items.map((item: Json) => item.metadata.name)).toEqual(['c']);
  });

  it('deleting namespace team-x removes every object in it and nothing else', async () => {
    for (const object of finalStateObjects())
      expect((await apply(object, 'test')).status).toBeLessThan(300);
    const before = simulator.objects();
    const inTeamX = before.filter((object) => (object.metadata as Json).namespace === 'team-x');
    expect(inTeamX.length).toBeGreaterThan(5);
    const deleted = await call('DELETE', '/api/v1/namespaces/team-x');
    expect(deleted.status).toBe(200);
    const after = simulator.objects();
    expect(after.filter((object) => (object.metadata as Json).namespace === 'team-x')).toEqual([]);
    expect(after.some((object) => (object.metadata as Json).name === 'team-x')).toBe(false);
    expect(after).toHaveLength(before.length - inTeamX.length - 1);
    const list = await call('GET', '/apis/networking.k8s.io/v1/namespaces/team-x/networkpolicies');
    expect(list.body.items).toEqual([]);
    const create = await call('POST', '/api/v1/namespaces/team-x/serviceaccounts', {
      metadata: { name: 'late' },
    });
    expect(create.status).toBe(404);
  });

  it('counts reads and writes per verb', async () => {
    await call('GET', '/api/v1/namespaces');
    await call('GET', '/api/v1/namespaces/default');
    await apply(namespace('x'), 'test');
    expect(simulator.counters).toMatchObject({ list: 1, get: 1, apply: 1, reads: 2, writes: 1 });
  });
});

describe('validation', () => {
  it('applies every object of the tutorial final state', async () => {
    const objects = finalStateObjects();
    expect(objects.length).toBeGreaterThan(20);
    for (const object of objects) {
      const response = await apply(object, 'tutorial');
      expect(
        response.status,
        `${String(object.kind)} ${JSON.stringify(response.body.message)}`,
      ).toBeLessThan(300);
    }
    const stored = simulator.objects().filter((object) => object.kind !== 'Namespace');
    const expected = objects.filter((object) => object.kind !== 'Namespace');
    expect(stored).toHaveLength(expected.length);
    const teamY = await call('GET', '/api/v1/namespaces/team-y');
    expect(teamY.body.metadata.labels).toMatchObject({
      team: 'y',
      'istio.io/rev': 'asm-managed-rapid',
    });
  });

  it('rejects a VirtualService with a wrong field type (422 naming the field) and stores nothing', async () => {
    await apply(namespace('team-x'), 'test');
    const response = await apply(
      virtualService({ hosts: 'example.com', http: [{ timeout: 5 }] }),
      'test',
    );
    expect(response.status).toBe(422);
    expect(response.body.reason).toBe('Invalid');
    const fields = response.body.details.causes.map((cause: Json) => cause.field);
    expect(fields).toEqual(expect.arrayContaining(['spec.hosts', 'spec.http[0].timeout']));
    expect(response.body.message).toContain('VirtualService.networking.istio.io "vs" is invalid');
    expect(response.body.message).toContain('spec.hosts in body must be of type array: "string"');
    expect(
      (await call('GET', '/apis/networking.istio.io/v1/namespaces/team-x/virtualservices/vs'))
        .status,
    ).toBe(404);
  });

  it('rejects a VirtualService with an unknown enum value and stores nothing', async () => {
    await apply(namespace('team-x'), 'test');
    const response = await apply(
      virtualService({
        hosts: ['a.example'],
        http: [{ redirect: { uri: '/x', derivePort: 'ANY_PORT' } }],
      }),
      'test',
    );
    expect(response.status).toBe(422);
    expect(response.body.details.causes).toEqual([
      {
        reason: 'FieldValueNotSupported',
        field: 'spec.http[0].redirect.derivePort',
        message:
          'Unsupported value: "ANY_PORT": supported values: "FROM_PROTOCOL_DEFAULT", "FROM_REQUEST_PORT"',
      },
      // The CRD has CEL rules: after a blocking error the API server says they did not run
      // (k8s.io/apiextensions-apiserver pkg/registry/customresource/strategy.go hasBlockingErr).
      {
        reason: 'FieldValueInvalid',
        field: '<nil>',
        message:
          'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
      },
    ]);
    expect(simulator.objects().filter((object) => object.kind === 'VirtualService')).toEqual([]);
  });

  it('rejects an unknown enum value with the supported values', async () => {
    await apply(namespace('istio-system'), 'test');
    const response = await apply(
      {
        apiVersion: 'security.istio.io/v1beta1',
        kind: 'PeerAuthentication',
        metadata: { name: 'default', namespace: 'istio-system' },
        spec: { mtls: { mode: 'SOMETIMES' } },
      },
      'test',
    );
    expect(response.status).toBe(422);
    expect(response.body.details.causes).toEqual([
      {
        reason: 'FieldValueNotSupported',
        field: 'spec.mtls.mode',
        message:
          'Unsupported value: "SOMETIMES": supported values: "UNSET", "DISABLE", "PERMISSIVE", "STRICT"',
      },
      // The CRD has CEL rules: after a blocking error the API server says they did not run
      // (k8s.io/apiextensions-apiserver pkg/registry/customresource/strategy.go hasBlockingErr).
      {
        reason: 'FieldValueInvalid',
        field: '<nil>',
        message:
          'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
      },
    ]);
    expect(simulator.objects().filter((object) => object.kind === 'PeerAuthentication')).toEqual(
      [],
    );
  });

  it('validates built-in kinds and ObjectMeta', async () => {
    await apply(namespace('team-x'), 'test');
    const policy = await call(
      'POST',
      '/apis/networking.k8s.io/v1/namespaces/team-x/networkpolicies',
      {
        metadata: { name: 'p' },
        spec: {
          podSelector: {},
          policyTypes: ['Outbound'],
          egress: [{ ports: [{ protocol: 'TCP', port: 53 }] }],
        },
      },
    );
    expect(policy.status).toBe(422);
    expect(policy.body.details.causes).toEqual([
      expect.objectContaining({ field: 'spec.policyTypes[0]', reason: 'FieldValueNotSupported' }),
    ]);
    const deployment = await call('POST', '/apis/apps/v1/namespaces/team-x/deployments', {
      metadata: { name: 'd' },
      spec: { template: { spec: { containers: [{ image: 'x' }] } } },
    });
    expect(deployment.status).toBe(422);
    expect(deployment.body.details.causes.map((cause: Json) => cause.field)).toEqual(
      expect.arrayContaining(['spec.selector', 'spec.template.spec.containers[0].name']),
    );
    const badName = await call('POST', '/api/v1/namespaces', namespace('Team_X'));
    expect(badName.status).toBe(422);
    expect(badName.body.details.causes[0].field).toBe('metadata.name');
    const badLabel = await call(
      'POST',
      '/api/v1/namespaces',
      namespace('ok', { team: 'not valid!' }),
    );
    expect(badLabel.status).toBe(422);
    expect(badLabel.body.details.causes[0].field).toBe('metadata.labels');
    expect(
      simulator
        .objects()
        .filter((object) => ['NetworkPolicy', 'Deployment'].includes(String(object.kind))),
    ).toEqual([]);
  });

  it('prunes unknown fields, or rejects them with fieldValidation=Strict', async () => {
    await apply(namespace('team-x'), 'test');
    const body = virtualService({ hosts: ['a.example'], unknownField: true });
    const strict = await call(
      'PATCH',
      '/apis/networking.istio.io/v1/namespaces/team-x/virtualservices/vs?fieldManager=t&fieldValidation=Strict',
      body,
      applyType,
    );
    expect(strict.status).toBe(400);
    expect(strict.body.message).toBe('strict decoding error: unknown field "spec.unknownField"');
    const lenient = await apply(body, 't');
    expect(lenient.status).toBe(201);
    expect(lenient.headers.get('warning')).toContain('unknown field \\"spec.unknownField\\"');
    expect(lenient.body.spec).toEqual({ hosts: ['a.example'] });
  });
});

describe('server-side apply', () => {
  const configMap = (manager: string, data: Record<string, string>): Json => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'shared', namespace: 'team-x', labels: { owner: manager } },
    data,
  });
  const applyConfigMap = (manager: string, data: Record<string, string>, force = false) =>
    call(
      'PATCH',
      `/api/v1/namespaces/team-x/configmaps/shared?fieldManager=${manager}${force ? '&force=true' : ''}`,
      configMap(manager, data),
      applyType,
    );
  const managers = (object: Json): Record<string, Json> =>
    Object.fromEntries(
      object.metadata.managedFields.map((entry: Json) => [entry.manager, entry.fieldsV1]),
    );

  it('records managedFields per manager; a conflict is a 409 naming the fields; force moves ownership', async () => {
    await apply(namespace('team-x'), 'test');
    const first = await applyConfigMap('alpha', { a: '1', b: '1' });
    expect(managers(first.body).alpha).toEqual({
      'f:data': { 'f:a': {}, 'f:b': {} },
      'f:metadata': { 'f:labels': { 'f:owner': {} } },
    });

    const conflict = await applyConfigMap('beta', { b: '2', c: '2' });
    expect(conflict.status).toBe(409);
    expect(conflict.body.reason).toBe('Conflict');
    expect(conflict.body.message).toBe(
      'Apply failed with 2 conflicts: conflicts with "alpha" using v1:\n- .data.b\n- .metadata.labels.owner',
    );
    expect(conflict.body.details.causes).toEqual([
      {
        reason: 'FieldManagerConflict',
        message: 'conflict with "alpha" using v1',
        field: '.data.b',
      },
      {
        reason: 'FieldManagerConflict',
        message: 'conflict with "alpha" using v1',
        field: '.metadata.labels.owner',
      },
    ]);
    expect((await call('GET', '/api/v1/namespaces/team-x/configmaps/shared')).body.data).toEqual({
      a: '1',
      b: '1',
    });

    const forced = await applyConfigMap('beta', { b: '2', c: '2' }, true);
    expect(forced.status).toBe(200);
    expect(forced.body.data).toEqual({ a: '1', b: '2', c: '2' });
    expect(managers(forced.body).alpha).toEqual({ 'f:data': { 'f:a': {} } });
    expect(managers(forced.body).beta).toEqual({
      'f:data': { 'f:b': {}, 'f:c': {} },
      'f:metadata': { 'f:labels': { 'f:owner': {} } },
    });

    // alpha stops applying `a`: nobody else owns it, so it goes. Applying `b` with beta's value
    // is shared ownership, not a conflict.
    const shared = await call(
      'PATCH',
      '/api/v1/namespaces/team-x/configmaps/shared?fieldManager=alpha',
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'shared', namespace: 'team-x' },
        data: { b: '2' },
      },
      applyType,
    );
    expect(shared.status).toBe(200);
    expect(managers(shared.body).alpha).toEqual({ 'f:data': { 'f:b': {} } });
    // A label alpha re-applies with a value other than beta's is a conflict again.
    expect((await applyConfigMap('alpha', { b: '2' })).status).toBe(409);
    expect(shared.body.data).toEqual({ b: '2', c: '2' });
    // ... and a field another manager still owns stays when alpha drops it.
    const dropped = await call(
      'PATCH',
      '/api/v1/namespaces/team-x/configmaps/shared?fieldManager=alpha',
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared', namespace: 'team-x' } },
      applyType,
    );
    expect(dropped.body.data).toEqual({ b: '2', c: '2' });
    expect(managers(dropped.body).alpha).toBeUndefined();
  });

  it('merges keyed lists and lets an update take fields from an applier', async () => {
    await apply(namespace('team-x'), 'test');
    const deployment = (manager: string, containers: Json[]): Json => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'gw', namespace: 'team-x' },
      spec: {
        selector: { matchLabels: { app: 'gw' } },
        template: { metadata: { labels: { app: 'gw', by: manager } }, spec: { containers } },
      },
    });
    const path = '/apis/apps/v1/namespaces/team-x/deployments/gw';
    await call(
      'PATCH',
      `${path}?fieldManager=one`,
      deployment('one', [{ name: 'proxy', image: 'auto' }]),
      applyType,
    );
    const two = await call(
      'PATCH',
      `${path}?fieldManager=two&force=true`,
      deployment('two', [{ name: 'sidecar', image: 'busybox', ports: [{ containerPort: 80 }] }]),
      applyType,
    );
    expect(two.status).toBe(200);
    expect(two.body.spec.template.spec.containers.map((container: Json) => container.name)).toEqual(
      ['proxy', 'sidecar'],
    );
    const fields = managers(two.body).two?.['f:spec']['f:template']['f:spec']['f:containers'];
    expect(Object.keys(fields)).toEqual(['k:{"name":"sidecar"}']);
    expect(fields['k:{"name":"sidecar"}']['f:ports']).toEqual({
      'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} },
    });

    const scaled = await call(
      'PATCH',
      `${path}?fieldManager=scaler`,
      { spec: { replicas: 4 } },
      'application/merge-patch+json',
    );
    const scaler = scaled.body.metadata.managedFields.find(
      (entry: Json) => entry.manager === 'scaler',
    );
    expect(scaler).toMatchObject({
      operation: 'Update',
      fieldsV1: { 'f:spec': { 'f:replicas': {} } },
    });
    const reapply = await call(
      'PATCH',
      `${path}?fieldManager=one`,
      {
        ...deployment('two', [{ name: 'proxy', image: 'auto' }]),
        spec: { ...deployment('two', [{ name: 'proxy', image: 'auto' }]).spec, replicas: 1 },
      },
      applyType,
    );
    expect(reapply.status).toBe(409);
    expect(reapply.body.message).toContain('conflict with "scaler"');
  });
});

describe('watch', () => {
  it('streams ADDED, MODIFIED and DELETED events after a resourceVersion, filtered by selectors', async () => {
    await apply(namespace('team-x'), 'test');
    const list = await call('GET', '/api/v1/namespaces/team-x/configmaps');
    const controller = new AbortController();
    const response = await fetch(
      `${simulator.url}/api/v1/namespaces/team-x/configmaps?watch=true&labelSelector=watched&resourceVersion=${list.body.metadata.resourceVersion}`,
      { signal: controller.signal },
    );
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    const nextEvent = async (): Promise<Json> => {
      while (!buffered.includes('\n')) {
        const chunk = await reader.read();
        if (chunk.done) throw new Error('watch ended');
        buffered += decoder.decode(chunk.value);
      }
      const line = buffered.slice(0, buffered.indexOf('\n'));
      buffered = buffered.slice(line.length + 1);
      return JSON.parse(line) as Json;
    };
    const configMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'w', labels: { watched: 'yes' } },
    };
    await call('POST', '/api/v1/namespaces/team-x/configmaps', {
      ...configMap,
      metadata: { name: 'ignored' },
    });
    await call('POST', '/api/v1/namespaces/team-x/configmaps', configMap);
    await call(
      'PATCH',
      '/api/v1/namespaces/team-x/configmaps/w',
      { data: { a: '1' } },
      'application/merge-patch+json',
    );
    await call('DELETE', '/api/v1/namespaces/team-x');
    const events = [await nextEvent(), await nextEvent(), await nextEvent()];
    expect(events.map((event) => [event.type, event.object.metadata.name])).toEqual([
      ['ADDED', 'w'],
      ['MODIFIED', 'w'],
      ['DELETED', 'w'],
    ]);
    expect(events[1]?.object.data).toEqual({ a: '1' });
    controller.abort();
    expect(simulator.counters.watch).toBe(1);
  });
});

describe('persistence', () => {
  it('saves objects to the state file and loads them at start', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'kube-sim-'));
    const stateFile = join(directory, 'state.json');
    try {
      const first = await startKubeSimulator({ stateFile });
      const client = restClient(first.url);
      await client('POST', '/api/v1/namespaces', namespace('kept'));
      await first.close();
      expect(JSON.parse(readFileSync(stateFile, 'utf8')).objects.length).toBeGreaterThan(4);
      const second = await startKubeSimulator({ stateFile });
      const read = await restClient(second.url)('GET', '/api/v1/namespaces/kept');
      expect(read.status).toBe(200);
      const created = await restClient(second.url)(
        'POST',
        '/api/v1/namespaces',
        namespace('later'),
      );
      expect(Number(created.body.metadata.resourceVersion)).toBeGreaterThan(
        Number(read.body.metadata.resourceVersion),
      );
      await second.close();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

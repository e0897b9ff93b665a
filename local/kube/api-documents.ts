/**
 * The documents clients read before they touch objects: discovery (`/api`, `/apis`,
 * `/apis/{group}/{version}`, and the aggregated `apidiscovery.k8s.io/v2` form kubectl asks for
 * first), OpenAPI v3 (what `kubectl apply` consults to learn that the server validates fields
 * itself), and server-side printing (`Table`) for `kubectl get`.
 */
import { compareKubeVersions } from './crd-kinds.js';
import type { ResourceRegistry, ResourceType } from './resource-types.js';
import { type JsonObject } from '../../shared/lib/json.js';

/** The Kubernetes version the simulator reports (the API of its built-in schemas). */
export const simulatedKubernetesVersion = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-kube-simulator',
};

function verbsOf(type: ResourceType): string[] {
  return type.readOnly
    ? ['get', 'list']
    : ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update'];
}

/** The subresources the simulator serves: `status` of kinds with a status, `scale` of Deployments. */
/** Whether a kind serves the `scale` subresource (its write strategy has one). */
export type ScaleLookup = (type: ResourceType) => boolean;

function subresourcesOf(
  type: ResourceType,
  group: string,
  version: string,
  hasScale: ScaleLookup,
): {
  subresource: string;
  responseKind: { group: string; version: string; kind: string };
  verbs: string[];
}[] {
  if (type.readOnly) return [];
  const verbs = ['get', 'patch', 'update'];
  const result = [];
  if (type.hasStatus)
    result.push({
      subresource: 'status',
      responseKind: { group, version, kind: type.kind },
      verbs,
    });
  if (hasScale(type)) {
    result.push({
      subresource: 'scale',
      responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
      verbs,
    });
  }
  return result;
}

/** Body of `/version`. */
export function versionDocument(): JsonObject {
  return {
    ...simulatedKubernetesVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.23.0',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

/** Body of `/api`. */
export function coreVersionsDocument(serverAddress: string): JsonObject {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function sortedGroups(registry: ResourceRegistry): { group: string; versions: string[] }[] {
  return registry
    .groups()
    .filter((entry) => entry.group !== '')
    .map((entry) => ({
      group: entry.group,
      versions: [...entry.versions].sort(compareKubeVersions),
    }));
}

/** Body of `/apis/{group}` or one item of `/apis`. */
export function groupDocument(group: string, versions: string[]): JsonObject {
  const entries = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return {
    kind: 'APIGroup',
    apiVersion: 'v1',
    name: group,
    versions: entries,
    preferredVersion: entries[0],
  };
}

/** Body of `/apis` (unaggregated). */
export function groupListDocument(registry: ResourceRegistry): JsonObject {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: sortedGroups(registry).map(({ group, versions }) => {
      const { kind: _kind, apiVersion: _apiVersion, ...rest } = groupDocument(group, versions);
      return rest;
    }),
  };
}

/** Body of `/api/v1` or `/apis/{group}/{version}`; undefined when the group version is not served. */
export function resourceListDocument(
  registry: ResourceRegistry,
  group: string,
  version: string,
  hasScale: ScaleLookup,
): JsonObject | undefined {
  const types = registry.inGroupVersion(group, version);
  if (types.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group === '' ? version : `${group}/${version}`,
    resources: types.flatMap((type) => [
      {
        name: type.plural,
        singularName: type.singular,
        namespaced: type.namespaced,
        kind: type.kind,
        verbs: verbsOf(type),
        ...(type.shortNames.length > 0 ? { shortNames: type.shortNames } : {}),
        ...(type.categories.length > 0 ? { categories: type.categories } : {}),
      },
      ...subresourcesOf(type, group, version, hasScale).map((subresource) => ({
        name: `${type.plural}/${subresource.subresource}`,
        singularName: '',
        namespaced: type.namespaced,
        ...(subresource.responseKind.group !== group
          ? { group: subresource.responseKind.group }
          : {}),
        ...(subresource.responseKind.version !== version
          ? { version: subresource.responseKind.version }
          : {}),
        kind: subresource.responseKind.kind,
        verbs: subresource.verbs,
      })),
    ]),
  };
}

/**
 * Aggregated discovery (`Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`):
 * one document with every group, version and resource, for `/api` (core) or `/apis` (the rest).
 */
export function aggregatedDiscoveryDocument(
  registry: ResourceRegistry,
  core: boolean,
  hasScale: ScaleLookup,
): JsonObject {
  const groups = core ? [{ group: '', versions: ['v1'] }] : sortedGroups(registry);
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: groups.map(({ group, versions }) => ({
      metadata: { name: group, creationTimestamp: null },
      versions: versions.map((version) => ({
        version,
        freshness: 'Current',
        resources: registry.inGroupVersion(group, version).map((type) => ({
          resource: type.plural,
          responseKind: { group, version, kind: type.kind },
          scope: type.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: type.singular,
          verbs: verbsOf(type),
          ...(type.shortNames.length > 0 ? { shortNames: type.shortNames } : {}),
          ...(type.categories.length > 0 ? { categories: type.categories } : {}),
          subresources: subresourcesOf(type, group, version, hasScale),
        })),
      })),
    })),
  };
}

function gvPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

/** Body of `/openapi/v3`: one entry per served group version. */
export function openApiRootDocument(registry: ResourceRegistry): JsonObject {
  const paths: JsonObject = {
    [gvPath('', 'v1')]: { serverRelativeURL: `/openapi/v3/${gvPath('', 'v1')}?hash=SIM` },
  };
  for (const { group, versions } of sortedGroups(registry)) {
    for (const version of versions) {
      paths[gvPath(group, version)] = {
        serverRelativeURL: `/openapi/v3/${gvPath(group, version)}?hash=SIM`,
      };
    }
  }
  return { paths };
}

function schemaName(type: ResourceType, version: string): string {
  if (type.crd) return `${type.group.split('.').reverse().join('.')}.${version}.${type.kind}`;
  const group = type.group === '' ? 'core' : type.group.split('.')[0];
  return `io.k8s.api.${group}.${version}.${type.kind}`;
}

const queryParameter = (name: string, type = 'string'): JsonObject => ({
  name,
  in: 'query',
  schema: { type, uniqueItems: true },
});

/**
 * Body of `/openapi/v3/{api/v1 | apis/G/V}`: paths of every resource with the
 * `x-kubernetes-group-version-kind` extension and the `fieldValidation`, `fieldManager`,
 * `dryRun` and `force` parameters — kubectl looks for `fieldValidation` there to decide that
 * the server validates (so no client-side OpenAPI v2 validation is needed). PATCH lists the
 * JSON, merge and apply patch types; strategic merge patch is left out on purpose, so kubectl
 * computes client-side apply patches from its compiled-in types instead of from these schemas.
 * CRD kinds carry their full `openAPIV3Schema`; built-in kinds an open object schema.
 */
export function openApiGroupVersionDocument(
  registry: ResourceRegistry,
  group: string,
  version: string,
): JsonObject | undefined {
  const types = registry.inGroupVersion(group, version);
  if (types.length === 0) return undefined;
  const paths: JsonObject = {};
  const schemas: JsonObject = {};
  const base = `/${gvPath(group, version)}`;
  for (const type of types) {
    const gvk = { group, version, kind: type.kind };
    const name = schemaName(type, version);
    const reference = { $ref: `#/components/schemas/${name}` };
    const json = { 'application/json': { schema: reference } };
    const operation = (
      action: string,
      parameters: JsonObject[],
      extra: JsonObject = {},
    ): JsonObject => ({
      operationId: `${action}${type.kind}`,
      parameters,
      responses: { '200': { description: 'OK', content: json } },
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
      ...extra,
    });
    const writeParameters = [
      queryParameter('dryRun'),
      queryParameter('fieldManager'),
      queryParameter('fieldValidation'),
    ];
    const patchBody = {
      requestBody: {
        content: {
          'application/json-patch+json': { schema: { type: 'object' } },
          'application/merge-patch+json': { schema: { type: 'object' } },
          'application/apply-patch+yaml': { schema: { type: 'object' } },
        },
        required: true,
      },
    };
    const scope = type.namespaced
      ? `${base}/namespaces/{namespace}/${type.plural}`
      : `${base}/${type.plural}`;
    const pathParameters = type.namespaced
      ? [{ name: 'namespace', in: 'path', required: true, schema: { type: 'string' } }]
      : [];
    paths[scope] = {
      get: operation('list', [queryParameter('labelSelector'), queryParameter('fieldSelector')]),
      ...(type.readOnly
        ? {}
        : {
            post: operation('post', writeParameters, {
              requestBody: { content: json, required: true },
            }),
            delete: operation('deletecollection', [queryParameter('labelSelector')]),
          }),
      parameters: pathParameters,
    };
    paths[`${scope}/{name}`] = {
      get: operation('get', []),
      ...(type.readOnly
        ? {}
        : {
            put: operation('put', writeParameters, {
              requestBody: { content: json, required: true },
            }),
            patch: operation(
              'patch',
              [...writeParameters, queryParameter('force', 'boolean')],
              patchBody,
            ),
            delete: operation('delete', [queryParameter('dryRun')]),
          }),
      parameters: [
        { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
        ...pathParameters,
      ],
    };
    const crdSchema = type.crd?.versions.find((candidate) => candidate.name === version)?.schema;
    schemas[name] = {
      ...(crdSchema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }),
      'x-kubernetes-group-version-kind': [gvk],
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: simulatedKubernetesVersion.gitVersion },
    paths,
    components: { schemas },
  };
}

/** `5m`, `3h`, `2d`: the server-side age of `kubectl get`. */
export function humanAge(since: string | undefined, now: number): string {
  if (!since) return '<unknown>';
  const seconds = Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

function evaluateJsonPath(object: unknown, jsonPath: string): unknown {
  let node = object;
  for (const segment of jsonPath.replace(/^\./, '').split('.')) {
    node = typeof node === 'object' && node !== null ? (node as JsonObject)[segment] : undefined;
  }
  return node;
}

/** A `meta.k8s.io/v1` Table of objects, as `kubectl get` asks for it. */
export function tableOf(
  type: ResourceType,
  version: string,
  objects: JsonObject[],
  resourceVersion: string,
  now: number,
): JsonObject {
  const custom = type
    .printerColumns(version)
    .filter((column) => column.jsonPath !== '.metadata.creationTimestamp');
  const columnDefinitions = [
    {
      name: 'Name',
      type: 'string',
      format: 'name',
      description: 'Name must be unique within a namespace.',
      priority: 0,
    },
    ...custom.map((column) => ({
      name: column.name,
      type: column.type,
      format: '',
      description: column.description ?? '',
      priority: 0,
    })),
    {
      name: 'Age',
      type: 'date',
      format: '',
      description: 'CreationTimestamp of the object.',
      priority: 0,
    },
  ];
  const rows = objects.map((object) => {
    const metadata = (object.metadata ?? {}) as JsonObject;
    const cells = [
      metadata.name,
      ...custom.map((column) => {
        const value = evaluateJsonPath(object, column.jsonPath);
        if (value === undefined || value === null) return '<none>';
        if (column.type === 'date') return humanAge(String(value), now);
        return typeof value === 'object' ? JSON.stringify(value) : value;
      }),
      humanAge(metadata.creationTimestamp as string | undefined, now),
    ];
    const { managedFields: _managedFields, ...partialMetadata } = metadata;
    return {
      cells,
      object: {
        kind: 'PartialObjectMetadata',
        apiVersion: 'meta.k8s.io/v1',
        metadata: partialMetadata,
      },
    };
  });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions,
    rows,
  };
}

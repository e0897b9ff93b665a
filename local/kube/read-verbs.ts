/** The read verbs: get and list (label and field selectors, server-side `Table`s for kubectl). */
import { tableOf } from './api-documents.js';
import type { KubeApiServer } from './api-server.js';
import {
  addressOf,
  apiVersionOf,
  metadataOf,
  present,
  type ResourceRequest,
} from './resource-request.js';
import type { ResourceType } from './resource-types.js';
import { fieldMatcher, labelMatcher } from './selectors.js';
import { notFound } from './status-errors.js';
import { isPlainObject, type JsonObject } from '../../shared/lib/json.js';

/** Whether an object matches the request's `labelSelector` and `fieldSelector`. */
export function selectorsOf(query: URLSearchParams): (object: JsonObject) => boolean {
  const labels = labelMatcher(query.get('labelSelector'));
  const fields = fieldMatcher(query.get('fieldSelector'));
  return (object) => {
    const metadata = metadataOf(object);
    const objectLabels = isPlainObject(metadata.labels)
      ? (metadata.labels as Record<string, string>)
      : {};
    const objectFields: Record<string, string> = { 'metadata.name': String(metadata.name ?? '') };
    if (typeof metadata.namespace === 'string')
      objectFields['metadata.namespace'] = metadata.namespace;
    return labels(objectLabels) && fields(objectFields);
  };
}

/** Objects as the `Table` kubectl asks for (`Accept: ...;as=Table`), ages by the server clock. */
export function tableFor(
  server: KubeApiServer,
  request: ResourceRequest,
  presented: JsonObject[],
  resourceVersion: string,
): JsonObject {
  return tableOf(request.type, request.version, presented, resourceVersion, server.now().getTime());
}

/** One stored object (or a fixed one, for kinds served from the registry). */
export function readObject(
  server: KubeApiServer,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
): JsonObject | undefined {
  const fixed = server.strategies.of(type).fixedObjects;
  if (fixed) return fixed().find((object) => metadataOf(object).name === name);
  return server.store.get(addressOf(type, namespace, name));
}

/** The objects a list (or a deletecollection, or a watch's start) covers, as stored. */
export function selectObjects(server: KubeApiServer, request: ResourceRequest): JsonObject[] {
  const { type } = request;
  const fixed = server.strategies.of(type).fixedObjects;
  const source = fixed
    ? fixed().map((object) => structuredClone(object))
    : server.store.list(type.group, type.kind, type.namespaced ? request.namespace : undefined);
  return source.filter(selectorsOf(request.query));
}

/** A GET of a resource URL: one object, or the list of them when the URL names none. */
export function readResource(
  server: KubeApiServer,
  request: ResourceRequest,
  wantsTable: boolean,
): { body: unknown } {
  const resourceVersion = server.store.resourceVersion;
  const { name, type } = request;
  if (name === undefined) {
    server.counters.list += 1;
    const items = selectObjects(server, request).map((object) => present(object, request));
    if (wantsTable) return { body: tableFor(server, request, items, resourceVersion) };
    return {
      body: {
        apiVersion: apiVersionOf(request),
        kind: type.listKind,
        metadata: { resourceVersion },
        items,
      },
    };
  }
  server.counters.get += 1;
  const object =
    type.namespaced && request.namespace === undefined
      ? undefined
      : readObject(server, type, request.namespace, name);
  if (!object) throw notFound(type.group, type.plural, name);
  const presented = present(object, request);
  if (wantsTable) return { body: tableFor(server, request, [presented], resourceVersion) };
  return { body: presented };
}

/**
 * The write verbs on a resource: create, update, patch (JSON, merge, strategic), server-side
 * apply, delete and deletecollection. Each checks what is particular to it, then hands the
 * object to {@link commitWrite}.
 */
import { randomUUID } from 'node:crypto';
import { checkIdentity, commitWrite, pruneUnknownFields, requireNamespace } from './admission.js';
import type { KubeApiServer } from './api-server.js';
import { mediaTypeOf, parseBody } from './http-bodies.js';
import { applyConfiguration, recordUpdate } from './managed-fields.js';
import { patchObject } from './patches.js';
import { selectObjects } from './read-verbs.js';
import {
  addressOf,
  apiVersionOf,
  metadataOf,
  present,
  type ResourceRequest,
  type WriteContext,
} from './resource-request.js';
import {
  alreadyExists,
  badRequest,
  invalid,
  notFound,
  resourceVersionConflict,
} from './status-errors.js';
import type { JsonObject } from '../../shared/lib/json.js';

/** The stored object the request names; 404 when there is none. */
export function existingObject(server: KubeApiServer, context: WriteContext): JsonObject {
  const { request } = context;
  const name = request.name ?? '';
  const previous = server.store.get(addressOf(request.type, request.namespace, name));
  if (!previous) throw notFound(request.type.group, request.type.plural, name);
  return previous;
}

/** 409 when the client sent a resourceVersion other than the stored one. */
export function rejectStaleWrite(
  request: ResourceRequest,
  sent: unknown,
  previous: JsonObject,
): void {
  if (sent !== undefined && sent !== metadataOf(previous).resourceVersion) {
    throw resourceVersionConflict(request.type.group, request.type.plural, request.name ?? '');
  }
}

/** Gives the writing manager (an Update operation) the fields it changed. */
export function recordManagerUpdate(
  server: KubeApiServer,
  context: WriteContext,
  previous: JsonObject | undefined,
  next: JsonObject,
): void {
  recordUpdate(
    previous,
    next,
    context.manager,
    apiVersionOf(context.request),
    context.request.type.listType,
    server.timestamp(),
  );
}

export function createObject(
  server: KubeApiServer,
  context: WriteContext,
  body: JsonObject,
): JsonObject {
  server.counters.create += 1;
  const { request } = context;
  checkIdentity(context, body);
  const metadata = metadataOf(body);
  if (metadata.name === undefined && typeof metadata.generateName === 'string') {
    metadata.name = `${metadata.generateName}${randomUUID().slice(0, 5)}`;
  }
  const name = String(metadata.name ?? '');
  requireNamespace(server, context);
  pruneUnknownFields(context, body);
  if (name !== '' && server.store.get(addressOf(request.type, request.namespace, name))) {
    throw alreadyExists(request.type.group, request.type.plural, name);
  }
  if (metadata.resourceVersion !== undefined && metadata.resourceVersion !== '') {
    throw invalid(request.type.group, request.type.kind, name, [
      {
        reason: 'FieldValueInvalid',
        field: 'metadata.resourceVersion',
        message: 'Invalid value: must be empty on create',
      },
    ]);
  }
  delete metadata.managedFields;
  delete metadata.uid;
  delete metadata.generation;
  const next = structuredClone(body);
  recordManagerUpdate(server, context, undefined, next);
  return present(commitWrite(server, context, undefined, next), request);
}

/** The tail of update and patch: the new object replaces the stored one. */
function replaceObject(
  server: KubeApiServer,
  context: WriteContext,
  previous: JsonObject,
  body: JsonObject,
): JsonObject {
  pruneUnknownFields(context, body);
  const next = structuredClone(body);
  // What clients may not change through the main resource: managedFields history, uid, age.
  const metadata = metadataOf(next);
  const previousMetadata = metadataOf(previous);
  metadata.managedFields = previousMetadata.managedFields;
  if (metadata.managedFields === undefined) delete metadata.managedFields;
  metadata.uid = previousMetadata.uid;
  metadata.creationTimestamp = previousMetadata.creationTimestamp;
  recordManagerUpdate(server, context, previous, next);
  return present(commitWrite(server, context, previous, next), context.request);
}

export function updateObject(
  server: KubeApiServer,
  context: WriteContext,
  body: JsonObject,
): JsonObject {
  server.counters.update += 1;
  checkIdentity(context, body);
  const previous = existingObject(server, context);
  const sent = metadataOf(body).resourceVersion;
  // An update may leave resourceVersion empty: it then overwrites whatever is stored.
  rejectStaleWrite(context.request, sent === '' ? undefined : sent, previous);
  return replaceObject(server, context, previous, body);
}

/** PATCH: server-side apply for `application/apply-patch+yaml`, a patch format otherwise. */
export function patchOrApply(
  server: KubeApiServer,
  context: WriteContext,
  contentType: string,
  body: string,
): { body: unknown; status?: number } {
  const mediaType = mediaTypeOf(contentType);
  if (mediaType === 'application/apply-patch+yaml') {
    server.counters.apply += 1;
    return applyObject(server, context, parseBody(body, mediaType));
  }
  server.counters.patch += 1;
  const previous = existingObject(server, context);
  const next = patchObject(previous, mediaType, body, context.request.type);
  rejectStaleWrite(context.request, metadataOf(next).resourceVersion, previous);
  checkIdentity(context, next);
  return { body: replaceObject(server, context, previous, next) };
}

/** Server-side apply: the manager's configuration merged with what others own. */
function applyObject(
  server: KubeApiServer,
  context: WriteContext,
  applied: JsonObject,
): { body: unknown; status?: number } {
  const { request } = context;
  if (!request.query.get('fieldManager')) {
    throw invalid('meta.k8s.io', 'PatchOptions', '', [
      {
        reason: 'FieldValueRequired',
        field: 'fieldManager',
        message: 'Required value: is required for apply patch',
      },
    ]);
  }
  if (typeof applied.apiVersion !== 'string' || typeof applied.kind !== 'string') {
    throw badRequest('apiVersion and kind are required in an apply configuration');
  }
  checkIdentity(context, applied);
  const name = request.name ?? '';
  const previous = server.store.get(addressOf(request.type, request.namespace, name));
  if (!previous) requireNamespace(server, context);
  const configuration = structuredClone(applied);
  delete configuration.status;
  const configurationMetadata = metadataOf(configuration);
  for (const key of ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation'])
    delete configurationMetadata[key];
  pruneUnknownFields(context, configuration);
  const force = ['true', '1'].includes(request.query.get('force') ?? '');
  const next = applyConfiguration({
    live: previous,
    applied: configuration,
    manager: context.manager,
    apiVersion: apiVersionOf(request),
    force,
    listType: request.type.listType,
    now: server.timestamp(),
  });
  const result = commitWrite(server, context, previous, next);
  return { status: previous ? 200 : 201, body: present(result, request) };
}

/** Removes one object (and what its strategy removes with it); answers with the object. */
function removeObject(
  server: KubeApiServer,
  context: WriteContext,
  object: JsonObject,
): JsonObject {
  const { request } = context;
  const strategy = server.strategies.of(request.type);
  const metadata = metadataOf(object);
  const name = String(metadata.name);
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : undefined;
  if (!context.dryRun) {
    server.store.delete(addressOf(request.type, namespace, name));
    for (const removed of strategy.deleteDependents?.(object) ?? [])
      server.watches.publish(
        'DELETED',
        removed.address.group,
        removed.address.kind,
        removed.object,
      );
    server.watches.publish('DELETED', request.type.group, request.type.kind, object);
  }
  strategy.markDeleted?.(object);
  return present(object, request);
}

export function deleteObject(server: KubeApiServer, context: WriteContext): JsonObject {
  server.counters.delete += 1;
  return removeObject(server, context, existingObject(server, context));
}

export function deleteCollection(server: KubeApiServer, context: WriteContext): JsonObject {
  server.counters.deletecollection += 1;
  const { request } = context;
  const items = selectObjects(server, request).map((object) =>
    removeObject(server, context, object),
  );
  return {
    apiVersion: apiVersionOf(request),
    kind: request.type.listKind,
    metadata: { resourceVersion: server.store.resourceVersion },
    items,
  };
}

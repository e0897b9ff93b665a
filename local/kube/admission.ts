/**
 * What every write goes through before it is stored, in kube-apiserver's order: the body's
 * identity against the URL, the namespace, pruning of unknown fields, then (in
 * {@link commitWrite}) the kind's strategy — defaults, system metadata, generation, status —
 * and validation; a write that changes nothing keeps the stored object.
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { KubeApiServer } from './api-server.js';
import { addressOf, apiVersionOf, metadataOf, type WriteContext } from './resource-request.js';
import { splitApiVersion } from './resource-types.js';
import { badRequest, invalid, KubeApiError, notFound, type StatusCause } from './status-errors.js';
import { causesFromSchemaErrors, validateObjectMeta } from './validation.js';
import { builtinCauses } from './validation/index.js';
import { crdRuleCauses } from './cel/index.js';
import { isPlainObject, type JsonObject } from '../../shared/lib/json.js';

/** Checks that the body is an object of the URL's kind and names the URL's object. */
export function checkIdentity(context: WriteContext, object: JsonObject): void {
  const { request } = context;
  const apiVersion =
    typeof object.apiVersion === 'string' ? object.apiVersion : apiVersionOf(request);
  const kind = typeof object.kind === 'string' ? object.kind : request.type.kind;
  const { group } = splitApiVersion(apiVersion);
  if (group !== request.group || kind !== request.type.kind) {
    throw badRequest(
      `the API version in the data (${apiVersion}) and kind (${kind}) do not match the requested resource ${request.type.plural}.${request.group}/${request.version}`,
    );
  }
  const metadata = metadataOf(object);
  if (request.name !== undefined && metadata.name !== undefined && metadata.name !== request.name) {
    throw badRequest(
      `the name of the object (${String(metadata.name)}) does not match the name on the URL (${request.name})`,
    );
  }
  if (request.name !== undefined) metadata.name = request.name;
  if (request.type.namespaced) {
    if (metadata.namespace !== undefined && metadata.namespace !== request.namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    if (request.namespace === undefined) throw notFound('', 'namespaces', '');
    metadata.namespace = request.namespace;
  } else {
    delete metadata.namespace;
  }
}

/** 404 when a namespaced object's namespace does not exist, 403 while it is terminating. */
export function requireNamespace(server: KubeApiServer, context: WriteContext): void {
  const namespace = context.request.namespace;
  if (!context.request.type.namespaced || namespace === undefined) return;
  const found = server.store.get({
    group: '',
    kind: 'Namespace',
    namespace: undefined,
    name: namespace,
  });
  if (!found) throw notFound('', 'namespaces', namespace);
  const phase = isPlainObject(found.status) ? found.status.phase : undefined;
  if (phase === 'Terminating') {
    throw new KubeApiError(
      403,
      'Forbidden',
      `${context.request.type.plural} "${context.request.name ?? ''}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
    );
  }
}

/** Drops unknown fields; `fieldValidation=Strict` turns them into a 400 instead. */
export function pruneUnknownFields(context: WriteContext, object: JsonObject): void {
  const removed = context.request.type.prune(context.request.version, object);
  if (removed.length === 0) return;
  const directive = context.request.query.get('fieldValidation') ?? 'Warn';
  if (directive === 'Strict') {
    throw badRequest(
      `strict decoding error: ${removed.map((path) => `unknown field "${path}"`).join(', ')}`,
    );
  }
  if (directive !== 'Ignore')
    for (const path of removed) context.warnings.push(`unknown field "${path}"`);
}

/** Causes without repeats (`ErrorList.ToAggregate` drops identical messages). */
function uniqueCauses(causes: StatusCause[]): StatusCause[] {
  const seen = new Set<string>();
  return causes.filter((cause) => {
    const key = `${cause.field ?? ''}: ${cause.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * 422 naming every invalid field: ObjectMeta rules, the kind's schema, and the built-in kind's
 * own validation (`validation/`).
 */
function validate(
  server: KubeApiServer,
  context: WriteContext,
  object: JsonObject,
  previous?: JsonObject,
): void {
  const { type, version } = context.request;
  const metadata = metadataOf(object);
  const decoded = causesFromSchemaErrors(type.validate(version, object), object);
  // A value of the wrong type fails decoding: only the schema's cause names that field.
  const mistyped = new Set(
    decoded.filter((cause) => cause.reason === 'FieldValueTypeInvalid').map((cause) => cause.field),
  );
  const own = builtinCauses(type.group, type.kind, object, previous).filter(
    (cause) => !mistyped.has(cause.field),
  );
  // kube-apiserver words a built-in kind's errors itself: its cause replaces the schema's.
  const schema = decoded.filter(
    (cause) => mistyped.has(cause.field) || !own.some((mine) => mine.field === cause.field),
  );
  const causes = uniqueCauses([
    ...validateObjectMeta(metadata, server.strategies.of(type).nameRule),
    ...schema,
    ...own,
  ]);
  causes.push(...crdRuleCauses(context, object, previous, causes));
  if (causes.length > 0) throw invalid(type.group, type.kind, String(metadata.name ?? ''), causes);
}

/** The parts of an object whose change bumps `metadata.generation`. */
function generationRelevant(object: JsonObject | undefined): unknown {
  if (!object) return undefined;
  const {
    metadata: _metadata,
    status: _status,
    apiVersion: _apiVersion,
    kind: _kind,
    ...rest
  } = object;
  return rest;
}

/**
 * An object as compared to decide whether a write changed anything: without its
 * resourceVersion, managedFields times and status conditions (which carry times too).
 */
function comparable(object: JsonObject): unknown {
  const copy = structuredClone(object);
  const copyMetadata = metadataOf(copy);
  delete copyMetadata.resourceVersion;
  if (Array.isArray(copyMetadata.managedFields)) {
    for (const entry of copyMetadata.managedFields as JsonObject[]) delete entry.time;
  }
  if (isPlainObject(copy.status) && Array.isArray(copy.status.conditions))
    delete copy.status.conditions;
  copy.apiVersion = undefined;
  return copy;
}

/**
 * The common tail of every write: the kind's strategy (defaults, generation, status), system
 * metadata, validation, and the store (unless dry-run). An update that changes nothing keeps
 * the stored object and its resourceVersion, as the API server does.
 */
export function commitWrite(
  server: KubeApiServer,
  context: WriteContext,
  previous: JsonObject | undefined,
  next: JsonObject,
): JsonObject {
  const { type } = context.request;
  const strategy = server.strategies.of(type);
  const metadata = metadataOf(next);
  next.apiVersion = apiVersionOf(context.request);
  next.kind = type.kind;
  strategy.applyDefaults(next, previous);
  const previousMetadata = previous ? metadataOf(previous) : undefined;
  metadata.uid = previousMetadata?.uid ?? randomUUID();
  metadata.creationTimestamp = previousMetadata?.creationTimestamp ?? server.timestamp();
  const generation =
    typeof previousMetadata?.generation === 'number' ? previousMetadata.generation : 0;
  if (strategy.tracksGeneration) {
    metadata.generation =
      previous && isDeepStrictEqual(generationRelevant(previous), generationRelevant(next))
        ? generation
        : generation + 1;
  } else {
    delete metadata.generation;
  }
  for (const key of ['selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'])
    delete metadata[key];
  if (!context.statusWrite) strategy.resetStatus(next, previous);
  validate(server, context, next, previous);
  if (previous && isDeepStrictEqual(comparable(previous), comparable(next))) return previous;
  metadata.resourceVersion = context.dryRun
    ? (previousMetadata?.resourceVersion ?? '0')
    : server.store.nextResourceVersion();
  if (!context.dryRun) {
    server.store.put(addressOf(type, context.request.namespace, String(metadata.name)), next);
    server.watches.publish(previous ? 'MODIFIED' : 'ADDED', type.group, type.kind, next);
  }
  return next;
}

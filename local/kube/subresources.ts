/**
 * The `status` subresource (every kind with a status) and `scale` (kinds whose strategy has
 * one: Deployments): GET, PUT, and merge/JSON/strategic PATCH.
 */
import { commitWrite } from './admission.js';
import type { KubeApiServer } from './api-server.js';
import { mediaTypeOf, parseBody } from './http-bodies.js';
import { patchObject } from './patches.js';
import { metadataOf, present, type WriteContext } from './resource-request.js';
import { KubeApiError, methodNotAllowed } from './status-errors.js';
import { existingObject, recordManagerUpdate, rejectStaleWrite } from './write-verbs.js';
import type { JsonObject } from '../../shared/lib/json.js';

export function serveSubresource(
  server: KubeApiServer,
  context: WriteContext,
  method: string,
  contentType: string,
  body: string,
): { body: unknown } {
  const { request } = context;
  const name = request.name ?? '';
  const isStatus = request.subresource === 'status' && request.type.hasStatus;
  const scale =
    request.subresource === 'scale' ? server.strategies.of(request.type).scale : undefined;
  if (!isStatus && !scale) {
    throw new KubeApiError(
      404,
      'NotFound',
      `the server could not find the requested resource (subresource "${request.subresource ?? ''}" of ${request.type.plural})`,
    );
  }
  if (request.type.readOnly && method !== 'GET')
    throw methodNotAllowed(`${request.type.plural} are read-only`);
  const previous = existingObject(server, context);
  const view = (object: JsonObject): JsonObject =>
    scale ? scale.view(object) : present(object, request);
  if (method === 'GET') {
    server.counters.get += 1;
    return { body: view(previous) };
  }
  let document: JsonObject;
  if (method === 'PUT') {
    server.counters.update += 1;
    document = parseBody(body, 'application/json');
    const sent = metadataOf(document).resourceVersion;
    rejectStaleWrite(request, sent === '' ? undefined : sent, previous);
  } else if (method === 'PATCH') {
    server.counters.patch += 1;
    const mediaType = mediaTypeOf(contentType);
    // An approximation: an apply to a subresource is taken as a merge patch of its view.
    const patchType =
      mediaType === 'application/apply-patch+yaml' ? 'application/merge-patch+json' : mediaType;
    document = patchObject(view(previous), patchType, body, request.type);
  } else {
    throw methodNotAllowed(`method ${method} is not supported on ${request.subresource ?? ''}`);
  }
  const next = structuredClone(previous);
  if (scale) {
    scale.apply(next, document, name);
  } else {
    next.status = document.status;
    context.statusWrite = true;
  }
  recordManagerUpdate(server, context, previous, next);
  return { body: view(commitWrite(server, context, previous, next)) };
}

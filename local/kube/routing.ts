/**
 * The HTTP front of the API server: decodes a request, answers discovery documents, parses
 * resource URLs and dispatches each verb to its module; every failure becomes a `Status` body.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeApiServer } from './api-server.js';
import { discoveryRoute } from './discovery-routes.js';
import { parseBody, readBody, send } from './http-bodies.js';
import { decodeProtobufObject } from './protobuf-bodies.js';
import { readResource } from './read-verbs.js';
import type { ResourceRequest, WriteContext } from './resource-request.js';
import type { ResourceRegistry } from './resource-types.js';
import { KubeApiError, methodNotAllowed } from './status-errors.js';
import { serveSubresource } from './subresources.js';
import { streamWatch } from './watch-stream.js';
import {
  createObject,
  deleteCollection,
  deleteObject,
  patchOrApply,
  updateObject,
} from './write-verbs.js';

/** What a route answers: a body, or a stream it writes itself (watch). */
interface RouteResult {
  status?: number;
  body: unknown;
  contentType?: string;
  stream?: (response: ServerResponse) => void;
}

/** Serves one HTTP request. */
export async function handleRequest(
  server: KubeApiServer,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const warnings: string[] = [];
  try {
    const url = new URL(request.url ?? '/', 'http://simulator');
    const raw = await readBody(request);
    const contentType = String(request.headers['content-type'] ?? '');
    const body =
      raw.length > 0 && contentType.includes('protobuf')
        ? JSON.stringify(decodeProtobufObject(raw))
        : raw.toString('utf8');
    const result = route(server, request, url, body, warnings);
    if (result.stream) result.stream(response);
    else send(response, result.status ?? 200, result.body, result.contentType, warnings);
  } catch (error) {
    if (error instanceof KubeApiError) {
      send(response, error.code, error.toStatus(), undefined, warnings);
    } else {
      const message = error instanceof Error ? error.message : String(error);
      const status = new KubeApiError(500, 'InternalError', `Internal error occurred: ${message}`);
      send(response, 500, status.toStatus(), undefined, warnings);
    }
  }
}

function route(
  server: KubeApiServer,
  request: IncomingMessage,
  url: URL,
  body: string,
  warnings: string[],
): RouteResult {
  const method = request.method ?? 'GET';
  const accept = String(request.headers.accept ?? '');
  const contentType = String(request.headers['content-type'] ?? '');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  if (method === 'GET') {
    const document = discoveryRoute(server, path, accept, request.headers.host ?? '127.0.0.1');
    if (document) return document;
  }
  const segments = path.split('/').filter((segment) => segment !== '');
  const resource = parseResourcePath(server.registry, segments, url.searchParams);
  if (!resource) {
    throw new KubeApiError(404, 'NotFound', 'the server could not find the requested resource');
  }
  const context: WriteContext = {
    request: resource,
    manager: managerOf(resource.query, request),
    dryRun: resource.query.getAll('dryRun').includes('All'),
    warnings,
  };
  if (resource.subresource !== undefined)
    return serveSubresource(server, context, method, contentType, body);
  const wantsTable = accept.includes('as=Table');
  if (method !== 'GET' && resource.type.readOnly) {
    throw methodNotAllowed(`${resource.type.plural} are read-only in the Kubernetes API simulator`);
  }
  switch (method) {
    case 'GET':
      if (resource.query.get('watch') === 'true' || resource.query.get('watch') === '1') {
        return {
          body: undefined,
          stream: (response) => streamWatch(server, resource, wantsTable, response),
        };
      }
      return readResource(server, resource, wantsTable);
    case 'POST':
      if (resource.name !== undefined)
        throw methodNotAllowed('POST is not allowed on a named object');
      return {
        status: 201,
        body: createObject(server, context, parseBody(body, 'application/json')),
      };
    case 'PUT':
      if (resource.name === undefined) throw methodNotAllowed('PUT needs an object name');
      return { body: updateObject(server, context, parseBody(body, 'application/json')) };
    case 'PATCH':
      if (resource.name === undefined) throw methodNotAllowed('PATCH needs an object name');
      return patchOrApply(server, context, contentType, body);
    case 'DELETE':
      return {
        body:
          resource.name === undefined
            ? deleteCollection(server, context)
            : deleteObject(server, context),
      };
    default:
      throw methodNotAllowed(`method ${method} is not supported`);
  }
}

/** The field manager of a write: `fieldManager`, else the API server's default. */
function managerOf(query: URLSearchParams, request: IncomingMessage): string {
  const explicit = query.get('fieldManager');
  if (explicit) return explicit;
  // The API server's default: the user agent up to its first '/'.
  const agent = String(request.headers['user-agent'] ?? 'unknown');
  return agent.split('/')[0] || 'unknown';
}

/** `/api/v1/...` or `/apis/{group}/{version}/...` as a resource request; undefined otherwise. */
function parseResourcePath(
  registry: ResourceRegistry,
  segments: string[],
  query: URLSearchParams,
): ResourceRequest | undefined {
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api' && segments.length >= 3) {
    group = '';
    version = segments[1] ?? '';
    rest = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 4) {
    group = segments[1] ?? '';
    version = segments[2] ?? '';
    rest = segments.slice(3);
  } else {
    return undefined;
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const namespacedType = registry.byPlural(group, version, rest[2] ?? '');
    if (namespacedType?.namespaced) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
  }
  const type = registry.byPlural(group, version, rest[0] ?? '');
  if (!type || rest.length > 3) return undefined;
  if (namespace !== undefined && !type.namespaced) return undefined;
  return { type, group, version, namespace, name: rest[1], subresource: rest[2], query };
}

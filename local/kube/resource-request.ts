/**
 * One request on a resource URL, as every verb sees it, and the small object views the verbs
 * share (the version an object is presented in, its metadata, its storage address).
 */
import type { ObjectAddress } from './object-store.js';
import type { ResourceType } from './resource-types.js';
import { isPlainObject, type JsonObject } from '../../shared/lib/json.js';

/** A parsed resource URL: `/apis/{group}/{version}/namespaces/{ns}/{plural}/{name}/{sub}`. */
export interface ResourceRequest {
  type: ResourceType;
  group: string;
  version: string;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  query: URLSearchParams;
}

/** Everything one write needs besides the objects. */
export interface WriteContext {
  request: ResourceRequest;
  manager: string;
  dryRun: boolean;
  warnings: string[];
  /** A write through the `status` subresource: only `.status` changes, and it is kept. */
  statusWrite?: boolean;
}

/** The object's metadata, created empty when missing (so writes can fill it in). */
export function metadataOf(object: JsonObject): JsonObject {
  if (!isPlainObject(object.metadata)) object.metadata = {};
  return object.metadata as JsonObject;
}

/** `v1` or `apps/v1`: the apiVersion the request's URL names. */
export function apiVersionOf(request: ResourceRequest): string {
  return request.group === '' ? request.version : `${request.group}/${request.version}`;
}

/** The object as the requested version presents it (one stored object serves every version). */
export function present(object: JsonObject, request: ResourceRequest): JsonObject {
  return { ...object, apiVersion: apiVersionOf(request), kind: request.type.kind };
}

/** Where an object of `type` is stored (cluster-scoped kinds ignore the namespace). */
export function addressOf(
  type: ResourceType,
  namespace: string | undefined,
  name: string,
): ObjectAddress {
  return {
    group: type.group,
    kind: type.kind,
    namespace: type.namespaced ? namespace : undefined,
    name,
  };
}

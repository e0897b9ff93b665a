/**
 * The PATCH formats of the Kubernetes API: JSON merge patch (RFC 7386), JSON patch (RFC 6902)
 * and strategic merge patch.
 *
 * Strategic merge patch is an approximation: lists merge by the first merge key the resource
 * type declares (containers/env/volumes by `name`, container ports by `containerPort`, service
 * ports by `port`, CRD `x-kubernetes-list-type: map` lists by their keys), `set` lists merge as
 * unions, every other list is replaced; the directives `$patch: delete|replace`, `$retainKeys`
 * and `$deleteFromPrimitiveList/…` are honoured and `$setElementOrder/…` is ignored.
 */
import { isDeepStrictEqual } from 'node:util';
import { parseBody, parseJson } from './http-bodies.js';
import type { ListTypeLookup } from './managed-fields.js';
import type { ResourceType } from './resource-types.js';
import { badRequest, KubeApiError } from './status-errors.js';
import { isPlainObject, type JsonObject } from '../../shared/lib/json.js';

/** RFC 7386: objects merge recursively, `null` deletes, everything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const result: JsonObject = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

interface JsonPatchOperation {
  op: string;
  path: string;
  value?: unknown;
  from?: string;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/'))
    throw badRequest(`the json patch path "${pointer}" must start with "/"`);
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function container(document: unknown, segments: string[], pointer: string): unknown {
  let node = document;
  for (const segment of segments) {
    if (Array.isArray(node)) node = node[Number(segment)];
    else if (isPlainObject(node)) node = node[segment];
    else node = undefined;
    if (node === undefined)
      throw new KubeApiError(
        422,
        'Invalid',
        `the server rejected our request due to an error in our request: doc is missing path: "${pointer}"`,
      );
  }
  return node;
}

/** RFC 6902 add/remove/replace/move/copy/test; a failed `test` or a missing path is a 422. */
export function applyJsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw badRequest('json patch must be an array of operations');
  let document = structuredClone(target);
  for (const raw of operations as JsonPatchOperation[]) {
    const segments = parsePointer(raw.path);
    const last = segments[segments.length - 1];
    const get = (pointer: string): unknown => {
      const parts = parsePointer(pointer);
      return structuredClone(container(document, parts, pointer));
    };
    const add = (value: unknown): void => {
      if (last === undefined) {
        document = value;
        return;
      }
      const parent = container(document, segments.slice(0, -1), raw.path);
      if (Array.isArray(parent)) {
        const index = last === '-' ? parent.length : Number(last);
        if (!Number.isInteger(index) || index < 0 || index > parent.length)
          throw badRequest(`json patch index out of range: "${raw.path}"`);
        parent.splice(index, 0, value);
      } else if (isPlainObject(parent)) {
        parent[last] = value;
      } else {
        throw new KubeApiError(422, 'Invalid', `doc is missing path: "${raw.path}"`);
      }
    };
    const remove = (): void => {
      container(document, segments, raw.path);
      const parent = container(document, segments.slice(0, -1), raw.path);
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else if (isPlainObject(parent) && last !== undefined) delete parent[last];
    };
    switch (raw.op) {
      case 'add':
        add(structuredClone(raw.value));
        break;
      case 'remove':
        remove();
        break;
      case 'replace':
        remove();
        add(structuredClone(raw.value));
        break;
      case 'move': {
        const value = get(raw.from ?? '');
        const saved = { segments: parsePointer(raw.from ?? '') };
        const parent = container(document, saved.segments.slice(0, -1), raw.from ?? '');
        const key = saved.segments[saved.segments.length - 1];
        if (Array.isArray(parent)) parent.splice(Number(key), 1);
        else if (isPlainObject(parent) && key !== undefined) delete parent[key];
        add(value);
        break;
      }
      case 'copy':
        add(get(raw.from ?? ''));
        break;
      case 'test':
        if (!isDeepStrictEqual(get(raw.path), raw.value)) {
          throw new KubeApiError(
            422,
            'Invalid',
            `the server rejected our request due to an error in our request: testing value ${raw.path} failed`,
          );
        }
        break;
      default:
        throw badRequest(`unexpected json patch operation "${String(raw.op)}"`);
    }
  }
  return document;
}

/** Strategic merge patch (see the module comment for what is approximated). */
export function applyStrategicMergePatch(
  target: unknown,
  patch: unknown,
  listType: ListTypeLookup,
  names: string[] = [],
): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _ignored, ...rest } = patch;
    return structuredClone(rest);
  }
  const result: JsonObject = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys' || key.startsWith('$setElementOrder/')) continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const current = result[field];
      if (Array.isArray(current) && Array.isArray(value)) {
        result[field] = current.filter(
          (item) => !value.some((removed) => isDeepStrictEqual(item, removed)),
        );
      }
      continue;
    }
    if (value === null) {
      delete result[key];
      continue;
    }
    const path = [...names, key];
    if (Array.isArray(value)) {
      const type = listType(path);
      const current = Array.isArray(result[key]) ? (result[key] as unknown[]) : [];
      if (type.type === 'map' && type.keys[0] !== undefined) {
        const mergeKey = type.keys[0];
        const merged = [...current];
        for (const item of value) {
          if (!isPlainObject(item)) continue;
          const index = merged.findIndex(
            (candidate) =>
              isPlainObject(candidate) && isDeepStrictEqual(candidate[mergeKey], item[mergeKey]),
          );
          if (item.$patch === 'delete') {
            if (index >= 0) merged.splice(index, 1);
          } else if (index >= 0) {
            merged[index] = applyStrategicMergePatch(merged[index], item, listType, path);
          } else {
            merged.push(applyStrategicMergePatch(undefined, item, listType, path));
          }
        }
        result[key] = merged;
      } else if (type.type === 'set') {
        result[key] = [
          ...current,
          ...value.filter((item) => !current.some((existing) => isDeepStrictEqual(existing, item))),
        ];
      } else {
        result[key] = structuredClone(value);
      }
    } else if (isPlainObject(value)) {
      result[key] = applyStrategicMergePatch(result[key], value, listType, path);
    } else {
      result[key] = value;
    }
  }
  if (Array.isArray(patch.$retainKeys)) {
    const retained = patch.$retainKeys as string[];
    for (const key of Object.keys(result)) if (!retained.includes(key)) delete result[key];
  }
  return result;
}

/** Applies a merge, JSON or strategic merge patch (by its media type) to a copy of an object. */
export function patchObject(
  previous: JsonObject,
  mediaType: string,
  body: string,
  type: ResourceType,
): JsonObject {
  let patched: unknown;
  switch (mediaType) {
    case 'application/merge-patch+json':
      patched = applyMergePatch(previous, parseBody(body, mediaType));
      break;
    case 'application/json-patch+json':
      patched = applyJsonPatch(previous, parseJson(body));
      break;
    case 'application/strategic-merge-patch+json':
      if (type.crd) {
        throw new KubeApiError(
          415,
          'UnsupportedMediaType',
          'strategic merge patch is not supported for custom resources: use merge patch or server-side apply',
        );
      }
      patched = applyStrategicMergePatch(previous, parseBody(body, mediaType), type.listType);
      break;
    default:
      throw new KubeApiError(
        415,
        'UnsupportedMediaType',
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json',
      );
  }
  if (!isPlainObject(patched)) throw badRequest('the patch did not produce an object');
  return patched;
}

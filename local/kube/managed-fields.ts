/**
 * Server-side apply: field sets in the `FieldsV1` format (`f:spec`, `k:{"name":"app"}`,
 * `v:"x"`), ownership per field manager in `metadata.managedFields`, conflicts, forced
 * takeover, and removal of fields a manager stops applying when no other manager owns them
 * (k8s.io/apimachinery/pkg/util/managedfields, sigs.k8s.io/structured-merge-diff).
 *
 * Approximations, by design: list semantics come from `ResourceType.listType` (CRD
 * `x-kubernetes-list-type` or a table of the built-in merge keys, everything else atomic);
 * a non-empty map is never owned as a whole, only its leaves; an Update takes ownership of the
 * leaves whose value it changed.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ListType } from './resource-types.js';
import { KubeApiError } from './status-errors.js';
import { isPlainObject, type JsonObject } from '../../shared/lib/json.js';

/** Merge semantics lookup of a list by its path of field names. */
export type ListTypeLookup = (names: readonly string[]) => ListType;

/** One `metadata.managedFields` entry. */
export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

/** A field manager's owned paths; each path is the JSON of its element list. */
interface Ownership {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  paths: Set<string>;
}

const systemMetadata = new Set([
  'name',
  'namespace',
  'generateName',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
]);

/**
 * Key fields the API server defaults before it merges (`protocol: TCP` of ports): an applied
 * item without them must still match the defaulted live item.
 */
const keyDefaults: Readonly<Record<string, unknown>> = { protocol: 'TCP' };

function keyValue(record: JsonObject, key: string): unknown {
  return record[key] ?? keyDefaults[key];
}

function keyElement(item: unknown, keys: readonly string[]): string {
  const record = isPlainObject(item) ? item : {};
  const picked: JsonObject = {};
  for (const key of keys) {
    const value = keyValue(record, key);
    if (value !== undefined) picked[key] = value;
  }
  return `k:${JSON.stringify(picked)}`;
}

function collect(
  value: unknown,
  path: string[],
  names: string[],
  listType: ListTypeLookup,
  out: Set<string>,
): void {
  if (isPlainObject(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) out.add(JSON.stringify(path));
    for (const [key, child] of entries)
      collect(child, [...path, `f:${key}`], [...names, key], listType, out);
    return;
  }
  if (Array.isArray(value)) {
    const type = listType(names);
    if (type.type === 'map') {
      for (const item of value) {
        const itemPath = [...path, keyElement(item, type.keys)];
        out.add(JSON.stringify(itemPath));
        if (isPlainObject(item)) {
          for (const [key, child] of Object.entries(item))
            collect(child, [...itemPath, `f:${key}`], [...names, key], listType, out);
        }
      }
      return;
    }
    if (type.type === 'set') {
      for (const item of value) out.add(JSON.stringify([...path, `v:${JSON.stringify(item)}`]));
      return;
    }
  }
  out.add(JSON.stringify(path));
}

/** The set of field paths an object (or an applied configuration) sets. */
export function fieldSetOf(object: JsonObject, listType: ListTypeLookup): Set<string> {
  const out = new Set<string>();
  for (const [key, value] of Object.entries(object)) {
    if (key === 'apiVersion' || key === 'kind' || key === 'status') continue;
    if (key === 'metadata' && isPlainObject(value)) {
      for (const [metaKey, metaValue] of Object.entries(value)) {
        if (systemMetadata.has(metaKey)) continue;
        collect(metaValue, ['f:metadata', `f:${metaKey}`], ['metadata', metaKey], listType, out);
      }
      continue;
    }
    collect(value, [`f:${key}`], [key], listType, out);
  }
  return out;
}

function matchesElement(item: unknown, element: string): boolean {
  if (element.startsWith('k:')) {
    const wanted = JSON.parse(element.slice(2)) as JsonObject;
    return (
      isPlainObject(item) &&
      Object.entries(wanted).every(([key, value]) => isDeepStrictEqual(keyValue(item, key), value))
    );
  }
  if (element.startsWith('v:')) return isDeepStrictEqual(item, JSON.parse(element.slice(2)));
  return false;
}

function step(node: unknown, element: string): unknown {
  if (element.startsWith('f:')) return isPlainObject(node) ? node[element.slice(2)] : undefined;
  if (element.startsWith('i:'))
    return Array.isArray(node) ? node[Number(element.slice(2))] : undefined;
  return Array.isArray(node) ? node.find((item) => matchesElement(item, element)) : undefined;
}

/** The value at a field path, or undefined. */
export function valueAtPath(object: unknown, path: readonly string[]): unknown {
  let node = object;
  for (const element of path) node = step(node, element);
  return node;
}

/** Removes the value at a field path, in place. */
export function removeAtPath(object: unknown, path: readonly string[]): void {
  const parent = valueAtPath(object, path.slice(0, -1));
  const last = path[path.length - 1];
  if (last === undefined) return;
  if (last.startsWith('f:') && isPlainObject(parent)) {
    delete parent[last.slice(2)];
  } else if (Array.isArray(parent)) {
    const index = parent.findIndex((item) => matchesElement(item, last));
    if (index >= 0) parent.splice(index, 1);
  }
}

/** `.spec.containers[name="app"].image`, as the API server names a field in a conflict. */
export function describePath(path: readonly string[]): string {
  return path
    .map((element) => {
      if (element.startsWith('f:')) return `.${element.slice(2)}`;
      if (element.startsWith('i:')) return `[${element.slice(2)}]`;
      if (element.startsWith('v:')) return `[=${element.slice(2)}]`;
      const keys = JSON.parse(element.slice(2)) as JsonObject;
      return `[${Object.entries(keys)
        .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
        .join(',')}]`;
    })
    .join('');
}

/** Builds the `fieldsV1` tree of a path set. */
export function toFieldsV1(paths: Iterable<string>): JsonObject {
  const root: JsonObject = {};
  for (const serialized of paths) {
    const path = JSON.parse(serialized) as string[];
    let node = root;
    for (const element of path) {
      node[element] ??= {};
      node = node[element] as JsonObject;
    }
    node['.'] = {};
  }
  // A member without children is written `{}`; with children it keeps `".": {}`.
  const finish = (node: JsonObject): JsonObject => {
    const children = Object.keys(node).filter((key) => key !== '.');
    if (children.length === 0) return {};
    const result: JsonObject = {};
    if ('.' in node) result['.'] = {};
    for (const key of children.sort()) result[key] = finish(node[key] as JsonObject);
    return result;
  };
  const result: JsonObject = {};
  for (const key of Object.keys(root).sort()) result[key] = finish(root[key] as JsonObject);
  return result;
}

/** Reads a `fieldsV1` tree back into a path set. */
export function fromFieldsV1(
  fields: unknown,
  prefix: string[] = [],
  out = new Set<string>(),
): Set<string> {
  if (!isPlainObject(fields)) return out;
  const keys = Object.keys(fields);
  if (prefix.length > 0 && (keys.length === 0 || keys.includes('.')))
    out.add(JSON.stringify(prefix));
  for (const key of keys) if (key !== '.') fromFieldsV1(fields[key], [...prefix, key], out);
  return out;
}

function readOwnership(object: JsonObject | undefined): Ownership[] {
  const metadata = isPlainObject(object?.metadata) ? object.metadata : {};
  const entries = Array.isArray(metadata.managedFields)
    ? (metadata.managedFields as ManagedFieldsEntry[])
    : [];
  return entries.map((entry) => ({
    manager: entry.manager,
    operation: entry.operation,
    apiVersion: entry.apiVersion,
    time: entry.time,
    paths: fromFieldsV1(entry.fieldsV1),
  }));
}

function writeOwnership(object: JsonObject, owners: Ownership[]): void {
  const metadata = (object.metadata ??= {}) as JsonObject;
  const entries: ManagedFieldsEntry[] = owners
    .filter((owner) => owner.paths.size > 0)
    .map((owner) => ({
      manager: owner.manager,
      operation: owner.operation,
      apiVersion: owner.apiVersion,
      time: owner.time,
      fieldsType: 'FieldsV1',
      fieldsV1: toFieldsV1(owner.paths),
    }));
  if (entries.length > 0) metadata.managedFields = entries;
  else delete metadata.managedFields;
}

function ownerFor(
  owners: Ownership[],
  manager: string,
  operation: 'Apply' | 'Update',
  apiVersion: string,
  time: string,
): Ownership {
  let owner = owners.find(
    (candidate) => candidate.manager === manager && candidate.operation === operation,
  );
  if (!owner) {
    owner = { manager, operation, apiVersion, time, paths: new Set() };
    owners.push(owner);
  }
  owner.apiVersion = apiVersion;
  owner.time = time;
  return owner;
}

function isPrefixOf(prefix: readonly string[], path: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((element, index) => element === path[index]);
}

/** Merges an applied configuration into the live object by the schema's list semantics. */
export function mergeApplied(
  live: unknown,
  applied: unknown,
  listType: ListTypeLookup,
  names: string[] = [],
): unknown {
  if (isPlainObject(applied) && isPlainObject(live)) {
    const result: JsonObject = { ...live };
    for (const [key, value] of Object.entries(applied))
      result[key] = mergeApplied(live[key], value, listType, [...names, key]);
    return result;
  }
  if (Array.isArray(applied) && Array.isArray(live)) {
    const type = listType(names);
    if (type.type === 'map') {
      const result = [...live];
      for (const item of applied) {
        const element = keyElement(item, type.keys);
        const index = result.findIndex((candidate) => matchesElement(candidate, element));
        if (index >= 0) result[index] = mergeApplied(result[index], item, listType, names);
        else result.push(item);
      }
      return result;
    }
    if (type.type === 'set') {
      const result = [...live];
      for (const item of applied)
        if (!result.some((candidate) => isDeepStrictEqual(candidate, item))) result.push(item);
      return result;
    }
  }
  return structuredClone(applied);
}

/** Arguments of {@link applyConfiguration}. */
export interface ApplyArguments {
  /** The stored object, or undefined when apply creates it. */
  live: JsonObject | undefined;
  /** The applied configuration (status already removed). */
  applied: JsonObject;
  manager: string;
  apiVersion: string;
  force: boolean;
  listType: ListTypeLookup;
  now: string;
}

/**
 * Server-side apply of one configuration: detects conflicts with other managers (409 with one
 * cause per field unless `force`), moves ownership on force, removes the fields this manager
 * no longer applies and nobody else owns, merges, and records the manager's field set.
 * Returns the new object (a fresh copy; the live object is not modified).
 */
export function applyConfiguration(args: ApplyArguments): JsonObject {
  const { applied, manager, listType } = args;
  const live: JsonObject = structuredClone(args.live ?? {});
  const owners = readOwnership(live);
  const appliedPaths = fieldSetOf(applied, listType);
  const conflicts = new Map<Ownership, string[][]>();
  for (const owner of owners) {
    if (owner.manager === manager && owner.operation === 'Apply') continue;
    for (const serialized of appliedPaths) {
      if (!owner.paths.has(serialized)) continue;
      const path = JSON.parse(serialized) as string[];
      if (path[path.length - 1]?.startsWith('k:')) continue;
      if (!isDeepStrictEqual(valueAtPath(live, path), valueAtPath(applied, path))) {
        conflicts.set(owner, [...(conflicts.get(owner) ?? []), path]);
      }
    }
  }
  if (conflicts.size > 0 && !args.force) throw conflictError(conflicts);
  for (const [owner, paths] of conflicts)
    for (const path of paths) owner.paths.delete(JSON.stringify(path));

  const self = ownerFor(owners, manager, 'Apply', args.apiVersion, args.now);
  const dropped = [...self.paths]
    .filter((path) => !appliedPaths.has(path))
    .map((path) => JSON.parse(path) as string[]);
  const stillOwned = owners
    .filter((owner) => owner !== self)
    .flatMap((owner) => [...owner.paths].map((path) => JSON.parse(path) as string[]))
    .concat([...appliedPaths].map((path) => JSON.parse(path) as string[]));
  for (const path of dropped) {
    if (!stillOwned.some((owned) => isPrefixOf(path, owned))) removeAtPath(live, path);
  }
  self.paths = appliedPaths;
  const merged = mergeApplied(live, applied, listType) as JsonObject;
  writeOwnership(merged, owners);
  return merged;
}

function conflictError(conflicts: Map<Ownership, string[][]>): KubeApiError {
  const causes: { reason: string; message: string; field: string }[] = [];
  const parts: string[] = [];
  let total = 0;
  for (const [owner, unsorted] of conflicts) {
    const paths = [...unsorted].sort((a, b) => describePath(a).localeCompare(describePath(b)));
    total += paths.length;
    const description = `with "${owner.manager}" using ${owner.apiVersion}`;
    for (const path of paths)
      causes.push({
        reason: 'FieldManagerConflict',
        message: `conflict ${description}`,
        field: describePath(path),
      });
    parts.push(
      paths.length === 1
        ? `conflict ${description}: ${describePath(paths[0] ?? [])}`
        : `conflicts ${description}:\n${paths.map((path) => `- ${describePath(path)}`).join('\n')}`,
    );
  }
  const message = `Apply failed with ${total} conflict${total === 1 ? '' : 's'}: ${parts.join('\n')}`;
  return new KubeApiError(409, 'Conflict', message, { causes });
}

/**
 * Records an Update (create, PUT, non-apply PATCH) by `manager`: it takes the leaves whose
 * value it added or changed from every other manager, and removed fields leave every set.
 * Writes `metadata.managedFields` of `next` in place.
 */
export function recordUpdate(
  previous: JsonObject | undefined,
  next: JsonObject,
  manager: string,
  apiVersion: string,
  listType: ListTypeLookup,
  now: string,
): void {
  const owners = readOwnership(previous);
  const before = previous ? fieldSetOf(previous, listType) : new Set<string>();
  const after = fieldSetOf(next, listType);
  const changed = [...after].filter((serialized) => {
    if (!before.has(serialized)) return true;
    const path = JSON.parse(serialized) as string[];
    if (path[path.length - 1]?.startsWith('k:')) return false;
    return !isDeepStrictEqual(valueAtPath(previous, path), valueAtPath(next, path));
  });
  const removed = [...before].filter((serialized) => !after.has(serialized));
  for (const owner of owners) {
    for (const path of removed) owner.paths.delete(path);
    if (owner.manager === manager && owner.operation === 'Update') continue;
    for (const path of changed) owner.paths.delete(path);
  }
  if (changed.length > 0) {
    const self = ownerFor(owners, manager, 'Update', apiVersion, now);
    for (const path of changed) self.paths.add(path);
  }
  writeOwnership(next, owners);
}

import { isPlainObject, type JsonObject } from '../lib/json.js';

/**
 * No-op detection for server-side apply: the part of a live object a field manager owns
 * (its `metadata.managedFields` entry, FieldsV1), compared with what the manager would apply.
 *
 * Why this and not a hash annotation: the hash says what was applied last, not what the
 * object holds now. Comparing with the owned fields also catches drift — a field another
 * writer took over (kubectl edit, a forced apply) leaves our entry, so the comparison fails and
 * the next reconcile takes it back — and needs no extra annotation on the objects, so the live
 * objects stay exactly what the compiler emitted. It is client-go's `Extract…` idea
 * (applyconfigurations), which does the same for typed clients.
 */

function isEmptyCollection(value: unknown): boolean {
  return (
    (Array.isArray(value) && value.length === 0) ||
    (isPlainObject(value) && Object.keys(value).length === 0)
  );
}

/** One `metadata.managedFields` entry, as far as the applier reads it. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  subresource?: string;
  fieldsType?: string;
  fieldsV1?: unknown;
}

/** The manager's Apply entry of the main resource (not `status` or `scale`), if any. */
export function applyEntryOf(live: JsonObject, manager: string): ManagedFieldsEntry | undefined {
  const metadata = isPlainObject(live.metadata) ? live.metadata : {};
  const entries = Array.isArray(metadata.managedFields)
    ? (metadata.managedFields as ManagedFieldsEntry[])
    : [];
  return entries.find(
    (e) =>
      e.manager === manager &&
      e.operation === 'Apply' &&
      (e.subresource === undefined || e.subresource === '') &&
      (e.fieldsType === undefined || e.fieldsType === 'FieldsV1'),
  );
}

/**
 * Key fields the API server defaults before it computes a list element's key (a port's
 * `protocol`): a live element without them still matches a key that names the default.
 */
const KEY_DEFAULTS: Readonly<JsonObject> = { protocol: 'TCP' };

function matchesKey(element: unknown, key: JsonObject): boolean {
  if (!isPlainObject(element)) return false;
  return Object.entries(key).every(([field, value]) =>
    deepEqual(element[field] ?? KEY_DEFAULTS[field], value),
  );
}

/** The FieldsV1 member (`k:{…}`, `v:…`, `i:N`) that names a list element, if any. */
function memberOf(fields: JsonObject, element: unknown, index: number): string | undefined {
  for (const member of Object.keys(fields)) {
    if (member.startsWith('k:')) {
      if (matchesKey(element, JSON.parse(member.slice(2)) as JsonObject)) return member;
    } else if (member.startsWith('v:')) {
      if (deepEqual(JSON.parse(member.slice(2)), element)) return member;
    } else if (member === `i:${index}`) {
      return member;
    }
  }
  return undefined;
}

/**
 * The part of `live` a FieldsV1 tree covers: a member with no children is owned whole, a
 * member with children only through them. List elements keep the live order.
 */
export function extractFields(live: unknown, fields: unknown): unknown {
  if (!isPlainObject(fields)) return structuredClone(live);
  const children = Object.keys(fields).filter((member) => member !== '.');
  if (children.length === 0) return structuredClone(live);
  if (Array.isArray(live)) {
    const out: unknown[] = [];
    live.forEach((element, index) => {
      const member = memberOf(fields, element, index);
      if (member !== undefined) out.push(extractFields(element, fields[member]));
    });
    return out;
  }
  if (isPlainObject(live)) {
    const out: JsonObject = {};
    for (const member of children) {
      if (!member.startsWith('f:')) continue;
      const name = member.slice(2);
      if (live[name] !== undefined) out[name] = extractFields(live[name], fields[member]);
    }
    return out;
  }
  return structuredClone(live);
}

const QUANTITY =
  /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)|[eE]([+-]?\d+))?$/;
const SUFFIX: Readonly<Record<string, number>> = {
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A resource quantity's value (`2000m` → 2, `1Gi` → 1073741824), or undefined. */
export function quantityValue(text: string): number | undefined {
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  const base = Number(match[1]);
  if (match[2] !== undefined) return base * (SUFFIX[match[2]] ?? 1);
  if (match[3] !== undefined) return base * 10 ** Number(match[3]);
  return base;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isPlainObject(a)) {
    if (!isPlainObject(b)) return false;
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((k) => k in b && deepEqual(a[k], b[k]))
    );
  }
  return false;
}

/**
 * Whether what the manager owns (`owned`) already says what `desired` says. `live` is the whole
 * live value at the same place, consulted only for empty collections, which the API server
 * records no ownership for (an empty map-list has no element to own). Quantities under
 * `requests`/`limits` compare by value: the API server rewrites `2000m` as `2`.
 */
function sameAsOwned(
  desired: unknown,
  owned: unknown,
  live: unknown,
  path: readonly string[],
): boolean {
  if (owned === undefined) {
    return isEmptyCollection(desired) && (live === undefined || isEmptyCollection(live));
  }
  if (Array.isArray(desired)) {
    return (
      Array.isArray(owned) &&
      owned.length === desired.length &&
      // The owned list is a subset of the live one, so its elements stand in for the live ones.
      desired.every((d, i) => sameAsOwned(d, owned[i], owned[i], path))
    );
  }
  if (isPlainObject(desired)) {
    if (!isPlainObject(owned)) return false;
    const liveObject = isPlainObject(live) ? live : {};
    // A field we own but no longer desire must go: SSA removes it on the next apply.
    if (Object.keys(owned).some((k) => desired[k] === undefined)) return false;
    return Object.keys(desired).every((k) =>
      sameAsOwned(desired[k], owned[k], liveObject[k], [...path, k]),
    );
  }
  if (typeof desired === 'string' && typeof owned === 'string' && desired !== owned) {
    const parent = path[path.length - 2];
    if (parent !== 'requests' && parent !== 'limits') return false;
    const a = quantityValue(desired);
    return a !== undefined && a === quantityValue(owned);
  }
  return desired === owned;
}

/** The applied configuration without what identifies the object (not recorded as owned). */
function comparableConfiguration(applied: JsonObject): JsonObject {
  const { apiVersion: _apiVersion, kind: _kind, metadata, ...rest } = applied;
  const meta = isPlainObject(metadata) ? { ...metadata } : {};
  delete meta.name;
  delete meta.namespace;
  return Object.keys(meta).length > 0 ? { metadata: meta, ...rest } : rest;
}

/**
 * Whether applying `applied` with `manager` to `live` would change nothing: the manager has an
 * Apply entry for the same apiVersion and the fields it owns equal the configuration. False
 * whenever in doubt (no entry, another version): one write too many is harmless, a skipped one
 * is not.
 */
export function isAppliedUnchanged(
  applied: JsonObject,
  live: JsonObject,
  manager: string,
): boolean {
  const entry = applyEntryOf(live, manager);
  if (!entry || entry.apiVersion !== applied.apiVersion) return false;
  const owned = extractFields(live, entry.fieldsV1);
  return sameAsOwned(comparableConfiguration(applied), owned, live, []);
}

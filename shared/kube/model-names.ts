import * as models from '@kubernetes/client-node';
import { isPlainObject, type JsonObject } from '../lib/json.js';

/**
 * @kubernetes/client-node 1.x (de)serializes built-in kinds through its generated model classes,
 * whose property names differ from the wire names in a few places (`from` of a NetworkPolicy
 * ingress rule is `_from`). KubernetesObjectApi.patch reads the model names, so a plain JSON
 * object loses such fields silently (measured: `ingress: [{from: …}]` arrived as `[{}]`), and
 * every answer comes back with model names and Date objects. These two functions translate
 * between the wire form the compiler and the applier speak and the model form of the client.
 */

interface AttributeType {
  name: string;
  baseName: string;
  type: string;
}

type ModelClass = { getAttributeTypeMap?: () => AttributeType[] };
const modelIndex = models as unknown as Record<string, ModelClass | undefined>;

function attributesOf(typeName: string): AttributeType[] | undefined {
  const model = modelIndex[typeName];
  return typeof model?.getAttributeTypeMap === 'function' ? model.getAttributeTypeMap() : undefined;
}

/** An object with fields to translate: the client's Dates are values, not field maps. */
function isFieldMap(value: unknown): value is JsonObject {
  return isPlainObject(value) && !(value instanceof Date);
}

function convert(value: unknown, typeName: string, toModel: boolean): unknown {
  if (value === undefined || value === null) return value;
  if (!toModel && value instanceof Date) return value.toISOString().replace(/\.000Z$/, 'Z');
  const arrayType = /^Array<(.+)>$/.exec(typeName);
  if (arrayType) {
    return Array.isArray(value)
      ? value.map((item) => convert(item, arrayType[1] ?? 'any', toModel))
      : value;
  }
  const mapType = /^\{ \[key: string\]: (.+); \}$/.exec(typeName);
  if (mapType) {
    if (!isFieldMap(value)) return value;
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, convert(v, mapType[1] ?? 'any', toModel)]),
    );
  }
  const attributes = attributesOf(typeName);
  if (!attributes || !isFieldMap(value)) {
    if (!toModel && isFieldMap(value)) {
      // Unknown types (CRDs, `any`) pass through, but may hold Dates from a known parent.
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, convert(v, 'any', false)]),
      );
    }
    return value;
  }
  const out: Record<string, unknown> = {};
  const known = new Set<string>();
  for (const attribute of attributes) {
    const from = toModel ? attribute.baseName : attribute.name;
    const to = toModel ? attribute.name : attribute.baseName;
    known.add(from);
    if (value[from] !== undefined) out[to] = convert(value[from], attribute.type, toModel);
  }
  // Fields the model does not know are kept, so nothing is lost in either direction.
  for (const [key, item] of Object.entries(value)) if (!known.has(key)) out[key] = item;
  return out;
}

/** The client-node model type of an object (`V1NetworkPolicy`), as KubernetesObjectApi picks it. */
export function modelTypeOf(apiVersion: string, kind: string): string {
  const version = apiVersion.split('/').pop() ?? apiVersion;
  return `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
}

/** A wire-form object in the model form KubernetesObjectApi serializes from. */
export function toModelForm<T extends { apiVersion: string; kind: string }>(object: T): T {
  return convert(object, modelTypeOf(object.apiVersion, object.kind), true) as T;
}

/** A KubernetesObjectApi answer back in wire form (JSON names, timestamps as strings). */
export function toWireForm<T>(object: T, apiVersion: string, kind: string): T {
  return convert(object, modelTypeOf(apiVersion, kind), false) as T;
}

import { isPlainObject, type JsonObject } from '../lib/json.js';
import type { KubeObject } from '../plan/kube-object.js';

/** A JSON object as read from YAML: fields are unknown until checked. */
export type Fields = JsonObject;

/** Returns `value` as an object, or an empty one when it is not an object. */
export function fieldsOf(value: unknown): Fields {
  return isPlainObject(value) ? value : {};
}

/** Returns `value` as an array of objects (anything else in it dropped), or an empty array. */
export function listOf(value: unknown): Fields[] {
  return Array.isArray(value) ? value.filter((v) => v && typeof v === 'object').map(fieldsOf) : [];
}

/** Returns `value` as an array of strings (numbers stringified), or an empty array. */
export function stringsOf(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.filter((v) => typeof v === 'string' || typeof v === 'number').map((v) => String(v));
}

/** Returns `value` when it is a string, else `undefined`. */
export function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Returns `value` as a string→string map (other entries dropped). */
export function labelsOf(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fieldsOf(value))) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
      out[k] = String(v);
  }
  return out;
}

/** The object's spec as {@link Fields}. */
export function specOf(obj: KubeObject): Fields {
  return fieldsOf(obj.spec);
}

/** `kind/namespace/name`, the way traces and findings name an object. */
export function refOf(obj: KubeObject): string {
  const ns = obj.metadata.namespace;
  return ns ? `${obj.kind}/${ns}/${obj.metadata.name}` : `${obj.kind}/${obj.metadata.name}`;
}

/**
 * Flattens `List`-style documents (`kind: List`, `PodList`, ... with `items`) into their items,
 * giving items without a `kind` the one the list's kind implies (`NamespaceList` → `Namespace`),
 * and drops documents that are not Kubernetes objects (no kind, no name).
 */
export function flattenObjects(documents: readonly unknown[]): KubeObject[] {
  const out: KubeObject[] = [];
  const visit = (doc: unknown, impliedKind?: string): void => {
    const fields = fieldsOf(doc);
    const kind = stringOf(fields.kind) ?? impliedKind;
    if (Array.isArray(fields.items) && (kind === undefined || kind.endsWith('List'))) {
      const itemKind = kind && kind !== 'List' ? kind.slice(0, -'List'.length) : undefined;
      for (const item of fields.items) visit(item, itemKind);
      return;
    }
    const metadata = fieldsOf(fields.metadata);
    const name = stringOf(metadata.name);
    if (!kind || !name) return;
    out.push({
      ...fields,
      apiVersion: stringOf(fields.apiVersion) ?? 'v1',
      kind,
      metadata: {
        ...metadata,
        name,
        namespace: stringOf(metadata.namespace),
        labels: labelsOf(metadata.labels),
        annotations: labelsOf(metadata.annotations),
      },
      spec: fieldsOf(fields.spec),
    });
  };
  for (const doc of documents) visit(doc);
  return out;
}

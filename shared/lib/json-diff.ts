/** One changed leaf between two documents. */
export interface FieldChange {
  /** Dotted path with [index] for list items, e.g. `spec.subnet.cidr`, `spec.apis[3]`. */
  path: string;
  /** Absent when the field is new. */
  from?: unknown;
  /** Absent when the field is removed. */
  to?: unknown;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function join(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;
}

/**
 * The changed fields between two JSON documents, leaves only, in a stable order. Lists are
 * compared item by item (a list is ordered data in the spec: DNS records, rules).
 */
export function diffDocuments(from: unknown, to: unknown, path = ''): FieldChange[] {
  if (isObject(from) && isObject(to)) {
    const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
    return keys.flatMap((key) => diffDocuments(from[key], to[key], join(path, key)));
  }
  if (Array.isArray(from) && Array.isArray(to)) {
    const length = Math.max(from.length, to.length);
    return Array.from({ length }, (_, i) => diffDocuments(from[i], to[i], join(path, i))).flat();
  }
  if (JSON.stringify(from) === JSON.stringify(to)) return [];
  return [
    {
      path,
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
    },
  ];
}

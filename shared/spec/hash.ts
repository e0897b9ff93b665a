import { createHash } from 'node:crypto';
import type { Environment } from './environment.js';
import type { Tenant } from './tenant.js';

/**
 * JSON with object keys sorted at every level, so equal documents serialize equally whatever
 * order their fields were written or defaulted in. `undefined` members are left out, as
 * JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/**
 * A stable hash (sha256, hex) of a parsed spec's canonical JSON: the "last applied" marker that
 * tells a reconcile whether a spec changed. Hash the parsed document (defaults applied), so
 * writing a default out explicitly does not count as a change.
 */
export function specHash(doc: Environment | Tenant): string {
  return createHash('sha256').update(canonicalJson(doc)).digest('hex');
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
    }
    return sorted;
  }
  return value;
}

import { stringsOf } from './object-access.js';

/**
 * Whether an Istio host pattern (`example.com`, `*.example.com`, `*`) covers `host`.
 * A wildcard prefix also covers the bare domain for sniHosts ("*.com matches foo.example.com
 * and example.com" in virtual_service.proto); elsewhere it needs a label in front.
 */
export function hostMatches(pattern: string, host: string, bareDomainToo = false): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  if (p === '*') return true;
  if (p.startsWith('*.')) {
    const suffix = p.slice(1);
    return h.endsWith(suffix) || (bareDomainToo && h === p.slice(2));
  }
  return p === h;
}

/**
 * Whether an Istio config object with this `exportTo` list in `ownNamespace` is visible from
 * `namespace`. An empty list falls back to the mesh default `*`.
 */
export function exportedTo(exportTo: unknown, ownNamespace: string, namespace: string): boolean {
  return exportListAdmits(exportList(exportTo), ownNamespace, namespace);
}

/** An `exportTo` value read as the set of its entries. */
export function exportList(exportTo: unknown): ReadonlySet<string> {
  return new Set(stringsOf(exportTo));
}

/** {@link exportedTo} of an `exportTo` list read once by {@link exportList}. */
export function exportListAdmits(
  list: ReadonlySet<string>,
  ownNamespace: string,
  namespace: string,
): boolean {
  if (!list.size) return true;
  return list.has('*') || list.has(namespace) || (list.has('.') && ownNamespace === namespace);
}

/**
 * Istio's string match of AuthorizationPolicy values: exact, prefix (`abc*`), suffix (`*abc`)
 * or presence (`*`). Hosts compare case-insensitively.
 */
export function istioValueMatches(
  pattern: string,
  value: string,
  caseInsensitive = false,
): boolean {
  const p = caseInsensitive ? pattern.toLowerCase() : pattern;
  const v = caseInsensitive ? value.toLowerCase() : value;
  if (p === '*') return v !== '';
  if (p.endsWith('*')) return v.startsWith(p.slice(0, -1));
  if (p.startsWith('*')) return v.endsWith(p.slice(1));
  return p === v;
}

/** Splits `ns/host` (Sidecar egress hosts, Gateway server hosts); bare `host` means `*`/host. */
export function splitNamespacedHost(entry: string): { ns: string; host: string } {
  const slash = entry.indexOf('/');
  return slash < 0
    ? { ns: '*', host: entry }
    : { ns: entry.slice(0, slash), host: entry.slice(slash + 1) };
}

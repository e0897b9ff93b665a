/**
 * The names of the Kubernetes and Istio objects derived from tenants and hosts (issue 16,
 * finding 7). Derivation is injective and every name is a DNS-1123 label (at most 63
 * characters, so it also fits kinds that take a label, like Service):
 *
 * - the readable form (the tutorial's: `example-com-ext`, `egress-team-x-to-example-com`) is
 *   used only when it is exact, i.e. it can be read back into the one (tenant, host) it came
 *   from: the host has no hyphen, no wildcard and no label that is a word of the naming scheme
 *   (`to`, `ext`, ...), the tenant name has no `--`, and the result fits 63 characters;
 * - otherwise the name is a readable prefix, `--`, and 12 hex digits of the SHA-256 of the exact
 *   (scheme, tenant, host) tuple. Exact names never contain `--`, so the two forms never meet.
 *
 * Validation (`name-collision`) also proves no two (tenant, host) pairs of a set share a name.
 */
import { createHash } from 'node:crypto';

/** Kubernetes' limit for a DNS-1123 label (and for label values). */
export const MAX_LABEL_NAME = 63;
/** Hex digits of the hash suffix of a lossy name. */
const HASH_DIGITS = 12;

/** Words of the naming scheme: a host label equal to one would make a name ambiguous. */
const SCHEME_WORDS: ReadonlySet<string> = new Set([
  'to',
  'ext',
  'through',
  'egress',
  'gateway',
  'originate',
  'tls',
  'passthrough',
  'mtls',
  'wildcard',
  'sni',
  'allow',
  'nothing',
  'target',
]);

/** A host name as an object-name fragment: `example.com` → `example-com` (the tutorial's). */
export function hostSlug(host: string): string {
  return (host.startsWith('*.') ? `wildcard.${host.slice(2)}` : host).replaceAll('.', '-');
}

/** Whether `hostSlug(host)` can be read back into `host` unambiguously inside any scheme name. */
function isExactHost(host: string): boolean {
  if (host.startsWith('*.') || host.includes('-')) return false;
  let start = 0;
  for (;;) {
    const dot = host.indexOf('.', start);
    if (SCHEME_WORDS.has(host.slice(start, dot < 0 ? undefined : dot))) return false;
    if (dot < 0) return true;
    start = dot + 1;
  }
}

function shortHash(parts: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, HASH_DIGITS);
}

/**
 * `readable` when `exact` and short enough; else a prefix of it, `--` and the hash of the key
 * `[scheme, tenant?, host]` (built only then: most names are readable).
 */
function derivedName(
  readable: string,
  exact: boolean,
  scheme: string,
  host: string,
  tenant?: string,
): string {
  if (exact && readable.length <= MAX_LABEL_NAME && !readable.includes('--')) return readable;
  const suffix = `--${shortHash(tenant === undefined ? [scheme, host] : [scheme, tenant, host])}`;
  const prefix = readable
    .slice(0, MAX_LABEL_NAME - suffix.length)
    .replace(/-+$/, '')
    .replace(/--+/g, '-');
  return `${prefix}${suffix}`;
}

/** ServiceEntry of a host: `example-com-ext`. */
export function hostServiceEntryName(host: string): string {
  return derivedName(`${hostSlug(host)}-ext`, isExactHost(host), 'service-entry', host);
}

/** VirtualService of a host: `example-com-through-egress-gateway`. */
export function hostVirtualServiceName(host: string): string {
  return derivedName(
    `${hostSlug(host)}-through-egress-gateway`,
    isExactHost(host),
    'virtual-service',
    host,
  );
}

/** DestinationRule that originates TLS to a host: `example-com-originate-tls`. */
export function originationRuleName(host: string): string {
  return derivedName(`${hostSlug(host)}-originate-tls`, isExactHost(host), 'origination', host);
}

/** The origination subset of that rule: the tutorial's `example-com-originate-TLS`. */
export function originationSubsetName(host: string): string {
  const name = originationRuleName(host);
  return name.endsWith('-originate-tls') ? `${hostSlug(host)}-originate-TLS` : 'originate-TLS';
}

/** Service, Gateway and DestinationRule of a host's wrapped passthrough: `egress-mtls-example-com`. */
export function mutualObjectName(host: string): string {
  return derivedName(`egress-mtls-${hostSlug(host)}`, isExactHost(host), 'mutual', host);
}

/** A tenant's AuthorizationPolicy for a host on the gateway: `egress-team-x-to-example-com`. */
export function tenantHostPolicyName(tenant: string, host: string): string {
  return derivedName(
    `egress-${tenant}-to-${hostSlug(host)}`,
    isExactHost(host) && !tenant.includes('--'),
    'tenant-host',
    host,
    tenant,
  );
}

/** A tenant's wrapped-passthrough AuthorizationPolicy for a host. */
export function tenantPassthroughPolicyName(tenant: string, host: string): string {
  return derivedName(
    `egress-${tenant}-to-${hostSlug(host)}-passthrough`,
    isExactHost(host) && !tenant.includes('--'),
    'tenant-passthrough',
    host,
    tenant,
  );
}

/** Every name derived from one host (shared by the tenants granted it), by object kind. */
export function hostObjectNames(host: string): Array<{ kind: string; name: string }> {
  // The same names as the functions above, the host's slug and exactness computed once: the
  // name check runs this for every host of an environment (thousands of rules).
  const slug = hostSlug(host);
  const exact = isExactHost(host);
  const mutual = derivedName(`egress-mtls-${slug}`, exact, 'mutual', host);
  return [
    { kind: 'ServiceEntry', name: derivedName(`${slug}-ext`, exact, 'service-entry', host) },
    {
      kind: 'VirtualService',
      name: derivedName(`${slug}-through-egress-gateway`, exact, 'virtual-service', host),
    },
    {
      kind: 'DestinationRule',
      name: derivedName(`${slug}-originate-tls`, exact, 'origination', host),
    },
    { kind: 'DestinationRule', name: mutual },
    { kind: 'Service', name: mutual },
    { kind: 'Gateway', name: mutual },
  ];
}

/** Every name derived from one (tenant, host) pair, by object kind. */
export function tenantHostObjectNames(
  tenant: string,
  host: string,
): Array<{ kind: string; name: string }> {
  const slug = hostSlug(host);
  const exact = isExactHost(host) && !tenant.includes('--');
  return [
    {
      kind: 'AuthorizationPolicy',
      name: derivedName(`egress-${tenant}-to-${slug}`, exact, 'tenant-host', host, tenant),
    },
    {
      kind: 'AuthorizationPolicy',
      name: derivedName(
        `egress-${tenant}-to-${slug}-passthrough`,
        exact,
        'tenant-passthrough',
        host,
        tenant,
      ),
    },
  ];
}

/**
 * What a tenant may not claim, whatever its spec says (docs/security.md): namespaces that
 * Kubernetes, Google or the mesh manage, egress hosts that are not on the internet, and the
 * environment's own host deny list. Pure; the spec's validation and the compiler both use it.
 */
import IANA_TOP_LEVEL_DOMAINS from 'tlds/index.json' with { type: 'json' };

/** Namespaces a tenant may never claim, by exact name. */
export const RESERVED_NAMESPACE_NAMES: readonly string[] = [
  'default',
  'gatekeeper-system',
  'cnrm-system',
];

/** Namespace prefixes of the mesh (an egress gateway namespace may use them). */
export const MESH_NAMESPACE_PREFIXES: readonly string[] = ['istio-', 'asm-'];

/** Namespace prefixes that Kubernetes, GKE, Google's managed services or the mesh use. */
export const RESERVED_NAMESPACE_PREFIXES: readonly string[] = [
  'kube-',
  'gke-',
  'gmp-',
  'istio-',
  'asm-',
  'config-management-',
  'anthos-',
];

/**
 * True when `namespace` is one a tenant may not claim: Kubernetes', GKE's and Google's managed
 * namespaces, the mesh's, and the environment's egress gateway namespace when given.
 */
export function isReservedNamespace(namespace: string, gatewayNamespace?: string): boolean {
  return (
    RESERVED_NAMESPACE_NAMES.includes(namespace) ||
    RESERVED_NAMESPACE_PREFIXES.some((prefix) => namespace.startsWith(prefix)) ||
    namespace === gatewayNamespace
  );
}

/**
 * Special-use top-level names that are not delegated in the root zone but that resolvers, mDNS
 * or private networks treat as top-level domains: RFC 6761 (`test`, `example`, `invalid`,
 * `localhost`), RFC 6762 (`local`), RFC 7686 (`onion`), RFC 8375 and RFC 6762's appendix
 * (`home`, `corp`, `lan`) and ICANN's private-use `internal`.
 */
export const SPECIAL_USE_TOP_LEVEL_DOMAINS: readonly string[] = [
  'local',
  'internal',
  'localhost',
  'test',
  'example',
  'invalid',
  'onion',
  'home',
  'corp',
  'lan',
];

/** IANA's top-level domains (the `tlds` package), internationalised ones in their `xn--` form. */
function asciiTopLevelDomains(list: readonly string[]): Set<string> {
  const names = new Set<string>(SPECIAL_USE_TOP_LEVEL_DOMAINS);
  for (const tld of list) {
    const lower = tld.toLowerCase();
    names.add(/^[a-z0-9-]+$/.test(lower) ? lower : new URL(`http://${lower}/`).hostname);
  }
  return names;
}

const TOP_LEVEL_DOMAINS: ReadonlySet<string> = asciiTopLevelDomains(IANA_TOP_LEVEL_DOMAINS);

/**
 * True when `namespace` is a top-level domain (IANA's list or a special-use name). Pods resolve
 * names through the search path `<ns>.svc.cluster.local svc.cluster.local cluster.local` with
 * ndots:5, so `google.com` is first tried as `google.com.svc.cluster.local`: the Service `google`
 * of namespace `com`. Whoever owns namespace `com` would capture every pod's traffic to
 * `*.com` hosts whose first label is one of its Services.
 */
export function isTopLevelDomainNamespace(namespace: string): boolean {
  return TOP_LEVEL_DOMAINS.has(namespace.toLowerCase());
}

/**
 * Suffixes of names that resolve inside the VPC or the cluster, never on the internet: the
 * metadata server (`metadata.google.internal`), Compute Engine's internal DNS (`*.internal`),
 * mDNS and cluster DNS (`*.local`, `*.cluster.local`, `*.svc`), loopback (`*.localhost`),
 * reverse lookups (`*.arpa`) and RFC 8375's `home.arpa`.
 */
export const NON_EXTERNAL_SUFFIXES: readonly string[] = [
  'internal',
  'local',
  'localhost',
  'svc',
  'arpa',
];

/**
 * Why `host` (syntactically valid, maybe a `*.` wildcard) is not an external host, or undefined.
 * Besides the suffixes above, a name whose last label is a reserved namespace (`kubernetes.default`,
 * `x.kube-system`) resolves through the pods' DNS search path to a cluster Service.
 */
export function hostNotExternalProblem(host: string): string | undefined {
  const body = host.startsWith('*.') ? host.slice(2) : host;
  const labels = body.split('.');
  const last = labels[labels.length - 1] ?? '';
  if (body === 'localhost' || NON_EXTERNAL_SUFFIXES.includes(last)) {
    return `"${host}" resolves inside the VPC or the cluster (".${last}"), not on the internet; egress is granted to external hosts only`;
  }
  if (isReservedNamespace(last)) {
    return `"${host}" ends in "${last}", a Kubernetes namespace: the cluster's DNS search path resolves it to a Service inside the cluster; egress is granted to external hosts only`;
  }
  return undefined;
}

/**
 * The first pattern of `denied` (exact hosts or `*.domain`) that `host` falls under, or that a
 * wildcard `host` would cover; undefined when none does.
 */
export function deniedHostPattern(host: string, denied: readonly string[]): string | undefined {
  return denied.find((pattern) => patternsOverlap(pattern, host));
}

function covers(pattern: string, host: string): boolean {
  if (pattern === host) return true;
  if (!pattern.startsWith('*.')) return false;
  const suffix = pattern.slice(1);
  const body = host.startsWith('*.') ? host.slice(1) : host;
  return body.endsWith(suffix) && body.length > suffix.length;
}

/** Whether some name matches both patterns (each exact or `*.domain`). */
function patternsOverlap(a: string, b: string): boolean {
  return covers(a, b) || covers(b, a);
}

/** The prefix of the Pod Security admission labels (a tenant may not set any of them). */
export const POD_SECURITY_LABEL_PREFIX = 'pod-security.kubernetes.io/';

/** Pod Security Standard levels, as `spec.tenancy.podSecurity` names them. */
export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

/**
 * The namespace labels that make Kubernetes' Pod Security admission enforce `level` (and warn
 * and audit at the same level), at the cluster's current version of the standard.
 */
export function podSecurityLabels(level: PodSecurityLevel): Record<string, string> {
  return {
    [`${POD_SECURITY_LABEL_PREFIX}enforce`]: level,
    [`${POD_SECURITY_LABEL_PREFIX}enforce-version`]: 'latest',
    [`${POD_SECURITY_LABEL_PREFIX}warn`]: level,
    [`${POD_SECURITY_LABEL_PREFIX}audit`]: level,
  };
}

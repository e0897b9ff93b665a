import { desiredFirewalls } from '../plan/gcp/compute.js';
import { applicationNodesEmail, gatewayNodesEmail } from '../plan/gcp/names.js';
import type { KubeObject } from '../plan/kube-object.js';
import { egressRulePorts, hostCovers, tenantNamespace } from '../spec/egress.js';
import type { Environment } from '../spec/environment.js';
import type { EgressRule, Tenant } from '../spec/tenant.js';
import type { FirewallRule } from './firewall.js';
import { DEFAULT_UNGRANTED_SAMPLE } from './matrix.js';
import type { AnalyzerOptions, ReachabilityResult, Verdict, Via } from './analysis-context.js';
import { ReachabilityAnalyzer } from './reachability.js';
import { formatRef } from './trace.js';

/** One request the specs make a promise about: a tenant, a URL and a method. */
export interface ReachabilityProbe {
  /** The tenant's namespace (the request's source). */
  tenant: string;
  url: string;
  method: string;
  /** Whether the host is a sampled host no tenant is granted. */
  ungranted: boolean;
}

/** What the specs promise for a probe: allowed (and how), or denied (for any reason). */
export interface ExpectedReachability {
  allowed: boolean;
  via?: Via;
}

/** What the analyzer found for a probe on an object set. */
export interface ObservedReachability {
  verdict: Verdict;
  via?: Via;
  /** `Kind/namespace/name` of the object that decided, or the deciding rule when no object did. */
  decidedBy: string;
}

/** A probe whose observed verdict is not what the specs grant. */
export interface ReachabilityDifference {
  probe: ReachabilityProbe;
  expected: ExpectedReachability;
  actual: ObservedReachability;
}

/** The outcome of checking an object set against the specs. */
export interface ReachabilityVerification {
  /** One compact row per probe (see {@link formatReachabilityRow}): what a run records. */
  rows: string[];
  differences: ReachabilityDifference[];
}

/** Host names of `*.` wildcards are probed through one concrete name below the wildcard. */
const WILDCARD_PROBE_LABEL = 'wildcard-probe';

function concreteHost(host: string): string {
  return host.startsWith('*.') ? `${WILDCARD_PROBE_LABEL}${host.slice(1)}` : host;
}

/** A path of an AuthorizationPolicy-style pattern turned into one path it matches. */
function concretePath(pattern: string): string {
  if (pattern.endsWith('*')) return `${pattern.slice(0, -1)}probe`;
  if (pattern.startsWith('*')) return `/probe${pattern.slice(1)}`;
  return pattern;
}

function urlOf(scheme: 'http' | 'https', host: string, port: number, path: string): string {
  const standard = scheme === 'https' ? 443 : 80;
  return `${scheme}://${host}${port === standard ? '' : `:${port}`}${path}`;
}

function schemeOf(rule: Pick<EgressRule, 'mode'>): 'http' | 'https' {
  // With TLS origination the app speaks plain HTTP; only passthrough has the app speak TLS.
  return rule.mode === 'passthrough' ? 'https' : 'http';
}

function presentTenants(env: Environment, tenants: readonly Tenant[]): Tenant[] {
  return tenants
    .filter((t) => t.spec.environment === env.metadata.name && t.spec.state === 'present')
    .sort((a, b) => (tenantNamespace(a) < tenantNamespace(b) ? -1 : 1));
}

/**
 * The requests the specs make promises about (pure): every present tenant × every host any
 * tenant is granted, over http and https at the standard ports, at each granted rule's own port
 * and scheme, on `/` and on each granted path (with GET, or the rule's first method when GET is
 * not among them); plus {@link DEFAULT_UNGRANTED_SAMPLE} hosts no tenant is granted.
 */
export function reachabilityProbes(
  env: Environment,
  tenants: readonly Tenant[],
  sampleUngranted: readonly string[] = DEFAULT_UNGRANTED_SAMPLE,
): ReachabilityProbe[] {
  const present = presentTenants(env, tenants);
  const requests = new Map<string, { url: string; method: string; ungranted: boolean }>();
  const add = (url: string, method: string, ungranted: boolean) => {
    const key = `${method} ${url}`;
    if (!requests.has(key)) requests.set(key, { url, method, ungranted });
  };
  const rules = present.flatMap((t) => t.spec.egress);
  const granted = new Set(rules.map((r) => concreteHost(r.host)));
  for (const host of [...granted].sort()) {
    add(urlOf('http', host, 80, '/'), 'GET', false);
    add(urlOf('https', host, 443, '/'), 'GET', false);
  }
  for (const rule of rules) {
    const host = concreteHost(rule.host);
    const { port } = egressRulePorts(rule);
    const method =
      rule.methods.length === 0 || rule.methods.includes('GET') ? 'GET' : rule.methods[0]!;
    add(urlOf(schemeOf(rule), host, port, '/'), method, false);
    for (const path of rule.paths)
      add(urlOf(schemeOf(rule), host, port, concretePath(path)), method, false);
  }
  for (const host of sampleUngranted) {
    if (granted.has(host) || rules.some((r) => hostCovers(r.host, host))) continue;
    add(urlOf('http', host, 80, '/'), 'GET', true);
    add(urlOf('https', host, 443, '/'), 'GET', true);
  }
  const ordered = [...requests.values()];
  return present.flatMap((t) => ordered.map((r) => ({ tenant: tenantNamespace(t), ...r })));
}

function pathAllowed(patterns: readonly string[], path: string): boolean {
  if (patterns.length === 0) return true;
  return patterns.some((p) =>
    p.endsWith('*')
      ? path.startsWith(p.slice(0, -1))
      : p.startsWith('*')
        ? path.endsWith(p.slice(1))
        : path === p,
  );
}

/**
 * What a tenant's spec grants for one request (pure, from the specs alone, not from compiled
 * objects): allowed when one of its egress rules covers the host, has the request's scheme
 * (http for `tls-origination`/`http`, https for `passthrough`) and port, and admits its path and
 * method. Passthrough is an environment-wide grant only for an app that addresses the egress
 * gateway directly (a finding, not a routed request), so a tenant without the rule is denied.
 */
export function expectedReachability(
  tenant: Tenant,
  request: { url: string; method: string },
): ExpectedReachability {
  const url = new URL(request.url);
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  const port = url.port ? Number(url.port) : scheme === 'https' ? 443 : 80;
  const path = url.pathname || '/';
  for (const rule of tenant.spec.egress) {
    if (!hostCovers(rule.host, url.hostname) || schemeOf(rule) !== scheme) continue;
    if (egressRulePorts(rule).port !== port) continue;
    if (!pathAllowed(rule.paths, path)) continue;
    if (rule.methods.length > 0 && !rule.methods.includes(request.method as never)) continue;
    const via: Via =
      rule.mode === 'passthrough'
        ? 'passthrough'
        : rule.mode === 'http'
          ? 'plain-http'
          : 'tls-origination';
    return { allowed: true, via };
  }
  return { allowed: false };
}

/** The object (or, lacking one, the rule) that decided a result: the deny hop, or the last pass. */
export function decidingObject(result: ReachabilityResult): string {
  const deny = result.trace.find((h) => h.decision === 'deny');
  const hop =
    deny ??
    [...result.trace].reverse().find((h) => h.stage === 'authorization-policy' && h.object) ??
    [...result.trace].reverse().find((h) => h.decision === 'pass' && h.object);
  if (!hop) return '-';
  return hop.object ? formatRef(hop.object) : `(${hop.stage}: ${hop.rule})`;
}

/** What the analyzer finds for one probe: verdict, way and deciding object. */
export function observeProbe(
  analyzer: ReachabilityAnalyzer,
  probe: Pick<ReachabilityProbe, 'tenant' | 'url' | 'method'>,
): ObservedReachability {
  const result = analyzer.can({
    sourceNamespace: probe.tenant,
    url: probe.url,
    method: probe.method,
  });
  return {
    verdict: result.verdict,
    ...(result.via ? { via: result.via } : {}),
    decidedBy: decidingObject(result),
  };
}

/** Whether an observed verdict keeps the specs' promise. A denial of any kind keeps a denial. */
export function keepsPromise(
  expected: ExpectedReachability,
  actual: ObservedReachability,
): boolean {
  if (!expected.allowed) return actual.verdict !== 'ALLOWED';
  return actual.verdict === 'ALLOWED' && actual.via === expected.via;
}

/**
 * A verdict as a run records it, one short line: `TENANT METHOD URL VERDICT[ via]`
 * (e.g. `team-y GET http://httpbin.org/status/418 ALLOWED plain-http`).
 */
export function formatReachabilityRow(
  probe: ReachabilityProbe,
  actual: ObservedReachability,
): string {
  return [
    probe.tenant,
    probe.method,
    probe.url,
    actual.verdict,
    ...(actual.via ? [actual.via] : []),
  ].join(' ');
}

/** A recorded row read back (the inverse of {@link formatReachabilityRow}); undefined if malformed. */
export function parseReachabilityRow(
  row: string,
): { tenant: string; method: string; url: string; verdict: Verdict; via?: Via } | undefined {
  const [tenant, method, url, verdict, via, ...rest] = row.split(' ');
  if (!tenant || !method || !url || !verdict || rest.length > 0) return undefined;
  if (!['ALLOWED', 'DENIED_NO_ROUTE', 'DENIED_RBAC', 'DENIED_NETWORK'].includes(verdict))
    return undefined;
  return { tenant, method, url, verdict: verdict as Verdict, ...(via ? { via: via as Via } : {}) };
}

/** The expected side of a difference, in words: `ALLOWED via X` or `DENIED`. */
export function formatExpected(expected: ExpectedReachability): string {
  return expected.allowed ? `ALLOWED via ${expected.via}` : 'DENIED';
}

/** One line per differing cell: tenant, request, expected, actual, deciding object. */
export function formatDifferences(differences: readonly ReachabilityDifference[]): string[] {
  return differences.map(
    ({ probe, expected, actual }) =>
      `${probe.tenant} ${probe.method} ${probe.url}: expected ${formatExpected(expected)}, actual ${actual.verdict}${actual.via ? ` via ${actual.via}` : ''} (decided by ${actual.decidedBy})`,
  );
}

/** The analyzer's facts of an environment that the specs hold (node service accounts). */
export function analyzerOptionsFor(env: Environment): AnalyzerOptions {
  return {
    gatewayNodeServiceAccount: gatewayNodesEmail(env),
    applicationNodeServiceAccount: applicationNodesEmail(env),
  };
}

/**
 * Checks an object set (read from a cluster, or compiled) against what the specs grant (pure):
 * runs every {@link reachabilityProbes} request through the analyzer with the environment's
 * firewall rules (default: the rules its spec defines) and compares each verdict with
 * {@link expectedReachability}. Every cell is compared, in both passthrough modes: with
 * `mesh.passthroughMode: istio-mutual` the analyzer follows the sidecar→gateway mTLS hop and the
 * gateway's per-tenant policy, so a passthrough grant there is per tenant like any other.
 */
export function verifyReachability(
  env: Environment,
  tenants: readonly Tenant[],
  objects: readonly KubeObject[],
  firewalls: readonly FirewallRule[] = desiredFirewalls(env),
): ReachabilityVerification {
  const analyzer = new ReachabilityAnalyzer(objects, firewalls, analyzerOptionsFor(env));
  const byNamespace = new Map(presentTenants(env, tenants).map((t) => [tenantNamespace(t), t]));
  const rows: string[] = [];
  const differences: ReachabilityDifference[] = [];
  for (const probe of reachabilityProbes(env, tenants)) {
    const actual = observeProbe(analyzer, probe);
    rows.push(formatReachabilityRow(probe, actual));
    const expected = expectedReachability(byNamespace.get(probe.tenant)!, probe);
    if (!keepsPromise(expected, actual)) differences.push({ probe, expected, actual });
  }
  return { rows, differences };
}

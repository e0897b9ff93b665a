/**
 * The reachability of an environment as its stored specs compile, for the API's read routes the
 * console draws (`/reachability`, its traces, the findings count of the environment list): the
 * compiler's objects and the spec's firewall rules through the analyzer, with the probes the
 * tenants step checks on the live cluster after every apply (shared/analysis "granted").
 */
import {
  analyzerOptionsFor,
  decidingObject,
  expectedReachability,
  findings,
  parseReachabilityRow,
  reachabilityProbes,
  ReachabilityAnalyzer,
  type ExpectedReachability,
  type Finding,
  type ReachabilityProbe,
  type ReachabilityResult,
  type Verdict,
} from '../../shared/analysis/index.js';
import { PermanentError } from '../../shared/errors.js';
import { desiredFirewalls } from '../../shared/plan/gcp/compute.js';
import { desiredObjects } from '../../shared/plan/mesh/index.js';
import { hostCovers, tenantNamespace, type Tenant } from '../../shared/spec/index.js';
import { hashOf } from '../../shared/state/hash.js';
import type { EnvironmentRecord, TenantRecord } from '../../shared/state/types.js';

/** An environment's specs compiled once for every read of its reachability. */
export interface CompiledReachability {
  analyzer: ReachabilityAnalyzer;
  /** Present tenants by namespace (a probe's source). */
  tenantsByNamespace: ReadonlyMap<string, Tenant>;
  probes: readonly ReachabilityProbe[];
  findings: readonly Finding[];
}

/** Why an environment's specs could not be compiled (the compiler refused them). */
export interface CompileRefusal {
  refused: string;
}

/** Compiles of recent spec sets, newest last: a trace read right after the matrix reuses it. */
const cache = new Map<string, CompiledReachability>();
const CACHED_COMPILES = 8;

function present(env: EnvironmentRecord, tenants: readonly TenantRecord[]): Tenant[] {
  return tenants
    .map((record) => record.spec)
    .filter((t) => t.spec.environment === env.id && t.spec.state === 'present');
}

/**
 * The environment's specs compiled and analyzed (pure, cached by the specs' hashes), or why the
 * compiler refused them.
 */
export function compileReachability(
  env: EnvironmentRecord,
  tenants: readonly TenantRecord[],
): CompiledReachability | CompileRefusal {
  const key = hashOf([env.specHash, tenants.map((t) => [t.id, t.specHash]).sort()]);
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const specs = present(env, tenants);
  let compiled: CompiledReachability;
  try {
    const objects = desiredObjects(env.spec, specs);
    const firewalls = desiredFirewalls(env.spec);
    const options = analyzerOptionsFor(env.spec);
    compiled = {
      analyzer: new ReachabilityAnalyzer(objects, firewalls, options),
      tenantsByNamespace: new Map(specs.map((t) => [tenantNamespace(t), t])),
      probes: reachabilityProbes(env.spec, specs),
      findings: findings(objects, firewalls, options),
    };
  } catch (error) {
    if (error instanceof PermanentError) return { refused: error.message };
    throw error;
  }
  cache.set(key, compiled);
  while (cache.size > CACHED_COMPILES) cache.delete(cache.keys().next().value!);
  return compiled;
}

/** One probe through the analyzer: its verdict, trace, deciding object and the specs' promise. */
export function analyzeProbe(
  compiled: CompiledReachability,
  probe: Pick<ReachabilityProbe, 'tenant' | 'url' | 'method'>,
): { result: ReachabilityResult; decidedBy: string; expected: ExpectedReachability } {
  const result = compiled.analyzer.can({
    sourceNamespace: probe.tenant,
    url: probe.url,
    method: probe.method,
  });
  const tenant = compiled.tenantsByNamespace.get(probe.tenant);
  return {
    result,
    decidedBy: decidingObject(result),
    expected: tenant ? expectedReachability(tenant, probe) : { allowed: false },
  };
}

/**
 * The verdicts the last tenants step recorded on the live cluster (environment outputs
 * `tenants.reachability`), by `NAMESPACE METHOD URL`.
 */
export function recordedVerdicts(env: EnvironmentRecord): Map<string, Verdict> {
  const rows = env.outputs.tenants?.reachability;
  const verdicts = new Map<string, Verdict>();
  if (!Array.isArray(rows)) return verdicts;
  for (const row of rows) {
    const parsed = typeof row === 'string' ? parseReachabilityRow(row) : undefined;
    if (parsed) verdicts.set(`${parsed.tenant} ${parsed.method} ${parsed.url}`, parsed.verdict);
  }
  return verdicts;
}

/** Whether the last tenants step recorded only its ALLOWED rows (a large matrix). */
export function recordedAllowedOnly(env: EnvironmentRecord): boolean {
  return env.outputs.tenants?.reachabilityTruncated === true;
}

/** Who reads: every tenant (admins, viewers), or the tenants `visible` says (a manager's). */
export interface ReaderScope {
  readsAll: boolean;
  visible: (tenant: string) => boolean;
}

/** One column of the matrix: a request every tenant row is checked with. */
export interface ReachabilityRequestView {
  method: string;
  url: string;
  host: string;
  /** A sampled host no tenant is granted: every cell must be denied. */
  ungranted: boolean;
}

/**
 * The requests a reader sees as columns: all of them to those who read every tenant; to a
 * manager, those on hosts its own tenants are granted and the ungranted samples (another
 * tenant's hosts are that tenant's business).
 */
export function visibleRequests(
  compiled: CompiledReachability,
  reader: ReaderScope,
): ReachabilityRequestView[] {
  const seen = new Map<string, ReachabilityRequestView>();
  for (const probe of compiled.probes) {
    const key = `${probe.method} ${probe.url}`;
    if (seen.has(key)) continue;
    const host = new URL(probe.url).hostname;
    seen.set(key, { method: probe.method, url: probe.url, host, ungranted: probe.ungranted });
  }
  const all = [...seen.values()];
  if (reader.readsAll) return all;
  const ownHosts = [...compiled.tenantsByNamespace.values()]
    .filter((t) => reader.visible(t.metadata.name))
    .flatMap((t) => t.spec.egress.map((rule) => rule.host));
  return all.filter((r) => r.ungranted || ownHosts.some((host) => hostCovers(host, r.host)));
}

/**
 * The findings a reader sees: all to those who read every tenant; to a manager, its tenants'
 * and the environment-wide ones on hosts among its columns.
 */
export function visibleFindings(compiled: CompiledReachability, reader: ReaderScope): Finding[] {
  if (reader.readsAll) return [...compiled.findings];
  const hosts = new Set(visibleRequests(compiled, reader).map((r) => r.host));
  const nameOf = (namespace: string) =>
    compiled.tenantsByNamespace.get(namespace)?.metadata.name ?? namespace;
  return compiled.findings.filter((f) =>
    f.tenant !== undefined ? reader.visible(nameOf(f.tenant)) : !f.host || hosts.has(f.host),
  );
}

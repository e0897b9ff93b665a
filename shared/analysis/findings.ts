import type { KubeObject } from '../plan/kube-object.js';
import { applicableAuthorizationPolicies } from './authorization-policy.js';
import type { FirewallRule } from './firewall.js';
import { istioValueMatches } from './istio-match.js';
import { type Fields, fieldsOf, listOf, specOf, stringOf, stringsOf } from './object-access.js';
import type { AnalyzerOptions } from './analysis-context.js';
import { ReachabilityAnalyzer } from './reachability.js';
import { objectRef, type ObjectRef } from './trace.js';

/** The kinds of weakness the analyzer reports. */
export type FindingKind =
  | 'passthrough-bypasses-http-policy'
  | 'passthrough-environment-wide'
  | 'exported-not-granted'
  | 'gateway-allows-all'
  | 'allow-rule-unrestricted';

/** A configuration whose enforcement is weaker than its HTTP policy or spec implies. */
export interface Finding {
  kind: FindingKind;
  severity: 'high' | 'medium';
  tenant?: string;
  host?: string;
  message: string;
  objects: ObjectRef[];
}

const SYSTEM_NAMESPACES = new Set([
  'istio-system',
  'istio-egress',
  'kube-system',
  'kube-public',
  'kube-node-lease',
]);

/**
 * The tenant namespaces of an object set: namespaces in the mesh (`istio.io/rev` or
 * `istio-injection=enabled`) or with a Sidecar, minus the system and gateway namespaces.
 */
export function tenantNamespaces(objects: readonly KubeObject[]): string[] {
  const names = new Set<string>();
  for (const obj of objects) {
    const labels = obj.metadata.labels ?? {};
    if (
      obj.kind === 'Namespace' &&
      (labels['istio.io/rev'] || labels['istio-injection'] === 'enabled')
    ) {
      names.add(obj.metadata.name);
    }
    if (obj.kind === 'Sidecar' && obj.metadata.namespace) names.add(obj.metadata.namespace);
  }
  return [...names].filter((n) => !SYSTEM_NAMESPACES.has(n)).sort();
}

/** Hosts that VirtualServices route through a gateway (not wildcards). */
export function gatewayRoutedHosts(objects: readonly KubeObject[]): string[] {
  const hosts = new Set<string>();
  for (const vs of objects.filter((o) => o.kind === 'VirtualService')) {
    const spec = specOf(vs);
    const gateways = new Set(stringsOf(spec.gateways));
    for (const kind of ['http', 'tls', 'tcp']) {
      for (const rule of listOf(spec[kind]))
        for (const m of listOf(rule.match)) for (const g of stringsOf(m.gateways)) gateways.add(g);
    }
    if (![...gateways].some((g) => g !== 'mesh')) continue;
    for (const h of stringsOf(spec.hosts)) if (!h.includes('*')) hosts.add(h.toLowerCase());
  }
  return [...hosts].sort();
}

interface HttpGrant {
  policy: KubeObject;
  paths: string[];
  methods: string[];
}

/** An ALLOW rule at the gateway, with the source namespace patterns it names. */
interface AllowRule {
  policy: KubeObject;
  rule: Fields;
  namespaces: string[];
}

/**
 * The gateway's ALLOW rules by the tenants they name as source, in policy and rule order: with a
 * rule per tenant and host, each tenant's grants are looked up among its own few rules instead of
 * every tenant's. A rule is listed under each exact namespace it names; one naming a pattern
 * (`team-*`, `*-a`, `*`) is a candidate for every tenant, checked by the pattern. Each tenant's
 * rules are looked up once, for all hosts.
 */
function allowRulesBySource(
  policies: readonly KubeObject[],
): (tenant: string) => readonly AllowRule[] {
  const byNamespace = new Map<string, AllowRule[]>();
  const patterned: AllowRule[] = [];
  const order = new Map<AllowRule, number>();
  for (const policy of policies) {
    if ((stringOf(specOf(policy).action) ?? 'ALLOW') !== 'ALLOW') continue;
    for (const rule of listOf(specOf(policy).rules)) {
      const namespaces = listOf(rule.from).flatMap((f) => stringsOf(fieldsOf(f.source).namespaces));
      if (!namespaces.length) continue;
      const entry: AllowRule = { policy, rule, namespaces };
      order.set(entry, order.size);
      if (namespaces.some((n) => n.startsWith('*') || n.endsWith('*'))) patterned.push(entry);
      for (const exact of new Set(namespaces)) {
        const list = byNamespace.get(exact);
        if (list) list.push(entry);
        else byNamespace.set(exact, [entry]);
      }
    }
  }
  const position = (entry: AllowRule) => order.get(entry) ?? 0;
  const byTenant = new Map<string, readonly AllowRule[]>();
  return (tenant) => {
    let rules = byTenant.get(tenant);
    if (!rules) {
      const own = byNamespace.get(tenant) ?? [];
      rules = !patterned.length
        ? own
        : [...new Set([...own, ...patterned])]
            .filter((entry) => entry.namespaces.some((n) => istioValueMatches(n, tenant)))
            .sort((a, b) => position(a) - position(b));
      byTenant.set(tenant, rules);
    }
    return rules;
  };
}

/** The ALLOW rules of `rules` (those naming `tenant` as source) that name `host` as HTTP host. */
function httpGrants(rules: readonly AllowRule[], host: string): HttpGrant[] {
  const grants: HttpGrant[] = [];
  for (const { policy, rule } of rules) {
    for (const to of listOf(rule.to)) {
      const operation = fieldsOf(to.operation);
      if (!stringsOf(operation.hosts).some((h) => istioValueMatches(h, host, true))) continue;
      grants.push({
        policy,
        paths: stringsOf(operation.paths),
        methods: stringsOf(operation.methods),
      });
    }
  }
  return grants;
}

/**
 * Flags configurations where enforcement is weaker than the HTTP policy implies: passthrough
 * that bypasses per-tenant HTTP limits, passthrough hosts open to every tenant that can address
 * the gateway (istio/istio#13008), hosts exported to tenants not granted them, and gateways
 * without ALLOW policies or with unrestricted ALLOW rules. Each tenant × host cell looks only at
 * what can concern it (its tenant's ALLOW rules, the objects declaring its host, the analyzer's
 * indexes), so the cost is O(tenants × hosts) plus indexing, not × objects.
 */
export function findings(
  objects: readonly KubeObject[],
  firewalls: readonly FirewallRule[],
  options: AnalyzerOptions & { tenants?: string[] } = {},
): Finding[] {
  const analyzer = new ReachabilityAnalyzer(objects, firewalls, options);
  const tenants = options.tenants ?? tenantNamespaces(objects);
  const hosts = gatewayRoutedHosts(objects);
  const gatewayLabels = analyzer.gatewayPodLabels();
  const gatewayNamespace = 'istio-egress';
  const policies = applicableAuthorizationPolicies(
    objects,
    gatewayNamespace,
    gatewayLabels,
    options.rootNamespace ?? 'istio-system',
  );
  const out: Finding[] = [];

  const allowPolicies = policies.filter((p) => (stringOf(specOf(p).action) ?? 'ALLOW') === 'ALLOW');
  if (!allowPolicies.length) {
    out.push({
      kind: 'gateway-allows-all',
      severity: 'high',
      message: `no ALLOW AuthorizationPolicy applies to the egress gateway in ${gatewayNamespace}: every request that reaches it is allowed`,
      objects: [],
    });
  }
  for (const policy of allowPolicies) {
    listOf(specOf(policy).rules).forEach((rule, index) => {
      const hasSource = rule.from !== undefined;
      const hasHost = listOf(rule.to).some((t) => fieldsOf(t.operation).hosts !== undefined);
      const hasSni = listOf(rule.when).some((w) => w.key === 'connection.sni');
      if (!hasSource && !hasHost && !hasSni) {
        out.push({
          kind: 'allow-rule-unrestricted',
          severity: 'high',
          message: `${policy.metadata.namespace}/${policy.metadata.name} rules[${index}] names no source, host or SNI: it allows any destination to anyone who reaches the gateway on its ports`,
          objects: [objectRef(policy)],
        });
      }
    });
  }

  const rulesOf = allowRulesBySource(policies);
  const routed = new Map<string, ReturnType<ReachabilityAnalyzer['can']>>();
  const result = (tenant: string, url: string): ReturnType<ReachabilityAnalyzer['can']> => {
    const key = `${tenant} ${url}`;
    const cached = routed.get(key);
    if (cached) return cached;
    const fresh = analyzer.can({ sourceNamespace: tenant, url });
    routed.set(key, fresh);
    return fresh;
  };

  for (const host of hosts) {
    const directReach: string[] = [];
    const declaring = analyzer.index.declaring(['ServiceEntry', 'VirtualService'], host);
    for (const tenant of tenants) {
      const https = result(tenant, `https://${host}/`);
      const http = result(tenant, `http://${host}/`);
      const grants = httpGrants(rulesOf(tenant), host);
      const limits = grants.filter((g) => g.paths.length || g.methods.length);
      if (https.verdict === 'ALLOWED' && https.via === 'passthrough') {
        const allowedBy = https.trace.find(
          (h) => h.stage === 'authorization-policy' && h.decision === 'pass',
        );
        const by = allowedBy?.object
          ? ` (${allowedBy.object.namespace}/${allowedBy.object.name})`
          : '';
        if (limits.length) {
          const what = limits
            .map((g) =>
              [
                g.paths.length ? `paths ${g.paths.join(', ')}` : '',
                g.methods.length ? `methods ${g.methods.join(', ')}` : '',
              ]
                .filter(Boolean)
                .join(' and '),
            )
            .join('; ');
          out.push({
            kind: 'passthrough-bypasses-http-policy',
            severity: 'high',
            tenant,
            host,
            message: `${tenant}, limited to ${what} of ${host} over HTTP, reaches all of https://${host} over TLS passthrough${by}`,
            objects: [
              ...limits.map((g) => objectRef(g.policy)),
              ...(allowedBy?.object ? [allowedBy.object] : []),
            ],
          });
        } else if (http.verdict !== 'ALLOWED') {
          out.push({
            kind: 'passthrough-bypasses-http-policy',
            severity: 'high',
            tenant,
            host,
            message: `${tenant} reaches https://${host} through TLS passthrough${by}, while its HTTP policy denies ${host} (${http.verdict})`,
            objects: allowedBy?.object ? [allowedBy.object] : [],
          });
        }
      }
      const direct = analyzer.canViaGatewayDirectly(tenant, host);
      if (direct.verdict === 'ALLOWED' && https.verdict !== 'ALLOWED') directReach.push(tenant);

      const exportedBy = declaring.filter((o) => analyzer.index.exportedTo(o, tenant));
      if (exportedBy.length && !grants.length) {
        out.push({
          kind: 'exported-not-granted',
          severity: 'medium',
          tenant,
          host,
          message: `${host} is exported to ${tenant} (${exportedBy.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`).join(', ')}), but no ALLOW rule grants ${tenant} that host`,
          objects: exportedBy.map(objectRef),
        });
      }
    }
    if (directReach.length) {
      out.push({
        kind: 'passthrough-environment-wide',
        severity: 'high',
        host,
        message: `${host} is a passthrough host of the egress gateway: ${directReach.join(', ')} ${directReach.length === 1 ? 'reaches' : 'reach'} https://${host} by addressing the gateway directly, though their routing does not grant it (istio/istio#13008: exportTo and Sidecar scoping are not a security control)`,
        objects: [],
      });
    }
  }
  return out;
}

/**
 * The straightforward findings() that shared/analysis/findings.ts indexes (as it was before issue
 * 18): every cell scans every gateway policy for grants and every object for exports. Kept only
 * to hold the indexed one to the same answers.
 */
import { applicableAuthorizationPolicies } from '../../../shared/analysis/authorization-policy.js';
import type { AnalyzerOptions } from '../../../shared/analysis/analysis-context.js';
import type { Finding } from '../../../shared/analysis/findings.js';
import { gatewayRoutedHosts, tenantNamespaces } from '../../../shared/analysis/findings.js';
import type { FirewallRule } from '../../../shared/analysis/firewall.js';
import { exportedTo, istioValueMatches } from '../../../shared/analysis/istio-match.js';
import {
  fieldsOf,
  listOf,
  specOf,
  stringOf,
  stringsOf,
} from '../../../shared/analysis/object-access.js';
import { ReachabilityAnalyzer } from '../../../shared/analysis/reachability.js';
import { objectRef } from '../../../shared/analysis/trace.js';
import type { KubeObject } from '../../../shared/plan/kube-object.js';

interface HttpGrant {
  policy: KubeObject;
  paths: string[];
  methods: string[];
}

/** ALLOW rules at the gateway that name `tenant` as source and `host` as HTTP host. */
function httpGrants(policies: readonly KubeObject[], tenant: string, host: string): HttpGrant[] {
  const grants: HttpGrant[] = [];
  for (const policy of policies) {
    if ((stringOf(specOf(policy).action) ?? 'ALLOW') !== 'ALLOW') continue;
    for (const rule of listOf(specOf(policy).rules)) {
      const fromOk = listOf(rule.from).some((f) =>
        stringsOf(fieldsOf(f.source).namespaces).some((n) => istioValueMatches(n, tenant)),
      );
      if (!fromOk) continue;
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
  }
  return grants;
}

/**
 * Flags configurations where enforcement is weaker than the HTTP policy implies: passthrough
 * that bypasses per-tenant HTTP limits, passthrough hosts open to every tenant that can address
 * the gateway (istio/istio#13008), hosts exported to tenants not granted them, and gateways
 * without ALLOW policies or with unrestricted ALLOW rules.
 */
export function referenceFindings(
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
    for (const tenant of tenants) {
      const https = result(tenant, `https://${host}/`);
      const http = result(tenant, `http://${host}/`);
      const grants = httpGrants(policies, tenant, host);
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

      const exportedBy = objects.filter(
        (o) =>
          (o.kind === 'ServiceEntry' || o.kind === 'VirtualService') &&
          stringsOf(specOf(o).hosts).some((h) => h.toLowerCase() === host) &&
          exportedTo(specOf(o).exportTo, o.metadata.namespace ?? 'default', tenant),
      );
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

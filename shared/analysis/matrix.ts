import type { KubeObject } from '../plan/kube-object.js';
import type { FirewallRule } from './firewall.js';
import { gatewayRoutedHosts, tenantNamespaces } from './findings.js';
import { fieldsOf, listOf, specOf, stringsOf } from './object-access.js';
import type { AnalyzerOptions, Verdict, Via } from './analysis-context.js';
import { ReachabilityAnalyzer } from './reachability.js';

/** What the matrix covers; every field has a default drawn from the object set. */
export interface MatrixOptions {
  /** Source namespaces (default: the tenant namespaces of the object set). */
  tenants?: string[];
  /** Hosts granted to some tenant (default: AuthorizationPolicy hosts and gateway-routed hosts). */
  hosts?: string[];
  /** Hosts no tenant is granted, checked to prove they stay closed. */
  sampleUngranted?: string[];
}

/** One verdict of the matrix. */
export interface MatrixCell {
  tenant: string;
  url: string;
  verdict: Verdict;
  via?: Via;
  /** Whether the host is one of the sampled ungranted hosts. */
  ungranted: boolean;
}

/** The verdict table: every tenant × every host (http and https). */
export interface ReachabilityMatrix {
  tenants: string[];
  urls: string[];
  cells: MatrixCell[];
}

/** Hosts the tenants are granted: AuthorizationPolicy `hosts` and hosts routed through a gateway. */
export function grantedHosts(objects: readonly KubeObject[]): string[] {
  const hosts = new Set(gatewayRoutedHosts(objects));
  for (const policy of objects.filter((o) => o.kind === 'AuthorizationPolicy')) {
    for (const rule of listOf(specOf(policy).rules)) {
      for (const to of listOf(rule.to)) {
        for (const h of stringsOf(fieldsOf(to.operation).hosts))
          if (!h.includes('*')) hosts.add(h.toLowerCase());
      }
    }
  }
  return [...hosts].sort();
}

/** Hosts sampled as ungranted when the caller names none (documentation domains, RFC 2606). */
export const DEFAULT_UNGRANTED_SAMPLE = ['example.org', 'example.net'];

/** Computes the tenant × URL verdict table. */
export function matrix(
  objects: readonly KubeObject[],
  firewalls: readonly FirewallRule[],
  options: MatrixOptions = {},
  analyzerOptions: AnalyzerOptions = {},
): ReachabilityMatrix {
  const analyzer = new ReachabilityAnalyzer(objects, firewalls, analyzerOptions);
  const tenants = options.tenants ?? tenantNamespaces(objects);
  const granted = options.hosts ?? grantedHosts(objects);
  const ungranted = (options.sampleUngranted ?? DEFAULT_UNGRANTED_SAMPLE).filter(
    (h) => !granted.includes(h),
  );
  const urls: string[] = [];
  const isUngranted = new Set<string>();
  for (const host of [...granted, ...ungranted]) {
    for (const scheme of ['http', 'https']) {
      const url = `${scheme}://${host}/`;
      urls.push(url);
      if (ungranted.includes(host)) isUngranted.add(url);
    }
  }
  const cells: MatrixCell[] = [];
  for (const tenant of tenants) {
    for (const url of urls) {
      const result = analyzer.can({ sourceNamespace: tenant, url });
      cells.push({
        tenant,
        url,
        verdict: result.verdict,
        via: result.via,
        ungranted: isUngranted.has(url),
      });
    }
  }
  return { tenants, urls, cells };
}

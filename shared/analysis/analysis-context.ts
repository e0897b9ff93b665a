import type { KubeObject } from '../plan/kube-object.js';
import { applicableAuthorizationPolicies, WorkloadAuthorization } from './authorization-policy.js';
import type { FirewallRule } from './firewall.js';
import { NetworkPolicyEngine, type Workload } from './network-policy.js';
import { ObjectIndex } from './object-index.js';
import type { AnalyzedRequest } from './request.js';
import type { Hop } from './trace.js';

/** The analyzer's answer for a request. */
export type Verdict = 'ALLOWED' | 'DENIED_NO_ROUTE' | 'DENIED_RBAC' | 'DENIED_NETWORK';

/** How an allowed request leaves the mesh. */
export type Via = 'tls-origination' | 'passthrough' | 'plain-http' | 'private-google-access';

/** The analyzer's answer: the verdict, how (when allowed), and every hop that decided. */
export interface ReachabilityResult {
  verdict: Verdict;
  via?: Via;
  /** The request as analyzed (URL parsed, defaults filled). */
  request: AnalyzedRequest;
  trace: Hop[];
}

/** What a hop concludes when it ends the walk: the verdict, and how when allowed. */
export type Outcome = { verdict: Verdict; via?: Via };

/** Facts of the environment the object set does not carry; the defaults are the tutorial's. */
export interface AnalyzerOptions {
  /** Istio's root namespace (meshConfig.rootNamespace). Default `istio-system`. */
  rootNamespace?: string;
  /** meshConfig.outboundTrafficPolicy.mode where no Sidecar overrides it. Default `ALLOW_ANY`. */
  meshOutboundTrafficPolicy?: 'ALLOW_ANY' | 'REGISTRY_ONLY';
  /** Service account of the gateway node pool (email, or bare id matching any project). */
  gatewayNodeServiceAccount?: string;
  /** Service account of the application node pool. */
  applicationNodeServiceAccount?: string;
  /** DNS domains the environment's private zones send to private Google access, and the address. */
  privateGoogleAccess?: { domains: string[]; address: string };
  /** Known addresses of external hosts; others are assumed to be a public address (203.0.113.10). */
  resolve?: Record<string, string>;
}

/** {@link AnalyzerOptions} with every default filled in. */
export type ResolvedOptions = Required<Omit<AnalyzerOptions, 'resolve'>> & {
  resolve: Record<string, string>;
};

const DEFAULTS = {
  rootNamespace: 'istio-system',
  meshOutboundTrafficPolicy: 'ALLOW_ANY' as const,
  gatewayNodeServiceAccount: 'sa-gateway-nodes',
  applicationNodeServiceAccount: 'sa-application-nodes',
  privateGoogleAccess: {
    domains: ['googleapis.com', 'gcr.io', 'pkg.dev'],
    address: '199.36.153.8',
  },
};

/** What every hop reads: the indexed objects, their NetworkPolicies, the firewall and the options. */
export interface AnalysisContext {
  readonly index: ObjectIndex;
  readonly netpol: NetworkPolicyEngine;
  readonly firewalls: readonly FirewallRule[];
  readonly options: ResolvedOptions;
  /**
   * The AuthorizationPolicies that apply to the pods labelled `labels` in `namespace` (its own
   * and the root namespace's), found and indexed once per workload for every request.
   */
  authorization(namespace: string, labels: Readonly<Record<string, string>>): WorkloadAuthorization;
}

/** Indexes an object set once for every request analyzed over it. */
export function analysisContext(
  objects: readonly KubeObject[],
  firewalls: readonly FirewallRule[],
  options: AnalyzerOptions,
): AnalysisContext {
  const index = new ObjectIndex(objects);
  const resolved: ResolvedOptions = { ...DEFAULTS, ...options, resolve: options.resolve ?? {} };
  const workloads = new Map<string, WorkloadAuthorization>();
  return {
    index,
    netpol: new NetworkPolicyEngine(objects),
    firewalls,
    options: resolved,
    authorization(namespace, labels) {
      const key = JSON.stringify([
        namespace,
        Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      ]);
      let found = workloads.get(key);
      if (!found) {
        const root = resolved.rootNamespace;
        found = new WorkloadAuthorization(
          applicableAuthorizationPolicies(
            index.inNamespaces('AuthorizationPolicy', [root, namespace]),
            namespace,
            labels,
            root,
          ),
        );
        workloads.set(key, found);
      }
      return found;
    },
  };
}

/** The source of a request: one pod of `namespace` with `labels`, its ports unknown. */
export function sourcePod(namespace: string, labels: Record<string, string> = {}): Workload {
  return { kind: 'Pod', name: 'source', namespace, labels, ports: [] };
}

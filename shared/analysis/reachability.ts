import type { KubeObject } from '../plan/kube-object.js';
import { ipv4ToNumber } from '../lib/ip.js';
import {
  type AnalysisContext,
  type AnalyzerOptions,
  analysisContext,
  type ReachabilityResult,
  sourcePod,
} from './analysis-context.js';
import type { FirewallRule } from './firewall.js';
import { gatewayEntrances, type GatewayEntrance, gatewayPodLabels } from './gateway-service.js';
import { viaGatewayDirectly } from './gateway-entrance.js';
import { leavePod } from './node-hop.js';
import type { ObjectIndex } from './object-index.js';
import { type AnalyzedRequest, normalizeRequest, type ReachabilityRequest } from './request.js';
import { throughSidecar } from './sidecar-hop.js';
import type { Hop } from './trace.js';

/**
 * The reachability analyzer over one object set and the VPC's firewall rules: `can` walks a
 * request through its hops — the source's sidecar (Sidecar, ServiceEntry, VirtualService,
 * DestinationRule), the egress gateway (Gateway, VirtualService, AuthorizationPolicy, TLS
 * origination) and the node/VPC (NetworkPolicy, DNS, firewall) — and names the object and rule
 * that decided each hop (docs/architecture.md "Reachability analyzer"). The objects are indexed
 * once, when the analyzer is made, for every request it then answers.
 */
export class ReachabilityAnalyzer {
  private readonly context: AnalysisContext;

  constructor(
    readonly objects: readonly KubeObject[],
    readonly firewalls: readonly FirewallRule[],
    options: AnalyzerOptions = {},
  ) {
    this.context = analysisContext(objects, firewalls, options);
  }

  /** The analyzed objects, indexed (by kind, namespace, name and host). */
  get index(): ObjectIndex {
    return this.context.index;
  }

  /** Parses and completes a request; throws an Error naming the field for bad input. */
  normalize(request: ReachabilityRequest): AnalyzedRequest {
    return normalizeRequest(request);
  }

  /** Decides whether `request` gets through, and why. */
  can(request: ReachabilityRequest): ReachabilityResult {
    const req = this.normalize(request);
    const trace: Hop[] = [];
    const source = sourcePod(req.sourceNamespace, request.sourceLabels);
    if (ipv4ToNumber(req.host) !== undefined) {
      trace.push({
        stage: 'source',
        decision: 'info',
        rule: `the pod addresses ${req.host} directly, bypassing its sidecar: only NetworkPolicy and the VPC firewall apply`,
      });
      return { ...leavePod(this.context, source, req, req.host, trace), request: req, trace };
    }
    return { ...throughSidecar(this.context, source, req, trace), request: req, trace };
  }

  /** The pod labels of the egress gateway (from its Service, or the tutorial's contract). */
  gatewayPodLabels(): Record<string, string> {
    return gatewayPodLabels(this.context);
  }

  /**
   * The ways into the egress gateway an app can address itself: every port of every Service
   * selecting the gateway pods (the gateway's own Service first, its port 443 first of all).
   */
  gatewayEntrances(): GatewayEntrance[] {
    return gatewayEntrances(this.context);
  }

  /**
   * Walks a TLS connection that a pod in `sourceNamespace` opens with SNI `host` straight to a
   * Service of the egress gateway, skipping its own sidecar's routing (what an app can do by
   * addressing the gateway Service: istio/istio#13008). Its sidecar still applies the
   * DestinationRule it sees for that Service, so with `ISTIO_MUTUAL` the gateway learns who is
   * calling. Without `entrance`, every {@link gatewayEntrances} entrance is tried: the first that
   * lets the connection through, else the first one's denial.
   */
  canViaGatewayDirectly(
    sourceNamespace: string,
    host: string,
    entrance?: GatewayEntrance,
  ): ReachabilityResult {
    const req = this.normalize({ sourceNamespace, url: `https://${host}/` });
    return viaGatewayDirectly(this.context, req, entrance);
  }
}

/** Convenience: one analysis without keeping the analyzer. */
export function can(
  objects: readonly KubeObject[],
  firewalls: readonly FirewallRule[],
  request: ReachabilityRequest,
  options?: AnalyzerOptions,
): ReachabilityResult {
  return new ReachabilityAnalyzer(objects, firewalls, options).can(request);
}

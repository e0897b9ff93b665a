/**
 * An app that addresses a Service of the egress gateway itself, skipping its sidecar's routing
 * (istio/istio#13008): its sidecar still applies the DestinationRule it sees for that Service,
 * so with `ISTIO_MUTUAL` the gateway learns who is calling.
 */
import { type AnalysisContext, type ReachabilityResult, sourcePod } from './analysis-context.js';
import { sidecarUpstream } from './destination-rule.js';
import { atGateway } from './gateway-hop.js';
import {
  DEFAULT_GATEWAY,
  type GatewayEntrance,
  gatewayEntrances,
  gatewayPodOf,
  gatewayService,
} from './gateway-service.js';
import { gatewayPodsPolicyHop } from './node-hop.js';
import type { AnalyzedRequest } from './request.js';
import type { Hop } from './trace.js';

/**
 * Walks a TLS connection with SNI `req.host` opened straight to `entrance`; without one, every
 * {@link gatewayEntrances} entrance is tried: the first that lets the connection through, else
 * the first one's denial.
 */
export function viaGatewayDirectly(
  ctx: AnalysisContext,
  req: AnalyzedRequest,
  entrance?: GatewayEntrance,
): ReachabilityResult {
  const entrances = entrance ? [entrance] : gatewayEntrances(ctx);
  let first: ReachabilityResult | undefined;
  for (const candidate of entrances) {
    const result = viaGatewayEntrance(ctx, req, candidate);
    if (result.verdict === 'ALLOWED') return result;
    first = first ?? result;
  }
  return (
    first ?? {
      verdict: 'DENIED_NO_ROUTE',
      request: req,
      trace: [{ stage: 'gateway', decision: 'deny', rule: 'no egress gateway Service' }],
    }
  );
}

function viaGatewayEntrance(
  ctx: AnalysisContext,
  req: AnalyzedRequest,
  entrance: GatewayEntrance,
): ReachabilityResult {
  const trace: Hop[] = [
    {
      stage: 'source',
      decision: 'info',
      rule: `the app opens TLS with SNI ${req.host} to ${entrance.service}.${DEFAULT_GATEWAY.namespace}:${entrance.port} directly`,
    },
  ];
  const source = sourcePod(req.sourceNamespace);
  const entranceHost = `${entrance.service}.${DEFAULT_GATEWAY.namespace}.svc.cluster.local`;
  const gateway = gatewayService(ctx, entranceHost, DEFAULT_GATEWAY.namespace, trace);
  const servicePort = gateway?.ports.find((p) => p.port === entrance.port);
  if (!gateway || !servicePort) {
    trace.push({
      stage: 'gateway',
      decision: 'deny',
      rule: `no egress gateway Service ${entrance.service} with port ${entrance.port}`,
    });
    return { verdict: 'DENIED_NO_ROUTE', request: req, trace };
  }
  const gatewayPod = gatewayPodOf(gateway);
  const hop = gatewayPodsPolicyHop(ctx, source, gatewayPod, servicePort.targetPort);
  trace.push(hop);
  if (hop.decision === 'deny') return { verdict: 'DENIED_NETWORK', request: req, trace };
  // No route names a subset here, so only the DestinationRule's top-level policy applies (and
  // with no subset to miss, there is always an upstream).
  const upstream =
    sidecarUpstream(ctx, gateway, servicePort.port, undefined, req.sourceNamespace, trace) ??
    undefined;
  const outcome = atGateway(
    ctx,
    { gateway, gatewayPod, servicePort, upstream, source, req },
    trace,
  );
  return { ...outcome, request: req, trace };
}

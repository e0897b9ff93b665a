/**
 * The egress gateway hop: the Gateway server that accepts the connection, the VirtualService
 * bound to it, the AuthorizationPolicies on the gateway pods, TLS origination toward the
 * destination, then the gateway pod's own way out (node/VPC hop).
 */
import type { AnalysisContext, Outcome, Via } from './analysis-context.js';
import type { AuthorizationRequest } from './authorization-policy.js';
import { destinationRuleTls } from './destination-rule.js';
import type { GatewayService } from './gateway-service.js';
import {
  type AcceptingServer,
  acceptingServer,
  type GatewayArrival,
  type ServerMode,
} from './gateway-server.js';
import { hostMatches } from './istio-match.js';
import { leaveGatewayPod } from './node-hop.js';
import { specOf, stringsOf } from './object-access.js';
import { namespaceOf } from './object-index.js';
import type { Hop } from './trace.js';
import { matchRoute, type Routed, routedHop } from './virtual-service.js';

/** Walks a connection that reached the egress gateway pods, to the verdict. */
export function atGateway(ctx: AnalysisContext, arrival: GatewayArrival, trace: Hop[]): Outcome {
  const server = acceptingServer(ctx, arrival, trace);
  if ('stop' in server) return { verdict: server.stop };
  const routed = routeAtGateway(ctx, arrival, server, trace);
  if (!routed) return { verdict: 'DENIED_NO_ROUTE' };
  if (!authorized(ctx, arrival, server, trace)) return { verdict: 'DENIED_RBAC' };
  let via: Via = server.mode === 'http' ? 'plain-http' : 'passthrough';
  if (server.mode === 'http') {
    const originated = originateTls(ctx, arrival.gateway, routed, trace);
    if (originated === undefined) return { verdict: 'DENIED_NO_ROUTE' };
    via = originated;
  }
  if (!leaveGatewayPod(ctx, arrival.gatewayPod, routed.host, routed.port, trace))
    return { verdict: 'DENIED_NETWORK' };
  return { verdict: 'ALLOWED', via };
}

/** The VirtualService hop at the gateway: the route bound to the accepting server. */
function routeAtGateway(
  ctx: AnalysisContext,
  { req, servicePort, source }: GatewayArrival,
  server: AcceptingServer,
  trace: Hop[],
): Routed | undefined {
  const gatewayNamespace = namespaceOf(server.gateway);
  const gatewayRef = `${gatewayNamespace}/${server.gateway.metadata.name}`;
  const serverHosts = server.server.hosts;
  const candidates = ctx.index.mayCoverHost('VirtualService', req.host).filter((vs) => {
    const vsNamespace = namespaceOf(vs);
    return (
      stringsOf(specOf(vs).hosts).some((h) => hostMatches(h, req.host)) &&
      ctx.index.exportedTo(vs, gatewayNamespace) &&
      serverHosts.some(
        (h) =>
          (h.ns === '*' ||
            h.ns === vsNamespace ||
            (h.ns === '.' && vsNamespace === gatewayNamespace)) &&
          hostMatches(h.host, req.host, true),
      )
    );
  });
  const routeKinds: ServerMode[] = server.mode === 'tcp' ? ['tls', 'tcp'] : [server.mode];
  for (const vs of candidates) {
    for (const kind of routeKinds) {
      const match = matchRoute(vs, [gatewayRef], req, kind, source.namespace, servicePort.port);
      if (!match) continue;
      trace.push(routedHop(vs, match));
      return match.destination;
    }
  }
  trace.push({
    stage: 'virtual-service',
    decision: 'deny',
    rule: `no VirtualService bound to ${gatewayRef} routes ${req.host} on port ${servicePort.port}${server.mode === 'http' ? ` path ${req.path}: 404 NR` : ''}`,
  });
  return undefined;
}

/** The AuthorizationPolicy hop on the gateway pods, with what the gateway knows of the source. */
function authorized(
  ctx: AnalysisContext,
  { gateway, gatewayPod, servicePort, source, req }: GatewayArrival,
  { mode, mutual, wrappedSni }: AcceptingServer,
  trace: Hop[],
): boolean {
  const http = mode === 'http';
  // Only Istio mTLS (the sidecar's, or HTTP the gateway terminates) tells the gateway who calls.
  const identity = mutual || http;
  const request: AuthorizationRequest = {
    http,
    sourceNamespace: identity ? source.namespace : undefined,
    sourcePrincipal: identity ? `cluster.local/ns/${source.namespace}/sa/default` : undefined,
    host: http ? req.host : undefined,
    method: http ? req.method : undefined,
    path: http ? req.path : undefined,
    port: servicePort.targetPort,
    sni: mutual ? wrappedSni : mode === 'tls' ? req.host : undefined,
  };
  if (!identity) {
    trace.push({
      stage: 'authorization-policy',
      decision: 'info',
      rule: 'TLS passthrough: no Istio mTLS on this hop, so the gateway sees no source identity',
    });
  } else if (!http) {
    trace.push({
      stage: 'authorization-policy',
      decision: 'info',
      rule: `passthrough wrapped in Istio mTLS: the gateway sees principal ${request.sourcePrincipal} (namespace ${source.namespace}) and SNI ${wrappedSni ?? '-'}`,
    });
  }
  const decision = ctx.authorization(gateway.namespace, gatewayPod.labels).decide(request);
  trace.push(decision.hop, ...decision.notes);
  return decision.allowed;
}

/**
 * The TLS origination hop of HTTP the gateway terminated: how it speaks to the destination, by
 * the DestinationRule it sees. `undefined` when the route's subset does not exist.
 */
function originateTls(
  ctx: AnalysisContext,
  gateway: GatewayService,
  destination: Routed,
  trace: Hop[],
): Via | undefined {
  const upstreamTls = destinationRuleTls(
    ctx,
    destination.host,
    destination.subset,
    destination.port,
    gateway.namespace,
    gateway.namespace,
    trace,
  );
  if (upstreamTls === null) return undefined;
  if (upstreamTls.mode === 'SIMPLE' || upstreamTls.mode === 'MUTUAL') {
    trace.push({
      stage: 'tls-origination',
      decision: 'pass',
      rule: `the gateway originates TLS (${upstreamTls.mode}) to ${destination.host}:${destination.port}`,
    });
    return 'tls-origination';
  }
  trace.push({
    stage: 'tls-origination',
    decision: 'info',
    rule: `plain HTTP from the gateway to ${destination.host}:${destination.port}`,
  });
  return 'plain-http';
}

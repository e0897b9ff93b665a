/**
 * The Gateway resource at the egress gateway: which server of which Gateway selecting the
 * gateway pods accepts a connection, and whether what arrives (plain HTTP, the app's TLS, the
 * sidecar's Istio mTLS) fits the server's protocol and TLS mode.
 */
import type { KubeObject } from '../plan/kube-object.js';
import type { AnalysisContext, Verdict } from './analysis-context.js';
import type { SidecarUpstream } from './destination-rule.js';
import type { GatewayPort, GatewayService } from './gateway-service.js';
import { hostMatches, splitNamespacedHost } from './istio-match.js';
import { mapSelectorMatches } from './label-selector.js';
import type { Workload } from './network-policy.js';
import { fieldsOf, labelsOf, listOf, specOf, stringOf, stringsOf } from './object-access.js';
import type { AnalyzedRequest } from './request.js';
import { objectRef, type Hop } from './trace.js';

/** The gateway hop's own inputs: the Service addressed, its pods, the port, the request. */
export interface GatewayArrival {
  gateway: GatewayService;
  gatewayPod: Workload;
  servicePort: GatewayPort;
  /** What the source's sidecar sends (its DestinationRule TLS); undefined: nothing known. */
  upstream: SidecarUpstream | undefined;
  source: Workload;
  req: AnalyzedRequest;
}

/** How the gateway handles the connection: HTTP it terminates, TLS passthrough by SNI, or TCP. */
export type ServerMode = 'http' | 'tls' | 'tcp';

/** A server of a Gateway, its fields read once. */
export interface GatewayServer {
  /** Its position in `spec.servers`, as traces name it. */
  index: number;
  port: number | undefined;
  /** `port.protocol`, upper-cased; HTTP when unset. */
  protocol: string;
  tlsMode: string | undefined;
  hosts: Array<{ ns: string; host: string }>;
}

/** The Gateway server that accepted the connection and how it handles it. */
export interface AcceptingServer {
  gateway: KubeObject;
  server: GatewayServer;
  mode: ServerMode;
  /** The server expects Istio mTLS from the sidecar. */
  mutual: boolean;
  /** The SNI the gateway sees over the sidecar's mTLS, when it wraps the connection. */
  wrappedSni: string | undefined;
}

/** A hop that stopped the request, with its verdict. */
export interface Stop {
  stop: Verdict;
}

function serversOf(gateway: KubeObject): GatewayServer[] {
  return listOf(specOf(gateway).servers).map((server, index) => {
    const port = fieldsOf(server.port);
    return {
      index,
      port: typeof port.number === 'number' ? port.number : undefined,
      protocol: (stringOf(port.protocol) ?? 'HTTP').toUpperCase(),
      tlsMode: stringOf(fieldsOf(server.tls).mode),
      hosts: stringsOf(server.hosts).map(splitNamespacedHost),
    };
  });
}

/**
 * The first server, of the first Gateway selecting the gateway pods, that listens on the
 * Service port for the name `serverName` gives it (the SNI it sees, or the host).
 */
function findServer(
  ctx: AnalysisContext,
  arrival: GatewayArrival,
  serverName: (server: GatewayServer) => string,
): { gateway: KubeObject; server: GatewayServer } | undefined {
  for (const gateway of ctx.index.ofKind('Gateway')) {
    const selector = labelsOf(specOf(gateway).selector);
    if (!Object.keys(selector).length || !mapSelectorMatches(selector, arrival.gatewayPod.labels))
      continue;
    const server = serversOf(gateway).find(
      (s) =>
        s.port === arrival.servicePort.port &&
        s.hosts.some((h) => hostMatches(h.host, serverName(s), true)),
    );
    if (server) return { gateway, server };
  }
  return undefined;
}

/** The Gateway hop: which server accepts the connection, and whether protocol and TLS fit. */
export function acceptingServer(
  ctx: AnalysisContext,
  arrival: GatewayArrival,
  trace: Hop[],
): AcceptingServer | Stop {
  const { upstream, servicePort, gateway, req } = arrival;
  const tls = req.scheme === 'https';
  // Auto mTLS wraps the app's plain HTTP; the app's own TLS goes as it is unless a
  // DestinationRule says ISTIO_MUTUAL.
  const sidecarMode = upstream?.tls.mode ?? (tls ? undefined : 'ISTIO_MUTUAL');
  // Over ISTIO_MUTUAL the gateway sees the sidecar's SNI (DestinationRule `tls.sni`, else the
  // cluster name), not the app's: that is what a TLS server's hosts and `connection.sni` match.
  const wrappedSni =
    sidecarMode === 'ISTIO_MUTUAL' ? (upstream?.tls.sni ?? upstream?.clusterSni) : undefined;
  const serverName = (server: GatewayServer): string => {
    const mutualTls = server.protocol === 'TLS' && server.tlsMode === 'ISTIO_MUTUAL';
    return mutualTls && wrappedSni ? wrappedSni : req.host;
  };
  const found = findServer(ctx, arrival, serverName);
  if (!found) {
    trace.push({
      stage: 'gateway',
      decision: 'deny',
      rule: `no Gateway selecting ${gateway.namespace}/${gateway.name} has a server on port ${servicePort.port} for ${req.host}${wrappedSni && wrappedSni !== req.host ? ` (or, for an ISTIO_MUTUAL TLS server, for the sidecar's SNI ${wrappedSni})` : ''}`,
    });
    return { stop: 'DENIED_NO_ROUTE' };
  }
  const { index, protocol, tlsMode: serverTls } = found.server;
  const mutual = serverTls === 'ISTIO_MUTUAL';
  const deny = (stop: Verdict, rule: string): Stop => {
    trace.push({ stage: 'gateway', decision: 'deny', object: objectRef(found.gateway), rule });
    return { stop };
  };
  if (mutual && sidecarMode !== 'ISTIO_MUTUAL') {
    return deny(
      'DENIED_NETWORK',
      `servers[${index}] expects ISTIO_MUTUAL; the sidecar sends ${sidecarMode ?? (tls ? "the app's own TLS" : 'plain text')}: handshake fails`,
    );
  }
  let mode: ServerMode;
  if (
    protocol === 'HTTP' ||
    ((protocol === 'HTTPS' || protocol === 'HTTP2') && serverTls !== 'PASSTHROUGH')
  )
    mode = 'http';
  else if (serverTls === 'PASSTHROUGH') mode = 'tls';
  else mode = 'tcp';
  if (mode === 'http' && tls) {
    return deny(
      'DENIED_NO_ROUTE',
      `servers[${index}] (${protocol}) terminates HTTP, but the app speaks TLS to port ${req.port}`,
    );
  }
  if (mode !== 'http' && !tls && !mutual) {
    return deny(
      'DENIED_NO_ROUTE',
      `servers[${index}] expects TLS (${serverTls ?? protocol}); the app speaks plain HTTP`,
    );
  }
  trace.push({
    stage: 'gateway',
    decision: 'pass',
    object: objectRef(found.gateway),
    rule: `servers[${index}] port ${servicePort.port} ${protocol}${serverTls ? ` tls ${serverTls}` : ''} (pod port ${servicePort.targetPort})${mutual && mode !== 'http' ? `: terminates the sidecar's mTLS (SNI ${wrappedSni ?? '-'}) and forwards the app's TLS stream as it is` : ''}`,
  });
  return { ...found, mode, mutual, wrappedSni };
}

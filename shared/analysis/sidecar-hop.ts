/**
 * The sidecar hop: what the source pod's proxy does with a request — the Sidecar that scopes
 * it, the ServiceEntry registry, the VirtualService at `mesh`, the DestinationRule toward the
 * egress gateway — and where it sends the request: the gateway, or straight out of the pod.
 */
import type { KubeObject } from '../plan/kube-object.js';
import type { AnalysisContext, Outcome, Verdict } from './analysis-context.js';
import { sidecarUpstream } from './destination-rule.js';
import { atGateway } from './gateway-hop.js';
import { gatewayPodOf, type GatewayService, gatewayService } from './gateway-service.js';
import { hostMatches, splitNamespacedHost } from './istio-match.js';
import { mapSelectorMatches } from './label-selector.js';
import type { Workload } from './network-policy.js';
import { gatewayPodsPolicyHop, leavePod, resolveHost } from './node-hop.js';
import { fieldsOf, labelsOf, listOf, specOf, stringOf, stringsOf } from './object-access.js';
import { namespaceOf } from './object-index.js';
import type { AnalyzedRequest } from './request.js';
import { objectRef, type Hop } from './trace.js';
import { gatewaysOf, matchRoute, type Routed, routedHop } from './virtual-service.js';

/**
 * Walks a request through the source's sidecar to its verdict. The sidecar's own hops are
 * traced after the NetworkPolicy hop of where it sends the request, which decides first.
 */
export function throughSidecar(
  ctx: AnalysisContext,
  source: Workload,
  req: AnalyzedRequest,
  trace: Hop[],
): Outcome {
  const routing: Hop[] = [];
  const stopped = (verdict: Verdict): Outcome => {
    trace.push(...routing);
    return { verdict };
  };
  const leave = (host: string): Outcome => leaveDirectly(ctx, source, req, host, routing, trace);
  const sidecar = selectSidecar(ctx, source.namespace, source.labels);
  const registered = registryHop(ctx, sidecar, source, req, routing);
  if (registered === 'no-route') return stopped('DENIED_NO_ROUTE');
  if (registered === 'passthrough') return leave(req.host);
  const route = meshRouteHop(ctx, sidecar, source, req, routing);
  if (route === 'no-route') return stopped('DENIED_NO_ROUTE');
  if (route === 'original-destination') return leave(req.host);
  const gateway = gatewayService(ctx, route.destination.host, route.namespace, routing);
  if (!gateway) return leave(route.destination.host);
  return toGateway(ctx, gateway, route.destination, source, req, routing, trace);
}

/** The Sidecar that scopes a pod: its own by selector, its namespace's, else the root's. */
function selectSidecar(
  ctx: AnalysisContext,
  namespace: string,
  labels: Record<string, string>,
): KubeObject | undefined {
  const inNamespace = ctx.index.inNamespace('Sidecar', namespace);
  const withSelector = inNamespace.find((s) => {
    const selector = fieldsOf(specOf(s).workloadSelector);
    return selector.labels !== undefined && mapSelectorMatches(labelsOf(selector.labels), labels);
  });
  if (withSelector) return withSelector;
  const namespaceWide = inNamespace.find((s) => specOf(s).workloadSelector === undefined);
  if (namespaceWide) return namespaceWide;
  return ctx.index
    .inNamespace('Sidecar', ctx.options.rootNamespace)
    .find((s) => specOf(s).workloadSelector === undefined);
}

/** Whether a config object (SE, VS, DR) is visible to a proxy in `namespace` under its Sidecar. */
function visible(
  ctx: AnalysisContext,
  config: KubeObject,
  hosts: string[],
  namespace: string,
  sidecar: KubeObject | undefined,
  port: number,
): boolean {
  if (!ctx.index.exportedTo(config, namespace)) return false;
  if (!sidecar) return true;
  const egress = listOf(specOf(sidecar).egress);
  if (!egress.length) return true;
  return egress.some((listener) => {
    const listenerPort = fieldsOf(listener.port).number;
    if (typeof listenerPort === 'number' && listenerPort !== port) return false;
    return stringsOf(listener.hosts).some((entry) => {
      const { ns, host } = splitNamespacedHost(entry);
      const nsOk =
        ns === '*' ||
        ns === namespaceOf(config) ||
        (ns === '.' && namespaceOf(config) === namespaceOf(sidecar));
      if (!nsOk || ns === '~') return false;
      return host === '*' || hosts.some((h) => hostMatches(host, h) || hostMatches(h, host));
    });
  });
}

/**
 * Whether the destination is in the proxy's registry (a visible ServiceEntry); if not,
 * `outboundTrafficPolicy` decides: REGISTRY_ONLY has no route, ALLOW_ANY passes it through.
 */
function registryHop(
  ctx: AnalysisContext,
  sidecar: KubeObject | undefined,
  source: Workload,
  req: AnalyzedRequest,
  routing: Hop[],
): 'registered' | 'passthrough' | 'no-route' {
  const mode =
    stringOf(fieldsOf(sidecar ? specOf(sidecar).outboundTrafficPolicy : undefined).mode) ??
    ctx.options.meshOutboundTrafficPolicy;
  const entries = ctx.index.mayCoverHost('ServiceEntry', req.host).filter((se) => {
    const hosts = stringsOf(specOf(se).hosts);
    return (
      hosts.some((h) => hostMatches(h, req.host)) &&
      listOf(specOf(se).ports).some((p) => p.number === req.port)
    );
  });
  const visibleEntry = entries.find((se) =>
    visible(ctx, se, stringsOf(specOf(se).hosts), source.namespace, sidecar, req.port),
  );
  const sidecarRef = sidecar ? objectRef(sidecar) : undefined;
  if (visibleEntry) {
    routing.push({
      stage: 'sidecar',
      decision: 'pass',
      object: objectRef(visibleEntry),
      rule: `${req.host}:${req.port} is in the registry of ${source.namespace}${sidecarRef ? ` (Sidecar ${sidecarRef.namespace}/${sidecarRef.name}, ${mode})` : ' (no Sidecar)'}`,
    });
    return 'registered';
  }
  const why = entries.length
    ? `${entries.map((e) => `${namespaceOf(e)}/${e.metadata.name}`).join(', ')} declare ${req.host}:${req.port} but are not exported to ${source.namespace} or not in its Sidecar egress hosts`
    : `no ServiceEntry declares ${req.host}:${req.port}`;
  if (mode === 'REGISTRY_ONLY') {
    routing.push({
      stage: 'sidecar',
      decision: 'deny',
      object: sidecarRef,
      rule: `outboundTrafficPolicy REGISTRY_ONLY; ${why}: no route`,
    });
    return 'no-route';
  }
  routing.push({
    stage: 'sidecar',
    decision: 'pass',
    object: sidecarRef,
    rule: `outboundTrafficPolicy ALLOW_ANY; ${why}: passthrough to the original destination`,
  });
  return 'passthrough';
}

/**
 * The VirtualService hop at `mesh`: the route the sidecar takes, or the original destination
 * when no VirtualService (or, for TLS, no tls rule) applies; HTTP matching no rule has no route.
 */
function meshRouteHop(
  ctx: AnalysisContext,
  sidecar: KubeObject | undefined,
  source: Workload,
  req: AnalyzedRequest,
  routing: Hop[],
): { destination: Routed; namespace: string } | 'original-destination' | 'no-route' {
  const tls = req.scheme === 'https';
  const vs = ctx.index
    .mayCoverHost('VirtualService', req.host)
    .find(
      (v) =>
        stringsOf(specOf(v).hosts).some((h) => hostMatches(h, req.host)) &&
        gatewaysOf(v).includes('mesh') &&
        visible(ctx, v, stringsOf(specOf(v).hosts), source.namespace, sidecar, req.port),
    );
  if (!vs) {
    routing.push({
      stage: 'virtual-service',
      decision: 'pass',
      rule: `no VirtualService for ${req.host} at mesh: the sidecar sends it to the ServiceEntry's endpoint directly`,
    });
    return 'original-destination';
  }
  const matched = matchRoute(vs, ['mesh'], req, tls ? 'tls' : 'http', source.namespace);
  if (!matched) {
    routing.push({
      stage: 'virtual-service',
      decision: tls ? 'pass' : 'deny',
      object: objectRef(vs),
      rule: tls
        ? `no tls rule matches at mesh: the ServiceEntry's own route applies`
        : `no http rule matches at mesh (port ${req.port}, path ${req.path}): 404 NR`,
    });
    return tls ? 'original-destination' : 'no-route';
  }
  routing.push(routedHop(vs, matched));
  return { destination: matched.destination, namespace: namespaceOf(vs) };
}

/**
 * The sidecar → gateway leg: the gateway Service's port, the DestinationRule the sidecar applies
 * toward it, and NetworkPolicy between the source and the gateway pods; then the gateway hop.
 */
function toGateway(
  ctx: AnalysisContext,
  gateway: GatewayService,
  destination: Routed,
  source: Workload,
  req: AnalyzedRequest,
  routing: Hop[],
  trace: Hop[],
): Outcome {
  const servicePort = gateway.ports.find((p) => p.port === (destination.port || req.port));
  if (!servicePort) {
    routing.push({
      stage: 'gateway',
      decision: 'deny',
      rule: `Service ${gateway.namespace}/${gateway.name} has no port ${destination.port}`,
    });
    trace.push(...routing);
    return { verdict: 'DENIED_NO_ROUTE' };
  }
  const upstream = sidecarUpstream(
    ctx,
    gateway,
    servicePort.port,
    destination.subset,
    source.namespace,
    routing,
  );
  if (!upstream) {
    trace.push(...routing);
    return { verdict: 'DENIED_NO_ROUTE' };
  }
  const gatewayPod = gatewayPodOf(gateway);
  const netpolHop = gatewayPodsPolicyHop(ctx, source, gatewayPod, servicePort.targetPort);
  trace.push(netpolHop, ...routing);
  if (netpolHop.decision === 'deny') return { verdict: 'DENIED_NETWORK' };
  return atGateway(ctx, { gateway, gatewayPod, servicePort, upstream, source, req }, trace);
}

/**
 * The request leaves the source pod for `host` itself (passthrough, or no route to a gateway):
 * traced as its NetworkPolicy hop, the sidecar's hops, DNS, then the firewall.
 */
function leaveDirectly(
  ctx: AnalysisContext,
  source: Workload,
  req: AnalyzedRequest,
  host: string,
  routing: Hop[],
  trace: Hop[],
): Outcome {
  const dnsHops: Hop[] = [];
  const address = resolveHost(ctx, host, dnsHops);
  const local: Hop[] = [];
  const outcome = leavePod(ctx, source, req, address, local);
  const [netpolHop, ...rest] = local;
  trace.push(...(netpolHop ? [netpolHop] : []), ...routing, ...dnsHops, ...rest);
  return outcome;
}

/**
 * DestinationRule lookup: the TLS a client proxy uses toward a host (and subset), which decides
 * what the egress gateway sees of the source and whether the gateway originates TLS.
 */
import type { AnalysisContext } from './analysis-context.js';
import { type GatewayService, serviceHost } from './gateway-service.js';
import { hostMatches } from './istio-match.js';
import { type Fields, fieldsOf, listOf, specOf, stringOf } from './object-access.js';
import { namespaceOf } from './object-index.js';
import { objectRef, type Hop } from './trace.js';

/** A client's TLS settings toward one destination, from the DestinationRule that applies. */
export interface ClientTls {
  /** `tls.mode`; undefined when no DestinationRule sets one. */
  mode?: string;
  /** `tls.sni`; undefined when unset (Istio then sends its own, see {@link istioClusterSni}). */
  sni?: string;
}

/** What the source sidecar sends toward a gateway Service: its TLS settings and cluster. */
export interface SidecarUpstream {
  tls: ClientTls;
  /** The SNI Istio sends over ISTIO_MUTUAL when the DestinationRule sets none. */
  clusterSni: string;
}

/**
 * Istio's default SNI for ISTIO_MUTUAL toward a cluster: the cluster name
 * `outbound_.PORT_.SUBSET_.HOST`. A Gateway server whose hosts name the external host therefore
 * only matches when the DestinationRule sets `tls.sni` (istio.io egress TLS origination tasks).
 */
export function istioClusterSni(host: string, port: number, subset: string | undefined): string {
  return `outbound_.${port}_.${subset ?? ''}_.${host}`;
}

/** The TLS block that applies on `port`: a port-level one replaces the policy's whole block. */
function tlsAt(policy: Fields, port: number): ClientTls | undefined {
  // Envoy gets one TLS context per cluster, so the two blocks are never merged.
  const level = listOf(policy.portLevelSettings).find((s) => fieldsOf(s.port).number === port);
  const block = [fieldsOf(level?.tls), fieldsOf(policy.tls)].find(
    (t) => stringOf(t.mode) !== undefined,
  );
  return block ? { mode: stringOf(block.mode), sni: stringOf(block.sni) } : undefined;
}

/**
 * The TLS settings a client in `clientNamespace` uses toward `host:port` (subset if given),
 * from the DestinationRule found on Istio's lookup path (client namespace, service namespace,
 * root). `null` when the subset does not exist (Envoy: no cluster, 503 NR); an empty object
 * when no DR sets a mode.
 */
export function destinationRuleTls(
  ctx: AnalysisContext,
  host: string,
  subset: string | undefined,
  port: number,
  clientNamespace: string,
  serviceNamespace: string,
  trace: Hop[],
): ClientTls | null {
  const order = [clientNamespace, serviceNamespace, ctx.options.rootNamespace];
  const candidates = ctx.index
    .mayCoverHost('DestinationRule', host)
    .filter(
      (dr) =>
        hostMatches(stringOf(specOf(dr).host) ?? '', host) ||
        hostMatches(host, stringOf(specOf(dr).host) ?? ''),
    )
    .filter((dr) => order.includes(namespaceOf(dr)) && ctx.index.exportedTo(dr, clientNamespace))
    .sort((a, b) => order.indexOf(namespaceOf(a)) - order.indexOf(namespaceOf(b)));
  const dr = candidates[0];
  if (!dr) {
    if (subset) {
      trace.push({
        stage: 'destination-rule',
        decision: 'deny',
        rule: `subset ${subset} of ${host} is defined by no DestinationRule visible from ${clientNamespace}: 503 NR`,
      });
      return null;
    }
    return {};
  }
  const spec = specOf(dr);
  let settings: ClientTls | undefined;
  if (subset) {
    const found = listOf(spec.subsets).find((s) => s.name === subset);
    if (!found) {
      trace.push({
        stage: 'destination-rule',
        decision: 'deny',
        object: objectRef(dr),
        rule: `no subset ${subset}: 503 NR`,
      });
      return null;
    }
    settings = tlsAt(fieldsOf(found.trafficPolicy), port);
  }
  settings = settings ?? tlsAt(fieldsOf(spec.trafficPolicy), port);
  trace.push({
    stage: 'destination-rule',
    decision: 'pass',
    object: objectRef(dr),
    rule: `${subset ? `subset ${subset}` : 'host'} port ${port}: tls ${settings?.mode ?? 'unset (auto mTLS)'}${settings?.sni ? ` sni ${settings.sni}` : ''}`,
  });
  return settings ?? {};
}

/**
 * What the source's sidecar in `clientNamespace` sends toward a gateway Service `port` (through
 * `subset` when a route names one): the DestinationRule's TLS and Istio's cluster SNI. `null`
 * when the subset does not exist.
 */
export function sidecarUpstream(
  ctx: AnalysisContext,
  gateway: GatewayService,
  port: number,
  subset: string | undefined,
  clientNamespace: string,
  trace: Hop[],
): SidecarUpstream | null {
  const host = serviceHost(gateway);
  const tls = destinationRuleTls(
    ctx,
    host,
    subset,
    port,
    clientNamespace,
    gateway.namespace,
    trace,
  );
  return tls && { tls, clusterSni: istioClusterSni(host, port, subset) };
}

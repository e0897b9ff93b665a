/**
 * VirtualService routing, as both the source's sidecar (gateway `mesh`) and the egress gateway
 * (`namespace/gateway`) apply it: which rule matches a request and where it sends it.
 */
import type { KubeObject } from '../plan/kube-object.js';
import { hostMatches } from './istio-match.js';
import { type Fields, fieldsOf, listOf, specOf, stringOf, stringsOf } from './object-access.js';
import { namespaceOf } from './object-index.js';
import type { AnalyzedRequest } from './request.js';
import { objectRef, type Hop } from './trace.js';

/** Where a route sends a request. */
export interface Routed {
  host: string;
  port: number;
  subset?: string;
}

/** A matching route rule: its position in words (`http[1] match[0] at mesh`) and destination. */
export interface RouteMatch {
  rule: string;
  destination: Routed;
}

/** The hop of a VirtualService whose rule matched: the rule, and where it sends the request. */
export function routedHop(vs: KubeObject, { rule, destination }: RouteMatch): Hop {
  return {
    stage: 'virtual-service',
    decision: 'pass',
    object: objectRef(vs),
    rule: `${rule} → ${destination.host}:${destination.port}${destination.subset ? ` subset ${destination.subset}` : ''}`,
  };
}

/** A route's destinations, heaviest first (the analyzer follows the heaviest). */
function routeDestinations(routes: unknown): Routed[] {
  return listOf(routes)
    .map((r) => ({
      weight: typeof r.weight === 'number' ? r.weight : 100,
      destination: fieldsOf(r.destination),
    }))
    .sort((a, b) => b.weight - a.weight)
    .map(({ destination }) => ({
      host: stringOf(destination.host) ?? '',
      port: Number(fieldsOf(destination.port).number ?? 0),
      subset: stringOf(destination.subset),
    }));
}

/** Istio's StringMatch (exact, prefix, regex) against a path or method; no criterion matches all. */
function stringMatches(match: Fields, value: string): boolean {
  const exact = stringOf(match.exact);
  const prefix = stringOf(match.prefix);
  const regex = stringOf(match.regex);
  if (exact !== undefined) return value === exact;
  if (prefix !== undefined) return value.startsWith(prefix);
  if (regex !== undefined) {
    try {
      return new RegExp(`^(?:${regex})$`).test(value);
    } catch {
      return false;
    }
  }
  return true;
}

/** A VirtualService's gateways: the top-level list, or `mesh` when omitted. */
export function gatewaysOf(vs: KubeObject): string[] {
  const top = stringsOf(specOf(vs).gateways);
  const all = new Set(top.length ? top : ['mesh']);
  for (const kind of ['http', 'tls', 'tcp']) {
    for (const rule of listOf(specOf(vs)[kind])) {
      for (const match of listOf(rule.match)) for (const g of stringsOf(match.gateways)) all.add(g);
    }
  }
  return [...all];
}

/** Whether a gateway name in a VS (`ns/name`, `name`, `mesh`) is one of `wanted` (`mesh` or `ns/name`). */
function gatewayRefMatches(entry: string, vsNamespace: string, wanted: string[]): boolean {
  if (entry === 'mesh') return wanted.includes('mesh');
  const qualified = entry.includes('/') ? entry : `${vsNamespace}/${entry}`;
  return wanted.includes(qualified);
}

/** The first rule of kind `kind` matching the request at one of `gateways`, with its destination. */
export function matchRoute(
  vs: KubeObject,
  gateways: string[],
  req: AnalyzedRequest,
  kind: 'http' | 'tls' | 'tcp',
  sourceNamespace: string,
  port = req.port,
): RouteMatch | undefined {
  const spec = specOf(vs);
  const topGateways = stringsOf(spec.gateways);
  const atGateway = (names: string[]): boolean =>
    names.some((g) => gatewayRefMatches(g, namespaceOf(vs), gateways));
  const matchOk = (match: Fields): boolean => {
    const matchGateways = stringsOf(match.gateways);
    const effective = matchGateways.length
      ? matchGateways
      : topGateways.length
        ? topGateways
        : ['mesh'];
    if (!atGateway(effective)) return false;
    if (match.port !== undefined && match.port !== port) return false;
    const srcNs = stringOf(match.sourceNamespace);
    if (srcNs && gateways.includes('mesh') && srcNs !== sourceNamespace) return false;
    if (kind === 'tls') {
      const sni = stringsOf(match.sniHosts);
      if (!sni.some((h) => hostMatches(h, req.host, true))) return false;
    }
    if (kind === 'http') {
      if (match.uri !== undefined && !stringMatches(fieldsOf(match.uri), req.path)) return false;
      if (match.method !== undefined && !stringMatches(fieldsOf(match.method), req.method))
        return false;
      if (match.headers !== undefined || match.queryParams !== undefined) return false;
    }
    return true;
  };
  for (const [index, rule] of listOf(spec[kind]).entries()) {
    const matches = listOf(rule.match);
    let matchedIndex = -1;
    if (!matches.length) {
      if (!atGateway(topGateways.length ? topGateways : ['mesh'])) continue;
      if (kind === 'tls') continue; // sniHosts are required in tls matches
    } else {
      matchedIndex = matches.findIndex(matchOk);
      if (matchedIndex < 0) continue;
    }
    const destination = routeDestinations(rule.route)[0];
    if (!destination) continue;
    const matchText = matchedIndex >= 0 ? ` match[${matchedIndex}]` : '';
    return {
      rule: `${kind}[${index}]${matchText} at ${gateways.join(',')}`,
      destination: { ...destination, port: destination.port || port },
    };
  }
  return undefined;
}

import type { KubeObject } from '../plan/kube-object.js';
import {
  applicableAuthorizationPolicies,
  type AuthorizationRequest,
  decideAuthorization,
} from './authorization-policy.js';
import { decideEgress, type FirewallRule } from './firewall.js';
import { exportedTo, hostMatches } from './istio-match.js';
import { mapSelectorMatches } from './label-selector.js';
import {
  ipv4CidrRange,
  ipv4ToNumber,
  type NetworkPeer,
  NetworkPolicyEngine,
  numberToIpv4,
  type Workload,
} from './network-policy.js';
import {
  type Fields,
  fieldsOf,
  labelsOf,
  listOf,
  specOf,
  stringOf,
  stringsOf,
} from './object-access.js';
import type { Hop, ObjectRef } from './trace.js';

/** The analyzer's answer for a request. */
export type Verdict = 'ALLOWED' | 'DENIED_NO_ROUTE' | 'DENIED_RBAC' | 'DENIED_NETWORK';

/** How an allowed request leaves the mesh. */
export type Via = 'tls-origination' | 'passthrough' | 'plain-http' | 'private-google-access';

/** A request to analyze: from a pod in `sourceNamespace` to `url`, or to `host` and `port`. */
export interface ReachabilityRequest {
  sourceNamespace: string;
  /** `http://host[:port]/path` or `https://...`; an IPv4 host means the pod bypasses its sidecar. */
  url?: string;
  host?: string;
  port?: number;
  /** With host+port: `https` means the app speaks TLS itself (default: https on 443, else http). */
  scheme?: 'http' | 'https';
  method?: string;
  path?: string;
  /** Labels of the source pod (default none: policies with `podSelector: {}` select it). */
  sourceLabels?: Record<string, string>;
}

/** The analyzer's answer: the verdict, how (when allowed), and every hop that decided. */
export interface ReachabilityResult {
  verdict: Verdict;
  via?: Via;
  /** The request as analyzed (URL parsed, defaults filled). */
  request: Required<
    Pick<ReachabilityRequest, 'sourceNamespace' | 'host' | 'port' | 'scheme' | 'method' | 'path'>
  >;
  trace: Hop[];
}

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

/** A documentation address (RFC 5737) standing for "some public address" of an unknown host. */
const ASSUMED_PUBLIC_ADDRESS = '203.0.113.10';
const PRIVATE_GOOGLE_ACCESS_RANGES = ['199.36.153.8/30', '199.36.153.4/30'];

/** The tutorial's egress gateway contract, used when the object set lacks the gateway's Service. */
const DEFAULT_GATEWAY = {
  name: 'istio-egressgateway',
  namespace: 'istio-egress',
  labels: { istio: 'egress', app: 'istio-egressgateway' },
  ports: [
    { name: 'http', port: 80, targetPort: 8080 },
    { name: 'https', port: 443, targetPort: 8443 },
  ],
};

/** A Service port of the egress gateway that an app can address directly. */
export interface GatewayEntrance {
  /** Service name, in the gateway's namespace. */
  service: string;
  port: number;
}

interface GatewayService {
  name: string;
  namespace: string;
  podLabels: Record<string, string>;
  ports: Array<{ name?: string; port: number; targetPort: number }>;
  assumed: boolean;
}

interface Routed {
  host: string;
  port: number;
  subset?: string;
}

type Outcome = { verdict: Verdict; via?: Via };

/** A client's TLS settings toward one destination, from the DestinationRule that applies. */
interface ClientTls {
  /** `tls.mode`; undefined when no DestinationRule sets one. */
  mode?: string;
  /** `tls.sni`; undefined when unset (Istio then sends its own, see {@link istioClusterSni}). */
  sni?: string;
}

/** What the source sidecar sends toward a gateway Service: its TLS settings and cluster. */
interface SidecarUpstream {
  tls: ClientTls;
  /** The SNI Istio sends over ISTIO_MUTUAL when the DestinationRule sets none. */
  clusterSni: string;
}

/**
 * Istio's default SNI for ISTIO_MUTUAL toward a cluster: the cluster name
 * `outbound_.PORT_.SUBSET_.HOST`. A Gateway server whose hosts name the external host therefore
 * only matches when the DestinationRule sets `tls.sni` (istio.io egress TLS origination tasks).
 */
function istioClusterSni(host: string, port: number, subset: string | undefined): string {
  return `outbound_.${port}_.${subset ?? ''}_.${host}`;
}

function ref(obj: KubeObject): ObjectRef {
  return { kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name };
}

function nsOf(obj: KubeObject): string {
  return obj.metadata.namespace ?? 'default';
}

/** Splits `ns/host` (Sidecar egress hosts, Gateway server hosts); bare `host` means `*`/host. */
function splitNamespacedHost(entry: string): { ns: string; host: string } {
  const slash = entry.indexOf('/');
  return slash < 0
    ? { ns: '*', host: entry }
    : { ns: entry.slice(0, slash), host: entry.slice(slash + 1) };
}

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

function uriMatches(match: Fields, path: string): boolean {
  const exact = stringOf(match.exact);
  const prefix = stringOf(match.prefix);
  const regex = stringOf(match.regex);
  if (exact !== undefined) return path === exact;
  if (prefix !== undefined) return path.startsWith(prefix);
  if (regex !== undefined) {
    try {
      return new RegExp(`^(?:${regex})$`).test(path);
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * The reachability analyzer over one object set and the VPC's firewall rules: `can` walks a
 * request through NetworkPolicy, Sidecar, VirtualService, DestinationRule, Gateway,
 * AuthorizationPolicy, TLS origination and the VPC firewall, as DESIGN.md "Reachability
 * analyzer" lists them, and names the object and rule that decided each hop.
 */
export class ReachabilityAnalyzer {
  private readonly netpol: NetworkPolicyEngine;
  private readonly options: Required<Omit<AnalyzerOptions, 'resolve'>> & {
    resolve: Record<string, string>;
  };

  constructor(
    readonly objects: readonly KubeObject[],
    readonly firewalls: readonly FirewallRule[],
    options: AnalyzerOptions = {},
  ) {
    this.netpol = new NetworkPolicyEngine(objects);
    this.options = { ...DEFAULTS, ...options, resolve: options.resolve ?? {} };
  }

  private ofKind(kind: string): KubeObject[] {
    return this.objects.filter((o) => o.kind === kind);
  }

  /** Parses and completes a request; throws an Error naming the field for bad input. */
  normalize(request: ReachabilityRequest): ReachabilityResult['request'] {
    if (!request.sourceNamespace) throw new Error('sourceNamespace: required');
    let host = request.host;
    let port = request.port;
    let scheme = request.scheme;
    let path = request.path;
    if (request.url !== undefined) {
      let url: URL;
      try {
        url = new URL(request.url);
      } catch {
        throw new Error(
          `url: "${request.url}" is not an absolute URL (expected http://HOST[:PORT]/PATH or https://...)`,
        );
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new Error(`url: scheme "${url.protocol.replace(':', '')}" is not http or https`);
      }
      scheme = url.protocol === 'https:' ? 'https' : 'http';
      host = url.hostname;
      port = url.port ? Number(url.port) : scheme === 'https' ? 443 : 80;
      path = path ?? (url.pathname || '/');
    }
    if (!host) throw new Error('host: required (give url, or host and port)');
    if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`port: must be an integer 1..65535 (got ${String(port)})`);
    }
    return {
      sourceNamespace: request.sourceNamespace,
      host: host.toLowerCase(),
      port,
      scheme: scheme ?? (port === 443 ? 'https' : 'http'),
      method: (request.method ?? 'GET').toUpperCase(),
      path: path ?? '/',
    };
  }

  /** Decides whether `request` gets through, and why. */
  can(request: ReachabilityRequest): ReachabilityResult {
    const req = this.normalize(request);
    const trace: Hop[] = [];
    const source: Workload = {
      kind: 'Pod',
      name: 'source',
      namespace: req.sourceNamespace,
      labels: request.sourceLabels ?? {},
      ports: [],
    };
    const done = (outcome: Outcome): ReachabilityResult => ({ ...outcome, request: req, trace });
    if (ipv4ToNumber(req.host) !== undefined) {
      trace.push({
        stage: 'source',
        decision: 'info',
        rule: `the pod addresses ${req.host} directly, bypassing its sidecar: only NetworkPolicy and the VPC firewall apply`,
      });
      return done(this.direct(source, req, req.host, trace));
    }
    return done(this.throughMesh(source, req, trace));
  }

  /** Where `host` resolves: a configured address, private Google access, or an assumed public one. */
  private resolveHost(host: string, trace: Hop[]): string {
    const known = this.options.resolve[host];
    if (known) return known;
    const pga = this.options.privateGoogleAccess;
    const domain = pga.domains.find((d) => host === d || host.endsWith(`.${d}`));
    if (domain) {
      trace.push({
        stage: 'dns',
        decision: 'info',
        rule: `${host} is in the private zone for ${domain}: resolves to ${pga.address} (private Google access)`,
      });
      return pga.address;
    }
    trace.push({
      stage: 'dns',
      decision: 'info',
      rule: `${host} resolves to a public address (assumed ${ASSUMED_PUBLIC_ADDRESS})`,
    });
    return ASSUMED_PUBLIC_ADDRESS;
  }

  private networkPolicyHop(
    source: Workload,
    destination: NetworkPeer,
    port: number,
    what: string,
  ): Hop {
    const egress = this.netpol.egress(source, destination);
    let ingressOk = true;
    let ingressPolicy: string | undefined;
    if (destination.type === 'pod') {
      const ingress = this.netpol.ingress(destination.workload, { type: 'pod', workload: source });
      ingressOk = ingress.connections.allows('TCP', port);
      ingressPolicy = ingress.contributions.map((c) => c.policy).join(', ');
    }
    const egressOk = egress.connections.allows('TCP', port);
    const allowing = egress.contributions.find((c) => c.connections.allows('TCP', port));
    const policyRef = (text: string | undefined): ObjectRef | undefined => {
      if (!text) return undefined;
      const [kind = '', namespace, name = ''] = text.split('/');
      return { kind, namespace, name };
    };
    if (!egressOk) {
      return {
        stage: 'network-policy',
        decision: 'deny',
        rule: `egress of ${source.namespace} to ${what} TCP ${port}: no rule of ${egress.contributions
          .map((c) => c.policy)
          .join(', ')} admits it`,
      };
    }
    if (!ingressOk) {
      return {
        stage: 'network-policy',
        decision: 'deny',
        rule: `ingress of ${what} TCP ${port} from ${source.namespace}: no rule of ${ingressPolicy ?? ''} admits it`,
      };
    }
    return {
      stage: 'network-policy',
      decision: 'pass',
      object: policyRef(allowing?.policy),
      rule: egress.isolated
        ? `egress to ${what} TCP ${port} admitted`
        : `no NetworkPolicy isolates egress of ${source.namespace}: ${what} TCP ${port} admitted`,
    };
  }

  /** A connection that leaves the pod straight for an outside address (no egress gateway). */
  private direct(
    source: Workload,
    req: ReachabilityResult['request'],
    address: string,
    trace: Hop[],
    nodeServiceAccount = this.options.applicationNodeServiceAccount,
  ): Outcome {
    const ip = ipv4ToNumber(address) ?? 0;
    const hop = this.networkPolicyHop(
      source,
      { type: 'external', range: { from: ip, to: ip } },
      req.port,
      address,
    );
    trace.push(hop);
    if (hop.decision === 'deny') return { verdict: 'DENIED_NETWORK' };
    if (!this.firewallAllows(nodeServiceAccount, ip, req.port, trace))
      return { verdict: 'DENIED_NETWORK' };
    const pga = PRIVATE_GOOGLE_ACCESS_RANGES.map(ipv4CidrRange).some(
      (r) => r && r.from <= ip && ip <= r.to,
    );
    return {
      verdict: 'ALLOWED',
      via: pga ? 'private-google-access' : req.scheme === 'https' ? 'passthrough' : 'plain-http',
    };
  }

  private firewallAllows(serviceAccount: string, ip: number, port: number, trace: Hop[]): boolean {
    const decision = decideEgress(this.firewalls, serviceAccount, ip, 'tcp', port);
    trace.push({
      stage: 'firewall',
      decision: decision.allowed ? 'pass' : 'deny',
      object: decision.rule ? { kind: 'Firewall', name: decision.rule.name } : undefined,
      rule: `egress from nodes running as ${serviceAccount} to ${numberToIpv4(ip)} tcp:${port}: ${decision.reason}`,
    });
    return decision.allowed;
  }

  // ---- Sidecar ----

  private selectSidecar(namespace: string, labels: Record<string, string>): KubeObject | undefined {
    const sidecars = this.ofKind('Sidecar');
    const inNamespace = sidecars.filter((s) => nsOf(s) === namespace);
    const withSelector = inNamespace.find((s) => {
      const selector = fieldsOf(specOf(s).workloadSelector);
      return selector.labels !== undefined && mapSelectorMatches(labelsOf(selector.labels), labels);
    });
    if (withSelector) return withSelector;
    const namespaceWide = inNamespace.find((s) => specOf(s).workloadSelector === undefined);
    if (namespaceWide) return namespaceWide;
    return sidecars.find(
      (s) => nsOf(s) === this.options.rootNamespace && specOf(s).workloadSelector === undefined,
    );
  }

  /** Whether a config object (SE, VS, DR) is visible to a proxy in `namespace` under its Sidecar. */
  private visible(
    config: KubeObject,
    hosts: string[],
    namespace: string,
    sidecar: KubeObject | undefined,
    port: number,
  ): boolean {
    if (!exportedTo(specOf(config).exportTo, nsOf(config), namespace)) return false;
    if (!sidecar) return true;
    const egress = listOf(specOf(sidecar).egress);
    if (!egress.length) return true;
    return egress.some((listener) => {
      const listenerPort = fieldsOf(listener.port).number;
      if (typeof listenerPort === 'number' && listenerPort !== port) return false;
      return stringsOf(listener.hosts).some((entry) => {
        const { ns, host } = splitNamespacedHost(entry);
        const nsOk =
          ns === '*' || ns === nsOf(config) || (ns === '.' && nsOf(config) === nsOf(sidecar));
        if (!nsOk || ns === '~') return false;
        return host === '*' || hosts.some((h) => hostMatches(host, h) || hostMatches(h, host));
      });
    });
  }

  // ---- the mesh path ----

  private throughMesh(source: Workload, req: ReachabilityResult['request'], trace: Hop[]): Outcome {
    const routing: Hop[] = [];
    const sidecar = this.selectSidecar(source.namespace, source.labels);
    const mode =
      stringOf(fieldsOf(sidecar ? specOf(sidecar).outboundTrafficPolicy : undefined).mode) ??
      this.options.meshOutboundTrafficPolicy;
    const entries = this.ofKind('ServiceEntry').filter((se) => {
      const hosts = stringsOf(specOf(se).hosts);
      return (
        hosts.some((h) => hostMatches(h, req.host)) &&
        listOf(specOf(se).ports).some((p) => p.number === req.port)
      );
    });
    const visibleEntry = entries.find((se) =>
      this.visible(se, stringsOf(specOf(se).hosts), source.namespace, sidecar, req.port),
    );
    const sidecarRef = sidecar ? ref(sidecar) : undefined;
    if (!visibleEntry) {
      const why = entries.length
        ? `${entries.map((e) => `${nsOf(e)}/${e.metadata.name}`).join(', ')} declare ${req.host}:${req.port} but are not exported to ${source.namespace} or not in its Sidecar egress hosts`
        : `no ServiceEntry declares ${req.host}:${req.port}`;
      if (mode === 'REGISTRY_ONLY') {
        trace.push({
          stage: 'sidecar',
          decision: 'deny',
          object: sidecarRef,
          rule: `outboundTrafficPolicy REGISTRY_ONLY; ${why}: no route`,
        });
        return { verdict: 'DENIED_NO_ROUTE' };
      }
      routing.push({
        stage: 'sidecar',
        decision: 'pass',
        object: sidecarRef,
        rule: `outboundTrafficPolicy ALLOW_ANY; ${why}: passthrough to the original destination`,
      });
      return this.leaveDirectly(source, req, req.host, routing, trace);
    }
    routing.push({
      stage: 'sidecar',
      decision: 'pass',
      object: ref(visibleEntry),
      rule: `${req.host}:${req.port} is in the registry of ${source.namespace}${sidecarRef ? ` (Sidecar ${sidecarRef.namespace}/${sidecarRef.name}, ${mode})` : ' (no Sidecar)'}`,
    });
    const tls = req.scheme === 'https';
    const vs = this.ofKind('VirtualService').find(
      (v) =>
        stringsOf(specOf(v).hosts).some((h) => hostMatches(h, req.host)) &&
        this.gatewaysOf(v).includes('mesh') &&
        this.visible(v, stringsOf(specOf(v).hosts), source.namespace, sidecar, req.port),
    );
    if (!vs) {
      routing.push({
        stage: 'virtual-service',
        decision: 'pass',
        rule: `no VirtualService for ${req.host} at mesh: the sidecar sends it to the ServiceEntry's endpoint directly`,
      });
      return this.leaveDirectly(source, req, req.host, routing, trace);
    }
    const matched = this.matchRoute(vs, ['mesh'], req, tls ? 'tls' : 'http', source.namespace);
    if (!matched) {
      if (!tls) {
        routing.push({
          stage: 'virtual-service',
          decision: 'deny',
          object: ref(vs),
          rule: `no http rule matches at mesh (port ${req.port}, path ${req.path}): 404 NR`,
        });
        trace.push(...routing);
        return { verdict: 'DENIED_NO_ROUTE' };
      }
      routing.push({
        stage: 'virtual-service',
        decision: 'pass',
        object: ref(vs),
        rule: `no tls rule matches at mesh: the ServiceEntry's own route applies`,
      });
      return this.leaveDirectly(source, req, req.host, routing, trace);
    }
    routing.push({
      stage: 'virtual-service',
      decision: 'pass',
      object: ref(vs),
      rule: `${matched.rule} → ${matched.destination.host}:${matched.destination.port}${matched.destination.subset ? ` subset ${matched.destination.subset}` : ''}`,
    });
    const gateway = this.gatewayService(matched.destination.host, nsOf(vs), routing);
    if (!gateway) {
      return this.leaveDirectly(source, req, matched.destination.host, routing, trace);
    }
    // DestinationRule of the sidecar → gateway hop.
    const servicePort = gateway.ports.find(
      (p) => p.port === (matched.destination.port || req.port),
    );
    if (!servicePort) {
      routing.push({
        stage: 'gateway',
        decision: 'deny',
        rule: `Service ${gateway.namespace}/${gateway.name} has no port ${matched.destination.port}`,
      });
      trace.push(...routing);
      return { verdict: 'DENIED_NO_ROUTE' };
    }
    const gatewayHost = `${gateway.name}.${gateway.namespace}.svc.cluster.local`;
    const sidecarTls = this.destinationRuleTls(
      gatewayHost,
      matched.destination.subset,
      servicePort.port,
      source.namespace,
      gateway.namespace,
      routing,
    );
    if (sidecarTls === null) {
      trace.push(...routing);
      return { verdict: 'DENIED_NO_ROUTE' };
    }
    const gatewayPod: Workload = {
      kind: 'Deployment',
      name: gateway.name,
      namespace: gateway.namespace,
      labels: gateway.podLabels,
      ports: gateway.ports.map((p) => ({
        port: p.targetPort,
        protocol: 'TCP' as const,
        name: p.name,
      })),
    };
    const netpolHop = this.networkPolicyHop(
      source,
      { type: 'pod', workload: gatewayPod },
      servicePort.targetPort,
      `${gateway.namespace}/${gateway.name} pods`,
    );
    trace.push(netpolHop, ...routing);
    if (netpolHop.decision === 'deny') return { verdict: 'DENIED_NETWORK' };
    const upstream: SidecarUpstream = {
      tls: sidecarTls,
      clusterSni: istioClusterSni(gatewayHost, servicePort.port, matched.destination.subset),
    };
    return this.atGateway(gateway, gatewayPod, servicePort, upstream, source, req, trace);
  }

  private leaveDirectly(
    source: Workload,
    req: ReachabilityResult['request'],
    host: string,
    routing: Hop[],
    trace: Hop[],
  ): Outcome {
    const dnsHops: Hop[] = [];
    const address = this.resolveHost(host, dnsHops);
    const local: Hop[] = [];
    const outcome = this.direct(source, req, address, local);
    const [netpolHop, ...rest] = local;
    trace.push(...(netpolHop ? [netpolHop] : []), ...routing, ...dnsHops, ...rest);
    return outcome;
  }

  /** A VirtualService's gateways: the top-level list, or `mesh` when omitted. */
  private gatewaysOf(vs: KubeObject): string[] {
    const top = stringsOf(specOf(vs).gateways);
    const all = new Set(top.length ? top : ['mesh']);
    for (const kind of ['http', 'tls', 'tcp']) {
      for (const rule of listOf(specOf(vs)[kind])) {
        for (const match of listOf(rule.match))
          for (const g of stringsOf(match.gateways)) all.add(g);
      }
    }
    return [...all];
  }

  /** Whether a gateway name in a VS (`ns/name`, `name`, `mesh`) is one of `wanted` (`mesh` or `ns/name`). */
  private gatewayRefMatches(entry: string, vsNamespace: string, wanted: string[]): boolean {
    if (entry === 'mesh') return wanted.includes('mesh');
    const qualified = entry.includes('/') ? entry : `${vsNamespace}/${entry}`;
    return wanted.includes(qualified);
  }

  /** The first rule of kind `kind` matching the request at one of `gateways`, with its destination. */
  private matchRoute(
    vs: KubeObject,
    gateways: string[],
    req: ReachabilityResult['request'],
    kind: 'http' | 'tls' | 'tcp',
    sourceNamespace: string,
    port = req.port,
  ): { rule: string; destination: Routed } | undefined {
    const spec = specOf(vs);
    const topGateways = stringsOf(spec.gateways);
    const rules = listOf(spec[kind]);
    for (const [index, rule] of rules.entries()) {
      const matches = listOf(rule.match);
      const matchOk = (match: Fields): boolean => {
        const matchGateways = stringsOf(match.gateways);
        const effective = matchGateways.length
          ? matchGateways
          : topGateways.length
            ? topGateways
            : ['mesh'];
        if (!effective.some((g) => this.gatewayRefMatches(g, nsOf(vs), gateways))) return false;
        if (match.port !== undefined && match.port !== port) return false;
        const srcNs = stringOf(match.sourceNamespace);
        if (srcNs && gateways.includes('mesh') && srcNs !== sourceNamespace) return false;
        if (kind === 'tls') {
          const sni = stringsOf(match.sniHosts);
          if (!sni.some((h) => hostMatches(h, req.host, true))) return false;
        }
        if (kind === 'http') {
          if (match.uri !== undefined && !uriMatches(fieldsOf(match.uri), req.path)) return false;
          if (match.method !== undefined && !uriMatches(fieldsOf(match.method), req.method))
            return false;
          if (match.headers !== undefined || match.queryParams !== undefined) return false;
        }
        return true;
      };
      let matchedIndex = -1;
      if (!matches.length) {
        const effective = topGateways.length ? topGateways : ['mesh'];
        if (!effective.some((g) => this.gatewayRefMatches(g, nsOf(vs), gateways))) continue;
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

  /** The gateway Service a route destination names, or `undefined` when it is not a mesh gateway. */
  private gatewayService(
    host: string,
    fromNamespace: string,
    trace: Hop[],
  ): GatewayService | undefined {
    const parts = host.split('.');
    const name = parts[0] ?? '';
    const namespace =
      parts.length >= 2 && (parts.length === 2 || parts[2] === 'svc')
        ? (parts[1] ?? fromNamespace)
        : fromNamespace;
    if (parts.length > 2 && !host.endsWith('.svc.cluster.local')) return undefined;
    const service = this.ofKind('Service').find(
      (s) => s.metadata.name === name && nsOf(s) === namespace,
    );
    if (service) {
      const spec = specOf(service);
      const selector = labelsOf(spec.selector);
      const deployment = this.ofKind('Deployment').find(
        (d) =>
          nsOf(d) === namespace &&
          mapSelectorMatches(
            selector,
            labelsOf(fieldsOf(fieldsOf(specOf(d).template).metadata).labels),
          ),
      );
      const podLabels = deployment
        ? labelsOf(fieldsOf(fieldsOf(specOf(deployment).template).metadata).labels)
        : selector;
      return {
        name,
        namespace,
        podLabels,
        assumed: false,
        ports: listOf(spec.ports).map((p) => ({
          name: stringOf(p.name),
          port: Number(p.port),
          targetPort: typeof p.targetPort === 'number' ? p.targetPort : Number(p.port),
        })),
      };
    }
    if (name === DEFAULT_GATEWAY.name && namespace === DEFAULT_GATEWAY.namespace) {
      trace.push({
        stage: 'gateway',
        decision: 'info',
        rule: `no Service ${namespace}/${name} in the object set: assuming the tutorial's contract (ports 80→8080, 443→8443, pods labelled istio: egress)`,
      });
      return { ...DEFAULT_GATEWAY, podLabels: { ...DEFAULT_GATEWAY.labels }, assumed: true };
    }
    return undefined;
  }

  /**
   * The TLS settings a client in `clientNamespace` uses toward `host:port` (subset if given),
   * from the DestinationRule found on Istio's lookup path (client namespace, service namespace,
   * root). `null` when the subset does not exist (Envoy: no cluster, 503 NR); an empty object
   * when no DR sets a mode.
   */
  private destinationRuleTls(
    host: string,
    subset: string | undefined,
    port: number,
    clientNamespace: string,
    serviceNamespace: string,
    trace: Hop[],
  ): ClientTls | null {
    const order = [clientNamespace, serviceNamespace, this.options.rootNamespace];
    const candidates = this.ofKind('DestinationRule')
      .filter(
        (dr) =>
          hostMatches(stringOf(specOf(dr).host) ?? '', host) ||
          hostMatches(host, stringOf(specOf(dr).host) ?? ''),
      )
      .filter(
        (dr) =>
          order.includes(nsOf(dr)) && exportedTo(specOf(dr).exportTo, nsOf(dr), clientNamespace),
      )
      .sort((a, b) => order.indexOf(nsOf(a)) - order.indexOf(nsOf(b)));
    const dr = candidates[0];
    // A port-level tls block replaces the policy's whole tls block (Envoy gets one TLS context).
    const tlsAt = (policy: Fields): ClientTls | undefined => {
      const level = listOf(policy.portLevelSettings).find((s) => fieldsOf(s.port).number === port);
      const block = [fieldsOf(level?.tls), fieldsOf(policy.tls)].find(
        (t) => stringOf(t.mode) !== undefined,
      );
      return block ? { mode: stringOf(block.mode), sni: stringOf(block.sni) } : undefined;
    };
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
          object: ref(dr),
          rule: `no subset ${subset}: 503 NR`,
        });
        return null;
      }
      settings = tlsAt(fieldsOf(found.trafficPolicy));
    }
    settings = settings ?? tlsAt(fieldsOf(spec.trafficPolicy));
    trace.push({
      stage: 'destination-rule',
      decision: 'pass',
      object: ref(dr),
      rule: `${subset ? `subset ${subset}` : 'host'} port ${port}: tls ${settings?.mode ?? 'unset (auto mTLS)'}${settings?.sni ? ` sni ${settings.sni}` : ''}`,
    });
    return settings ?? {};
  }

  // ---- at the egress gateway ----

  private atGateway(
    gateway: GatewayService,
    gatewayPod: Workload,
    servicePort: { port: number; targetPort: number },
    upstream: SidecarUpstream | undefined,
    source: Workload,
    req: ReachabilityResult['request'],
    trace: Hop[],
  ): Outcome {
    const tls = req.scheme === 'https';
    // Auto mTLS wraps the app's plain HTTP; the app's own TLS goes as it is unless a
    // DestinationRule says ISTIO_MUTUAL.
    const sidecarMode = upstream?.tls.mode ?? (tls ? undefined : 'ISTIO_MUTUAL');
    // Over ISTIO_MUTUAL the gateway sees the sidecar's SNI (DestinationRule `tls.sni`, else the
    // cluster name), not the app's: that is what a TLS server's hosts and `connection.sni` match.
    const wrappedSni =
      sidecarMode === 'ISTIO_MUTUAL' ? (upstream?.tls.sni ?? upstream?.clusterSni) : undefined;
    const serverName = (server: Fields): string => {
      const protocol = (stringOf(fieldsOf(server.port).protocol) ?? '').toUpperCase();
      const mutualTls =
        protocol === 'TLS' && stringOf(fieldsOf(server.tls).mode) === 'ISTIO_MUTUAL';
      return mutualTls && wrappedSni ? wrappedSni : req.host;
    };
    // Gateway server.
    let server: { gateway: KubeObject; server: Fields; index: number } | undefined;
    for (const gw of this.ofKind('Gateway')) {
      const selector = labelsOf(specOf(gw).selector);
      if (!Object.keys(selector).length || !mapSelectorMatches(selector, gatewayPod.labels))
        continue;
      const index = listOf(specOf(gw).servers).findIndex(
        (s) =>
          fieldsOf(s.port).number === servicePort.port &&
          stringsOf(s.hosts).some((h) =>
            hostMatches(splitNamespacedHost(h).host, serverName(s), true),
          ),
      );
      const found = listOf(specOf(gw).servers)[index];
      if (found) {
        server = { gateway: gw, server: found, index };
        break;
      }
    }
    if (!server) {
      trace.push({
        stage: 'gateway',
        decision: 'deny',
        rule: `no Gateway selecting ${gateway.namespace}/${gateway.name} has a server on port ${servicePort.port} for ${req.host}${wrappedSni && wrappedSni !== req.host ? ` (or, for an ISTIO_MUTUAL TLS server, for the sidecar's SNI ${wrappedSni})` : ''}`,
      });
      return { verdict: 'DENIED_NO_ROUTE' };
    }
    const protocol = (stringOf(fieldsOf(server.server.port).protocol) ?? 'HTTP').toUpperCase();
    const serverTls = stringOf(fieldsOf(server.server.tls).mode);
    const gwRef = `${nsOf(server.gateway)}/${server.gateway.metadata.name}`;
    const mutual = serverTls === 'ISTIO_MUTUAL';
    if (mutual && sidecarMode !== 'ISTIO_MUTUAL') {
      trace.push({
        stage: 'gateway',
        decision: 'deny',
        object: ref(server.gateway),
        rule: `servers[${server.index}] expects ISTIO_MUTUAL; the sidecar sends ${sidecarMode ?? (tls ? "the app's own TLS" : 'plain text')}: handshake fails`,
      });
      return { verdict: 'DENIED_NETWORK' };
    }
    let mode: 'http' | 'tls' | 'tcp';
    if (
      protocol === 'HTTP' ||
      ((protocol === 'HTTPS' || protocol === 'HTTP2') && serverTls !== 'PASSTHROUGH')
    )
      mode = 'http';
    else if (serverTls === 'PASSTHROUGH') mode = 'tls';
    else mode = 'tcp';
    if (mode === 'http' && tls) {
      trace.push({
        stage: 'gateway',
        decision: 'deny',
        object: ref(server.gateway),
        rule: `servers[${server.index}] (${protocol}) terminates HTTP, but the app speaks TLS to port ${req.port}`,
      });
      return { verdict: 'DENIED_NO_ROUTE' };
    }
    if (mode !== 'http' && !tls && !mutual) {
      trace.push({
        stage: 'gateway',
        decision: 'deny',
        object: ref(server.gateway),
        rule: `servers[${server.index}] expects TLS (${serverTls ?? protocol}); the app speaks plain HTTP`,
      });
      return { verdict: 'DENIED_NO_ROUTE' };
    }
    trace.push({
      stage: 'gateway',
      decision: 'pass',
      object: ref(server.gateway),
      rule: `servers[${server.index}] port ${servicePort.port} ${protocol}${serverTls ? ` tls ${serverTls}` : ''} (pod port ${servicePort.targetPort})${mutual && mode !== 'http' ? `: terminates the sidecar's mTLS (SNI ${wrappedSni ?? '-'}) and forwards the app's TLS stream as it is` : ''}`,
    });
    // VirtualService at the gateway.
    const serverHosts = stringsOf(server.server.hosts).map(splitNamespacedHost);
    const candidates = this.ofKind('VirtualService').filter(
      (v) =>
        stringsOf(specOf(v).hosts).some((h) => hostMatches(h, req.host)) &&
        exportedTo(specOf(v).exportTo, nsOf(v), nsOf(server.gateway)) &&
        serverHosts.some(
          (h) =>
            (h.ns === '*' ||
              h.ns === nsOf(v) ||
              (h.ns === '.' && nsOf(v) === nsOf(server.gateway))) &&
            hostMatches(h.host, req.host, true),
        ),
    );
    const routeKinds: Array<'http' | 'tls' | 'tcp'> = mode === 'tcp' ? ['tls', 'tcp'] : [mode];
    let routed: { vs: KubeObject; rule: string; destination: Routed } | undefined;
    for (const vs of candidates) {
      for (const kind of routeKinds) {
        const match = this.matchRoute(vs, [gwRef], req, kind, source.namespace, servicePort.port);
        if (match) {
          routed = { vs, ...match };
          break;
        }
      }
      if (routed) break;
    }
    if (!routed) {
      trace.push({
        stage: 'virtual-service',
        decision: 'deny',
        rule: `no VirtualService bound to ${gwRef} routes ${req.host} on port ${servicePort.port}${mode === 'http' ? ` path ${req.path}: 404 NR` : ''}`,
      });
      return { verdict: 'DENIED_NO_ROUTE' };
    }
    trace.push({
      stage: 'virtual-service',
      decision: 'pass',
      object: ref(routed.vs),
      rule: `${routed.rule} → ${routed.destination.host}:${routed.destination.port}${routed.destination.subset ? ` subset ${routed.destination.subset}` : ''}`,
    });
    // AuthorizationPolicy on the gateway pods.
    const identity = mutual || mode === 'http';
    const authzRequest: AuthorizationRequest = {
      http: mode === 'http',
      sourceNamespace: identity ? source.namespace : undefined,
      sourcePrincipal: identity ? `cluster.local/ns/${source.namespace}/sa/default` : undefined,
      host: mode === 'http' ? req.host : undefined,
      method: mode === 'http' ? req.method : undefined,
      path: mode === 'http' ? req.path : undefined,
      port: servicePort.targetPort,
      sni: mutual ? wrappedSni : mode === 'tls' ? req.host : undefined,
    };
    if (!identity) {
      trace.push({
        stage: 'authorization-policy',
        decision: 'info',
        rule: 'TLS passthrough: no Istio mTLS on this hop, so the gateway sees no source identity',
      });
    } else if (mode !== 'http') {
      trace.push({
        stage: 'authorization-policy',
        decision: 'info',
        rule: `passthrough wrapped in Istio mTLS: the gateway sees principal ${authzRequest.sourcePrincipal} (namespace ${source.namespace}) and SNI ${wrappedSni ?? '-'}`,
      });
    }
    const policies = applicableAuthorizationPolicies(
      this.objects,
      gateway.namespace,
      gatewayPod.labels,
      this.options.rootNamespace,
    );
    const authz = decideAuthorization(policies, authzRequest);
    trace.push(authz.hop, ...authz.notes);
    if (!authz.allowed) return { verdict: 'DENIED_RBAC' };
    // TLS origination.
    let via: Via = mode === 'http' ? 'plain-http' : 'passthrough';
    if (mode === 'http') {
      const upstreamTls = this.destinationRuleTls(
        routed.destination.host,
        routed.destination.subset,
        routed.destination.port,
        gateway.namespace,
        gateway.namespace,
        trace,
      );
      if (upstreamTls === null) return { verdict: 'DENIED_NO_ROUTE' };
      if (upstreamTls.mode === 'SIMPLE' || upstreamTls.mode === 'MUTUAL') {
        via = 'tls-origination';
        trace.push({
          stage: 'tls-origination',
          decision: 'pass',
          rule: `the gateway originates TLS (${upstreamTls.mode}) to ${routed.destination.host}:${routed.destination.port}`,
        });
      } else {
        trace.push({
          stage: 'tls-origination',
          decision: 'info',
          rule: `plain HTTP from the gateway to ${routed.destination.host}:${routed.destination.port}`,
        });
      }
    }
    // Leaving the gateway pod: its NetworkPolicy, then the VPC firewall of the gateway nodes.
    const address = this.resolveHost(routed.destination.host, trace);
    const ip = ipv4ToNumber(address) ?? 0;
    const hop = this.networkPolicyHop(
      gatewayPod,
      { type: 'external', range: { from: ip, to: ip } },
      routed.destination.port,
      address,
    );
    if (hop.decision === 'deny') {
      trace.push(hop);
      return { verdict: 'DENIED_NETWORK' };
    }
    if (
      !this.firewallAllows(
        this.options.gatewayNodeServiceAccount,
        ip,
        routed.destination.port,
        trace,
      )
    ) {
      return { verdict: 'DENIED_NETWORK' };
    }
    return { verdict: 'ALLOWED', via };
  }

  /** The pod labels of the egress gateway (from its Service, or the tutorial's contract). */
  gatewayPodLabels(): Record<string, string> {
    const service = this.gatewayService(
      `${DEFAULT_GATEWAY.name}.${DEFAULT_GATEWAY.namespace}.svc.cluster.local`,
      DEFAULT_GATEWAY.namespace,
      [],
    );
    return service?.podLabels ?? { ...DEFAULT_GATEWAY.labels };
  }

  /**
   * The ways into the egress gateway an app can address itself: every port of every Service
   * selecting the gateway pods (the gateway's own Service first, its port 443 first of all).
   */
  gatewayEntrances(): GatewayEntrance[] {
    const main = this.gatewayService(
      `${DEFAULT_GATEWAY.name}.${DEFAULT_GATEWAY.namespace}.svc.cluster.local`,
      DEFAULT_GATEWAY.namespace,
      [],
    );
    if (!main) return [];
    const others = this.ofKind('Service')
      .filter((s) => {
        const selector = labelsOf(specOf(s).selector);
        return (
          nsOf(s) === main.namespace &&
          s.metadata.name !== main.name &&
          Object.keys(selector).length > 0 &&
          mapSelectorMatches(selector, main.podLabels)
        );
      })
      .map((s) => s.metadata.name)
      .sort();
    const entrances: GatewayEntrance[] = [];
    const mainPorts = [...main.ports].sort(
      (a, b) => Number(b.port === 443) - Number(a.port === 443),
    );
    for (const p of mainPorts) entrances.push({ service: main.name, port: p.port });
    for (const name of others) {
      const service = this.gatewayService(
        `${name}.${main.namespace}.svc.cluster.local`,
        main.namespace,
        [],
      );
      for (const p of service?.ports ?? []) entrances.push({ service: name, port: p.port });
    }
    return entrances;
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
    const entrances = entrance ? [entrance] : this.gatewayEntrances();
    let first: ReachabilityResult | undefined;
    for (const candidate of entrances) {
      const result = this.viaGatewayEntrance(req, candidate);
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

  private viaGatewayEntrance(
    req: ReachabilityResult['request'],
    entrance: GatewayEntrance,
  ): ReachabilityResult {
    const trace: Hop[] = [
      {
        stage: 'source',
        decision: 'info',
        rule: `the app opens TLS with SNI ${req.host} to ${entrance.service}.${DEFAULT_GATEWAY.namespace}:${entrance.port} directly`,
      },
    ];
    const source: Workload = {
      kind: 'Pod',
      name: 'source',
      namespace: req.sourceNamespace,
      labels: {},
      ports: [],
    };
    const serviceHost = `${entrance.service}.${DEFAULT_GATEWAY.namespace}.svc.cluster.local`;
    const gateway = this.gatewayService(serviceHost, DEFAULT_GATEWAY.namespace, trace);
    const servicePort = gateway?.ports.find((p) => p.port === entrance.port);
    if (!gateway || !servicePort) {
      trace.push({
        stage: 'gateway',
        decision: 'deny',
        rule: `no egress gateway Service ${entrance.service} with port ${entrance.port}`,
      });
      return { verdict: 'DENIED_NO_ROUTE', request: req, trace };
    }
    const gatewayPod: Workload = {
      kind: 'Deployment',
      name: gateway.name,
      namespace: gateway.namespace,
      labels: gateway.podLabels,
      ports: gateway.ports.map((p) => ({
        port: p.targetPort,
        protocol: 'TCP' as const,
        name: p.name,
      })),
    };
    const hop = this.networkPolicyHop(
      source,
      { type: 'pod', workload: gatewayPod },
      servicePort.targetPort,
      `${gateway.namespace}/${gateway.name} pods`,
    );
    trace.push(hop);
    if (hop.decision === 'deny') return { verdict: 'DENIED_NETWORK', request: req, trace };
    // No route names a subset here, so only the DestinationRule's top-level policy applies.
    const dnsName = `${gateway.name}.${gateway.namespace}.svc.cluster.local`;
    const sidecarTls = this.destinationRuleTls(
      dnsName,
      undefined,
      servicePort.port,
      req.sourceNamespace,
      gateway.namespace,
      trace,
    );
    const upstream: SidecarUpstream = {
      tls: sidecarTls ?? {},
      clusterSni: istioClusterSni(dnsName, servicePort.port, undefined),
    };
    const outcome = this.atGateway(gateway, gatewayPod, servicePort, upstream, source, req, trace);
    return { ...outcome, request: req, trace };
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

/**
 * The egress gateway as the analyzer sees it: the Service a route or an app addresses, the pods
 * behind it (their labels select Gateways and AuthorizationPolicies), and its ports.
 */
import type { KubeObject } from '../plan/kube-object.js';
import type { AnalysisContext } from './analysis-context.js';
import { mapSelectorMatches } from './label-selector.js';
import type { Workload } from './network-policy.js';
import { fieldsOf, labelsOf, listOf, specOf, stringOf } from './object-access.js';
import type { Hop } from './trace.js';

/** The tutorial's egress gateway contract, used when the object set lacks the gateway's Service. */
export const DEFAULT_GATEWAY = {
  name: 'istio-egressgateway',
  namespace: 'istio-egress',
  labels: { istio: 'egress', app: 'istio-egressgateway' },
  ports: [
    { name: 'http', port: 80, targetPort: 8080 },
    { name: 'https', port: 443, targetPort: 8443 },
  ],
};

/** The DNS name of the tutorial's gateway Service. */
const DEFAULT_GATEWAY_HOST = `${DEFAULT_GATEWAY.name}.${DEFAULT_GATEWAY.namespace}.svc.cluster.local`;

/** A port of a gateway Service: what clients address, and what the gateway pods listen on. */
export interface GatewayPort {
  name?: string;
  port: number;
  targetPort: number;
}

/** A Service in front of the egress gateway pods. */
export interface GatewayService {
  name: string;
  namespace: string;
  podLabels: Record<string, string>;
  ports: GatewayPort[];
  assumed: boolean;
}

/** A Service port of the egress gateway that an app can address directly. */
export interface GatewayEntrance {
  /** Service name, in the gateway's namespace. */
  service: string;
  port: number;
}

/** The cluster DNS name of a gateway Service. */
export function serviceHost(gateway: GatewayService): string {
  return `${gateway.name}.${gateway.namespace}.svc.cluster.local`;
}

/** The pod labels of a Deployment's template. */
function templateLabels(deployment: KubeObject): Record<string, string> {
  return labelsOf(fieldsOf(fieldsOf(specOf(deployment).template).metadata).labels);
}

/** The gateway Service a route destination names, or `undefined` when it is not a mesh gateway. */
export function gatewayService(
  ctx: AnalysisContext,
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
  const service = ctx.index.named('Service', namespace, name);
  if (service) {
    const spec = specOf(service);
    const selector = labelsOf(spec.selector);
    const deployment = ctx.index
      .inNamespace('Deployment', namespace)
      .find((d) => mapSelectorMatches(selector, templateLabels(d)));
    return {
      name,
      namespace,
      podLabels: deployment ? templateLabels(deployment) : selector,
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

/** The gateway pods behind a Service, as NetworkPolicy sees them. */
export function gatewayPodOf(gateway: GatewayService): Workload {
  return {
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
}

/** The pod labels of the egress gateway (from its Service, or the tutorial's contract). */
export function gatewayPodLabels(ctx: AnalysisContext): Record<string, string> {
  const service = gatewayService(ctx, DEFAULT_GATEWAY_HOST, DEFAULT_GATEWAY.namespace, []);
  return service?.podLabels ?? { ...DEFAULT_GATEWAY.labels };
}

/**
 * The ways into the egress gateway an app can address itself: every port of every Service
 * selecting the gateway pods (the gateway's own Service first, its port 443 first of all).
 */
export function gatewayEntrances(ctx: AnalysisContext): GatewayEntrance[] {
  const main = gatewayService(ctx, DEFAULT_GATEWAY_HOST, DEFAULT_GATEWAY.namespace, []);
  if (!main) return [];
  const others = ctx.index
    .inNamespace('Service', main.namespace)
    .filter((s) => {
      const selector = labelsOf(specOf(s).selector);
      return (
        s.metadata.name !== main.name &&
        Object.keys(selector).length > 0 &&
        mapSelectorMatches(selector, main.podLabels)
      );
    })
    .map((s) => s.metadata.name)
    .sort();
  const entrances: GatewayEntrance[] = [];
  const mainPorts = [...main.ports].sort((a, b) => Number(b.port === 443) - Number(a.port === 443));
  for (const p of mainPorts) entrances.push({ service: main.name, port: p.port });
  for (const name of others) {
    const service = gatewayService(
      ctx,
      `${name}.${main.namespace}.svc.cluster.local`,
      main.namespace,
      [],
    );
    for (const p of service?.ports ?? []) entrances.push({ service: name, port: p.port });
  }
  return entrances;
}

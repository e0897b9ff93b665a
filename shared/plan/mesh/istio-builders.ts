/**
 * Typed builders of the Istio kinds the compiler emits, all at their v1 API (served and stored
 * by the Istio 1.30 CRDs; managed Cloud Service Mesh serves v1 too). Field names follow the
 * istio/api protos; only the fields the compiler uses are typed.
 */
import type { KubeObject } from '../kube-object.js';
import {
  definedFields,
  kubeObject,
  nonEmpty,
  sortedRecord,
  type ObjectMetaProps,
} from './kubernetes-builders.js';

/** Every Istio object is namespaced. */
export type IstioMetaProps = ObjectMetaProps & { namespace: string };

/** Properties for `PeerAuthentication`. */
export interface PeerAuthenticationProps extends IstioMetaProps {
  mtlsMode: 'STRICT' | 'PERMISSIVE';
}

/** A PeerAuthentication; in the root namespace it sets the mesh-wide mTLS mode. */
export function peerAuthentication(props: PeerAuthenticationProps): KubeObject {
  return kubeObject('security.istio.io/v1', 'PeerAuthentication', props, {
    spec: { mtls: { mode: props.mtlsMode } },
  });
}

/** Properties for an access-logging `Telemetry`. */
export interface TelemetryProps extends IstioMetaProps {
  /** Access-log providers, `envoy` being the built-in stdout logger. */
  accessLogProviders: string[];
}

/** A Telemetry resource; in the root namespace it configures the whole mesh. */
export function telemetry(props: TelemetryProps): KubeObject {
  return kubeObject('telemetry.istio.io/v1', 'Telemetry', props, {
    spec: { accessLogging: [{ providers: props.accessLogProviders.map((name) => ({ name })) }] },
  });
}

/** One server of a Gateway. */
export interface GatewayServer {
  port: { number: number; name: string; protocol: 'HTTP' | 'HTTPS' | 'TLS' | 'TCP' };
  hosts: string[];
  tls?: { mode: 'PASSTHROUGH' | 'ISTIO_MUTUAL' | 'SIMPLE' | 'MUTUAL' };
}

/** Properties for `Gateway`. */
export interface GatewayProps extends IstioMetaProps {
  selector: Record<string, string>;
  servers: GatewayServer[];
}

/** An Istio Gateway: the listeners of the gateway pods its selector picks. */
export function gateway(props: GatewayProps): KubeObject {
  return kubeObject('networking.istio.io/v1', 'Gateway', props, {
    spec: { selector: sortedRecord(props.selector), servers: props.servers },
  });
}

/** Client TLS settings of a DestinationRule. */
export interface ClientTls {
  mode: 'DISABLE' | 'SIMPLE' | 'MUTUAL' | 'ISTIO_MUTUAL';
  sni?: string;
}

/** A DestinationRule subset. */
export interface Subset {
  name: string;
  trafficPolicy?: {
    loadBalancer?: { simple: 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM' | 'PASSTHROUGH' };
    portLevelSettings?: { port: { number: number }; tls: ClientTls }[];
  };
}

/** Properties for `DestinationRule`. */
export interface DestinationRuleProps extends IstioMetaProps {
  host: string;
  exportTo?: string[];
  subsets: Subset[];
}

/** A DestinationRule. */
export function destinationRule(props: DestinationRuleProps): KubeObject {
  return kubeObject('networking.istio.io/v1', 'DestinationRule', props, {
    spec: definedFields({ host: props.host, exportTo: props.exportTo, subsets: props.subsets }),
  });
}

/** A ServiceEntry port. */
export interface ServiceEntryPort {
  number: number;
  name: string;
  protocol: 'HTTP' | 'HTTPS' | 'TLS' | 'TCP';
}

/** Properties for `ServiceEntry` of external hosts. */
export interface ServiceEntryProps extends IstioMetaProps {
  hosts: string[];
  ports: ServiceEntryPort[];
  resolution: 'DNS' | 'NONE';
  exportTo: string[];
}

/** A MESH_EXTERNAL ServiceEntry: puts external hosts into the registry REGISTRY_ONLY consults. */
export function serviceEntry(props: ServiceEntryProps): KubeObject {
  return kubeObject('networking.istio.io/v1', 'ServiceEntry', props, {
    spec: {
      hosts: props.hosts,
      ports: props.ports,
      resolution: props.resolution,
      location: 'MESH_EXTERNAL',
      exportTo: props.exportTo,
    },
  });
}

/** A route destination. */
export interface RouteDestination {
  destination: { host: string; subset?: string; port: { number: number } };
  weight?: number;
}

/** An HTTP route of a VirtualService. */
export interface HttpRoute {
  match: { gateways: string[]; port: number }[];
  route: RouteDestination[];
}

/** A TLS (SNI) route of a VirtualService. */
export interface TlsRoute {
  match: { gateways: string[]; port: number; sniHosts: string[] }[];
  route: RouteDestination[];
}

/** A TCP route of a VirtualService (what a gateway does with a stream it has unwrapped). */
export interface TcpRoute {
  match: { gateways: string[]; port: number }[];
  route: RouteDestination[];
}

/** Properties for `VirtualService`. */
export interface VirtualServiceProps extends IstioMetaProps {
  hosts: string[];
  gateways: string[];
  http?: HttpRoute[];
  tls?: TlsRoute[];
  tcp?: TcpRoute[];
  exportTo: string[];
}

/** A VirtualService. */
export function virtualService(props: VirtualServiceProps): KubeObject {
  return kubeObject('networking.istio.io/v1', 'VirtualService', props, {
    spec: definedFields({
      hosts: props.hosts,
      gateways: props.gateways,
      http: nonEmpty(props.http),
      tls: nonEmpty(props.tls),
      tcp: nonEmpty(props.tcp),
      exportTo: props.exportTo,
    }),
  });
}

/** One rule of an AuthorizationPolicy (from, to and when are ANDed). */
export interface AuthorizationRule {
  from?: { source: { namespaces?: string[]; principals?: string[] } }[];
  to?: {
    operation: { hosts?: string[]; paths?: string[]; methods?: string[]; ports?: string[] };
  }[];
  when?: { key: string; values: string[] }[];
}

/** Properties for an ALLOW `AuthorizationPolicy`. */
export interface AuthorizationPolicyProps extends IstioMetaProps {
  selector: Record<string, string>;
  /**
   * Empty means "allow nothing": an ALLOW policy without rules matches no request, which makes
   * every selected workload deny by default (no ALLOW policy at all would mean allow all).
   */
  rules: AuthorizationRule[];
}

/** An ALLOW AuthorizationPolicy bound to the workloads of a selector. */
export function authorizationPolicy(props: AuthorizationPolicyProps): KubeObject {
  return kubeObject('security.istio.io/v1', 'AuthorizationPolicy', props, {
    spec: definedFields({
      selector: { matchLabels: sortedRecord(props.selector) },
      action: 'ALLOW',
      rules: nonEmpty(props.rules),
    }),
  });
}

/** Properties for a namespace-wide `Sidecar`. */
export interface SidecarProps extends IstioMetaProps {
  egressHosts: string[];
  outboundTrafficPolicy: 'REGISTRY_ONLY' | 'ALLOW_ANY';
}

/** A Sidecar without workloadSelector: it applies to every proxy of its namespace. */
export function sidecar(props: SidecarProps): KubeObject {
  return kubeObject('networking.istio.io/v1', 'Sidecar', props, {
    spec: {
      outboundTrafficPolicy: { mode: props.outboundTrafficPolicy },
      egress: [{ hosts: props.egressHosts }],
    },
  });
}

/**
 * Typed builders of the Istio kinds the compiler emits, all at their v1 API (served and stored
 * by the Istio 1.30 CRDs; managed Cloud Service Mesh serves v1 too). Field names follow the
 * istio/api protos; only the fields the compiler uses are typed.
 */
import type { KubeObject } from '../kube-object.js';
import { objectMeta, sortedRecord, type ObjectMetaProps } from './kubernetes-builders.js';

/** Every Istio object is namespaced. */
export type IstioMetaProps = ObjectMetaProps & { namespace: string };

/** Properties for `PeerAuthentication`. */
export interface PeerAuthenticationProps extends IstioMetaProps {
  mtlsMode: 'STRICT' | 'PERMISSIVE';
}

/** A PeerAuthentication; in the root namespace it sets the mesh-wide mTLS mode. */
export function peerAuthentication(props: PeerAuthenticationProps): KubeObject {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'PeerAuthentication',
    metadata: objectMeta(props),
    spec: { mtls: { mode: props.mtlsMode } },
  };
}

/** Properties for an access-logging `Telemetry`. */
export interface TelemetryProps extends IstioMetaProps {
  /** Access-log providers, `envoy` being the built-in stdout logger. */
  accessLogProviders: string[];
}

/** A Telemetry resource; in the root namespace it configures the whole mesh. */
export function telemetry(props: TelemetryProps): KubeObject {
  return {
    apiVersion: 'telemetry.istio.io/v1',
    kind: 'Telemetry',
    metadata: objectMeta(props),
    spec: { accessLogging: [{ providers: props.accessLogProviders.map((name) => ({ name })) }] },
  };
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
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: objectMeta(props),
    spec: { selector: sortedRecord(props.selector), servers: props.servers },
  };
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
  const spec: Record<string, unknown> = { host: props.host };
  if (props.exportTo) spec.exportTo = props.exportTo;
  spec.subsets = props.subsets;
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: objectMeta(props),
    spec,
  };
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
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: objectMeta(props),
    spec: {
      hosts: props.hosts,
      ports: props.ports,
      resolution: props.resolution,
      location: 'MESH_EXTERNAL',
      exportTo: props.exportTo,
    },
  };
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
  const spec: Record<string, unknown> = { hosts: props.hosts, gateways: props.gateways };
  if (props.http && props.http.length > 0) spec.http = props.http;
  if (props.tls && props.tls.length > 0) spec.tls = props.tls;
  if (props.tcp && props.tcp.length > 0) spec.tcp = props.tcp;
  spec.exportTo = props.exportTo;
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: objectMeta(props),
    spec,
  };
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
  const spec: Record<string, unknown> = {
    selector: { matchLabels: sortedRecord(props.selector) },
    action: 'ALLOW',
  };
  if (props.rules.length > 0) spec.rules = props.rules;
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: objectMeta(props),
    spec,
  };
}

/** Properties for a namespace-wide `Sidecar`. */
export interface SidecarProps extends IstioMetaProps {
  egressHosts: string[];
  outboundTrafficPolicy: 'REGISTRY_ONLY' | 'ALLOW_ANY';
}

/** A Sidecar without workloadSelector: it applies to every proxy of its namespace. */
export function sidecar(props: SidecarProps): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Sidecar',
    metadata: objectMeta(props),
    spec: {
      outboundTrafficPolicy: { mode: props.outboundTrafficPolicy },
      egress: [{ hosts: props.egressHosts }],
    },
  };
}

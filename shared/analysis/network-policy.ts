import { ALL_IPV4, ipv4CidrRange, type Ipv4Range, rangesOverlap, rangeWithin } from '../lib/ip.js';
import type { KubeObject } from '../plan/kube-object.js';
import { ConnectionSet, type Protocol, isProtocol } from './connection-set.js';
import { selectorMatches } from './label-selector.js';
import {
  type Fields,
  fieldsOf,
  labelsOf,
  listOf,
  refOf,
  specOf,
  stringOf,
  stringsOf,
} from './object-access.js';

/** A port a container declares; named ports of NetworkPolicies resolve against these. */
export interface ContainerPort {
  name?: string;
  port: number;
  protocol: Protocol;
}

/**
 * A set of identical pods: a controller (Deployment, ReplicaSet, DaemonSet, ...) or a bare Pod.
 * NetworkPolicy sees labels, so one representative per controller is enough.
 */
export interface Workload {
  kind: string;
  name: string;
  namespace: string;
  labels: Record<string, string>;
  ports: ContainerPort[];
}

/** A namespace and its labels (`kubernetes.io/metadata.name` always present, as the API server sets it). */
export interface NamespaceInfo {
  name: string;
  labels: Record<string, string>;
}

/** The other end of a connection: a workload's pod, or addresses outside the cluster. */
export type NetworkPeer =
  { type: 'pod'; workload: Workload } | { type: 'external'; range: Ipv4Range };

/** One policy's share of a decision. */
export interface PolicyContribution {
  /** `NetworkPolicy/namespace/name`. */
  policy: string;
  /** What the policy's rules admit for this pair (may be empty: the policy selects but allows nothing). */
  connections: ConnectionSet;
}

/** The decision of one direction (egress of the source, or ingress of the destination). */
export interface DirectionDecision {
  /** Whether any policy of this direction selects the pod; if not, everything is allowed. */
  isolated: boolean;
  /** Everything admitted in this direction. */
  connections: ConnectionSet;
  /** The selecting policies and what each admits. */
  contributions: PolicyContribution[];
}

const WORKLOAD_KINDS = new Set([
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'ReplicationController',
  'CronJob',
]);

const METADATA_NAME_LABEL = 'kubernetes.io/metadata.name';

function podTemplateOf(obj: KubeObject): Fields | undefined {
  const spec = specOf(obj);
  if (obj.kind === 'Pod') return { metadata: obj.metadata, spec };
  if (obj.kind === 'CronJob') return fieldsOf(fieldsOf(fieldsOf(spec.jobTemplate).spec).template);
  if (WORKLOAD_KINDS.has(obj.kind)) return fieldsOf(spec.template);
  return undefined;
}

function containerPortsOf(podSpec: Fields): ContainerPort[] {
  const out: ContainerPort[] = [];
  for (const container of [...listOf(podSpec.containers), ...listOf(podSpec.initContainers)]) {
    for (const port of listOf(container.ports)) {
      const number = port.containerPort;
      if (typeof number !== 'number') continue;
      const protocol = stringOf(port.protocol) ?? 'TCP';
      if (!isProtocol(protocol)) continue;
      out.push({ name: stringOf(port.name), port: number, protocol });
    }
  }
  return out;
}

/**
 * The workloads of an object set: controllers from their pod templates, Pods grouped under their
 * controlling owner (so a ReplicaSet's pods are one workload named after the ReplicaSet, as
 * np-guard/netpol-analyzer reports them), bare Pods as themselves.
 */
export function collectWorkloads(objects: readonly KubeObject[]): Workload[] {
  const byKey = new Map<string, Workload>();
  for (const obj of objects) {
    const template = podTemplateOf(obj);
    if (!template) continue;
    const namespace = obj.metadata.namespace ?? 'default';
    let kind = obj.kind;
    let name = obj.metadata.name;
    if (obj.kind === 'Pod') {
      const owners = listOf(fieldsOf(obj.metadata).ownerReferences);
      const owner = owners.find((o) => o.controller === true) ?? owners[0];
      if (owner && stringOf(owner.kind) && stringOf(owner.name)) {
        kind = stringOf(owner.kind) ?? kind;
        name = stringOf(owner.name) ?? name;
      }
    }
    const key = `${namespace}/${kind}/${name}`;
    if (byKey.has(key)) continue;
    byKey.set(key, {
      kind,
      name,
      namespace,
      labels: labelsOf(fieldsOf(template.metadata).labels),
      ports: containerPortsOf(fieldsOf(template.spec)),
    });
  }
  return [...byKey.values()];
}

/** The text netpol-analyzer uses for a workload: `namespace/name[Kind]`. */
export function workloadLabel(workload: Workload): string {
  return `${workload.namespace}/${workload.name}[${workload.kind}]`;
}

interface ParsedPeer {
  podSelector?: unknown;
  namespaceSelector?: unknown;
  ipBlock?: { range: Ipv4Range | undefined; except: Ipv4Range[]; cidr: string };
}

interface ParsedRule {
  /** `undefined`: the rule admits every peer. */
  peers?: ParsedPeer[];
  /** `undefined`: the rule admits every port and protocol. */
  ports?: Fields[];
}

interface ParsedPolicy {
  ref: string;
  namespace: string;
  podSelector: unknown;
  ingress?: ParsedRule[];
  egress?: ParsedRule[];
}

function parseRules(value: unknown, peerField: 'from' | 'to'): ParsedRule[] {
  return listOf(value).map((rule) => {
    const peersValue = rule[peerField];
    const portsValue = rule.ports;
    const peers =
      Array.isArray(peersValue) && peersValue.length > 0
        ? listOf(peersValue).map((peer): ParsedPeer => {
            const ipBlock = peer.ipBlock === undefined ? undefined : fieldsOf(peer.ipBlock);
            return {
              podSelector: peer.podSelector,
              namespaceSelector: peer.namespaceSelector,
              ipBlock: ipBlock && {
                cidr: stringOf(ipBlock.cidr) ?? '',
                range: ipv4CidrRange(stringOf(ipBlock.cidr) ?? ''),
                except: stringsOf(ipBlock.except)
                  .map(ipv4CidrRange)
                  .filter((r): r is Ipv4Range => r !== undefined),
              },
            };
          })
        : undefined;
    const ports =
      Array.isArray(portsValue) && portsValue.length > 0 ? listOf(portsValue) : undefined;
    return { peers, ports };
  });
}

function parsePolicy(obj: KubeObject): ParsedPolicy {
  const spec = specOf(obj);
  const declared = stringsOf(spec.policyTypes);
  const hasEgressRules = Array.isArray(spec.egress) && spec.egress.length > 0;
  // Kubernetes defaults policyTypes to Ingress, plus Egress when egress rules are present.
  const types = declared.length ? declared : hasEgressRules ? ['Ingress', 'Egress'] : ['Ingress'];
  return {
    ref: refOf(obj),
    namespace: obj.metadata.namespace ?? 'default',
    podSelector: spec.podSelector,
    ingress: types.includes('Ingress') ? parseRules(spec.ingress, 'from') : undefined,
    egress: types.includes('Egress') ? parseRules(spec.egress, 'to') : undefined,
  };
}

/**
 * Evaluates Kubernetes NetworkPolicies over an object set (the Kubernetes semantics: a pod is
 * isolated in a direction once any policy of that direction selects it; then only the union of
 * those policies' rules is admitted; a connection needs both the source's egress and the
 * destination's ingress). ipBlock peers match only addresses outside the cluster, as pods carry
 * no IPs in manifests.
 */
export class NetworkPolicyEngine {
  /** Every workload of the object set. */
  readonly workloads: readonly Workload[];
  private readonly policies: readonly ParsedPolicy[];
  /** The policies of each namespace, in object order: a pod is selected only by its own namespace's. */
  private readonly policiesByNamespace = new Map<string, ParsedPolicy[]>();
  private readonly namespaces = new Map<string, NamespaceInfo>();

  constructor(objects: readonly KubeObject[]) {
    this.workloads = collectWorkloads(objects);
    this.policies = objects.filter((o) => o.kind === 'NetworkPolicy').map(parsePolicy);
    for (const policy of this.policies) {
      const inNamespace = this.policiesByNamespace.get(policy.namespace);
      if (inNamespace) inNamespace.push(policy);
      else this.policiesByNamespace.set(policy.namespace, [policy]);
    }
    for (const obj of objects) {
      if (obj.kind !== 'Namespace') continue;
      this.addNamespace(obj.metadata.name, obj.metadata.labels ?? {});
    }
    for (const w of this.workloads) this.namespaceInfo(w.namespace);
  }

  private addNamespace(name: string, labels: Record<string, string>): NamespaceInfo {
    const info = { name, labels: { ...labels, [METADATA_NAME_LABEL]: name } };
    this.namespaces.set(name, info);
    return info;
  }

  /** The namespace's labels; a namespace the object set does not declare has only its name label. */
  namespaceInfo(name: string): NamespaceInfo {
    return this.namespaces.get(name) ?? this.addNamespace(name, {});
  }

  /** Every IPv4 boundary the policies' ipBlocks draw: splitting the address space there gives ranges each policy treats alike. */
  externalRanges(): Ipv4Range[] {
    const cuts = new Set<number>([ALL_IPV4.from, ALL_IPV4.to + 1]);
    for (const policy of this.policies) {
      for (const rule of [...(policy.ingress ?? []), ...(policy.egress ?? [])]) {
        for (const peer of rule.peers ?? []) {
          for (const r of [peer.ipBlock?.range, ...(peer.ipBlock?.except ?? [])]) {
            if (!r) continue;
            cuts.add(r.from);
            cuts.add(r.to + 1);
          }
        }
      }
    }
    const sorted = [...cuts].sort((a, b) => a - b);
    const out: Ipv4Range[] = [];
    for (let i = 0; i + 1 < sorted.length; i++) {
      const from = sorted[i] ?? 0;
      const next = sorted[i + 1] ?? 0;
      out.push({ from, to: next - 1 });
    }
    return out;
  }

  private peerMatches(policy: ParsedPolicy, peer: ParsedPeer, other: NetworkPeer): boolean {
    if (peer.ipBlock) {
      if (other.type !== 'external' || !peer.ipBlock.range) return false;
      // The caller splits ranges at every ipBlock boundary; still, be exact for arbitrary ranges.
      return (
        rangeWithin(other.range, peer.ipBlock.range) &&
        !peer.ipBlock.except.some((e) => rangesOverlap(e, other.range))
      );
    }
    if (other.type !== 'pod') return false;
    const workload = other.workload;
    if (peer.namespaceSelector !== undefined) {
      const ns = this.namespaceInfo(workload.namespace);
      if (!selectorMatches(peer.namespaceSelector, ns.labels)) return false;
    } else if (workload.namespace !== policy.namespace) {
      return false;
    }
    if (peer.podSelector !== undefined) return selectorMatches(peer.podSelector, workload.labels);
    return peer.namespaceSelector !== undefined;
  }

  /** What a rule's ports admit toward `portOwner` (named ports resolve against its containers). */
  private portsConnections(ports: Fields[] | undefined, portOwner: NetworkPeer): ConnectionSet {
    if (!ports) return ConnectionSet.all();
    let result = ConnectionSet.none();
    for (const entry of ports) {
      const protocol = stringOf(entry.protocol) ?? 'TCP';
      if (!isProtocol(protocol)) continue;
      const port = entry.port;
      if (port === undefined || port === null) {
        result = result.union(ConnectionSet.of(protocol));
      } else if (typeof port === 'number') {
        const endPort = typeof entry.endPort === 'number' ? entry.endPort : port;
        result = result.union(ConnectionSet.of(protocol, [{ from: port, to: endPort }]));
      } else if (typeof port === 'string' && portOwner.type === 'pod') {
        for (const declared of portOwner.workload.ports) {
          if (declared.name === port && declared.protocol === protocol) {
            result = result.union(ConnectionSet.port(protocol, declared.port));
          }
        }
      }
    }
    return result;
  }

  private decide(
    direction: 'ingress' | 'egress',
    subject: Workload,
    other: NetworkPeer,
    portOwner: NetworkPeer,
  ): DirectionDecision {
    const contributions: PolicyContribution[] = [];
    for (const policy of this.policiesByNamespace.get(subject.namespace) ?? []) {
      const rules = policy[direction];
      if (!rules) continue;
      if (!selectorMatches(policy.podSelector, subject.labels)) continue;
      let connections = ConnectionSet.none();
      for (const rule of rules) {
        const peerOk = !rule.peers || rule.peers.some((p) => this.peerMatches(policy, p, other));
        if (peerOk) connections = connections.union(this.portsConnections(rule.ports, portOwner));
      }
      contributions.push({ policy: policy.ref, connections });
    }
    if (!contributions.length) {
      return { isolated: false, connections: ConnectionSet.all(), contributions };
    }
    const connections = contributions.reduce(
      (acc, c) => acc.union(c.connections),
      ConnectionSet.none(),
    );
    return { isolated: true, connections, contributions };
  }

  /** The source pod's egress decision toward `destination`. */
  egress(source: Workload, destination: NetworkPeer): DirectionDecision {
    return this.decide('egress', source, destination, destination);
  }

  /** The destination pod's ingress decision for traffic from `source`. */
  ingress(destination: Workload, source: NetworkPeer): DirectionDecision {
    const self: NetworkPeer = { type: 'pod', workload: destination };
    return this.decide('ingress', destination, source, self);
  }

  /**
   * Everything admitted from `source` to `destination`: the source's egress (when it is a pod)
   * intersected with the destination's ingress (when it is a pod). Outside addresses enforce
   * nothing themselves.
   */
  connections(source: NetworkPeer, destination: NetworkPeer): ConnectionSet {
    let result = ConnectionSet.all();
    if (source.type === 'pod')
      result = result.intersect(this.egress(source.workload, destination).connections);
    if (destination.type === 'pod') {
      result = result.intersect(this.ingress(destination.workload, source).connections);
    }
    return result;
  }
}

import type { KubeObject } from '../plan/kube-object.js';
import { type Ipv4Range, numberToIpv4 } from '../lib/ip.js';
import { ConnectionSet } from './connection-set.js';
import { mapSelectorMatches } from './label-selector.js';
import {
  type NetworkPeer,
  NetworkPolicyEngine,
  type Workload,
  workloadLabel,
} from './network-policy.js';
import { fieldsOf, labelsOf, listOf, specOf, stringOf } from './object-access.js';

/** One allowed connection between two peers, as np-guard/netpol-analyzer's `connlist` lists it. */
export interface ConnectionLine {
  /** `ns/name[Kind]`, `a.b.c.d-e.f.g.h[External]` or `{ingress-controller}`. */
  source: string;
  destination: string;
  connections: ConnectionSet;
}

/** The placeholder peer for whatever ingress controller serves Routes and Ingresses. */
export const INGRESS_CONTROLLER = '{ingress-controller}';

// The ingress controller's own pod is unknown; like netpol-analyzer, stand in a label-less pod
// in a namespace of its own so that only policies open to "any namespace" admit it.
const ingressControllerPod: Workload = {
  kind: 'Pod',
  name: 'ingress-controller',
  namespace: 'ingress-controller-ns',
  labels: {},
  ports: [],
};

function externalLabel(range: Ipv4Range): string {
  return `${numberToIpv4(range.from)}-${numberToIpv4(range.to)}[External]`;
}

/**
 * Merges neighbouring address ranges that get the same connections, so an unsplit address space
 * prints as one `0.0.0.0-255.255.255.255` line.
 */
function mergeRanges(
  ranges: readonly Ipv4Range[],
  connectionsOf: (range: Ipv4Range) => ConnectionSet,
): Array<{ range: Ipv4Range; connections: ConnectionSet }> {
  const out: Array<{ range: Ipv4Range; connections: ConnectionSet }> = [];
  for (const range of ranges) {
    const connections = connectionsOf(range);
    const last = out[out.length - 1];
    if (last && last.range.to + 1 === range.from && last.connections.equals(connections)) {
      last.range = { from: last.range.from, to: range.to };
    } else {
      out.push({ range, connections });
    }
  }
  return out.filter((e) => !e.connections.isEmpty());
}

/** The TCP ports an ingress object (Route or Ingress) targets on the pods behind its Service. */
function ingressObjectConnections(
  objects: readonly KubeObject[],
  engine: NetworkPolicyEngine,
): Map<Workload, ConnectionSet> {
  const services = objects.filter((o) => o.kind === 'Service');
  const result = new Map<Workload, ConnectionSet>();
  const targets: Array<{ namespace: string; service: string; port: unknown }> = [];
  for (const obj of objects) {
    const spec = specOf(obj);
    const namespace = obj.metadata.namespace ?? 'default';
    if (obj.kind === 'Route') {
      const port = fieldsOf(spec.port).targetPort;
      for (const to of [fieldsOf(spec.to), ...listOf(spec.alternateBackends)]) {
        const kind = stringOf(to.kind);
        if (kind && kind !== 'Service') continue;
        targets.push({ namespace, service: stringOf(to.name) ?? '', port });
      }
    } else if (obj.kind === 'Ingress') {
      const backends = [fieldsOf(spec.defaultBackend)];
      for (const rule of listOf(spec.rules)) {
        for (const path of listOf(fieldsOf(rule.http).paths)) backends.push(fieldsOf(path.backend));
      }
      for (const backend of backends) {
        const service = fieldsOf(backend.service);
        const name = stringOf(service.name);
        if (!name) continue;
        const port = fieldsOf(service.port);
        targets.push({ namespace, service: name, port: port.name ?? port.number });
      }
    }
  }
  for (const target of targets) {
    const service = services.find(
      (s) =>
        s.metadata.name === target.service &&
        (s.metadata.namespace ?? 'default') === target.namespace,
    );
    if (!service) continue;
    const spec = specOf(service);
    const selector = labelsOf(spec.selector);
    if (!Object.keys(selector).length) continue;
    const servicePorts = listOf(spec.ports).filter(
      (p) =>
        target.port === undefined ||
        target.port === null ||
        p.name === target.port ||
        p.port === target.port ||
        p.targetPort === target.port,
    );
    for (const workload of engine.workloads) {
      if (workload.namespace !== target.namespace) continue;
      if (!mapSelectorMatches(selector, workload.labels)) continue;
      let connections = ConnectionSet.none();
      for (const servicePort of servicePorts) {
        const targetPort = servicePort.targetPort ?? servicePort.port;
        const number =
          typeof targetPort === 'number'
            ? targetPort
            : workload.ports.find((p) => p.name === targetPort && p.protocol === 'TCP')?.port;
        // Ingress controllers speak TCP only, and only to ports the pod declares.
        if (
          number !== undefined &&
          workload.ports.some((p) => p.port === number && p.protocol === 'TCP')
        ) {
          connections = connections.union(ConnectionSet.port('TCP', number));
        }
      }
      result.set(workload, (result.get(workload) ?? ConnectionSet.none()).union(connections));
    }
  }
  return result;
}

/**
 * Every allowed connection between the workloads of an object set, outside addresses and the
 * ingress controller, in np-guard/netpol-analyzer's `connlist` shape (a pair absent from the list
 * is denied; a workload's connections to itself are not listed). Sorted by text.
 */
export function connectionList(objects: readonly KubeObject[]): ConnectionLine[] {
  const engine = new NetworkPolicyEngine(objects);
  const lines: ConnectionLine[] = [];
  const ranges = engine.externalRanges();
  for (const source of engine.workloads) {
    const src: NetworkPeer = { type: 'pod', workload: source };
    for (const destination of engine.workloads) {
      if (source === destination) continue;
      const connections = engine.connections(src, { type: 'pod', workload: destination });
      if (!connections.isEmpty()) {
        lines.push({
          source: workloadLabel(source),
          destination: workloadLabel(destination),
          connections,
        });
      }
    }
    for (const entry of mergeRanges(ranges, (range) =>
      engine.connections(src, { type: 'external', range }),
    )) {
      lines.push({
        source: workloadLabel(source),
        destination: externalLabel(entry.range),
        connections: entry.connections,
      });
    }
    for (const entry of mergeRanges(ranges, (range) =>
      engine.connections({ type: 'external', range }, src),
    )) {
      lines.push({
        source: externalLabel(entry.range),
        destination: workloadLabel(source),
        connections: entry.connections,
      });
    }
  }
  const controller: NetworkPeer = { type: 'pod', workload: ingressControllerPod };
  for (const [workload, wanted] of ingressObjectConnections(objects, engine)) {
    const connections = wanted.intersect(engine.connections(controller, { type: 'pod', workload }));
    if (!connections.isEmpty()) {
      lines.push({ source: INGRESS_CONTROLLER, destination: workloadLabel(workload), connections });
    }
  }
  return lines.sort((a, b) => formatLine(a).localeCompare(formatLine(b)));
}

/** One line of netpol-analyzer's text output: `src => dst : connections`. */
export function formatLine(line: ConnectionLine): string {
  return `${line.source} => ${line.destination} : ${line.connections.toString()}`;
}

/**
 * Parses netpol-analyzer's `connlist` text output (`src => dst : connections` per line; blank
 * lines ignored).
 * @throws Error naming the line number of a line that is not in that shape.
 */
export function parseConnectionList(text: string): ConnectionLine[] {
  const lines: ConnectionLine[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line) return;
    const match = /^(.+?) => (.+?) : (.+)$/.exec(line);
    if (!match)
      throw new Error(`connlist line ${index + 1}: "${line}" is not "SRC => DST : CONNECTIONS"`);
    lines.push({
      source: match[1] ?? '',
      destination: match[2] ?? '',
      connections: ConnectionSet.parse(match[3] ?? ''),
    });
  });
  return lines;
}

import type { KubeObject } from '../../../../shared/plan/kube-object.js';
import { OWNER_LABELS } from '../../../../shared/spec/index.js';

/**
 * Flattens objects into comparable "facts", one line each, field by field: what exists, labels
 * and annotations, routing hosts, ports, gateways, subsets, TLS modes, exports, authorization
 * rules and NetworkPolicy peers. Two object sets are equivalent when their fact sets are equal.
 *
 * Normalizations (equal meaning, different spelling), and only these:
 * - exportTo `.` is the object's own namespace;
 * - a route's `weight: 100` on its only destination is the default;
 * - a NetworkPolicy without policyTypes has Ingress, plus Egress if it has egress rules
 *   (Kubernetes' defaulting);
 * - ownership labels (OWNER_LABELS) are left out: they are bookkeeping, present on every object;
 * - list order is ignored where Istio and Kubernetes give it no meaning (exportTo, hosts, peers).
 */
export function objectFacts(objects: readonly KubeObject[]): Set<string> {
  const facts = new Set<string>();
  for (const obj of objects) for (const fact of factsOf(obj)) facts.add(fact);
  return facts;
}

type Json = Record<string, unknown>;
const ownerKeys = new Set<string>(Object.values(OWNER_LABELS));
const sorted = (values: readonly unknown[]) => [...values].map(String).sort().join(',');
const kv = (record: Record<string, string> | undefined) =>
  Object.entries(record ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join(',');

function factsOf(obj: KubeObject): string[] {
  const ns = obj.metadata.namespace;
  const self = `${obj.kind} ${ns ? `${ns}/` : ''}${obj.metadata.name}`;
  const spec = (obj.spec ?? {}) as Json;
  const facts = [`${self} exists`];
  for (const [k, v] of Object.entries(obj.metadata.labels ?? {})) {
    if (!ownerKeys.has(k)) facts.push(`${self} label ${k}=${v}`);
  }
  for (const [k, v] of Object.entries(obj.metadata.annotations ?? {})) {
    facts.push(`${self} annotation ${k}=${v}`);
  }
  const exportTo = (list: unknown) =>
    sorted(((list as string[] | undefined) ?? ['*']).map((e) => (e === '.' ? ns : e)));

  switch (obj.kind) {
    case 'PeerAuthentication':
      facts.push(`${self} mtls ${(spec.mtls as Json | undefined)?.mode}`);
      break;
    case 'Sidecar': {
      facts.push(`${self} outbound ${(spec.outboundTrafficPolicy as Json).mode}`);
      for (const e of spec.egress as { hosts: string[] }[])
        facts.push(`${self} egress hosts ${sorted(e.hosts)}`);
      break;
    }
    case 'Gateway': {
      facts.push(`${self} selector ${kv(spec.selector as Record<string, string>)}`);
      for (const s of spec.servers as { port: Json; hosts: string[]; tls?: Json }[]) {
        const port = `${s.port.number}/${s.port.protocol}`;
        facts.push(`${self} server ${port} name ${s.port.name}`);
        facts.push(`${self} server ${port} tls ${s.tls?.mode ?? 'none'}`);
        facts.push(`${self} server ${port} hosts ${sorted(s.hosts)}`);
      }
      break;
    }
    case 'ServiceEntry': {
      const key = `ServiceEntry[${sorted(spec.hosts as string[])}]`;
      for (const p of spec.ports as Json[])
        facts.push(`${key} port ${p.number}/${p.protocol} name ${p.name}`);
      facts.push(`${key} resolution ${spec.resolution}`, `${key} location ${spec.location}`);
      facts.push(`${key} exportTo ${exportTo(spec.exportTo)}`);
      break;
    }
    case 'DestinationRule': {
      const key = `DestinationRule[${spec.host}]`;
      facts.push(`${key} exportTo ${exportTo(spec.exportTo)}`);
      for (const subset of (spec.subsets ?? []) as { name: string; trafficPolicy?: Json }[]) {
        facts.push(`${key} subset ${subset.name}`);
        const policy = subset.trafficPolicy ?? {};
        const lb = (policy.loadBalancer as Json | undefined)?.simple;
        if (lb) facts.push(`${key} subset ${subset.name} loadBalancer ${lb}`);
        for (const pls of (policy.portLevelSettings ?? []) as { port: Json; tls?: Json }[]) {
          const tls = pls.tls
            ? `${pls.tls.mode}${pls.tls.sni ? ` sni ${pls.tls.sni}` : ''}`
            : 'none';
          facts.push(`${key} subset ${subset.name} port ${pls.port.number} tls ${tls}`);
        }
      }
      break;
    }
    case 'VirtualService': {
      const key = `VirtualService[${sorted(spec.hosts as string[])}]`;
      facts.push(`${key} gateways ${sorted(spec.gateways as string[])}`);
      facts.push(`${key} exportTo ${exportTo(spec.exportTo)}`);
      for (const kind of ['http', 'tls'] as const) {
        for (const route of (spec[kind] ?? []) as {
          match: Json[];
          route: { destination: Json; weight?: number }[];
        }[]) {
          const match = route.match
            .map(
              (m) =>
                `gateways=${sorted(m.gateways as string[])} port=${m.port}${m.sniHosts ? ` sni=${sorted(m.sniHosts as string[])}` : ''}`,
            )
            .join(' | ');
          const to = route.route
            .map((r) => {
              const d = r.destination;
              const weight =
                r.weight === undefined || (r.weight === 100 && route.route.length === 1)
                  ? ''
                  : ` weight ${r.weight}`;
              return `${d.host}:${(d.port as Json | undefined)?.number ?? '-'}${d.subset ? ` subset ${d.subset}` : ''}${weight}`;
            })
            .join(' + ');
          facts.push(`${key} ${kind} [${match}] -> ${to}`);
        }
      }
      break;
    }
    case 'AuthorizationPolicy': {
      const selector = (spec.selector as { matchLabels?: Record<string, string> } | undefined)
        ?.matchLabels;
      const scope = `AuthorizationPolicy(${ns}, ${String(spec.action ?? 'ALLOW')}, selector ${selector ? kv(selector) : 'none'})`;
      const rules = spec.rules as Json[] | undefined;
      if (!rules) facts.push(`${scope} allows nothing`);
      for (const rule of rules ?? []) facts.push(`${scope} rule ${ruleText(rule)}`);
      break;
    }
    case 'NetworkPolicy': {
      const types = (spec.policyTypes as string[] | undefined) ?? [
        'Ingress',
        ...(spec.egress ? ['Egress'] : []),
      ];
      facts.push(
        `${self} podSelector ${kv((spec.podSelector as Json).matchLabels as Record<string, string>) || 'all'}`,
      );
      facts.push(`${self} policyTypes ${sorted(types)}`);
      for (const dir of ['egress', 'ingress'] as const) {
        for (const rule of (spec[dir] ?? []) as Json[]) {
          const peers = ((rule[dir === 'egress' ? 'to' : 'from'] ?? []) as Json[]).map(peerText);
          const ports = ((rule.ports ?? []) as Json[]).map(
            (p) => `${p.protocol ?? 'TCP'}/${p.port}`,
          );
          facts.push(`${self} ${dir} [${sorted(peers)}] ports [${sorted(ports)}]`);
        }
      }
      break;
    }
    default:
      break;
  }
  return facts;
}

function ruleText(rule: Json): string {
  const parts: string[] = [];
  for (const from of (rule.from ?? []) as { source: Json }[]) {
    parts.push(
      `from ${Object.entries(from.source)
        .map(([k, v]) => `${k}=${sorted(v as string[])}`)
        .join(' ')}`,
    );
  }
  for (const to of (rule.to ?? []) as { operation: Json }[]) {
    parts.push(
      `to ${Object.entries(to.operation)
        .map(([k, v]) => `${k}=${sorted(v as string[])}`)
        .sort()
        .join(' ')}`,
    );
  }
  for (const when of (rule.when ?? []) as { key: string; values: string[] }[]) {
    parts.push(`when ${when.key}=${sorted(when.values)}`);
  }
  return parts.length > 0 ? parts.join('; ') : 'matches everything';
}

function peerText(peer: Json): string {
  const ip = peer.ipBlock as Json | undefined;
  if (ip) return `ip ${ip.cidr}`;
  const parts: string[] = [];
  const nsSel = peer.namespaceSelector as Json | undefined;
  const podSel = peer.podSelector as Json | undefined;
  if (nsSel) parts.push(`ns{${kv(nsSel.matchLabels as Record<string, string>)}}`);
  if (podSel) parts.push(`pod{${kv(podSel.matchLabels as Record<string, string>)}}`);
  return parts.join('+');
}

import { ipv4CidrRange, rangeContains } from '../lib/ip.js';

/** A protocol/ports entry of a compute Firewall (`allowed[]` / `denied[]`). */
export interface FirewallProtocolEntry {
  IPProtocol: string;
  ports?: string[];
}

/** The fields of a compute v1 Firewall body the analyzer reads. */
export interface FirewallRule {
  name: string;
  network?: string;
  direction?: 'INGRESS' | 'EGRESS';
  priority?: number;
  allowed?: FirewallProtocolEntry[];
  denied?: FirewallProtocolEntry[];
  destinationRanges?: string[];
  sourceRanges?: string[];
  targetServiceAccounts?: string[];
  targetTags?: string[];
  disabled?: boolean;
}

/** The outcome of VPC firewall evaluation for one egress connection. */
export interface FirewallDecision {
  allowed: boolean;
  /** The deciding rule; absent when no rule matches and Google's implied allow-egress decides. */
  rule?: FirewallRule;
  /** Why, in words. */
  reason: string;
}

/** Compute's default priority when a body omits it. */
const DEFAULT_PRIORITY = 1000;

function serviceAccountMatches(configured: string, actual: string): boolean {
  // A bare account id (no '@') matches that id in any project, so specs and bodies that carry
  // PROJECT_ID placeholders still line up.
  const local = (email: string): string => email.split('@')[0] ?? email;
  return configured.includes('@') && actual.includes('@')
    ? configured.toLowerCase() === actual.toLowerCase()
    : local(configured).toLowerCase() === local(actual).toLowerCase();
}

function portMatches(spec: string, port: number): boolean {
  const [fromText, toText] = spec.split('-');
  const from = Number(fromText);
  const to = toText === undefined ? from : Number(toText);
  return Number.isFinite(from) && Number.isFinite(to) && from <= port && port <= to;
}

function entriesMatch(
  entries: FirewallProtocolEntry[] | undefined,
  protocol: string,
  port: number,
): boolean {
  return (entries ?? []).some((entry) => {
    const p = entry.IPProtocol.toLowerCase();
    if (p !== 'all' && p !== protocol.toLowerCase()) return false;
    return !entry.ports?.length || entry.ports.some((spec) => portMatches(spec, port));
  });
}

function cidrContains(cidr: string, address: number): boolean {
  const range = ipv4CidrRange(cidr);
  return range !== undefined && rangeContains(range, address);
}

/**
 * Decides an egress connection from a VM running as `serviceAccount` to `address:port` under
 * the VPC's firewall rules: rules that target the VM (by service account, or everyone when they
 * name no target) and match destination and protocol are ranked by priority (lower first); at
 * equal priority a deny beats an allow; no match means Google's implied allow-egress rule.
 * Rules with `targetTags` are skipped: node network tags are not part of the object set.
 */
export function decideEgress(
  rules: readonly FirewallRule[],
  serviceAccount: string,
  address: number,
  protocol: 'tcp' | 'udp',
  port: number,
): FirewallDecision {
  const candidates = rules.filter((rule) => {
    if (rule.disabled) return false;
    if ((rule.direction ?? 'INGRESS') !== 'EGRESS') return false;
    if (rule.targetTags?.length) return false;
    if (rule.targetServiceAccounts?.length) {
      if (!rule.targetServiceAccounts.some((sa) => serviceAccountMatches(sa, serviceAccount)))
        return false;
    }
    const ranges = rule.destinationRanges?.length ? rule.destinationRanges : ['0.0.0.0/0'];
    if (!ranges.some((cidr) => cidrContains(cidr, address))) return false;
    return entriesMatch(rule.allowed, protocol, port) || entriesMatch(rule.denied, protocol, port);
  });
  candidates.sort((a, b) => {
    const byPriority = (a.priority ?? DEFAULT_PRIORITY) - (b.priority ?? DEFAULT_PRIORITY);
    if (byPriority !== 0) return byPriority;
    return (b.denied?.length ? 1 : 0) - (a.denied?.length ? 1 : 0);
  });
  const winner = candidates[0];
  if (!winner) {
    return { allowed: true, reason: 'no rule matches: implied allow-egress (priority 65535)' };
  }
  const allowed = !winner.denied?.length;
  const ranges = winner.destinationRanges?.length ? winner.destinationRanges : ['0.0.0.0/0'];
  return {
    allowed,
    rule: winner,
    reason: `${allowed ? 'allow' : 'deny'} ${protocol}:${port} to ${ranges.join(',')} at priority ${winner.priority ?? DEFAULT_PRIORITY}`,
  };
}

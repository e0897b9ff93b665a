import type { KubeObject } from '../plan/kube-object.js';
import type { Environment } from '../spec/environment.js';
import type { Tenant } from '../spec/tenant.js';
import type { FirewallRule } from './firewall.js';
import {
  analyzerOptionsFor,
  observeProbe,
  reachabilityProbes,
  type ObservedReachability,
  type ReachabilityProbe,
} from './granted.js';
import { ReachabilityAnalyzer } from './reachability.js';

/** One side of a comparison: its objects and firewall rules, and the tenant specs behind them. */
export interface AccessState {
  objects: readonly KubeObject[];
  firewalls: readonly FirewallRule[];
  tenants: readonly Tenant[];
}

/** A request whose access changes between two states. */
export interface AccessChange {
  probe: ReachabilityProbe;
  /** `gained`: denied → allowed; `lost`: allowed → denied; `changed`: allowed another way. */
  change: 'gained' | 'lost' | 'changed';
  from: ObservedReachability;
  to: ObservedReachability;
}

/**
 * Who gains or loses what between two states of an environment (pure): every request either
 * side's tenant specs make a promise about ({@link reachabilityProbes} of both, so new and
 * removed tenants, hosts and paths are covered) is analyzed on both object sets; a request
 * whose allowed-ness or way changes is listed, with the object that decides it on each side.
 * A change from one denial to another is not an access change.
 */
export function accessDiff(env: Environment, from: AccessState, to: AccessState): AccessChange[] {
  const options = analyzerOptionsFor(env);
  const before = new ReachabilityAnalyzer(from.objects, from.firewalls, options);
  const after = new ReachabilityAnalyzer(to.objects, to.firewalls, options);
  const probes = new Map<string, ReachabilityProbe>();
  for (const probe of [
    ...reachabilityProbes(env, from.tenants),
    ...reachabilityProbes(env, to.tenants),
  ]) {
    const key = `${probe.tenant} ${probe.method} ${probe.url}`;
    if (!probes.has(key)) probes.set(key, probe);
  }
  const changes: AccessChange[] = [];
  for (const probe of probes.values()) {
    const was = observeProbe(before, probe);
    const now = observeProbe(after, probe);
    const allowedBefore = was.verdict === 'ALLOWED';
    const allowedAfter = now.verdict === 'ALLOWED';
    const change =
      !allowedBefore && allowedAfter
        ? 'gained'
        : allowedBefore && !allowedAfter
          ? 'lost'
          : allowedBefore && was.via !== now.via
            ? 'changed'
            : undefined;
    if (change) changes.push({ probe, change, from: was, to: now });
  }
  return changes;
}

/** An access change as one line: `gained team-y GET http://h/p ALLOWED plain-http (by X)`. */
export function formatAccessChange(change: AccessChange): string {
  const side = change.change === 'lost' ? change.from : change.to;
  const verdict = (o: ObservedReachability) => `${o.verdict}${o.via ? ` ${o.via}` : ''}`;
  return (
    `${change.change.padEnd(7)} ${change.probe.tenant} ${change.probe.method} ${change.probe.url}: ` +
    `${verdict(change.from)} → ${verdict(change.to)} (decided by ${side.decidedBy})`
  );
}

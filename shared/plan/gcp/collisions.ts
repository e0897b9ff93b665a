import type { Environment } from '../../spec/environment.js';
import { desiredFirewalls } from './compute.js';

/** One Google resource name two environments of one project would both claim. */
export interface ResourceNameCollision {
  /** The field of `a`'s spec that names the resource (`spec.project` when the spec names none). */
  field: string;
  /** What collides, for a message: `cluster cluster1 in us-central1-a`. */
  resource: string;
}

/**
 * The Google resources of `a` whose names `b` already claims in the same project (pure). Names
 * are unique per project (networks, firewalls, service accounts, DNS zones), per region
 * (subnets, routers) or per location (clusters); a name both environments derive for the same
 * place would be adopted or deleted by the wrong one, so admission refuses it. Firewall rule
 * names are fixed by the product (the tutorial's), so two environments of one project always
 * collide there; that collision is reported last, after any the spec can fix by renaming.
 */
export function resourceNameCollisions(a: Environment, b: Environment): ResourceNameCollision[] {
  if (a.spec.project !== b.spec.project || a.metadata.name === b.metadata.name) return [];
  const found: ResourceNameCollision[] = [];
  const { spec } = a;
  if (spec.zone === b.spec.zone && spec.cluster.name === b.spec.cluster.name) {
    found.push({
      field: 'spec.cluster.name',
      resource: `cluster ${spec.cluster.name} in ${spec.zone}`,
    });
  }
  if (spec.network.name === b.spec.network.name) {
    found.push({ field: 'spec.network.name', resource: `network ${spec.network.name}` });
  }
  if (spec.region === b.spec.region) {
    if (spec.subnet.name === b.spec.subnet.name) {
      found.push({
        field: 'spec.subnet.name',
        resource: `subnet ${spec.subnet.name} in ${spec.region}`,
      });
    }
    if (spec.nat.routerName === b.spec.nat.routerName) {
      found.push({
        field: 'spec.nat.routerName',
        resource: `Cloud Router ${spec.nat.routerName} in ${spec.region}`,
      });
    }
  }
  const theirAccounts = new Set([
    b.spec.nodeServiceAccounts.application,
    b.spec.nodeServiceAccounts.gateway,
  ]);
  for (const role of ['application', 'gateway'] as const) {
    const id = spec.nodeServiceAccounts[role];
    if (theirAccounts.has(id)) {
      found.push({
        field: `spec.nodeServiceAccounts.${role}`,
        resource: `service account ${id}`,
      });
    }
  }
  const theirZones = new Set(b.spec.privateDns.zones.map((zone) => zone.name));
  spec.privateDns.zones.forEach((zone, index) => {
    if (theirZones.has(zone.name)) {
      found.push({
        field: `spec.privateDns.zones[${index}].name`,
        resource: `Cloud DNS zone ${zone.name}`,
      });
    }
  });
  const theirRules = new Set(desiredFirewalls(b).map((rule) => rule.name));
  const shared = desiredFirewalls(a)
    .map((rule) => rule.name)
    .filter((name) => theirRules.has(name));
  if (shared.length > 0) {
    found.push({
      field: 'spec.project',
      resource: `firewall rules ${shared.join(', ')} (their names are fixed: one environment per project)`,
    });
  }
  return found;
}

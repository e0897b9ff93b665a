import { isPlainObject } from '../../lib/json.js';
import type { FirewallBody, FirewallProtocolEntry } from './compute.js';

/**
 * Drift detection between a desired request body and the resource a GET returns. Level-based:
 * a step compares every time and patches what it may, and raises on what it may not.
 *
 * Comparison semantics, chosen because Google APIs answer with more than was sent:
 * - only fields the desired body sets are compared; server-set fields are never drift;
 * - an absent observed field equals a desired false, 0, "", [] or {} (Google omits defaults);
 * - arrays are compared as sets (ranges, members, scopes, taints have no meaningful order);
 *   objects inside arrays match when every desired field matches;
 * - resource references match across URL forms (`https://.../compute/v1/projects/...`,
 *   `http://127.0.0.1:P/compute/v1/projects/...` and `projects/...`).
 */

/** How each desired field of a resource kind may change after creation. */
export interface FieldRules {
  /** Dot paths an update may change (patch, or the API's dedicated update method). */
  mutable: readonly string[];
  /** Dot paths fixed at creation: drift there needs a human (delete and recreate). */
  immutable: readonly string[];
  /** Dot paths set at creation and deliberately not compared, with the reason beside the rule. */
  ignored: readonly string[];
}

/** Kinds with field rules (the inner resource of a create request, e.g. `cluster`). */
export type DiffKind =
  | 'Network'
  | 'Subnetwork'
  | 'Router'
  | 'Firewall'
  | 'ServiceAccount'
  | 'ManagedZone'
  | 'Cluster'
  | 'NodePool'
  | 'Feature';

/** The field rules of every kind. Sources: each API's reference ("output only", update methods). */
export const FIELD_RULES: Readonly<Record<DiffKind, FieldRules>> = {
  Network: {
    mutable: ['routingConfig.routingMode'],
    immutable: ['autoCreateSubnetworks'],
    // The name is the identity; networks.patch cannot change a description.
    ignored: ['name', 'description'],
  },
  Subnetwork: {
    mutable: ['privateIpGoogleAccess', 'secondaryIpRanges', 'description'],
    // ipCidrRange can only grow through expandIpCidrRange: a different range is a new subnet.
    immutable: ['network', 'ipCidrRange'],
    ignored: ['name'],
  },
  Router: {
    mutable: ['nats', 'description'],
    immutable: ['network'],
    ignored: ['name'],
  },
  Firewall: {
    mutable: [
      'allowed',
      'denied',
      'priority',
      'destinationRanges',
      'sourceRanges',
      'targetServiceAccounts',
      'description',
    ],
    immutable: ['network', 'direction'],
    ignored: ['name'],
  },
  ServiceAccount: {
    mutable: ['displayName', 'description'],
    immutable: [],
    ignored: [],
  },
  ManagedZone: {
    mutable: ['description', 'privateVisibilityConfig.networks', 'labels'],
    immutable: ['dnsName', 'visibility'],
    ignored: ['name'],
  },
  Cluster: {
    // Each has a GKE call that changes it in place: a ClusterUpdate field, setResourceLabels
    // (labels), setNetworkPolicy (networkPolicy), and nodePools.update of the default pool for
    // nodeConfig.workloadMetadataConfig (GKE reports the first pool's config as nodeConfig).
    mutable: [
      'masterAuthorizedNetworksConfig',
      'networkPolicy',
      'addonsConfig.networkPolicyConfig',
      'workloadIdentityConfig.workloadPool',
      'releaseChannel.channel',
      'controlPlaneEndpointsConfig.dnsEndpointConfig.allowExternalTraffic',
      'fleet.project',
      'resourceLabels',
      'nodeConfig.workloadMetadataConfig.mode',
    ],
    immutable: [
      'network',
      'subnetwork',
      'ipAllocationPolicy.useIpAliases',
      'ipAllocationPolicy.clusterSecondaryRangeName',
      'ipAllocationPolicy.servicesSecondaryRangeName',
      'privateClusterConfig.enablePrivateNodes',
      'privateClusterConfig.masterIpv4CidrBlock',
      'nodeConfig.machineType',
      'nodeConfig.serviceAccount',
      'nodeConfig.oauthScopes',
      'masterAuth.clientCertificateConfig.issueClientCertificate',
    ],
    // initialNodeCount is a creation input (the autoscaler and repairs move the count);
    // the description cannot be updated.
    ignored: ['name', 'description', 'initialNodeCount'],
  },
  NodePool: {
    mutable: ['config.taints', 'config.workloadMetadataConfig.mode'],
    immutable: ['config.machineType', 'config.serviceAccount', 'config.oauthScopes'],
    ignored: ['name', 'initialNodeCount'],
  },
  Feature: {
    mutable: ['fleetDefaultMemberConfig.mesh.management'],
    immutable: [],
    ignored: [],
  },
};

/** Fields the server sets; dropped from observed resources before comparing. */
export const SERVER_SET_FIELDS: ReadonlySet<string> = new Set([
  'id',
  'kind',
  'selfLink',
  'selfLinkWithId',
  'creationTimestamp',
  'creationTime',
  'createTime',
  'updateTime',
  'fingerprint',
  'labelFingerprint',
  'etag',
  'status',
  'statusMessage',
  'state',
  'uniqueId',
  'oauth2ClientId',
]);

/** A field fixed at creation whose observed value differs from the spec's. */
export interface ImmutableDrift {
  field: string;
  desired: unknown;
  observed: unknown;
}

/** What a step does after comparing: patch the mutable fields, stop on immutable drift. */
export interface Comparison {
  /** The mutable fields that differ, nested as in the resource, with their desired values. */
  patch?: Record<string, unknown>;
  immutableDrift?: ImmutableDrift[];
}

type Json = unknown;

const RESOURCE_URL = /^https?:\/\/[^/]+\/(?:compute\/v1\/|v1\/)?(projects\/.+)$/;

/** A resource reference in relative form, whatever URL form the API answered with. */
export function normalizeReference(value: string): string {
  return RESOURCE_URL.exec(value)?.[1] ?? value;
}

/**
 * Two strings naming the same resource: equal after URL normalization, or, when one side is a
 * bare name (GKE answers `network: "vpc-network"` to a request that sent a path), equal names.
 */
function sameReference(a: string, b: string): boolean {
  const [left, right] = [normalizeReference(a), normalizeReference(b)];
  if (left === right) return true;
  if (left.includes('/') === right.includes('/')) return false;
  const lastSegment = (value: string) => value.slice(value.lastIndexOf('/') + 1);
  return (
    (left.startsWith('projects/') || right.startsWith('projects/')) &&
    lastSegment(left) === lastSegment(right)
  );
}

/** Drops server-set fields at every depth. */
export function stripServerFields(value: Json): Json {
  if (Array.isArray(value)) return value.map(stripServerFields);
  if (!isPlainObject(value)) return value;
  const out: Record<string, Json> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (!SERVER_SET_FIELDS.has(key)) out[key] = stripServerFields(inner);
  }
  return out;
}

function isDefaultValue(value: Json): boolean {
  if (value === false || value === 0 || value === '' || value === undefined || value === null) {
    return true;
  }
  if (Array.isArray(value)) return value.length === 0;
  if (isPlainObject(value)) return Object.values(value).every(isDefaultValue);
  return false;
}

/** True when `observed` has every field `desired` sets, with the same meaning. */
export function matches(desired: Json, observed: Json): boolean {
  if (desired === undefined) return true;
  if (observed === undefined || observed === null) return isDefaultValue(desired);
  if (Array.isArray(desired)) {
    if (!Array.isArray(observed) || observed.length !== desired.length) return false;
    const unused = [...observed];
    for (const want of desired) {
      const at = unused.findIndex((have) => matches(want, have));
      if (at < 0) return false;
      unused.splice(at, 1);
    }
    return true;
  }
  if (isPlainObject(desired)) {
    if (!isPlainObject(observed)) return false;
    return Object.entries(desired).every(([key, want]) => matches(want, observed[key]));
  }
  if (typeof desired === 'string' && typeof observed === 'string') {
    return sameReference(desired, observed);
  }
  // int64 fields travel as JSON strings; int32 as numbers.
  if (typeof desired === 'number' && typeof observed === 'string')
    return String(desired) === observed;
  return desired === observed;
}

/** The value at a dot path, or undefined. */
export function valueAt(value: Json, path: string): Json {
  let cursor: Json = value;
  for (const key of path.split('.')) {
    if (!isPlainObject(cursor)) return undefined;
    cursor = cursor[key];
  }
  return cursor;
}

function setAt(target: Record<string, Json>, path: string, value: Json): void {
  const keys = path.split('.');
  let cursor = target;
  keys.slice(0, -1).forEach((key) => {
    const next = cursor[key];
    cursor = isPlainObject(next) ? next : (cursor[key] = {});
  });
  cursor[keys[keys.length - 1] as string] = value;
}

/** Every leaf-or-array dot path a desired body sets (for checking rule coverage). */
export function fieldPaths(value: Json, prefix = ''): string[] {
  if (!isPlainObject(value)) return prefix ? [prefix] : [];
  const paths = Object.entries(value).flatMap(([key, inner]) =>
    isPlainObject(inner) && Object.keys(inner).length > 0
      ? fieldPaths(inner, prefix ? `${prefix}.${key}` : key)
      : [prefix ? `${prefix}.${key}` : key],
  );
  return paths.sort();
}

/** Firewall entries grouped by protocol with their ports unioned, so `tcp:80,tcp:443` ≡ `tcp:80,443`. */
export function canonicalProtocolEntries(
  entries: readonly FirewallProtocolEntry[] | undefined,
): FirewallProtocolEntry[] | undefined {
  if (!entries) return undefined;
  const byProtocol = new Map<string, Set<string> | 'all-ports'>();
  for (const entry of entries) {
    const protocol = entry.IPProtocol.toLowerCase();
    const known = byProtocol.get(protocol);
    if (known === 'all-ports' || !entry.ports || entry.ports.length === 0) {
      byProtocol.set(protocol, 'all-ports');
      continue;
    }
    const ports = known ?? new Set<string>();
    entry.ports.forEach((port) => ports.add(port));
    byProtocol.set(protocol, ports);
  }
  return [...byProtocol.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([IPProtocol, ports]) =>
      ports === 'all-ports' ? { IPProtocol } : { IPProtocol, ports: [...ports].sort() },
    );
}

function canonicalFirewall(value: Json): Json {
  if (!isPlainObject(value)) return value;
  const rule = value as Partial<FirewallBody>;
  return {
    ...value,
    allowed: canonicalProtocolEntries(rule.allowed),
    denied: canonicalProtocolEntries(rule.denied),
  };
}

/**
 * Compares a desired resource with the observed one under the kind's field rules. `observed`
 * is the resource as a GET returns it (server-set fields allowed); the result's `patch` holds
 * the desired values of the mutable fields that differ.
 */
export function compareResource(kind: DiffKind, desired: object, observed: object): Comparison {
  const rules = FIELD_RULES[kind];
  let want: Json = desired;
  let have: Json = stripServerFields(observed);
  if (kind === 'Firewall') {
    want = canonicalFirewall(want);
    have = canonicalFirewall(have);
  }
  const immutableDrift: ImmutableDrift[] = [];
  const patch: Record<string, Json> = {};

  if (kind === 'Firewall') {
    // A rule's action (allow or deny) cannot change: firewalls.patch rejects it.
    const wantAllow = valueAt(desired, 'allowed') !== undefined;
    const haveAllow = (valueAt(have, 'allowed') as unknown[] | undefined)?.length ?? 0;
    const haveDeny = (valueAt(have, 'denied') as unknown[] | undefined)?.length ?? 0;
    if ((wantAllow && haveDeny > 0) || (!wantAllow && haveAllow > 0)) {
      immutableDrift.push({
        field: 'action',
        desired: wantAllow ? 'ALLOW' : 'DENY',
        observed: haveDeny > 0 ? 'DENY' : 'ALLOW',
      });
      return { immutableDrift };
    }
  }

  for (const field of rules.immutable) {
    const desiredValue = valueAt(want, field);
    const observedValue = valueAt(have, field);
    if (!matches(desiredValue, observedValue)) {
      immutableDrift.push({ field, desired: valueAt(desired, field), observed: observedValue });
    }
  }
  for (const field of rules.mutable) {
    if (!matches(valueAt(want, field), valueAt(have, field))) {
      setAt(patch, field, valueAt(desired, field));
    }
  }
  const result: Comparison = {};
  if (Object.keys(patch).length > 0) result.patch = patch;
  if (immutableDrift.length > 0) result.immutableDrift = immutableDrift;
  return result;
}

import type { DnsRecord, DnsZone, Environment } from '../../spec/environment.js';
import { networkUrl } from './names.js';
import { ownershipLabels } from './ownership.js';
import { postRequest, type PlannedRequest } from './request.js';

/** Body of `POST dns/v1/projects/P/managedZones` (message ManagedZone). */
export interface ManagedZoneBody {
  name: string;
  dnsName: string;
  /** Required by the API at creation, even empty for gcloud; never empty here. */
  description: string;
  visibility: 'private';
  privateVisibilityConfig: { networks: { networkUrl: string }[] };
  labels: Record<string, string>;
}

/** A record set (message ResourceRecordSet). */
export interface RecordSetBody {
  name: string;
  type: string;
  ttl: number;
  rrdatas: string[];
}

/** Body of `POST dns/v1/projects/P/managedZones/Z/changes` (message Change). */
export interface ChangeBody {
  additions?: RecordSetBody[];
  deletions?: RecordSetBody[];
}

/** A private zone visible only to the environment's VPC. */
export function desiredManagedZone(env: Environment, zone: DnsZone): ManagedZoneBody {
  return {
    name: zone.name,
    dnsName: zone.dnsName,
    description:
      zone.description ||
      `Private zone for ${zone.dnsName} (egress environment ${env.metadata.name})`,
    visibility: 'private',
    privateVisibilityConfig: { networks: [{ networkUrl: networkUrl(env) }] },
    labels: ownershipLabels(env),
  };
}

function recordSet(record: DnsRecord): RecordSetBody {
  return { name: record.name, type: record.type, ttl: record.ttl, rrdatas: [...record.rrdatas] };
}

function compareRecordSets(a: RecordSetBody, b: RecordSetBody): number {
  return a.name.localeCompare(b.name) || a.type.localeCompare(b.type);
}

/** The zone's record sets, sorted by name and type. */
export function desiredRecordSets(zone: DnsZone): RecordSetBody[] {
  return zone.records.map(recordSet).sort(compareRecordSets);
}

/** The change that creates every record set of a new zone. */
export function desiredRecordChange(zone: DnsZone): ChangeBody {
  return { additions: desiredRecordSets(zone) };
}

function sameRecordSet(a: RecordSetBody, b: RecordSetBody): boolean {
  return (
    a.ttl === b.ttl &&
    JSON.stringify([...a.rrdatas].sort()) === JSON.stringify([...b.rrdatas].sort())
  );
}

/**
 * The change that brings an existing zone's record sets to the spec: a record set that differs is
 * replaced (deleted as observed, added as desired, in one atomic change); record sets the spec
 * does not name (the zone's SOA and NS among them) are left alone. Undefined when nothing differs.
 */
export function recordChangeFor(
  zone: DnsZone,
  observed: readonly RecordSetBody[],
): ChangeBody | undefined {
  const additions: RecordSetBody[] = [];
  const deletions: RecordSetBody[] = [];
  for (const want of desiredRecordSets(zone)) {
    const have = observed.find((rrset) => rrset.name === want.name && rrset.type === want.type);
    if (have && sameRecordSet(have, want)) continue;
    if (have) {
      deletions.push({
        name: have.name,
        type: have.type,
        ttl: have.ttl,
        rrdatas: [...have.rrdatas],
      });
    }
    additions.push(want);
  }
  if (additions.length === 0) return undefined;
  return deletions.length > 0 ? { additions, deletions } : { additions };
}

/** The `private-dns` step's requests: each zone, then its records. */
export function privateDnsRequests(
  env: Environment,
): PlannedRequest<ManagedZoneBody | ChangeBody>[] {
  const { project } = env.spec;
  const zones = [...env.spec.privateDns.zones].sort((a, b) => a.name.localeCompare(b.name));
  return zones.flatMap((zone): PlannedRequest<ManagedZoneBody | ChangeBody>[] => [
    postRequest(
      'ManagedZone',
      zone.name,
      'dns.googleapis.com',
      `/dns/v1/projects/${project}/managedZones`,
      desiredManagedZone(env, zone),
    ),
    postRequest(
      'RecordSetChange',
      zone.name,
      'dns.googleapis.com',
      `/dns/v1/projects/${project}/managedZones/${zone.name}/changes`,
      desiredRecordChange(zone),
    ),
  ]);
}

import { isIPv4, isIPv6 } from 'node:net';
import { GoogleApiError, invalidField } from '../api-error.js';
import type { Json } from '../store.js';

/**
 * What Cloud DNS refuses in the records of a change, beyond names outside the zone:
 * - an A record's data must be an IPv4 address, an AAAA record's an IPv6 address
 *   (https://cloud.google.com/dns/docs/records-overview#supported_dns_record_types). Google's
 *   answer, quoted from real traffic (github.com/DNSControl/dnscontrol/issues/349): 400
 *   `invalid`, "Invalid value for 'entity.change.additions[0].rrdata[2]': 'ns-1752...'";
 * - a name with a CNAME record may have no other record (RFC 1034 section 3.6.2; Cloud DNS:
 *   https://cloud.google.com/dns/docs/records-overview#cname), so never the zone apex, which
 *   always has its SOA and NS records.
 */

/** Refuses an addition whose data does not fit its type. */
export function checkRecordData(record: Json, field: string): void {
  const valid =
    record.type === 'A' ? isIPv4 : record.type === 'AAAA' ? isIPv6 : (_: string) => true;
  ((record.rrdatas as unknown[] | undefined) ?? []).forEach((data, i) => {
    if (typeof data !== 'string' || !valid(data)) {
      const message = `Invalid value for '${field}.rrdata[${i}]': '${String(data)}'`;
      throw invalidField(`${field}.rrdata[${i}]`, message);
    }
  });
}

/**
 * Refuses a CNAME sharing its name with another record, once the change is applied: `after` holds
 * the zone's records by key; `added` is the change's additions, for the field of the error.
 */
export function checkCnameConflicts(after: Iterable<Json>, added: Json[]): void {
  const typesByName = new Map<string, Set<string>>();
  for (const record of after) {
    const name = String(record.name);
    const types = typesByName.get(name) ?? new Set<string>();
    types.add(String(record.type));
    typesByName.set(name, types);
  }
  added.forEach((record, i) => {
    const types = typesByName.get(String(record.name));
    if (!types?.has('CNAME') || types.size < 2) return;
    throw new GoogleApiError(
      400,
      `The resource record set 'entity.change.additions[${i}]' is invalid because the DNS name '${String(record.name)}' may have either one CNAME resource record set or resource record sets of other types, but not both.`,
      { reason: 'cnameResourceRecordSetConflict' },
    );
  });
}

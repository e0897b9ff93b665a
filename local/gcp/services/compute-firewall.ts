import { invalidField } from '../api-error.js';
import type { Json } from '../store.js';

/**
 * What compute v1 refuses in a firewall rule beyond the schema, from the Firewall resource
 * reference (https://cloud.google.com/compute/docs/reference/rest/v1/firewalls):
 * - `priority`: "an integer between 0 and 65535, both inclusive";
 * - `allowed[].IPProtocol` / `denied[].IPProtocol`: "one of the following well known protocol
 *   strings (tcp, udp, icmp, esp, ah, ipip, sctp) or the IP protocol number", and `all`;
 * - `ports[]`: "only applicable for the UDP, TCP or SCTP protocol", each "an integer or a range"
 *   (`"12345"`, `"12345-12349"`) of port numbers (0-65535);
 * - `sourceServiceAccounts` "cannot be used at the same time as sourceTags or targetTags", and
 *   `targetServiceAccounts` "cannot be used at the same time as targetTags or sourceTags".
 * The answer is compute's 400 `invalid` naming the field: "Invalid value for field 'F': 'V'. ...".
 */

const namedProtocols = ['ah', 'all', 'esp', 'icmp', 'ipip', 'sctp', 'tcp', 'udp'];
const protocolsWithPorts = new Set(['tcp', 'udp', 'sctp', '6', '17', '132']);

function invalidValue(field: string, value: unknown, why: string): never {
  throw invalidField(field, `Invalid value for field '${field}': '${String(value)}'. ${why}`);
}

function checkPort(field: string, port: string): void {
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(port);
  const low = Number(match?.[1]);
  const high = match?.[2] === undefined ? low : Number(match[2]);
  if (!match || low > 65535 || high > 65535 || high < low) {
    invalidValue(
      field,
      port,
      'Must be a port number or a port range (low-high) between 0 and 65535.',
    );
  }
}

function checkProtocols(entries: Json[], list: 'allowed' | 'denied'): void {
  entries.forEach((entry, i) => {
    const field = `resource.${list}[${i}].IPProtocol`;
    const protocol = String(entry.IPProtocol ?? '').toLowerCase();
    const numbered = /^\d{1,3}$/.test(protocol) && Number(protocol) <= 255;
    if (!namedProtocols.includes(protocol) && !numbered) {
      invalidValue(
        field,
        entry.IPProtocol ?? '',
        `Must be one of ${JSON.stringify(namedProtocols).replace(/,/g, ', ')} or an IP protocol number between 0 and 255.`,
      );
    }
    const ports = (entry.ports as string[] | undefined) ?? [];
    ports.forEach((port, j) => {
      const portField = `resource.${list}[${i}].ports[${j}]`;
      if (!protocolsWithPorts.has(protocol)) {
        invalidValue(
          portField,
          port,
          'Ports may only be specified for rules whose protocol is one of tcp, udp or sctp.',
        );
      }
      checkPort(portField, port);
    });
  });
}

/** Refuses what Google refuses in a firewall rule (insert and patch). */
export function checkFirewallRule(resource: Json): void {
  if (resource.priority !== undefined) {
    const priority = Number(resource.priority);
    if (priority > 65535) {
      invalidValue('resource.priority', resource.priority, 'Must be less than or equal to 65535');
    }
    if (priority < 0) {
      invalidValue('resource.priority', resource.priority, 'Must be greater than or equal to 0');
    }
  }
  checkProtocols((resource.allowed as Json[] | undefined) ?? [], 'allowed');
  checkProtocols((resource.denied as Json[] | undefined) ?? [], 'denied');
  const has = (field: string) => ((resource[field] as unknown[] | undefined) ?? []).length > 0;
  if (has('sourceServiceAccounts') && (has('sourceTags') || has('targetTags'))) {
    invalidValue(
      'resource.sourceServiceAccounts',
      (resource.sourceServiceAccounts as string[]).join(','),
      'sourceServiceAccounts cannot be used at the same time as sourceTags or targetTags.',
    );
  }
  if (has('targetServiceAccounts') && (has('targetTags') || has('sourceTags'))) {
    invalidValue(
      'resource.targetServiceAccounts',
      (resource.targetServiceAccounts as string[]).join(','),
      'targetServiceAccounts cannot be used at the same time as targetTags or sourceTags.',
    );
  }
}

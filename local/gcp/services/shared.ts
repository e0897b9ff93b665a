import ipaddr from 'ipaddr.js';
import { GoogleApiError, invalidField } from '../api-error.js';

/** Google's resource-name rule (RFC 1035 label), as compute, container and dns enforce it. */
const namePattern = /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

/** Checks a resource name, answering Google's 400 for `resource.name` when it is wrong. */
export function requireName(value: unknown, field = 'resource.name'): string {
  if (typeof value !== 'string' || !namePattern.test(value)) {
    throw invalidField(
      field,
      `Invalid value for field '${field}': '${typeof value === 'string' ? value : ''}'. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'`,
    );
  }
  return value;
}

/** Checks a required string field. */
export function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new GoogleApiError(400, `Required field '${field}' not specified`, {
      reason: 'required',
      violations: [{ field, description: `Required field '${field}' not specified` }],
    });
  }
  return value;
}

/** A parsed IPv4 CIDR. */
export interface Cidr {
  text: string;
  address: ipaddr.IPv4;
  bits: number;
}

/** Parses an IPv4 CIDR whose host bits are zero, or answers 400 naming the field. */
export function parseCidr(value: unknown, field: string): Cidr {
  const text = typeof value === 'string' ? value : '';
  try {
    const [address, bits] = ipaddr.IPv4.parseCIDR(text);
    if (ipaddr.IPv4.networkAddressFromCIDR(text).toString() !== address.toString()) {
      throw new Error('host bits set');
    }
    return { text, address, bits };
  } catch {
    throw invalidField(
      field,
      `Invalid value for field '${field}': '${text}'. Invalid IPCidrRange: ${text}.`,
    );
  }
}

/** Whether two CIDRs share an address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.address.match(b.address, b.bits) || b.address.match(a.address, a.bits);
}

/** The nth address of a CIDR (gateway = 1, GKE's private endpoint = 2). */
export function nthAddress(cidr: Cidr, n: number): string {
  const bytes = cidr.address.toByteArray();
  const value = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) + n;
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

/** The last path segment of a link or relative name. */
export function lastSegment(value: string): string {
  return value.split('/').filter(Boolean).pop() ?? value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `base` with `patch` merged in: objects field by field, anything else (arrays included)
 * replaced, as a PATCH of nested messages does. Returns a new value; the inputs stay as they are.
 */
export function deepMerge(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = structuredClone(base);
  for (const [key, value] of Object.entries(patch)) out[key] = deepMerge(out[key], value);
  return out;
}

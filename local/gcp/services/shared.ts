import { type Ipv4Block, parseIpv4Block } from '../../../shared/lib/ip.js';
import { isPlainObject } from '../../../shared/lib/json.js';
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

/**
 * Parses an IPv4 CIDR whose host bits are zero, or answers 400 naming the field. The range
 * arithmetic callers need (overlap, nth address) is shared/lib/ip.ts's.
 */
export function parseCidr(value: unknown, field: string): Ipv4Block {
  const text = typeof value === 'string' ? value : '';
  const block = parseIpv4Block(text);
  if (!block || block.address !== block.network) {
    throw invalidField(
      field,
      `Invalid value for field '${field}': '${text}'. Invalid IPCidrRange: ${text}.`,
    );
  }
  return block;
}

/** The last path segment of a link or relative name. */
export function lastSegment(value: string): string {
  return value.split('/').filter(Boolean).pop() ?? value;
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

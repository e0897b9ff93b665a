import { z } from 'zod';
import { SPEC_API_VERSION } from './constants.js';

/**
 * Google Cloud resource names (networks, subnets, firewalls, routers, zones, clusters):
 * RFC 1035 label, 1-63 characters.
 */
export const gcpName = z
  .string()
  .regex(
    /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/,
    'must be 1-63 lowercase letters, digits or hyphens, start with a letter and not end with a hyphen',
  );

/** Service account IDs (the part before @): 6-30 characters. */
export const serviceAccountId = z
  .string()
  .regex(
    /^[a-z]([-a-z0-9]{4,28}[a-z0-9])$/,
    'must be 6-30 lowercase letters, digits or hyphens, start with a letter and not end with a hyphen',
  );

/** Kubernetes DNS-1123 label: namespaces, service account names, object names. */
export const dnsLabel = z
  .string()
  .regex(
    /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
    'must be a DNS-1123 label: 1-63 lowercase letters, digits or hyphens, starting and ending with a letter or digit',
  );

/** A DNS name ending with a dot, as Cloud DNS takes it; the first label may be "*". */
export const dnsName = z
  .string()
  .regex(
    /^(\*\.)?([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+$/,
    'must be a DNS name ending with a dot, e.g. "googleapis.com."',
  );

/** IPv4 CIDR in canonical syntax; containment and overlap rules are checked by validate.ts. */
export const cidr = z
  .string()
  .regex(
    /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/(3[0-2]|[12]?\d)$/,
    'must be an IPv4 CIDR like 10.0.0.0/24',
  );

/** A host name, or `*.` and a domain: the syntax alone (tenant hosts add their own rules). */
export const HOST_PATTERN =
  '^(\\*\\.)?([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$';

/** A host or `*.domain` pattern by syntax, e.g. for an environment's list of denied hosts. */
export const hostPattern = z
  .string()
  .max(253)
  .regex(
    new RegExp(HOST_PATTERN),
    'must be a host name like example.com or a pattern like *.example.com',
  );

/**
 * An IAM-style principal the service knows a caller as: `user:EMAIL` or `serviceAccount:EMAIL`
 * (the email of the caller's verified Google ID token; docs/security.md).
 */
export const principal = z
  .string()
  .max(330)
  .regex(
    /^(user|serviceAccount):[^\s@:]+@[^\s@:]+\.[^\s@:]+$/,
    'must be user:EMAIL or serviceAccount:EMAIL',
  );

/** Port numbers. */
export const port = z.number().int().min(1, 'must be 1-65535').max(65535, 'must be 1-65535');

/** Kubernetes-style metadata of a spec document. */
export const metadata = z.strictObject({
  name: dnsLabel,
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

/** A spec document of one kind: the product's apiVersion, the kind, metadata and its spec. */
export function specDocument<const Kind extends string, Spec extends z.ZodType>(
  kind: Kind,
  spec: Spec,
) {
  return z.strictObject({
    apiVersion: z.literal(SPEC_API_VERSION),
    kind: z.literal(kind),
    metadata,
    spec,
  });
}

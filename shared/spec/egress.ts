import type { EgressMode, EgressRule, Tenant } from './tenant.js';

/** The port an app addresses when a rule leaves `port` out. */
export const DEFAULT_APP_PORT: Readonly<Record<EgressMode, number>> = {
  'tls-origination': 80,
  http: 80,
  passthrough: 443,
};

/** The external host's port when a rule leaves `targetPort` out. */
export const DEFAULT_TARGET_PORT: Readonly<Record<EgressMode, number>> = {
  'tls-origination': 443,
  http: 80,
  passthrough: 443,
};

/** Ports the Istio sidecar keeps for itself (15000-15090): an app port there never leaves. */
export const ISTIO_RESERVED_PORT_RANGE = { first: 15000, last: 15090 } as const;

/** The effective ports of an egress rule, defaults applied. */
export function egressRulePorts(rule: Pick<EgressRule, 'mode' | 'port' | 'targetPort'>): {
  port: number;
  targetPort: number;
} {
  return {
    port: rule.port ?? DEFAULT_APP_PORT[rule.mode],
    targetPort: rule.targetPort ?? DEFAULT_TARGET_PORT[rule.mode],
  };
}

/** The Kubernetes namespace of a tenant: `spec.namespace`, or else its name. */
export function tenantNamespace(tenant: Tenant): string {
  return tenant.spec.namespace ?? tenant.metadata.name;
}

/**
 * True when `pattern` (a host or a `*.` wildcard) matches `host`. A wildcard covers every name
 * below its suffix, not the suffix itself, as Istio and TLS certificates read it; a wildcard
 * `host` is covered only by an equal or broader wildcard.
 */
export function hostCovers(pattern: string, host: string): boolean {
  if (pattern === host) return true;
  if (!pattern.startsWith('*.')) return false;
  const suffix = pattern.slice(1); // ".example.com"
  const hostBody = host.startsWith('*.') ? host.slice(1) : host;
  return hostBody.endsWith(suffix) && hostBody.length > suffix.length;
}

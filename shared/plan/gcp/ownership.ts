import { PermanentError } from '../../errors.js';
import type { Environment } from '../../spec/environment.js';

/**
 * The one ownership vocabulary of every Google resource the steps create. A resource whose API
 * has labels (clusters, Cloud DNS zones) carries {@link ownershipLabels}; every resource carries
 * the marker `egress-provisioner environment=NAME` in its description where it has one
 * (networks, subnets, routers, firewall rules, clusters, service accounts, whose IAM API has no
 * labels). Steps adopt, patch and delete only what {@link ownerOf} says is their environment's.
 */

/** Label naming the owning environment. */
export const OWNER_LABEL = 'egress-environment';
/** Label naming the product, so a stray `egress-environment` label alone marks nothing. */
export const MANAGER_LABEL = 'managed-by';
export const MANAGER = 'egress-provisioner';

/**
 * The description marker; tenant service accounts append ` tenant=T` to it
 * (shared/steps/tenant-identities.ts), which this pattern reads the same way.
 */
const DESCRIPTION_MARKER =
  /(?:^|[\s([])egress-provisioner environment=([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(?=$|[\s)\]])/;

/**
 * Labels marking resources that accept labels (clusters, DNS zones) as the environment's own.
 * Keys and values fit GCP's label rules: lowercase, digits, `-`, `_`.
 */
export function ownershipLabels(env: Environment): Record<string, string> {
  return { [OWNER_LABEL]: env.metadata.name, [MANAGER_LABEL]: MANAGER };
}

/** `WHAT [egress-provisioner environment=NAME]`: a human description that names its owner. */
export function ownershipDescription(env: Environment, what: string): string {
  return `${what} [egress-provisioner environment=${env.metadata.name}]`;
}

/**
 * The environment a resource as a GET returns it belongs to, or undefined when it carries no
 * marker: the labels first (`labels` or GKE's `resourceLabels`), then the description, so a
 * cluster whose labels someone removed is still recognised (and its labels restored).
 */
export function ownerOf(resource: Readonly<Record<string, unknown>>): string | undefined {
  for (const field of ['resourceLabels', 'labels'] as const) {
    const labels = resource[field] as Record<string, unknown> | undefined;
    const owner = labels?.[OWNER_LABEL];
    if (labels?.[MANAGER_LABEL] === MANAGER && typeof owner === 'string') return owner;
  }
  const description = resource.description;
  if (typeof description !== 'string') return undefined;
  return DESCRIPTION_MARKER.exec(description)?.[1];
}

/** True when the observed resource is marked as this environment's. */
export function isOwnedBy(env: Environment, resource: Readonly<Record<string, unknown>>): boolean {
  return ownerOf(resource) === env.metadata.name;
}

/**
 * Refuses a resource the environment does not own: PermanentError `not-owned`, naming the
 * resource and its owner (or the absence of a marker), and the spec field that named it.
 */
export function assertOwned(
  env: Environment,
  resource: string,
  observed: Readonly<Record<string, unknown>>,
  field?: string,
): void {
  const owner = ownerOf(observed);
  if (owner === env.metadata.name) return;
  const whose =
    owner === undefined
      ? 'has no owner marker (it was not created by egress-provisioner)'
      : `is owned by environment ${owner}`;
  throw new PermanentError(
    'not-owned',
    `${resource} ${whose}; environment ${env.metadata.name} will not adopt, change or delete it (rename it in the spec${field ? ` at ${field}` : ''}, or remove the existing resource)`,
    { resource, ...(field ? { field } : {}) },
  );
}

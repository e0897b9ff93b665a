/**
 * What the stores share about their documents: the ids they accept, where each record
 * lives (docs/architecture.md "Run state"), time-limited claims and field clearing.
 */
import { PermanentError } from '../errors.js';
import type { StepName } from '../core/step-contract.js';
import { plain } from './hash.js';
import type { Lease } from './types.js';

/**
 * Document ids the stores accept: no slash (it would address another collection), not `.`/`..`,
 * not Firestore's reserved `__x__`, at most 700 characters.
 */
export function assertDocumentId(id: string, field: string): string {
  if (
    id.length === 0 ||
    id.length > 700 ||
    id.includes('/') ||
    id === '.' ||
    id === '..' ||
    /^__.*__$/.test(id)
  ) {
    throw new PermanentError(
      'invalid-id',
      `${field} must be 1-700 characters without "/" and not reserved`,
      {
        field,
      },
    );
  }
  return id;
}

export const envPath = (id: string) => `environments/${assertDocumentId(id, 'environment')}`;
export const tenantsPath = (env: string) => `${envPath(env)}/tenants`;
export const tenantPath = (env: string, tenant: string) =>
  `${tenantsPath(env)}/${assertDocumentId(tenant, 'tenant')}`;
export const runPath = (id: string) => `runs/${assertDocumentId(id, 'runId')}`;
export const stepsPath = (run: string) => `${runPath(run)}/steps`;
export const stepPath = (run: string, step: StepName) => `${stepsPath(run)}/${step}`;
export const accessHistoryPath = (env: string) => `${envPath(env)}/accessHistory`;
export const accessHistoryDocPath = (env: string, doc: string) =>
  `${accessHistoryPath(env)}/${assertDocumentId(doc, 'accessHistory')}`;
export const messagePath = (id: string) => `messages/${assertDocumentId(id, 'messageId')}`;

/** Whether a time-limited claim (a lease, an execution start) still holds at `now`. */
export function leaseLive<T extends { expiresAt: string }>(
  lease: T | undefined,
  now: Date,
): lease is T {
  return lease !== undefined && Date.parse(lease.expiresAt) > now.getTime();
}

export function expiryAfter(now: Date, ttlSeconds: number): string {
  return new Date(now.getTime() + ttlSeconds * 1000).toISOString();
}

export function leaseUntil(holder: string, now: Date, ttlSeconds: number): Lease {
  return { holder, expiresAt: expiryAfter(now, ttlSeconds) };
}

/** Drops optional fields explicitly set to undefined (a "clear this field" in our updates). */
export function withoutUndefined<T extends object>(value: T): T {
  return plain(value);
}

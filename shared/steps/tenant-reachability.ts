/**
 * The tenants step's proof: the cluster read back after the apply, held to what the specs grant.
 */
import {
  ANALYZED_KINDS,
  formatDifferences,
  verifyReachability,
  type ReachabilityVerification,
} from '../analysis/index.js';
import { PermanentError, RetryableError } from '../errors.js';
import { objectKey, type KubeObject } from '../plan/kube-object.js';
import type { Environment } from '../spec/environment.js';
import type { Tenant } from '../spec/tenant.js';
import type { StepOutputs } from '../core/step-contract.js';

/**
 * Most verdict rows a run records. A row is ~50 bytes, so this keeps the step's outputs far below
 * Firestore's 1 MiB document limit (they are stored in the run and in the environment); beyond
 * it only the ALLOWED rows are recorded, the denials being the default.
 */
const MAX_RECORDED_REACHABILITY_ROWS = 400;
/** Calls of the step in one run that may retry a check raced by a writer of its own objects. */
export const CHECK_RACE_ATTEMPTS = 3;
/** Differing cells listed in a reachability-mismatch error before "and N more". */
const MAX_LISTED_DIFFERENCES = 25;

/** The verdict rows and counts a run records (StepOutputs allows strings and lists only). */
export function reachabilityOutputs(verification: ReachabilityVerification): StepOutputs {
  const { rows } = verification;
  const allowed = rows.filter((row) => row.split(' ')[3] === 'ALLOWED');
  const truncated = rows.length > MAX_RECORDED_REACHABILITY_ROWS;
  return {
    reachability: truncated ? allowed : rows,
    reachabilityChecked: rows.length,
    reachabilityAllowed: allowed.length,
    ...(truncated ? { reachabilityTruncated: true } : {}),
  };
}

/**
 * The error of a cluster whose reachability differs from what the specs grant: a retry cannot
 * fix it (the product's own objects were just applied), so it names every differing cell and
 * the object that decided it, for a person to act on.
 */
function reachabilityMismatch(
  verification: ReachabilityVerification,
  changedSinceApply: readonly string[] = [],
): PermanentError {
  const lines = formatDifferences(verification.differences);
  const listed = lines.slice(0, MAX_LISTED_DIFFERENCES);
  const more = lines.length - listed.length;
  return new PermanentError(
    'reachability-mismatch',
    [
      `the cluster's reachability differs from what the tenant specs grant in ${lines.length} cell${lines.length === 1 ? '' : 's'} (objects the product does not own, or changed after its apply, decide them):`,
      ...listed.map((line) => `  ${line}`),
      ...(more > 0 ? [`  ... and ${more} more`] : []),
      ...(changedSinceApply.length > 0
        ? [
            `the product's own ${changedSinceApply.join(', ')} kept changing between its apply and the check: another writer (a controller, a webhook) rewrites them`,
          ]
        : []),
    ].join('\n'),
    { resource: verification.differences[0]?.actual.decidedBy },
  );
}

/** Whether `live` holds every field of `desired` with its value (server defaults may add more). */
function holdsFields(live: unknown, desired: unknown): boolean {
  if (desired === undefined) return true;
  if (Array.isArray(desired)) {
    return (
      Array.isArray(live) &&
      live.length === desired.length &&
      desired.every((item, i) => holdsFields(live[i], item))
    );
  }
  if (desired !== null && typeof desired === 'object') {
    if (live === null || typeof live !== 'object' || Array.isArray(live)) return false;
    return Object.entries(desired).every(([key, value]) =>
      holdsFields((live as Record<string, unknown>)[key], value),
    );
  }
  return live === desired;
}

/**
 * The step's own objects that another writer deleted or changed between the apply and the read
 * back (compared on the spec fields the compiler sets; server defaults may add others), by key.
 */
function changedSinceApply(desired: readonly KubeObject[], live: readonly KubeObject[]): string[] {
  const byKey = new Map(live.map((o) => [objectKey(o), o]));
  return desired
    .filter((o) => ANALYZED_KINDS.some((k) => k.kind === o.kind))
    .filter((o) => {
      const found = byKey.get(objectKey(o));
      return !found || !holdsFields(found.spec, o.spec);
    })
    .map(objectKey);
}

/**
 * The reachability of the cluster read back after the apply; throws when it differs from what
 * the tenant specs grant: retryable while the step's own objects changed since its apply (a
 * race), permanent otherwise.
 */
export function verifiedReachability(
  env: Environment,
  tenants: readonly Tenant[],
  applied: readonly KubeObject[],
  live: readonly KubeObject[],
  attempt: number,
): ReachabilityVerification {
  const verification = verifyReachability(env, tenants, live);
  if (verification.differences.length === 0) return verification;
  const changed = changedSinceApply(applied, live);
  if (changed.length > 0 && attempt < CHECK_RACE_ATTEMPTS) {
    // Another writer touched the step's own objects after its apply: the next call reapplies
    // them, so this is a race to retry, not a verdict to report. A writer that keeps changing
    // them (a controller, a webhook) is reported after a few calls instead of forever.
    throw new RetryableError(
      'objects-changed-during-check',
      `${changed.join(', ')} changed after the apply, before the reachability check: ${formatDifferences(verification.differences).join('; ')}`,
      { retryAfterSeconds: 5 },
    );
  }
  throw reachabilityMismatch(verification, changed);
}

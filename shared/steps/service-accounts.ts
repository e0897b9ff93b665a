import { RetryableError, PermanentError } from '../errors.js';
import { compareResource } from '../plan/gcp/diff.js';
import {
  desiredProjectBindings,
  desiredServiceAccounts,
  mergeBindings,
  removeBindings,
  type IamPolicy,
  type RoleMember,
} from '../plan/gcp/iam.js';
import { serviceAccountEmail } from '../plan/gcp/names.js';
import { assertOwned, isOwnedBy } from '../plan/gcp/ownership.js';
import type { Environment } from '../spec/environment.js';
import type { StepContext, StepResult } from '../core/step-contract.js';
import { POLL_SECONDS, done, pendingOn, type StepDeps } from './support.js';

/** Pseudo-operation api: a count of consecutive successful reads of the new accounts. */
export const IAM_CONSISTENCY_API = 'iam-consistency';

/** etag conflicts retried inside one call before the step answers RetryableError. */
export const MAX_ETAG_ATTEMPTS = 5;

function emails(env: Environment): string[] {
  return desiredServiceAccounts(env).map((body) =>
    serviceAccountEmail(env.spec.project, body.accountId),
  );
}

/**
 * ONE read-modify-write of the project policy for every pair, retried on an etag conflict
 * (someone else wrote in between). Writes nothing when the policy already says what it should.
 */
async function editProjectPolicy(
  env: Environment,
  deps: StepDeps,
  edit: (
    policy: IamPolicy,
    pairs: readonly RoleMember[],
  ) => { policy: IamPolicy; changed: boolean },
  pairs: readonly RoleMember[] = desiredProjectBindings(env),
): Promise<boolean> {
  const { project } = env.spec;
  if (pairs.length === 0) return false;
  for (let attempt = 1; ; attempt += 1) {
    const current = await deps.gcp.projectIam.getIamPolicy(project);
    const next = edit(current, pairs);
    if (!next.changed) return false;
    try {
      await deps.gcp.projectIam.setIamPolicy(project, next.policy);
      return true;
    } catch (error) {
      if (
        error instanceof RetryableError &&
        error.reason === 'etag-conflict' &&
        attempt < MAX_ETAG_ATTEMPTS
      ) {
        await deps.sleep?.(Math.min(100 * 2 ** attempt, 2000));
        continue;
      }
      // IAM answers 400 "Service account ... does not exist" while a new account propagates.
      if (
        error instanceof PermanentError &&
        error.reason === 'invalid-argument' &&
        /service account .* does not exist/i.test(error.message)
      ) {
        throw new RetryableError('service-account-propagating', error.message, {
          retryAfterSeconds: POLL_SECONDS.iamConsistency,
          cause: error,
        });
      }
      throw error;
    }
  }
}

/**
 * Idempotency: accounts are addressed by their spec ids (ALREADY_EXISTS means observe), and all
 * role bindings go in one etag-guarded policy edit that writes nothing when every pair is there.
 * A new account is read back until consistent (N consecutive reads over successive calls, the
 * count recorded as a pseudo-operation) before anything binds it.
 */
export async function ensureServiceAccounts(ctx: StepContext, deps: StepDeps): Promise<StepResult> {
  const env = ctx.environment;
  const { project } = env.spec;
  const needed = deps.serviceAccountReads ?? 3;
  let created = false;
  // Observe both accounts and refuse before any write: an account of the same id that this
  // environment does not own (another environment's, the service's own, anyone's) is neither
  // adopted, renamed, bound nor used as a node identity.
  const fields = ['spec.nodeServiceAccounts.application', 'spec.nodeServiceAccounts.gateway'];
  const found = await Promise.all(
    desiredServiceAccounts(env).map(async (body, index) => {
      const email = serviceAccountEmail(project, body.accountId);
      const account = await deps.gcp.iam.getServiceAccount(project, email);
      if (account) {
        assertOwned(env, `projects/${project}/serviceAccounts/${email}`, account, fields[index]);
      }
      return { body, email, account };
    }),
  );
  const observed = await Promise.all(
    found.map(async ({ body, email, account }) => {
      if (!account) {
        await deps.gcp.iam.createServiceAccount(project, body);
        created = true;
        return;
      }
      const comparison = compareResource('ServiceAccount', body.serviceAccount, account);
      if (comparison.patch) {
        await deps.gcp.iam.patchServiceAccount(
          project,
          email,
          comparison.patch as { displayName?: string; description?: string },
        );
      }
      return account;
    }),
  );
  if (created) {
    return pendingOn(
      { api: IAM_CONSISTENCY_API, name: '0' },
      POLL_SECONDS.iamConsistency,
      'service accounts created; waiting until readable',
    );
  }
  if (ctx.operation?.api === IAM_CONSISTENCY_API) {
    // Every account answered this call's read: one more consecutive success.
    const reads = Number(ctx.operation.name) + (observed.every(Boolean) ? 1 : -Infinity);
    if (!(reads >= needed)) {
      const count = Number.isFinite(reads) ? reads : 0;
      return pendingOn(
        { api: IAM_CONSISTENCY_API, name: String(count) },
        POLL_SECONDS.iamConsistency,
        `service accounts read back ${count}/${needed} times`,
      );
    }
  }
  await editProjectPolicy(env, deps, mergeBindings);
  const [application, gateway] = emails(env);
  return done({ applicationNodes: application ?? '', gatewayNodes: gateway ?? '' });
}

/**
 * Removes the role pairs of the accounts the environment owns (one policy edit), then deletes
 * those accounts by id. An account of the same id that is not marked as the environment's keeps
 * its roles and is kept (output `kept`); an absent account's pairs are removed (they are the
 * environment's leftovers: nobody else's account has that email).
 */
export async function removeServiceAccounts(ctx: StepContext, deps: StepDeps): Promise<StepResult> {
  const env = ctx.environment;
  const { project } = env.spec;
  // Observe first: a delete of an absent account is still a write call.
  const accounts = await Promise.all(
    emails(env).map(async (email) => ({
      email,
      account: await deps.gcp.iam.getServiceAccount(project, email),
    })),
  );
  const kept = accounts
    .filter(({ account }) => account !== undefined && !isOwnedBy(env, account))
    .map(({ email }) => email);
  const keptMembers = new Set(kept.map((email) => `serviceAccount:${email}`));
  const pairs = desiredProjectBindings(env).filter(({ member }) => !keptMembers.has(member));
  await editProjectPolicy(env, deps, removeBindings, pairs);
  await Promise.all(
    accounts.map(async ({ email, account }) => {
      if (account && !kept.includes(email)) await deps.gcp.iam.deleteServiceAccount(project, email);
    }),
  );
  return done(kept.length > 0 ? { kept } : {});
}

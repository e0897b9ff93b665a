import { PermanentError } from '../errors.js';
import { ALREADY_EXISTS, type PubsubApi } from '../core/gcp-apis.js';
import {
  desiredTenantIntake,
  TOPIC_PUBLISHER_ROLE,
  withExactRoleMembers,
  type PushConfig,
  type TenantIntakeTarget,
} from '../plan/gcp/tenant-intake.js';
import { assertOwned, isOwnedBy } from '../plan/gcp/ownership.js';
import type { Environment } from '../spec/environment.js';
import type { StepOutputs } from '../core/step-contract.js';

/** What the tenants step needs to keep an environment's tenant intake. */
export interface TenantIntakeDependencies {
  pubsub: PubsubApi;
  target: TenantIntakeTarget;
}

function samePush(observed: unknown, desired: PushConfig): boolean {
  const push = (observed ?? {}) as { pushEndpoint?: string; oidcToken?: PushConfig['oidcToken'] };
  return (
    push.pushEndpoint === desired.pushEndpoint &&
    push.oidcToken?.serviceAccountEmail === desired.oidcToken?.serviceAccountEmail &&
    push.oidcToken?.audience === desired.oidcToken?.audience
  );
}

/**
 * Converges the environment's tenant topic, its publishers (exactly the principals who may manage
 * every tenant) and its push subscription to tenant-events. A topic or subscription of that name
 * the environment does not own is refused (`not-owned`), never adopted.
 *
 * Idempotency: once converged, a call reads three things and writes nothing.
 */
export async function ensureTenantIntake(
  env: Environment,
  createdBy: string | undefined,
  deps: TenantIntakeDependencies,
): Promise<StepOutputs> {
  const desired = desiredTenantIntake(env, deps.target, createdBy);
  const { pubsub } = deps;
  let writes = 0;
  const topic = await pubsub.getTopic(desired.topic);
  if (topic) assertOwned(env, desired.topic, topic);
  else if ((await pubsub.createTopic(desired.topic, desired.topicBody)) !== ALREADY_EXISTS) {
    writes += 1;
  } else {
    // Created by a concurrent call of this step: it must still be ours.
    const raced = await pubsub.getTopic(desired.topic);
    if (raced) assertOwned(env, desired.topic, raced);
  }
  const policy = await pubsub.getTopicIamPolicy(desired.topic);
  const edit = withExactRoleMembers(policy, TOPIC_PUBLISHER_ROLE, desired.publishers);
  if (edit.changed) {
    // A stale etag answers RetryableError('etag-conflict'): the next call re-reads.
    await pubsub.setTopicIamPolicy(desired.topic, edit.policy);
    writes += 1;
  }
  const subscription = await pubsub.getSubscription(desired.subscription);
  if (!subscription) {
    await pubsub.createSubscription(desired.subscription, desired.subscriptionBody);
    writes += 1;
  } else {
    assertOwned(env, desired.subscription, subscription);
    if (subscription.topic !== desired.topic) {
      throw new PermanentError(
        'not-owned',
        `${desired.subscription} delivers ${String(subscription.topic)}, not ${desired.topic}; delete it so the environment can create its own`,
        { resource: desired.subscription },
      );
    }
    if (!samePush(subscription.pushConfig, desired.subscriptionBody.pushConfig)) {
      await pubsub.modifyPushConfig(desired.subscription, desired.subscriptionBody.pushConfig);
      writes += 1;
    }
  }
  return { intakeTopic: desired.topic, intakePublishers: desired.publishers, intakeWrites: writes };
}

/**
 * Closes the environment's tenant intake: deletes its subscription and topic when they are the
 * environment's own (a resource of that name someone else owns is left alone). Idempotent.
 */
export async function removeTenantIntake(
  env: Environment,
  deps: TenantIntakeDependencies,
): Promise<void> {
  const desired = desiredTenantIntake(env, deps.target);
  const { pubsub } = deps;
  const subscription = await pubsub.getSubscription(desired.subscription);
  if (subscription && isOwnedBy(env, subscription)) {
    await pubsub.deleteSubscription(desired.subscription);
  }
  const topic = await pubsub.getTopic(desired.topic);
  if (topic && isOwnedBy(env, topic)) await pubsub.deleteTopic(desired.topic);
}

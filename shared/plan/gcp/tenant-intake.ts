import type { Environment } from '../../spec/environment.js';
import { tenantTopicPublishers } from '../../spec/access.js';
import type { IamPolicy, PolicyEdit } from './iam.js';
import { ownershipLabels } from './ownership.js';

/**
 * The environment's tenant intake on Pub/Sub: a topic of its own in the service's project, whose
 * publishers are exactly those who may manage every tenant of the environment, pushed to the
 * `tenant-events` function at a path that names the topic. The function takes the environment
 * from the topic the message came through, never from an attribute the publisher chose, so
 * Pub/Sub's own IAM check on publish is the authorization (docs/security.md "The Pub/Sub path").
 */

/** Topic ids are `tenants-<environment>`. */
export const TENANT_TOPIC_PREFIX = 'tenants-';

/** The role that lets a principal publish on a topic (pubsub.topics.publish). */
export const TOPIC_PUBLISHER_ROLE = 'roles/pubsub.publisher';

/** Seconds Pub/Sub waits for tenant-events before redelivering a push. */
export const TENANT_PUSH_ACK_DEADLINE_SECONDS = 60;

/** The topic id of an environment's tenant intake. */
export function tenantTopicId(environment: string): string {
  return `${TENANT_TOPIC_PREFIX}${environment}`;
}

/** The environment a tenant topic id belongs to; undefined for any other topic. */
export function environmentOfTenantTopic(topicId: string): string | undefined {
  if (!topicId.startsWith(TENANT_TOPIC_PREFIX)) return undefined;
  const environment = topicId.slice(TENANT_TOPIC_PREFIX.length);
  return /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(environment) ? environment : undefined;
}

/** Where the deployment receives tenant pushes. */
export interface TenantIntakeTarget {
  /** The service's own project (where its functions and topics live). */
  project: string;
  /** The tenant-events function's URL; pushes go to `<url>/projects/P/topics/T`. */
  tenantEventsUrl: string;
  /** The account whose OIDC token Pub/Sub attaches to each push (an invoker of tenant-events). */
  pushServiceAccount?: string;
}

/** The intake resources an environment wants (bodies as Pub/Sub v1 takes them). */
export interface DesiredTenantIntake {
  /** `projects/P/topics/tenants-ENV`. */
  topic: string;
  topicBody: { labels: Record<string, string> };
  /** Members of the topic's roles/pubsub.publisher binding, exactly. */
  publishers: string[];
  /** `projects/P/subscriptions/tenants-ENV-to-tenant-events`. */
  subscription: string;
  subscriptionBody: {
    topic: string;
    pushConfig: PushConfig;
    ackDeadlineSeconds: number;
    retryPolicy: { minimumBackoff: string; maximumBackoff: string };
    labels: Record<string, string>;
  };
}

/** A push subscription's delivery (message PushConfig). */
export interface PushConfig {
  pushEndpoint: string;
  oidcToken?: { serviceAccountEmail: string; audience: string };
}

/** The tenant intake of an environment created by `createdBy` (an implicit admin). */
export function desiredTenantIntake(
  env: Environment,
  target: TenantIntakeTarget,
  createdBy?: string,
): DesiredTenantIntake {
  const id = tenantTopicId(env.metadata.name);
  const topic = `projects/${target.project}/topics/${id}`;
  const labels = ownershipLabels(env);
  const base = target.tenantEventsUrl.replace(/\/+$/, '');
  return {
    topic,
    topicBody: { labels },
    publishers: tenantTopicPublishers(env, createdBy),
    subscription: `projects/${target.project}/subscriptions/${id}-to-tenant-events`,
    subscriptionBody: {
      topic,
      pushConfig: {
        // functions-framework turns a push at this path into a CloudEvent whose source is the topic.
        pushEndpoint: `${base}/${topic}`,
        ...(target.pushServiceAccount
          ? { oidcToken: { serviceAccountEmail: target.pushServiceAccount, audience: base } }
          : {}),
      },
      ackDeadlineSeconds: TENANT_PUSH_ACK_DEADLINE_SECONDS,
      // tenant-events throws only for transient failures: back off instead of hammering it.
      retryPolicy: { minimumBackoff: '10s', maximumBackoff: '600s' },
      labels,
    },
  };
}

/**
 * The topic policy with `role`'s unconditional binding holding exactly `members` (the topic is
 * the environment's own, so the product decides its publishers; other bindings stay).
 */
export function withExactRoleMembers(
  policy: IamPolicy,
  role: string,
  members: readonly string[],
): PolicyEdit {
  const before = policy.bindings ?? [];
  const current = before.find((b) => b.role === role && !b.condition);
  const same =
    (current?.members.length ?? 0) === members.length &&
    members.every((m) => current?.members.includes(m));
  if (same) return { policy, changed: false };
  const others = before.filter((b) => b !== current);
  const bindings = members.length > 0 ? [...others, { role, members: [...members] }] : others;
  return { policy: { ...policy, bindings }, changed: true };
}

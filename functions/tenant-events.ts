import type { CloudEvent } from '@google-cloud/functions-framework';
import YAML from 'yaml';
import type { ErrorBody } from '../shared/errors.js';
import { environmentOfTenantTopic, tenantTopicId } from '../shared/plan/gcp/tenant-intake.js';
import { dnsLabel } from '../shared/spec/index.js';
import { runIdFor } from '../shared/state/hash.js';
import type { MessageRecord } from '../shared/state/types.js';
import { getContext, type FunctionsContext } from './context.js';
import type { MessagePublishedData } from './lib/message-published-data.js';
import {
  appliedAsStored,
  MAX_TENANT_BYTES,
  tenantAdmission,
  tooManyEgressRules,
} from './lib/tenant-admission.js';
import { startTenantsRun } from './lib/tenants-run.js';

export { EXECUTION_START_TTL_SECONDS } from './lib/tenants-run.js';

/**
 * The topic a push came through, from the CloudEvent's source
 * (`//pubsub.googleapis.com/projects/P/topics/T`, which functions-framework derives from the
 * push endpoint's path, set by the tenants step when it creates the subscription).
 */
function topicOf(source: string | undefined): { project: string; id: string } | undefined {
  const match = /^\/\/pubsub\.googleapis\.com\/projects\/([^/]+)\/topics\/([^/]+)$/.exec(
    source ?? '',
  );
  return match?.[1] && match[2] ? { project: match[1], id: match[2] } : undefined;
}

/** A document the function refuses: acknowledged (never redelivered) and recorded. */
class Rejection extends Error {
  constructor(readonly errors: ErrorBody[]) {
    super(errors[0]?.message ?? 'rejected');
  }
}

function reject(reason: string, message: string, field?: string): Rejection {
  return new Rejection([
    { kind: 'invalid-request', reason, message, ...(field !== undefined ? { field } : {}) },
  ]);
}

function decode(data: string | undefined): unknown {
  if (!data)
    throw reject('empty-message', 'the message carries no Tenant document', 'message.data');
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length > MAX_TENANT_BYTES) {
    throw reject(
      'message-too-large',
      `the Tenant document has ${bytes.length} bytes; the limit is ${MAX_TENANT_BYTES}`,
      'message.data',
    );
  }
  const text = bytes.toString('utf8');
  try {
    // YAML 1.2 reads JSON too.
    return YAML.parse(text, { maxAliasCount: 100 }) as unknown;
  } catch (error) {
    throw reject(
      'malformed-document',
      `message.data is neither JSON nor YAML: ${(error as Error).message.split('\n')[0]}`,
      'message.data',
    );
  }
}

/**
 * The environment a message is for: the one whose topic it came through. Pub/Sub let it onto that
 * topic only if its publisher holds roles/pubsub.publisher there (the environment's admins and
 * managers of every tenant), so the topic is the authorization; an `environment` attribute, when
 * present, must agree and decides nothing.
 */
function environmentOf(
  ctx: FunctionsContext,
  topic: { project: string; id: string } | undefined,
  attributes: Record<string, string>,
): string {
  const environmentId =
    topic && topic.project === ctx.config.projectId
      ? environmentOfTenantTopic(topic.id)
      : undefined;
  if (!environmentId) {
    throw reject(
      'unknown-topic',
      `tenant documents are accepted only through an environment's own topic, projects/${ctx.config.projectId}/topics/${tenantTopicId('<environment>')}; this message came through ${topic ? `projects/${topic.project}/topics/${topic.id}` : 'no topic'}`,
      'topic',
    );
  }
  const claimed = attributes.environment;
  if (claimed !== undefined && claimed !== environmentId) {
    throw reject(
      'environment-mismatch',
      `attribute "environment" says ${JSON.stringify(claimed)}, but the message came through the topic of environment ${environmentId}; publish on ${tenantTopicId(claimed)} (if you may) or drop the attribute`,
      'attributes.environment',
    );
  }
  return environmentId;
}

async function accept(
  ctx: FunctionsContext,
  messageId: string,
  data: MessagePublishedData,
  environmentId: string,
): Promise<Omit<MessageRecord, 'id' | 'topic' | 'receivedAt'>> {
  const attributes = data.message.attributes ?? {};
  const document = decode(data.message.data);
  const tooMany = tooManyEgressRules(document);
  if (tooMany) throw new Rejection([tooMany]);
  const key = tenantRunKey(messageId, attributes.idempotencyKey);
  const keyed = await ctx.stores.runs.get(runIdFor(key));
  const name = (document as { metadata?: { name?: unknown } } | null)?.metadata?.name;
  const publishTime = data.message.publishTime;
  const admitted = await ctx.stores.tenants.admit(
    environmentId,
    // An invalid name is refused by the admission, before this id is used.
    typeof name === 'string' && dnsLabel.safeParse(name).success ? name : '-',
    tenantAdmission({
      environmentId,
      environmentField: 'topic',
      change: { put: document, documentField: 'message.data' },
      ...(keyed
        ? {
            keyedRun: {
              id: keyed.id,
              requestHash: keyed.requestHash,
              field: 'attributes.idempotencyKey',
            },
          }
        : {}),
    }),
    publishTime && !Number.isNaN(Date.parse(publishTime)) ? { sourceTime: publishTime } : {},
  );
  if (admitted.outcome === 'refused') throw new Rejection(admitted.errors);
  const tenant = admitted.record;
  if (admitted.outcome === 'stale') {
    throw reject(
      'stale-message',
      `the message was published at ${publishTime}, before the stored spec of tenant ${tenant.id} (${tenant.sourceTime}); it does not replace it`,
      'message.publishTime',
    );
  }
  const base = { environment: environmentId, tenant: tenant.id };
  // A republished (or redelivered under a new id) spec already applied: nothing to run.
  if (!admitted.changed && appliedAsStored(tenant)) return { ...base, outcome: 'unchanged' };
  const started = await startTenantsRun(ctx, {
    environmentId,
    trigger: { type: 'pubsub', messageId, idempotencyKey: key },
    idempotencyKey: key,
    requestHash: tenant.specHash,
  });
  switch (started.outcome) {
    case 'coalesced':
      return { ...base, outcome: 'coalesced', runId: started.runId };
    case 'accepted':
      return { ...base, outcome: 'accepted', runId: started.runId };
    case 'key-reused':
      throw reject(
        'idempotency-key-reused',
        `idempotencyKey was used for another document (run ${started.runId})`,
        'attributes.idempotencyKey',
      );
    case 'environment-not-found':
      throw reject('environment-not-found', `environment ${environmentId} does not exist`, 'topic');
  }
}

/**
 * `tenant-events` (CloudEvent, Pub/Sub messagePublished): a Tenant document (JSON or YAML,
 * base64 in message.data) published on an environment's own topic `tenants-<environment>`
 * (the environment is the topic's), with an optional `idempotencyKey` attribute.
 * Deduplicated by message id; a valid one is stored and starts `reconcile-tenants` (or marks
 * the environment dirty when a run already works on it); an invalid one is acknowledged and
 * recorded as rejected with its field errors. Only a transient failure throws (redelivery).
 */
export async function tenantEvents(event: CloudEvent<MessagePublishedData>): Promise<void> {
  const ctx = getContext();
  const data = event.data;
  const messageId = data?.message?.messageId ?? event.id;
  const receivedAt = ctx.clock.now().toISOString();
  if (!data?.message || !messageId) {
    console.warn(
      JSON.stringify({
        severity: 'WARNING',
        message: 'tenant-events: not a Pub/Sub message',
        eventId: event.id,
      }),
    );
    return;
  }
  if (await ctx.stores.runs.getMessage(messageId)) {
    console.info(
      JSON.stringify({ message: 'tenant-events: duplicate delivery ignored', messageId }),
    );
    return;
  }
  const topic = topicOf(event.source);
  const topicName = topic ? `projects/${topic.project}/topics/${topic.id}` : 'unknown';
  let record: MessageRecord;
  let environmentId: string | undefined;
  try {
    environmentId = environmentOf(ctx, topic, data.message.attributes ?? {});
    record = {
      id: messageId,
      topic: topicName,
      receivedAt,
      ...(await accept(ctx, messageId, data, environmentId)),
    };
  } catch (error) {
    if (!(error instanceof Rejection)) throw error;
    const [first, ...more] = error.errors;
    record = {
      id: messageId,
      topic: topicName,
      receivedAt,
      outcome: 'rejected',
      ...(environmentId ? { environment: environmentId } : {}),
      ...(first ? { error: first } : {}),
      ...(more.length > 0 ? { errors: error.errors } : {}),
    };
  }
  const { firstTime } = await ctx.stores.runs.recordMessage(record);
  console.info(
    JSON.stringify({
      message: `tenant-events: ${record.outcome}`,
      messageId,
      firstTime,
      runId: record.runId,
      error: record.error,
    }),
  );
}

/** A message's idempotency key: its own attribute, else its message id (one run per message). */
function tenantRunKey(messageId: string, idempotencyKey: string | undefined): string {
  return idempotencyKey ?? `pubsub:${messageId}`;
}

/** The run id a message's reconcile gets (for tests and tooling). */
export function tenantRunId(messageId: string, idempotencyKey?: string): string {
  return runIdFor(tenantRunKey(messageId, idempotencyKey));
}

import type { CloudEvent } from '@google-cloud/functions-framework';
import { randomUUID } from 'node:crypto';
import YAML from 'yaml';
import { RetryableError, type ErrorBody } from '../shared/errors.js';
import {
  dnsLabel,
  parseTenant,
  SpecValidationError,
  type SpecError,
} from '../shared/spec/index.js';
import { runIdFor } from '../shared/state/hash.js';
import type { MessageRecord } from '../shared/state/types.js';
import { specHash } from '../shared/spec/index.js';
import { getContext, type FunctionsContext } from './context.js';
import type { MessagePublishedData } from './lib/message-published-data.js';
import { specSetProblems } from './lib/spec-set-problems.js';
import { targetMismatch } from './lib/target-mismatch.js';

/** The topic this function is subscribed to (`tenant-requests`), recorded with each message. */
export const TENANT_EVENTS_TOPIC = 'tenant-requests';

/** The largest Tenant document a message may carry (decoded bytes). */
export const MAX_TENANT_BYTES = 64 * 1024;
/** The most egress rules one tenant may list (each compiles to gateway objects). */
export const MAX_EGRESS_RULES = 500;
/** The most tenants one environment takes. */
export const MAX_TENANTS = 500;

/** What the reconcile-tenants workflow receives. */
export interface ReconcileTenantsArgument {
  runId: string;
  environmentId: string;
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

function rejectionBody(error: SpecError): ErrorBody {
  return {
    kind: 'invalid-request',
    reason: error.rule,
    message: error.path ? `${error.path}: ${error.message}` : error.message,
    field: error.path || 'message.data',
  };
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

async function accept(
  ctx: FunctionsContext,
  messageId: string,
  data: MessagePublishedData,
): Promise<Omit<MessageRecord, 'id' | 'topic' | 'receivedAt'>> {
  const attributes = data.message.attributes ?? {};
  const environmentId = attributes.environment;
  if (!environmentId || !dnsLabel.safeParse(environmentId).success) {
    throw reject(
      'invalid-environment',
      'attribute "environment" must name the environment (a DNS-1123 label)',
      'attributes.environment',
    );
  }
  const env = await ctx.stores.environments.get(environmentId);
  if (!env || env.status === 'DELETING' || env.status === 'DELETED') {
    throw reject(
      'environment-not-found',
      `environment ${environmentId} does not exist or is being deleted`,
      'attributes.environment',
    );
  }
  let tenant;
  try {
    const document = decode(data.message.data);
    const rules = (document as { spec?: { egress?: unknown } } | null)?.spec?.egress;
    if (Array.isArray(rules) && rules.length > MAX_EGRESS_RULES) {
      throw reject(
        'too-many-egress-rules',
        `spec.egress has ${rules.length} rules; a tenant may have at most ${MAX_EGRESS_RULES}`,
        'spec.egress',
      );
    }
    tenant = parseTenant(document, env.spec);
  } catch (error) {
    if (!(error instanceof SpecValidationError)) throw error;
    throw new Rejection(error.errors.map(rejectionBody));
  }
  const mismatch = targetMismatch({
    reason: 'environment-mismatch',
    field: 'spec.environment',
    named: tenant.spec.environment,
    expected: environmentId,
    expectedBy: 'the message is for',
  });
  if (mismatch) throw new Rejection([mismatch]);
  const others = await ctx.stores.tenants.list(environmentId);
  if (others.filter((t) => t.id !== tenant.metadata.name).length >= MAX_TENANTS) {
    throw reject(
      'too-many-tenants',
      `environment ${environmentId} has ${MAX_TENANTS} tenants, the most it takes`,
      'attributes.environment',
    );
  }
  const problems = specSetProblems(
    env.spec,
    others.map((record) => record.spec),
    tenant,
  );
  if (problems.length > 0) throw new Rejection(problems.map(rejectionBody));
  const key = tenantRunKey(messageId, attributes.idempotencyKey);
  // A reused key is refused before anything is stored.
  const keyed = await ctx.stores.runs.get(runIdFor(key));
  if (keyed && keyed.requestHash !== specHash(tenant)) {
    throw reject(
      'idempotency-key-reused',
      `idempotencyKey was used for another document (run ${keyed.id})`,
      'attributes.idempotencyKey',
    );
  }
  const publishTime = data.message.publishTime;
  const stored = await ctx.stores.tenants.put(environmentId, tenant, {
    ...(publishTime && !Number.isNaN(Date.parse(publishTime)) ? { sourceTime: publishTime } : {}),
  });
  if (stored.stale) {
    throw reject(
      'stale-message',
      `the message was published at ${publishTime}, before the stored spec of tenant ${tenant.metadata.name} (${stored.record.sourceTime}); it does not replace it`,
      'message.publishTime',
    );
  }
  const started = await ctx.stores.runs.startRun({
    kind: 'tenants',
    environmentId,
    trigger: { type: 'pubsub', messageId, idempotencyKey: key },
    idempotencyKey: key,
    requestHash: specHash(tenant),
    leaseSeconds: ctx.config.leaseSeconds,
    onBusy: 'mark-dirty',
  });
  const base = { environment: environmentId, tenant: tenant.metadata.name };
  switch (started.outcome) {
    case 'coalesced':
      return { ...base, outcome: 'coalesced', runId: started.lease.holder };
    case 'key-reused':
      throw reject(
        'idempotency-key-reused',
        `idempotencyKey was used for another document (run ${started.run.id})`,
        'attributes.idempotencyKey',
      );
    case 'not-found':
      throw reject(
        'environment-not-found',
        `environment ${environmentId} does not exist`,
        'attributes.environment',
      );
    case 'busy':
    case 'refused':
      throw new Error(`unreachable: a tenants run answers no ${started.outcome}`);
    case 'created':
    case 'existing':
      await ensureExecutionStarted(ctx, started.run.id, environmentId);
      return { ...base, outcome: 'accepted', runId: started.run.id };
  }
}

/**
 * Longer than the function's timeout (60 s, deploy/manifest.ts), so a start still in flight is
 * never taken for a crashed one; a crashed start is retried by a redelivery after it.
 */
export const EXECUTION_START_TTL_SECONDS = 120;

/**
 * Starts the run's reconcile-tenants execution unless one is recorded (level-based: a redelivery
 * after a failed or crashed start starts it). Two concurrent deliveries of one message both see
 * the run without an execution: the transactional start claim lets one of them start it; the
 * other throws retryable, so its delivery comes back later and then finds the execution (or a
 * crashed start's claim expired, and starts it).
 */
async function ensureExecutionStarted(
  ctx: FunctionsContext,
  runId: string,
  environmentId: string,
): Promise<void> {
  const token = randomUUID();
  const claim = await ctx.stores.runs.claimExecutionStart(
    runId,
    token,
    EXECUTION_START_TTL_SECONDS,
  );
  if (!claim.start) {
    if ('inProgressUntil' in claim) {
      throw new RetryableError(
        'execution-start-in-progress',
        `another delivery is starting the execution of run ${runId} (its claim lasts until ${claim.inProgressUntil})`,
      );
    }
    // An execution is recorded, or the run ended (or vanished): nothing to start.
    return;
  }
  const argument: ReconcileTenantsArgument = { runId, environmentId };
  let name: string;
  try {
    name = await ctx.executions.start(ctx.config.reconcileWorkflow, argument);
  } catch (error) {
    // Not started: let the redelivery start it at once instead of after the claim's TTL.
    await ctx.stores.runs.releaseExecutionStart(runId, token);
    throw error;
  }
  const recorded = await ctx.stores.runs.setExecution(runId, name);
  if (!recorded.recorded) {
    // Our claim expired while the start hung and another start won: the execution we started
    // finds the run held by that one and returns as a duplicate without a step.
    console.warn(
      JSON.stringify({
        severity: 'WARNING',
        message: 'tenant-events: started a duplicate execution after a slow start; it will stop',
        runId,
        started: name,
        holder: recorded.executionName,
      }),
    );
  }
}

/**
 * `tenant-events` (CloudEvent, Pub/Sub messagePublished): a Tenant document (JSON or YAML,
 * base64 in message.data) with attributes `environment` and optional `idempotencyKey`.
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
  let record: MessageRecord;
  try {
    record = {
      id: messageId,
      topic: TENANT_EVENTS_TOPIC,
      receivedAt,
      ...(await accept(ctx, messageId, data)),
    };
  } catch (error) {
    if (!(error instanceof Rejection)) throw error;
    const [first, ...more] = error.errors;
    record = {
      id: messageId,
      topic: TENANT_EVENTS_TOPIC,
      receivedAt,
      outcome: 'rejected',
      ...(data.message.attributes?.environment
        ? { environment: data.message.attributes.environment }
        : {}),
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

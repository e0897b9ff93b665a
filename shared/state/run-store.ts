import { PermanentError, type ErrorBody } from '../errors.js';
import { specHash } from '../spec/hash.js';
import type {
  PendingOperation,
  RecordedStepStatus,
  StepName,
  StepOutputs,
} from '../core/step-contract.js';
import { TimestampValue, type DocumentBackend } from './backend.js';
import { plain, runIdFor } from './hash.js';
import type {
  Clock,
  ExecutionClaimResult,
  ExecutionStartResult,
  EnvironmentRecord,
  MessageRecord,
  NewMessageRecord,
  RunRecord,
  RunStore,
  StartRunRequest,
  StartRunResult,
  StepRecord,
  SweepOptions,
  SweepResult,
} from './types.js';
import { DEFAULT_ABANDONED_RUN_SECONDS } from './types.js';
import {
  envPath,
  expiryAfter,
  leaseLive,
  leaseUntil,
  messagePath,
  runPath,
  stepPath,
  stepsPath,
  withoutUndefined,
} from './documents.js';

/**
 * The execution id of a Workflows execution name: `projects/{project}/locations/{l}/workflows/
 * {w}/executions/{id}` names a project by id or by number depending on who wrote it (the
 * execution's own built-ins give the id, the Executions API may answer the number), so two
 * names of one execution compare by this last segment, unique per workflow.
 */
function executionIdOf(executionName: string): string {
  return executionName.slice(executionName.lastIndexOf('/') + 1);
}

/**
 * Whether two execution names (or bare ids) name one execution: the one comparison every holder
 * check uses (the stores' claims here, the functions' `assertExecutionHolder`).
 */
export function sameExecution(a: string, b: string): boolean {
  return executionIdOf(a) === executionIdOf(b);
}

function runEnded(run: RunRecord): run is RunRecord & { status: 'SUCCEEDED' | 'FAILED' } {
  return run.status === 'SUCCEEDED' || run.status === 'FAILED';
}

/** The claim answer a run record settles by itself; undefined when the run is free to claim. */
function claimFromRecord(run: RunRecord, executionName: string): ExecutionClaimResult | undefined {
  // An ended run is never driven again, not even by its own execution replayed late.
  if (runEnded(run)) return { claimed: false, ended: true, status: run.status };
  if (!run.executionName) return undefined;
  return sameExecution(run.executionName, executionName)
    ? { claimed: true }
    : { claimed: false, holder: run.executionName };
}

/** A run whose request was never published and whose execution was never started. */
function neverStarted(run: RunRecord): boolean {
  return run.status === 'PENDING' && !run.publishedAt && !run.executionName;
}

/**
 * Whether the run holding an environment's lease was abandoned by its starter, so a new run may
 * take the environment over at once (level-based repair, docs/architecture.md "Run state"):
 * never started, and its start claim (the starter's promise to publish or start it) has expired.
 * A run with no claim at all (a tenants run between its creation and its claim, a keyed run
 * whose publish failed, which the client's same-key retry re-drives) is taken over only once
 * its lease has expired too. A live claim is never taken over.
 */
export function abandonedAtStart(run: RunRecord, now: Date, leaseExpired: boolean): boolean {
  if (!neverStarted(run) || leaseLive(run.executionStart, now)) return false;
  return run.executionStart !== undefined || leaseExpired;
}

/** Since when a never-started run has been idle: its claim's expiry, or its last write. */
function idleSince(run: RunRecord): number {
  const updated = Date.parse(run.updatedAt);
  const claim = run.executionStart ? Date.parse(run.executionStart.expiresAt) : Number.NaN;
  return Number.isNaN(claim) ? updated : Math.max(updated, claim);
}

/** Whether the sweeper fails `run` at `now` ({@link RunStore.sweepAbandonedRuns}). */
export function abandonedForSweep(run: RunRecord, now: Date, idleSeconds: number): boolean {
  return (
    neverStarted(run) &&
    !leaseLive(run.executionStart, now) &&
    now.getTime() - idleSince(run) >= idleSeconds * 1000
  );
}

/** `run` failed as abandoned at `now`; `why` ends the message. */
function failedAbandoned(run: RunRecord, now: Date, why: string): RunRecord {
  const iso = now.toISOString();
  const { executionStart: claim, error: _previous, ...rest } = run;
  const error: ErrorBody = {
    kind: 'permanent',
    reason: 'abandoned',
    message:
      `run ${run.id} was never started: whoever recorded it stopped before publishing its request or starting its execution` +
      `${claim ? ` (its start claim expired at ${claim.expiresAt})` : ''}; ${why}`,
  };
  return { ...rest, status: 'FAILED', error, finishedAt: iso, updatedAt: iso };
}

/** The environment's status after its current run failed (as finalize sets it). */
const STATUS_AFTER_FAILURE: Record<RunRecord['kind'], EnvironmentRecord['status'] | undefined> = {
  provision: 'FAILED',
  teardown: 'FAILED',
  tenants: undefined,
};

/** The answer to a request whose run already exists: its replay, or a reuse of its key. */
function replayOf(run: RunRecord, requestHash: string): StartRunResult {
  return run.requestHash === requestHash
    ? { outcome: 'existing', run }
    : { outcome: 'key-reused', run };
}

/** Runs, their steps and execution claims, and the processed-message records. */
export class DocumentRunStore implements RunStore {
  constructor(
    private readonly db: DocumentBackend,
    private readonly clock: Clock,
    private readonly messageRetentionSeconds: number,
  ) {}

  async startRun(request: StartRunRequest): Promise<StartRunResult> {
    const runId = runIdFor(request.idempotencyKey);
    // A retried request usually finds its run without a transaction (and without contention).
    const known = request.idempotencyKey ? await this.db.get<RunRecord>(runPath(runId)) : undefined;
    if (known) return replayOf(known, request.requestHash);
    return this.db.transaction(async (tx): Promise<StartRunResult> => {
      const existing = await tx.get<RunRecord>(runPath(runId));
      if (existing) return replayOf(existing, request.requestHash);
      const env = await tx.get<EnvironmentRecord>(envPath(request.environmentId));
      const spec = request.spec ?? env?.spec;
      if (!spec) return { outcome: 'not-found' };
      const refused = request.precondition?.(env);
      if (refused) return { outcome: 'refused', error: refused };
      const now = this.clock.now();
      // A holder whose starter crashed before starting it never runs: take the environment over.
      let abandoned: RunRecord | undefined;
      if (env?.lease && env.lease.holder !== runId) {
        const holder = await tx.get<RunRecord>(runPath(env.lease.holder));
        if (holder && abandonedAtStart(holder, now, !leaseLive(env.lease, now))) abandoned = holder;
      }
      if (env && leaseLive(env.lease, now) && env.lease.holder !== runId && !abandoned) {
        if (request.onBusy === 'mark-dirty') {
          tx.set(envPath(request.environmentId), {
            ...env,
            dirty: true,
            updatedAt: now.toISOString(),
          });
          return { outcome: 'coalesced', lease: env.lease };
        }
        return { outcome: 'busy', lease: env.lease };
      }
      const iso = now.toISOString();
      const creator = !env || env.status === 'DELETED' ? request.caller : env.createdBy;
      const environment: EnvironmentRecord = {
        id: request.environmentId,
        outputs: env?.outputs ?? {},
        ...(creator ? { createdBy: creator } : {}),
        createdAt: env?.createdAt ?? iso,
        spec,
        specHash: specHash(spec),
        status: request.environmentStatus ?? env?.status ?? 'PROVISIONING',
        currentRun: runId,
        lease: leaseUntil(runId, now, request.leaseSeconds),
        // The new run reconciles everything, so earlier coalesced events are covered.
        dirty: false,
        updatedAt: iso,
      };
      const run: RunRecord = {
        id: runId,
        kind: request.kind,
        environment: request.environmentId,
        trigger: withoutUndefined(request.trigger),
        requestHash: request.requestHash,
        status: 'PENDING',
        ...(request.executionStart
          ? {
              executionStart: {
                token: request.executionStart.token,
                expiresAt: expiryAfter(now, request.executionStart.ttlSeconds),
              },
            }
          : {}),
        createdAt: iso,
        updatedAt: iso,
      };
      if (abandoned) {
        tx.set(
          runPath(abandoned.id),
          failedAbandoned(
            abandoned,
            now,
            `run ${runId} took environment ${request.environmentId} over`,
          ),
        );
      }
      tx.set(envPath(request.environmentId), environment);
      tx.set(runPath(runId), run);
      return {
        outcome: 'created',
        run: plain(run),
        environment: plain(environment),
        ...(abandoned ? { abandonedRun: abandoned.id } : {}),
      };
    });
  }

  async get(runId: string) {
    return this.db.get<RunRecord>(runPath(runId));
  }

  async listByEnvironment(environmentId: string, limit = 20) {
    return this.db.list<RunRecord>('runs', {
      where: { field: 'environment', equals: environmentId },
      orderBy: { field: 'createdAt', direction: 'desc' },
      limit,
    });
  }

  /**
   * Records `executionName` on a run unless `settle` answers from the record. What `settle`
   * answers from (a recorded execution, the end of a run) never changes once set, so a plain
   * read that settles skips the transaction and its contention with the starter's write; the
   * transaction settles again on its own read before writing.
   */
  private async recordExecution<R>(
    runId: string,
    executionName: string,
    settle: (run: RunRecord | undefined) => R | undefined,
    recorded: R,
  ): Promise<R> {
    const settled = settle(await this.db.get<RunRecord>(runPath(runId)));
    if (settled !== undefined) return settled;
    return this.db.transaction(async (tx) => {
      const run = await tx.get<RunRecord>(runPath(runId));
      const decided = settle(run);
      if (decided !== undefined || !run) return decided ?? recorded;
      // The execution exists now, so its start claim has done its job.
      const { executionStart: _started, ...rest } = run;
      tx.set(runPath(runId), {
        ...rest,
        executionName,
        updatedAt: this.clock.now().toISOString(),
      });
      return recorded;
    });
  }

  async setExecution(runId: string, executionName: string) {
    return this.recordExecution<{ recorded: boolean; executionName?: string }>(
      runId,
      executionName,
      (run) => {
        if (!run) return { recorded: false };
        if (!run.executionName) return undefined;
        return {
          recorded: sameExecution(run.executionName, executionName),
          executionName: run.executionName,
        };
      },
      { recorded: true, executionName },
    );
  }

  async claimExecution(runId: string, executionName: string): Promise<ExecutionClaimResult> {
    return this.recordExecution<ExecutionClaimResult>(
      runId,
      executionName,
      (run) => (run ? claimFromRecord(run, executionName) : { claimed: false, notFound: true }),
      { claimed: true },
    );
  }

  async claimExecutionStart(
    runId: string,
    token: string,
    ttlSeconds: number,
  ): Promise<ExecutionStartResult> {
    return this.db.transaction(async (tx): Promise<ExecutionStartResult> => {
      const run = await tx.get<RunRecord>(runPath(runId));
      if (!run) return { start: false, notFound: true };
      if (runEnded(run)) return { start: false, ended: true };
      if (run.executionName) return { start: false, executionName: run.executionName };
      const now = this.clock.now();
      const claim = run.executionStart;
      if (leaseLive(claim, now) && claim.token !== token) {
        return { start: false, inProgressUntil: claim.expiresAt };
      }
      tx.set(runPath(runId), {
        ...run,
        executionStart: { token, expiresAt: expiryAfter(now, ttlSeconds) },
        updatedAt: now.toISOString(),
      });
      return { start: true };
    });
  }

  async releaseExecutionStart(runId: string, token: string) {
    await this.db.transaction(async (tx) => {
      const run = await tx.get<RunRecord>(runPath(runId));
      if (run?.executionStart?.token !== token) return;
      const { executionStart: _released, ...rest } = run;
      tx.set(runPath(runId), { ...rest, updatedAt: this.clock.now().toISOString() });
    });
  }

  async sweepAbandonedRuns(options: SweepOptions = {}): Promise<SweepResult> {
    const idleSeconds = options.idleSeconds ?? DEFAULT_ABANDONED_RUN_SECONDS;
    // One equality filter, no order: Firestore's automatic single-field index serves it.
    const pending = await this.db.list<RunRecord>('runs', {
      where: { field: 'status', equals: 'PENDING' },
      limit: options.scan ?? 500,
    });
    const candidates = pending
      .filter((run) => abandonedForSweep(run, this.clock.now(), idleSeconds))
      .slice(0, options.limit ?? 100);
    const swept: string[] = [];
    for (const candidate of candidates) {
      const failed = await this.db.transaction(async (tx) => {
        const run = await tx.get<RunRecord>(runPath(candidate.id));
        const now = this.clock.now();
        // Checked again: a retry or a redelivery may have started it since the query.
        if (!run || !abandonedForSweep(run, now, idleSeconds)) return false;
        const env = await tx.get<EnvironmentRecord>(envPath(run.environment));
        tx.set(runPath(run.id), failedAbandoned(run, now, 'failed by the sweeper'));
        if (env) {
          const holds = env.lease?.holder === run.id;
          const status = env.currentRun === run.id ? STATUS_AFTER_FAILURE[run.kind] : undefined;
          if (holds || status) {
            const { lease, ...rest } = env;
            tx.set(envPath(env.id), {
              ...rest,
              ...(holds || !lease ? {} : { lease }),
              ...(status ? { status } : {}),
              updatedAt: now.toISOString(),
            });
          }
        }
        return true;
      });
      if (failed) swept.push(candidate.id);
    }
    return { swept, examined: pending.length };
  }

  async markPublished(runId: string) {
    const now = this.clock.now().toISOString();
    return this.db.updateFields(runPath(runId), [
      { path: ['publishedAt'], value: now },
      { path: ['updatedAt'], value: now },
    ]);
  }

  async markRunning(runId: string) {
    const now = this.clock.now().toISOString();
    await this.db.updateFields(runPath(runId), [
      { path: ['status'], value: 'RUNNING' },
      { path: ['startedAt'], value: now },
      { path: ['updatedAt'], value: now },
    ]);
  }

  async finish(runId: string, status: 'SUCCEEDED' | 'FAILED', error?: ErrorBody) {
    return this.db.transaction(async (tx) => {
      const run = await tx.get<RunRecord>(runPath(runId));
      if (!run) return undefined;
      const now = this.clock.now().toISOString();
      const { error: _previous, ...rest } = run;
      const next: RunRecord = {
        ...rest,
        status,
        ...(error ? { error } : {}),
        finishedAt: now,
        updatedAt: now,
      };
      tx.set(runPath(runId), next);
      return plain(next);
    });
  }

  async getStep(runId: string, step: StepName) {
    return this.db.get<StepRecord>(stepPath(runId, step));
  }

  async listSteps(runId: string) {
    return this.db.list<StepRecord>(stepsPath(runId));
  }

  async beginStep(runId: string, step: StepName) {
    return this.db.transaction(async (tx) => {
      const before = await tx.get<StepRecord>(stepPath(runId, step));
      const now = this.clock.now().toISOString();
      const after: StepRecord = withoutUndefined({
        ...before,
        step,
        status: 'RUNNING',
        attempts: (before?.attempts ?? 0) + 1,
        startedAt: before?.startedAt ?? now,
        finishedAt: undefined,
        updatedAt: now,
      });
      tx.set(stepPath(runId, step), after);
      return before ? { before, after } : { after };
    });
  }

  /**
   * Moves a step to `status`, keeping its attempts and start time; `fields` says what else the
   * new record holds, and an ending status also stamps `finishedAt`.
   */
  private async transition(
    runId: string,
    step: StepName,
    status: Exclude<RecordedStepStatus, 'RUNNING'>,
    fields: (before: StepRecord | undefined) => Partial<StepRecord>,
  ) {
    return this.db.transaction(async (tx) => {
      const before = await tx.get<StepRecord>(stepPath(runId, step));
      const now = this.clock.now().toISOString();
      const after = withoutUndefined({
        step,
        attempts: before?.attempts ?? 1,
        startedAt: before?.startedAt ?? now,
        status,
        ...fields(before),
        ...(status === 'PENDING' ? {} : { finishedAt: now }),
        updatedAt: now,
      });
      tx.set(stepPath(runId, step), after);
      return after;
    });
  }

  async completeStep(runId: string, step: StepName, outputs: StepOutputs) {
    return this.transition(runId, step, 'DONE', () => ({ outputs }));
  }

  async waitStep(
    runId: string,
    step: StepName,
    details: { operation?: PendingOperation; error?: ErrorBody },
  ) {
    return this.transition(runId, step, 'PENDING', (before) => ({
      operation: details.operation ?? before?.operation,
      error: details.error,
    }));
  }

  async failStep(runId: string, step: StepName, error: ErrorBody) {
    return this.transition(runId, step, 'FAILED', (before) => ({
      operation: before?.operation,
      error,
    }));
  }

  async recordMessage(record: NewMessageRecord) {
    const receivedAt = Date.parse(record.receivedAt);
    if (Number.isNaN(receivedAt)) {
      throw new PermanentError('invalid-field', 'receivedAt must be an ISO-8601 date-time', {
        field: 'receivedAt',
      });
    }
    // A Timestamp, not a string: Firestore's TTL policy ignores documents whose field is not one.
    const expireAt = new TimestampValue(new Date(receivedAt + this.messageRetentionSeconds * 1000));
    const { expireAt: _ignored, ...fields } = plain(record as MessageRecord);
    return {
      firstTime: await this.db.create(messagePath(record.id), { ...fields, expireAt }),
    };
  }

  async getMessage(id: string) {
    return this.db.get<MessageRecord>(messagePath(id));
  }
}

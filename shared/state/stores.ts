import { PermanentError, type ErrorBody } from '../errors.js';
import { specHash } from '../spec/hash.js';
import type { Tenant } from '../spec/tenant.js';
import type { PendingOperation, StepName, StepOutputs } from '../steps/contract.js';
import { TimestampValue, type DocumentBackend } from './backend.js';
import { plain, runIdFor } from './hash.js';
import { DEFAULT_MESSAGE_RETENTION_SECONDS } from './types.js';
import type {
  ClaimResult,
  Clock,
  ExecutionClaimResult,
  ExecutionStartResult,
  EnvironmentRecord,
  EnvironmentStatus,
  EnvironmentStore,
  Lease,
  LeaseResult,
  MessageRecord,
  NewMessageRecord,
  RunRecord,
  RunStore,
  StartRunRequest,
  StartRunResult,
  StateStores,
  StepRecord,
  StoreOptions,
  TenantRecord,
  TenantStatus,
  TenantStore,
} from './types.js';

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

const envPath = (id: string) => `environments/${assertDocumentId(id, 'environment')}`;
const tenantsPath = (env: string) => `${envPath(env)}/tenants`;
const tenantPath = (env: string, tenant: string) =>
  `${tenantsPath(env)}/${assertDocumentId(tenant, 'tenant')}`;
const runPath = (id: string) => `runs/${assertDocumentId(id, 'runId')}`;
const stepsPath = (run: string) => `${runPath(run)}/steps`;
const stepPath = (run: string, step: StepName) => `${stepsPath(run)}/${step}`;
const messagePath = (id: string) => `messages/${assertDocumentId(id, 'messageId')}`;

/** Whether a time-limited claim (a lease, an execution start) still holds at `now`. */
function leaseLive<T extends { expiresAt: string }>(lease: T | undefined, now: Date): lease is T {
  return lease !== undefined && Date.parse(lease.expiresAt) > now.getTime();
}

function expiryAfter(now: Date, ttlSeconds: number): string {
  return new Date(now.getTime() + ttlSeconds * 1000).toISOString();
}

function leaseUntil(holder: string, now: Date, ttlSeconds: number): Lease {
  return { holder, expiresAt: expiryAfter(now, ttlSeconds) };
}

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

/** Drops optional fields explicitly set to undefined (a "clear this field" in our updates). */
function withoutUndefined<T extends object>(value: T): T {
  return plain(value);
}

/** The answer to a request whose run already exists: its replay, or a reuse of its key. */
function replayOf(run: RunRecord, requestHash: string): StartRunResult {
  return run.requestHash === requestHash
    ? { outcome: 'existing', run }
    : { outcome: 'key-reused', run };
}

class DocumentEnvironmentStore implements EnvironmentStore {
  constructor(
    private readonly db: DocumentBackend,
    private readonly clock: Clock,
  ) {}

  async get(id: string) {
    return this.db.get<EnvironmentRecord>(envPath(id));
  }

  async list() {
    return this.db.list<EnvironmentRecord>('environments');
  }

  async update(id: string, patch: { status?: EnvironmentStatus; currentRun?: string }) {
    return this.db.transaction(async (tx) => {
      const env = await tx.get<EnvironmentRecord>(envPath(id));
      if (!env) return undefined;
      const next: EnvironmentRecord = {
        ...env,
        ...withoutUndefined(patch),
        updatedAt: this.clock.now().toISOString(),
      };
      tx.set(envPath(id), next);
      return next;
    });
  }

  async mergeOutputs(id: string, step: StepName, outputs: StepOutputs) {
    // A field update, not a read-modify-write: parallel steps never overwrite each other.
    const found = await this.db.updateFields(envPath(id), [
      { path: ['outputs', step], value: plain(outputs) },
      { path: ['updatedAt'], value: this.clock.now().toISOString() },
    ]);
    if (!found) throw new PermanentError('not-found', `environment ${id} does not exist`);
  }

  async acquireLease(id: string, holder: string, ttlSeconds: number): Promise<LeaseResult> {
    return this.db.transaction(async (tx) => {
      const env = await tx.get<EnvironmentRecord>(envPath(id));
      if (!env) throw new PermanentError('not-found', `environment ${id} does not exist`);
      const now = this.clock.now();
      if (leaseLive(env.lease, now) && env.lease.holder !== holder) {
        return { acquired: false, lease: env.lease };
      }
      const stolenFrom = env.lease && env.lease.holder !== holder ? env.lease.holder : undefined;
      const lease = leaseUntil(holder, now, ttlSeconds);
      tx.set(envPath(id), { ...env, lease, updatedAt: now.toISOString() });
      return stolenFrom ? { acquired: true, lease, stolenFrom } : { acquired: true, lease };
    });
  }

  async renewLease(id: string, holder: string, ttlSeconds: number) {
    return this.db.transaction(async (tx) => {
      const env = await tx.get<EnvironmentRecord>(envPath(id));
      if (!env || env.lease?.holder !== holder) return false;
      const now = this.clock.now();
      tx.set(envPath(id), {
        ...env,
        lease: leaseUntil(holder, now, ttlSeconds),
        updatedAt: now.toISOString(),
      });
      return true;
    });
  }

  async releaseLease(id: string, holder: string) {
    return this.db.transaction(async (tx) => {
      const env = await tx.get<EnvironmentRecord>(envPath(id));
      if (!env || env.lease?.holder !== holder) return false;
      const { lease: _released, ...rest } = env;
      tx.set(envPath(id), { ...rest, updatedAt: this.clock.now().toISOString() });
      return true;
    });
  }

  async acquireLeaseOrMarkDirty(
    id: string,
    holder: string,
    ttlSeconds: number,
  ): Promise<ClaimResult> {
    return this.db.transaction(async (tx) => {
      const env = await tx.get<EnvironmentRecord>(envPath(id));
      if (!env) return { acquired: false, notFound: true };
      const now = this.clock.now();
      if (leaseLive(env.lease, now) && env.lease.holder !== holder) {
        tx.set(envPath(id), { ...env, dirty: true, updatedAt: now.toISOString() });
        return { acquired: false, lease: env.lease, markedDirty: true };
      }
      const lease = leaseUntil(holder, now, ttlSeconds);
      // The new holder reconciles the full desired set: earlier dirt is covered by it.
      tx.set(envPath(id), { ...env, lease, dirty: false, updatedAt: now.toISOString() });
      return { acquired: true, lease };
    });
  }

  async completePass(id: string, holder: string) {
    return this.db.transaction(async (tx) => {
      const env = await tx.get<EnvironmentRecord>(envPath(id));
      if (!env || env.lease?.holder !== holder) return { again: false, held: false };
      const now = this.clock.now().toISOString();
      if (env.dirty) {
        tx.set(envPath(id), { ...env, dirty: false, updatedAt: now });
        return { again: true, held: true };
      }
      const { lease: _released, ...rest } = env;
      tx.set(envPath(id), { ...rest, updatedAt: now });
      return { again: false, held: true };
    });
  }
}

class DocumentTenantStore implements TenantStore {
  constructor(
    private readonly db: DocumentBackend,
    private readonly clock: Clock,
  ) {}

  async get(environmentId: string, tenantId: string) {
    return this.db.get<TenantRecord>(tenantPath(environmentId, tenantId));
  }

  async list(environmentId: string) {
    return this.db.list<TenantRecord>(tenantsPath(environmentId));
  }

  async put(environmentId: string, tenant: Tenant) {
    const path = tenantPath(environmentId, tenant.metadata.name);
    const hash = specHash(tenant);
    return this.db.transaction(async (tx) => {
      const existing = await tx.get<TenantRecord>(path);
      if (existing && existing.specHash === hash) return { record: existing, changed: false };
      const now = this.clock.now().toISOString();
      const record: TenantRecord = {
        id: tenant.metadata.name,
        environment: environmentId,
        spec: tenant,
        specHash: hash,
        generation: (existing?.generation ?? 0) + 1,
        status: 'PENDING',
        ...(existing?.lastAppliedHash ? { lastAppliedHash: existing.lastAppliedHash } : {}),
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
      };
      tx.set(path, record);
      return { record: plain(record), changed: true };
    });
  }

  async setStatus(
    environmentId: string,
    tenantId: string,
    status: TenantStatus,
    details: { lastAppliedHash?: string; error?: ErrorBody; ifSpecHash?: string } = {},
  ) {
    const path = tenantPath(environmentId, tenantId);
    await this.db.transaction(async (tx) => {
      const existing = await tx.get<TenantRecord>(path);
      if (!existing) throw new PermanentError('not-found', `tenant ${tenantId} does not exist`);
      const { ifSpecHash, ...fields } = details;
      // A newer spec arrived since the caller read it: its outcome says nothing about the new one.
      if (ifSpecHash !== undefined && ifSpecHash !== existing.specHash) return;
      const { error: _previous, ...rest } = existing;
      tx.set(path, {
        ...rest,
        status,
        ...withoutUndefined(fields),
        updatedAt: this.clock.now().toISOString(),
      });
    });
  }
}

class DocumentRunStore implements RunStore {
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
      const now = this.clock.now();
      if (env && leaseLive(env.lease, now) && env.lease.holder !== runId) {
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
      const environment: EnvironmentRecord = {
        id: request.environmentId,
        outputs: env?.outputs ?? {},
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
        createdAt: iso,
        updatedAt: iso,
      };
      tx.set(envPath(request.environmentId), environment);
      tx.set(runPath(runId), run);
      return { outcome: 'created', run: plain(run), environment: plain(environment) };
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

  private async transition(
    runId: string,
    step: StepName,
    change: (before: StepRecord | undefined, now: string) => StepRecord,
  ) {
    return this.db.transaction(async (tx) => {
      const before = await tx.get<StepRecord>(stepPath(runId, step));
      const after = withoutUndefined(change(before, this.clock.now().toISOString()));
      tx.set(stepPath(runId, step), after);
      return after;
    });
  }

  async completeStep(runId: string, step: StepName, outputs: StepOutputs) {
    return this.transition(runId, step, (before, now) => ({
      step,
      attempts: before?.attempts ?? 1,
      startedAt: before?.startedAt ?? now,
      status: 'DONE',
      outputs,
      finishedAt: now,
      updatedAt: now,
    }));
  }

  async waitStep(
    runId: string,
    step: StepName,
    details: { operation?: PendingOperation; error?: ErrorBody },
  ) {
    return this.transition(runId, step, (before, now) => ({
      step,
      attempts: before?.attempts ?? 1,
      startedAt: before?.startedAt ?? now,
      status: 'PENDING',
      operation: details.operation ?? before?.operation,
      error: details.error,
      updatedAt: now,
    }));
  }

  async failStep(runId: string, step: StepName, error: ErrorBody) {
    return this.transition(runId, step, (before, now) => ({
      step,
      attempts: before?.attempts ?? 1,
      startedAt: before?.startedAt ?? now,
      status: 'FAILED',
      operation: before?.operation,
      error,
      finishedAt: now,
      updatedAt: now,
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

/** The three stores over any {@link DocumentBackend}; the semantics live here, once. */
export function createStores(
  backend: DocumentBackend,
  clock: Clock,
  options: StoreOptions = {},
): StateStores {
  const messageRetentionSeconds =
    options.messageRetentionSeconds ?? DEFAULT_MESSAGE_RETENTION_SECONDS;
  if (!Number.isInteger(messageRetentionSeconds) || messageRetentionSeconds <= 0) {
    throw new PermanentError(
      'invalid-option',
      'messageRetentionSeconds must be a positive whole number of seconds',
      { field: 'messageRetentionSeconds' },
    );
  }
  return {
    environments: new DocumentEnvironmentStore(backend, clock),
    tenants: new DocumentTenantStore(backend, clock),
    runs: new DocumentRunStore(backend, clock, messageRetentionSeconds),
  };
}

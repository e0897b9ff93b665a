import type { ErrorBody } from '../errors.js';
import type { Environment } from '../spec/environment.js';
import type { Tenant } from '../spec/tenant.js';
import type {
  PendingOperation,
  RecordedStepStatus,
  StepName,
  StepOutputs,
} from '../core/step-contract.js';

/** Source of the current time; injected so lease expiry is testable without waiting. */
export interface Clock {
  now(): Date;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => new Date() };

/** Lifecycle of an environment (docs/architecture.md "Run state"). */
export type EnvironmentStatus = 'PROVISIONING' | 'READY' | 'FAILED' | 'DELETING' | 'DELETED';

/** Who works on an environment right now, and until when unless renewed. */
export interface Lease {
  /** The run id holding the lease. */
  holder: string;
  /** ISO-8601 instant after which another run may steal the lease. */
  expiresAt: string;
}

/** Outputs of the steps of an environment, kept across runs so a tenants run sees the cluster's. */
export type OutputsByStep = Partial<Record<StepName, StepOutputs>>;

/** `environments/{id}`. */
export interface EnvironmentRecord {
  id: string;
  spec: Environment;
  /** sha256 of the canonical JSON of `spec`. */
  specHash: string;
  status: EnvironmentStatus;
  outputs: OutputsByStep;
  /** The run that last started on this environment. */
  currentRun?: string;
  lease?: Lease;
  /**
   * Set when a tenant event arrived while a run held the lease: the running execution
   * reconciles tenants once more before it releases the lease, so a burst coalesces.
   */
  dirty: boolean;
  /**
   * The principal (`user:EMAIL`, `serviceAccount:EMAIL`) whose request created the environment
   * (or created it anew after it was DELETED): an admin with `spec.admins`. Absent on records
   * written before it was recorded.
   */
  createdBy?: string;
  createdAt: string;
  updatedAt: string;
}

/** Lifecycle of a tenant inside its environment. */
export type TenantStatus = 'PENDING' | 'APPLIED' | 'FAILED' | 'REMOVED';

/** `environments/{env}/tenants/{id}`. */
export interface TenantRecord {
  id: string;
  environment: string;
  spec: Tenant;
  specHash: string;
  /** Incremented each time the stored spec changes (not when an identical spec is re-sent). */
  generation: number;
  /**
   * When the source of the stored spec was made (a Pub/Sub message's publishTime): an older
   * source never replaces it ({@link TenantStore.put}, outcome `stale`).
   */
  sourceTime?: string;
  status: TenantStatus;
  /** The spec hash the last successful tenants step applied. */
  lastAppliedHash?: string;
  error?: ErrorBody;
  createdAt: string;
  updatedAt: string;
}

/** What a run does to its environment. */
export type RunKind = 'provision' | 'teardown' | 'tenants';

/** Lifecycle of a run. */
export type RunStatus = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';

/** What started a run. */
export interface RunTrigger {
  type: 'http' | 'pubsub' | 'build';
  /** Pub/Sub message id when `type` is `pubsub`. */
  messageId?: string;
  /** Cloud Build id when `type` is `build`. */
  buildId?: string;
  /** The client's Idempotency-Key, when it sent one. */
  idempotencyKey?: string;
  /** The authenticated caller (`user:EMAIL`, `serviceAccount:EMAIL`) of an HTTP request. */
  caller?: string;
}

/** `runs/{id}`; its steps live in the subcollection `runs/{id}/steps/{step}`. */
export interface RunRecord {
  id: string;
  kind: RunKind;
  environment: string;
  trigger: RunTrigger;
  /** Hash of the request that created the run: a reused idempotency key must carry the same. */
  requestHash: string;
  status: RunStatus;
  /**
   * The Workflows execution that drives this run: set by the first execution that claims the run
   * ({@link RunStore.claimExecution}) or by whoever started it ({@link RunStore.setExecution}).
   */
  executionName?: string;
  /** A start of the run's execution in flight ({@link RunStore.claimExecutionStart}). */
  executionStart?: ExecutionStartClaim;
  /**
   * When the request that drives the run was published (`environment-requests`): a same-key
   * retry of a run never published (a crash, a failed publish) publishes it again instead of
   * replaying it ({@link RunStore.markPublished}).
   */
  publishedAt?: string;
  error?: ErrorBody;
  createdAt: string;
  updatedAt: string;
  startedAt?: string;
  finishedAt?: string;
}

/** Who is starting a run's execution, since when: a crashed start is retried after its TTL. */
export interface ExecutionStartClaim {
  /** Random per attempt, so two deliveries of one message are told apart. */
  token: string;
  /** ISO-8601 instant after which another attempt may start the execution. */
  expiresAt: string;
}

/**
 * Outcome of {@link RunStore.claimExecution}: one execution drives a run; a duplicate (a second
 * Eventarc delivery of one request) is told who holds the run, or that the run has ended.
 */
export type ExecutionClaimResult =
  | { claimed: true }
  | { claimed: false; holder: string }
  | { claimed: false; ended: true; status: 'SUCCEEDED' | 'FAILED' }
  | { claimed: false; notFound: true };

/** Outcome of {@link RunStore.claimExecutionStart}. */
export type ExecutionStartResult =
  /** The caller starts the execution, then records it with setExecution (or releases). */
  | { start: true }
  /** An execution was already recorded: nothing to start. */
  | { start: false; executionName: string }
  /** Another attempt is starting it and its claim has not expired: try again later. */
  | { start: false; inProgressUntil: string }
  | { start: false; ended: true }
  | { start: false; notFound: true };

/** `runs/{run}/steps/{step}`. */
export interface StepRecord {
  step: StepName;
  /** RUNNING while a call is in flight; PENDING while waiting on an operation or a retry. */
  status: RecordedStepStatus;
  /** How many times the step function was called in this run. */
  attempts: number;
  operation?: PendingOperation;
  outputs?: StepOutputs;
  /** The last error: for PENDING the retryable one that will be retried, for FAILED the cause. */
  error?: ErrorBody;
  startedAt: string;
  finishedAt?: string;
  updatedAt: string;
}

/** A request to start a run, atomically claiming its environment. */
export interface StartRunRequest {
  kind: RunKind;
  environmentId: string;
  /** The spec to store on the environment; required to create one, absent for teardown. */
  spec?: Environment;
  /** Status the environment takes when the run starts (PROVISIONING, DELETING...). */
  environmentStatus?: EnvironmentStatus;
  trigger: RunTrigger;
  /** Same key → same run. Without one, every request creates a run. */
  idempotencyKey?: string;
  /** Hash of the request body; compared when an idempotency key is reused. */
  requestHash: string;
  /** Lease time to live, renewed by each step call. */
  leaseSeconds: number;
  /**
   * The caller's principal: recorded as `createdBy` when the run creates the environment (none
   * stored, or stored DELETED); ignored otherwise.
   */
  caller?: string;
  /**
   * Checked in the transaction against the environment as stored (absent: none yet): an error
   * refuses the run (outcome `refused`) and nothing is written.
   */
  precondition?: (stored: EnvironmentRecord | undefined) => ErrorBody | undefined;
  /**
   * The creator's claim on starting the run's execution (here: publishing its request), written
   * with the run, so a concurrent same-key retry waits for it instead of publishing too.
   */
  executionStart?: { token: string; ttlSeconds: number };
  /**
   * What to do when another run holds the lease: `refuse` (default, outcome `busy`) or
   * `mark-dirty` (outcome `coalesced`: the running one reconciles once more before it ends).
   */
  onBusy?: 'refuse' | 'mark-dirty';
}

/** Outcome of {@link RunStore.startRun}. */
export type StartRunResult =
  | {
      outcome: 'created';
      run: RunRecord;
      environment: EnvironmentRecord;
      /**
       * The run that held the environment but was abandoned (its starter crashed before its
       * request was published or its execution started, and its start claim expired): failed
       * `abandoned` in the same transaction ({@link abandonedAtStart}).
       */
      abandonedRun?: string;
    }
  /** The idempotency key was seen before with the same request: the earlier run. */
  | { outcome: 'existing'; run: RunRecord }
  /** The idempotency key was seen before with a different request. */
  | { outcome: 'key-reused'; run: RunRecord }
  /** Another run holds an unexpired lease on the environment. */
  | { outcome: 'busy'; lease: Lease }
  /** Another run holds the lease; the environment was marked dirty (`onBusy: 'mark-dirty'`). */
  | { outcome: 'coalesced'; lease: Lease }
  /** Teardown (or a run without a spec) of an environment that does not exist. */
  | { outcome: 'not-found' }
  /** The request's precondition refused the environment as stored; nothing was written. */
  | { outcome: 'refused'; error: ErrorBody };

/**
 * How long a never-started run may sit idle (its start claim expired, or its last write when it
 * has none) before the sweeper fails it: room for the repairs that come first (a client's
 * same-key retry, a Pub/Sub redelivery of a tenant event), short enough that nothing stays
 * PENDING for long. Five minutes.
 */
export const DEFAULT_ABANDONED_RUN_SECONDS = 300;

/** Options of {@link RunStore.sweepAbandonedRuns}. */
export interface SweepOptions {
  /** Idle time before a never-started run is failed; default {@link DEFAULT_ABANDONED_RUN_SECONDS}. */
  idleSeconds?: number;
  /** The most runs failed in one sweep (default 100); the next sweep takes the rest. */
  limit?: number;
  /** The most PENDING runs read in one sweep (default 500). */
  scan?: number;
}

/** Outcome of {@link RunStore.sweepAbandonedRuns}. */
export interface SweepResult {
  /** Ids of the runs failed `abandoned` by this sweep. */
  swept: string[];
  /** How many PENDING runs the sweep read. */
  examined: number;
}

/** Outcome of a lease acquisition. */
export type LeaseResult =
  { acquired: true; lease: Lease; stolenFrom?: string } | { acquired: false; lease: Lease };

/** Outcome of {@link EnvironmentStore.acquireLeaseOrMarkDirty}. */
export type ClaimResult =
  | { acquired: true; lease: Lease }
  /** Another run works on the environment: it has been marked dirty to reconcile again. */
  | { acquired: false; lease: Lease; markedDirty: true }
  | { acquired: false; notFound: true };

/** A recorded Pub/Sub message, for deduplication by message id. */
export interface MessageRecord {
  id: string;
  topic: string;
  /** `unchanged`: the tenant was already applied as the message asks; no run was started. */
  outcome: 'accepted' | 'rejected' | 'coalesced' | 'unchanged';
  environment?: string;
  tenant?: string;
  runId?: string;
  error?: ErrorBody;
  /** Every field error of a rejected document. */
  errors?: ErrorBody[];
  receivedAt: string;
  /**
   * ISO-8601 instant after which the record may be deleted, past the last moment Pub/Sub could
   * redeliver the message: `receivedAt` + {@link StoreOptions.messageRetentionSeconds}. Set by the
   * store, which writes it as a native timestamp (Firestore's TTL policy on `messages.expireAt`
   * deletes the record). Absent on records written before it existed, which TTL never deletes.
   */
  expireAt?: string;
}

/** A message record as its receiver hands it to the store, which adds `expireAt`. */
export type NewMessageRecord = Omit<MessageRecord, 'expireAt'>;

/**
 * How long a message record must outlive its message: Pub/Sub retains a message for at most 31
 * days after publication ("Subscription properties", message retention duration: default 7
 * days, maximum 31 days; a seek replays only within it; the Eventarc-created subscription keeps
 * 24 hours). One more day covers clock skew between Pub/Sub and the receiver. 32 days, in seconds.
 */
export const DEFAULT_MESSAGE_RETENTION_SECONDS = 32 * 24 * 60 * 60;

/** Settings of the stores that are not data. */
export interface StoreOptions {
  /**
   * Seconds a message record is kept after `receivedAt` for deduplication; must be at least
   * Pub/Sub's message retention of the subscriptions that deliver to the receiver. Default
   * {@link DEFAULT_MESSAGE_RETENTION_SECONDS}.
   */
  messageRetentionSeconds?: number;
}

/** `environments/{id}`: specs, status, outputs, and the lease that serializes runs. */
export interface EnvironmentStore {
  get(id: string): Promise<EnvironmentRecord | undefined>;
  list(): Promise<EnvironmentRecord[]>;
  /** Sets status and/or currentRun; no-op for an unknown environment (returns undefined). */
  update(
    id: string,
    patch: { status?: EnvironmentStatus; currentRun?: string },
  ): Promise<EnvironmentRecord | undefined>;
  /** Stores one step's outputs without touching the others' (no lost update). */
  mergeOutputs(id: string, step: StepName, outputs: StepOutputs): Promise<void>;
  /**
   * Takes the lease for `holder` when it is free, expired (then stolen), or already held by
   * `holder` (then renewed). Never takes an unexpired lease from another holder.
   */
  acquireLease(id: string, holder: string, ttlSeconds: number): Promise<LeaseResult>;
  /** Extends the lease if `holder` still holds it (even if expired and not yet stolen). */
  renewLease(id: string, holder: string, ttlSeconds: number): Promise<boolean>;
  /** Drops the lease if `holder` holds it. */
  releaseLease(id: string, holder: string): Promise<boolean>;
  /**
   * Atomically: take the lease for `holder`, or, when another run holds it, mark the
   * environment dirty so that run reconciles once more (coalescing a burst of tenant events).
   */
  acquireLeaseOrMarkDirty(id: string, holder: string, ttlSeconds: number): Promise<ClaimResult>;
  /**
   * Ends a reconcile pass of `holder`: when dirty, clears the flag and keeps the lease
   * (`again: true`, reconcile once more); otherwise releases the lease (`again: false`).
   */
  completePass(id: string, holder: string): Promise<{ again: boolean; held: boolean }>;
}

/** `environments/{env}/tenants/{id}`. */
export interface TenantStore {
  get(environmentId: string, tenantId: string): Promise<TenantRecord | undefined>;
  list(environmentId: string): Promise<TenantRecord[]>;
  /**
   * Stores a tenant spec; the generation grows only when the spec hash changes, so a
   * redelivered or re-sent document is a no-op (`changed: false`).
   */
  put(
    environmentId: string,
    tenant: Tenant,
    options?: { sourceTime?: string },
  ): Promise<{ record: TenantRecord; changed: boolean; stale?: boolean }>;
  /**
   * Admits a tenant in ONE transaction: reads the environment and all its tenants, lets
   * `decide` (pure; it may run more than once) refuse or return the tenant to store, and stores
   * it as {@link put} would. Nothing is written when refused or stale; a concurrent admission
   * that would change what `decide` saw makes this one retry.
   */
  admit(
    environmentId: string,
    tenantId: string,
    decide: TenantAdmission,
    options?: { sourceTime?: string },
  ): Promise<TenantAdmissionResult>;
  /** Deletes every tenant record of an environment (its teardown ended): none reattaches. */
  removeAll(environmentId: string): Promise<number>;
  /** Records the outcome of applying a tenant. */
  setStatus(
    environmentId: string,
    tenantId: string,
    status: TenantStatus,
    details?: {
      lastAppliedHash?: string;
      error?: ErrorBody;
      /** Only when the stored spec still has this hash (it may have changed meanwhile). */
      ifSpecHash?: string;
    },
  ): Promise<void>;
}

/**
 * The admission decision of {@link TenantStore.admit}, against the environment and its tenants
 * as the transaction read them: the tenant to store, or why not.
 */
export type TenantAdmission = (
  environment: EnvironmentRecord | undefined,
  tenants: readonly TenantRecord[],
) => { tenant: Tenant } | { refused: ErrorBody[] };

/** Outcome of {@link TenantStore.admit}. */
export type TenantAdmissionResult =
  | { outcome: 'stored'; record: TenantRecord; changed: boolean }
  /** An older source than the stored spec's: nothing written. */
  | { outcome: 'stale'; record: TenantRecord }
  /** `decide` refused: nothing written. */
  | { outcome: 'refused'; errors: ErrorBody[] };

/** `runs/{id}`, `runs/{id}/steps/{step}` and `messages/{id}`. */
export interface RunStore {
  /**
   * In one transaction: return the run of a known idempotency key, or check the environment's
   * lease, store the spec, take the lease for the new run and create it.
   */
  startRun(request: StartRunRequest): Promise<StartRunResult>;
  get(runId: string): Promise<RunRecord | undefined>;
  listByEnvironment(environmentId: string, limit?: number): Promise<RunRecord[]>;
  /** PENDING → RUNNING on the first step call; a field update, so parallel steps never contend. */
  markRunning(runId: string): Promise<void>;
  /**
   * Records the Workflows execution its starter started (transaction). When an execution is
   * already recorded it stays: the same one (claimed by the execution before its starter got
   * here) is fine; another one means a stale starter, answered with `recorded: false`.
   */
  setExecution(
    runId: string,
    executionName: string,
  ): Promise<{ recorded: boolean; executionName?: string }>;
  /**
   * The execution `executionName` claims the run it was started for (transaction, level-based):
   * granted when the run records no execution (it is recorded now) or this same one (names
   * compare by their execution id, the last segment); refused naming the holder otherwise, and
   * refused for a run that has ended, whoever asks. Called again, it answers the same.
   */
  claimExecution(runId: string, executionName: string): Promise<ExecutionClaimResult>;
  /**
   * Before starting a run's execution (transaction): grants the start to `token` when no
   * execution is recorded and no other unexpired start claim exists, so two concurrent
   * deliveries of one event start at most one execution, while a retry after a crashed start
   * (claim older than `ttlSeconds`) starts it again.
   */
  claimExecutionStart(
    runId: string,
    token: string,
    ttlSeconds: number,
  ): Promise<ExecutionStartResult>;
  /** Drops `token`'s start claim after a failed start, so a redelivery may start at once. */
  releaseExecutionStart(runId: string, token: string): Promise<void>;
  /**
   * Fails every run nothing will ever start (a starter crashed between recording the run and
   * publishing its request or starting its execution): PENDING, never published, no execution,
   * its start claim expired or absent, and idle for `idleSeconds` since its claim expired or its
   * last write. Each run is failed with reason `abandoned` in its own transaction (checked again
   * there), which also releases the environment's lease if the run still holds it and, when the
   * run is the environment's current provision or teardown run, sets the environment FAILED.
   */
  sweepAbandonedRuns(options?: SweepOptions): Promise<SweepResult>;
  /** Records that the run's request was published (`publishedAt`); false for an unknown run. */
  markPublished(runId: string): Promise<boolean>;
  /** Terminal status of the run (SUCCEEDED or FAILED). */
  finish(
    runId: string,
    status: 'SUCCEEDED' | 'FAILED',
    error?: ErrorBody,
  ): Promise<RunRecord | undefined>;
  getStep(runId: string, step: StepName): Promise<StepRecord | undefined>;
  listSteps(runId: string): Promise<StepRecord[]>;
  /**
   * A step call begins (transaction): attempts + 1, status RUNNING, startedAt on the first
   * call; returns the record as it was before (for the recorded operation) and after.
   */
  beginStep(runId: string, step: StepName): Promise<{ before?: StepRecord; after: StepRecord }>;
  /** The call ended with `done`: outputs and finishedAt; the operation is cleared. */
  completeStep(runId: string, step: StepName, outputs: StepOutputs): Promise<StepRecord>;
  /** The call ended with `pending` (or a retryable error): status PENDING, operation kept. */
  waitStep(
    runId: string,
    step: StepName,
    details: { operation?: PendingOperation; error?: ErrorBody },
  ): Promise<StepRecord>;
  /** The call ended with a permanent error. */
  failStep(runId: string, step: StepName, error: ErrorBody): Promise<StepRecord>;
  /**
   * Stores a message record if its id is new, with `expireAt` = `receivedAt` + the message
   * retention; `firstTime: false` means a redelivery (the first record, and its expiry, stay).
   */
  recordMessage(record: NewMessageRecord): Promise<{ firstTime: boolean }>;
  getMessage(id: string): Promise<MessageRecord | undefined>;
}

/** The stores, as the composition root hands them to functions. */
export interface StateStores {
  environments: EnvironmentStore;
  tenants: TenantStore;
  runs: RunStore;
  accessHistory: AccessHistoryStore;
}

/** A cell's verdict as a reachability row names it: `ALLOWED` with its way, or a denial. */
export interface CellVerdict {
  verdict: string;
  via?: string;
}

/**
 * One request whose access a run changed (the cells of the tenants step's `reachability` rows):
 * `gained` (denied or not in the matrix → allowed), `lost` (allowed → denied or gone), `changed`
 * (allowed another way), as shared/analysis accessDiff classifies them.
 */
export interface AccessHistoryCell {
  /** The tenant's name (what tenant managers' patterns cover). */
  tenant: string;
  /** The tenant's namespace, the rows' source, when it differs from the name. */
  namespace?: string;
  method: string;
  /** The request's URL: scheme, host, the port when not the scheme's, path. */
  url: string;
  change: 'gained' | 'lost' | 'changed';
  /** Before the run; absent when the cell was not in the matrix (a new tenant or request). */
  from?: CellVerdict;
  /** After the run; absent when the cell left the matrix (an offboarded tenant or request). */
  to?: CellVerdict;
  /** The object that decided the cell, when the recorded rows name it. */
  decidedBy?: string;
}

/** Who asked for the change: the run's kind and trigger. */
export interface AccessHistoryRun {
  id: string;
  kind: RunKind;
  trigger: RunTrigger;
}

/** One entry of the history: a changed cell, when and by which run. */
export interface AccessHistoryEntry extends AccessHistoryCell {
  /** When the run's tenants step result became the environment's (ISO-8601). */
  appliedAt: string;
  run: AccessHistoryRun;
}

/** What {@link AccessHistoryStore.recordTenantsOutputs} stores. */
export interface TenantsOutputsRecord {
  environmentId: string;
  /** The tenants step's outputs, which become the environment's (`outputs.tenants`). */
  outputs: StepOutputs;
  run: AccessHistoryRun;
  /** The step call's attempt number: one run may apply tenants more than once (`again`). */
  pass: number;
  /**
   * The changed cells between the outputs last applied (undefined: none yet) and the new ones
   * (pure; it may run more than once).
   */
  changes: (previous: StepOutputs | undefined) => AccessHistoryCell[];
}

/** Where a page of {@link AccessHistoryStore.list} resumes: a document and an entry in it. */
export interface AccessHistoryCursor {
  sortKey: string;
  index: number;
}

/** A read of {@link AccessHistoryStore.list}. */
export interface AccessHistoryQuery {
  /** Only this tenant's cells (by name). */
  tenant?: string;
  /** Only cells of tenants this accepts (a tenant manager's patterns); pure. */
  visible?: (tenant: string) => boolean;
  /** The most entries in the page (at least 1). */
  limit: number;
  /** Where the previous page stopped. */
  after?: AccessHistoryCursor;
  /**
   * The most documents one page reads (default 100): a caller who may see few of the cells gets
   * a shorter page, with `next`, rather than a read of the whole history.
   */
  scanDocuments?: number;
}

/** A page of the history; `next` when there may be more. */
export interface AccessHistoryPage {
  entries: AccessHistoryEntry[];
  next?: AccessHistoryCursor;
}

/**
 * `environments/{env}/accessHistory/{doc}`: who gained or lost which request, by which run
 * (docs/architecture.md "Run state"). Written with the environment's tenants outputs, read
 * newest first.
 */
export interface AccessHistoryStore {
  /**
   * In ONE transaction: reads the environment's tenants outputs as last applied, stores
   * `record.outputs` in their place, and records the access changes `record.changes` finds
   * between the two (nothing when it finds none). A repeated call with the same outputs finds
   * no change, so a retried step call records nothing twice. Unknown environment: `not-found`.
   */
  recordTenantsOutputs(record: TenantsOutputsRecord): Promise<{ changeId?: string; cells: number }>;
  /** Entries newest first (the cells of one change in tenant and request order), a page at a time. */
  list(environmentId: string, query: AccessHistoryQuery): Promise<AccessHistoryPage>;
}

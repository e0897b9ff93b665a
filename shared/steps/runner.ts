import { PermanentError, RetryableError } from '../errors.js';
import { ENVIRONMENT_GRAPH, reverseGraph, type StepGraph } from '../plan/graph.js';
import type { Environment } from '../spec/environment.js';
import type { Tenant } from '../spec/tenant.js';
import type {
  PendingOperation,
  StepName,
  StepOutputs,
  StepRegistry,
  StepStatus,
} from '../core/step-contract.js';
import { callStep, upstreamOutputs, type StepCallRecords, type StepCallRun } from './step-call.js';

/**
 * An in-process orchestrator of the step graph, the same contract the Workflows YAML follows:
 * independent steps run concurrently, `pending` is slept on and called again with the recorded
 * operation, RetryableError is retried with capped exponential backoff, PermanentError stops the
 * run. Each call goes through the step-call protocol (step-call.ts), as the step functions' do.
 * Pure orchestration: time, sleeping and the record store are injected.
 */

/** What the runner keeps per step (in memory for the CLI; the functions keep it in Firestore). */
export interface StepRecord {
  /** The run store's vocabulary, plus SKIPPED and CANCELLED for steps this runner never ends. */
  status: StepStatus;
  attempts: number;
  operation?: PendingOperation;
  outputs?: StepOutputs;
  startedAt?: number;
  finishedAt?: number;
  error?: StepError;
}

/** A step's error as the runner reports it. */
export interface StepError {
  reason: string;
  message: string;
  resource?: string;
  field?: string;
}

/** Where step records live between calls. */
export interface StepRecordStore {
  get(step: StepName): Promise<StepRecord | undefined>;
  put(step: StepName, record: StepRecord): Promise<void>;
}

/** A {@link StepRecordStore} in memory. */
export class MemoryStepRecords implements StepRecordStore {
  readonly records = new Map<StepName, StepRecord>();
  async get(step: StepName): Promise<StepRecord | undefined> {
    const record = this.records.get(step);
    return record ? structuredClone(record) : undefined;
  }
  async put(step: StepName, record: StepRecord): Promise<void> {
    this.records.set(step, structuredClone(record));
  }
}

/** A progress event, with the clock's time and the step's elapsed time in milliseconds. */
export type ProgressEvent =
  | { type: 'started'; step: StepName; at: number; attempt: number }
  | {
      type: 'pending';
      step: StepName;
      at: number;
      elapsedMs: number;
      retryAfterSeconds: number;
      message?: string;
      operation?: PendingOperation;
    }
  | {
      type: 'retrying';
      step: StepName;
      at: number;
      elapsedMs: number;
      delaySeconds: number;
      reason: string;
      message: string;
    }
  | { type: 'done'; step: StepName; at: number; elapsedMs: number; outputs: StepOutputs }
  | {
      type: 'failed';
      step: StepName;
      at: number;
      elapsedMs: number;
      reason: string;
      message: string;
      resource?: string;
      field?: string;
    }
  | { type: 'skipped'; step: StepName; at: number; why: string };

/** Retry policy for RetryableError (and unexpected errors). */
export interface BackoffPolicy {
  initialSeconds: number;
  maxSeconds: number;
  /** Consecutive failed calls of one step before the run fails. */
  maxAttempts: number;
}

/** Default policy: 1 s doubling to 60 s, ten consecutive failures. */
export const DEFAULT_BACKOFF: BackoffPolicy = {
  initialSeconds: 1,
  maxSeconds: 60,
  maxAttempts: 10,
};

/** Options of {@link runSteps}. */
export interface RunOptions {
  runId: string;
  mode: 'provision' | 'teardown';
  environment: Environment;
  tenants?: readonly Tenant[];
  registry: StepRegistry;
  records: StepRecordStore;
  clock: { now(): number };
  sleep: (ms: number) => Promise<void>;
  onEvent?: (event: ProgressEvent) => void;
  backoff?: Partial<BackoffPolicy>;
  /** A step pending longer than this (clock time) fails with `timeout`. Default 2 h. */
  stepTimeoutSeconds?: number;
  /** Why a step missing from the registry is skipped, as events say. */
  skipReason?: string;
  /** The graph to walk; defaults to ENVIRONMENT_GRAPH (reversed for teardown). */
  graph?: StepGraph;
}

/** How a run ended. */
export interface RunReport {
  status: 'succeeded' | 'failed';
  steps: Partial<Record<StepName, StepRecord>>;
  skipped: StepName[];
  failure?: { step: StepName } & StepError;
}

function describeError(error: unknown): StepError {
  if (error instanceof PermanentError) {
    return {
      reason: error.reason,
      message: error.message,
      ...(error.options.resource ? { resource: error.options.resource } : {}),
      ...(error.options.field ? { field: error.options.field } : {}),
    };
  }
  if (error instanceof RetryableError) return { reason: error.reason, message: error.message };
  return {
    reason: 'unexpected-error',
    message: error instanceof Error ? error.message : String(error),
  };
}

/**
 * The protocol's record writes over a {@link StepRecordStore}. A pending result without an
 * operation clears the recorded one: the next call starts from observation.
 */
function runnerRecords(store: StepRecordStore, clock: { now(): number }): StepCallRecords {
  const update = async (step: StepName, change: (record: StepRecord) => StepRecord) => {
    const record = (await store.get(step)) ?? { status: 'RUNNING', attempts: 0 };
    await store.put(step, change(record));
  };
  return {
    async begin(step) {
      const before = await store.get(step);
      const record: StepRecord = {
        ...before,
        status: 'RUNNING',
        attempts: (before?.attempts ?? 0) + 1,
        startedAt: before?.startedAt ?? clock.now(),
      };
      await store.put(step, record);
      return {
        attempt: record.attempts,
        ...(record.operation ? { operation: record.operation } : {}),
      };
    },
    complete: (step, outputs) =>
      update(step, ({ operation: _done, error: _past, ...record }) => ({
        ...record,
        status: 'DONE',
        outputs,
        finishedAt: clock.now(),
      })),
    wait: (step, details) =>
      update(step, (record) => {
        if ('error' in details) {
          return { ...record, status: 'PENDING', error: describeError(details.error) };
        }
        const { operation: _stale, error: _past, ...rest } = record;
        const { operation } = details.result;
        return { ...rest, status: 'PENDING', ...(operation ? { operation } : {}) };
      }),
    fail: (step, error) =>
      update(step, (record) => ({
        ...record,
        status: 'FAILED',
        error: describeError(error),
        finishedAt: clock.now(),
      })),
  };
}

/** Runs the graph to the end (every step done or skipped) or to the first permanent failure. */
export async function runSteps(options: RunOptions): Promise<RunReport> {
  const backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  const timeoutMs = (options.stepTimeoutSeconds ?? 7200) * 1000;
  const baseGraph = options.graph ?? ENVIRONMENT_GRAPH;
  const graph = options.mode === 'teardown' ? reverseGraph(baseGraph) : baseGraph;
  const emit = (event: ProgressEvent) => options.onEvent?.(event);
  const records = runnerRecords(options.records, options.clock);
  const run: StepCallRun = {
    runId: options.runId,
    kind: options.mode,
    environment: options.environment,
    tenants: options.tenants ?? [],
  };
  const outputs: Partial<Record<StepName, StepOutputs>> = {};
  const finished = new Map<StepName, 'done' | 'skipped'>();
  const skipped: StepName[] = [];
  let failure: RunReport['failure'];

  /** Ends a step that will not be called again: FAILED (and the run with it) or CANCELLED. */
  const stop = async (step: StepName, status: 'FAILED' | 'CANCELLED', error?: StepError) => {
    const record = (await options.records.get(step)) ?? { status, attempts: 0 };
    await options.records.put(step, {
      ...record,
      status,
      ...(error ? { error, finishedAt: options.clock.now() } : {}),
    });
    if (error) failure ??= { step, ...error };
  };

  const runOne = async (step: StepName): Promise<void> => {
    const implementation = options.registry[step];
    if (!implementation) {
      await options.records.put(step, { status: 'SKIPPED', attempts: 0 });
      skipped.push(step);
      finished.set(step, 'skipped');
      emit({
        type: 'skipped',
        step,
        at: options.clock.now(),
        why: options.skipReason ?? 'not implemented in this build',
      });
      return;
    }
    const previous = await options.records.get(step);
    if (previous?.status === 'DONE') {
      outputs[step] = previous.outputs ?? {};
      finished.set(step, 'done');
      return;
    }
    const startedAt = options.clock.now();
    const elapsed = () => options.clock.now() - startedAt;
    let failures = 0;
    for (;;) {
      if (failure) {
        await stop(step, 'CANCELLED');
        return;
      }
      const outcome = await callStep({
        run,
        step,
        implementation,
        upstream: upstreamOutputs(step, (dep) => outputs[dep], baseGraph),
        records,
        onBegin: (attempt) => emit({ type: 'started', step, at: options.clock.now(), attempt }),
      });
      if (outcome.status === 'DONE') {
        outputs[step] = outcome.result.outputs;
        finished.set(step, 'done');
        emit({
          type: 'done',
          step,
          at: options.clock.now(),
          elapsedMs: elapsed(),
          outputs: outcome.result.outputs,
        });
        return;
      }
      if (outcome.status === 'FAILED' || 'error' in outcome) {
        const described = describeError(outcome.error);
        failures += 1;
        if (outcome.status === 'FAILED' || failures >= backoff.maxAttempts) {
          const reason =
            outcome.status === 'FAILED'
              ? described.reason
              : `retries-exhausted:${described.reason}`;
          if (outcome.status !== 'FAILED') await stop(step, 'FAILED', { ...described, reason });
          else failure ??= { step, ...described };
          emit({
            type: 'failed',
            step,
            at: options.clock.now(),
            elapsedMs: elapsed(),
            ...described,
            reason,
          });
          return;
        }
        const exponential = Math.min(
          backoff.maxSeconds,
          backoff.initialSeconds * 2 ** (failures - 1),
        );
        const hint =
          outcome.error instanceof RetryableError
            ? outcome.error.options.retryAfterSeconds
            : undefined;
        const delaySeconds = Math.min(backoff.maxSeconds, Math.max(exponential, hint ?? 0));
        emit({
          type: 'retrying',
          step,
          at: options.clock.now(),
          elapsedMs: elapsed(),
          delaySeconds,
          reason: described.reason,
          message: described.message,
        });
        await options.sleep(delaySeconds * 1000);
        continue;
      }
      failures = 0;
      const { result } = outcome;
      emit({
        type: 'pending',
        step,
        at: options.clock.now(),
        elapsedMs: elapsed(),
        retryAfterSeconds: result.retryAfterSeconds,
        ...(result.message ? { message: result.message } : {}),
        ...(result.operation ? { operation: result.operation } : {}),
      });
      if (elapsed() > timeoutMs) {
        const message = `${step} still pending after ${Math.round(elapsed() / 1000)} s${result.message ? `: ${result.message}` : ''}`;
        await stop(step, 'FAILED', { reason: 'timeout', message });
        emit({
          type: 'failed',
          step,
          at: options.clock.now(),
          elapsedMs: elapsed(),
          reason: 'timeout',
          message,
        });
        return;
      }
      await options.sleep(result.retryAfterSeconds * 1000);
    }
  };

  // Start every step whose dependencies are finished; a skipped dependency counts as finished,
  // so a missing Kubernetes step does not block the Google Cloud side of a teardown.
  const running = new Map<StepName, Promise<void>>();
  const started = new Set<StepName>();
  for (;;) {
    if (!failure) {
      for (const node of graph) {
        if (started.has(node.name)) continue;
        if (node.dependsOn.every((dep) => finished.has(dep))) {
          started.add(node.name);
          running.set(
            node.name,
            runOne(node.name).finally(() => running.delete(node.name)),
          );
        }
      }
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }

  const steps: Partial<Record<StepName, StepRecord>> = {};
  for (const node of graph) {
    const record = await options.records.get(node.name);
    if (record) steps[node.name] = record;
  }
  return failure
    ? { status: 'failed', steps, skipped, failure }
    : { status: 'succeeded', steps, skipped };
}

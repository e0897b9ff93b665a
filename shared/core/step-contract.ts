/**
 * The step contract (docs/architecture.md "Step contract"): what every step call receives
 * and answers, and the shape of a step's implementation. Steps, the adapters that report
 * operations, the run state that records them and the composition roots (functions/, cli/) all
 * speak it, so it lives below all of them.
 */
import type { Environment } from '../spec/environment.js';
import type { Tenant } from '../spec/tenant.js';
import type { StepName } from '../plan/graph.js';

/** The graph in shared/plan/graph.ts is the source of the step names. */
export type { StepName } from '../plan/graph.js';

/** Outputs a step hands to later steps (resource names, endpoints, operation results). */
export type StepOutputs = Record<string, string | number | boolean | string[]>;

/** A long-running operation a step started and later resumes by name. */
export interface PendingOperation {
  /** API family that owns it: compute-global, compute-regional, container, serviceusage, gkehub... */
  api: string;
  /** Full operation name or id as the API returned it. */
  name: string;
  /** Region or zone for scoped operations. */
  location?: string;
}

/** The result of one `ensure` or `remove` call: waiting is a result, not an error. */
export type StepResult =
  | { status: 'done'; outputs: StepOutputs }
  | {
      status: 'pending';
      retryAfterSeconds: number;
      operation?: PendingOperation;
      message?: string;
    };

/** What every step call receives: the spec, the run's identity, and what earlier calls left. */
export interface StepContext {
  runId: string;
  step: StepName;
  environment: Environment;
  /** All tenants of the environment (the tenants step compiles the full desired set). */
  tenants: readonly Tenant[];
  /** Outputs of the steps this one depends on. */
  upstream: Readonly<Partial<Record<StepName, StepOutputs>>>;
  /** The operation recorded by an earlier call of this step, to resume by name. */
  operation?: PendingOperation;
  /** Attempt number of this step in this run, from 1. */
  attempt: number;
  /**
   * The principal that created the environment (an admin besides those its spec names), when
   * the run state knows it: the tenants step makes it a publisher of the tenant topic.
   */
  createdBy?: string;
}

/** One step's two directions; every step can be torn down, so both are required. */
export interface StepImplementation {
  /** Provision: observe → diff → act; `pending` while an operation runs. */
  ensure(ctx: StepContext): Promise<StepResult>;
  /** Teardown: delete what the environment owns, by deterministic name. */
  remove(ctx: StepContext): Promise<StepResult>;
}

/**
 * Step implementations by name. A step left out is not implemented in this build: the
 * in-process runner reports it as skipped, a step function answers 501 `step-not-implemented`.
 */
export type StepRegistry = Partial<Record<StepName, StepImplementation>>;

/**
 * Where one step of a run stands. The run store keeps RUNNING, PENDING (waiting on an operation
 * or a retry), DONE and FAILED; the in-process runner also marks a step it never called SKIPPED
 * (not in its registry) and one it stopped after another step failed CANCELLED.
 */
export type StepStatus = 'RUNNING' | 'PENDING' | 'DONE' | 'FAILED' | 'SKIPPED' | 'CANCELLED';

/** The statuses the run store records (the functions never skip or cancel a step). */
export type RecordedStepStatus = Exclude<StepStatus, 'SKIPPED' | 'CANCELLED'>;

/** A step's direction before it is given its dependencies (adapters, tunables). */
export type StepFunction<Deps> = (ctx: StepContext, deps: Deps) => Promise<StepResult>;

/** A step's two directions bound to their dependencies: what a step registry holds. */
export function bindStep<Deps>(
  step: { ensure: StepFunction<Deps>; remove: StepFunction<Deps> },
  deps: Deps,
): StepImplementation {
  return {
    ensure: (ctx) => step.ensure(ctx, deps),
    remove: (ctx) => step.remove(ctx, deps),
  };
}

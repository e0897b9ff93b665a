import type { Environment } from '../spec/environment.js';
import type { Tenant } from '../spec/tenant.js';

import type { StepName } from '../plan/graph.js';

/** Names of the environment steps; the step graph in shared/plan/graph.ts is their source. */
export { ENVIRONMENT_STEPS, type StepName } from '../plan/graph.js';

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
}

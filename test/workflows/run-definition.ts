import { readFileSync } from 'node:fs';
import { toMessagePublishedEvent } from '../../local/eventarc/cloud-event.js';
import {
  FetchHttpClient,
  loadWorkflow,
  runWorkflow,
  type ExecutionResult,
} from '../../local/workflows/index.js';
import {
  ENVIRONMENT_GRAPH,
  STEP_FAMILIES,
  type StepGraph,
  type StepName,
} from '../../shared/plan/graph.js';
import { SettlingClock } from './settling-clock.js';
import {
  startStepFunctionsStandIn,
  type StandInEvent,
  type StepScript,
} from './step-functions-stand-in.js';

/** The product's workflow files. */
export const WORKFLOWS_DIR = new URL('../../workflows/', import.meta.url);

/** The text of a workflow file. */
export function workflowSource(file: string): string {
  return readFileSync(new URL(file, WORKFLOWS_DIR), 'utf8');
}

/** The CloudEvent Eventarc delivers for what the `api` function publishes. */
export function environmentRequestEvent(request: {
  runId: string;
  environmentId: string;
  kind: string;
}) {
  return toMessagePublishedEvent(
    {
      message: {
        data: Buffer.from(JSON.stringify(request)).toString('base64'),
        attributes: {
          runId: request.runId,
          environment: request.environmentId,
          kind: request.kind,
        },
        messageId: '1001',
        publishTime: '2024-01-01T00:00:00.000Z',
      },
      subscription: 'projects/demo/subscriptions/environment-requests-workflows',
    },
    { projectId: 'demo', topic: 'environment-requests' },
  );
}

/** A run id as the functions accept it. */
export const RUN_ID = 'run-0123456789abcdef';

/** GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID of an execution {@link runDefinition} starts by default. */
export const EXECUTION_ID = 'this-execution';

/** The execution name a workflow file's execution sends with each step and finalize call. */
export function executionNameOf(file: string, executionId = EXECUTION_ID): string {
  return `projects/local-project/locations/local/workflows/${file.replace(/\.yaml$/, '')}/executions/${executionId}`;
}

/**
 * Runs a workflow file in the interpreter against the step-function stand-in, with a
 * time-skipping clock: returns the outcome, what the stand-in saw, the sleeps and the tokens.
 */
export async function runDefinition(
  file: string,
  argument: unknown,
  options: {
    steps?: Record<string, StepScript>;
    dirtyPasses?: number;
    /** The execution already holding the run at the stand-in (a duplicate is refused). */
    holder?: string;
    /** GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID of this execution ({@link EXECUTION_ID} by default). */
    executionId?: string;
    /** Once this step has answered this execution, the run passes to `by` (a take-over). */
    takeOver?: { afterStep: string; by: string };
    /** Workflow environment variables; a function receives the stand-in's base URL. */
    env?: Record<string, string> | ((standInUrl: string) => Record<string, string>);
  } = {},
) {
  const clock = new SettlingClock();
  const standIn = await startStepFunctionsStandIn({
    now: () => clock.seconds(),
    families: STEP_FAMILIES,
    ...(options.steps ? { steps: options.steps } : {}),
    ...(options.dirtyPasses ? { dirtyPasses: options.dirtyPasses } : {}),
    ...(options.holder ? { holder: options.holder } : {}),
    ...(options.takeOver ? { takeOver: options.takeOver } : {}),
  });
  const tokens: Array<{ type: string; audience?: string; url: string }> = [];
  let outcome: ExecutionResult;
  try {
    outcome = await runWorkflow(loadWorkflow(workflowSource(file), { filename: file }), argument, {
      clock,
      http: clock.wrap(new FetchHttpClient()),
      executionId: options.executionId ?? EXECUTION_ID,
      env: {
        STEP_BASE_URL: `${standIn.url}/`,
        ...(typeof options.env === 'function' ? options.env(standIn.url) : options.env),
      },
      tokenProvider: async (request) => {
        tokens.push(request);
        return `token-for-${request.type}`;
      },
    });
  } finally {
    await standIn.close();
  }
  return {
    outcome,
    events: standIn.events,
    calls: standIn.calls(),
    finalizeCalls: standIn.finalizeCalls(),
    claimCalls: standIn.claimCalls(),
    clock,
    tokens,
  };
}

/** seq of the event where `step` answered done (throws when it never did). */
export function doneSeq(events: StandInEvent[], step: string): number {
  const done = events.find((e) => e.kind === 'done' && e.step === step);
  if (!done) throw new Error(`step ${step} never answered done`);
  return done.seq;
}

/** seq of the first call of `step`. */
export function firstCallSeq(events: StandInEvent[], step: string): number {
  const call = events.find((e) => e.kind === 'call' && e.step === step);
  if (!call) throw new Error(`step ${step} was never called`);
  return call.seq;
}

/** Every graph edge (step, dependency) as a list, for order assertions. */
export function edges(graph: StepGraph = ENVIRONMENT_GRAPH): Array<[StepName, StepName]> {
  return graph.flatMap((node) =>
    node.dependsOn.map((dep): [StepName, StepName] => [node.name, dep]),
  );
}

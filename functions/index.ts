/**
 * Entry points of every deployed function, registered with functions-framework:
 * `--target=<name>` picks one (`api`, `tenant-events`, `finalize`, `step-<family>`). The step
 * functions come from the step catalogue (shared/plan/graph.ts): one per step family.
 */
import * as functions from '@google-cloud/functions-framework';
import { STEP_FAMILY_NAMES, type StepFamily } from '../shared/plan/graph.js';
import { api } from './api.js';
import { getContext } from './context.js';
import { finalize } from './finalize.js';
import { installEdge } from './lib/edge.js';
import { stepHandler } from './lib/step-handler.js';
import { sweepRuns } from './sweep-runs.js';
import { tenantEvents } from './tenant-events.js';

/** The deployed name of the step function serving a family. */
export type StepFunctionName = `step-${StepFamily}`;

type HttpFunction = ReturnType<typeof stepHandler>;

/** The step functions by deployed name, one per family of the step catalogue. */
export const STEP_FUNCTIONS = Object.fromEntries(
  STEP_FAMILY_NAMES.map((family) => [`step-${family}`, stepHandler(family)]),
) as Record<StepFunctionName, HttpFunction>;

/** HTTP functions by deployed name. */
export const HTTP_FUNCTIONS: Readonly<
  Record<'api' | 'finalize' | 'sweep-runs' | StepFunctionName, HttpFunction>
> = { api, finalize, 'sweep-runs': sweepRuns, ...STEP_FUNCTIONS };

/** CloudEvent functions by deployed name. */
export const CLOUD_EVENT_FUNCTIONS = { 'tenant-events': tenantEvents } as const;

// Before the framework builds its app: JSON refusals, the body limit before parsing (lib/edge.ts).
installEdge(() => ({ maxBodyBytes: getContext().config.maxBodyBytes }));

for (const [name, handler] of Object.entries(HTTP_FUNCTIONS)) functions.http(name, handler);
for (const [name, handler] of Object.entries(CLOUD_EVENT_FUNCTIONS))
  functions.cloudEvent(name, handler);

export { api, finalize, tenantEvents };

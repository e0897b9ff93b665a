/**
 * What the coverage check (coverage.ts) reads and what it reports. Types only, shared by the
 * check and its Terraform half (coverage-terraform.ts).
 */
import type { DeployAction } from './actions.js';
import type { HclBlock } from './hcl.js';
import type { DeploymentPlan } from './manifest-types.js';
import type { AdapterPermissions, WORKFLOW_CALL_PERMISSIONS } from './permissions.js';

/** What the check reads. */
export interface CoverageInput {
  plan: DeploymentPlan;
  actions: readonly DeployAction[];
  /** Keys of HTTP_FUNCTIONS and CLOUD_EVENT_FUNCTIONS of functions/index.ts. */
  exported: { http: readonly string[]; cloudEvent: readonly string[] };
  /** File names in workflows/ (e.g. `provision-environment.yaml`). */
  workflowFiles: readonly string[];
  /** Parsed infra/*.tf files, with their text. */
  terraform: ReadonlyArray<{ file: string; text: string; blocks: HclBlock[] }>;
  /** cloudbuild.yaml, parsed and as text. */
  cloudbuild: { parsed: unknown; text: string };
  /**
   * The public methods of the shared/gcp adapters as `Class.method` (and
   * `workloadIdentityAdapter.method`), read from their source.
   */
  adapterMethods: readonly string[];
  /** Each workflows/*.yaml file, parsed: what the workflows call as their account. */
  workflows: ReadonlyArray<{ file: string; parsed: unknown }>;
  /** The workflow call → permission table; a test passes an altered one. */
  workflowCallPermissions?: typeof WORKFLOW_CALL_PERMISSIONS;
  /** The adapter → permission table; a test passes an altered one. */
  permissions?: Readonly<Record<string, AdapterPermissions>>;
}

/** Problems that fail the check, and notes that do not (a workflow file not written yet). */
export interface CoverageReport {
  problems: string[];
  notes: string[];
}

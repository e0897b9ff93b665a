/**
 * The deployment manifest: the single source of truth for what the service deploys into its own
 * project — functions, workflows, topics, triggers, Scheduler jobs, service accounts and their
 * roles. `egressctl deploy` turns it into gcloud commands, cloudbuild.yaml runs that command,
 * and test/deploy/coverage.test.ts holds infra/ (Terraform) and functions/index.ts to it. The
 * vocabulary is in manifest-types.ts, the accounts and their roles in service-accounts.ts.
 *
 * Pure data and pure functions: no I/O, no `process`, so a test can build any plan it needs.
 */
import { ENVIRONMENT_GRAPH, STEP_FAMILY_NAMES, type StepFamily } from '../shared/plan/graph.js';
import type {
  DeploymentPlan,
  EventarcTriggerSpec,
  FunctionSpec,
  PlanContext,
  PlannedFunction,
  PlannedSchedulerJob,
  PlannedWorkflow,
  PlanInput,
  ServiceAccountKey,
  SchedulerJobSpec,
  ServiceAgentGrant,
  TopicSpec,
  WorkflowSpec,
} from './manifest-types.js';
import { serviceAccountEmail, serviceAccounts } from './service-accounts.js';

export type * from './manifest-types.js';
export { PRIMITIVE_ROLES, serviceAccounts } from './service-accounts.js';

/** Every deployed name starts with this, so the service's resources stand out in a shared project. */
export const DEPLOYED_NAME_PREFIX = 'egress-';

/** The Cloud Functions runtime (2nd gen); the code also runs on Node 20 locally. */
export const FUNCTION_RUNTIME = 'nodejs22';

/** Where `egressctl deploy` assembles the function source (compiled JS + package.json). */
export const FUNCTION_SOURCE_DIR = 'dist/function-source';

/**
 * The topics of the service (docs/architecture.md "Workflows"). Tenant documents have no topic
 * here: each environment gets its own, `tenants-<environment>`, made by its tenants step with the
 * environment's admins as publishers (docs/security.md "The Pub/Sub path").
 */
export const TOPICS: readonly TopicSpec[] = [
  {
    name: 'environment-requests',
    deadLetterTopic: 'environment-requests-dead-letter',
    deadLetterSubscription: 'environment-requests-dead-letter',
    maxDeliveryAttempts: 10,
    purpose: 'the API publishes provision/teardown requests; Eventarc starts provision-environment',
  },
];

/** The workflows (docs/architecture.md "Workflows"); sources in workflows/<name>.yaml. */
export const WORKFLOWS: readonly WorkflowSpec[] = [
  {
    name: 'provision-environment',
    serviceAccount: 'workflows',
    description: 'Runs the environment steps of a provision run (started by Eventarc).',
  },
  {
    name: 'teardown-environment',
    serviceAccount: 'workflows',
    description: 'Runs the reverse step graph of a teardown run.',
  },
  {
    name: 'reconcile-tenants',
    serviceAccount: 'workflows',
    description: 'Applies the full tenant set of an environment (started by tenant-events).',
  },
];

/** Eventarc triggers: topic → workflow. */
export const EVENTARC_TRIGGERS: readonly EventarcTriggerSpec[] = [
  {
    name: 'environment-requests-to-provision-environment',
    topic: 'environment-requests',
    workflow: 'provision-environment',
    serviceAccount: 'events',
  },
];

/** Whether a family's steps apply Kubernetes objects (mesh-config, tenants): more memory and time. */
function appliesKubernetesObjects(family: StepFamily): boolean {
  return ENVIRONMENT_GRAPH.some(
    (node) => node.family === family && node.api.startsWith('Kubernetes API'),
  );
}

/** Every deployed function; the coverage test holds this to functions/index.ts. */
export const FUNCTIONS: readonly FunctionSpec[] = [
  {
    entryPoint: 'api',
    signature: 'http',
    serviceAccount: 'api',
    // Users and Cloud Build call it from outside the project; IAM (run.invoker) and the
    // function's own ID-token check still guard it.
    ingress: 'all',
    memory: '512Mi',
    timeoutSeconds: 60,
    maxInstances: 10,
    invokers: ['build'],
    env: () => ({ EGRESS_ENVIRONMENT_REQUESTS_TOPIC: 'environment-requests' }),
  },
  {
    entryPoint: 'finalize',
    signature: 'http',
    // Its own account: it only ends runs in Firestore, none of the steps' cloud roles.
    serviceAccount: 'finalize',
    ingress: 'internal-only',
    memory: '256Mi',
    timeoutSeconds: 60,
    maxInstances: 10,
    invokers: ['workflows'],
  },
  {
    entryPoint: 'sweep-runs',
    signature: 'http',
    // Like finalize, it only ends runs and releases leases in Firestore.
    serviceAccount: 'finalize',
    // Called by the Cloud Scheduler job egress-sweep-runs (SCHEDULER_JOBS). Cloud Scheduler of
    // the same project calling the run.app URL counts as internal traffic, so nothing outside
    // the project reaches it; IAM (run.invoker) guards it too, and a call can do no more than
    // run an idempotent sweep early.
    ingress: 'internal-only',
    memory: '256Mi',
    timeoutSeconds: 300,
    maxInstances: 1,
    // Only the job's own account, which holds nothing else.
    invokers: ['scheduler'],
  },
  // One function per step family of the step catalogue (shared/plan/graph.ts).
  ...STEP_FAMILY_NAMES.map((family): FunctionSpec => ({
    entryPoint: `step-${family}`,
    signature: 'http',
    serviceAccount: 'steps',
    // Only the workflows call steps; Workflows reaches internal-only functions of its project.
    ingress: 'internal-only',
    memory: appliesKubernetesObjects(family) ? '1Gi' : '512Mi',
    // A step never waits for an operation (it returns pending), but Kubernetes applies of the
    // mesh and tenant objects make several round trips.
    timeoutSeconds: appliesKubernetesObjects(family) ? 300 : 120,
    maxInstances: 10,
    invokers: ['workflows'],
    ...(family === 'tenants'
      ? {
          // The tenants step keeps each environment's tenant topic, pushed to tenant-events.
          env: (ctx: PlanContext) => ({
            EGRESS_TENANT_EVENTS_URL: functionUrl(deployedFunctionName('tenant-events'), ctx),
            EGRESS_TENANT_PUSH_SERVICE_ACCOUNT: serviceAccountEmail('events', ctx.project),
          }),
        }
      : {}),
  })),
  {
    entryPoint: 'tenant-events',
    signature: 'cloudevent',
    serviceAccount: 'tenant-events',
    ingress: 'internal-only',
    memory: '256Mi',
    timeoutSeconds: 60,
    maxInstances: 10,
    // Pub/Sub pushes each environment's tenant topic here with the events account's OIDC token.
    invokers: ['events'],
    pushedBy: { entryPoint: 'step-tenants', urlVariable: 'EGRESS_TENANT_EVENTS_URL' },
    env: () => ({ EGRESS_RECONCILE_WORKFLOW: 'reconcile-tenants' }),
  },
];

/**
 * Cloud Scheduler jobs: each POSTs to one HTTP function with an ID token of an account among
 * that function's invokers (test/deploy/coverage.test.ts holds the three together).
 */
export const SCHEDULER_JOBS: readonly SchedulerJobSpec[] = [
  {
    name: 'egress-sweep-runs',
    // Runs left pending by a crashed start wait at most this long (plus the sweep's own grace).
    schedule: '*/5 * * * *',
    timeZone: 'Etc/UTC',
    target: 'sweep-runs',
    oidcServiceAccount: 'scheduler',
    attemptDeadlineSeconds: 300,
    description: 'Fails runs abandoned pending by a crashed start and frees their environment.',
  },
];

/**
 * Grants to Google's Pub/Sub service agent, which dead-letters undeliverable messages: it
 * publishes to the dead-letter topic and acknowledges on the source subscription, each granted
 * on that one resource.
 */
export const SERVICE_AGENT_GRANTS: readonly ServiceAgentGrant[] = [
  ...TOPICS.map((topic): ServiceAgentGrant => ({
    agent: 'pubsub',
    role: 'roles/pubsub.publisher',
    scope: { kind: 'topic', topic: topic.deadLetterTopic },
    why: `forwards undeliverable ${topic.name} messages to ${topic.deadLetterTopic}`,
  })),
  ...EVENTARC_TRIGGERS.map((trigger): ServiceAgentGrant => ({
    agent: 'pubsub',
    role: 'roles/pubsub.subscriber',
    scope: { kind: 'eventarc-subscription', trigger: trigger.name },
    why: `acknowledges the ${trigger.topic} messages it dead-letters (the subscription Eventarc created for the trigger)`,
  })),
];

/** Printed where the project number is not known yet (dry run without --project-number). */
export const PROJECT_NUMBER_PLACEHOLDER = '${PROJECT_NUMBER}';

/** The deployed name of a function entry point. */
export function deployedFunctionName(entryPoint: string): string {
  return `${DEPLOYED_NAME_PREFIX}${entryPoint}`;
}

/**
 * The deterministic run.app URL of a 2nd-gen function: Workflows may call internal-only
 * functions only through their run.app URL, never a custom domain or cloudfunctions.net.
 */
export function functionUrl(name: string, ctx: PlanContext): string {
  return `https://${name}-${ctx.projectNumber ?? PROJECT_NUMBER_PLACEHOLDER}.${ctx.region}.run.app`;
}

/**
 * What the workflows receive as `sys.get_env("FUNCTION_URL_TEMPLATE")`: the URL of any function,
 * `{name}` being its entry point (`text.replace_all(template, "{name}", "step-network")`).
 */
export function functionUrlTemplate(ctx: PlanContext): string {
  return functionUrl(deployedFunctionName('{name}'), ctx);
}

/** Project and region names Google accepts; anything else is a usage error, said plainly. */
function checkInput(input: PlanInput): void {
  if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(input.project)) {
    throw new Error(
      `project: "${input.project}" is not a project id (6-30 lowercase letters, digits, hyphens; starts with a letter)`,
    );
  }
  if (!/^[a-z]+-[a-z]+[0-9]$/.test(input.region)) {
    throw new Error(`region: "${input.region}" is not a region name like us-central1`);
  }
  if (input.projectNumber !== undefined && !/^[0-9]{1,20}$/.test(input.projectNumber)) {
    throw new Error(`projectNumber: "${input.projectNumber}" must be digits only`);
  }
  for (const p of input.environmentProjects ?? []) {
    if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(p)) {
      throw new Error(`environmentProjects: "${p}" is not a project id`);
    }
  }
}

/**
 * The deployment plan for one project and region: every function (name, entry point, signature,
 * trigger, runtime, service account, ingress, limits, environment), workflow, topic, trigger,
 * Scheduler job and service account with its roles. Pure: same input, same plan. Throws an
 * Error naming the field when project, region or project number are malformed.
 */
export function deploymentPlan(input: PlanInput): DeploymentPlan {
  checkInput(input);
  const ctx: PlanContext = {
    project: input.project,
    region: input.region,
    ...(input.projectNumber !== undefined ? { projectNumber: input.projectNumber } : {}),
  };
  const accounts = serviceAccounts().map((sa) => ({
    ...sa,
    email: serviceAccountEmail(sa.key, input.project),
  }));
  const email = (key: ServiceAccountKey): string =>
    accounts.find((sa) => sa.key === key)?.email ?? key;
  const apiUrl = input.apiUrl ?? functionUrl(deployedFunctionName('api'), ctx);
  const common = (spec: FunctionSpec): Record<string, string> => ({
    GOOGLE_CLOUD_PROJECT: input.project,
    EGRESS_LOCATION: input.region,
    // Express and functions-framework: no stack traces, no development pages.
    NODE_ENV: 'production',
    ...(spec.entryPoint === 'api'
      ? {
          EGRESS_AUTH_AUDIENCE: apiUrl,
          // The projects it provisions in, the ones infra/ grants the steps on.
          EGRESS_SERVED_PROJECTS: (input.environmentProjects ?? [input.project]).join(','),
          ...(input.allowedCallers && input.allowedCallers.length > 0
            ? { EGRESS_ALLOWED_EMAILS: input.allowedCallers.join(',') }
            : {}),
        }
      : {}),
  });
  const functions = FUNCTIONS.map((spec): PlannedFunction => {
    const name = deployedFunctionName(spec.entryPoint);
    const url = functionUrl(name, ctx);
    return {
      name,
      entryPoint: spec.entryPoint,
      signature: spec.signature,
      runtime: FUNCTION_RUNTIME,
      generation: 2,
      serviceAccount: email(spec.serviceAccount),
      ingress: spec.ingress,
      allowUnauthenticated: false,
      memory: spec.memory,
      timeoutSeconds: spec.timeoutSeconds,
      maxInstances: spec.maxInstances,
      url,
      invokers: spec.invokers.map(email),
      ...(spec.pushedBy ? { pushedBy: spec.pushedBy } : {}),
      env: { ...common(spec), ...(spec.env?.(ctx) ?? {}) },
    };
  });
  const schedulerJobs = SCHEDULER_JOBS.map((job): PlannedSchedulerJob => {
    const uri = functionUrl(deployedFunctionName(job.target), ctx);
    return {
      name: job.name,
      schedule: job.schedule,
      timeZone: job.timeZone,
      target: deployedFunctionName(job.target),
      uri,
      audience: uri,
      httpMethod: 'POST',
      oidcServiceAccount: email(job.oidcServiceAccount),
      attemptDeadlineSeconds: job.attemptDeadlineSeconds,
      description: job.description,
    };
  });
  const workflows = WORKFLOWS.map((w): PlannedWorkflow => ({
    name: w.name,
    source: `workflows/${w.name}.yaml`,
    serviceAccount: email(w.serviceAccount),
    description: w.description,
    env: { FUNCTION_URL_TEMPLATE: functionUrlTemplate(ctx), SERVICE_REGION: input.region },
  }));
  return {
    project: input.project,
    region: input.region,
    projectNumber: input.projectNumber ?? PROJECT_NUMBER_PLACEHOLDER,
    apiUrl,
    environmentProjects:
      input.environmentProjects && input.environmentProjects.length > 0
        ? [...input.environmentProjects]
        : [input.project],
    sourceDir: FUNCTION_SOURCE_DIR,
    functions,
    workflows,
    topics: TOPICS.map((t) => ({ ...t })),
    eventarcTriggers: EVENTARC_TRIGGERS.map((t) => ({ ...t })),
    schedulerJobs,
    serviceAccounts: accounts,
    serviceAgentGrants: [...SERVICE_AGENT_GRANTS],
    ...(input.specDir !== undefined ? { specDir: input.specDir } : {}),
  };
}

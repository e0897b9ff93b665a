/**
 * The deployment manifest: the single source of truth for what the service deploys into its own
 * project — functions, workflows, topics, triggers, service accounts and their roles.
 * `egressctl deploy` turns it into gcloud commands, cloudbuild.yaml runs that command, and
 * test/deploy/coverage.test.ts holds infra/ (Terraform) and functions/index.ts to it.
 *
 * Pure data and pure functions: no I/O, no `process`, so a test can build any plan it needs.
 */
import { NODE_SERVICE_ACCOUNT_ROLES } from '../shared/spec/constants.js';
import { customRoleName, STEPS_CUSTOM_ROLE_ID } from './permissions.js';

/** Every deployed name starts with this, so the service's resources stand out in a shared project. */
export const DEPLOYED_NAME_PREFIX = 'egress-';

/** The Cloud Functions runtime (2nd gen); the code also runs on Node 20 locally. */
export const FUNCTION_RUNTIME = 'nodejs22';

/** Where `egressctl deploy` assembles the function source (compiled JS + package.json). */
export const FUNCTION_SOURCE_DIR = 'dist/function-source';

/** Roles no service account of this service may hold anywhere (basic roles grant everything). */
export const PRIMITIVE_ROLES = ['roles/owner', 'roles/editor', 'roles/viewer'] as const;

/** Keys of the service's own service accounts. */
export type ServiceAccountKey =
  'api' | 'finalize' | 'steps' | 'workflows' | 'tenant-events' | 'events' | 'build';

/** Where a role is granted. */
export type GrantScope =
  /** The service's own project. */
  | { kind: 'project' }
  /** Every project environments are provisioned in (`environmentProjects`, default: the service project). */
  | { kind: 'environment-projects' }
  /** One Pub/Sub topic of the manifest. */
  | { kind: 'topic'; topic: string }
  /** One of the service's own service accounts (actAs). */
  | { kind: 'service-account'; account: ServiceAccountKey };

/** One role binding, with the reason it is needed (reviewed: least privilege). */
export interface RoleGrant {
  role: string;
  scope: GrantScope;
  /** Why the account needs the role: the operation that fails without it. */
  why: string;
  /** An IAM condition narrowing the grant. */
  condition?: { title: string; expression: string };
}

/** A service account of the service and everything it is granted. */
export interface ServiceAccountSpec {
  key: ServiceAccountKey;
  /** 6-30 characters, the part before `@`. */
  accountId: string;
  displayName: string;
  grants: RoleGrant[];
}

/** How the function is invoked. */
export type FunctionSignature = 'http' | 'cloudevent';

/** A deployed function, before project and region are known. */
export interface FunctionSpec {
  /** The key in functions/index.ts (HTTP_FUNCTIONS or CLOUD_EVENT_FUNCTIONS): the entry point. */
  entryPoint: string;
  signature: FunctionSignature;
  serviceAccount: ServiceAccountKey;
  /** `internal-only`: only Workflows, Pub/Sub and Eventarc of the same project reach it. */
  ingress: 'internal-only' | 'all';
  memory: string;
  timeoutSeconds: number;
  maxInstances: number;
  /** Accounts granted roles/run.invoker on this function alone. */
  invokers: ServiceAccountKey[];
  /** For `cloudevent`: the topic whose messages arrive, and the push subscription delivering them. */
  trigger?: { topic: string; subscription: string };
  /** Function-specific environment variables (the common ones are added by the plan). */
  env?: (ctx: PlanContext) => Record<string, string>;
}

/** A workflow; its source is `workflows/<name>.yaml`. */
export interface WorkflowSpec {
  name: string;
  serviceAccount: ServiceAccountKey;
  description: string;
}

/** A topic, its dead-letter topic, and the pull subscription that keeps dead letters. */
export interface TopicSpec {
  name: string;
  deadLetterTopic: string;
  deadLetterSubscription: string;
  /** Deliveries before a message goes to the dead-letter topic. */
  maxDeliveryAttempts: number;
  purpose: string;
}

/** An Eventarc trigger starting a workflow on each message of a topic. */
export interface EventarcTriggerSpec {
  name: string;
  topic: string;
  workflow: string;
  serviceAccount: ServiceAccountKey;
}

/** The Google service agent of Pub/Sub: it moves undeliverable messages to the dead-letter topics. */
export interface ServiceAgentGrant {
  agent: 'pubsub';
  role: string;
  scope: ServiceAgentScope;
  why: string;
}

/** Where the Pub/Sub service agent is granted a role: never the whole project. */
export type ServiceAgentScope =
  /** A dead-letter topic of the manifest. */
  | { kind: 'topic'; topic: string }
  /** A push subscription Terraform owns. */
  | { kind: 'subscription'; subscription: string }
  /** The subscription an Eventarc trigger of the manifest created (its name is Eventarc's). */
  | { kind: 'eventarc-subscription'; trigger: string };

/** What a plan is computed for. */
export interface PlanContext {
  project: string;
  region: string;
  /** Needed for the deterministic run.app URLs; `undefined` prints a placeholder. */
  projectNumber?: string;
}

/** Inputs of {@link deploymentPlan}. */
export interface PlanInput extends PlanContext {
  /** Environment and Tenant specs to reconcile after deploying; none when absent. */
  specDir?: string;
  /** Projects environments are provisioned in; default: the service project. */
  environmentProjects?: string[];
  /** Callers allowed to use the API (EGRESS_ALLOWED_EMAILS); empty: any caller with run.invoker. */
  allowedCallers?: string[];
  /** The API's URL (and ID-token audience); default: its deterministic run.app URL. */
  apiUrl?: string;
}

/** The topics of the service (DESIGN.md "Workflows"). */
export const TOPICS: readonly TopicSpec[] = [
  {
    name: 'environment-requests',
    deadLetterTopic: 'environment-requests-dead-letter',
    deadLetterSubscription: 'environment-requests-dead-letter',
    maxDeliveryAttempts: 10,
    purpose: 'the API publishes provision/teardown requests; Eventarc starts provision-environment',
  },
  {
    name: 'tenant-requests',
    deadLetterTopic: 'tenant-requests-dead-letter',
    deadLetterSubscription: 'tenant-requests-dead-letter',
    maxDeliveryAttempts: 10,
    purpose: 'Tenant documents; pushed to the tenant-events function',
  },
];

/** The workflows (DESIGN.md "Workflows"); sources in workflows/<name>.yaml. */
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

/** The step families of functions/lib/step-handler.ts STEP_FAMILIES, each one deployed function. */
const STEP_FUNCTIONS = [
  'network',
  'nat',
  'firewalls',
  'dns',
  'iam',
  'cluster',
  'mesh',
  'mesh-config',
  'tenants',
] as const;

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
  ...STEP_FUNCTIONS.map((family): FunctionSpec => ({
    entryPoint: `step-${family}`,
    signature: 'http',
    serviceAccount: 'steps',
    // Only the workflows call steps; Workflows reaches internal-only functions of its project.
    ingress: 'internal-only',
    memory: family === 'mesh-config' || family === 'tenants' ? '1Gi' : '512Mi',
    // A step never waits for an operation (it returns pending), but Kubernetes applies of the
    // mesh and tenant objects make several round trips.
    timeoutSeconds: family === 'mesh-config' || family === 'tenants' ? 300 : 120,
    maxInstances: 10,
    invokers: ['workflows'],
  })),
  {
    entryPoint: 'tenant-events',
    signature: 'cloudevent',
    serviceAccount: 'tenant-events',
    ingress: 'internal-only',
    memory: '256Mi',
    timeoutSeconds: 60,
    maxInstances: 10,
    invokers: ['events'],
    trigger: { topic: 'tenant-requests', subscription: 'tenant-requests-to-tenant-events' },
    env: () => ({ EGRESS_RECONCILE_WORKFLOW: 'reconcile-tenants' }),
  },
];

/**
 * The roles the steps hold in each environment project. `nodeRoles` are the roles the
 * service-accounts step grants the node service accounts: the only project roles it may hand
 * out. Every other permission of the steps' Google calls is in their custom role, whose
 * permission list deploy/permissions.ts derives from the adapters' calls.
 */
function stepsEnvironmentGrants(nodeRoles: readonly string[]): RoleGrant[] {
  const scope: GrantScope = { kind: 'environment-projects' };
  return [
    {
      role: customRoleName(STEPS_CUSTOM_ROLE_ID),
      scope,
      why: 'exactly the permissions of the steps Google calls (deploy/permissions.ts): compute, DNS, service usage, fleet features, service accounts, and the IAM policies of service accounts and buckets tenants grant on',
    },
    {
      role: 'roles/resourcemanager.projectIamAdmin',
      scope,
      why: 'service-accounts step and tenants project grants: one read-modify-write of the project policy',
      condition: {
        title: 'only-node-service-account-roles',
        // Without it the steps could grant themselves any role (e.g. owner).
        expression: `api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly([${nodeRoles
          .map((r) => `'${r}'`)
          .join(', ')}])`,
      },
    },
    {
      role: 'roles/container.admin',
      scope,
      why: 'cluster and gateway-pool steps, and the Kubernetes objects of mesh-config/tenants through IAM, Roles and RoleBindings included (container.developer cannot create RBAC objects)',
    },
  ];
}

/** The service accounts, their roles and why (least privilege: no basic roles). */
export function serviceAccounts(
  nodeRoles: readonly string[] = NODE_SERVICE_ACCOUNT_ROLES,
): ServiceAccountSpec[] {
  const project: GrantScope = { kind: 'project' };
  return [
    {
      key: 'api',
      accountId: 'egress-api',
      displayName: 'egress-provisioner API function',
      grants: [
        {
          role: 'roles/datastore.user',
          scope: project,
          why: 'reads and writes environments and runs in Firestore (no narrower Firestore role exists)',
        },
        {
          role: 'roles/pubsub.publisher',
          scope: { kind: 'topic', topic: 'environment-requests' },
          why: 'publishes provision/teardown requests, to this topic only',
        },
      ],
    },
    {
      key: 'finalize',
      accountId: 'egress-finalize',
      displayName: 'egress-provisioner finalize function',
      grants: [
        {
          role: 'roles/datastore.user',
          scope: project,
          why: 'ends runs, sets environment status and releases leases in Firestore',
        },
      ],
    },
    {
      key: 'steps',
      accountId: 'egress-steps',
      displayName: 'egress-provisioner step functions',
      grants: [
        {
          role: 'roles/datastore.user',
          scope: project,
          why: 'run records, step records, leases and outputs in Firestore',
        },
        ...stepsEnvironmentGrants(nodeRoles),
      ],
    },
    {
      key: 'workflows',
      accountId: 'egress-workflows',
      displayName: 'egress-provisioner workflows',
      grants: [
        {
          role: 'roles/logging.logWriter',
          scope: project,
          why: 'call logging and sys.log of the workflows; run.invoker on each step function is granted per function',
        },
      ],
    },
    {
      key: 'tenant-events',
      accountId: 'egress-tenant-events',
      displayName: 'egress-provisioner tenant-events function',
      grants: [
        {
          role: 'roles/datastore.user',
          scope: project,
          why: 'stores tenant specs and message records, starts runs in Firestore',
        },
        {
          role: 'roles/workflows.invoker',
          scope: project,
          why: 'starts reconcile-tenants executions (Workflows has no per-workflow IAM)',
        },
      ],
    },
    {
      key: 'events',
      accountId: 'egress-events',
      displayName: 'egress-provisioner event delivery (Eventarc, Pub/Sub push)',
      grants: [
        {
          role: 'roles/eventarc.eventReceiver',
          scope: project,
          why: 'the identity of the Eventarc trigger must be allowed to receive its events',
        },
        {
          role: 'roles/workflows.invoker',
          scope: project,
          why: 'Eventarc starts provision-environment as this account; run.invoker on tenant-events is per function',
        },
      ],
    },
    {
      key: 'build',
      accountId: 'egress-build',
      displayName: 'egress-provisioner Cloud Build (tests and deploys)',
      grants: [
        {
          role: 'roles/cloudbuild.builds.builder',
          scope: project,
          why: 'runs the build, writes its logs, and builds the function images (it is also their build service account)',
        },
        {
          role: 'roles/cloudfunctions.developer',
          scope: project,
          why: 'gcloud functions deploy',
        },
        {
          role: 'roles/run.admin',
          scope: project,
          why: 'gcloud functions add-invoker-policy-binding: run.invoker on each 2nd-gen function (Cloud Run service) for exactly its callers',
        },
        { role: 'roles/workflows.editor', scope: project, why: 'gcloud workflows deploy' },
        {
          role: 'roles/pubsub.viewer',
          scope: project,
          why: 'checks that the topics and subscriptions Terraform owns exist before deploying',
        },
        {
          role: 'roles/eventarc.viewer',
          scope: project,
          why: 'checks that the Eventarc triggers Terraform owns exist',
        },
        {
          role: 'roles/pubsub.publisher',
          scope: { kind: 'topic', topic: 'tenant-requests' },
          why: 'reconcile after deploy: publishes each Tenant spec of the repository',
        },
        ...(['api', 'finalize', 'steps', 'workflows', 'tenant-events', 'build'] as const).map(
          (account): RoleGrant => ({
            role: 'roles/iam.serviceAccountUser',
            scope: { kind: 'service-account', account },
            why: `deploys functions/workflows that run as ${account} (actAs on that account only)`,
          }),
        ),
      ],
    },
  ];
}

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
  ...FUNCTIONS.flatMap((fn): ServiceAgentGrant[] =>
    fn.trigger
      ? [
          {
            agent: 'pubsub',
            role: 'roles/pubsub.subscriber',
            scope: { kind: 'subscription', subscription: fn.trigger.subscription },
            why: `acknowledges the ${fn.trigger.topic} messages it dead-letters`,
          },
        ]
      : [],
  ),
  ...EVENTARC_TRIGGERS.map((trigger): ServiceAgentGrant => ({
    agent: 'pubsub',
    role: 'roles/pubsub.subscriber',
    scope: { kind: 'eventarc-subscription', trigger: trigger.name },
    why: `acknowledges the ${trigger.topic} messages it dead-letters (the subscription Eventarc created for the trigger)`,
  })),
];

/** A function as deployed: names, URLs and every flag value resolved. */
export interface PlannedFunction {
  name: string;
  entryPoint: string;
  signature: FunctionSignature;
  runtime: string;
  generation: 2;
  serviceAccount: string;
  ingress: 'internal-only' | 'all';
  allowUnauthenticated: false;
  memory: string;
  timeoutSeconds: number;
  maxInstances: number;
  url: string;
  invokers: string[];
  trigger?: { topic: string; subscription: string; pushEndpoint: string };
  env: Record<string, string>;
}

/** A workflow as deployed. */
export interface PlannedWorkflow {
  name: string;
  source: string;
  serviceAccount: string;
  description: string;
  env: Record<string, string>;
}

/** A planned service account with its email. */
export interface PlannedServiceAccount extends ServiceAccountSpec {
  email: string;
}

/** Everything `egressctl deploy` deploys or checks, for one project and region. */
export interface DeploymentPlan {
  project: string;
  region: string;
  projectNumber: string;
  apiUrl: string;
  environmentProjects: string[];
  sourceDir: string;
  functions: PlannedFunction[];
  workflows: PlannedWorkflow[];
  topics: TopicSpec[];
  eventarcTriggers: EventarcTriggerSpec[];
  serviceAccounts: PlannedServiceAccount[];
  serviceAgentGrants: ServiceAgentGrant[];
  specDir?: string;
}

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
 * trigger, runtime, service account, ingress, limits, environment), workflow, topic, trigger and
 * service account with its roles. Pure: same input, same plan. Throws an Error naming the field
 * when project, region or project number are malformed.
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
    email: `${sa.accountId}@${input.project}.iam.gserviceaccount.com`,
  }));
  const email = (key: ServiceAccountKey): string =>
    accounts.find((sa) => sa.key === key)?.email ?? key;
  const apiUrl = input.apiUrl ?? functionUrl(deployedFunctionName('api'), ctx);
  const common = (spec: FunctionSpec): Record<string, string> => ({
    GOOGLE_CLOUD_PROJECT: input.project,
    EGRESS_LOCATION: input.region,
    ...(spec.entryPoint === 'api'
      ? {
          EGRESS_AUTH_AUDIENCE: apiUrl,
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
      ...(spec.trigger
        ? {
            trigger: {
              ...spec.trigger,
              // functions-framework turns a push to /projects/P/topics/T into a messagePublished CloudEvent.
              pushEndpoint: `${url}/projects/${input.project}/topics/${spec.trigger.topic}`,
            },
          }
        : {}),
      env: { ...common(spec), ...(spec.env?.(ctx) ?? {}) },
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
    serviceAccounts: accounts,
    serviceAgentGrants: [...SERVICE_AGENT_GRANTS],
    ...(input.specDir !== undefined ? { specDir: input.specDir } : {}),
  };
}

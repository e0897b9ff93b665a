/**
 * The vocabulary of the deployment manifest (deploy/manifest.ts): what the service deploys,
 * before and after a project and region are known. Types only.
 */

/** Keys of the service's own service accounts. */
export type ServiceAccountKey =
  'api' | 'finalize' | 'steps' | 'workflows' | 'tenant-events' | 'events' | 'build' | 'scheduler';

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
  /**
   * For `cloudevent`: who makes the push subscriptions that deliver its messages (at run time,
   * one per environment), and the variable in which that function gets this one's URL.
   */
  pushedBy?: { entryPoint: string; urlVariable: string };
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

/**
 * A Cloud Scheduler job that POSTs (no body) to one HTTP function of the manifest on a schedule,
 * with an OIDC ID token of one of the service's accounts: the function stays
 * `--no-allow-unauthenticated`, and that account must be among its invokers (run.invoker).
 */
export interface SchedulerJobSpec {
  /** The job's name in Cloud Scheduler (deployed as is). */
  name: string;
  /** unix-cron, read in {@link timeZone}. */
  schedule: string;
  timeZone: string;
  /** Entry point of the HTTP function it calls. */
  target: string;
  /** The account whose ID token it sends (audience: the function's URL). */
  oidcServiceAccount: ServiceAccountKey;
  /** How long Scheduler waits for the response: the target's timeout. */
  attemptDeadlineSeconds: number;
  description: string;
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
  /** See {@link FunctionSpec.pushedBy}. */
  pushedBy?: { entryPoint: string; urlVariable: string };
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

/** A Scheduler job as deployed: the function's URL and the account's email resolved. */
export interface PlannedSchedulerJob {
  name: string;
  schedule: string;
  timeZone: string;
  /** The deployed name of the target function (`egress-<entry point>`). */
  target: string;
  /** The target's run.app URL, also the ID token's audience. */
  uri: string;
  audience: string;
  httpMethod: 'POST';
  /** Email of the account whose ID token it sends. */
  oidcServiceAccount: string;
  attemptDeadlineSeconds: number;
  description: string;
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
  schedulerJobs: PlannedSchedulerJob[];
  serviceAccounts: PlannedServiceAccount[];
  serviceAgentGrants: ServiceAgentGrant[];
  specDir?: string;
}

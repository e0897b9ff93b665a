/**
 * The deployment plan as an ordered list of actions: gcloud command lines, the function-source
 * preparation, and the reconcile of the repository's specs. Pure, so tests read the exact
 * command lines that `egressctl deploy` runs (and prints in --dry-run).
 */
import type {
  DeploymentPlan,
  PlannedFunction,
  PlannedSchedulerJob,
  PlannedWorkflow,
} from './manifest.js';

/** One thing `egressctl deploy` does, in order; the first failure stops the run. */
export type DeployAction =
  | {
      kind: 'gcloud';
      /** One line for the log, e.g. "deploy function egress-api". */
      description: string;
      /** gcloud's arguments, exactly as run (no shell in between). */
      args: string[];
      /** Printed instead of the arguments when they carry a whole document. */
      display?: string;
      /** What to do when it fails, e.g. "run terraform apply in infra/ first". */
      hint?: string;
    }
  | {
      /**
       * Create-or-update for a resource whose gcloud `create` fails when it exists: runs
       * `probe` (a describe); on success `update`, when it reports NOT_FOUND `create`, and any
       * other failure (e.g. PERMISSION_DENIED) stops the deploy.
       */
      kind: 'gcloud-upsert';
      description: string;
      probe: string[];
      create: string[];
      update: string[];
    }
  | { kind: 'prepare-source'; description: string; sourceDir: string }
  | {
      /** A request to the service's own API as the deployer (an Environment or a Tenant). */
      kind: 'api-request';
      method: 'POST' | 'PUT';
      description: string;
      /** `<apiUrl>/v1/environments`, `<apiUrl>/v1/environments/{env}/tenants/{name}`. */
      url: string;
      /** The ID token's audience (the API's URL). */
      audience: string;
      idempotencyKey: string;
      /** The document as written in the repository. */
      body: unknown;
    };

/** A spec of the repository, ready to be reconciled. */
export interface ReconcileDocument {
  kind: 'Environment' | 'Tenant';
  name: string;
  /** For a Tenant: the environment it belongs to. */
  environment?: string;
  /** Where it was read, e.g. `specs/team-x.yaml#1`. */
  source: string;
  /** specHash of the parsed document (defaults applied). */
  hash: string;
  /** The document as written. */
  raw: unknown;
}

/** Options of {@link deployActions}. */
export interface DeployActionOptions {
  /** Specs to reconcile after deploying (Environments first, then Tenants). */
  documents?: readonly ReconcileDocument[];
  /** Cloud Build's BUILD_ID: a new build re-applies unchanged specs (a redeploy is a reconcile). */
  buildId?: string;
  /** Skip functions and workflows: only check the infrastructure and reconcile specs. */
  reconcileOnly?: boolean;
}

/**
 * `--set-env-vars` value. gcloud splits on commas; a value holding one (an email list) needs
 * gcloud's alternate-delimiter syntax `^D^K=V`.
 */
export function envVarsFlag(env: Readonly<Record<string, string>>): string {
  const pairs = Object.keys(env)
    .sort()
    .map((key) => `${key}=${env[key]}`);
  if (!pairs.some((p) => p.includes(','))) return `--set-env-vars=${pairs.join(',')}`;
  const delimiter = ['@', '|', ';', '#', '~'].find((d) => !pairs.some((p) => p.includes(d)));
  if (!delimiter) throw new Error('env vars: no delimiter free for gcloud --set-env-vars');
  return `--set-env-vars=^${delimiter}^${pairs.join(delimiter)}`;
}

/** The idempotency key of one reconcile: spec hash, plus the build id when there is one. */
export function reconcileKey(hash: string, buildId: string | undefined): string {
  return buildId ? `${hash}:${buildId}` : hash;
}

/** `gcloud functions deploy` for one planned function. */
export function functionDeployArgs(plan: DeploymentPlan, fn: PlannedFunction): string[] {
  const build = plan.serviceAccounts.find((sa) => sa.key === 'build');
  return [
    'functions',
    'deploy',
    fn.name,
    '--gen2',
    `--runtime=${fn.runtime}`,
    `--project=${plan.project}`,
    `--region=${plan.region}`,
    `--source=${plan.sourceDir}`,
    `--entry-point=${fn.entryPoint}`,
    // CloudEvent functions get their messages from a Terraform-owned push subscription (with a
    // dead-letter policy), so every function is HTTP-triggered; the declared signature decides.
    '--trigger-http',
    `--service-account=${fn.serviceAccount}`,
    ...(build
      ? [`--build-service-account=projects/${plan.project}/serviceAccounts/${build.email}`]
      : []),
    `--ingress-settings=${fn.ingress}`,
    '--no-allow-unauthenticated',
    `--memory=${fn.memory}`,
    `--timeout=${fn.timeoutSeconds}s`,
    `--max-instances=${fn.maxInstances}`,
    envVarsFlag(fn.env),
    '--quiet',
  ];
}

/** `gcloud workflows deploy` for one planned workflow. */
export function workflowDeployArgs(plan: DeploymentPlan, wf: PlannedWorkflow): string[] {
  return [
    'workflows',
    'deploy',
    wf.name,
    `--source=${wf.source}`,
    `--project=${plan.project}`,
    `--location=${plan.region}`,
    `--service-account=${wf.serviceAccount}`,
    `--description=${wf.description}`,
    envVarsFlag(wf.env),
    '--call-log-level=log-errors-only',
    '--quiet',
  ];
}

/**
 * The flags `gcloud scheduler jobs create http` and `update http` share for one job: a POST
 * without body to the function's URL with an ID token of the job's account, audience that URL.
 */
function schedulerJobFlags(plan: DeploymentPlan, job: PlannedSchedulerJob): string[] {
  return [
    `--project=${plan.project}`,
    `--location=${plan.region}`,
    `--schedule=${job.schedule}`,
    `--time-zone=${job.timeZone}`,
    `--uri=${job.uri}`,
    `--http-method=${job.httpMethod}`,
    `--oidc-service-account-email=${job.oidcServiceAccount}`,
    `--oidc-token-audience=${job.audience}`,
    `--attempt-deadline=${job.attemptDeadlineSeconds}s`,
    `--description=${job.description}`,
    '--quiet',
  ];
}

/** Create-or-update of one Scheduler job (gcloud has no single idempotent command for it). */
export function schedulerJobAction(plan: DeploymentPlan, job: PlannedSchedulerJob): DeployAction {
  const flags = schedulerJobFlags(plan, job);
  return {
    kind: 'gcloud-upsert',
    description: `schedule ${job.target} (${job.schedule}, ${job.timeZone}) as job ${job.name}, ID token of ${job.oidcServiceAccount}`,
    probe: [
      'scheduler',
      'jobs',
      'describe',
      job.name,
      `--project=${plan.project}`,
      `--location=${plan.region}`,
      '--format=value(name)',
    ],
    create: ['scheduler', 'jobs', 'create', 'http', job.name, ...flags],
    update: ['scheduler', 'jobs', 'update', 'http', job.name, ...flags],
  };
}

const TERRAFORM_HINT = 'Terraform owns it: run `terraform apply` in infra/ first (docs/deploy.md)';

/** Checks that what Terraform owns exists; the build account may read but not create it. */
function infrastructureChecks(plan: DeploymentPlan): DeployAction[] {
  const p = `--project=${plan.project}`;
  const checks: DeployAction[] = [];
  for (const topic of plan.topics) {
    for (const name of [topic.name, topic.deadLetterTopic]) {
      checks.push({
        kind: 'gcloud',
        description: `check topic ${name}`,
        args: ['pubsub', 'topics', 'describe', name, p, '--format=value(name)'],
        hint: TERRAFORM_HINT,
      });
    }
    checks.push({
      kind: 'gcloud',
      description: `check subscription ${topic.deadLetterSubscription}`,
      args: [
        'pubsub',
        'subscriptions',
        'describe',
        topic.deadLetterSubscription,
        p,
        '--format=value(name)',
      ],
      hint: TERRAFORM_HINT,
    });
  }
  for (const trigger of plan.eventarcTriggers) {
    checks.push({
      kind: 'gcloud',
      description: `check Eventarc trigger ${trigger.name} (${trigger.topic} → ${trigger.workflow})`,
      args: [
        'eventarc',
        'triggers',
        'describe',
        trigger.name,
        p,
        `--location=${plan.region}`,
        '--format=value(name)',
      ],
      hint: TERRAFORM_HINT,
    });
  }
  return checks;
}

function deployFunctions(plan: DeploymentPlan): DeployAction[] {
  const actions: DeployAction[] = [
    {
      kind: 'prepare-source',
      description: `prepare function source in ${plan.sourceDir} (compiled dist/ + package.json)`,
      sourceDir: plan.sourceDir,
    },
  ];
  for (const fn of plan.functions) {
    actions.push({
      kind: 'gcloud',
      description: `deploy function ${fn.name} (entry point ${fn.entryPoint}, ${fn.signature}${fn.pushedBy ? `, pushed by ${fn.pushedBy.entryPoint}'s subscriptions` : ''})`,
      args: functionDeployArgs(plan, fn),
    });
    for (const member of fn.invokers) {
      actions.push({
        kind: 'gcloud',
        description: `allow ${member} to invoke ${fn.name}`,
        args: [
          'functions',
          'add-invoker-policy-binding',
          fn.name,
          `--project=${plan.project}`,
          `--region=${plan.region}`,
          `--member=serviceAccount:${member}`,
          '--quiet',
        ],
      });
    }
  }
  return actions;
}

function deployWorkflows(plan: DeploymentPlan): DeployAction[] {
  return plan.workflows.map((wf) => ({
    kind: 'gcloud' as const,
    description: `deploy workflow ${wf.name} from ${wf.source}`,
    args: workflowDeployArgs(plan, wf),
  }));
}

/** After the functions: a job calling a function that is not deployed yet would only fail. */
function deploySchedulerJobs(plan: DeploymentPlan): DeployAction[] {
  return plan.schedulerJobs.map((job) => schedulerJobAction(plan, job));
}

function reconcileSpecs(
  plan: DeploymentPlan,
  documents: readonly ReconcileDocument[],
  buildId: string | undefined,
): DeployAction[] {
  const environments = documents.filter((d) => d.kind === 'Environment');
  const tenants = documents.filter((d) => d.kind === 'Tenant');
  return [
    ...environments.map((doc): DeployAction => ({
      kind: 'api-request',
      method: 'POST',
      description: `reconcile Environment ${doc.name} (${doc.source})`,
      url: `${plan.apiUrl}/v1/environments`,
      audience: plan.apiUrl,
      idempotencyKey: reconcileKey(doc.hash, buildId),
      body: doc.raw,
    })),
    // As the build account: an admin of the environments it created, else a tenant manager.
    ...tenants.map((doc): DeployAction => ({
      kind: 'api-request',
      method: 'PUT',
      description: `reconcile Tenant ${doc.name} of ${doc.environment} (${doc.source})`,
      url: `${plan.apiUrl}/v1/environments/${encodeURIComponent(doc.environment ?? '')}/tenants/${encodeURIComponent(doc.name)}`,
      audience: plan.apiUrl,
      idempotencyKey: reconcileKey(doc.hash, buildId),
      body: doc.raw,
    })),
  ];
}

/**
 * Every action of a deploy, in order: check the Terraform-owned topics, subscriptions and
 * triggers; prepare the source; deploy each function and grant its invokers; deploy each
 * workflow; create or update each Scheduler job; reconcile the specs (POST each Environment to
 * the API, PUT each Tenant).
 */
export function deployActions(
  plan: DeploymentPlan,
  options: DeployActionOptions = {},
): DeployAction[] {
  return [
    ...infrastructureChecks(plan),
    ...(options.reconcileOnly
      ? []
      : [...deployFunctions(plan), ...deployWorkflows(plan), ...deploySchedulerJobs(plan)]),
    ...reconcileSpecs(plan, options.documents ?? [], options.buildId),
  ];
}

/** Quotes an argument for display the way a POSIX shell would read it back. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@,+%^-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The line printed for an action (and by --dry-run). */
export function describeCommand(action: DeployAction): string {
  switch (action.kind) {
    case 'gcloud':
      return `gcloud ${action.display ?? action.args.map(shellQuote).join(' ')}`;
    case 'gcloud-upsert': {
      const line = (args: readonly string[]) => `gcloud ${args.map(shellQuote).join(' ')}`;
      return `if ${line(action.probe)} >/dev/null; then ${line(action.update)}; else ${line(action.create)}; fi`;
    }
    case 'prepare-source':
      return `# ${action.description}`;
    case 'api-request':
      return `${action.method} ${action.url} (Idempotency-Key: ${action.idempotencyKey}; ID token for ${action.audience})`;
  }
}

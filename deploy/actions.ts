/**
 * The deployment plan as an ordered list of actions: gcloud command lines, the function-source
 * preparation, and the reconcile of the repository's specs. Pure, so tests read the exact
 * command lines that `egressctl deploy` runs (and prints in --dry-run).
 */
import type { DeploymentPlan, PlannedFunction, PlannedWorkflow } from './manifest.js';

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
  | { kind: 'prepare-source'; description: string; sourceDir: string }
  | {
      kind: 'post-environment';
      description: string;
      /** `<apiUrl>/v1/environments`. */
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
  for (const fn of plan.functions) {
    if (!fn.trigger) continue;
    checks.push({
      kind: 'gcloud',
      description: `check subscription ${fn.trigger.subscription} (${fn.trigger.topic} → ${fn.name})`,
      args: [
        'pubsub',
        'subscriptions',
        'describe',
        fn.trigger.subscription,
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
      description: `deploy function ${fn.name} (entry point ${fn.entryPoint}, ${fn.signature}${fn.trigger ? `, topic ${fn.trigger.topic}` : ''})`,
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

function reconcileSpecs(
  plan: DeploymentPlan,
  documents: readonly ReconcileDocument[],
  buildId: string | undefined,
): DeployAction[] {
  const tenantTopic = plan.functions.find((f) => f.trigger)?.trigger?.topic ?? 'tenant-requests';
  const environments = documents.filter((d) => d.kind === 'Environment');
  const tenants = documents.filter((d) => d.kind === 'Tenant');
  return [
    ...environments.map((doc): DeployAction => ({
      kind: 'post-environment',
      description: `reconcile Environment ${doc.name} (${doc.source})`,
      url: `${plan.apiUrl}/v1/environments`,
      audience: plan.apiUrl,
      idempotencyKey: reconcileKey(doc.hash, buildId),
      body: doc.raw,
    })),
    ...tenants.map((doc): DeployAction => {
      const key = reconcileKey(doc.hash, buildId);
      const attributes = `--attribute=environment=${doc.environment ?? ''},idempotencyKey=${key}`;
      return {
        kind: 'gcloud',
        description: `reconcile Tenant ${doc.name} of ${doc.environment} (${doc.source})`,
        args: [
          'pubsub',
          'topics',
          'publish',
          tenantTopic,
          `--project=${plan.project}`,
          `--message=${JSON.stringify(doc.raw)}`,
          attributes,
        ],
        display: `pubsub topics publish ${tenantTopic} --project=${plan.project} --message=<Tenant ${doc.name} from ${doc.source}> ${attributes}`,
      };
    }),
  ];
}

/**
 * Every action of a deploy, in order: check the Terraform-owned topics, subscriptions and
 * triggers; prepare the source; deploy each function and grant its invokers; deploy each
 * workflow; reconcile the specs (POST each Environment to the API, publish each Tenant).
 */
export function deployActions(
  plan: DeploymentPlan,
  options: DeployActionOptions = {},
): DeployAction[] {
  return [
    ...infrastructureChecks(plan),
    ...(options.reconcileOnly ? [] : [...deployFunctions(plan), ...deployWorkflows(plan)]),
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
    case 'prepare-source':
      return `# ${action.description}`;
    case 'post-environment':
      return `POST ${action.url} (Idempotency-Key: ${action.idempotencyKey}; ID token for ${action.audience})`;
  }
}

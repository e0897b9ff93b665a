import { type Command } from 'commander';
import {
  deployActions,
  describeCommand,
  type DeployAction,
  type ReconcileDocument,
} from '../../deploy/actions.js';
import {
  DeployFailure,
  executeActions,
  spawnGcloud,
  type GcloudRunner,
} from '../../deploy/execute.js';
import { deploymentPlan, type DeploymentPlan } from '../../deploy/manifest.js';
import { formatSpecError, specHash, validateSourcedDocuments } from '#shared/spec/index.js';
import { CliError, ExitCode } from '../errors.js';
import { loadSpecFiles } from '../load-specs.js';

/** Options of `egressctl deploy`. */
export interface DeployCommandOptions {
  project: string;
  region: string;
  projectNumber?: string;
  specDir?: string;
  buildId?: string;
  apiUrl?: string;
  allowedCallers?: string[];
  environmentProjects?: string[];
  reconcileOnly?: boolean;
  dryRun?: boolean;
}

/**
 * Reads and validates the specs under a directory as one set and returns them ready to
 * reconcile; any problem is a CliError listing all of them (nothing is deployed then).
 */
export async function loadReconcileDocuments(specDir: string): Promise<ReconcileDocument[]> {
  const loaded = await loadSpecFiles([specDir]);
  const { documents, errors } = validateSourcedDocuments(loaded.documents);
  const problems = [...loaded.errors, ...errors].map(formatSpecError);
  if (problems.length > 0) {
    throw new CliError(
      [
        `invalid specs in ${specDir}: ${problems.length} problem(s)`,
        ...problems.map((p) => `  ${p}`),
      ].join('\n'),
      ExitCode.invalid,
    );
  }
  const raw = new Map(loaded.documents.map((d) => [d.source, d.doc]));
  return documents.map((d): ReconcileDocument => {
    const source = d.source ?? specDir;
    return d.kind === 'Environment'
      ? {
          kind: 'Environment',
          name: d.spec.metadata.name,
          source,
          hash: specHash(d.spec),
          raw: raw.get(d.source),
        }
      : {
          kind: 'Tenant',
          name: d.spec.metadata.name,
          environment: d.spec.spec.environment,
          source,
          hash: specHash(d.spec),
          raw: raw.get(d.source),
        };
  });
}

/** The plan, or a CliError naming the bad option. */
export function planFromOptions(options: DeployCommandOptions): DeploymentPlan {
  try {
    return deploymentPlan({
      project: options.project,
      region: options.region,
      ...(options.projectNumber ? { projectNumber: options.projectNumber } : {}),
      ...(options.specDir ? { specDir: options.specDir } : {}),
      ...(options.apiUrl ? { apiUrl: options.apiUrl.replace(/\/+$/, '') } : {}),
      ...(options.allowedCallers ? { allowedCallers: options.allowedCallers } : {}),
      ...(options.environmentProjects ? { environmentProjects: options.environmentProjects } : {}),
    });
  } catch (error) {
    throw new CliError(`egressctl deploy: ${(error as Error).message}`, ExitCode.usage);
  }
}

/** What --dry-run prints: the plan in words, then every command in order. */
export function renderDryRun(plan: DeploymentPlan, actions: readonly DeployAction[]): string {
  const lines = [
    `Deployment of egress-provisioner to project ${plan.project}, region ${plan.region}`,
    '',
  ];
  lines.push('Functions (2nd gen, nodejs22, --no-allow-unauthenticated):');
  for (const fn of plan.functions) {
    const trigger = fn.pushedBy
      ? `pushed by the subscriptions ${fn.pushedBy.entryPoint} makes`
      : 'HTTP';
    lines.push(
      `  ${fn.name}  entry point ${fn.entryPoint}, ${fn.signature}, ${trigger}, ingress ${fn.ingress}, runs as ${fn.serviceAccount}, invoked by ${fn.invokers.join(', ')}`,
    );
  }
  lines.push('', 'Workflows:');
  for (const wf of plan.workflows)
    lines.push(`  ${wf.name}  from ${wf.source}, runs as ${wf.serviceAccount}`);
  lines.push('', 'Topics (Terraform, checked here):');
  for (const t of plan.topics) {
    lines.push(
      `  ${t.name}  dead letters → ${t.deadLetterTopic} (kept in subscription ${t.deadLetterSubscription})`,
    );
  }
  lines.push('', 'Eventarc triggers (Terraform, checked here):');
  for (const t of plan.eventarcTriggers)
    lines.push(`  ${t.name}  topic ${t.topic} → workflow ${t.workflow}`);
  lines.push('', 'Service accounts and roles (Terraform):');
  for (const sa of plan.serviceAccounts) {
    lines.push(`  ${sa.email}`);
    for (const g of sa.grants) {
      const scope =
        g.scope.kind === 'project'
          ? `project ${plan.project}`
          : g.scope.kind === 'environment-projects'
            ? `projects ${plan.environmentProjects.join(', ')}`
            : g.scope.kind === 'topic'
              ? `topic ${g.scope.topic}`
              : `service account ${g.scope.account}`;
      lines.push(
        `    ${g.role} on ${scope}${g.condition ? ` if ${g.condition.title}` : ''}: ${g.why}`,
      );
    }
  }
  lines.push('', `Commands (${actions.length}):`);
  for (const action of actions) lines.push(describeCommand(action));
  return `${lines.join('\n')}\n`;
}

/** Runs `egressctl deploy` with injectable gcloud and fetch (tests use fakes, users the real ones). */
export async function runDeploy(
  options: DeployCommandOptions,
  io: {
    gcloud?: GcloudRunner;
    fetch?: typeof fetch;
    out?: (text: string) => void;
    root?: string;
  } = {},
): Promise<void> {
  const out = io.out ?? ((text: string) => void process.stdout.write(text));
  const gcloud = io.gcloud ?? spawnGcloud;
  let projectNumber = options.projectNumber;
  if (!projectNumber && !options.dryRun) {
    // The run.app URLs need it; Cloud Build passes $PROJECT_NUMBER, a person may not know it.
    out(`gcloud projects describe ${options.project} --format=value(projectNumber)\n`);
    const result = await gcloud([
      'projects',
      'describe',
      options.project,
      '--format=value(projectNumber)',
    ]);
    if (result.code !== 0)
      throw new CliError(`egressctl deploy: could not read the project number:\n${result.stderr}`);
    projectNumber = result.stdout.trim();
  }
  const plan = planFromOptions({ ...options, ...(projectNumber ? { projectNumber } : {}) });
  const documents = options.specDir ? await loadReconcileDocuments(options.specDir) : [];
  const actions = deployActions(plan, {
    documents,
    ...(options.buildId ? { buildId: options.buildId } : {}),
    ...(options.reconcileOnly ? { reconcileOnly: true } : {}),
  });
  if (options.dryRun) {
    out(renderDryRun(plan, actions));
    return;
  }
  try {
    await executeActions(actions, {
      gcloud,
      fetch: io.fetch ?? fetch,
      log: (line) => out(`${line}\n`),
      root: io.root ?? process.cwd(),
    });
  } catch (error) {
    if (error instanceof DeployFailure)
      throw new CliError(`egressctl deploy: ${error.message}`, ExitCode.invalid);
    throw error;
  }
  out(
    `deployed: ${plan.functions.length} functions, ${plan.workflows.length} workflows; reconciled ${documents.length} spec(s)\n`,
  );
}

const list = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
];

/** `egressctl deploy --project P --region R [--spec-dir DIR] [--dry-run]`. */
export function registerDeployCommand(program: Command): void {
  program
    .command('deploy')
    .description(
      'Deploy the functions and workflows to a Google Cloud project from the deployment manifest, then reconcile the specs of --spec-dir',
    )
    .requiredOption(
      '--project <id>',
      'the service project (where Terraform created topics and service accounts)',
    )
    .requiredOption(
      '--region <region>',
      'region of the functions, workflows and triggers, e.g. us-central1',
    )
    .option('--project-number <number>', 'the project number (read with gcloud when absent)')
    .option('--spec-dir <dir>', 'Environment and Tenant specs to reconcile after deploying')
    .option('--build-id <id>', 'Cloud Build BUILD_ID, part of each reconcile idempotency key')
    .option('--api-url <url>', 'URL of the API function (default: its run.app URL)')
    .option('--allowed-callers <emails>', 'comma list of accounts allowed to use the API', list)
    .option('--environment-projects <ids>', 'comma list of projects environments live in', list)
    .option('--reconcile-only', 'only check the infrastructure and reconcile the specs')
    .option('--dry-run', 'print what would be deployed and every command; run nothing')
    .action(async (opts: DeployCommandOptions) => {
      await runDeploy(opts);
    });
}

import { Option, type Command } from 'commander';
import type { Environment, Tenant } from '#shared/spec/index.js';
import type { TenantRecord, EnvironmentRecord } from '#shared/state/types.js';
import {
  DEFAULT_TIME_SCALE,
  runningStack,
  stackPaths,
  type StackInfo,
} from '../../local/stack/state-files.js';
import { formatSpecError } from '#shared/spec/index.js';
import { runMatrix } from '../analysis/matrix-report.js';
import {
  addTargetOptions,
  apiCall,
  ApiCallError,
  getJson,
  resolveApiUrl,
  type ApiErrorBody,
  type TargetOptions,
} from '../api-client.js';
import { CliError, ExitCode } from '../errors.js';
import {
  addFollowOptions,
  followRun,
  progressOnStdout,
  type FollowOptions,
} from '../follow-run.js';
import { formatRun, recordedMatrix, runOutcome } from '../format/run.js';
import { chooseEnvironment, loadAndValidateSpecs, loadLocalSeed } from '../load-specs.js';
import { parseTimeScale } from '../options.js';
import type { RunView } from '../progress.js';
import { startStackForCli, stopOnSignal } from '../stack.js';
import { seedRunningSimulator, simulatedResources } from '../stack-services.js';
import { putEachTenant } from '../tenant-api.js';

interface UpOptions extends TargetOptions, FollowOptions {
  file: string[];
  target: string;
  once?: boolean;
  environment?: string;
  timeScale?: string;
  idempotencyKey?: string;
}

async function runUp(options: UpOptions): Promise<void> {
  if (options.target !== 'local') {
    throw new CliError(
      `--target ${options.target} is not supported yet; use --target local`,
      ExitCode.usage,
    );
  }
  const began = Date.now();
  const write = (text: string) => process.stdout.write(text);
  const validated = await loadAndValidateSpecs(options.file);
  if (!validated.ok) {
    throw new CliError(validated.errors.map((e) => formatSpecError(e)).join('\n'));
  }
  const environment = chooseEnvironment(validated.specs.environments, options.environment);
  const tenants = validated.specs.tenants.filter(
    (t) => t.spec.environment === environment.metadata.name,
  );
  // What exists before the product runs (the tutorial's hand-made bucket): see local/gcp/seed.ts.
  const seed = await loadLocalSeed(options.file);

  let stack = options.apiUrl ? undefined : runningStack(options.stateDir);
  let stopOwnStack: (() => Promise<void>) | undefined;
  if (!options.apiUrl && !stack) {
    const timeScale =
      options.timeScale === undefined ? DEFAULT_TIME_SCALE : parseTimeScale(options.timeScale);
    write(
      `starting the local stack (state dir ${stackPaths(options.stateDir).stateDir}, time scale ${timeScale})\n`,
    );
    const started = await startStackForCli({
      stateDir: options.stateDir,
      timeScale,
      gcloudProject: environment.spec.project,
      ...(seed ? { seed } : {}),
      log: (line) => write(`  ${line}\n`),
    });
    stack = started.info;
    stopOwnStack = started.stop;
  } else if (stack) {
    write(`attached to the local stack of ${stack.stateDir} (pid ${stack.pid})\n`);
    if (seed && stack.endpoints.gcp) await seedRunningSimulator(stack.endpoints.gcp, seed, write);
  }
  const apiUrl = options.apiUrl ?? stack?.endpoints.api;
  if (!apiUrl) throw new CliError('the local stack runs no API (see --only)');
  // The api function serves the web console (functions/lib/console-static.ts, docs/console.md).
  write(`web console: ${apiUrl.replace(/\/+$/, '')}/console/\n`);

  try {
    const headers: Record<string, string> = options.idempotencyKey
      ? { 'Idempotency-Key': options.idempotencyKey }
      : {};
    const posted = await apiCall<{ runId?: string } & ApiErrorBody>(
      apiUrl,
      'POST',
      '/v1/environments',
      environment,
      headers,
    );
    let runId: string;
    if (posted.status === 202 || posted.status === 200) {
      runId = posted.body.runId!;
      write(
        `environment ${environment.metadata.name}: run ${runId} ${posted.status === 202 ? 'started' : '(existing run for this Idempotency-Key)'}\n`,
      );
    } else if (posted.status === 409 && posted.body.reason === 'environment-busy') {
      const env = await getJson<EnvironmentRecord>(
        apiUrl,
        `/v1/environments/${environment.metadata.name}`,
        'environment',
      );
      if (!env.currentRun)
        throw new ApiCallError(posted.status, posted.body, 'POST /v1/environments');
      runId = env.currentRun;
      write(`environment ${environment.metadata.name} is busy: following its run ${runId}\n`);
    } else {
      throw new ApiCallError(posted.status, posted.body, 'POST /v1/environments');
    }
    if (!(await putTenants(apiUrl, tenants, write))) process.exitCode = ExitCode.invalid;
    const view = await followRun(apiUrl, runId, progressOnStdout(options, stack));
    write(`\n${await summary(apiUrl, view, environment, stack, options, began)}`);
    if (view.run.status === 'FAILED') process.exitCode = ExitCode.invalid;
    if (!options.once && stopOwnStack) {
      write(
        `\nThe local stack stays up for exploring: the web console at ${apiUrl.replace(/\/+$/, '')}/console/, and eval "$(egressctl local env --state-dir ${options.stateDir})". Ctrl-C stops it.\n`,
      );
      await stopOnSignal(stopOwnStack);
      stopOwnStack = undefined;
    }
  } finally {
    await stopOwnStack?.();
  }
  // Client libraries keep sockets and timers alive for a while after close(): the run is over.
  process.exit(process.exitCode ?? ExitCode.ok);
}

/**
 * PUTs each tenant through the API as the caller: the API admits it (or answers why not) and
 * applies it with the environment's run. Prints one line for all; false when any was refused.
 */
async function putTenants(
  apiUrl: string,
  tenants: readonly Tenant[],
  write: (text: string) => void,
): Promise<boolean> {
  const results = await putEachTenant(apiUrl, tenants);
  for (const result of results) if ('refused' in result) write(`${result.refused.message}\n`);
  const answers = results.flatMap((r) =>
    'answer' in r ? [`${r.tenant.metadata.name} ${r.answer.outcome}`] : [],
  );
  if (answers.length > 0) write(`tenants: ${answers.join(', ')}\n`);
  return results.every((r) => 'answer' in r);
}

async function summary(
  apiUrl: string,
  view: RunView,
  environment: Environment,
  stack: StackInfo | undefined,
  options: UpOptions,
  began: number,
): Promise<string> {
  const lines = [runOutcome(view).trimEnd()];
  lines.push(`wall time: ${((Date.now() - began) / 1000).toFixed(1)}s`);
  if (stack?.endpoints.gcp) {
    const resources = await simulatedResources(stack.endpoints.gcp);
    const entries = Object.entries(resources);
    lines.push(
      `resources in the GCP simulator: ${entries.length ? entries.map(([k, n]) => `${k} ${n}`).join(', ') : 'none'}`,
    );
  }
  if (stack && Object.keys(stack.endpoints.clusters).length > 0) {
    lines.push(
      `clusters: ${Object.entries(stack.endpoints.clusters)
        .map(([n, u]) => `${n} ${u}`)
        .join(', ')}`,
    );
  }
  const tenants = await apiCall<{ tenants?: TenantRecord[] }>(
    apiUrl,
    'GET',
    `/v1/environments/${environment.metadata.name}/tenants`,
  );
  if (tenants.status === 200 && tenants.body.tenants?.length) {
    lines.push(`tenants: ${tenants.body.tenants.map((t) => `${t.id} ${t.status}`).join(', ')}`);
  }
  const recorded = recordedMatrix(view);
  if (recorded) {
    lines.push('', recorded.trimEnd());
    return `${lines.join('\n')}\n`;
  }
  lines.push('', 'reachability (desired state compiled from the specs):');
  try {
    lines.push(
      (
        await runMatrix({
          file: options.file,
          environment: environment.metadata.name,
          output: 'text',
        })
      ).trimEnd(),
    );
  } catch (error) {
    lines.push(`  (not available: ${(error as Error).message})`);
  }
  return `${lines.join('\n')}\n`;
}

/** `egressctl down ENV`: asks the API to tear the environment down and follows the run. */
async function runDown(environmentId: string, options: TargetOptions & FollowOptions) {
  const { apiUrl, stack } = resolveApiUrl(options);
  const answer = await apiCall<{ runId?: string } & ApiErrorBody>(
    apiUrl,
    'DELETE',
    `/v1/environments/${encodeURIComponent(environmentId)}`,
  );
  if (answer.status !== 202 && answer.status !== 200) {
    throw new ApiCallError(answer.status, answer.body, `DELETE /v1/environments/${environmentId}`);
  }
  process.stdout.write(`environment ${environmentId}: teardown run ${answer.body.runId}\n`);
  const view = await followRun(apiUrl, answer.body.runId!, progressOnStdout(options, stack));
  process.stdout.write(runOutcome(view));
  if (view.run.status === 'FAILED') process.exitCode = ExitCode.invalid;
}

/** `egressctl status ENV`: the environment's record and its tenants. */
async function showStatus(environmentId: string, options: TargetOptions & { output: string }) {
  const { apiUrl } = resolveApiUrl(options);
  const id = encodeURIComponent(environmentId);
  const env = await getJson<EnvironmentRecord>(
    apiUrl,
    `/v1/environments/${id}`,
    `environment ${environmentId}`,
  );
  const { tenants } = await getJson<{ tenants: TenantRecord[] }>(
    apiUrl,
    `/v1/environments/${id}/tenants`,
    'tenants',
  );
  if (options.output === 'json') {
    process.stdout.write(`${JSON.stringify({ environment: env, tenants }, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `environment ${env.id}  ${env.status}  updated ${env.updatedAt}\n` +
      `current run: ${env.currentRun ?? '-'}${env.lease ? `  (lease held by ${env.lease.holder})` : ''}\n` +
      `steps with outputs: ${Object.keys(env.outputs).join(', ') || '-'}\n` +
      `tenants: ${tenants.map((t) => `${t.id} ${t.status}`).join(', ') || '-'}\n`,
  );
}

/** `egressctl runs RUN`: a run, its steps and the matrix its tenants step recorded. */
async function showRun(runId: string, options: TargetOptions & { output: string }) {
  const { apiUrl, stack } = resolveApiUrl(options);
  const view = await getJson<RunView>(
    apiUrl,
    `/v1/runs/${encodeURIComponent(runId)}`,
    `run ${runId}`,
  );
  process.stdout.write(
    options.output === 'json'
      ? `${JSON.stringify(view, null, 2)}\n`
      : formatRun(view, stack?.timeScale),
  );
}

/**
 * A command that reads one API resource and prints it (`status`, `runs`): the argument naming it,
 * `-o text|json`, and where the API is.
 */
function addReadCommand(
  program: Command,
  name: string,
  description: string,
  argument: [name: string, description: string],
): Command {
  return addTargetOptions(
    program
      .command(name)
      .description(description)
      .argument(...argument)
      .option('-o, --output <format>', 'text or json', 'text'),
  );
}

/**
 * `egressctl up|down|status|runs`: provision, tear down and inspect environments through the
 * HTTP API (the local stack's, started on demand by `up --target local`).
 */
export function registerStackClientCommands(program: Command): void {
  addTargetOptions(
    addFollowOptions(
      program
        .command('up')
        .description(
          'Provision an environment and its tenants; starts the local stack when none runs',
        )
        .requiredOption(
          '-f, --file <paths...>',
          'Environment and Tenant specs (files or directories)',
        )
        .addOption(
          new Option('--target <target>', 'where to provision').choices(['local']).default('local'),
        )
        .option(
          '--once',
          'exit when the run ends (non-zero when it failed) instead of keeping the stack up',
        )
        .option(
          '-e, --environment <name>',
          'the Environment to provision when the files hold several',
        )
        .option(
          '--time-scale <x>',
          `for a stack this command starts: multiplier of Google's durations (default ${DEFAULT_TIME_SCALE})`,
        )
        .option(
          '--idempotency-key <key>',
          'send this Idempotency-Key: the same key returns the same run',
        ),
    ),
  ).action(runUp);

  addTargetOptions(
    addFollowOptions(
      program
        .command('down')
        .description('Tear an environment down and follow the run')
        .argument('<environment>', 'environment name'),
    ),
  ).action(runDown);

  addReadCommand(program, 'status', "Show an environment's status, current run and tenants", [
    '<environment>',
    'environment name',
  ]).action(showStatus);

  addReadCommand(program, 'runs', 'Show a run and its steps', ['<run>', 'run id (run-...)']).action(
    showRun,
  );
}

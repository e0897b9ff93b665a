import { Option, type Command } from 'commander';
import type { Environment, Tenant } from '../../shared/spec/index.js';
import { specHash } from '../../shared/spec/index.js';
import type { TenantRecord, EnvironmentRecord } from '../../shared/state/types.js';
import {
  DEFAULT_STATE_DIR,
  DEFAULT_TIME_SCALE,
  TENANT_REQUESTS_TOPIC,
  runningStack,
  stackPaths,
  type StackInfo,
} from '../../local/stack/state-files.js';
import { CliError, ExitCode } from '../errors.js';
import { loadAndValidateSpecs, loadLocalSeed } from '../load-specs.js';
import type { SimSeed } from '../../local/gcp/seed.js';
import { formatSpecError } from '../../shared/spec/index.js';
import { parseTimeScale, startStackForCli, stopOnSignal } from './local.js';
import { formatRecordedMatrix, runMatrix } from './matrix.js';
import { createRunProgress, stepLine, type ProgressStream, type RunView } from '../progress.js';

/** A JSON error body of the API. */
interface ApiErrorBody {
  kind?: string;
  reason?: string;
  message?: string;
  field?: string;
}

/** An API answer that is not what the command expected. */
export class ApiCallError extends CliError {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
    what: string,
  ) {
    super(
      `${what}: HTTP ${status}${body.reason ? ` ${body.reason}` : ''}: ${body.message ?? JSON.stringify(body)}${body.field ? ` (field ${body.field})` : ''}`,
    );
  }
}

/** Calls the API; returns status and JSON body. Connection failures become a CliError. */
export async function apiCall<T>(
  apiUrl: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  let res: Response;
  try {
    res = await fetch(`${apiUrl.replace(/\/+$/, '')}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    throw new CliError(`cannot reach the API at ${apiUrl}: ${(error as Error).message}`);
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = { message: text.slice(0, 500) };
  }
  return { status: res.status, body: parsed as T };
}

async function getJson<T>(apiUrl: string, path: string, what: string): Promise<T> {
  let answer: { status: number; body: T } | undefined;
  // A GET is safe to repeat: a dropped connection while polling must not end the command.
  for (let attempt = 1; !answer; attempt++) {
    try {
      answer = await apiCall<T>(apiUrl, 'GET', path);
    } catch (error) {
      if (attempt >= 3) throw error;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
  const { status, body } = answer;
  if (status !== 200) throw new ApiCallError(status, body as ApiErrorBody, what);
  return body;
}

interface TargetOptions {
  stateDir: string;
  apiUrl?: string;
}

/** The API to talk to: --api-url, else EGRESS_API_URL, else the local stack of the state dir. */
export function resolveApiUrl(options: TargetOptions): { apiUrl: string; stack?: StackInfo } {
  if (options.apiUrl) return { apiUrl: options.apiUrl };
  const stack = runningStack(options.stateDir);
  if (stack?.endpoints.api) return { apiUrl: stack.endpoints.api, stack };
  if (process.env.EGRESS_API_URL) return { apiUrl: process.env.EGRESS_API_URL };
  throw new CliError(
    `no API to talk to: no local stack runs with state dir ${stackPaths(options.stateDir).stateDir}, ` +
      'and neither --api-url nor EGRESS_API_URL is set (start one with: egressctl local up)',
  );
}

/** How the progress of a run is shown. */
export interface ProgressOptions {
  /** Multiplier of real Google durations of the stack (simulated time = real / timeScale). */
  timeScale?: number;
  /** Seconds between polls (real time). */
  pollSeconds: number;
  /** Give up after this many real seconds. */
  timeoutSeconds: number;
  /** A spinner when it is a TTY, timestamped lines otherwise (see cli/progress.ts). */
  stream: ProgressStream;
}

/**
 * Polls `GET /v1/runs/{id}` until the run ends, showing each step change and the outcome
 * (cli/progress.ts). Returns the last view.
 */
export async function followRun(
  apiUrl: string,
  runId: string,
  options: ProgressOptions,
): Promise<RunView> {
  const started = Date.now();
  const progress = createRunProgress({
    runId,
    stream: options.stream,
    ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
  });
  try {
    for (;;) {
      const view = await getJson<RunView>(
        apiUrl,
        `/v1/runs/${encodeURIComponent(runId)}`,
        `run ${runId}`,
      );
      progress.update(view);
      if (view.run.status === 'SUCCEEDED' || view.run.status === 'FAILED') {
        progress.finish(view);
        return view;
      }
      if ((Date.now() - started) / 1000 > options.timeoutSeconds) {
        throw new CliError(
          `run ${runId} did not end within ${options.timeoutSeconds}s (it is ${view.run.status})`,
        );
      }
      await new Promise((r) => setTimeout(r, options.pollSeconds * 1000));
    }
  } finally {
    progress.stop();
  }
}

/** The failing step of a run: from its FAILED step record, or the `step X:` of its error. */
export function failingStep(view: RunView): string | undefined {
  const failed = view.steps.find((s) => s.status === 'FAILED');
  if (failed) return failed.step;
  return /^step ([a-z-]+):/.exec(view.run.error?.message ?? '')?.[1];
}

/** The end of a run in words: status, and for a failure the step, reason, field and message. */
export function runOutcome(view: RunView): string {
  const { run } = view;
  if (run.status !== 'FAILED') return `run ${run.id} ${run.status}\n`;
  const step = failingStep(view);
  const record = view.steps.find((s) => s.step === step);
  const error = record?.error ?? run.error;
  return (
    `run ${run.id} FAILED\n` +
    `  step:     ${step ?? '(unknown)'}\n` +
    `  reason:   ${error?.reason ?? run.error?.reason ?? 'unknown'}\n` +
    (error?.field ? `  resource: ${error.field}\n` : '') +
    `  message:  ${error?.message ?? run.error?.message ?? ''}\n`
  );
}

/** Resources the GCP simulator holds, by collection (what the run created). */
async function simulatedResources(gcpUrl: string): Promise<Record<string, number>> {
  try {
    const res = await fetch(`${gcpUrl}/__admin/state`, { signal: AbortSignal.timeout(10_000) });
    const state = (await res.json()) as { resources?: Record<string, Record<string, unknown>> };
    return Object.fromEntries(
      Object.entries(state.resources ?? {})
        .map(([collection, items]): [string, number] => [collection, Object.keys(items).length])
        .filter(([, n]) => n > 0),
    );
  } catch {
    return {};
  }
}

/** Seeds an already running GCP simulator (idempotent: it creates only what is missing). */
async function seedRunningSimulator(
  gcpUrl: string,
  seed: SimSeed,
  write: (text: string) => void,
): Promise<void> {
  const res = await fetch(`${gcpUrl}/__admin/seed`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(seed),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as { created?: string[]; error?: { message?: string } };
  if (!res.ok)
    throw new CliError(body.error?.message ?? `seeding the GCP simulator: HTTP ${res.status}`);
  if (body.created?.length) write(`seeded the GCP simulator: ${body.created.join(', ')}\n`);
}

interface UpOptions extends TargetOptions {
  file: string[];
  target: string;
  once?: boolean;
  environment?: string;
  timeScale?: string;
  poll: string;
  timeout: string;
  idempotencyKey?: string;
}

function pickEnvironment(environments: Environment[], name?: string): Environment {
  if (name) {
    const found = environments.find((e) => e.metadata.name === name);
    if (!found) throw new CliError(`no Environment named ${name} in the files`);
    return found;
  }
  if (environments.length !== 1) {
    throw new CliError(
      `the files hold ${environments.length} Environments (${environments.map((e) => e.metadata.name).join(', ') || 'none'}); pick one with --environment`,
    );
  }
  return environments[0]!;
}

async function publishTenants(stack: StackInfo, tenants: Tenant[]): Promise<string[]> {
  if (tenants.length === 0) return [];
  if (!stack.endpoints.pubsubHost)
    throw new CliError('the local stack runs no Pub/Sub emulator (see --only)');
  const { PubSub } = await import('@google-cloud/pubsub');
  const pubsub = new PubSub({
    projectId: stack.projectId,
    apiEndpoint: stack.endpoints.pubsubHost,
    emulatorMode: true,
  });
  try {
    return await Promise.all(
      tenants.map((tenant) =>
        pubsub.topic(TENANT_REQUESTS_TOPIC).publishMessage({
          json: tenant,
          attributes: {
            environment: tenant.spec.environment,
            // The same document published twice is the same request: one run, not two.
            idempotencyKey: `tenant-${tenant.metadata.name}-${specHash(tenant).slice(0, 32)}`,
          },
        }),
      ),
    );
  } finally {
    await pubsub.close();
  }
}

function number(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    throw new CliError(`${option} must be a positive number, got "${text}"`, ExitCode.usage);
  }
  return value;
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
  const environment = pickEnvironment(validated.specs.environments, options.environment);
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
    if (stack) {
      const ids = await publishTenants(stack, tenants);
      if (ids.length)
        write(
          `published ${tenants.map((t) => t.metadata.name).join(', ')} to ${TENANT_REQUESTS_TOPIC} (messages ${ids.join(', ')})\n`,
        );
    }
    const view = await followRun(apiUrl, runId, {
      ...(stack ? { timeScale: stack.timeScale } : {}),
      pollSeconds: number(options.poll, '--poll'),
      timeoutSeconds: number(options.timeout, '--timeout'),
      stream: process.stdout,
    });
    write(`\n${await summary(apiUrl, view, environment, stack, options, began)}`);
    if (view.run.status === 'FAILED') process.exitCode = ExitCode.invalid;
    if (!options.once && stopOwnStack) {
      write(
        `\nThe local stack stays up for exploring: eval "$(egressctl local env --state-dir ${options.stateDir})". Ctrl-C stops it.\n`,
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

function targetOptions(command: Command): Command {
  return command
    .option('--state-dir <dir>', 'state directory of the local stack', DEFAULT_STATE_DIR)
    .option(
      '--api-url <url>',
      'the API (default: the local stack of --state-dir, then EGRESS_API_URL)',
    );
}

/**
 * The reachability matrix the run's tenants step recorded after its apply (read from the live
 * cluster), with its heading; undefined when the run has none (no tenants step done yet).
 */
export function recordedMatrix(view: RunView): string | undefined {
  const table = formatRecordedMatrix(view.steps.find((s) => s.step === 'tenants')?.outputs);
  return table && `reachability (recorded by the tenants step from the live cluster):\n${table}`;
}

function printRun(view: RunView, timeScale?: number): string {
  const { run } = view;
  const recorded = recordedMatrix(view);
  return (
    `run ${run.id}  ${run.kind}  environment ${run.environment}  ${run.status}\n` +
    `created ${run.createdAt}${run.finishedAt ? `  finished ${run.finishedAt}` : ''}\n` +
    view.steps.map((s) => `  ${stepLine(s, timeScale)}\n`).join('') +
    (run.status === 'FAILED' ? runOutcome(view) : '') +
    (recorded ? `\n${recorded}` : '')
  );
}

/**
 * `egressctl up|down|status|runs`: provision, tear down and inspect environments through the
 * HTTP API (the local stack's, started on demand by `up --target local`).
 */
export function registerStackClientCommands(program: Command): void {
  targetOptions(
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
      )
      .option('--poll <seconds>', 'seconds between progress polls', '0.5')
      .option('--timeout <seconds>', 'give up following the run after this many seconds', '3600'),
  ).action(runUp);

  targetOptions(
    program
      .command('down')
      .description('Tear an environment down and follow the run')
      .argument('<environment>', 'environment name')
      .option('--poll <seconds>', 'seconds between progress polls', '0.5')
      .option('--timeout <seconds>', 'give up following the run after this many seconds', '3600'),
  ).action(
    async (environmentId: string, options: TargetOptions & { poll: string; timeout: string }) => {
      const { apiUrl, stack } = resolveApiUrl(options);
      const answer = await apiCall<{ runId?: string } & ApiErrorBody>(
        apiUrl,
        'DELETE',
        `/v1/environments/${encodeURIComponent(environmentId)}`,
      );
      if (answer.status !== 202 && answer.status !== 200) {
        throw new ApiCallError(
          answer.status,
          answer.body,
          `DELETE /v1/environments/${environmentId}`,
        );
      }
      process.stdout.write(`environment ${environmentId}: teardown run ${answer.body.runId}\n`);
      const view = await followRun(apiUrl, answer.body.runId!, {
        ...(stack ? { timeScale: stack.timeScale } : {}),
        pollSeconds: number(options.poll, '--poll'),
        timeoutSeconds: number(options.timeout, '--timeout'),
        stream: process.stdout,
      });
      process.stdout.write(runOutcome(view));
      if (view.run.status === 'FAILED') process.exitCode = ExitCode.invalid;
    },
  );

  targetOptions(
    program
      .command('status')
      .description("Show an environment's status, current run and tenants")
      .argument('<environment>', 'environment name')
      .option('-o, --output <format>', 'text or json', 'text'),
  ).action(async (environmentId: string, options: TargetOptions & { output: string }) => {
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
  });

  targetOptions(
    program
      .command('runs')
      .description('Show a run and its steps')
      .argument('<run>', 'run id (run-...)')
      .option('-o, --output <format>', 'text or json', 'text'),
  ).action(async (runId: string, options: TargetOptions & { output: string }) => {
    const { apiUrl, stack } = resolveApiUrl(options);
    const view = await getJson<RunView>(
      apiUrl,
      `/v1/runs/${encodeURIComponent(runId)}`,
      `run ${runId}`,
    );
    process.stdout.write(
      options.output === 'json'
        ? `${JSON.stringify(view, null, 2)}\n`
        : printRun(view, stack?.timeScale),
    );
  });
}

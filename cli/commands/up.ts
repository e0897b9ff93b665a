import { Option, type Command } from 'commander';
import { environmentSteps } from '#shared/steps/index.js';
import {
  MemoryStepRecords,
  runSteps,
  type ProgressEvent,
  type RunReport,
} from '#shared/steps/runner.js';
import { CliError, ExitCode } from '../errors.js';
import { chooseEnvironment, loadValidSpecs } from '../load-specs.js';

/** Options of `egressctl up --steps-only` and `egressctl down ENV --steps-only`. */
export interface StepsOnlyOptions {
  file: string[];
  environment?: string;
  gcpEndpoint?: string;
}

/** What a steps-only run does: provision (ensure, the graph in order) or teardown (remove, reversed). */
export type StepsOnlyMode = 'provision' | 'teardown';

/** One progress event as a timestamped line. */
export function progressLine(event: ProgressEvent): string {
  const at = new Date(event.at).toISOString();
  const step = event.step.padEnd(16);
  switch (event.type) {
    case 'started':
      return `${at}  ${step} started (call ${event.attempt})`;
    case 'pending':
      return `${at}  ${step} pending, again in ${event.retryAfterSeconds} s${event.message ? `: ${event.message}` : ''}${event.operation ? ` [operation ${event.operation.name}]` : ''}`;
    case 'retrying':
      return `${at}  ${step} retrying in ${event.delaySeconds} s (${event.reason}): ${event.message}`;
    case 'done':
      return `${at}  ${step} done in ${(event.elapsedMs / 1000).toFixed(1)} s`;
    case 'failed':
      return `${at}  ${step} FAILED (${event.reason}): ${event.message}`;
    case 'skipped':
      return `${at}  ${step} skipped: ${event.why}`;
  }
}

/** Why steps-only skips the steps it skips: its registry holds the Google Cloud steps alone. */
const STEPS_ONLY_SKIP_REASON = 'Kubernetes steps, which --steps-only does not run';

/** The end of a run as the user reads it. */
export function reportSummary(report: RunReport, mode: StepsOnlyMode = 'provision'): string {
  const lines: string[] = [];
  if (report.skipped.length > 0) {
    lines.push(`skipped (${STEPS_ONLY_SKIP_REASON}): ${report.skipped.join(', ')}`);
  }
  if (report.failure) {
    const { step, reason, message, resource, field } = report.failure;
    lines.push(
      `${mode === 'provision' ? 'provisioning' : 'teardown'} failed at step ${step} (${reason}): ${message}`,
    );
    if (resource) lines.push(`  resource: ${resource}`);
    if (field) lines.push(`  field: ${field}`);
  } else {
    lines.push(`${mode === 'provision' ? 'provisioning' : 'teardown'} succeeded`);
  }
  return lines.join('\n');
}

/**
 * Runs the environment's Google Cloud steps in this process against a running GCP simulator,
 * without workflows or functions: `egressctl up -f PATH --target local --steps-only`.
 * Returns the exit code.
 */
export function runStepsOnlyUp(
  options: StepsOnlyOptions,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<number> {
  return runStepsOnly('provision', options, write);
}

/**
 * Runs the remove side of the environment's Google Cloud steps (the reverse graph) in this
 * process against a running GCP simulator: `egressctl down ENV --steps-only -f PATH`. Deletes
 * only what the environment owns. Returns the exit code.
 */
export function runStepsOnlyDown(
  environmentName: string,
  options: StepsOnlyOptions,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<number> {
  if (options.environment && options.environment !== environmentName) {
    throw new CliError(
      `down ${environmentName} --environment ${options.environment}: the two names differ`,
      ExitCode.usage,
    );
  }
  return runStepsOnly('teardown', { ...options, environment: environmentName }, write);
}

async function runStepsOnly(
  mode: StepsOnlyMode,
  options: StepsOnlyOptions,
  write: (line: string) => void,
): Promise<number> {
  const endpoint = options.gcpEndpoint ?? process.env.EGRESS_GCP_ENDPOINT;
  if (!endpoint) {
    throw new CliError(
      '--steps-only needs --gcp-endpoint URL (or EGRESS_GCP_ENDPOINT): the local GCP simulator',
      ExitCode.usage,
    );
  }
  const { environments } = await loadValidSpecs(options.file);
  const environment = chooseEnvironment(environments, options.environment);
  let gcp;
  try {
    // The Google client libraries take seconds to load: only this path pays for them.
    const { createGcpAdapters } = await import('../compose.js');
    gcp = createGcpAdapters({ mode: 'local', endpoint });
  } catch (error) {
    throw new CliError(`--gcp-endpoint: ${(error as Error).message}`, ExitCode.usage);
  }
  const runId = `run-cli-${Date.now().toString(16)}`;
  write(
    `environment ${environment.metadata.name}: ${mode === 'provision' ? 'provisioning' : 'tearing down'} against ${endpoint} (run ${runId}, steps only)`,
  );
  const report = await runSteps({
    runId,
    mode,
    environment,
    registry: environmentSteps({
      gcp,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    }),
    records: new MemoryStepRecords(),
    skipReason: STEPS_ONLY_SKIP_REASON,
    clock: { now: () => Date.now() },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    onEvent: (event) => write(progressLine(event)),
  });
  reportSummary(report, mode)
    .split('\n')
    .forEach((line) => write(line));
  return report.status === 'succeeded' ? ExitCode.ok : ExitCode.invalid;
}

/** Adds `--steps-only` and `--gcp-endpoint` to an `up` command, and runs the steps when asked. */
function addStepsOnly(command: Command): void {
  command
    .option(
      '--steps-only',
      'run the Google Cloud steps in this process against the GCP simulator (no workflows, no functions)',
    )
    .option(
      '--gcp-endpoint <url>',
      'the GCP simulator, e.g. http://127.0.0.1:8085 (default: EGRESS_GCP_ENDPOINT)',
    );
  command.hook('preAction', async (thisCommand) => {
    const options = thisCommand.opts<StepsOnlyOptions & { stepsOnly?: boolean }>();
    if (!options.stepsOnly) return;
    process.exit(await runStepsOnlyUp(options));
  });
}

/** Adds an option unless the command already has one with that long flag (another file's). */
function addOptionOnce(command: Command, option: Option): void {
  if (command.options.some((existing) => existing.long === option.long)) return;
  command.addOption(option);
}

/**
 * Adds `--steps-only`, `-f`, `--target` and `--gcp-endpoint` to a `down <environment>` command:
 * with `--steps-only` it tears the environment down in this process, through the steps'
 * remove side, instead of asking the HTTP API.
 */
function addStepsOnlyDown(command: Command): void {
  addOptionOnce(
    command,
    new Option(
      '--steps-only',
      'run the remove side of the Google Cloud steps in this process against the GCP simulator (no workflows, no functions); needs -f',
    ),
  );
  addOptionOnce(
    command,
    new Option('-f, --file <paths...>', 'with --steps-only: the Environment spec files'),
  );
  addOptionOnce(
    command,
    new Option('--target <target>', 'where the environment lives')
      .choices(['local'])
      .default('local'),
  );
  addOptionOnce(
    command,
    new Option(
      '--gcp-endpoint <url>',
      'the GCP simulator, e.g. http://127.0.0.1:8085 (default: EGRESS_GCP_ENDPOINT)',
    ),
  );
  command.hook('preAction', async (thisCommand) => {
    const options = thisCommand.opts<Partial<StepsOnlyOptions> & { stepsOnly?: boolean }>();
    if (!options.stepsOnly) return;
    const [environmentName] = thisCommand.args;
    if (!options.file?.length) {
      throw new CliError('down --steps-only needs -f PATH: the Environment spec', ExitCode.usage);
    }
    process.exit(
      await runStepsOnlyDown(String(environmentName), { ...options, file: options.file }),
    );
  });
}

/**
 * The action of an `up`/`down` this file had to create because no HTTP API client registered
 * one: without `--steps-only` (handled before the action runs) there is nothing it can do.
 */
function refuseWithoutStepsOnly(command: Command): void {
  command.action(() => {
    throw new CliError(
      `${command.name()} without --steps-only goes through the HTTP API, which this build does not include; add --steps-only`,
      ExitCode.usage,
    );
  });
}

/**
 * `egressctl up ... --steps-only` and `egressctl down ENV --steps-only -f PATH`. Register it
 * after any other `up`/`down` command: when one exists (the HTTP API client), the steps-only
 * options are added to it; otherwise the command is created here and, without `--steps-only`,
 * explains that it needs the API.
 */
export function registerUpCommand(program: Command): void {
  const down = program.commands.find((command) => command.name() === 'down');
  if (down) addStepsOnlyDown(down);
  else {
    const created = program
      .command('down')
      .description(
        'Tear an environment down (with --steps-only: its Google Cloud steps, in this process)',
      )
      .argument('<environment>', 'environment name');
    addStepsOnlyDown(created);
    refuseWithoutStepsOnly(created);
  }
  const existing = program.commands.find((command) => command.name() === 'up');
  if (existing) {
    addStepsOnly(existing);
    return;
  }
  const up = program
    .command('up')
    .description(
      'Provision an environment (with --steps-only: its Google Cloud steps, in this process)',
    )
    .requiredOption('-f, --file <paths...>', 'Environment spec files (files or directories)')
    .addOption(
      new Option('--target <target>', 'where to provision').choices(['local']).default('local'),
    )
    .option('-e, --environment <name>', 'the Environment to provision when the files hold several');
  addStepsOnly(up);
  refuseWithoutStepsOnly(up);
}

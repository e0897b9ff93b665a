import { Option, type Command } from 'commander';
import { formatSpecError, type Environment } from '../../shared/spec/index.js';
import { environmentSteps } from '../../shared/steps/index.js';
import {
  MemoryStepRecords,
  runSteps,
  type ProgressEvent,
  type RunReport,
} from '../../shared/steps/runner.js';
import { CliError, ExitCode } from '../errors.js';
import { loadAndValidateSpecs } from '../load-specs.js';

/** Options of `egressctl up --steps-only`. */
export interface StepsOnlyOptions {
  file: string[];
  environment?: string;
  gcpEndpoint?: string;
}

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

async function loadEnvironment(files: string[], name?: string): Promise<Environment> {
  const result = await loadAndValidateSpecs(files);
  if (!result.ok) {
    throw new CliError(
      [
        `invalid input: ${result.errors.length} problem(s)`,
        ...result.errors.map((e) => `  ${formatSpecError(e)}`),
      ].join('\n'),
      ExitCode.invalid,
    );
  }
  const environments = result.specs.environments;
  const chosen = name ? environments.filter((env) => env.metadata.name === name) : environments;
  if (chosen.length !== 1) {
    throw new CliError(
      name
        ? `no Environment named "${name}" in the given files (found: ${environments.map((e) => e.metadata.name).join(', ') || 'none'})`
        : `the files hold ${environments.length} Environments; choose one with --environment`,
      ExitCode.invalid,
    );
  }
  return chosen[0] as Environment;
}

/** The end of a run as the user reads it. */
export function reportSummary(report: RunReport): string {
  const lines: string[] = [];
  if (report.skipped.length > 0) {
    lines.push(`skipped (not implemented in this build): ${report.skipped.join(', ')}`);
  }
  if (report.failure) {
    const { step, reason, message, resource, field } = report.failure;
    lines.push(`provisioning failed at step ${step} (${reason}): ${message}`);
    if (resource) lines.push(`  resource: ${resource}`);
    if (field) lines.push(`  field: ${field}`);
  } else {
    lines.push('provisioning succeeded');
  }
  return lines.join('\n');
}

/**
 * Runs the environment's Google Cloud steps in this process against a running GCP simulator,
 * without workflows or functions: `egressctl up -f PATH --target local --steps-only`.
 * Returns the exit code.
 */
export async function runStepsOnlyUp(
  options: StepsOnlyOptions,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<number> {
  const endpoint = options.gcpEndpoint ?? process.env.EGRESS_GCP_ENDPOINT;
  if (!endpoint) {
    throw new CliError(
      '--steps-only needs --gcp-endpoint URL (or EGRESS_GCP_ENDPOINT): the local GCP simulator',
      ExitCode.usage,
    );
  }
  const environment = await loadEnvironment(options.file, options.environment);
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
    `environment ${environment.metadata.name}: provisioning against ${endpoint} (run ${runId}, steps only)`,
  );
  const report = await runSteps({
    runId,
    mode: 'provision',
    environment,
    registry: environmentSteps({
      gcp,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    }),
    records: new MemoryStepRecords(),
    clock: { now: () => Date.now() },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    onEvent: (event) => write(progressLine(event)),
  });
  reportSummary(report)
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

/**
 * `egressctl up ... --steps-only`. Register it after any other `up` command: when one exists
 * (the HTTP API client), the steps-only options are added to it; otherwise `up` is created here
 * and, without `--steps-only`, explains that it needs the API.
 */
export function registerUpCommand(program: Command): void {
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
  up.action(() => {
    throw new CliError(
      'up without --steps-only goes through the HTTP API, which this build does not include; add --steps-only',
      ExitCode.usage,
    );
  });
}

import type { Command } from 'commander';
// Only the light modules at load time: the launcher pulls the simulators and Google clients,
// which every other egressctl command would otherwise pay for at start-up.
import { stopProcessGroup } from '../../local/stack/functions-process.js';
import type { LocalStack, StackPorts } from '../../local/stack/launcher.js';
import type { SimSeed } from '../../local/gcp/seed.js';
import {
  DEFAULT_STATE_DIR,
  DEFAULT_TIME_SCALE,
  STACK_PARTS,
  StackStartError,
  exportLines,
  processAlive,
  readStackInfo,
  removeStackFiles,
  runningStack,
  stackPaths,
  type StackInfo,
  type StackPart,
} from '../../local/stack/state-files.js';
import { CliError, ExitCode } from '../errors.js';

/** `--time-scale X`: a finite number >= 0. */
export function parseTimeScale(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new CliError(
      `--time-scale must be a number >= 0 (0 = instant, 1 = real Google durations), got "${text}"`,
      ExitCode.usage,
    );
  }
  return value;
}

/** `--only a,b`: parts of the stack. */
export function parseParts(text: string): StackPart[] {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const unknown = parts.filter((p) => !(STACK_PARTS as readonly string[]).includes(p));
  if (parts.length === 0 || unknown.length > 0) {
    throw new CliError(
      `--only must list parts among ${STACK_PARTS.join(', ')}; unknown: ${unknown.join(', ') || '(none given)'}`,
      ExitCode.usage,
    );
  }
  return parts as StackPart[];
}

/** A port option (`--port`, `--api-port`): an integer 0..65535, else a usage CliError naming it. */
export function parsePort(text: string, option: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CliError(
      `${option} must be an integer from 0 to 65535, got "${text}"`,
      ExitCode.usage,
    );
  }
  return port;
}

/** `--seed FILE`: a LocalSeed file, or a CliError naming the file, field and rule. */
async function readSeedForCli(path: string): Promise<SimSeed> {
  const { readSeedFile, SeedError } = await import('../../local/gcp/seed.js');
  try {
    return await readSeedFile(path);
  } catch (error) {
    if (error instanceof SeedError) throw new CliError(`--seed: ${error.message}`, ExitCode.usage);
    throw error;
  }
}

/** Starts a stack for the CLI, turning start failures into a message without a stack trace. */
export async function startStackForCli(options: {
  stateDir: string;
  timeScale: number;
  only?: StackPart[];
  gcloudProject?: string;
  ports?: StackPorts;
  /** What the GCP simulator starts with (local/gcp/seed.ts). */
  seed?: SimSeed;
  log: (line: string) => void;
}): Promise<LocalStack> {
  const { startLocalStack } = await import('../../local/stack/launcher.js');
  try {
    return await startLocalStack({
      stateDir: options.stateDir,
      timeScale: options.timeScale,
      ...(options.only ? { only: options.only } : {}),
      ...(options.gcloudProject ? { gcloudProject: options.gcloudProject } : {}),
      ...(options.ports ? { ports: options.ports } : {}),
      ...(options.seed ? { seed: options.seed } : {}),
      log: options.log,
    });
  } catch (error) {
    if (error instanceof StackStartError) throw new CliError(error.message);
    throw new CliError(`the local stack did not start: ${(error as Error).message}`);
  }
}

/**
 * Resolves once SIGINT or SIGTERM arrives, after `stop` ran; a second signal exits at once.
 */
export function stopOnSignal(stop: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = () => {
      if (stopping) process.exit(130);
      stopping = true;
      void stop().finally(resolve);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** Stops the stack recorded in a state directory; returns what it did. */
export async function stopStack(stateDir: string, graceMs = 20_000): Promise<string> {
  const info = readStackInfo(stateDir);
  if (!info) return `no local stack runs with state dir ${stackPaths(stateDir).stateDir}`;
  if (processAlive(info.pid)) {
    process.kill(info.pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (processAlive(info.pid) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    if (processAlive(info.pid)) process.kill(info.pid, 'SIGKILL');
  }
  // A launcher that was killed could not stop its children: their process groups go too.
  await Promise.all(info.processGroups.map((pgid) => stopProcessGroup(pgid)));
  await removeStackFiles(stateDir);
  return `stopped the local stack (pid ${info.pid}) of ${info.stateDir}`;
}

function describeStack(info: StackInfo): string {
  const e = info.endpoints;
  const rows: Array<[string, string | undefined]> = [
    ['firestore emulator', e.firestoreHost],
    ['pubsub emulator', e.pubsubHost],
    ['gcp simulator', e.gcp],
    ['functions', e.functions],
    ['api (EGRESS_API_URL)', e.api],
    ['workflows executions', e.executions],
    ['eventarc bridge', e.eventarc],
    ...Object.entries(e.clusters).map(([name, url]): [string, string] => [`cluster ${name}`, url]),
  ];
  return [
    `local stack pid ${info.pid}, state dir ${info.stateDir}`,
    `parts: ${info.parts.join(', ')}; time scale ${info.timeScale}; ${info.ready ? 'ready' : 'starting'}`,
    ...rows.filter(([, v]) => v).map(([k, v]) => `  ${k.padEnd(22)} ${v}`),
  ].join('\n');
}

interface StateDirOption {
  stateDir: string;
}

/**
 * `egressctl local up|down|env|status`: the local stack (emulators, GCP and Kubernetes
 * simulators, functions, workflows) in the foreground, and the commands that find it through
 * its state directory.
 */
export function registerLocalCommand(program: Command): void {
  const local = program
    .command('local')
    .description('Run the local stack that stands in for Google Cloud, and attach to it');

  local
    .command('up')
    .description('Start the local stack in the foreground until Ctrl-C (or `local down`)')
    .option(
      '--state-dir <dir>',
      'state directory (several stacks can run side by side)',
      DEFAULT_STATE_DIR,
    )
    .option(
      '--time-scale <x>',
      "multiplier of Google's real durations: 0 = instant, 1 = real time",
      String(DEFAULT_TIME_SCALE),
    )
    .option(
      '--only <parts>',
      `comma list of ${STACK_PARTS.join(', ')} (their dependencies start too)`,
    )
    .option('--project <id>', 'project gcloud defaults to in `local env`', 'tutorial-project')
    .option('--port <port>', 'port of the GCP simulator on 127.0.0.1 (0 picks a free one)', '0')
    .option(
      '--api-port <port>',
      'port of the functions host (the API is at /api; 0 picks a free one)',
      '0',
    )
    .option(
      '--seed <file>',
      'a LocalSeed YAML file: buckets the GCP simulator starts with (e.g. examples/tutorial/local-seed.yaml)',
    )
    .action(
      async (
        options: StateDirOption & {
          timeScale: string;
          only?: string;
          project: string;
          port: string;
          apiPort: string;
          seed?: string;
        },
      ) => {
        const timeScale = parseTimeScale(options.timeScale);
        const gcpPort = parsePort(options.port, '--port');
        const functionsPort = parsePort(options.apiPort, '--api-port');
        const only = options.only === undefined ? undefined : parseParts(options.only);
        const seed = options.seed === undefined ? undefined : await readSeedForCli(options.seed);
        const stack = await startStackForCli({
          ...(seed ? { seed } : {}),
          stateDir: options.stateDir,
          timeScale,
          ...(only ? { only } : {}),
          gcloudProject: options.project,
          ports: {
            ...(gcpPort ? { gcp: gcpPort } : {}),
            ...(functionsPort ? { functions: functionsPort } : {}),
          },
          log: (line) => process.stdout.write(`${line}\n`),
        });
        const paths = stackPaths(options.stateDir);
        process.stdout.write(
          `\n${describeStack(stack.info)}\n\n${exportLines(stack.info)}\n` +
            `Ready. In another shell:  eval "$(egressctl local env --state-dir ${paths.stateDir})"\n` +
            'Ctrl-C stops everything.\n',
        );
        await stopOnSignal(stack.stop);
        process.stdout.write('local stack stopped\n');
        process.exit(0);
      },
    );

  local
    .command('down')
    .description('Stop the local stack of a state directory (and every process it started)')
    .option('--state-dir <dir>', 'state directory', DEFAULT_STATE_DIR)
    .action(async (options: StateDirOption) => {
      process.stdout.write(`${await stopStack(options.stateDir)}\n`);
    });

  local
    .command('env')
    .description(
      'Print export lines for gcloud, kubectl, the emulators and egressctl: eval "$(egressctl local env)"',
    )
    .option('--state-dir <dir>', 'state directory', DEFAULT_STATE_DIR)
    .action((options: StateDirOption) => {
      const info = runningStack(options.stateDir);
      if (!info) {
        throw new CliError(
          `no local stack runs with state dir ${stackPaths(options.stateDir).stateDir}; start one with: egressctl local up --state-dir ${options.stateDir}`,
        );
      }
      process.stdout.write(exportLines(info));
    });

  local
    .command('status')
    .description('Show whether a local stack runs, and where each part listens')
    .option('--state-dir <dir>', 'state directory', DEFAULT_STATE_DIR)
    .option('-o, --output <format>', 'text or json', 'text')
    .action((options: StateDirOption & { output: string }) => {
      const info = runningStack(options.stateDir);
      if (!info) {
        throw new CliError(
          `no local stack runs with state dir ${stackPaths(options.stateDir).stateDir}`,
        );
      }
      process.stdout.write(
        options.output === 'json'
          ? `${JSON.stringify(info, null, 2)}\n`
          : `${describeStack(info)}\n`,
      );
    });
}

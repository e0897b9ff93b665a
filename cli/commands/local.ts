import type { Command } from 'commander';
import {
  DEFAULT_STATE_DIR,
  DEFAULT_TIME_SCALE,
  STACK_PARTS,
  exportLines,
  runningStack,
  stackPaths,
  type StackInfo,
} from '../../local/stack/state-files.js';
import { CliError } from '../errors.js';
import { registerLocalTokenCommand } from '../local-token.js';
import { parsePort, parseTimeScale } from '../options.js';
import { parseParts, readSeedForCli, startStackForCli, stopOnSignal, stopStack } from '../stack.js';

/** Where each part of a stack listens, as `local up` and `local status` print it. */
function describeStack(info: StackInfo): string {
  const e = info.endpoints;
  const rows: Array<[string, string | undefined]> = [
    ['firestore emulator', e.firestoreHost],
    ['pubsub emulator', e.pubsubHost],
    ['gcp simulator', e.gcp],
    ['functions', e.functions],
    ['api (EGRESS_API_URL)', e.api],
    ['web console', e.api ? `${e.api}/console/` : undefined],
    ['workflows executions', e.executions],
    ['eventarc bridge', e.eventarc],
    ['metadata server', e.metadata],
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

  registerLocalTokenCommand(local);

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

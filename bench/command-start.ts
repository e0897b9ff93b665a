/**
 * Command start of egressctl (issue 21): how long `egressctl --help` and `egressctl validate -f
 * examples/tutorial` take from a fresh process to exit, run the way a user runs them:
 *
 * - **compiled**: `node dist/cli/index.js ...`, what the installed package runs (`npm run build`);
 * - **tsx**: `node cli/egressctl.js ...` in the clone, which registers tsx and transpiles the
 *   TypeScript sources at start (what every command paid before the package shipped compiled
 *   JavaScript);
 * - **bare node**: `node -e 0`, the floor no command can go below.
 *
 * Every figure is the median wall time of N fresh processes, run interleaved so that a busy
 * moment of the machine hits all of them alike; ratios against bare node and compiled/tsx.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { median } from './model.js';

export interface CommandStartOptions {
  /** Fresh processes per command and way of running it. */
  runs: number;
  /** The compiled tree (`npm run build`). */
  dist: string;
}

export const DEFAULT_COMMAND_START_OPTIONS: CommandStartOptions = { runs: 7, dist: 'dist' };

/** One command, as egressctl's arguments. */
export interface MeasuredCommand {
  name: string;
  args: string[];
}

export const COMMANDS: readonly MeasuredCommand[] = [
  { name: 'egressctl --help', args: ['--help'] },
  {
    name: 'egressctl validate -f examples/tutorial',
    args: ['validate', '-f', 'examples/tutorial'],
  },
];

export interface CommandStartFigure {
  command: string;
  /** Median wall ms of each way of running it. */
  compiledMs: number;
  tsxMs: number;
  nodeMs: number;
  /** compiled ÷ bare node, tsx ÷ bare node, compiled ÷ tsx. */
  compiledOverNode: number;
  tsxOverNode: number;
  compiledOverTsx: number;
  runs: number;
}

export interface CommandStartResult {
  scenario: 'command-start';
  node: string;
  results: CommandStartFigure[];
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/** The figure of one command from its samples (wall ms of each process). */
export function summarize(
  command: string,
  samples: { compiled: number[]; tsx: number[]; node: number[] },
): CommandStartFigure {
  const [compiledMs, tsxMs, nodeMs] = [samples.compiled, samples.tsx, samples.node].map(
    (values) => median(values) ?? NaN,
  ) as [number, number, number];
  return {
    command,
    compiledMs: round(compiledMs, 1),
    tsxMs: round(tsxMs, 1),
    nodeMs: round(nodeMs, 1),
    compiledOverNode: round(compiledMs / nodeMs, 2),
    tsxOverNode: round(tsxMs / nodeMs, 2),
    compiledOverTsx: round(compiledMs / tsxMs, 2),
    runs: samples.compiled.length,
  };
}

/** Wall ms of one fresh `node ARGS` process; rejects when it exits non-zero. */
export function timeProcess(args: readonly string[]): Promise<number> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code === 0) done(ms);
      else fail(new Error(`node ${args.join(' ')} exited ${code}: ${stderr.trim().slice(-500)}`));
    });
  });
}

/** The three ways of running a command: compiled, under tsx, and the bare-node floor. */
export function commandLines(dist: string, command: MeasuredCommand) {
  return {
    compiled: [resolve(dist, 'cli/index.js'), ...command.args],
    tsx: ['cli/egressctl.js', ...command.args],
    node: ['-e', '0'],
  };
}

/** Measures every command; `log` receives one line per command. */
export async function runCommandStart(
  options: CommandStartOptions,
  log: (line: string) => void = () => {},
): Promise<CommandStartResult> {
  const entry = resolve(options.dist, 'cli/index.js');
  if (!existsSync(entry) || !existsSync(resolve(options.dist, 'package.json'))) {
    throw new Error(`${entry} is missing: run \`npm run build\` first`);
  }
  if (!existsSync('cli/index.ts')) {
    throw new Error('run it from the repository root (the tsx figure runs cli/egressctl.js there)');
  }
  const results: CommandStartFigure[] = [];
  for (const command of COMMANDS) {
    const lines = commandLines(options.dist, command);
    const samples = { compiled: [] as number[], tsx: [] as number[], node: [] as number[] };
    // One warm-up of each: the first process after a while reads the files from disk.
    for (const args of Object.values(lines)) await timeProcess(args);
    for (let i = 0; i < options.runs; i++) {
      samples.compiled.push(await timeProcess(lines.compiled));
      samples.tsx.push(await timeProcess(lines.tsx));
      samples.node.push(await timeProcess(lines.node));
    }
    const figure = summarize(command.name, samples);
    results.push(figure);
    log(
      `${figure.command}: compiled ${figure.compiledMs.toFixed(0)} ms, tsx ${figure.tsxMs.toFixed(0)} ms, ` +
        `bare node ${figure.nodeMs.toFixed(0)} ms (medians of ${figure.runs}); ` +
        `compiled/node ${figure.compiledOverNode.toFixed(2)}x, tsx/node ${figure.tsxOverNode.toFixed(2)}x, ` +
        `compiled/tsx ${figure.compiledOverTsx.toFixed(2)}x`,
    );
  }
  return { scenario: 'command-start', node: process.version, results };
}

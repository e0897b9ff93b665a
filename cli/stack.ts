// Only the light modules at load time: the launcher pulls the simulators and Google clients,
// which every other egressctl command would otherwise pay for at start-up.
import { stopProcessGroup } from '../local/stack/functions-process.js';
import type { LocalStack, StackPorts } from '../local/stack/launcher.js';
import type { SimSeed } from '../local/gcp/seed.js';
import {
  STACK_PARTS,
  StackStartError,
  processAlive,
  readStackInfo,
  removeStackFiles,
  stackPaths,
  type StackPart,
} from '../local/stack/state-files.js';
import { CliError, ExitCode } from './errors.js';

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

/** `--seed FILE`: a LocalSeed file, or a CliError naming the file, field and rule. */
export async function readSeedForCli(path: string): Promise<SimSeed> {
  const { readSeedFile, SeedError } = await import('../local/gcp/seed.js');
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
  const { startLocalStack } = await import('../local/stack/launcher.js');
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

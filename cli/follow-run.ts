import type { Command } from 'commander';
import type { StackInfo } from '../local/stack/state-files.js';
import { getJson } from './api-client.js';
import { CliError } from './errors.js';
import { parsePositiveNumber } from './options.js';
import { createRunProgress, type ProgressStream, type RunView } from './progress.js';

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

/** `--poll` and `--timeout` as the commands that follow a run take them. */
export interface FollowOptions {
  poll: string;
  timeout: string;
}

/** Adds {@link FollowOptions} to a command that starts a run and follows it to its end. */
export function addFollowOptions(command: Command): Command {
  return command
    .option('--poll <seconds>', 'seconds between progress polls', '0.5')
    .option('--timeout <seconds>', 'give up following the run after this many seconds', '3600');
}

/** Progress options on stdout from `--poll`/`--timeout`, in the time scale of the stack if any. */
export function progressOnStdout(options: FollowOptions, stack?: StackInfo): ProgressOptions {
  return {
    ...(stack ? { timeScale: stack.timeScale } : {}),
    pollSeconds: parsePositiveNumber(options.poll, '--poll'),
    timeoutSeconds: parsePositiveNumber(options.timeout, '--timeout'),
    stream: process.stdout,
  };
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

import ora, { type Ora } from 'ora';
import type { RunRecord, StepRecord } from '../shared/state/types.js';

/** A run as `GET /v1/runs/{id}` answers it. */
export interface RunView {
  run: RunRecord;
  steps: Array<StepRecord & { durationSeconds?: number }>;
}

/**
 * Where progress goes: a terminal (`isTTY`, `columns`, and the cursor methods ora uses) gets a
 * spinner, anything else (a pipe, a file, CI) timestamped lines.
 */
export type ProgressStream = NodeJS.WritableStream & {
  isTTY?: boolean;
  columns?: number;
};

/** Options of {@link createRunProgress}. */
export interface RunProgressOptions {
  runId: string;
  stream: ProgressStream;
  /** Multiplier of real Google durations of the stack (simulated time = real / timeScale). */
  timeScale?: number;
  /** Wall clock in ms, for timestamps and the elapsed time (tests inject one). */
  now?: () => number;
}

/** Shows a run's progress from successive views of it. */
export interface RunProgress {
  /** Shows what changed since the previous view: one line per step change. */
  update(view: RunView): void;
  /** Ends the display with the run's outcome: status, steps done, failing step, times. */
  finish(view: RunView): void;
  /** Ends the display without an outcome (the run is still going: a timeout, an error). */
  stop(): void;
}

function durationText(seconds: number | undefined, timeScale: number | undefined): string {
  if (seconds === undefined) return '';
  const real = `${seconds.toFixed(1)}s real`;
  return timeScale && timeScale > 0
    ? `${real}, ~${(seconds / timeScale).toFixed(0)}s simulated`
    : real;
}

/** One line per step change; pure, for tests. */
export function stepLine(step: RunView['steps'][number], timeScale?: number): string {
  const detail =
    step.status === 'DONE'
      ? durationText(step.durationSeconds, timeScale)
      : step.status === 'FAILED' || (step.status === 'PENDING' && step.error)
        ? (step.error?.message ?? '')
        : step.operation
          ? `operation ${step.operation.name}`
          : '';
  return `${step.step.padEnd(17)} ${step.status.padEnd(8)} attempts ${step.attempts}${detail ? `  ${detail}` : ''}`;
}

/** The last line of a run's progress: outcome, steps done, failing step, real and simulated time. */
export function outcomeLine(view: RunView, elapsedSeconds: number, timeScale?: number): string {
  const done = view.steps.filter((s) => s.status === 'DONE').length;
  const failed = view.steps.find((s) => s.status === 'FAILED');
  return (
    `run ${view.run.id} ${view.run.status}: ${done}/${view.steps.length} steps done` +
    (failed ? `, ${failed.step} failed` : '') +
    ` in ${durationText(elapsedSeconds, timeScale)}`
  );
}

/**
 * The progress display of a run. On a TTY an ora spinner names the steps in flight and the
 * elapsed time, and each step change is persisted above it with ✔ (done), ✖ (failed) or •;
 * otherwise each change is a line with a UTC time of day, so a log of CI reads in order.
 */
export function createRunProgress(options: RunProgressOptions): RunProgress {
  const now = options.now ?? Date.now;
  const started = now();
  const seen = new Map<string, string>();
  const tty = Boolean(options.stream.isTTY);
  // isEnabled: ora's own guess also turns the spinner off under CI variables; the caller's
  // stream decides here. discardStdin: a run's progress never reads the keyboard.
  const spinner: Ora | undefined = tty
    ? ora({
        text: `run ${options.runId}`,
        stream: options.stream,
        isEnabled: true,
        discardStdin: false,
      }).start()
    : undefined;
  const emit = (line: string, symbol: string) => {
    if (spinner) spinner.stopAndPersist({ symbol, text: line }).start();
    else options.stream.write(`${new Date(now()).toISOString().slice(11, 23)} ${line}\n`);
  };
  const elapsed = () => (now() - started) / 1000;

  return {
    update(view) {
      if (spinner) {
        const running = view.steps
          .filter((s) => s.status !== 'DONE' && s.status !== 'FAILED')
          .map((s) => s.step);
        spinner.text = `run ${view.run.id} ${view.run.status}: ${running.length ? running.join(', ') : 'waiting'} (${elapsed().toFixed(0)}s)`;
        // Now, not at the next frame: the screen shows this poll even when no step changed.
        spinner.render();
      }
      for (const step of view.steps) {
        // A pending step flips between RUNNING (a call in flight) and PENDING every poll: one
        // line when it becomes active, then one per new error and one when it ends.
        const active = (step.status === 'RUNNING' || step.status === 'PENDING') && !step.error;
        const key = active ? 'ACTIVE' : `${step.status}|${step.error?.message ?? ''}`;
        if (seen.get(step.step) === key) continue;
        seen.set(step.step, key);
        const symbol = step.status === 'DONE' ? '✔' : step.status === 'FAILED' ? '✖' : '•';
        emit(stepLine(step, options.timeScale), symbol);
      }
    },
    finish(view) {
      const line = outcomeLine(view, elapsed(), options.timeScale);
      const ok = view.run.status === 'SUCCEEDED';
      if (spinner) {
        if (ok) spinner.succeed(line);
        else spinner.fail(line);
      } else {
        emit(line, ok ? '✔' : '✖');
      }
    },
    stop() {
      if (spinner?.isSpinning) spinner.stop();
    },
  };
}

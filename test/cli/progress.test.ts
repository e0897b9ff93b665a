import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createRunProgress, outcomeLine, type RunView } from '../../cli/progress.js';

/**
 * A terminal stand-in: what ora needs of a TTY stream (isTTY, columns, cursorTo, moveCursor,
 * clearLine), with a screen that applies them, so a test reads what a user would see.
 */
class FakeTerminal extends Writable {
  readonly isTTY: boolean;
  readonly columns = 120;
  /** Everything written, escape sequences included. */
  raw = '';
  /** Cursor movements and line clears received. */
  cursorCalls = 0;
  private readonly screen: string[] = [''];
  private row = 0;
  private column = 0;

  constructor(tty: boolean) {
    super({ decodeStrings: false });
    this.isTTY = tty;
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    const text = chunk.toString();
    this.raw += text;
    for (const char of stripVTControlCharacters(text)) {
      if (char === '\n') {
        this.row += 1;
        this.column = 0;
        if (this.row === this.screen.length) this.screen.push('');
      } else {
        const line = this.screen[this.row]!.padEnd(this.column);
        this.screen[this.row] = line.slice(0, this.column) + char + line.slice(this.column + 1);
        this.column += 1;
      }
    }
    done();
  }

  cursorTo(x: number, callback?: () => void): boolean {
    this.cursorCalls += 1;
    this.column = x;
    callback?.();
    return true;
  }

  moveCursor(dx: number, dy: number, callback?: () => void): boolean {
    this.cursorCalls += 1;
    this.row = Math.max(0, this.row + dy);
    this.column = Math.max(0, this.column + dx);
    callback?.();
    return true;
  }

  clearLine(dir: number, callback?: () => void): boolean {
    this.cursorCalls += 1;
    // 1: right of the cursor; 0: the whole line; -1: left of it.
    const line = this.screen[this.row]!;
    this.screen[this.row] =
      dir === 1
        ? line.slice(0, this.column)
        : dir === 0
          ? ''
          : ' '.repeat(this.column) + line.slice(this.column);
    callback?.();
    return true;
  }

  /** The screen's lines, trailing empty ones dropped. */
  lines(): string[] {
    const lines = this.screen.map((l) => l.trimEnd());
    while (lines.at(-1) === '') lines.pop();
    return lines;
  }
}

const T0 = Date.parse('2025-01-02T03:04:05.000Z');

function view(
  status: RunView['run']['status'],
  steps: Array<Partial<RunView['steps'][number]> & Pick<RunView['steps'][number], 'step'>>,
): RunView {
  return {
    run: {
      id: 'run-0123abcd',
      kind: 'provision',
      environment: 'tutorial',
      trigger: { type: 'http' },
      requestHash: 'h',
      status,
      createdAt: new Date(T0).toISOString(),
      updatedAt: new Date(T0).toISOString(),
    } as RunView['run'],
    steps: steps.map((s) => ({
      status: 'RUNNING',
      attempts: 1,
      startedAt: new Date(T0).toISOString(),
      updatedAt: new Date(T0).toISOString(),
      ...s,
    })) as RunView['steps'],
  };
}

/** A run in three polls: apis runs; apis done and the cluster pending; the cluster done. */
const POLLS: RunView[] = [
  view('RUNNING', [{ step: 'apis' }]),
  view('RUNNING', [
    { step: 'apis', status: 'DONE', durationSeconds: 0.5 },
    {
      step: 'cluster',
      status: 'PENDING',
      operation: { api: 'container', name: 'operation-cluster1-create' },
    },
  ]),
  view('SUCCEEDED', [
    { step: 'apis', status: 'DONE', durationSeconds: 0.5 },
    { step: 'cluster', status: 'DONE', attempts: 7, durationSeconds: 3 },
  ]),
];

/** Runs the polls through a progress display, the clock moving 2 s per poll; the screen after each. */
function render(terminal: FakeTerminal, polls: RunView[]): string[][] {
  let now = T0;
  const screens: string[][] = [];
  const progress = createRunProgress({
    runId: 'run-0123abcd',
    stream: terminal,
    timeScale: 0.01,
    now: () => now,
  });
  try {
    polls.forEach((poll, index) => {
      if (index > 0) now += 2000;
      progress.update(poll);
      if (index === polls.length - 1) progress.finish(poll);
      screens.push(terminal.lines());
    });
  } finally {
    progress.stop();
  }
  return screens;
}

describe('the progress display of a run', () => {
  it('on a TTY, spins with the steps in flight, persists each step change with its symbol, and ends with the outcome', () => {
    const terminal = new FakeTerminal(true);
    const screens = render(terminal, POLLS);
    // The spinner path: the cursor moves and lines are cleared and redrawn.
    expect(terminal.cursorCalls).toBeGreaterThan(0);
    expect(screens[0]).toEqual([
      '• apis              RUNNING  attempts 1',
      `${screens[0]![1]!.slice(0, 1)} run run-0123abcd RUNNING: apis (0s)`,
    ]);
    expect(screens[0]![1]).toMatch(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] /);
    expect(screens[1]).toEqual([
      '• apis              RUNNING  attempts 1',
      '✔ apis              DONE     attempts 1  0.5s real, ~50s simulated',
      '• cluster           PENDING  attempts 1  operation operation-cluster1-create',
      `${screens[1]![3]!.slice(0, 1)} run run-0123abcd RUNNING: cluster (2s)`,
    ]);
    // The last poll: the spinner line gives way to the outcome; a step shows once per change.
    expect(screens[2]).toEqual([
      '• apis              RUNNING  attempts 1',
      '✔ apis              DONE     attempts 1  0.5s real, ~50s simulated',
      '• cluster           PENDING  attempts 1  operation operation-cluster1-create',
      '✔ cluster           DONE     attempts 7  3.0s real, ~300s simulated',
      '✔ run run-0123abcd SUCCEEDED: 2/2 steps done in 4.0s real, ~400s simulated',
    ]);
  });

  it('on a TTY, ends a failed run with ✖ naming the failing step', () => {
    const terminal = new FakeTerminal(true);
    const screens = render(terminal, [
      POLLS[0]!,
      view('FAILED', [
        { step: 'apis', status: 'DONE', durationSeconds: 0.5 },
        {
          step: 'cluster',
          status: 'FAILED',
          error: { kind: 'permanent', reason: 'immutable-drift', message: 'masterCidr changed' },
        },
      ]),
    ]);
    expect(screens.at(-1)!.slice(-2)).toEqual([
      '✖ cluster           FAILED   attempts 1  masterCidr changed',
      '✖ run run-0123abcd FAILED: 1/2 steps done, cluster failed in 2.0s real, ~200s simulated',
    ]);
  });

  it('elsewhere, writes one timestamped line per step change and the outcome, with no escape sequences', () => {
    const terminal = new FakeTerminal(false);
    render(terminal, POLLS);
    expect(terminal.cursorCalls).toBe(0);
    expect(terminal.raw).toBe(stripVTControlCharacters(terminal.raw));
    expect(terminal.raw.split('\n')).toEqual([
      '03:04:05.000 apis              RUNNING  attempts 1',
      '03:04:07.000 apis              DONE     attempts 1  0.5s real, ~50s simulated',
      '03:04:07.000 cluster           PENDING  attempts 1  operation operation-cluster1-create',
      '03:04:09.000 cluster           DONE     attempts 7  3.0s real, ~300s simulated',
      '03:04:09.000 run run-0123abcd SUCCEEDED: 2/2 steps done in 4.0s real, ~400s simulated',
      '',
    ]);
  });

  it('states the outcome without simulated time when the stack has none', () => {
    expect(outcomeLine(POLLS[2]!, 1.24)).toBe(
      'run run-0123abcd SUCCEEDED: 2/2 steps done in 1.2s real',
    );
  });
});

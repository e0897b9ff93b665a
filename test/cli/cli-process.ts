import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/** egressctl running in a child process, as a script would run it (no terminal, no stdin). */
export class CliProcess {
  /** stdout and stderr so far, interleaved as they arrived. */
  output = '';
  /** Resolves with the exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcessWithoutNullStreams;

  constructor(args: readonly string[]) {
    // node --import tsx, not npx: a signal must reach the CLI's own process.
    this.child = spawn(process.execPath, ['--import', 'tsx', 'cli/index.ts', ...args], {
      env: { ...process.env, METADATA_SERVER_DETECTION: 'none' },
    });
    this.child.stdin.end();
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    }
    this.exited = new Promise((resolve) => this.child.once('exit', resolve));
  }

  /** Whether the process still runs. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The first match of `pattern` in the output, waiting for it; rejects if the process ends first. */
  async waitFor(pattern: RegExp): Promise<RegExpExecArray> {
    for (;;) {
      const match = pattern.exec(this.output);
      if (match) return match;
      if (!this.running) throw new Error(`exited ${this.child.exitCode}: ${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }
}

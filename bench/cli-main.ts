import type { Command } from 'commander';

/**
 * What every benchmark command does around its run, in one place: a bad option is commander's
 * usage message and exit 2 (`--help` exit 0), never a stack trace; a run prints its lines (or,
 * with `-o json`, only its result) and exits 0, or prints `<name>: <message>` and exits 1.
 */

/** The parsed options, or the process exits (commander has printed its message or the help). */
export function parseOrExit<T extends object>(program: Command): T {
  try {
    program.exitOverride();
    program.parse();
    return program.opts<T>();
  } catch (error) {
    const code = (error as { exitCode?: number }).exitCode ?? 2;
    process.exit(code === 0 ? 0 : 2);
  }
}

/** Runs a benchmark and exits: `exitCode(result)` (default 0) when it ran, 1 when it threw. */
export async function runAndExit<R>(
  name: string,
  output: 'text' | 'json',
  run: (log: (line: string) => void) => Promise<R> | R,
  exitCode: (result: R) => number = () => 0,
): Promise<never> {
  const json = output === 'json';
  try {
    const result = await run((line) => {
      if (!json) process.stdout.write(`${line}\n`);
    });
    if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(exitCode(result));
  } catch (error) {
    process.stderr.write(`${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

/** Exit codes of egressctl: 0 success, 1 invalid input or failed operation, 2 usage error. */
export const ExitCode = { ok: 0, invalid: 1, usage: 2 } as const;

/** An error whose message is meant for the user as it is (no stack trace). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.invalid,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Input that failed validation: one indented line per problem, exit code 1. */
export function invalidInput(problems: readonly string[]): CliError {
  return new CliError(
    [
      `invalid input: ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
      ...problems.map((problem) => `  ${problem}`),
    ].join('\n'),
    ExitCode.invalid,
  );
}

/** Prints an error the way a user should see it and exits: a message, never a stack trace. */
export function reportAndExit(err: unknown): never {
  if (err instanceof CliError) {
    if (err.message) process.stderr.write(`${err.message}\n`);
    process.exit(err.exitCode);
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`egressctl: ${message}\n`);
  if (process.env.EGRESSCTL_DEBUG && err instanceof Error && err.stack) {
    process.stderr.write(`${err.stack}\n`);
  }
  process.exit(ExitCode.invalid);
}

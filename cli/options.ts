import { Option } from 'commander';
import { CliError, ExitCode } from './errors.js';

/**
 * Option values as the commands read them: each parser names its option in the usage error
 * (exit code 2), so a typo is answered before anything starts.
 */

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

/** A duration or interval option (`--poll`, `--timeout`): a finite number > 0. */
export function parsePositiveNumber(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    throw new CliError(`${option} must be a positive number, got "${text}"`, ExitCode.usage);
  }
  return value;
}

/** `-o, --output <format>` limited to `formats`; commander refuses any other value. */
export function outputFormatOption(formats: readonly string[], defaultFormat: string): Option {
  return new Option('-o, --output <format>', 'output format')
    .choices(formats)
    .default(defaultFormat);
}

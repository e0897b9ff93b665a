import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { CliError, ExitCode } from '../../cli/errors.js';
import {
  outputFormatOption,
  parsePort,
  parsePositiveNumber,
  parseTimeScale,
} from '../../cli/options.js';

const usageError = (message: string) =>
  expect.objectContaining({ constructor: CliError, message, exitCode: ExitCode.usage });

describe('option values', () => {
  it('--time-scale: any finite number >= 0', () => {
    expect(parseTimeScale('0')).toBe(0);
    expect(parseTimeScale('0.01')).toBe(0.01);
    for (const text of ['', ' ', '-1', 'fast', 'Infinity']) {
      expect(() => parseTimeScale(text)).toThrow(
        usageError(
          `--time-scale must be a number >= 0 (0 = instant, 1 = real Google durations), got "${text}"`,
        ),
      );
    }
  });

  it('ports: integers 0..65535, named in the error', () => {
    expect(parsePort('0', '--port')).toBe(0);
    expect(parsePort('65535', '--api-port')).toBe(65535);
    expect(() => parsePort('65536', '--api-port')).toThrow(
      usageError('--api-port must be an integer from 0 to 65535, got "65536"'),
    );
    expect(() => parsePort('80.5', '--port')).toThrow(
      usageError(expect.stringContaining('--port')),
    );
  });

  it('--poll and --timeout: numbers > 0', () => {
    expect(parsePositiveNumber('0.5', '--poll')).toBe(0.5);
    for (const text of ['0', '-2', 'soon']) {
      expect(() => parsePositiveNumber(text, '--timeout')).toThrow(
        usageError(`--timeout must be a positive number, got "${text}"`),
      );
    }
  });

  it('-o: the default, a listed format, and a usage error for any other', () => {
    const parse = (args: string[]) => {
      const program = new Command().exitOverride().configureOutput({ writeErr: () => {} });
      program.addOption(outputFormatOption(['text', 'json'], 'text'));
      return program.parse(args, { from: 'user' }).opts<{ output: string }>().output;
    };
    expect(parse([])).toBe('text');
    expect(parse(['-o', 'json'])).toBe('json');
    expect(() => parse(['--output', 'yaml'])).toThrow(/Allowed choices are text, json/);
  });
});

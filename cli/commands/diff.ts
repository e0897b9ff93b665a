import type { Command } from 'commander';
import { addLiveOptions } from '../analysis/command-input.js';
import {
  diffExitCode,
  diffReport,
  formatDiffReport,
  type DiffOptions,
} from '../analysis/diff-report.js';
import { CliError, ExitCode } from '../errors.js';
import { outputFormatOption } from '../options.js';

/**
 * `egressctl diff -f FILES [--env NAME]`: what applying the files would change, read-only.
 * `egressctl diff ENV`: what applying the environment's stored specs would change now (drift).
 */
export function registerDiffCommand(program: Command): void {
  const command = program
    .command('diff')
    .argument('[environment]', 'without -f: compare the stored specs of this environment (drift)')
    .description(
      'What applying the spec files (or, with ENV alone, the stored specs) would change in the live environment: objects (field by field) and who gains or loses access. Exit 0: no change, 2: changes, 1: error',
    )
    .option('-f, --file <paths...>', 'the proposed Environment and Tenant specs')
    .option('-e, --environment <name>', 'the Environment to compare when the files hold several')
    .addOption(outputFormatOption(['text', 'json'], 'text'));
  addLiveOptions(command).action(
    async (
      environment: string | undefined,
      options: Omit<DiffOptions, 'file'> & { file?: string[] },
    ) => {
      if (environment && options.file) {
        throw new CliError(
          'give either ENV (its stored specs) or -f FILES (with --env ENV), not both',
          ExitCode.usage,
        );
      }
      const report = await diffReport({
        ...options,
        file: options.file ?? [],
        ...(environment ? { env: environment } : {}),
      });
      process.stdout.write(
        options.output === 'json'
          ? `${JSON.stringify(report, null, 2)}\n`
          : formatDiffReport(report),
      );
      process.exitCode = diffExitCode(report);
    },
  );
}

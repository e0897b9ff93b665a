import type { Command } from 'commander';
import { addLiveOptions } from '../analysis/command-input.js';
import {
  diffExitCode,
  diffReport,
  formatDiffReport,
  type DiffOptions,
} from '../analysis/diff-report.js';
import { outputFormatOption } from '../options.js';

/** `egressctl diff -f FILES [--env NAME]`: what applying the files would change, read-only. */
export function registerDiffCommand(program: Command): void {
  const command = program
    .command('diff')
    .description(
      'What applying the spec files would change in the live environment: objects (field by field) and who gains or loses access. Exit 0: no change, 2: changes, 1: error',
    )
    .requiredOption('-f, --file <paths...>', 'the proposed Environment and Tenant specs')
    .option('-e, --environment <name>', 'the Environment to compare when the files hold several')
    .addOption(outputFormatOption(['text', 'json'], 'text'));
  addLiveOptions(command).action(async (options: DiffOptions) => {
    const report = await diffReport(options);
    process.stdout.write(
      options.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatDiffReport(report),
    );
    process.exitCode = diffExitCode(report);
  });
}

import type { Command } from 'commander';
import { addLiveOptions } from '../analysis/command-input.js';
import { runMatrix, type MatrixOptions } from '../analysis/matrix-report.js';
import { outputFormatOption } from '../options.js';

/** `egressctl matrix -f PATH... | --env NAME [-o text|json]`. */
export function registerMatrixCommand(program: Command): void {
  const command = program
    .command('matrix')
    .description(
      'Verdicts of every tenant × every granted host (http and https) plus ungranted samples, and the findings',
    )
    .option(
      '-f, --file <paths...>',
      'rendered Kubernetes/Istio YAML, or Environment/Tenant specs (with --env: where its spec is)',
    )
    .option('--firewalls <file>', 'YAML list of compute Firewall bodies')
    .option('-e, --environment <name>', 'the Environment to compile when the files hold several')
    .option('--tenant <namespaces...>', 'source namespaces (default: the mesh tenant namespaces)')
    .option('--host <hosts...>', 'hosts to check (default: every host some tenant is granted)')
    .option(
      '--ungranted <hosts...>',
      'hosts no tenant should reach (default: example.org example.net)',
    )
    .addOption(outputFormatOption(['text', 'json'], 'text'));
  addLiveOptions(command).action(async (options: MatrixOptions) => {
    process.stdout.write(await runMatrix(options));
  });
}

import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadWorkflow, runWorkflow, WorkflowLoadError } from '../../local/workflows/index.js';
import { CliError, ExitCode } from '../errors.js';

/** `egressctl workflows run FILE --data JSON`: runs a Workflows definition with the local interpreter. */
export function registerWorkflowsCommand(program: Command): void {
  const workflows = program
    .command('workflows')
    .description('Run Cloud Workflows definitions with the local interpreter.');
  workflows
    .command('run')
    .description('Run a workflow (YAML or JSON); prints the result JSON, or the error and exits 1.')
    .argument('<file>', 'workflow definition (.yaml, .yml or .json)')
    .option('--data <json>', 'runtime argument of main, as JSON', 'null')
    .option('--env <name=value...>', 'user environment variables (sys.get_env)')
    .action(async (file: string, opts: { data: string; env?: string[] }) => {
      let source: string;
      try {
        source = await readFile(file, 'utf8');
      } catch (err) {
        throw new CliError(`cannot read ${file}: ${(err as Error).message}`, ExitCode.invalid);
      }
      let argument: unknown;
      try {
        argument = JSON.parse(opts.data);
      } catch (err) {
        throw new CliError(`--data is not valid JSON: ${(err as Error).message}`, ExitCode.usage);
      }
      const env: Record<string, string> = {};
      for (const pair of opts.env ?? []) {
        const at = pair.indexOf('=');
        if (at <= 0) throw new CliError(`--env expects NAME=VALUE, got "${pair}"`, ExitCode.usage);
        env[pair.slice(0, at)] = pair.slice(at + 1);
      }
      let workflow;
      try {
        workflow = loadWorkflow(source, { filename: file });
      } catch (err) {
        if (err instanceof WorkflowLoadError) throw new CliError(err.message, ExitCode.invalid);
        throw err;
      }
      const outcome = await runWorkflow(workflow, argument, { env });
      if (outcome.state === 'SUCCEEDED') {
        process.stdout.write(`${JSON.stringify(outcome.result, null, 2)}\n`);
        return;
      }
      process.stderr.write(`${JSON.stringify(outcome.error, null, 2)}\n`);
      throw new CliError('', ExitCode.invalid);
    });
}

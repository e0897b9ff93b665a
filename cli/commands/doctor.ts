import type { Command } from 'commander';
import { DEFAULT_STATE_DIR, runningStack, stackPaths } from '../../local/stack/state-files.js';
import type { PrerequisiteCheck, RequestedPort } from '../../local/sdk/index.js';
import { CliError, ExitCode } from '../errors.js';
import { outputFormatOption, parsePort } from '../options.js';

interface DoctorOptions {
  sdkRoot?: string;
  port?: string;
  apiPort?: string;
  stateDir: string;
  output: 'text' | 'json';
}

/** A stack already running with the state dir: `local up` would refuse to start a second. */
function stateDirCheck(stateDir: string): PrerequisiteCheck {
  const base = { id: 'state-dir', title: 'State dir', required: false } as const;
  const dir = stackPaths(stateDir).stateDir;
  const running = runningStack(stateDir);
  if (!running) return { ...base, ok: true, detail: `no local stack runs with ${dir}` };
  return {
    ...base,
    ok: false,
    detail: `a local stack already runs with ${dir} (pid ${running.pid})`,
    fix: [`egressctl local down --state-dir ${stateDir}`, 'or start another with --state-dir DIR'],
  };
}

/**
 * `egressctl doctor`: what the local stack needs on this machine (Node.js, the gcloud SDK and
 * where it is, each emulator, Java, free ports) and the optional tools (kubectl, terraform), one
 * line each, ✓ or ✗ with the exact command that fixes it for this machine and the way its SDK
 * was installed. Exit 1 when the local stack cannot start.
 */
export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      'Check what the local stack needs on this machine; each ✗ names the command that fixes it (exit 1 when the stack cannot start)',
    )
    .option(
      '--sdk-root <dir>',
      "the gcloud SDK to check (default: CLOUDSDK_ROOT_DIR, the gcloud on PATH's, the installers' places)",
    )
    .option('--port <port>', 'check that this GCP simulator port (local up --port) is free')
    .option('--api-port <port>', 'check that this functions port (local up --api-port) is free')
    .option('--state-dir <dir>', 'the state directory local up will use', DEFAULT_STATE_DIR)
    .addOption(outputFormatOption(['text', 'json'], 'text'))
    .action(async (options: DoctorOptions) => {
      const ports: RequestedPort[] = [];
      for (const [text, option] of [
        [options.port, '--port'],
        [options.apiPort, '--api-port'],
      ] as const) {
        const port = text === undefined ? 0 : parsePort(text, option);
        if (port > 0) ports.push({ port, option });
      }
      // The checks load only Node's own modules: the command starts as fast as --help.
      const { checkPrerequisites, formatReport } = await import('../../local/sdk/index.js');
      const found = await checkPrerequisites({
        optionalTools: true,
        ports,
        ...(options.sdkRoot ? { sdkRoot: options.sdkRoot } : {}),
      });
      const report = { ...found, checks: [...found.checks, stateDirCheck(options.stateDir)] };
      process.stdout.write(
        options.output === 'json'
          ? `${JSON.stringify(report, null, 2)}\n`
          : `${formatReport(report)}\n`,
      );
      // The report said it all: exit 1 without a second message.
      if (!report.ok) throw new CliError('', ExitCode.invalid);
    });
}

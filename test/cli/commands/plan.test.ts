import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Command, CommanderError } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerPlanCommand } from '../../../cli/commands/plan.js';
import { CliError } from '../../../cli/errors.js';
import { ROOT } from '../../shared/plan/helpers.js';

const EXAMPLES = ['environment', 'team-x', 'team-y'].map(
  (n) => `${ROOT}examples/tutorial/${n}.yaml`,
);

/** Runs `plan` in this process (the real command, no child process) and captures stdout. */
async function plan(...args: string[]): Promise<string> {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined });
  registerPlanCommand(program);
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  await program.parseAsync(['plan', ...args], { from: 'user' });
  return out;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('egressctl plan', () => {
  it('prints steps, dependencies, layers, what each creates, and the critical path (real binary)', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'cli/index.ts', 'plan', '-f', ...EXAMPLES],
      { cwd: ROOT },
    );
    expect(stdout).toContain('Environment tutorial (project tutorial-project)');
    expect(stdout).toMatch(/firewalls\s+after network, service-accounts/);
    expect(stdout).toContain('+ Firewall global-deny-egress-all');
    expect(stdout).toContain('+ ManagedZone private-pkg-dev');
    expect(stdout).toContain('  2. network, service-accounts, fleet-mesh');
    expect(stdout).toContain(
      'Critical path (typical durations): apis -> network -> firewalls -> cluster',
    );
  });

  it('-o json includes the request bodies', async () => {
    const plans = JSON.parse(await plan('-f', ...EXAMPLES, '-o', 'json')) as {
      steps: { name: string; creates: { kind: string; body: { cluster?: { name: string } } }[] }[];
    }[];
    expect(plans).toHaveLength(1);
    const cluster = plans[0]?.steps.find((s) => s.name === 'cluster')?.creates[0];
    expect(cluster?.kind).toBe('Cluster');
    expect(cluster?.body.cluster?.name).toBe('cluster1');
  });

  it('reports every invalid input with its source and field, as a CliError with exit code 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plan-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'apiVersion: egress.provisioner.dev/v1alpha1\nkind: Environment\nmetadata: {name: e}\nspec: {project: p, region: us-central1, zone: us-central1-a}\n',
    );
    writeFileSync(join(dir, 'broken.yaml'), 'kind: [Environment\n');
    const failure = await plan('-f', bad, join(dir, 'broken.yaml')).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(CliError);
    expect((failure as CliError).exitCode).toBe(1);
    expect((failure as CliError).message).toContain(`${bad}#1: spec.project`);
    expect((failure as CliError).message).toContain(`${dir}/broken.yaml#1: line 2, column 1:`);
    const missing = await plan('-f', join(dir, 'missing.yaml')).catch((err: unknown) => err);
    expect((missing as CliError).message).toContain('missing.yaml: no such file or directory');
  });

  it('needs an Environment', async () => {
    const failure = await plan('-f', EXAMPLES[1] ?? '').catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(CliError);
    expect((failure as CliError).message).toBe(
      'invalid input: 1 problem\n  no Environment document in the given files: a plan needs one',
    );
  });

  it('refuses an unknown output format and a missing -f as usage errors', async () => {
    const unknownFormat = await plan('-f', EXAMPLES[0] ?? '', '-o', 'xml').catch(
      (err: unknown) => err,
    );
    expect(unknownFormat).toBeInstanceOf(CommanderError);
    expect((unknownFormat as CommanderError).code).toBe('commander.invalidArgument');
    const missingFile = await plan().catch((err: unknown) => err);
    expect((missingFile as CommanderError).code).toBe('commander.missingMandatoryOptionValue');
  });
});

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// Spawns the real CLI launcher; each run costs about a second, so there are only a few.
const root = join(import.meta.dirname, '../../..');

// A YAML syntax error cannot live in the repository: prettier --check would choke on it.
const scratch = mkdtempSync(join(tmpdir(), 'validate-cli-'));
const syntaxError = join(scratch, 'syntax-error.yaml');
writeFileSync(syntaxError, 'kind: Tenant\nspec:\n  egress: [\n');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function egressctl(
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['cli/egressctl.js', ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('egressctl validate', () => {
  it('exits 0 with a one-line summary per document for the tutorial example', async () => {
    const { code, stdout, stderr } = await egressctl('validate', '-f', 'examples/tutorial');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toEqual([
      'examples/tutorial/environment.yaml#1: Environment "tutorial" valid (project tutorial-project, zone us-central1-a, cluster cluster1, 4+1 nodes)',
      'examples/tutorial/team-x.yaml#1: Tenant "team-x" valid (environment tutorial, namespace team-x, 2 egress rules, state present)',
      'examples/tutorial/team-y.yaml#1: Tenant "team-y" valid (environment tutorial, namespace team-y, 1 egress rule, state present)',
      'examples/tutorial/local-seed.yaml#1: LocalSeed valid (read by the local GCP simulator only; never sent to the API)',
    ]);
  });

  it('checks a LocalSeed document among the specs instead of skipping it', async () => {
    const badSeed = join(scratch, 'bad-seed.yaml');
    writeFileSync(
      badSeed,
      'apiVersion: egress.provisioner.dev/v1alpha1\nkind: LocalSeed\nmetadata: {name: x}\nspec:\n  buckets:\n    - {name: ok-bucket, project: NOT_A_PROJECT}\n',
    );
    const { code, stdout, stderr } = await egressctl('validate', '-f', badSeed);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${badSeed}#1: spec.buckets.0.project: must be a project id`);
    expect(stderr).toContain('[local-seed]');
  });

  it('exits 1 listing every error as SOURCE: PATH: MESSAGE [rule], without a stack trace', async () => {
    const broken = 'test/fixtures/spec/broken';
    const { code, stdout, stderr } = await egressctl(
      'validate',
      '-f',
      `${broken}/env-open-control-plane.yaml`,
      syntaxError,
    );
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([
      `${broken}/env-open-control-plane.yaml#1: spec.cluster.authorizedNetworks[0].cidr: 0.0.0.0/0 would open the control plane endpoint to the whole internet; list only the networks that need it [open-control-plane]`,
      `${syntaxError}#1: line 4, column 1: Flow sequence in block collection must be sufficiently indented and end with a ] [yaml-syntax]`,
      '2 problems in 2 documents',
    ]);
  });

  it('reports JSON with -o json, and exits 2 on a usage error (no -f)', async () => {
    const json = await egressctl(
      'validate',
      '-o',
      'json',
      '-f',
      'test/fixtures/spec/broken/tenant-allow-self.yaml',
    );
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { ok: boolean; errors: Array<{ rule: string }> };
    expect(report.ok).toBe(false);
    expect(report.errors.map((e) => e.rule)).toEqual(['self-reference']);

    const usage = await egressctl('validate');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("required option '-f, --filename <paths...>' not specified");
    expect(usage.stderr).not.toMatch(/\n\s+at /);
  });
});

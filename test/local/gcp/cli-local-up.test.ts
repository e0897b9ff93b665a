import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/** `egressctl local up --only gcp` in the foreground: prints the URL and exports, stops on Ctrl-C. */

function startCli(args: string[]) {
  // node --import tsx, not npx: a killed npx leaves its node child running.
  return spawn(process.execPath, ['--import', 'tsx', 'cli/index.ts', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, METADATA_SERVER_DETECTION: 'none' },
  });
}

describe('egressctl local up --only gcp', { timeout: 60_000 }, () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'gcp-sim-cli-'));
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

  it('serves until SIGINT and prints the gcloud overrides', async () => {
    const child = startCli([
      'local',
      'up',
      '--only',
      'gcp',
      '--port',
      '0',
      '--time-scale',
      '0',
      '--state-dir',
      stateDir,
    ]);
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match?.[1] && output.includes('Ctrl-C')) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
    });
    expect(output).toContain(`export CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE=${url}/compute/v1/`);
    expect(output).toContain(`export CLOUDSDK_API_ENDPOINT_OVERRIDES_DNS=${url}/dns/v1/`);
    const health = await fetch(`${url}/__admin/health`);
    expect(await health.json()).toEqual({ ok: true });
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('refuses an unknown part with a usage error', async () => {
    const child = startCli(['local', 'up', '--only', 'mainframe']);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) =>
      child.once('exit', (c) => resolve(c)),
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(/--only must list parts among .*gcp.*; unknown: mainframe/);
  });
});

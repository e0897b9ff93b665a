import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStepsOnlyUp } from '../../../cli/commands/up.js';
import { createGcpAdapters } from '../../../cli/compose.js';
import { startGcpSimulator, type GcpSimulator } from '../../../local/gcp/index.js';
import { STEP_RESOURCE_COLLECTIONS, resourceKeys as keys } from '../../support/gcp-state.js';
import { tutorialEnvironment } from './helpers.js';

/**
 * `egressctl up --steps-only` then `egressctl down ENV --steps-only`: the steps alone, in the
 * CLI's process, against a running simulator. The teardown goes through the real command line.
 */

const env = tutorialEnvironment();
const project = env.spec.project;
const specFile = 'examples/tutorial/environment.yaml';

function egressctl(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // node --import tsx, not npx: a killed npx leaves its node child running
  // (docs/architecture.md "Local stack").
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/index.ts', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, METADATA_SERVER_DETECTION: 'none', EGRESS_GCP_ENDPOINT: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('egressctl down ENV --steps-only', { timeout: 120_000 }, () => {
  let sim: GcpSimulator;
  beforeAll(async () => {
    sim = await startGcpSimulator({ port: 0, timeScale: 0 });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('removes what up --steps-only created and keeps a network that was there before', async () => {
    const gcp = createGcpAdapters({ mode: 'local', endpoint: sim.url });
    await gcp.compute.insert(
      'networks',
      { project },
      { name: 'pre-existing', autoCreateSubnetworks: false },
      '00000000-0000-4000-8000-0000000000e1',
    );
    const upLines: string[] = [];
    expect(
      await runStepsOnlyUp({ file: [specFile], gcpEndpoint: sim.url }, (l) => upLines.push(l)),
    ).toBe(0);
    expect(upLines.at(-1)).toBe('provisioning succeeded');
    expect(keys(sim, 'container.clusters')).toHaveLength(1);
    expect(keys(sim, 'compute.firewalls')).toHaveLength(9);

    const down = await egressctl([
      'down',
      env.metadata.name,
      '--steps-only',
      '-f',
      specFile,
      '--target',
      'local',
      '--gcp-endpoint',
      sim.url,
    ]);
    expect(down.stderr).toBe('');
    expect(down.code).toBe(0);
    expect(down.stdout).toContain(
      `environment ${env.metadata.name}: tearing down against ${sim.url}`,
    );
    expect(down.stdout).toMatch(/ cluster +done in /);
    expect(down.stdout.trim().split('\n').at(-1)).toBe('teardown succeeded');

    expect(keys(sim, 'compute.networks')).toEqual([
      `projects/${project}/global/networks/pre-existing`,
    ]);
    for (const collection of [...STEP_RESOURCE_COLLECTIONS, 'gkehub.memberships']) {
      expect(keys(sim, collection), collection).toEqual([]);
    }
  });

  it('refuses --steps-only without a spec file, as a usage error', async () => {
    const down = await egressctl([
      'down',
      env.metadata.name,
      '--steps-only',
      '--gcp-endpoint',
      sim.url,
    ]);
    expect(down.code).toBe(2);
    expect(down.stderr).toContain('down --steps-only needs -f PATH');
  });
});

/**
 * kubectl shows a CRD CEL rule's refusal as it would from kube-apiserver (the 422 Status of
 * k8s.io/apiextensions-apiserver pkg/apiserver/schema/cel/validation.go, printed by kubectl's
 * StandardErrorMessage).
 */
import { binaryPath, skipWithout } from '../../support/binaries.js';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeSimulator, type KubeSimulator } from '../../../local/kube/index.js';

const run = promisify(execFile);
const kubectlPath = binaryPath('kubectl', '/usr/bin/kubectl');

let simulator: KubeSimulator;
let directory: string;
let kubeconfig: string;

beforeAll(async () => {
  simulator = await startKubeSimulator({ port: 0, name: 'kubectl-cel-sim' });
  directory = mkdtempSync(join(tmpdir(), 'kube-sim-kubectl-cel-'));
  kubeconfig = join(directory, 'kubeconfig');
  writeFileSync(kubeconfig, simulator.kubeconfig('sim'));
});

afterAll(async () => {
  await simulator.close();
  rmSync(directory, { recursive: true, force: true });
});

async function kubectl(...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run(
      kubectlPath,
      [`--cache-dir=${join(directory, 'cache')}`, ...args],
      {
        env: { PATH: process.env.PATH ?? '/usr/bin', HOME: directory, KUBECONFIG: kubeconfig },
        timeout: 20_000,
      },
    );
    return { code: 0, stderr };
  } catch (error) {
    const failure = error as { code?: number; stderr?: string };
    return {
      code: typeof failure.code === 'number' ? failure.code : -1,
      stderr: failure.stderr ?? '',
    };
  }
}

describe.skipIf(skipWithout(kubectlPath))('kubectl apply against the CRD CEL rules', () => {
  it('prints the rule refusal of an invalid ServiceEntry and stores nothing', async () => {
    expect((await kubectl('create', 'namespace', 'istio-egress')).code).toBe(0);
    const manifest = join(directory, 'service-entry.yaml');
    writeFileSync(
      manifest,
      stringify({
        apiVersion: 'networking.istio.io/v1',
        kind: 'ServiceEntry',
        metadata: { name: 'bad-port', namespace: 'istio-egress' },
        spec: {
          hosts: ['example.com'],
          ports: [{ number: 70000, name: 'http', protocol: 'HTTP' }],
          resolution: 'DNS',
        },
      }),
    );
    for (const mode of [[], ['--server-side']]) {
      const applied = await kubectl('apply', ...mode, '-f', manifest);
      expect(applied.code).not.toBe(0);
      expect(applied.stderr).toContain(
        'The ServiceEntry "bad-port" is invalid: spec.ports[0].number: Invalid value: "integer": port must be between 1-65535',
      );
    }
    const get = await kubectl('get', 'serviceentries', '-n', 'istio-egress', 'bad-port');
    expect(get.stderr).toContain('NotFound');
  });
});

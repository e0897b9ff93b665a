import { binaryPath, skipWithout } from '../../support/binaries.js';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeSimulator, type KubeSimulator } from '../../../local/kube/index.js';
import { finalStateObjects, type Json } from './helpers.js';

const run = promisify(execFile);
const kubectlPath = binaryPath('kubectl', '/usr/bin/kubectl');

let simulator: KubeSimulator;
let directory: string;
let kubeconfig: string;

beforeAll(async () => {
  simulator = await startKubeSimulator({ port: 0, name: 'kubectl-sim' });
  directory = mkdtempSync(join(tmpdir(), 'kube-sim-kubectl-'));
  kubeconfig = join(directory, 'kubeconfig');
  writeFileSync(kubeconfig, simulator.kubeconfig('sim'));
});

afterAll(async () => {
  await simulator.close();
  rmSync(directory, { recursive: true, force: true });
});

interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs kubectl against the simulator with its own kubeconfig and cache directory. */
async function kubectl(...args: string[]): Promise<KubectlResult> {
  try {
    const { stdout, stderr } = await run(
      kubectlPath,
      [`--cache-dir=${join(directory, 'cache')}`, ...args],
      {
        env: { PATH: process.env.PATH ?? '/usr/bin', HOME: directory, KUBECONFIG: kubeconfig },
        timeout: 20_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failure.code === 'number' ? failure.code : -1,
      stdout: failure.stdout ?? '',
      stderr: failure.stderr ?? '',
    };
  }
}

function writeManifest(name: string, objects: unknown[]): string {
  const path = join(directory, name);
  // YAML 1.1 output quotes `y`, which kubectl (YAML 1.1) would otherwise read as a boolean.
  writeFileSync(path, objects.map((object) => stringify(object, { version: '1.1' })).join('---\n'));
  return path;
}

describe.skipIf(skipWithout(kubectlPath))('kubectl against the simulator', () => {
  it('gets, creates and labels namespaces, and selects by label', async () => {
    const list = await kubectl('get', 'namespaces');
    expect(list.stderr).toBe('');
    expect(list.stdout).toMatch(/^NAME\s+AGE\n/);
    expect(list.stdout).toContain('kube-system');

    expect((await kubectl('create', 'namespace', 'team-x')).stdout).toBe(
      'namespace/team-x created\n',
    );
    expect(
      (await kubectl('label', 'namespace', 'team-x', 'team=x', 'istio-injection=enabled')).stdout,
    ).toBe('namespace/team-x labeled\n');
    const selected = await kubectl(
      'get',
      'ns',
      '-l',
      'team in (x,y),istio-injection',
      '-o',
      'name',
    );
    expect(selected.stdout).toBe('namespace/team-x\n');
    const none = await kubectl('get', 'ns', '-l', 'team!=x,team');
    expect(none.stderr).toContain('No resources found');

    const yaml = parse((await kubectl('get', 'ns', 'team-x', '-o', 'yaml')).stdout) as Json;
    expect(yaml.metadata.labels).toEqual({
      'kubernetes.io/metadata.name': 'team-x',
      team: 'x',
      'istio-injection': 'enabled',
    });
    const managed = parse(
      (await kubectl('get', 'ns', 'team-x', '-o', 'yaml', '--show-managed-fields')).stdout,
    ) as Json;
    expect(managed.metadata.managedFields.map((entry: Json) => entry.manager)).toEqual([
      'kubectl-create',
      'kubectl-label',
    ]);
  });

  it('server-side applies the tutorial final state and lists VirtualServices across namespaces', async () => {
    const manifest = writeManifest('final-state.yaml', finalStateObjects());
    const applied = await kubectl('apply', '--server-side', '-f', manifest);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain(
      'virtualservice.networking.istio.io/example-com-through-egress-gateway serverside-applied',
    );
    const writes = simulator.counters.writes;
    expect((await kubectl('apply', '--server-side', '-f', manifest)).code).toBe(0);
    expect(simulator.objects().length).toBeGreaterThan(25);
    expect(simulator.counters.writes).toBeGreaterThan(writes);

    const services = await kubectl('get', 'virtualservices.networking.istio.io', '-A');
    const lines = services.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE\s+NAME\s+GATEWAYS\s+HOSTS\s+AGE$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'istio-egress example-com-through-egress-gateway',
      'istio-egress httpbin-org-through-egress-gateway',
    ]);
    const policies = await kubectl('get', 'networkpolicies', '-n', 'team-x', '-o', 'name');
    expect(policies.stdout.split('\n').filter(Boolean).length).toBeGreaterThan(3);

    const conflicting = writeManifest('conflict.yaml', [
      {
        apiVersion: 'security.istio.io/v1',
        kind: 'PeerAuthentication',
        metadata: { name: 'default', namespace: 'istio-system' },
        spec: { mtls: { mode: 'PERMISSIVE' } },
      },
    ]);
    const conflict = await kubectl(
      'apply',
      '--server-side',
      '--field-manager=other',
      '-f',
      conflicting,
    );
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toContain('conflict with "kubectl"');
    expect(conflict.stderr).toContain('.spec.mtls.mode');
    const forced = await kubectl(
      'apply',
      '--server-side',
      '--field-manager=other',
      '--force-conflicts',
      '-f',
      conflicting,
    );
    expect(forced.code).toBe(0);
    const peer = parse(
      (
        await kubectl(
          'get',
          'peerauthentication',
          'default',
          '-n',
          'istio-system',
          '-o',
          'yaml',
          '--show-managed-fields',
        )
      ).stdout,
    ) as Json;
    expect(peer.spec.mtls.mode).toBe('PERMISSIVE');
    expect(
      peer.metadata.managedFields.find((entry: Json) => entry.manager === 'other').fieldsV1,
    ).toEqual({
      'f:spec': { 'f:mtls': { 'f:mode': {} } },
    });
  });

  it('client-side applies (last-applied annotation, strategic merge), rejects invalid objects, deletes', async () => {
    await kubectl('create', 'namespace', 'team-y');
    const deployment = (image: string, replicas: number): Json => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'sleep', namespace: 'team-y', labels: { app: 'sleep' } },
      spec: {
        replicas,
        selector: { matchLabels: { app: 'sleep' } },
        template: {
          metadata: { labels: { app: 'sleep' } },
          spec: { containers: [{ name: 'sleep', image }] },
        },
      },
    });
    const entry = (hosts: string[]): Json => ({
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'ServiceEntry',
      metadata: { name: 'httpbin', namespace: 'team-y' },
      spec: { hosts, ports: [{ number: 80, name: 'http', protocol: 'HTTP' }], resolution: 'DNS' },
    });
    const first = writeManifest('client-1.yaml', [
      deployment('curlimages/curl:8.1', 1),
      entry(['httpbin.org']),
    ]);
    const created = await kubectl('apply', '-f', first);
    expect(created.stderr).toBe('');
    expect(created.stdout).toBe(
      'deployment.apps/sleep created\nserviceentry.networking.istio.io/httpbin created\n',
    );
    const second = writeManifest('client-2.yaml', [
      deployment('curlimages/curl:8.2', 2),
      entry(['httpbin.org', 'example.com']),
    ]);
    const configured = await kubectl('apply', '-f', second);
    expect(configured.stderr).toBe('');
    expect(configured.stdout).toBe(
      'deployment.apps/sleep configured\nserviceentry.networking.istio.io/httpbin configured\n',
    );
    const unchanged = await kubectl('apply', '-f', second);
    expect(unchanged.stdout).toBe(
      'deployment.apps/sleep unchanged\nserviceentry.networking.istio.io/httpbin unchanged\n',
    );

    const stored = parse(
      (await kubectl('get', 'deployment', 'sleep', '-n', 'team-y', '-o', 'yaml')).stdout,
    ) as Json;
    expect(stored.spec.replicas).toBe(2);
    expect(stored.spec.template.spec.containers).toEqual([
      { name: 'sleep', image: 'curlimages/curl:8.2' },
    ]);
    const lastApplied = JSON.parse(
      stored.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'],
    ) as Json;
    expect(lastApplied.spec.replicas).toBe(2);
    const hosts = await kubectl(
      'get',
      'serviceentries',
      '-n',
      'team-y',
      'httpbin',
      '-o',
      'jsonpath={.spec.hosts}',
    );
    expect(JSON.parse(hosts.stdout)).toEqual(['httpbin.org', 'example.com']);

    const scaled = await kubectl('scale', 'deployment/sleep', '-n', 'team-y', '--replicas=4');
    expect(scaled.stdout).toBe('deployment.apps/sleep scaled\n');
    const rollout = await kubectl(
      'rollout',
      'status',
      'deployment/sleep',
      '-n',
      'team-y',
      '--timeout=10s',
    );
    expect(rollout.stderr).toBe('');
    expect(rollout.stdout).toContain('successfully rolled out');
    const waited = await kubectl(
      'wait',
      '--for=condition=Available',
      'deployment/sleep',
      '-n',
      'team-y',
      '--timeout=10s',
    );
    expect(waited.stdout).toBe('deployment.apps/sleep condition met\n');
    expect(waited.stderr).toBe('');

    const invalid = writeManifest('invalid.yaml', [
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'broken', namespace: 'team-y' },
        spec: {
          hosts: ['httpbin.org'],
          http: [{ route: [{ destination: { host: 'httpbin.org' }, weight: 'all' }] }],
        },
      },
    ]);
    for (const mode of [[], ['--server-side']]) {
      const rejected = await kubectl('apply', ...mode, '-f', invalid);
      expect(rejected.code).not.toBe(0);
      expect(rejected.stderr).toContain('spec.http[0].route[0].weight');
    }
    expect((await kubectl('get', 'virtualservices', '-n', 'team-y', 'broken')).stderr).toContain(
      'NotFound',
    );

    // k8s.io/kubernetes pkg/apis/apps/validation/validation.go ValidateDeploymentSpec: kubectl
    // prints the 422 Status the way it prints a real API server's.
    const mismatched = writeManifest('mismatched.yaml', [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'mismatched', namespace: 'team-y' },
        spec: {
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'other' } },
            spec: { containers: [{ name: 'web', image: 'nginx' }] },
          },
        },
      },
    ]);
    for (const mode of [[], ['--server-side']]) {
      const rejected = await kubectl('apply', ...mode, '-f', mismatched);
      expect(rejected.code).not.toBe(0);
      expect(rejected.stderr).toContain(
        'The Deployment "mismatched" is invalid: spec.template.metadata.labels: Invalid value: {"app":"other"}: `selector` does not match template `labels`',
      );
    }

    expect((await kubectl('delete', '-f', second)).stdout).toBe(
      'deployment.apps "sleep" deleted\nserviceentry.networking.istio.io "httpbin" deleted\n',
    );
    expect((await kubectl('delete', 'namespace', 'team-y')).stdout).toBe(
      'namespace "team-y" deleted\n',
    );
    const missing = await kubectl('get', 'ns', 'team-y');
    expect(missing.stderr).toContain('namespaces "team-y" not found');
  });
});

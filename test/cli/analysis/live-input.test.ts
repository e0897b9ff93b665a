import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCheck } from '../../../cli/commands/check.js';
import { gcloudContextName } from '../../../cli/analysis/live-input.js';
import { runMatrix } from '../../../cli/analysis/matrix-report.js';
import { createGcpAdapters } from '../../../cli/compose.js';
import { startGcpSimulator, type GcpSimulator } from '../../../local/gcp/index.js';
import { startKubeSimulator, type KubeSimulator } from '../../../local/kube/index.js';
import type { GcpApis } from '../../../shared/gcp/index.js';
import { applyObjectSet, kubeObjectClient } from '../../../shared/kube/index.js';
import { desiredFirewalls, desiredNetwork } from '../../../shared/plan/gcp/compute.js';
import { desiredObjects } from '../../../shared/plan/mesh/index.js';
import { objectApiFor, tutorialEnvironment, tutorialTenant } from '../../shared/kube/helpers.js';

const env = tutorialEnvironment();
const project = env.spec.project;
const specs = 'examples/tutorial';
let kube: KubeSimulator;
let gcp: GcpSimulator;
let apis: GcpApis;
let dir: string;
let kubeconfig: string;

/** The options every live call shares: the simulators, no local stack (an empty state dir). */
const live = () => ({
  env: 'tutorial',
  file: [specs],
  kubeconfig,
  gcpEndpoint: gcp.url,
  stateDir: join(dir, 'no-stack'),
});

beforeAll(async () => {
  [kube, gcp] = await Promise.all([
    startKubeSimulator({ port: 0 }),
    startGcpSimulator({ port: 0 }),
  ]);
  dir = mkdtempSync(join(tmpdir(), 'egressctl-live-'));
  kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, kube.kubeconfig(gcloudContextName(env)));
  // The environment as provisioned: its objects in the cluster, its rules in the VPC.
  const tenants = [tutorialTenant('team-x'), tutorialTenant('team-y')];
  await applyObjectSet({
    client: kubeObjectClient(objectApiFor(kube.url)),
    set: { environment: 'tutorial', name: 'all' },
    objects: desiredObjects(env, tenants),
  });
  apis = createGcpAdapters({ mode: 'local', endpoint: gcp.url });
  await apis.compute.insert('networks', { project }, desiredNetwork(env), randomUUID());
  for (const rule of desiredFirewalls(env)) {
    await apis.compute.insert('firewalls', { project }, rule, randomUUID());
  }
});
afterAll(async () => {
  await Promise.all([kube.close(), gcp.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('egressctl check and matrix --env: the live cluster and the VPC as the GCP API lists them', () => {
  it('check --env reads the objects from the cluster and the firewall rules from the GCP API', async () => {
    const out = await runCheck('http://httpbin.org/status/418', {
      ...live(),
      from: 'team-y',
      output: 'text',
    });
    expect(out.split('\n')[0]).toBe(
      'team-y → http://httpbin.org:80/status/418 (GET): ALLOWED via plain-http',
    );
    expect(out).toContain('AuthorizationPolicy/istio-egress/egress-team-y-to-httpbin-org');
    expect(out).toMatch(
      /note: [1-9]\d* objects read from the cluster of context gke_tutorial-project_us-central1-a_cluster1/,
    );
    expect(out).toMatch(
      /note: 9 firewall rules of network vpc-network from the GCP API at http:\/\/127\.0\.0\.1:\d+/,
    );
  });

  it('matrix --env holds the live cluster to the tenant specs: no difference when it keeps them', async () => {
    const out = JSON.parse(await runMatrix({ ...live(), output: 'json' })) as {
      cells: Array<{ tenant: string; url: string; verdict: string; via?: string }>;
      differences: string[];
    };
    expect(out.differences).toEqual([]);
    expect(out.cells).toContainEqual({
      tenant: 'team-x',
      url: 'http://example.com/',
      verdict: 'ALLOWED',
      via: 'tls-origination',
      ungranted: false,
    });
  });

  it('a rule someone adds to the VPC shows in the verdicts, and as a difference from the specs', async () => {
    // Another team's firewall rule: the gateway nodes may no longer reach port 80 anywhere.
    const rule = {
      name: 'platform-deny-egress-80',
      network: `projects/${project}/global/networks/${env.spec.network.name}`,
      direction: 'EGRESS',
      priority: 100,
      denied: [{ IPProtocol: 'tcp', ports: ['80'] }],
      destinationRanges: ['0.0.0.0/0'],
    };
    await apis.compute.insert('firewalls', { project }, rule, randomUUID());
    try {
      const out = await runCheck('http://httpbin.org/status/418', {
        ...live(),
        from: 'team-y',
        output: 'text',
      });
      expect(out.split('\n')[0]).toContain('DENIED_NETWORK');
      expect(out).toContain('platform-deny-egress-80');
      const matrix = await runMatrix({ ...live(), output: 'text' });
      expect(matrix).toContain('differences from what the tenant specs grant (1):');
      expect(matrix).toMatch(
        /team-y GET http:\/\/httpbin\.org\/status\/418: expected ALLOWED via plain-http, actual DENIED_NETWORK \(decided by Firewall\/platform-deny-egress-80\)/,
      );
    } finally {
      await apis.compute.delete('firewalls', { project }, rule.name, randomUUID());
    }
  });

  it('explains what is missing instead of failing obscurely', async () => {
    vi.stubEnv('KUBECONFIG', '');
    vi.stubEnv('EGRESS_API_URL', '');
    try {
      await expect(
        runCheck('http://x.org/', { ...live(), env: 'nope', from: 'team-y', output: 'text' }),
      ).rejects.toMatchObject({
        message: expect.stringContaining(
          'no Environment named "nope" in the given files (found: tutorial)',
        ),
        exitCode: 1,
      });
      await expect(
        runMatrix({ ...live(), kubeconfig: undefined, output: 'text' }),
      ).rejects.toMatchObject({
        message: expect.stringMatching(
          /no cluster to read: no local stack runs with state dir .*no-stack/,
        ),
        exitCode: 2,
      });
      await expect(runMatrix({ ...live(), file: undefined, output: 'text' })).rejects.toMatchObject(
        {
          message: expect.stringContaining('give its spec files with -f, or start the local stack'),
        },
      );
      await expect(
        runMatrix({ ...live(), context: 'elsewhere', output: 'text' }),
      ).rejects.toMatchObject({
        message: expect.stringContaining(`--context elsewhere: no such context in ${kubeconfig}`),
      });
      const stopped = join(dir, 'stopped-kubeconfig');
      const closed = await startKubeSimulator({ port: 0 });
      writeFileSync(stopped, closed.kubeconfig(gcloudContextName(env)));
      await closed.close();
      await expect(
        runMatrix({ ...live(), kubeconfig: stopped, output: 'text' }),
      ).rejects.toMatchObject({
        message: expect.stringMatching(
          /cannot read the cluster of context gke_tutorial-project_us-central1-a_cluster1 .*is the local stack running\?/,
        ),
      });
      await expect(runMatrix({ output: 'text' })).rejects.toMatchObject({ exitCode: 2 });
      await expect(runMatrix({ ...live(), google: true, output: 'text' })).rejects.toMatchObject({
        message: '--google and --gcp-endpoint exclude each other',
        exitCode: 2,
      });
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

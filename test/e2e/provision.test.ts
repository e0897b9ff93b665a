import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ENVIRONMENT_STEPS } from '../../shared/plan/graph.js';
import { readSeedFile } from '../../local/gcp/index.js';
import type {
  EnvironmentRecord,
  RunRecord,
  StepRecord,
  TenantRecord,
} from '../../shared/state/types.js';
import { startLocalStack, type LocalStack } from '../../local/stack/index.js';
import { eventually, runCli, tempStateDir } from './helpers.js';

/**
 * End to end through the real parts: HTTP (api function) → Firestore → Pub/Sub → Eventarc bridge
 * → Executions API (the Workflows interpreter over workflows/) → step functions → GCP and
 * Kubernetes simulators, time-scaled. The GCP simulator starts with the tutorial's hand-made
 * bucket (examples/tutorial/local-seed.yaml), which team-x's Workload Identity grant names.
 */

interface RunView {
  run: RunRecord;
  steps: StepRecord[];
}

const TIME_SCALE = 0.01;
const environmentYaml = readFileSync('examples/tutorial/environment.yaml', 'utf8');
const environmentSpec = parseYaml(environmentYaml) as { metadata: { name: string } };
const BUCKET = 'tutorial-project-bucket';
const TEAM_X_MEMBER = 'serviceAccount:sa-test-app-team-x@tutorial-project.iam.gserviceaccount.com';

let stack: LocalStack;
let stateDir: string;
let api: string;

async function post(body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${api}/v1/environments`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml', ...headers },
    body,
  });
  return { status: res.status, body: (await res.json()) as { runId: string; reason?: string } };
}

async function getRun(runId: string): Promise<RunView> {
  const res = await fetch(`${api}/v1/runs/${runId}`);
  expect(res.status).toBe(200);
  return (await res.json()) as RunView;
}

function waitForEnd(runId: string): Promise<RunView> {
  return eventually(
    async () => {
      const view = await getRun(runId);
      return view.run.status === 'SUCCEEDED' || view.run.status === 'FAILED' ? view : undefined;
    },
    `run ${runId} to end`,
    90_000,
  );
}

async function gcpWrites(): Promise<number> {
  const res = await fetch(`${stack.info.endpoints.gcp}/__admin/counters`);
  return ((await res.json()) as { writes: number }).writes;
}

function kubeWrites(): number {
  return [...(stack.fleet?.clusters().values() ?? [])].reduce((n, c) => n + c.counters.writes, 0);
}

async function getEnvironment(): Promise<EnvironmentRecord> {
  const res = await fetch(`${api}/v1/environments/tutorial`);
  expect(res.status).toBe(200);
  return (await res.json()) as EnvironmentRecord;
}

async function getTenants(): Promise<TenantRecord[]> {
  const res = await fetch(`${api}/v1/environments/tutorial/tenants`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { tenants: TenantRecord[] }).tenants;
}

/** Every workflow execution has ended (tenant events may start reconcile runs of their own). */
function executionsSettled(): Promise<true> {
  return eventually(
    () => Promise.resolve(stack.executions!.list().every((e) => e.state !== 'ACTIVE') || undefined),
    'every workflow execution to end',
    90_000,
  );
}

/** Asserts a run ended SUCCEEDED, with every step DONE and the environment READY. */
async function expectReady(view: RunView): Promise<void> {
  expect(view.run.status, JSON.stringify(view.run.error ?? view.run)).toBe('SUCCEEDED');
  const notDone = view.steps.filter((s) => s.status !== 'DONE').map((s) => `${s.step} ${s.status}`);
  expect(notDone).toEqual([]);
  expect(view.steps.map((s) => s.step).sort()).toEqual([...ENVIRONMENT_STEPS].sort());
  expect((await getEnvironment()).status).toBe('READY');
}

beforeAll(async () => {
  stateDir = tempStateDir('provision');
  stack = await startLocalStack({
    stateDir,
    timeScale: TIME_SCALE,
    seed: await readSeedFile('examples/tutorial/local-seed.yaml'),
  });
  api = stack.info.endpoints.api!;
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('provisioning the tutorial environment on the local stack', { timeout: 300_000 }, () => {
  let firstRun: RunView;

  it('runs HTTP → Pub/Sub → eventarc → workflow → functions → simulators → Firestore to READY', async () => {
    expect(environmentSpec.metadata.name).toBe('tutorial');
    const created = await post(environmentYaml);
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    firstRun = await waitForEnd(created.body.runId);
    // The run was driven by a workflow execution the bridge started from the Pub/Sub message.
    // The run record ends when the workflow calls finalize; the execution ends a moment later.
    const executionOfRun = () =>
      stack.executions!.list().find(
        (e) =>
          e.workflowId === 'provision-environment' &&
          Buffer.from(
            (JSON.parse(e.argument) as { data: { message: { data: string } } }).data.message.data,
            'base64',
          )
            .toString()
            .includes(created.body.runId),
      );
    let execution = executionOfRun();
    for (let i = 0; i < 300 && execution?.state === 'ACTIVE'; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      execution = executionOfRun();
    }
    expect(execution?.state).toBe('SUCCEEDED');
    await expectReady(firstRun);
  });

  it('egressctl up --once attaches, publishes both tenants, and the run ends SUCCEEDED with both APPLIED and team-x granted on the bucket', async () => {
    expect(firstRun).toBeDefined();
    const result = await runCli([
      'up',
      '-f',
      'examples/tutorial',
      '--target',
      'local',
      '--once',
      '--state-dir',
      stateDir,
      '--poll',
      '0.2',
    ]);
    expect(result.stdout).toContain(`attached to the local stack of ${stateDir}`);
    expect(result.stdout).toContain('published team-x, team-y to tenant-requests');
    expect(result.stdout).toMatch(
      /reachability \(desired state compiled from the specs\):\nURL +team-x +team-y/,
    );
    expect(result.stdout).toMatch(
      /http:\/\/example\.com\/ +ALLOWED \(tls-origination\) +DENIED_NO_ROUTE/,
    );
    // The CLI's verdict is the run's: exit 0 for SUCCEEDED.
    const runId = /run (run-[0-9a-f-]+) started/.exec(result.stdout)?.[1];
    expect(runId, result.stdout).toBeDefined();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`run ${runId} SUCCEEDED`);
    expect(result.stdout).toMatch(/resources in the GCP simulator: .*storage\.buckets 1/);
    await expectReady(await getRun(runId!));

    // Tenant events may start a reconcile run of their own after the provision run: wait for all.
    await executionsSettled();
    const tenants = await eventually(
      async () => {
        const found = await getTenants();
        return found.length === 2 && found.every((t) => t.status === 'APPLIED') ? found : undefined;
      },
      'team-x and team-y to be APPLIED',
      60_000,
    );
    expect(tenants.map((t) => [t.id, t.status]).sort()).toEqual([
      ['team-x', 'APPLIED'],
      ['team-y', 'APPLIED'],
    ]);
    expect((await getEnvironment()).status).toBe('READY');

    // The grant is read back through the simulator's Storage API, as gsutil would see it.
    const res = await fetch(`${stack.info.endpoints.gcp}/storage/v1/b/${BUCKET}/iam`);
    expect(res.status).toBe(200);
    const policy = (await res.json()) as { bindings: Array<{ role: string; members: string[] }> };
    expect(policy.bindings).toContainEqual({
      role: 'roles/storage.objectViewer',
      members: [TEAM_X_MEMBER],
    });
    // The bucket's default bindings survive the read-modify-write.
    expect(policy.bindings.map((b) => b.role)).toContain('roles/storage.legacyBucketOwner');
  });

  it('treats a second POST of the same spec as a no-op: same run for the same key, no writes otherwise', async () => {
    expect(firstRun).toBeDefined();
    await executionsSettled();
    const gcpBefore = await gcpWrites();
    const kubeBefore = kubeWrites();
    const again = await post(environmentYaml);
    expect(again.status).toBe(202);
    const second = await waitForEnd(again.body.runId);
    await expectReady(second);
    // Everything already exists, tenants and grants included: the steps observe and change nothing.
    expect(await gcpWrites()).toBe(gcpBefore);
    expect(kubeWrites()).toBe(kubeBefore);
    expect((await getTenants()).map((t) => t.status)).toEqual(['APPLIED', 'APPLIED']);

    const keyed = await post(environmentYaml, { 'Idempotency-Key': 'e2e-same-request' });
    expect(keyed.status).toBe(202);
    await waitForEnd(keyed.body.runId);
    const repeated = await post(environmentYaml, { 'Idempotency-Key': 'e2e-same-request' });
    expect(repeated.status).toBe(200);
    expect(repeated.body.runId).toBe(keyed.body.runId);
  });
});

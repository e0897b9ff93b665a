import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ENVIRONMENT_GRAPH } from '../../shared/plan/graph.js';
import type { EnvironmentRecord, RunRecord, StepRecord } from '../../shared/state/types.js';
import { startLocalStack, type LocalStack } from '../../local/stack/index.js';
import { eventually, runCli, tempStateDir } from './helpers.js';

/**
 * End to end through the real parts: HTTP (api function) → Firestore → Pub/Sub → Eventarc bridge
 * → Executions API (the Workflows interpreter over workflows/) → step functions → GCP and
 * Kubernetes simulators, time-scaled.
 */

interface RunView {
  run: RunRecord;
  steps: StepRecord[];
}

const TIME_SCALE = 0.01;
const environmentYaml = readFileSync('examples/tutorial/environment.yaml', 'utf8');
const environmentSpec = parseYaml(environmentYaml) as { metadata: { name: string } };

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

/** The step a failed run stopped at, from its error ("step X: ..."). */
function stoppedAt(view: RunView): string | undefined {
  return /^step ([a-z-]+):/.exec(view.run.error?.message ?? '')?.[1];
}

/**
 * Checks a run's end: READY, or — while steps are still unregistered — FAILED at a step every
 * dependency of which is DONE, because its function answered 501. Returns the step.
 */
async function expectReadyOrFirstUnimplemented(view: RunView): Promise<string | undefined> {
  const env = (await (await fetch(`${api}/v1/environments/tutorial`)).json()) as EnvironmentRecord;
  if (view.run.status === 'SUCCEEDED') {
    expect(env.status).toBe('READY');
    return undefined;
  }
  expect(view.run.error, JSON.stringify(view.run)).toMatchObject({
    reason: 'step-not-implemented',
  });
  const step = stoppedAt(view);
  const node = ENVIRONMENT_GRAPH.find((n) => n.name === step);
  expect(node, `the failing step of ${view.run.error?.message}`).toBeDefined();
  const done = new Set(view.steps.filter((s) => s.status === 'DONE').map((s) => s.step));
  for (const dependency of node!.dependsOn) expect(done).toContain(dependency);
  expect(env.status).toBe('FAILED');
  return step;
}

beforeAll(async () => {
  stateDir = tempStateDir('provision');
  stack = await startLocalStack({ stateDir, timeScale: TIME_SCALE });
  api = stack.info.endpoints.api!;
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('provisioning the tutorial environment on the local stack', { timeout: 300_000 }, () => {
  let firstRun: RunView;
  let firstStop: string | undefined;

  // TODO(lead): drop the "known limitation" once every step is registered in functions/context.ts;
  // the run must then end SUCCEEDED with the environment READY.
  it('runs HTTP → Pub/Sub → eventarc → workflow → functions → simulators → Firestore to READY (known limitation: stops with 501 at the first unimplemented step)', async () => {
    expect(environmentSpec.metadata.name).toBe('tutorial');
    const created = await post(environmentYaml);
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    firstRun = await waitForEnd(created.body.runId);
    // The run was driven by a workflow execution the bridge started from the Pub/Sub message.
    const executions = stack.executions!.list();
    expect(executions.map((e) => e.workflowId)).toContain('provision-environment');
    const execution = executions.find((e) =>
      Buffer.from(
        (JSON.parse(e.argument) as { data: { message: { data: string } } }).data.message.data,
        'base64',
      )
        .toString()
        .includes(created.body.runId),
    );
    expect(execution?.state).toBe(firstRun.run.status === 'SUCCEEDED' ? 'SUCCEEDED' : 'FAILED');
    firstStop = await expectReadyOrFirstUnimplemented(firstRun);
  });

  it('treats a second POST of the same spec as a no-op: same run for the same key, no writes otherwise', async () => {
    expect(firstRun).toBeDefined();
    const gcpBefore = await gcpWrites();
    const kubeBefore = kubeWrites();
    const again = await post(environmentYaml);
    expect(again.status).toBe(202);
    const second = await waitForEnd(again.body.runId);
    expect(second.run.status).toBe(firstRun.run.status);
    expect(stoppedAt(second)).toBe(firstStop);
    // Everything already exists: the steps observe and change nothing.
    expect(await gcpWrites()).toBe(gcpBefore);
    expect(kubeWrites()).toBe(kubeBefore);

    const keyed = await post(environmentYaml, { 'Idempotency-Key': 'e2e-same-request' });
    expect(keyed.status).toBe(202);
    await waitForEnd(keyed.body.runId);
    const repeated = await post(environmentYaml, { 'Idempotency-Key': 'e2e-same-request' });
    expect(repeated.status).toBe(200);
    expect(repeated.body.runId).toBe(keyed.body.runId);
  });

  it('egressctl up --once attaches to the running stack, follows the run and prints the summary', async () => {
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
    // The CLI's verdict is the run's: exit 0 only for SUCCEEDED; a failure names the step,
    // reason and message the API records (with tenants published, the tenants step runs too).
    const runId = /run (run-[0-9a-f-]+) started/.exec(result.stdout)?.[1];
    expect(runId, result.stdout).toBeDefined();
    const view = await getRun(runId!);
    if (view.run.status === 'SUCCEEDED') {
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toContain(`run ${runId} SUCCEEDED`);
    } else {
      expect(result.code, result.stdout + result.stderr).toBe(1);
      const failed = view.steps.find((s) => s.status === 'FAILED');
      const step = failed?.step ?? stoppedAt(view);
      const reason = failed?.error?.reason ?? view.run.error?.reason;
      expect(result.stdout).toContain(
        `run ${runId} FAILED\n  step:     ${step}\n  reason:   ${reason}\n`,
      );
      expect(result.stdout).toContain(failed?.error?.message ?? view.run.error?.message ?? '');
    }
    expect(result.stdout).toMatch(/resources in the GCP simulator: /);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionsClient } from '@google-cloud/workflows';
import {
  localExecutionsClient,
  startExecutionsServer,
  type ExecutionsServer,
} from '../../../local/executions/index.js';
import { startStepFunctionsStandIn } from '../../workflows/step-functions-stand-in.js';
import { STEP_FAMILIES } from '../../../shared/plan/graph.js';

const PARENT = 'projects/demo/locations/us-central1/workflows';

const WORKFLOWS = {
  greet: `
main:
  params: [args]
  steps:
    - answer:
        return: '\${"hello " + args.name + " from " + sys.get_env("GOOGLE_CLOUD_WORKFLOW_ID")}'
`,
  broken: `
main:
  steps:
    - first:
        assign:
          - x: 1
    - fail_here:
        raise:
          reason: on-purpose
          message: this workflow always fails
`,
  slow: `
main:
  steps:
    - wait:
        call: sys.sleep
        args:
          seconds: 3600
    - never:
        return: finished
`,
};

/**
 * Polls with the official client until the execution leaves ACTIVE. A deadline, not a count of
 * polls: on a loaded CI machine each poll itself may take a while.
 */
async function settled(client: ExecutionsClient, name: string) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const [execution] = await client.getExecution({ name });
    if (execution.state !== 'ACTIVE') return execution;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${name} still ACTIVE after 30 s`);
}

describe('local Executions API with the official ExecutionsClient', () => {
  let server: ExecutionsServer;
  let client: ExecutionsClient;
  let standIn: Awaited<ReturnType<typeof startStepFunctionsStandIn>>;
  let stateDir: string;

  beforeAll(async () => {
    stateDir = mkdtempSync(`${tmpdir()}/executions-`);
    standIn = await startStepFunctionsStandIn({
      now: () => Date.now() / 1000,
      families: STEP_FAMILIES,
      dirtyPasses: 1,
    });
    server = await startExecutionsServer({
      workflows: WORKFLOWS,
      env: { STEP_BASE_URL: standIn.url },
      timeScale: 1,
      stateDir,
    });
    client = localExecutionsClient(server.url);
  });

  afterAll(async () => {
    await client?.close();
    await server?.close();
    await standIn?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('creates an execution, then gets it until SUCCEEDED with its result', async () => {
    const [created] = await client.createExecution({
      parent: `${PARENT}/greet`,
      execution: { argument: JSON.stringify({ name: 'team-x' }) },
    });
    expect(created.name).toMatch(new RegExp(`^${PARENT}/greet/executions/[0-9a-f-]{36}$`));
    expect(created.argument).toBe('{"name":"team-x"}');
    const done = await settled(client, created.name!);
    expect(done.state).toBe('SUCCEEDED');
    expect(JSON.parse(done.result!)).toBe('hello team-x from greet');
    expect(done.startTime?.seconds).toBeDefined();
    expect(done.endTime?.seconds).toBeDefined();
  });

  it('runs the product workflow reconcile-tenants from workflows/ against the step functions', async () => {
    const repoServer = await startExecutionsServer({ env: { STEP_BASE_URL: standIn.url } });
    const repoClient = localExecutionsClient(repoServer.url);
    try {
      const [created] = await repoClient.createExecution({
        parent: `${PARENT}/reconcile-tenants`,
        execution: {
          argument: JSON.stringify({ runId: 'run-0123456789abcdef', environmentId: 'tutorial' }),
        },
      });
      const done = await settled(repoClient, created.name!);
      expect(done.state, JSON.stringify(done.error)).toBe('SUCCEEDED');
      expect(JSON.parse(done.result!)).toMatchObject({ kind: 'tenants', passes: 2 });
      expect(standIn.calls().map((c) => c.path)).toEqual(['/step-tenants', '/step-tenants']);
      expect(standIn.calls()[0]!.authorization).toBe('Bearer local-oidc-token');
    } finally {
      await repoClient.close();
      await repoServer.close();
    }
  });

  it('reports a failing workflow with its error payload and context', async () => {
    const [created] = await client.createExecution({ parent: `${PARENT}/broken`, execution: {} });
    const failed = await settled(client, created.name!);
    expect(failed.state).toBe('FAILED');
    expect(JSON.parse(failed.error!.payload!)).toEqual({
      reason: 'on-purpose',
      message: 'this workflow always fails',
    });
    expect(failed.error!.context).toContain('in step "fail_here", routine "main"');
    expect(failed.error!.stackTrace?.elements?.[0]?.step).toBe('fail_here');
  });

  it('lists executions newest first, in the BASIC view by default', async () => {
    const [executions] = await client.listExecutions({ parent: `${PARENT}/greet` });
    expect(executions.length).toBeGreaterThanOrEqual(1);
    expect(executions.every((e) => e.name!.startsWith(`${PARENT}/greet/executions/`))).toBe(true);
    expect(executions[0]!.argument).toBeFalsy();
    const [full] = await client.listExecutions({ parent: `${PARENT}/greet`, view: 'FULL' });
    expect(full[0]!.argument).toBe('{"name":"team-x"}');
    const [failedOnly] = await client.listExecutions({
      parent: `${PARENT}/broken`,
      filter: 'state="FAILED"',
    });
    expect(failedOnly).toHaveLength(1);
    await expect(
      client.listExecutions({ parent: `${PARENT}/broken`, filter: 'argument:"x"' }),
    ).rejects.toMatchObject({
      code: 400,
      message: expect.stringContaining('is not supported locally'),
    });
  });

  it('cancels an active execution', async () => {
    const [created] = await client.createExecution({ parent: `${PARENT}/slow`, execution: {} });
    const [cancelled] = await client.cancelExecution({ name: created.name! });
    expect(cancelled.state).toBe('CANCELLED');
    const [again] = await client.getExecution({ name: created.name! });
    expect(again.state).toBe('CANCELLED');
    await expect(client.cancelExecution({ name: created.name! })).rejects.toMatchObject({
      message: expect.stringContaining('only an ACTIVE execution can be cancelled'),
    });
    // The interpreter stopped: nothing flips the record afterwards.
    expect((await server.waitFor(created.name!)).state).toBe('CANCELLED');
  });

  it('answers Google-style errors: unknown workflow, bad argument, unknown execution', async () => {
    await expect(
      client.createExecution({ parent: `${PARENT}/nope`, execution: {} }),
    ).rejects.toMatchObject({ code: 404 });
    await expect(
      client.createExecution({ parent: `${PARENT}/greet`, execution: { argument: '{not json' } }),
    ).rejects.toMatchObject({
      code: 400,
      message: expect.stringContaining('execution.argument is not valid JSON'),
    });
    await expect(
      client.getExecution({ name: `${PARENT}/greet/executions/missing` }),
    ).rejects.toMatchObject({ code: 404 });
  });

  it('keeps records in the state dir and replays an execution cut off by a stop under the same id', async () => {
    const dir = mkdtempSync(`${tmpdir()}/executions-restart-`);
    const durable = {
      ...WORKFLOWS,
      // Sleeps as the argument says, then names the execution it ran in.
      waiting: `
main:
  params: [args]
  steps:
    - wait:
        call: sys.sleep
        args:
          seconds: \${args.seconds}
    - answer:
        return: '\${args.name + " in " + sys.get_env("GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID")}'
`,
    };
    try {
      const first = await startExecutionsServer({ workflows: durable, stateDir: dir });
      const firstClient = localExecutionsClient(first.url);
      const [cut] = await firstClient.createExecution({
        parent: `${PARENT}/waiting`,
        execution: { argument: '{"name":"cut","seconds":3600}' },
      });
      const [orphan] = await firstClient.createExecution({
        parent: `${PARENT}/slow`,
        execution: {},
      });
      const [greet] = await firstClient.createExecution({
        parent: `${PARENT}/greet`,
        execution: { argument: '{"name":"x"}' },
      });
      await first.waitFor(greet.name!);
      await firstClient.close();
      await first.close();
      // A stop leaves the record as a killed process would: ACTIVE.
      expect(first.get(cut.name!)?.state).toBe('ACTIVE');

      // The second server knows no `slow` workflow any more: that execution cannot be replayed.
      const { slow: _gone, ...remaining } = durable;
      const second = await startExecutionsServer({
        workflows: remaining,
        stateDir: dir,
        timeScale: 3600 * 100,
      });
      const secondClient = localExecutionsClient(second.url);
      try {
        expect(second.get(greet.name!)?.state).toBe('SUCCEEDED');
        const replayed = await second.waitFor(cut.name!);
        expect(replayed.state).toBe('SUCCEEDED');
        const id = cut.name!.split('/').at(-1);
        expect(JSON.parse(replayed.result!)).toBe(`cut in ${id}`);
        expect(replayed.replays).toBe(1);
        expect(replayed.createTime).toBe(first.get(cut.name!)?.createTime);
        // Through the API, the replay is the same execution, with no local-only fields.
        const [read] = await secondClient.getExecution({ name: cut.name! });
        expect(read.state).toBe('SUCCEEDED');
        expect(read.argument).toBe('{"name":"cut","seconds":3600}');
        // The client drops fields it does not know: the raw answer shows what the server sends.
        const raw = (await (await fetch(`${second.url}/v1/${cut.name!}`)).json()) as object;
        expect(raw).toMatchObject({ name: cut.name, state: 'SUCCEEDED' });
        expect(raw).not.toHaveProperty('replays');
        expect(raw).not.toHaveProperty('workflowId');
        expect(second.list().filter((e) => e.workflowId === 'waiting')).toHaveLength(1);

        const failed = second.get(orphan.name!);
        expect(failed?.state).toBe('FAILED');
        expect(failed?.error?.payload).toContain('cannot replay this execution');
        expect(failed?.error?.payload).toContain("'workflows/slow' was not found");
      } finally {
        await secondClient.close();
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without a state dir, a stop ends running executions FAILED', async () => {
    const server = await startExecutionsServer({ workflows: WORKFLOWS });
    const localClient = localExecutionsClient(server.url);
    try {
      const [slow] = await localClient.createExecution({ parent: `${PARENT}/slow`, execution: {} });
      await localClient.close();
      await server.close();
      const record = server.get(slow.name!);
      expect(record?.state).toBe('FAILED');
      expect(record?.error?.payload).toContain('without a state dir executions are not kept');
    } finally {
      await localClient.close();
    }
  });
});

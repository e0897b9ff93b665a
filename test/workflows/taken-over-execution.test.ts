import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionsContext, StepRegistry } from '../../functions/testing.js';
import {
  FetchHttpClient,
  loadWorkflow,
  runWorkflow,
  type WorkflowHttpClient,
} from '../../local/workflows/index.js';
import { ENVIRONMENT_STEPS } from '../../shared/plan/graph.js';
import type { createMemoryStores } from '../../shared/state/memory.js';
import {
  environmentRequestEvent,
  executionNameOf,
  runDefinition,
  RUN_ID,
  workflowSource,
} from './run-definition.js';
import { SettlingClock } from './settling-clock.js';
import {
  startFunctionsRouter,
  startProvisionRun,
  type FunctionsRouter,
} from './functions-router.js';

const NEW_HOLDER = 'projects/local-project/locations/local/workflows/w/executions/new-holder';

/** The answer of an execution that found another one holding its run. */
const superseded = { runId: RUN_ID, duplicate: true, superseded: true, holder: NEW_HOLDER };

describe('an execution whose claim is taken over mid-run (stand-in functions)', () => {
  it('provision-environment stops at its next step calls (parallel branches) without finalizing', async () => {
    const event = environmentRequestEvent({
      runId: RUN_ID,
      environmentId: 'tutorial',
      kind: 'provision',
    });
    const { outcome, calls, finalizeCalls } = await runDefinition(
      'provision-environment.yaml',
      event,
      { takeOver: { afterStep: 'cluster', by: NEW_HOLDER } },
    );
    expect(outcome.state === 'SUCCEEDED' && outcome.result, JSON.stringify(outcome)).toEqual(
      superseded,
    );
    // Both branches after the cluster were refused once, and nothing ran after them.
    const afterCluster = calls.slice(calls.findIndex((c) => c.step === 'cluster') + 1);
    expect(afterCluster.map((c) => [c.step, c.status]).sort()).toEqual([
      ['gateway-pool', 409],
      ['mesh-ready', 409],
    ]);
    expect(finalizeCalls).toEqual([]);
  });

  it('teardown-environment stops at its next step call without finalizing', async () => {
    const event = environmentRequestEvent({
      runId: RUN_ID,
      environmentId: 'tutorial',
      kind: 'teardown',
    });
    const { outcome, calls, finalizeCalls } = await runDefinition(
      'teardown-environment.yaml',
      event,
      { takeOver: { afterStep: 'tenants', by: NEW_HOLDER } },
    );
    expect(outcome.state === 'SUCCEEDED' && outcome.result, JSON.stringify(outcome)).toEqual(
      superseded,
    );
    expect(calls.filter((c) => c.status !== 409).map((c) => c.step)).toEqual(['tenants']);
    expect(calls.filter((c) => c.status === 409).map((c) => c.step)).not.toHaveLength(0);
    expect(finalizeCalls).toEqual([]);
  });

  it('reconcile-tenants, refused at finalize, neither ends the run nor reports a failure', async () => {
    const { outcome, finalizeCalls } = await runDefinition(
      'reconcile-tenants.yaml',
      { runId: RUN_ID, environmentId: 'tutorial' },
      { takeOver: { afterStep: 'tenants', by: NEW_HOLDER } },
    );
    expect(outcome.state === 'SUCCEEDED' && outcome.result, JSON.stringify(outcome)).toEqual(
      superseded,
    );
    // One refused end of the pass; no finalize_failed after it.
    expect(finalizeCalls.map((c) => [(c.body as { outcome: string }).outcome, c.status])).toEqual([
      ['succeeded', 409],
    ]);
  });

  it('stops quietly when finalize refuses to record its failure (taken over meanwhile)', async () => {
    const { outcome, finalizeCalls } = await runDefinition(
      'reconcile-tenants.yaml',
      { runId: RUN_ID, environmentId: 'tutorial' },
      {
        steps: {
          tenants: {
            answers: [
              {
                status: 422,
                body: { kind: 'permanent', reason: 'invalid-tenant', message: 'granted twice' },
              },
            ],
          },
        },
        takeOver: { afterStep: 'tenants', by: NEW_HOLDER },
      },
    );
    expect(outcome.state === 'SUCCEEDED' && outcome.result, JSON.stringify(outcome)).toEqual(
      superseded,
    );
    // The failure was offered once, refused, and not offered again.
    expect(finalizeCalls.map((c) => [(c.body as { outcome: string }).outcome, c.status])).toEqual([
      ['failed', 409],
    ]);
  });

  it('still ends the run FAILED when a step fails and the claim was not taken over', async () => {
    const { outcome, finalizeCalls } = await runDefinition(
      'reconcile-tenants.yaml',
      { runId: RUN_ID, environmentId: 'tutorial' },
      {
        steps: {
          tenants: {
            answers: [
              {
                status: 409,
                body: { kind: 'conflict', reason: 'lease-lost', message: 'lease lost' },
              },
            ],
          },
        },
      },
    );
    expect(outcome.state === 'FAILED' && outcome.error).toMatchObject({ reason: 'lease-lost' });
    expect(finalizeCalls.map((c) => (c.body as { outcome: string }).outcome)).toContain('failed');
  });
});

/**
 * The real finalize and step functions over the memory backend of the stores (as
 * duplicate-executions.test.ts, whose note says why not the emulator here).
 */
describe('a taken-over execution and the run holder (real functions)', () => {
  let ctx: FunctionsContext & { stores: ReturnType<typeof createMemoryStores> };
  let baseUrl: string;
  const nameOf = (id: string) => executionNameOf('provision-environment.yaml', id);
  let takeOverAt: { step: string; by: string } | undefined;
  const ensured: string[] = [];

  /** Every step done at once; one of them hands the run to another execution, as an operator would. */
  const registry: StepRegistry = Object.fromEntries(
    ENVIRONMENT_STEPS.map((step) => [
      step,
      {
        ensure: async (stepContext: { runId: string }) => {
          ensured.push(step);
          if (takeOverAt?.step === step) {
            await ctx.stores.backend.updateFields(`runs/${stepContext.runId}`, [
              { path: ['executionName'], value: takeOverAt.by },
            ]);
            takeOverAt = undefined;
          }
          return { status: 'done' as const, outputs: { [step]: true } };
        },
      },
    ]),
  );

  let functions: FunctionsRouter;
  beforeAll(async () => {
    functions = await startFunctionsRouter('demo-takeover', registry);
    ({ ctx, baseUrl } = functions);
  });
  afterAll(async () => {
    await functions?.close();
  });

  it('stops the superseded execution at its next step call; the holder finishes the run', async () => {
    const { runId, event } = await startProvisionRun(ctx, '2002');
    const workflow = loadWorkflow(workflowSource('provision-environment.yaml'), {
      filename: 'provision-environment.yaml',
    });
    const sent: Record<string, Array<{ path: string; status: number }>> = {};
    const execute = (executionId: string) => {
      const log: Array<{ path: string; status: number }> = (sent[executionId] = []);
      const inner = new FetchHttpClient();
      const clock = new SettlingClock();
      const recording: WorkflowHttpClient = {
        async send(request) {
          const response = await inner.send(request);
          const body = JSON.parse(Buffer.from(request.body ?? '{}').toString('utf8')) as {
            action?: string;
            step?: string;
          };
          const what = body.action ?? body.step ?? '';
          log.push({
            path: `${new URL(request.url).pathname} ${what}`.trim(),
            status: response.status,
          });
          return response;
        },
      };
      return runWorkflow(workflow, event, {
        clock,
        http: clock.wrap(recording),
        executionId,
        env: { STEP_BASE_URL: baseUrl },
        tokenProvider: async () => 'local-token',
      });
    };

    takeOverAt = { step: 'cluster', by: nameOf('exec-holder') };
    const stray = await execute('exec-stray');
    expect(stray.state === 'SUCCEEDED' && stray.result, JSON.stringify(stray)).toEqual({
      runId,
      duplicate: true,
      superseded: true,
      holder: nameOf('exec-holder'),
    });
    const strayCalls = sent['exec-stray']!;
    // Refused at the steps after the cluster (two parallel branches), and no finalize but the claim.
    expect(
      strayCalls
        .filter((c) => c.status === 409)
        .map((c) => c.path)
        .sort(),
    ).toEqual(['/step-cluster gateway-pool', '/step-mesh mesh-ready']);
    expect(strayCalls.filter((c) => c.path.startsWith('/finalize'))).toEqual([
      { path: '/finalize claim', status: 200 },
    ]);
    expect(ensured).not.toContain('gateway-pool');
    expect(await ctx.stores.runs.get(runId)).toMatchObject({
      status: 'RUNNING',
      executionName: nameOf('exec-holder'),
    });

    // The holder's own execution (started now) drives the run from its recorded state to the end.
    const holder = await execute('exec-holder');
    expect(holder.state === 'SUCCEEDED' && holder.result, JSON.stringify(holder)).toMatchObject({
      runId,
      status: 'SUCCEEDED',
    });
    expect(sent['exec-holder']!.every((c) => c.status === 200)).toBe(true);
    expect(sent['exec-holder']!.filter((c) => c.path.startsWith('/finalize'))).toHaveLength(2);
    expect(await ctx.stores.runs.get(runId)).toMatchObject({ status: 'SUCCEEDED' });
    expect((await ctx.stores.environments.get('tutorial'))?.status).toBe('READY');
  });
});

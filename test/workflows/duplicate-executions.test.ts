import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionsContext, StepRegistry } from '../../functions/testing.js';
import {
  FetchHttpClient,
  loadWorkflow,
  runWorkflow,
  type WorkflowHttpClient,
} from '../../local/workflows/index.js';
import { ENVIRONMENT_STEPS } from '../../shared/plan/graph.js';
import {
  environmentRequestEvent,
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

const OTHER = 'projects/local-project/locations/local/workflows/w/executions/other-execution';

/** Each workflow file with the argument its trigger gives it. */
const TRIGGERS = [
  [
    'provision-environment.yaml',
    environmentRequestEvent({ runId: RUN_ID, environmentId: 'tutorial', kind: 'provision' }),
  ],
  [
    'teardown-environment.yaml',
    environmentRequestEvent({ runId: RUN_ID, environmentId: 'tutorial', kind: 'teardown' }),
  ],
  ['reconcile-tenants.yaml', { runId: RUN_ID, environmentId: 'tutorial' }],
] as const;

describe('a duplicate execution (stand-in functions)', () => {
  for (const [file, argument] of TRIGGERS) {
    it(`${file} claims its run first, naming itself, and returns quietly when another execution holds it`, async () => {
      const { outcome, events, claimCalls } = await runDefinition(file, argument, {
        holder: OTHER,
        executionId: 'this-execution',
      });
      expect(outcome.state === 'SUCCEEDED' && outcome.result).toEqual({
        runId: RUN_ID,
        duplicate: true,
        holder: OTHER,
      });
      const workflowId = file.replace(/\.yaml$/, '');
      expect(claimCalls.map((c) => [c.path, c.body, c.authorization])).toEqual([
        [
          '/finalize',
          {
            runId: RUN_ID,
            action: 'claim',
            execution: `projects/local-project/locations/local/workflows/${workflowId}/executions/this-execution`,
          },
          'Bearer token-for-OIDC',
        ],
      ]);
      // No step, no finalize: the run belongs to the holder.
      expect(events.map((e) => e.kind)).toEqual(['claim']);
    });
  }
});

/**
 * The real finalize and step functions (functions/, through the framework's request pipeline)
 * over the memory backend of the stores: the same store code as on Firestore, whose
 * transactions test/state runs against the emulator. Here the parallel branches would make the
 * emulator's lock waits (~3 s each) the cost of the test.
 */
describe('two executions of provision-environment for one run (real functions)', () => {
  let ctx: FunctionsContext;
  let baseUrl: string;

  /** Every step done at once: the claim, not the steps' work, is under test here. */
  const registry: StepRegistry = Object.fromEntries(
    ENVIRONMENT_STEPS.map((step) => [
      step,
      { ensure: async () => ({ status: 'done' as const, outputs: { [step]: true } }) },
    ]),
  );

  let functions: FunctionsRouter;
  beforeAll(async () => {
    functions = await startFunctionsRouter('demo-claims', registry);
    ({ ctx, baseUrl } = functions);
  });
  afterAll(async () => {
    await functions?.close();
  });

  it('lets one drive the run to SUCCEEDED; the other and a late one return duplicate without a step', async () => {
    const { runId, event } = await startProvisionRun(ctx, '1001');
    const workflow = loadWorkflow(workflowSource('provision-environment.yaml'), {
      filename: 'provision-environment.yaml',
    });
    const clock = new SettlingClock();
    const paths: Record<string, string[]> = {};
    let claimAnswered!: () => void;
    const firstClaimAnswered = new Promise<void>((resolve) => (claimAnswered = resolve));
    // The first execution's step calls wait for the second's claim: without this gate a fast
    // first execution could end the run before the second claims, and the second would read
    // `ended` instead of `holder` (the race this test is about, made deterministic).
    let secondClaimed!: () => void;
    const secondClaimAnswered = new Promise<void>((resolve) => (secondClaimed = resolve));
    /** One execution, with its own record of what it sent where. */
    const execute = (executionId: string) => {
      const sent: string[] = (paths[executionId] = []);
      const inner = new FetchHttpClient();
      const recording: WorkflowHttpClient = {
        async send(request) {
          const body = request.body
            ? (JSON.parse(Buffer.from(request.body).toString('utf8')) as {
                action?: string;
                step?: string;
              })
            : undefined;
          if (executionId === 'exec-first' && body?.step) await secondClaimAnswered;
          const response = await inner.send(request);
          sent.push(`${new URL(request.url).pathname} ${body?.action ?? body?.step ?? ''}`.trim());
          if (body?.action === 'claim' && executionId === 'exec-first') claimAnswered();
          if (body?.action === 'claim' && executionId === 'exec-second') secondClaimed();
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
    const nameOf = (id: string) =>
      `projects/local-project/locations/local/workflows/provision-environment/executions/${id}`;

    // The second delivery's execution starts while the first works on the run.
    const first = execute('exec-first');
    await firstClaimAnswered;
    const second = await execute('exec-second');
    const winner = await first;

    expect(winner.state, JSON.stringify(winner)).toBe('SUCCEEDED');
    expect(winner.state === 'SUCCEEDED' && winner.result).toMatchObject({
      runId,
      status: 'SUCCEEDED',
    });
    expect(second.state === 'SUCCEEDED' && second.result).toEqual({
      runId,
      duplicate: true,
      holder: nameOf('exec-first'),
    });
    expect(paths['exec-second']).toEqual(['/finalize claim']);
    // The winner called each step once, and finalize once to end the run.
    const stepCalls = paths['exec-first']!.filter((p) => p.startsWith('/step-'));
    expect(stepCalls.map((p) => p.split(' ')[1]).sort()).toEqual([...ENVIRONMENT_STEPS].sort());
    expect(paths['exec-first']!.filter((p) => p.startsWith('/finalize'))).toEqual([
      '/finalize claim',
      '/finalize',
    ]);
    const run = await ctx.stores.runs.get(runId);
    expect(run).toMatchObject({ status: 'SUCCEEDED', executionName: nameOf('exec-first') });
    const steps = await ctx.stores.runs.listSteps(runId);
    expect(steps.map((s) => [s.step, s.status, s.attempts]).sort()).toEqual(
      ENVIRONMENT_STEPS.map((s) => [s, 'DONE', 1]).sort(),
    );
    expect((await ctx.stores.environments.get('tutorial'))?.status).toBe('READY');

    // A delivery after the end (or the winner replayed late) finds the run ended.
    const late = await execute('exec-late');
    expect(late.state === 'SUCCEEDED' && late.result).toEqual({
      runId,
      duplicate: true,
      ended: true,
      status: 'SUCCEEDED',
    });
    expect(paths['exec-late']).toEqual(['/finalize claim']);
  });

  it('answers a malformed claim 400 naming the field, and a claim of an unknown run 404', async () => {
    const claim = async (body: object) => {
      const res = await fetch(`${baseUrl}/finalize`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const runId = 'run-0123456789abcdef';
    expect(await claim({ runId, action: 'claim', execution: 'not an execution!' })).toEqual({
      status: 400,
      body: {
        kind: 'invalid-request',
        reason: 'invalid-execution',
        message:
          'execution must be a Workflows execution name (projects/P/locations/L/workflows/W/executions/ID) or its id',
        field: 'execution',
      },
    });
    expect(await claim({ runId, action: 'grab', execution: 'e1' })).toMatchObject({
      status: 400,
      body: { reason: 'invalid-action', field: 'action' },
    });
    expect(await claim({ runId: 'x', action: 'claim', execution: 'e1' })).toMatchObject({
      status: 400,
      body: { reason: 'invalid-run-id', field: 'runId' },
    });
    expect(await claim({ runId, action: 'claim', execution: 'e1' })).toMatchObject({
      status: 404,
      body: { reason: 'run-not-found', field: 'runId' },
    });
  });
});

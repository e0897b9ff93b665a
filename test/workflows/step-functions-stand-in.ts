import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted HTTP answer. */
export interface ScriptedAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** How the stand-in answers one step. */
export interface StepScript {
  /** Answers given first, in order, before the default behaviour. */
  answers?: ScriptedAnswer[];
  /** Answer `pending` until this many seconds passed since the first call, then `done`. */
  durationSeconds?: number;
}

/** Something that happened at the stand-in, in order (`seq`) and at clock time (`at`, s). */
export interface StandInEvent {
  seq: number;
  at: number;
  /** `call` for every step call; `done` when a step answered done; `claim` for finalize claims. */
  kind: 'call' | 'done' | 'finalize' | 'claim' | 'execution';
  path: string;
  step?: string;
  status: number;
  body: unknown;
  authorization?: string;
}

/** Options of {@link startStepFunctionsStandIn}. */
export interface StandInOptions {
  /** Clock time in seconds (the workflow's clock). */
  now: () => number;
  steps?: Record<string, StepScript>;
  /** The first N successful finalize calls answer `again: true` (tenant events arrived). */
  dirtyPasses?: number;
  /** step name -> family; a call to the wrong `/step-<family>` is answered 400. */
  families: Record<string, readonly string[]>;
  /** The execution that already holds the run(s): claims by any other are refused. */
  holder?: string;
  /** Once `afterStep` has answered the holder (any answer), the run passes to `by`: a take-over. */
  takeOver?: { afterStep: string; by: string };
}

/**
 * A stand-in for the step functions and `finalize` (functions/), on 127.0.0.1, port 0. It keeps
 * the run state the real ones keep in Firestore: the first execution to claim holds the run and
 * others are refused; once finalize ended the run, every step call is answered 409
 * `run-finished`, a claim is refused as ended, and finalize again answers the recorded status,
 * as the real functions do. A step or finalize call naming an execution other than the run's
 * holder is answered 409 `not-execution-holder` (functions/lib/execution-holder.ts). The real functions run against this workflow in the end-to-end test.
 */
export async function startStepFunctionsStandIn(options: StandInOptions) {
  const events: StandInEvent[] = [];
  const firstCall = new Map<string, number>();
  const scripts = new Map(
    Object.entries(options.steps ?? {}).map(([k, v]) => [
      k,
      { ...v, answers: [...(v.answers ?? [])] },
    ]),
  );
  let ended: string | undefined;
  const holders = new Map<string, string>();
  let dirty = options.dirtyPasses ?? 0;
  let seq = 0;

  /** The holder's refusal of a call from another execution; undefined for the holder or none. */
  const refuseStranger = (body: { runId?: string; execution?: string }) => {
    const holder = holders.get(body.runId ?? '') ?? options.holder;
    if (body.execution === undefined || holder === undefined || holder === body.execution)
      return undefined;
    return {
      status: 409,
      body: {
        kind: 'conflict',
        reason: 'not-execution-holder',
        message: `run ${body.runId} is held by execution ${holder}, not ${body.execution}`,
        field: 'execution',
        holder,
      },
    };
  };

  const familyOf = (step: string) =>
    Object.entries(options.families).find(([, steps]) => steps.includes(step))?.[0];

  const answerStep = (
    family: string,
    body: { runId?: string; step?: string; execution?: string },
  ): ScriptedAnswer => {
    const step = body.step ?? '';
    if (familyOf(step) !== family)
      return {
        status: 400,
        body: {
          kind: 'invalid-request',
          reason: 'unknown-step',
          message: `step-${family} does not serve ${step}`,
        },
      };
    const refused = refuseStranger(body);
    if (refused) return refused;
    if (ended)
      return {
        status: 409,
        body: {
          kind: 'conflict',
          reason: 'run-finished',
          message: `run ${body.runId} already ended with ${ended}`,
        },
      };
    const script = scripts.get(step);
    const scripted = script?.answers?.shift();
    if (scripted) return scripted;
    const now = options.now();
    if (!firstCall.has(step)) firstCall.set(step, now);
    const elapsed = now - firstCall.get(step)!;
    const duration = script?.durationSeconds ?? 0;
    if (elapsed < duration)
      return { status: 200, body: { status: 'pending', retryAfterSeconds: duration - elapsed } };
    return { status: 200, body: { status: 'done', outputs: { [`${step}.done`]: true } } };
  };

  // As finalize's claim (shared/state claimExecution): the first execution holds its run.
  const answerClaim = (body: { runId?: string; execution?: string }): ScriptedAnswer => {
    if (ended)
      return {
        status: 200,
        body: { runId: body.runId, claimed: false, ended: true, status: ended },
      };
    const runId = body.runId ?? '';
    const holder = holders.get(runId) ?? options.holder ?? body.execution ?? '';
    holders.set(runId, holder);
    return holder === body.execution
      ? { status: 200, body: { runId: body.runId, claimed: true } }
      : { status: 200, body: { runId: body.runId, claimed: false, holder } };
  };

  const answerFinalize = (body: {
    runId?: string;
    outcome?: string;
    execution?: string;
  }): ScriptedAnswer => {
    const refused = refuseStranger(body);
    if (refused) return refused;
    if (ended) return { status: 200, body: { status: ended, again: false } };
    if (body.outcome === 'succeeded' && dirty > 0) {
      dirty--;
      return { status: 200, body: { status: 'RUNNING', again: true } };
    }
    ended = body.outcome === 'succeeded' ? 'SUCCEEDED' : 'FAILED';
    return { status: 200, body: { status: ended, again: false } };
  };

  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const path = req.url ?? '';
      const body: unknown = raw ? JSON.parse(raw) : undefined;
      const request = (body ?? {}) as Record<string, string>;
      let answer: ScriptedAnswer;
      let kind: StandInEvent['kind'];
      const family = /^\/step-([a-z-]+)$/.exec(path)?.[1];
      if (req.method === 'POST' && family) {
        kind = 'call';
        answer = answerStep(family, request);
        const takeOver = options.takeOver;
        if (takeOver && takeOver.afterStep === request.step && answer.status !== 409)
          holders.set(request.runId ?? '', takeOver.by);
      } else if (req.method === 'POST' && path === '/finalize' && request.action === 'claim') {
        kind = 'claim';
        answer = answerClaim(request);
      } else if (req.method === 'POST' && path === '/finalize') {
        kind = 'finalize';
        answer = answerFinalize(request);
      } else if (req.method === 'POST' && /\/workflows\/[^/]+\/executions$/.test(path)) {
        kind = 'execution';
        answer = {
          status: 200,
          body: { name: `${path.replace(/^\/v1\//, '')}/exec-1`, state: 'ACTIVE' },
        };
      } else {
        kind = 'call';
        answer = { status: 404, body: { message: `no route ${req.method} ${path}` } };
      }
      const event: StandInEvent = {
        seq: seq++,
        at: options.now(),
        kind,
        path,
        ...(request.step ? { step: request.step } : {}),
        status: answer.status,
        body,
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      };
      events.push(event);
      const answered = answer.body as { status?: string } | undefined;
      if (kind === 'call' && answer.status === 200 && answered?.status === 'done')
        events.push({ ...event, seq: seq++, kind: 'done' });
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    events,
    /** Step calls, in order. */
    calls: () => events.filter((e) => e.kind === 'call'),
    finalizeCalls: () => events.filter((e) => e.kind === 'finalize'),
    claimCalls: () => events.filter((e) => e.kind === 'claim'),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

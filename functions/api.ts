import type { Request, Response } from '@google-cloud/functions-framework';
import { randomUUID } from 'node:crypto';
import { parseEnvironment } from '../shared/spec/index.js';
import { ENVIRONMENT_STEPS } from '../shared/plan/graph.js';
import { hashOf } from '../shared/state/hash.js';
import type { RunKind, RunRecord, StartRunResult } from '../shared/state/types.js';
import { getContext, type FunctionsContext } from './context.js';
import { authenticate } from './lib/authenticate.js';
import { HttpError, documentBody, jsonHandler, specErrorsResponse } from './lib/http.js';
import {
  callerScopedKey,
  environmentId,
  idempotencyKey,
  notFound,
  tenantName,
} from './lib/request-fields.js';
import {
  deleteTenant,
  getTenant,
  listTenants,
  putTenant,
  readableEnvironment,
} from './lib/tenant-requests.js';
import {
  immutableFieldChange,
  notEnvironmentAdmin,
  projectNotServed,
} from './lib/environment-admission.js';
import { notEnvironmentReader } from './lib/environment-access.js';
import { resourceNameCollision } from './lib/resource-collisions.js';
import { isRunId } from './lib/run-id.js';
import { specSetProblems } from './lib/spec-set-problems.js';
import { diffDocuments } from '../shared/lib/json-diff.js';
import { targetMismatch } from './lib/target-mismatch.js';
import { getReachability, getReachabilityTrace } from './lib/console-reachability.js';
import { listEnvironments, listRuns } from './lib/console-reads.js';
import { listAccessHistory } from './lib/access-history-route.js';
import { isConsolePath, serveConsole } from './lib/console-static.js';

/** What the API publishes to `environment-requests` (the provisioning workflow's argument). */
export interface EnvironmentRequestMessage {
  runId: string;
  environmentId: string;
  kind: RunKind;
}

/**
 * How long the creator of a run (or a retry re-driving it) has to publish its request before a
 * same-key retry, or the next start on the environment, may take the start over: longer than the
 * api function's timeout (60 s, deploy/manifest.ts), so a start still in flight is never taken
 * for a crashed one.
 */
export const PUBLISH_CLAIM_SECONDS = 120;

function accepted(res: Response, id: string, kind: RunKind, runId: string, status: string): void {
  res.setHeader('Location', `/v1/runs/${runId}`);
  res.status(202).json({ environmentId: id, runId, kind, status });
}

/**
 * Publishes a run's request, the start of its workflow execution; records it on the run. When
 * the publish fails: a run with an Idempotency-Key stays PENDING with its lease, its start claim
 * released, so the same-key retry publishes again (never replays a failure); a run without a key
 * (nobody can retry it) is failed and the environment freed. 503 `publish-failed` either way.
 */
async function publishRun(
  ctx: FunctionsContext,
  run: RunRecord,
  token: string,
  keyed: boolean,
): Promise<void> {
  const message: EnvironmentRequestMessage = {
    runId: run.id,
    environmentId: run.environment,
    kind: run.kind,
  };
  try {
    await ctx.publisher.publish(ctx.config.environmentRequestsTopic, message, {
      runId: run.id,
      environment: run.environment,
      kind: run.kind,
    });
  } catch (error) {
    console.error(
      JSON.stringify({
        severity: 'ERROR',
        message: 'api: could not publish the run request',
        runId: run.id,
        error: (error as Error).message,
      }),
    );
    const failure = {
      kind: 'retryable' as const,
      reason: 'publish-failed',
      message: 'the run could not be started; retry with the same Idempotency-Key',
    };
    if (keyed) {
      await ctx.stores.runs.releaseExecutionStart(run.id, token);
    } else {
      await ctx.stores.runs.finish(run.id, 'FAILED', failure);
      await ctx.stores.environments.releaseLease(run.environment, run.id);
    }
    throw new HttpError(503, failure, { 'Retry-After': '5' });
  }
  await ctx.stores.runs.markPublished(run.id);
}

/**
 * A same-key retry of a run whose request was never published (the creator crashed, or its
 * publish failed): takes the start over and publishes it. Undefined when there is nothing to
 * re-drive (published, driven, ended, or another attempt's start claim still runs).
 */
async function redrive(
  ctx: FunctionsContext,
  res: Response,
  run: RunRecord,
): Promise<'redriven' | undefined> {
  if (run.status !== 'PENDING' || run.publishedAt || run.executionName) return undefined;
  const token = randomUUID();
  const claim = await ctx.stores.runs.claimExecutionStart(run.id, token, PUBLISH_CLAIM_SECONDS);
  if (!claim.start) return undefined;
  // The run must still hold its environment: an expired lease not yet taken is renewed.
  if (
    !(await ctx.stores.environments.renewLease(run.environment, run.id, ctx.config.leaseSeconds))
  ) {
    await ctx.stores.runs.releaseExecutionStart(run.id, token);
    const env = await ctx.stores.environments.get(run.environment);
    throw new HttpError(409, {
      kind: 'conflict',
      reason: 'environment-busy',
      message: `run ${run.id} lost environment ${run.environment} to run ${env?.lease?.holder ?? 'another run'} before it started; send a new request`,
    });
  }
  await publishRun(ctx, run, token, true);
  accepted(res, run.environment, run.kind, run.id, run.status);
  return 'redriven';
}

/** Answers a startRun outcome; publishes the request when the run is new or never published. */
async function answerRun(
  ctx: FunctionsContext,
  res: Response,
  id: string,
  kind: RunKind,
  result: StartRunResult,
  token: string,
): Promise<void> {
  switch (result.outcome) {
    case 'created': {
      await publishRun(ctx, result.run, token, result.run.trigger.idempotencyKey !== undefined);
      accepted(res, id, kind, result.run.id, result.run.status);
      return;
    }
    case 'existing':
      if (await redrive(ctx, res, result.run)) return;
      res.setHeader('Location', `/v1/runs/${result.run.id}`);
      res.status(200).json({
        environmentId: result.run.environment,
        runId: result.run.id,
        kind: result.run.kind,
        status: result.run.status,
      });
      return;
    case 'key-reused':
      throw new HttpError(409, {
        kind: 'conflict',
        reason: 'idempotency-key-reused',
        message: `this Idempotency-Key was used for a different request (run ${result.run.id})`,
        field: 'Idempotency-Key',
      });
    case 'busy':
    case 'coalesced':
      throw new HttpError(409, {
        kind: 'conflict',
        reason: 'environment-busy',
        message: `run ${result.lease.holder} works on environment ${id} until ${result.lease.expiresAt}`,
      });
    case 'not-found':
      throw notFound(`environment ${id}`);
    case 'refused':
      throw new HttpError(result.error.kind === 'forbidden' ? 403 : 409, result.error);
  }
}

async function createEnvironment(
  ctx: FunctionsContext,
  req: Request,
  res: Response,
  caller: string,
) {
  const key = idempotencyKey(req);
  const spec = parseEnvironment(documentBody(req, ctx.config.maxBodyBytes));
  const id = spec.metadata.name;
  const notServed = projectNotServed(spec, ctx.config.servedProjects);
  if (notServed) throw new HttpError(403, notServed);
  const collision = resourceNameCollision(spec, await ctx.stores.environments.list());
  if (collision) throw new HttpError(409, collision);
  // A changed environment must still express every tenant it already has.
  const storedTenants = await ctx.stores.tenants.list(id);
  const problems = specSetProblems(
    spec,
    storedTenants.map((record) => record.spec),
  );
  if (problems.length > 0) throw specErrorsResponse(problems);
  const token = randomUUID();
  const result = await ctx.stores.runs.startRun({
    kind: 'provision',
    environmentId: id,
    spec,
    environmentStatus: 'PROVISIONING',
    trigger: { type: 'http', caller, ...(key ? { idempotencyKey: key } : {}) },
    ...(key ? { idempotencyKey: callerScopedKey(caller, key) } : {}),
    requestHash: hashOf({ kind: 'provision', spec }),
    leaseSeconds: ctx.config.leaseSeconds,
    executionStart: { token, ttlSeconds: PUBLISH_CLAIM_SECONDS },
    caller,
    // In the transaction (after a same-key replay): only an admin of the stored environment
    // may change it, and identity fields are immutable.
    precondition: (stored) =>
      notEnvironmentAdmin(stored, caller) ?? immutableFieldChange(stored, spec),
  });
  await answerRun(ctx, res, id, 'provision', result, token);
}

async function deleteEnvironment(
  ctx: FunctionsContext,
  req: Request,
  res: Response,
  id: string,
  caller: string,
) {
  const key = idempotencyKey(req);
  const token = randomUUID();
  const result = await ctx.stores.runs.startRun({
    kind: 'teardown',
    environmentId: id,
    environmentStatus: 'DELETING',
    trigger: { type: 'http', caller, ...(key ? { idempotencyKey: key } : {}) },
    ...(key ? { idempotencyKey: callerScopedKey(caller, key) } : {}),
    requestHash: hashOf({ kind: 'teardown', environmentId: id }),
    leaseSeconds: ctx.config.leaseSeconds,
    executionStart: { token, ttlSeconds: PUBLISH_CLAIM_SECONDS },
    // In the transaction: only an admin of the stored environment may delete it.
    precondition: (stored) => notEnvironmentAdmin(stored, caller),
  });
  await answerRun(ctx, res, id, 'teardown', result, token);
}

async function planEnvironment(
  ctx: FunctionsContext,
  req: Request,
  res: Response,
  id: string,
  caller: string,
) {
  const spec = parseEnvironment(documentBody(req, ctx.config.maxBodyBytes));
  const mismatch = targetMismatch({
    reason: 'name-mismatch',
    field: 'metadata.name',
    named: spec.metadata.name,
    expected: id,
    expectedBy: 'the URL names environment',
  });
  if (mismatch) throw new HttpError(400, mismatch);
  const stored = await ctx.stores.environments.get(id);
  // The diff shows the stored spec: only its readers see it (a new environment: anyone).
  const denied = stored && notEnvironmentReader(stored, caller);
  if (denied) throw new HttpError(403, denied);
  res.status(200).json({
    environmentId: id,
    exists: stored !== undefined,
    changes: diffDocuments(stored?.spec ?? {}, spec),
  });
}

async function getEnvironment(ctx: FunctionsContext, res: Response, id: string, caller: string) {
  res.status(200).json(await readableEnvironment(ctx, id, caller));
}

function seconds(from?: string, to?: string): number | undefined {
  if (!from || !to) return undefined;
  return (Date.parse(to) - Date.parse(from)) / 1000;
}

async function getRun(ctx: FunctionsContext, res: Response, rawId: string, caller: string) {
  const id = decodeURIComponent(rawId);
  if (!isRunId(id)) throw notFound(`run ${id}`);
  const run = await ctx.stores.runs.get(id);
  if (!run) throw notFound(`run ${id}`);
  // A run is read by the readers of its environment (an environment deleted since: nobody).
  await readableEnvironment(ctx, run.environment, caller);
  const order = (step: string) => ENVIRONMENT_STEPS.indexOf(step as never);
  const steps = (await ctx.stores.runs.listSteps(id))
    .sort((a, b) => order(a.step) - order(b.step))
    .map((step) => {
      const duration = seconds(step.startedAt, step.finishedAt);
      return duration === undefined ? step : { ...step, durationSeconds: duration };
    });
  res.status(200).json({ run, steps });
}

function methodNotAllowed(allowed: string[]): HttpError {
  return new HttpError(
    405,
    {
      kind: 'invalid-request',
      reason: 'method-not-allowed',
      message: `use ${allowed.join(' or ')}`,
    },
    { Allow: allowed.join(', ') },
  );
}

/**
 * The HTTP API (`api`): environments, their tenants and runs, and the web console's files under
 * `/console/` (authenticated like every route; its data comes from the read routes). Every error
 * is JSON `{kind, reason, message, field?}`; client errors are 4xx.
 */
export const api = jsonHandler(
  async (req: Request, res: Response) => {
    const ctx = getContext();
    const caller = await authenticate(req, ctx);
    const path = req.path.replace(/\/+$/, '');
    const method = req.method.toUpperCase();
    let match: RegExpExecArray | null;
    if (isConsolePath(req.path)) return serveConsole(req, res, req.path);
    if (path === '/v1/environments') {
      if (method === 'GET') return listEnvironments(ctx, res, caller);
      if (method !== 'POST') throw methodNotAllowed(['GET', 'POST']);
      return createEnvironment(ctx, req, res, caller);
    }
    if ((match = /^\/v1\/environments\/([^/:]+)\/runs$/.exec(path))) {
      if (method !== 'GET') throw methodNotAllowed(['GET']);
      const target = { environmentId: environmentId(match[1]!), caller, limit: req.query.limit };
      return listRuns(ctx, res, target);
    }
    if ((match = /^\/v1\/environments\/([^/:]+)\/access-history$/.exec(path))) {
      if (method !== 'GET') throw methodNotAllowed(['GET']);
      const { tenant, limit, pageToken } = req.query;
      const target = { environmentId: environmentId(match[1]!), caller, tenant, limit, pageToken };
      return listAccessHistory(ctx, res, target);
    }
    if ((match = /^\/v1\/environments\/([^/:]+)\/reachability$/.exec(path))) {
      if (method !== 'GET') throw methodNotAllowed(['GET']);
      return getReachability(ctx, res, { environmentId: environmentId(match[1]!), caller });
    }
    if ((match = /^\/v1\/environments\/([^/:]+)\/reachability\/trace$/.exec(path))) {
      if (method !== 'GET') throw methodNotAllowed(['GET']);
      const target = { environmentId: environmentId(match[1]!), caller };
      return getReachabilityTrace(ctx, req, res, target);
    }
    if ((match = /^\/v1\/environments\/([^/:]+):plan$/.exec(path))) {
      if (method !== 'POST') throw methodNotAllowed(['POST']);
      return planEnvironment(ctx, req, res, environmentId(match[1]!), caller);
    }
    if ((match = /^\/v1\/environments\/([^/:]+)\/tenants$/.exec(path))) {
      if (method !== 'GET') throw methodNotAllowed(['GET']);
      return listTenants(ctx, res, { environmentId: environmentId(match[1]!), caller });
    }
    if ((match = /^\/v1\/environments\/([^/:]+)\/tenants\/([^/:]+)$/.exec(path))) {
      const target = {
        environmentId: environmentId(match[1]!),
        tenantName: tenantName(match[2]!),
        caller,
      };
      if (method === 'GET') return getTenant(ctx, res, target);
      if (method === 'PUT') return putTenant(ctx, req, res, target);
      if (method === 'DELETE') return deleteTenant(ctx, req, res, target);
      throw methodNotAllowed(['GET', 'PUT', 'DELETE']);
    }
    if ((match = /^\/v1\/environments\/([^/:]+)$/.exec(path))) {
      const id = environmentId(match[1]!);
      if (method === 'GET') return getEnvironment(ctx, res, id, caller);
      if (method === 'DELETE') return deleteEnvironment(ctx, req, res, id, caller);
      throw methodNotAllowed(['GET', 'DELETE']);
    }
    if ((match = /^\/v1\/runs\/([^/]+)$/.exec(path))) {
      if (method !== 'GET') throw methodNotAllowed(['GET']);
      return getRun(ctx, res, match[1]!, caller);
    }
    throw new HttpError(404, {
      kind: 'not-found',
      reason: 'no-such-route',
      message: `no route for ${method} ${path || '/'}`,
    });
  },
  { publicBody: true },
);

import type { Request, Response } from '@google-cloud/functions-framework';
import { dnsLabel, parseEnvironment } from '../shared/spec/index.js';
import { ENVIRONMENT_STEPS } from '../shared/plan/graph.js';
import { hashOf } from '../shared/state/hash.js';
import type { RunKind, StartRunResult } from '../shared/state/types.js';
import { getContext, type FunctionsContext } from './context.js';
import {
  HttpError,
  documentBody,
  invalidRequest,
  jsonHandler,
  specErrorsResponse,
} from './lib/http.js';
import { isRunId } from './lib/run-id.js';
import { specSetProblems } from './lib/spec-set-problems.js';
import { diffDocuments } from './lib/spec-diff.js';
import { targetMismatch } from './lib/target-mismatch.js';

/** What the API publishes to `environment-requests` (the provisioning workflow's argument). */
export interface EnvironmentRequestMessage {
  runId: string;
  environmentId: string;
  kind: RunKind;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

function notFound(what: string): HttpError {
  return new HttpError(404, {
    kind: 'not-found',
    reason: 'not-found',
    message: `${what} not found`,
  });
}

async function authenticate(req: Request, ctx: FunctionsContext): Promise<void> {
  const auth = ctx.config.auth;
  if (auth.mode === 'disabled-local') return;
  const header = req.get('authorization') ?? '';
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  const challenge = { 'WWW-Authenticate': 'Bearer' };
  if (!token) {
    throw new HttpError(
      401,
      {
        kind: 'unauthenticated',
        reason: 'missing-token',
        message: 'an "Authorization: Bearer <Google-signed ID token>" header is required',
        field: 'Authorization',
      },
      challenge,
    );
  }
  if (!auth.audience) {
    // A deployment error, not the caller's: say so instead of rejecting every token.
    throw new HttpError(500, {
      kind: 'permanent',
      reason: 'auth-misconfigured',
      message: 'the service has no EGRESS_AUTH_AUDIENCE configured',
    });
  }
  const check = await ctx.verifier.verify(token);
  if (!check.ok) {
    throw new HttpError(
      401,
      {
        kind: 'unauthenticated',
        reason: 'invalid-token',
        message: check.message,
        field: 'Authorization',
      },
      challenge,
    );
  }
  if (auth.allowedEmails.length > 0 && !(check.email && auth.allowedEmails.includes(check.email))) {
    throw new HttpError(403, {
      kind: 'forbidden',
      reason: 'forbidden',
      message: `${check.email ?? 'the caller'} may not use this API`,
    });
  }
}

function environmentId(raw: string): string {
  const id = decodeURIComponent(raw);
  if (!dnsLabel.safeParse(id).success) {
    throw invalidRequest(
      'invalid-environment-id',
      'the environment id must be a DNS-1123 label: 1-63 lowercase letters, digits or hyphens',
      'environmentId',
    );
  }
  return id;
}

function idempotencyKey(req: Request): string | undefined {
  const key = req.get('idempotency-key');
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw invalidRequest(
      'invalid-idempotency-key',
      'Idempotency-Key must be 1-255 visible ASCII characters',
      'Idempotency-Key',
    );
  }
  return key;
}

/** Answers a startRun outcome; publishes the request when the run is new. */
async function answerRun(
  ctx: FunctionsContext,
  res: Response,
  id: string,
  kind: RunKind,
  result: StartRunResult,
): Promise<void> {
  switch (result.outcome) {
    case 'created': {
      const message: EnvironmentRequestMessage = { runId: result.run.id, environmentId: id, kind };
      try {
        await ctx.publisher.publish(ctx.config.environmentRequestsTopic, message, {
          runId: result.run.id,
          environment: id,
          kind,
        });
      } catch (error) {
        // Nothing will drive the run: fail it and free the environment for the client's retry.
        const failure = {
          kind: 'retryable' as const,
          reason: 'publish-failed',
          message: `could not publish the request: ${(error as Error).message}`,
        };
        await ctx.stores.runs.finish(result.run.id, 'FAILED', failure);
        await ctx.stores.environments.releaseLease(id, result.run.id);
        throw new HttpError(503, failure, { 'Retry-After': '5' });
      }
      res.setHeader('Location', `/v1/runs/${result.run.id}`);
      res
        .status(202)
        .json({ environmentId: id, runId: result.run.id, kind, status: result.run.status });
      return;
    }
    case 'existing':
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
  }
}

async function createEnvironment(ctx: FunctionsContext, req: Request, res: Response) {
  const key = idempotencyKey(req);
  const spec = parseEnvironment(documentBody(req, ctx.config.maxBodyBytes));
  const id = spec.metadata.name;
  // A changed environment must still express every tenant it already has.
  const storedTenants = await ctx.stores.tenants.list(id);
  const problems = specSetProblems(
    spec,
    storedTenants.map((record) => record.spec),
  );
  if (problems.length > 0) throw specErrorsResponse(problems);
  const result = await ctx.stores.runs.startRun({
    kind: 'provision',
    environmentId: id,
    spec,
    environmentStatus: 'PROVISIONING',
    trigger: { type: 'http', ...(key ? { idempotencyKey: key } : {}) },
    ...(key ? { idempotencyKey: key } : {}),
    requestHash: hashOf({ kind: 'provision', spec }),
    leaseSeconds: ctx.config.leaseSeconds,
  });
  await answerRun(ctx, res, id, 'provision', result);
}

async function deleteEnvironment(ctx: FunctionsContext, req: Request, res: Response, id: string) {
  const key = idempotencyKey(req);
  const result = await ctx.stores.runs.startRun({
    kind: 'teardown',
    environmentId: id,
    environmentStatus: 'DELETING',
    trigger: { type: 'http', ...(key ? { idempotencyKey: key } : {}) },
    ...(key ? { idempotencyKey: key } : {}),
    requestHash: hashOf({ kind: 'teardown', environmentId: id }),
    leaseSeconds: ctx.config.leaseSeconds,
  });
  await answerRun(ctx, res, id, 'teardown', result);
}

async function planEnvironment(ctx: FunctionsContext, req: Request, res: Response, id: string) {
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
  res.status(200).json({
    environmentId: id,
    exists: stored !== undefined,
    changes: diffDocuments(stored?.spec ?? {}, spec),
  });
}

async function getEnvironment(ctx: FunctionsContext, res: Response, id: string) {
  const env = await ctx.stores.environments.get(id);
  if (!env) throw notFound(`environment ${id}`);
  res.status(200).json(env);
}

async function listTenants(ctx: FunctionsContext, res: Response, id: string) {
  const env = await ctx.stores.environments.get(id);
  if (!env) throw notFound(`environment ${id}`);
  res.status(200).json({ environmentId: id, tenants: await ctx.stores.tenants.list(id) });
}

function seconds(from?: string, to?: string): number | undefined {
  if (!from || !to) return undefined;
  return (Date.parse(to) - Date.parse(from)) / 1000;
}

async function getRun(ctx: FunctionsContext, res: Response, rawId: string) {
  const id = decodeURIComponent(rawId);
  if (!isRunId(id)) throw notFound(`run ${id}`);
  const run = await ctx.stores.runs.get(id);
  if (!run) throw notFound(`run ${id}`);
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
 * The HTTP API (`api`): environments, their tenants and runs. Every error is JSON
 * `{kind, reason, message, field?}`; client errors are 4xx.
 */
export const api = jsonHandler(async (req: Request, res: Response) => {
  const ctx = getContext();
  await authenticate(req, ctx);
  const path = req.path.replace(/\/+$/, '');
  const method = req.method.toUpperCase();
  let match: RegExpExecArray | null;
  if (path === '/v1/environments') {
    if (method !== 'POST') throw methodNotAllowed(['POST']);
    return createEnvironment(ctx, req, res);
  }
  if ((match = /^\/v1\/environments\/([^/:]+):plan$/.exec(path))) {
    if (method !== 'POST') throw methodNotAllowed(['POST']);
    return planEnvironment(ctx, req, res, environmentId(match[1]!));
  }
  if ((match = /^\/v1\/environments\/([^/:]+)\/tenants$/.exec(path))) {
    if (method !== 'GET') throw methodNotAllowed(['GET']);
    return listTenants(ctx, res, environmentId(match[1]!));
  }
  if ((match = /^\/v1\/environments\/([^/:]+)$/.exec(path))) {
    const id = environmentId(match[1]!);
    if (method === 'GET') return getEnvironment(ctx, res, id);
    if (method === 'DELETE') return deleteEnvironment(ctx, req, res, id);
    throw methodNotAllowed(['GET', 'DELETE']);
  }
  if ((match = /^\/v1\/runs\/([^/]+)$/.exec(path))) {
    if (method !== 'GET') throw methodNotAllowed(['GET']);
    return getRun(ctx, res, match[1]!);
  }
  throw new HttpError(404, {
    kind: 'not-found',
    reason: 'no-such-route',
    message: `no route for ${method} ${path || '/'}`,
  });
});

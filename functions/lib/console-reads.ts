/**
 * The list reads the console's pages start from: `GET /v1/environments` (the environments the
 * caller may read, each with its last run, tenant and findings counts) and
 * `GET /v1/environments/{env}/runs` (its recent runs). Authorized like every read: admins,
 * tenant managers and viewers of each environment, a manager counting only its own tenants.
 */
import type { Response } from '@google-cloud/functions-framework';
import type { EnvironmentRecord, RunRecord } from '../../shared/state/types.js';
import type { FunctionsContext } from '../context.js';
import { compileReachability, visibleFindings } from './console-analysis.js';
import { mayReadTenant, notEnvironmentReader, readsEveryTenant } from './environment-access.js';
import { invalidRequest } from './http.js';
import { readableEnvironment } from './tenant-requests.js';

/** A run as the lists show it: what it did, how it ended, when. */
export type RunSummary = Pick<
  RunRecord,
  'id' | 'kind' | 'status' | 'error' | 'createdAt' | 'startedAt' | 'finishedAt'
>;

/** One environment of `GET /v1/environments`. */
export interface EnvironmentSummary {
  id: string;
  project: string;
  status: EnvironmentRecord['status'];
  updatedAt: string;
  lastRun?: RunSummary;
  /** The tenants the caller may read. */
  tenants: number;
  /** The analyzer's findings on the compiled specs the caller may see; absent when they do not compile. */
  findings?: number;
}

function runSummary(run: RunRecord): RunSummary {
  return {
    id: run.id,
    kind: run.kind,
    status: run.status,
    ...(run.error ? { error: run.error } : {}),
    createdAt: run.createdAt,
    ...(run.startedAt ? { startedAt: run.startedAt } : {}),
    ...(run.finishedAt ? { finishedAt: run.finishedAt } : {}),
  };
}

async function summarize(
  ctx: FunctionsContext,
  environment: EnvironmentRecord,
  caller: string,
): Promise<EnvironmentSummary> {
  const [tenants, lastRun] = await Promise.all([
    ctx.stores.tenants.list(environment.id),
    environment.currentRun ? ctx.stores.runs.get(environment.currentRun) : undefined,
  ]);
  const readsAll = readsEveryTenant(environment, caller);
  const visible = (name: string) => readsAll || mayReadTenant(environment, caller, name);
  const compiled = compileReachability(environment, tenants);
  const findings =
    'refused' in compiled ? undefined : visibleFindings(compiled, { readsAll, visible }).length;
  return {
    id: environment.id,
    project: environment.spec.spec.project,
    status: environment.status,
    updatedAt: environment.updatedAt,
    ...(lastRun ? { lastRun: runSummary(lastRun) } : {}),
    tenants: tenants.filter((t) => visible(t.id)).length,
    ...(findings !== undefined ? { findings } : {}),
  };
}

/** `GET /v1/environments`: the environments the caller may read, by id. */
export async function listEnvironments(
  ctx: FunctionsContext,
  res: Response,
  caller: string,
): Promise<void> {
  const readable = (await ctx.stores.environments.list())
    .filter((environment) => !notEnvironmentReader(environment, caller))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  const environments = await Promise.all(readable.map((env) => summarize(ctx, env, caller)));
  res.status(200).json({ environments });
}

const DEFAULT_RUNS = 20;
const MAX_RUNS = 100;

/** `GET /v1/environments/{env}/runs[?limit=N]`: its most recent runs first (default 20). */
export async function listRuns(
  ctx: FunctionsContext,
  res: Response,
  target: { environmentId: string; caller: string; limit?: unknown },
): Promise<void> {
  let limit = DEFAULT_RUNS;
  if (target.limit !== undefined) {
    limit = Number(target.limit);
    if (typeof target.limit !== 'string' || !Number.isInteger(limit) || limit < 1) {
      throw invalidRequest(
        'invalid-limit',
        `limit must be an integer from 1 to ${MAX_RUNS}`,
        'limit',
      );
    }
    limit = Math.min(limit, MAX_RUNS);
  }
  await readableEnvironment(ctx, target.environmentId, target.caller);
  const runs = await ctx.stores.runs.listByEnvironment(target.environmentId, limit);
  res.status(200).json({ environmentId: target.environmentId, runs: runs.map(runSummary) });
}

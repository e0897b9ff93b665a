import type { Request, Response } from '@google-cloud/functions-framework';
import { randomUUID } from 'node:crypto';
import type { ErrorBody } from '../../shared/errors.js';
import { runIdFor } from '../../shared/state/hash.js';
import type { EnvironmentRecord, TenantRecord } from '../../shared/state/types.js';
import type { FunctionsContext } from '../context.js';
import {
  mayReadTenant,
  notEnvironmentReader,
  notTenantManager,
  readsEveryTenant,
} from './environment-access.js';
import { documentBody, errorBodiesResponse, HttpError } from './http.js';
import { callerScopedKey, idempotencyKey, ifMatchGeneration, notFound } from './request-fields.js';
import {
  appliedAsStored,
  MAX_TENANT_BYTES,
  tenantAdmission,
  type TenantChange,
} from './tenant-admission.js';
import { startTenantsRun } from './tenants-run.js';

/**
 * The API's tenant routes: `PUT`/`DELETE /v1/environments/{env}/tenants/{name}` change a tenant
 * as the authenticated caller (an admin, or a tenant manager whose pattern covers the name), and
 * answer a refusal with its 4xx; `GET` reads what the caller may read.
 */

/** The HTTP status of a refusal, from its kind (and reason). */
function refusalStatus(error: ErrorBody): number {
  switch (error.kind) {
    case 'not-found':
      return 404;
    case 'forbidden':
      return 403;
    case 'conflict':
      return error.reason === 'generation-mismatch' ? 412 : 409;
    default:
      return 400;
  }
}

/** The stored environment, readable by the caller; 404 or 403 otherwise. */
export async function readableEnvironment(
  ctx: FunctionsContext,
  environmentId: string,
  caller: string,
): Promise<EnvironmentRecord> {
  const environment = await ctx.stores.environments.get(environmentId);
  if (!environment) throw notFound(`environment ${environmentId}`);
  const denied = notEnvironmentReader(environment, caller);
  if (denied) throw new HttpError(403, denied);
  return environment;
}

function tenantView(record: TenantRecord) {
  return {
    environmentId: record.environment,
    tenant: record.id,
    generation: record.generation,
    status: record.status,
    ...(record.error ? { error: record.error } : {}),
  };
}

/**
 * Admits a tenant change in one transaction and starts (or joins) the tenants run that applies
 * it: 202 with the run; 200 when the tenant is already applied as requested; the refusal's 4xx
 * when refused, nothing stored.
 */
async function changeTenant(
  ctx: FunctionsContext,
  req: Request,
  res: Response,
  caller: string,
  change: Pick<TenantChange, 'environmentId' | 'change'> & { tenantName: string },
): Promise<void> {
  const key = idempotencyKey(req);
  const ifGeneration = ifMatchGeneration(req);
  const runKey = key
    ? callerScopedKey(caller, `tenant ${change.environmentId}/${change.tenantName} ${key}`)
    : `api ${randomUUID()}`;
  const keyed = key ? await ctx.stores.runs.get(runIdFor(runKey)) : undefined;
  const admitted = await ctx.stores.tenants.admit(
    change.environmentId,
    change.tenantName,
    tenantAdmission({
      ...change,
      environmentField: 'environmentId',
      ...(ifGeneration !== undefined ? { ifGeneration } : {}),
      ...(keyed
        ? { keyedRun: { id: keyed.id, requestHash: keyed.requestHash, field: 'Idempotency-Key' } }
        : {}),
      authorize: (environment, tenant) => notTenantManager(environment, caller, tenant),
    }),
    // The server's clock orders API writes against Pub/Sub messages published before them.
    { sourceTime: ctx.clock.now().toISOString() },
  );
  if (admitted.outcome === 'refused') {
    const first = admitted.errors[0];
    throw errorBodiesResponse(admitted.errors, first ? refusalStatus(first) : 400);
  }
  const record = admitted.record;
  res.setHeader('ETag', `"${record.generation}"`);
  if (admitted.outcome === 'stored' && !admitted.changed && appliedAsStored(record)) {
    res.status(200).json(tenantView(record));
    return;
  }
  const started = await startTenantsRun(ctx, {
    environmentId: change.environmentId,
    trigger: { type: 'http', caller, ...(key ? { idempotencyKey: key } : {}) },
    idempotencyKey: runKey,
    requestHash: record.specHash,
  });
  switch (started.outcome) {
    case 'environment-not-found':
      throw notFound(`environment ${change.environmentId}`);
    case 'key-reused':
      throw new HttpError(409, {
        kind: 'conflict',
        reason: 'idempotency-key-reused',
        message: `this Idempotency-Key was used for a different request (run ${started.runId})`,
        field: 'Idempotency-Key',
      });
    case 'accepted':
    case 'coalesced':
      res.setHeader('Location', `/v1/runs/${started.runId}`);
      res.status(202).json({
        ...tenantView(record),
        runId: started.runId,
        ...(started.outcome === 'coalesced' ? { coalesced: true } : {}),
      });
  }
}

/** `PUT /v1/environments/{env}/tenants/{name}`: the body is the tenant's whole document. */
export async function putTenant(
  ctx: FunctionsContext,
  req: Request,
  res: Response,
  target: { environmentId: string; tenantName: string; caller: string },
): Promise<void> {
  const document = documentBody(req, Math.min(ctx.config.maxBodyBytes, MAX_TENANT_BYTES));
  await changeTenant(ctx, req, res, target.caller, {
    environmentId: target.environmentId,
    tenantName: target.tenantName,
    change: { put: document, documentField: 'body' },
  });
}

/** `DELETE /v1/environments/{env}/tenants/{name}`: offboards the tenant (state `absent`). */
export async function deleteTenant(
  ctx: FunctionsContext,
  req: Request,
  res: Response,
  target: { environmentId: string; tenantName: string; caller: string },
): Promise<void> {
  await changeTenant(ctx, req, res, target.caller, {
    environmentId: target.environmentId,
    tenantName: target.tenantName,
    change: { offboard: true },
  });
}

/** `GET /v1/environments/{env}/tenants/{name}`: the stored record, to its readers. */
export async function getTenant(
  ctx: FunctionsContext,
  res: Response,
  target: { environmentId: string; tenantName: string; caller: string },
): Promise<void> {
  const environment = await readableEnvironment(ctx, target.environmentId, target.caller);
  if (!mayReadTenant(environment, target.caller, target.tenantName)) {
    throw new HttpError(403, {
      kind: 'forbidden',
      reason: 'not-tenant-reader',
      message: `${target.caller} may not read tenant ${target.tenantName} of environment ${target.environmentId}`,
    });
  }
  const record = await ctx.stores.tenants.get(target.environmentId, target.tenantName);
  if (!record) throw notFound(`tenant ${target.tenantName} of environment ${target.environmentId}`);
  res.setHeader('ETag', `"${record.generation}"`);
  res.status(200).json(record);
}

/**
 * `GET /v1/environments/{env}/tenants`: every tenant to admins and viewers; to a tenant manager,
 * the tenants it manages.
 */
export async function listTenants(
  ctx: FunctionsContext,
  res: Response,
  target: { environmentId: string; caller: string },
): Promise<void> {
  const environment = await readableEnvironment(ctx, target.environmentId, target.caller);
  const all = await ctx.stores.tenants.list(target.environmentId);
  const tenants = readsEveryTenant(environment, target.caller)
    ? all
    : all.filter((record) => mayReadTenant(environment, target.caller, record.id));
  res.status(200).json({ environmentId: target.environmentId, tenants });
}

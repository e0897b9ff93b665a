/**
 * `GET /v1/environments/{env}/reachability` and `.../reachability/trace`: the tenant × request
 * verdicts of an environment as its stored specs compile, and one cell's hop-by-hop trace, read
 * like the environment's other data: by its admins and viewers whole, by a tenant manager for
 * the tenants it manages only (their rows, the hosts they are granted, their findings).
 */
import type { Request, Response } from '@google-cloud/functions-framework';
import type { Finding, ReachabilityProbe, Verdict, Via } from '../../shared/analysis/index.js';
import type { EnvironmentRecord, TenantRecord } from '../../shared/state/types.js';
import type { FunctionsContext } from '../context.js';
import {
  analyzeProbe,
  compileReachability,
  recordedAllowedOnly,
  recordedVerdicts,
  visibleFindings,
  visibleRequests,
  type CompiledReachability,
  type ReachabilityRequestView,
  type ReaderScope,
} from './console-analysis.js';
import { mayReadTenant, readsEveryTenant } from './environment-access.js';
import { HttpError, invalidRequest } from './http.js';
import { notFound, tenantName } from './request-fields.js';
import { readableEnvironment } from './tenant-requests.js';

/** One cell: what the analyzer answers, what the specs grant, what the live check recorded. */
export interface ReachabilityCellView {
  verdict: Verdict;
  via?: Via;
  /** `Kind/namespace/name` of the deciding object, or the deciding rule when none did. */
  decidedBy: string;
  /** What the tenant's spec grants for this request. */
  granted: boolean;
  /** The verdict the last tenants step recorded on the live cluster, when it recorded this cell. */
  recorded?: Verdict;
}

/** The body of `GET /v1/environments/{env}/reachability`. */
export interface ReachabilityView {
  environmentId: string;
  /** Where the verdicts come from: the stored specs, compiled (the live check is `recorded`). */
  source: 'specs';
  requests: ReachabilityRequestView[];
  rows: Array<{
    tenant: string;
    namespace: string;
    status: TenantRecord['status'];
    cells: ReachabilityCellView[];
  }>;
  findings: Finding[];
  /** Whether the last live check recorded only its ALLOWED cells (a large matrix). */
  recordedAllowedOnly: boolean;
}

interface Readable extends ReaderScope {
  environment: EnvironmentRecord;
  tenants: TenantRecord[];
  compiled: CompiledReachability;
}

async function readableReachability(
  ctx: FunctionsContext,
  environmentId: string,
  caller: string,
): Promise<Readable> {
  const environment = await readableEnvironment(ctx, environmentId, caller);
  const tenants = await ctx.stores.tenants.list(environmentId);
  const compiled = compileReachability(environment, tenants);
  if ('refused' in compiled) {
    throw new HttpError(422, {
      kind: 'permanent',
      reason: 'specs-do-not-compile',
      message: `the stored specs of environment ${environmentId} do not compile: ${compiled.refused}`,
    });
  }
  const readsAll = readsEveryTenant(environment, caller);
  return {
    environment,
    tenants,
    compiled,
    readsAll,
    visible: (tenant) => readsAll || mayReadTenant(environment, caller, tenant),
  };
}

/** `GET /v1/environments/{env}/reachability`. */
export async function getReachability(
  ctx: FunctionsContext,
  res: Response,
  target: { environmentId: string; caller: string },
): Promise<void> {
  const readable = await readableReachability(ctx, target.environmentId, target.caller);
  const requests = visibleRequests(readable.compiled, readable);
  const recorded = recordedVerdicts(readable.environment);
  const statusOf = new Map(readable.tenants.map((t) => [t.id, t.status]));
  const rows = [...readable.compiled.tenantsByNamespace.entries()]
    .filter(([, tenant]) => readable.visible(tenant.metadata.name))
    .map(([namespace, tenant]) => ({
      tenant: tenant.metadata.name,
      namespace,
      status: statusOf.get(tenant.metadata.name) ?? 'PENDING',
      cells: requests.map((request): ReachabilityCellView => {
        const probe: ReachabilityProbe = { tenant: namespace, ...request };
        const { result, decidedBy, expected } = analyzeProbe(readable.compiled, probe);
        const live = recorded.get(`${namespace} ${request.method} ${request.url}`);
        return {
          verdict: result.verdict,
          ...(result.via ? { via: result.via } : {}),
          decidedBy,
          granted: expected.allowed,
          ...(live ? { recorded: live } : {}),
        };
      }),
    }));
  const view: ReachabilityView = {
    environmentId: target.environmentId,
    source: 'specs',
    requests,
    rows,
    findings: visibleFindings(readable.compiled, readable),
    recordedAllowedOnly: recordedAllowedOnly(readable.environment),
  };
  res.status(200).json(view);
}

const METHOD = /^[A-Z]{1,16}$/;
const MAX_URL_LENGTH = 2048;

/** A query parameter given once as a string, or undefined. */
function queryValue(req: Request, name: string): string | undefined {
  const value = (req.query as Record<string, unknown>)[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw invalidRequest(`invalid-${name}`, `give ${name} once, as a string`, name);
  }
  return value;
}

/** The request a trace is asked for: `url` (http or https), `method` (default GET). */
function traceRequest(req: Request): { url: string; method: string } {
  const url = queryValue(req, 'url');
  if (url === undefined) throw invalidRequest('missing-url', 'the query needs url=...', 'url');
  let parsed: URL | undefined;
  try {
    parsed = url.length <= MAX_URL_LENGTH ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw invalidRequest(
      'invalid-url',
      `url must be an absolute http:// or https:// URL of at most ${MAX_URL_LENGTH} characters`,
      'url',
    );
  }
  const method = queryValue(req, 'method') ?? 'GET';
  if (!METHOD.test(method)) {
    throw invalidRequest('invalid-method', 'method must be an HTTP method, e.g. GET', 'method');
  }
  return { url, method };
}

/**
 * `GET /v1/environments/{env}/reachability/trace?tenant=NAME&url=URL[&method=GET]`: the
 * analyzer's hop-by-hop answer for one request of one tenant (NetworkPolicy, sidecar, routing,
 * gateway authorization, firewall), to those who may read that tenant.
 */
export async function getReachabilityTrace(
  ctx: FunctionsContext,
  req: Request,
  res: Response,
  target: { environmentId: string; caller: string },
): Promise<void> {
  const rawTenant = queryValue(req, 'tenant');
  if (rawTenant === undefined) {
    throw invalidRequest('missing-tenant', 'the query needs tenant=NAME', 'tenant');
  }
  const name = tenantName(rawTenant);
  const request = traceRequest(req);
  const readable = await readableReachability(ctx, target.environmentId, target.caller);
  if (!readable.visible(name)) {
    throw new HttpError(403, {
      kind: 'forbidden',
      reason: 'not-tenant-reader',
      message: `${target.caller} may not read tenant ${name} of environment ${target.environmentId}`,
    });
  }
  const found = [...readable.compiled.tenantsByNamespace.entries()].find(
    ([, tenant]) => tenant.metadata.name === name,
  );
  if (!found) throw notFound(`present tenant ${name} of environment ${target.environmentId}`);
  const [namespace] = found;
  const { result, decidedBy, expected } = analyzeProbe(readable.compiled, {
    tenant: namespace,
    ...request,
  });
  const live = recordedVerdicts(readable.environment).get(
    `${namespace} ${request.method} ${request.url}`,
  );
  res.status(200).json({
    environmentId: target.environmentId,
    tenant: name,
    namespace,
    request,
    verdict: result.verdict,
    ...(result.via ? { via: result.via } : {}),
    decidedBy,
    expected,
    ...(live ? { recorded: live } : {}),
    trace: result.trace,
  });
}

import type { Tenant } from '../shared/spec/index.js';
import type { TenantRecord } from '../shared/state/types.js';
import { apiCall, ApiCallError, getJson, type ApiErrorBody } from './api-client.js';

/**
 * The API's tenant routes as the CLI calls them: `PUT`/`DELETE`
 * `/v1/environments/{env}/tenants/{name}` and the list. A refusal is an {@link ApiCallError}
 * naming the field and the rule the API named.
 */

/** What a tenant change came to: the run that applies it, or nothing to do. */
export type TenantChangeAnswer =
  | { outcome: 'accepted'; runId: string; coalesced: boolean; generation: number }
  | { outcome: 'unchanged'; generation: number };

function tenantPath(environment: string, name: string): string {
  return `/v1/environments/${encodeURIComponent(environment)}/tenants/${encodeURIComponent(name)}`;
}

async function change(
  apiUrl: string,
  method: 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<TenantChangeAnswer> {
  const answer = await apiCall<
    { runId?: string; coalesced?: boolean; generation?: number } & ApiErrorBody
  >(apiUrl, method, path, body);
  const generation = answer.body.generation ?? 0;
  if (answer.status === 200) return { outcome: 'unchanged', generation };
  if (answer.status === 202 && answer.body.runId) {
    return {
      outcome: 'accepted',
      runId: answer.body.runId,
      coalesced: answer.body.coalesced === true,
      generation,
    };
  }
  throw new ApiCallError(answer.status, answer.body, `${method} ${path}`);
}

/** PUTs a Tenant document (its environment and name from the document). */
export function putTenant(apiUrl: string, tenant: Tenant): Promise<TenantChangeAnswer> {
  return change(apiUrl, 'PUT', tenantPath(tenant.spec.environment, tenant.metadata.name), tenant);
}

/** What became of one tenant of {@link putEachTenant}: its answer, or the API's refusal. */
export type TenantPutResult =
  { tenant: Tenant; answer: TenantChangeAnswer } | { tenant: Tenant; refused: ApiCallError };

/**
 * PUTs each tenant in turn; a refusal is kept with its tenant (the others are still sent), any
 * other failure (the API unreachable) ends the loop.
 */
export async function putEachTenant(
  apiUrl: string,
  tenants: readonly Tenant[],
): Promise<TenantPutResult[]> {
  const results: TenantPutResult[] = [];
  for (const tenant of tenants) {
    try {
      results.push({ tenant, answer: await putTenant(apiUrl, tenant) });
    } catch (error) {
      if (!(error instanceof ApiCallError)) throw error;
      results.push({ tenant, refused: error });
    }
  }
  return results;
}

/** DELETEs (offboards) a tenant. */
export function deleteTenant(
  apiUrl: string,
  environment: string,
  name: string,
): Promise<TenantChangeAnswer> {
  return change(apiUrl, 'DELETE', tenantPath(environment, name));
}

/** The tenants of an environment the caller may read. */
export async function listTenants(apiUrl: string, environment: string): Promise<TenantRecord[]> {
  const { tenants } = await getJson<{ tenants: TenantRecord[] }>(
    apiUrl,
    `/v1/environments/${encodeURIComponent(environment)}/tenants`,
    `tenants of environment ${environment}`,
  );
  return tenants;
}

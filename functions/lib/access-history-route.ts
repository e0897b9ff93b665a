/**
 * `GET /v1/environments/{env}/access-history?tenant=&limit=&pageToken=`: who gained or lost
 * which request, when, by which run and whose request, newest first. Authorized like every read
 * (environment-access.ts): admins and viewers see every tenant's cells, a tenant manager those of
 * the tenants its patterns cover; anyone else is 403 `not-environment-reader`.
 */
import type { Response } from '@google-cloud/functions-framework';
import { dnsLabel } from '../../shared/spec/index.js';
import type { AccessHistoryCursor } from '../../shared/state/types.js';
import type { FunctionsContext } from '../context.js';
import { mayReadTenant, readsEveryTenant } from './environment-access.js';
import { HttpError, invalidRequest } from './http.js';
import { readableEnvironment } from './tenant-requests.js';

export const DEFAULT_HISTORY_ENTRIES = 100;
export const MAX_HISTORY_ENTRIES = 1000;

/** The query parameters as the functions-framework hands them (strings, arrays or absent). */
export interface AccessHistoryRequest {
  environmentId: string;
  caller: string;
  tenant?: unknown;
  limit?: unknown;
  pageToken?: unknown;
}

function parseLimit(raw: unknown): number {
  if (raw === undefined) return DEFAULT_HISTORY_ENTRIES;
  const limit = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(limit) || limit < 1) {
    throw invalidRequest(
      'invalid-limit',
      `limit must be an integer from 1 to ${MAX_HISTORY_ENTRIES}`,
      'limit',
    );
  }
  return Math.min(limit, MAX_HISTORY_ENTRIES);
}

/** A page token: where the previous page stopped, opaque to callers (base64url JSON). */
export function encodePageToken(cursor: AccessHistoryCursor): string {
  return Buffer.from(JSON.stringify([cursor.sortKey, cursor.index])).toString('base64url');
}

function decodePageToken(raw: unknown): AccessHistoryCursor | undefined {
  if (raw === undefined || raw === '') return undefined;
  const invalid = invalidRequest(
    'invalid-page-token',
    'pageToken must be the nextPageToken of an earlier page, unchanged',
    'pageToken',
  );
  if (typeof raw !== 'string' || raw.length > 2048) throw invalid;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) throw invalid;
  const [sortKey, index] = decoded as unknown[];
  if (typeof sortKey !== 'string' || sortKey === '' || !Number.isSafeInteger(index)) throw invalid;
  if ((index as number) < 0) throw invalid;
  return { sortKey, index: index as number };
}

function parseTenant(raw: unknown): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || !dnsLabel.safeParse(raw).success) {
    throw invalidRequest(
      'invalid-tenant-name',
      'tenant must be one tenant name, a DNS-1123 label: 1-63 lowercase letters, digits or hyphens',
      'tenant',
    );
  }
  return raw;
}

/** The route: one page of entries and, when there may be more, `nextPageToken`. */
export async function listAccessHistory(
  ctx: FunctionsContext,
  res: Response,
  request: AccessHistoryRequest,
): Promise<void> {
  const limit = parseLimit(request.limit);
  const after = decodePageToken(request.pageToken);
  const tenant = parseTenant(request.tenant);
  const { environmentId, caller } = request;
  const environment = await readableEnvironment(ctx, environmentId, caller);
  const readsAll = readsEveryTenant(environment, caller);
  if (tenant !== undefined && !mayReadTenant(environment, caller, tenant)) {
    throw new HttpError(403, {
      kind: 'forbidden',
      reason: 'not-tenant-reader',
      message: `${caller} may not read tenant ${tenant} of environment ${environmentId}`,
      field: 'tenant',
    });
  }
  const page = await ctx.stores.accessHistory.list(environmentId, {
    limit,
    ...(tenant !== undefined ? { tenant } : {}),
    ...(readsAll ? {} : { visible: (name: string) => mayReadTenant(environment, caller, name) }),
    ...(after ? { after } : {}),
  });
  res.status(200).json({
    environmentId,
    entries: page.entries,
    ...(page.next ? { nextPageToken: encodePageToken(page.next) } : {}),
  });
}

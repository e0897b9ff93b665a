import type { ErrorBody } from './api-types.js';

/**
 * The API the console is served by: its own URL less `/console/...` (`/api` on the local
 * functions host, the function's root when deployed). Requests carry the browser's credentials
 * for that origin, as the pages themselves were fetched: the API authenticates each one.
 */
export function apiBase(pathname: string = location.pathname): string {
  return pathname.replace(/\/console(\/.*)?$/, '');
}

/** An answer of the API that is not 200: its status and JSON error body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(`HTTP ${status}${body.reason ? ` ${body.reason}` : ''}: ${body.message ?? ''}`);
  }
}

/** GETs an API path (`/v1/...`) as JSON; anything but 200 is an {@link ApiError}. */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(`${apiBase()}${path}`, {
    headers: { accept: 'application/json' },
    credentials: 'same-origin',
    ...(signal ? { signal } : {}),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = { message: text.slice(0, 300) };
  }
  if (res.status !== 200) throw new ApiError(res.status, body as ErrorBody);
  return body as T;
}

/** A path segment, escaped. */
export const seg = encodeURIComponent;

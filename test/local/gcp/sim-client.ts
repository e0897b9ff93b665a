import type { GcpSimulator } from '../../../local/gcp/index.js';

/** A parsed JSON answer; tests read deep fields of Google's bodies, hence the loose type. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonBody = Record<string, any>;

/** A raw JSON call to the simulator, as the REST clients make it. */
export async function call(
  sim: GcpSimulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: JsonBody }> {
  const response = await fetch(`${sim.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as JsonBody) : {} };
}

import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

/** The tutorial's final objects (YAML 1.2: `team: y` stays a string). */
export function finalStateObjects(): Record<string, unknown>[] {
  const text = readFileSync(
    new URL('../../fixtures/kube-sim/final-state.yaml', import.meta.url),
    'utf8',
  );
  return parseAllDocuments(text)
    .map((document) => document.toJS() as Record<string, unknown> | null)
    .filter((object): object is Record<string, unknown> => object !== null);
}

/** A parsed JSON body; tests reach into it freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

/** A small HTTP client of the simulator's REST API. */
export function restClient(baseUrl: string) {
  return async function call(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<{ status: number; body: Json; headers: Headers }> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': contentType },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text === '' ? {} : JSON.parse(text),
      headers: response.headers,
    };
  };
}

/** The REST path of a (namespaced) object given its apiVersion and plural. */
export function objectPath(
  apiVersion: string,
  plural: string,
  namespace: string | undefined,
  name?: string,
): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const scoped = namespace ? `${base}/namespaces/${namespace}/${plural}` : `${base}/${plural}`;
  return name ? `${scoped}/${name}` : scoped;
}

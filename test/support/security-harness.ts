/**
 * What the security suites share: the admission functions (api and tenant-events) in their own
 * functions-framework processes on a test env's emulators, the requests an attacker sends them,
 * and the check that a refused tenant message wrote nothing but its own `rejected` record.
 */
import { expect } from 'vitest';
import { pubsubPushBody, type FunctionsTestEnv } from './functions-env.js';
import {
  productionProcessEnv,
  startFramework,
  type FrameworkProcess,
} from './functions-framework.js';

/** The api and tenant-events functions, each in its own functions-framework process. */
export interface AdmissionProcesses {
  api: FrameworkProcess;
  events: FrameworkProcess;
}

/** Starts api and tenant-events as deployed (productionProcessEnv with `extra`), side by side. */
export async function startAdmission(
  env: FunctionsTestEnv,
  extra: Record<string, string> = {},
): Promise<AdmissionProcesses> {
  const processEnv = productionProcessEnv(env, extra);
  const [api, events] = await Promise.all([
    startFramework('api', processEnv),
    startFramework('tenant-events', processEnv, 'cloudevent'),
  ]);
  return { api, events };
}

/** POSTs a document to the api process's /v1/environments: the status and the JSON body. */
export async function postEnvironment<Body = Record<string, unknown>>(
  api: FrameworkProcess,
  doc: unknown,
): Promise<{ status: number; body: Body }> {
  const res = await fetch(`${api.url}/v1/environments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(doc),
  });
  return { status: res.status, body: (await res.json()) as Body };
}

let pushed = 0;

/**
 * Delivers a Tenant document for environment tutorial to the tenant-events process as Pub/Sub's
 * push does, under a fresh message id `<prefix>-<n>-<time>`: that id and the HTTP status.
 */
export async function pushTenant(
  events: FrameworkProcess,
  projectId: string,
  doc: unknown,
  prefix: string,
): Promise<{ messageId: string; status: number }> {
  pushed += 1;
  const messageId = `${prefix}-${pushed}-${Date.now()}`;
  // As environment tutorial's own topic pushes: the path names the topic.
  const res = await fetch(`${events.url}/projects/${projectId}/topics/tenants-tutorial`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(pubsubPushBody(projectId, doc, {}, messageId)),
  });
  await res.text();
  return { messageId, status: res.status };
}

/**
 * Between two Firestore dumps around a refused tenant message: only documents of the message's
 * own record were added, every document there before is unchanged, and environment tutorial
 * has no tenant stored.
 */
export async function expectOnlyMessageRecorded(
  env: FunctionsTestEnv,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  messageId: string,
): Promise<void> {
  const added = Object.keys(after).filter((path) => !(path in before));
  expect(
    added.every((path) => path.includes(messageId)),
    added.join(', '),
  ).toBe(true);
  for (const [path, value] of Object.entries(before)) expect(after[path], path).toEqual(value);
  expect(await env.ctx.stores.tenants.list('tutorial')).toEqual([]);
}

/**
 * Issue 16, finding 9 (starts are not atomic), the crash between "run recorded" and "request
 * published": the api process is killed while it publishes a run with no Idempotency-Key (nobody
 * can retry it), leaving the run PENDING and holding its environment. Through the real
 * functions-framework processes and the emulators, the next POST is refused `environment-busy`
 * (nothing written) while the crashed start's 30 s claim lives, then takes the environment over
 * and fails the crashed run `abandoned`; without any new request, `sweep-runs` fails it.
 * Time passes by moving the stored records' instants back (the processes run on the wall
 * clock), which is what the clock moving forward does to them.
 */
import { createServer, type Server } from 'node:net';
import type { Firestore } from 'firebase-admin/firestore';
import { describe, expect, it, vi } from 'vitest';
import { PUBLISH_CLAIM_SECONDS } from '../../functions/api.js';
import { dumpFirestore } from '../support/firestore-dump.js';
import {
  environmentRequest,
  pullAll,
  useFunctionsTestEnv,
  type FunctionsTestEnv,
} from '../support/functions-env.js';
import {
  productionProcessEnv,
  startFramework,
  type FrameworkProcess,
} from '../support/functions-framework.js';
import { postEnvironment } from '../support/security-harness.js';

// The emulators run on two cores shared by many suites: contention makes them slow, not wrong.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let env: FunctionsTestEnv;
useFunctionsTestEnv(
  (started) => (env = started),
  async () => {
    await pullAll(env.pubsub, env.requests);
  },
);

/** A TCP server that accepts and never answers: a Pub/Sub whose publish hangs. */
async function blackhole(): Promise<{ host: string; server: Server }> {
  const server = createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { host: `127.0.0.1:${address.port}`, server };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const found = await probe();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * POSTs environment tutorial (no Idempotency-Key) to an api process whose publish hangs, and
 * kills the process (SIGTERM: functions-framework exits at once) as soon as the run is recorded.
 */
async function crashedStart(): Promise<string> {
  const hole = await blackhole();
  const crashing = await startFramework(
    'api',
    productionProcessEnv(env, { PUBSUB_EMULATOR_HOST: hole.host }),
  );
  try {
    const inflight = fetch(`${crashing.url}/v1/environments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(environmentRequest()),
    }).then(
      async (res) => {
        answer = `${res.status} ${await res.text()}`;
        return `answered ${res.status}`;
      },
      () => 'no answer',
    );
    let answer: string | undefined;
    const runId = await until('the run to be recorded', async () => {
      if (answer)
        throw new Error(`the api answered before the crash: ${answer}\n${crashing.output()}`);
      const runs = await env.db.collection('runs').get();
      return runs.docs[0]?.id;
    });
    await crashing.stop();
    // The framework answers its crash response (500) or nothing: never an accepted run.
    expect(['answered 500', 'no answer']).toContain(await inflight);
    return runId;
  } finally {
    await crashing.stop();
    hole.server.close();
  }
}

const INSTANTS = new Set([
  'createdAt',
  'updatedAt',
  'expiresAt',
  'startedAt',
  'finishedAt',
  'publishedAt',
]);

function shifted(value: unknown, ms: number): unknown {
  if (Array.isArray(value)) return value.map((v) => shifted(v, ms));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [
      key,
      INSTANTS.has(key) && typeof field === 'string'
        ? new Date(Date.parse(field) - ms).toISOString()
        : key === 'spec'
          ? field
          : shifted(field, ms),
    ]),
  );
}

/** `seconds` pass for every run and environment: their instants move that far back. */
async function elapse(db: Firestore, seconds: number): Promise<void> {
  for (const collection of ['runs', 'environments']) {
    for (const doc of (await db.collection(collection).get()).docs) {
      await doc.ref.set(shifted(doc.data(), seconds * 1000) as Record<string, unknown>);
    }
  }
}

async function sweep(fn: FrameworkProcess): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${fn.url}/`, { method: 'POST' });
  return { status: res.status, body: await res.json() };
}

describe('a keyless start killed between startRun and publish', () => {
  it('blocks the environment only while its claim lives; the next POST then takes it over', async () => {
    const crashed = await crashedStart();
    expect(await env.ctx.stores.runs.get(crashed)).toMatchObject({ status: 'PENDING' });
    expect((await env.ctx.stores.runs.get(crashed))?.publishedAt).toBeUndefined();
    expect((await env.ctx.stores.environments.get('tutorial'))?.lease?.holder).toBe(crashed);

    const api = await startFramework('api', productionProcessEnv(env));
    try {
      const before = await dumpFirestore(env.db);
      const busy = await postEnvironment(api, environmentRequest());
      expect(busy).toMatchObject({
        status: 409,
        body: { kind: 'conflict', reason: 'environment-busy' },
      });
      expect(await dumpFirestore(env.db)).toEqual(before);

      await elapse(env.db, PUBLISH_CLAIM_SECONDS + 1);
      const next = await postEnvironment<{ runId: string }>(api, environmentRequest());
      expect(next.status).toBe(202);
      expect(next.body.runId).not.toBe(crashed);
      expect(await env.ctx.stores.runs.get(crashed)).toMatchObject({
        status: 'FAILED',
        error: { kind: 'permanent', reason: 'abandoned' },
      });
      expect(await env.ctx.stores.environments.get('tutorial')).toMatchObject({
        currentRun: next.body.runId,
        lease: { holder: next.body.runId },
      });
      // Only the new run was published: the crashed one is never driven.
      const published = await pullAll(env.pubsub, env.requests);
      expect(published.map((m) => (m.data as { runId: string }).runId)).toEqual([next.body.runId]);
    } finally {
      await api.stop();
    }
  });

  it('is failed `abandoned` by sweep-runs without any new request, freeing the environment', async () => {
    const crashed = await crashedStart();
    const sweeper = await startFramework('sweep-runs', productionProcessEnv(env));
    const api = await startFramework('api', productionProcessEnv(env));
    try {
      // Claim expired, not yet idle for the sweeper's 300 s: nothing changes.
      await elapse(env.db, PUBLISH_CLAIM_SECONDS + 1);
      const before = await dumpFirestore(env.db);
      expect(await sweep(sweeper)).toEqual({ status: 200, body: { swept: [], examined: 1 } });
      expect(await dumpFirestore(env.db)).toEqual(before);

      await elapse(env.db, 300);
      expect(await sweep(sweeper)).toEqual({
        status: 200,
        body: { swept: [crashed], examined: 1 },
      });
      expect(await env.ctx.stores.runs.get(crashed)).toMatchObject({
        status: 'FAILED',
        error: { kind: 'permanent', reason: 'abandoned' },
      });
      const stored = await env.ctx.stores.environments.get('tutorial');
      expect(stored?.lease).toBeUndefined();
      expect(stored?.status).toBe('FAILED');
      // Swept again: nothing to do. GET is refused, JSON.
      expect(await sweep(sweeper)).toEqual({ status: 200, body: { swept: [], examined: 0 } });
      const get = await fetch(`${sweeper.url}/`);
      expect(get.status).toBe(405);
      expect(await get.json()).toMatchObject({ reason: 'method-not-allowed' });

      const next = await postEnvironment(api, environmentRequest());
      expect(next, api.output()).toMatchObject({ status: 202 });
    } finally {
      await Promise.all([sweeper.stop(), api.stop()]);
    }
  });
});

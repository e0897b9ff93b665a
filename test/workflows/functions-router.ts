import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createContext,
  getTestServer,
  loadConfig,
  setContext,
  type FunctionsContext,
  type StepRegistry,
} from '../../functions/testing.js';
import { createMemoryStores } from '../../shared/state/memory.js';
import { environmentDoc } from '../shared/state/store-contract.js';
import { environmentRequestEvent } from './run-definition.js';

/** The real functions behind one base URL, over the in-memory stores. */
export interface FunctionsRouter {
  ctx: FunctionsContext & { stores: ReturnType<typeof createMemoryStores> };
  /** Serves each function under `/<name>`, as local/stack/functions-host.ts does. */
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * Starts the real functions (finalize, step-<family>) with `registry` as their steps, on the
 * memory stores: the test/workflows suites drive them with the interpreter; the Firestore behaviour of
 * the same store code is covered by test/state.
 */
export async function startFunctionsRouter(
  project: string,
  registry: StepRegistry,
): Promise<FunctionsRouter> {
  const config = loadConfig({ GOOGLE_CLOUD_PROJECT: project, EGRESS_AUTH: 'disabled-local' });
  const ctx = { ...createContext(config, registry), stores: createMemoryStores() };
  setContext(ctx);
  const servers = new Map<string, Server>();
  const router = createServer((req, res) => {
    const [, name = '', ...rest] = (req.url ?? '/').split('/');
    if (!servers.has(name)) servers.set(name, getTestServer(name));
    req.url = `/${rest.join('/')}`;
    servers.get(name)!.emit('request', req, res);
  });
  await new Promise<void>((resolve) => router.listen(0, '127.0.0.1', resolve));
  return {
    ctx,
    baseUrl: `http://127.0.0.1:${(router.address() as AddressInfo).port}`,
    async close() {
      router.closeAllConnections();
      await new Promise<void>((resolve) => router.close(() => resolve()));
      setContext(undefined);
    },
  };
}

/** A provisioning run of the tutorial environment, and the event its Eventarc trigger delivers. */
export async function startProvisionRun(ctx: FunctionsContext, messageId: string) {
  const started = await ctx.stores.runs.startRun({
    kind: 'provision',
    environmentId: 'tutorial',
    spec: environmentDoc(),
    environmentStatus: 'PROVISIONING',
    trigger: { type: 'pubsub', messageId },
    requestHash: 'h',
    leaseSeconds: 600,
  });
  if (started.outcome !== 'created') throw new Error(`setup: ${started.outcome}`);
  const runId = started.run.id;
  return {
    runId,
    event: environmentRequestEvent({ runId, environmentId: 'tutorial', kind: 'provision' }),
  };
}

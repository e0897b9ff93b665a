import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { writeFile, rename } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { ZodError } from 'zod';
import { GoogleApiError, faultError, type ErrorStyle } from './api-error.js';
import { systemClock, type Clock } from './clock.js';
import { FaultInjector, type FaultScript } from './faults.js';
import { DEFER, type ClusterHooks, type HandlerTable, type Reply } from './handler.js';
import { checkMessage, checkQuery, loadRoutes, matchRoutes, type ApiRoute } from './schema.js';
import {
  ORIGIN,
  SimStore,
  emptyState,
  type Json,
  type SimState,
  type StoredOperation,
} from './store.js';
import { computeHandlers } from './services/compute.js';
import { serviceUsageHandlers } from './services/serviceusage.js';
import { iamHandlers } from './services/iam.js';
import { resourceManagerHandlers } from './services/resourcemanager.js';
import { containerCompletion, containerHandlers } from './services/container.js';
import { dnsHandlers } from './services/dns.js';
import { gkehubHandlers } from './services/gkehub.js';
import { storageHandlers } from './services/storage.js';
import { pubsubHandlers } from './services/pubsub.js';
import type { SimCaller } from './services/iam-permissions.js';
import { SeedError, applySeed, parseSeed, type SimSeed } from './seed.js';

/** Options of {@link startGcpSimulator}. */
export interface GcpSimulatorOptions {
  /** TCP port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** Multiplies the latency model's real durations; 0 (the default) makes every operation instant. */
  timeScale?: number;
  /** Faults to inject from the start (also settable by `POST /__admin/faults`). */
  faults?: FaultScript;
  /** Load the state from this file at start and save it there (debounced) after changes. */
  stateFile?: string;
  /** Called when a cluster becomes RUNNING or is deleted: the kube simulator serves its endpoint. */
  hooks?: ClusterHooks;
  /** The clock operations are timed by; tests inject a ManualClock. */
  clock?: Clock;
  /**
   * Seconds of the simulator's clock a new service account answers 404 to `get` and 400 "does
   * not exist" to a binding naming it (IAM's eventual consistency). Default: the latency model's
   * 10 s times `timeScale` (so none at time scale 0).
   */
  serviceAccountDelaySeconds?: number;
  /**
   * Resources that exist before anything runs (buckets the tutorial's user makes by hand).
   * Applied at start (after `stateFile` is loaded: only what is missing) and after `reset()`.
   */
  seed?: SimSeed;
  /**
   * `host:port` of the Pub/Sub emulator the simulator's Pub/Sub API fronts (topic IAM and the
   * authorization of `publish` are the simulator's, the rest is the emulator's).
   */
  pubsubEmulatorHost?: string;
  /**
   * The principal (`serviceAccount:E`, `user:E`) a Bearer access token names, or undefined when
   * the token is not valid: the local metadata server's verifier. Without it no caller is
   * known, so every call the simulator authorizes answers 401.
   */
  verifyAccessToken?: (token: string) => string | undefined;
  /** false turns authorization off (debugging only); default on. */
  enforceIam?: boolean;
}

/** Calls served, split into reads and writes, in total and per method id. */
export class RequestCounters {
  reads = 0;
  writes = 0;
  byMethod: Record<string, { reads: number; writes: number }> = {};

  /** Counts one call. */
  count(methodId: string, isRead: boolean): void {
    const entry = (this.byMethod[methodId] ??= { reads: 0, writes: 0 });
    if (isRead) {
      this.reads += 1;
      entry.reads += 1;
    } else {
      this.writes += 1;
      entry.writes += 1;
    }
  }

  /** Zeroes every counter. */
  reset(): void {
    this.reads = 0;
    this.writes = 0;
    this.byMethod = {};
  }

  /** A plain copy, as `GET /__admin/counters` answers it. */
  snapshot(): {
    reads: number;
    writes: number;
    byMethod: Record<string, { reads: number; writes: number }>;
  } {
    return { reads: this.reads, writes: this.writes, byMethod: structuredClone(this.byMethod) };
  }
}

/** A running simulator. */
export interface GcpSimulator {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  close(): Promise<void>;
  /** A deep copy of the current state (links carry the placeholder origin). */
  state(): SimState;
  /** Forgets every resource, operation, counter and fault. */
  reset(): void;
  counters: RequestCounters;
  /** Replaces the fault script. */
  setFaults(script: FaultScript | undefined): void;
  /** Finishes every operation whose time has come (after advancing an injected clock). */
  settle(): Promise<void>;
  /** Creates what the seed holds and the state lacks (idempotent); returns what it created. */
  seed(seed: SimSeed): Promise<string[]>;
}

const staticHandlers: HandlerTable = {
  ...computeHandlers,
  ...serviceUsageHandlers,
  ...iamHandlers,
  ...resourceManagerHandlers,
  ...containerHandlers,
  ...dnsHandlers,
  ...gkehubHandlers,
  ...storageHandlers,
};

/** Methods that change nothing, although some are POSTs. */
function isReadMethod(route: ApiRoute): boolean {
  if (route.httpMethod === 'GET') return true;
  return /\.(wait|getIamPolicy|testIamPermissions)$/.test(route.id);
}

function send(res: ServerResponse, status: number, body: unknown, origin: string): void {
  const text = JSON.stringify(body ?? {}, null, 2).replaceAll(ORIGIN, origin);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8' });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Serializes request handling: every handler sees and leaves a consistent state. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

/**
 * Starts the GCP API simulator: compute, container, dns, iam, cloudresourcemanager,
 * serviceusage, gkehub and a Cloud Storage subset on one HTTP server, reachable by gcloud and
 * the official clients. Throws {@link SeedError} for a seed that does not validate.
 */
export async function startGcpSimulator(options: GcpSimulatorOptions = {}): Promise<GcpSimulator> {
  const clock = options.clock ?? systemClock;
  const timeScale = options.timeScale ?? 0;
  const hooks = options.hooks ?? {};
  const routes = loadRoutes();
  const handlers: HandlerTable = {
    ...staticHandlers,
    ...pubsubHandlers({
      ...(options.pubsubEmulatorHost ? { emulatorHost: options.pubsubEmulatorHost } : {}),
      enforceIam: options.enforceIam ?? true,
    }),
  };
  const callerOf = (authorization: string | undefined): SimCaller => {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) return { token: 'missing' };
    const principal = options.verifyAccessToken?.(token);
    return principal ? { token: 'verified', principal } : { token: 'invalid' };
  };
  const faults = new FaultInjector(options.faults);
  const counters = new RequestCounters();
  const mutex = new Mutex();
  const store: SimStore = new SimStore(clock, timeScale, (completion, op): Promise<void> =>
    containerCompletion(store, hooks, completion, op),
  );
  if (options.serviceAccountDelaySeconds !== undefined) {
    store.serviceAccountDelayMs = options.serviceAccountDelaySeconds * 1000;
  }

  let saveTimer: NodeJS.Timeout | undefined;
  let saving: Promise<void> = Promise.resolve();
  const stateFile = options.stateFile;
  if (stateFile && existsSync(stateFile)) {
    store.state = JSON.parse(readFileSync(stateFile, 'utf8')) as SimState;
  }
  // Validated before the server listens, so a bad seed fails the start, not a later request.
  const seed = options.seed ? parseSeed(options.seed) : undefined;
  if (seed) applySeed(store, seed);
  const save = (): Promise<void> => {
    if (!stateFile) return Promise.resolve();
    const text = JSON.stringify(store.state);
    saving = saving.then(async () => {
      await writeFile(`${stateFile}.tmp`, text);
      await rename(`${stateFile}.tmp`, stateFile);
    });
    return saving;
  };
  store.onChange = () => {
    if (!stateFile || saveTimer) return;
    // Debounced: a provisioning run changes the state hundreds of times in a few seconds.
    saveTimer = setTimeout(() => {
      saveTimer = undefined;
      void save();
    }, 200);
  };

  async function serveApi(
    method: string,
    url: URL,
    origin: string,
    rawBody: string,
    caller: SimCaller,
  ): Promise<{ status: number; body: unknown; style: ErrorStyle }> {
    const matches = matchRoutes(routes, method, url.pathname);
    const first = matches[0];
    if (!first) {
      const message = `The requested URL ${url.pathname} was not found on this server.`;
      return {
        status: 404,
        body: new GoogleApiError(404, message).toBody('one-platform'),
        style: 'one-platform',
      };
    }
    const style = first.route.errorStyle;
    try {
      counters.count(first.route.id, isReadMethod(first.route));
      const decision = faults.decide(first.route.id, isReadMethod(first.route));
      if (decision.kind === 'respond') throw faultError(decision.httpCode);
      let parsed: unknown = {};
      if (rawBody.trim()) {
        try {
          parsed = JSON.parse(rawBody);
        } catch {
          throw new GoogleApiError(400, 'Invalid JSON payload received. Unexpected token.', {
            reason: 'parseError',
          });
        }
      }
      return await mutex.run(async () => {
        await store.settle();
        for (const match of matches) {
          const handler = handlers[match.route.id];
          if (!handler) {
            throw new GoogleApiError(
              501,
              `Method ${match.route.id} is not implemented by the GCP simulator.`,
            );
          }
          checkQuery(match.route, url.searchParams);
          const body: Json = match.route.bodyType
            ? checkMessage(match.route.schema, match.route.bodyType, parsed, match.route.bodyField)
            : {};
          const reply: Reply | typeof DEFER = await handler({
            route: match.route,
            params: match.params,
            query: url.searchParams,
            body,
            origin,
            store,
            fault: decision,
            caller,
          });
          if (reply === DEFER) continue;
          return { status: reply.status ?? 200, body: reply.body, style: match.route.errorStyle };
        }
        const message = `The requested URL ${url.pathname} was not found on this server.`;
        throw new GoogleApiError(404, message);
      });
    } catch (err) {
      if (err instanceof GoogleApiError)
        return { status: err.httpCode, body: err.toBody(style), style };
      const message = err instanceof Error ? err.message : String(err);
      return {
        status: 500,
        body: new GoogleApiError(500, `Internal simulator error: ${message}`).toBody(style),
        style,
      };
    }
  }

  async function serveAdmin(
    method: string,
    path: string,
    rawBody: string,
  ): Promise<{ status: number; body: unknown }> {
    if (method === 'GET' && path === '/__admin/counters')
      return { status: 200, body: counters.snapshot() };
    if (method === 'POST' && path === '/__admin/counters/reset') {
      counters.reset();
      return { status: 200, body: counters.snapshot() };
    }
    if (method === 'GET' && path === '/__admin/state') {
      return {
        status: 200,
        body: await mutex.run(async () => (await store.settle(), store.state)),
      };
    }
    if (method === 'POST' && path === '/__admin/reset') {
      reset();
      return { status: 200, body: {} };
    }
    if (method === 'POST' && path === '/__admin/faults') {
      try {
        faults.set(rawBody.trim() ? (JSON.parse(rawBody) as FaultScript) : undefined);
        return { status: 200, body: {} };
      } catch (err) {
        const message =
          err instanceof ZodError
            ? err.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')
            : 'body is not JSON';
        return {
          status: 400,
          body: new GoogleApiError(400, `Invalid fault script: ${message}`).toBody('one-platform'),
        };
      }
    }
    if (method === 'POST' && path === '/__admin/seed') {
      try {
        const body: unknown = rawBody.trim() ? JSON.parse(rawBody) : {};
        const created = await mutex.run(() => Promise.resolve(applySeed(store, parseSeed(body))));
        return { status: 200, body: { created } };
      } catch (err) {
        const message = err instanceof SeedError ? err.message : 'body is not JSON';
        return {
          status: 400,
          body: new GoogleApiError(400, `Invalid seed: ${message}`).toBody('one-platform'),
        };
      }
    }
    if (method === 'GET' && path === '/__admin/health') return { status: 200, body: { ok: true } };
    return {
      status: 404,
      body: new GoogleApiError(404, `No admin endpoint ${method} ${path}.`).toBody('one-platform'),
    };
  }

  /** How long a compute `wait` may block on the wall clock (Google's own limit is about 2 min). */
  const maxWaitMs = 30_000;

  /** Serves one API call; `operations.wait` blocks until DONE, which only means something on the wall clock. */
  async function serveWithWait(
    method: string,
    url: URL,
    origin: string,
    rawBody: string,
    caller: SimCaller,
  ): Promise<{ status: number; body: unknown }> {
    const started = Date.now();
    for (;;) {
      const result = await serveApi(method, url, origin, rawBody, caller);
      const running = (result.body as Json | undefined)?.status === 'RUNNING';
      if (
        !url.pathname.endsWith('/wait') ||
        !running ||
        clock !== systemClock ||
        Date.now() - started >= maxWaitMs
      ) {
        return result;
      }
      const op = Object.values(store.state.operations).find(
        (o: StoredOperation) =>
          url.pathname.includes(`/operations/${o.name}/`) ||
          url.pathname.includes(`/operations/${o.id}/`),
      );
      const remaining = op ? op.doneAtMs - clock.now() : 1000;
      await new Promise((r) => setTimeout(r, Math.max(10, Math.min(remaining, 1000))));
    }
  }

  /**
   * Google's batch protocol (`POST /batch/compute/v1`, multipart/mixed of HTTP requests): gcloud
   * uses it to delete or describe several resources in one command.
   */
  async function serveBatch(
    contentType: string,
    rawBody: string,
    origin: string,
    caller: SimCaller,
  ): Promise<{ type: string; text: string }> {
    const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
    if (!boundary) throw new GoogleApiError(400, 'Batch request without a multipart boundary.');
    const parts = rawBody.split(`--${boundary}`).slice(1, -1);
    const answers: string[] = [];
    for (const part of parts) {
      const [partHeaders = '', ...rest] = part.replace(/^\r?\n/, '').split(/\r?\n\r?\n/);
      const contentId = /content-id:\s*<?([^>\r\n]+)>?/i.exec(partHeaders)?.[1] ?? '';
      const httpText = rest.join('\r\n\r\n');
      const [head = '', ...bodyParts] = httpText.split(/\r?\n\r?\n/);
      const [requestLine = ''] = head.split(/\r?\n/);
      const [method = 'GET', target = '/'] = requestLine.split(' ');
      const url = new URL(target, origin);
      // The batch's own Authorization stands for its parts (gcloud sends it once).
      const result = await serveWithWait(
        method,
        url,
        origin,
        bodyParts.join('\r\n\r\n').trim(),
        caller,
      );
      const json = JSON.stringify(result.body ?? {}).replaceAll(ORIGIN, origin);
      answers.push(
        `--batch_sim\r\nContent-Type: application/http\r\nContent-ID: <response-${contentId}>\r\n\r\n` +
          `HTTP/1.1 ${result.status} ${result.status < 400 ? 'OK' : 'Error'}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n${json}\r\n`,
      );
    }
    return {
      type: 'multipart/mixed; boundary=batch_sim',
      text: `${answers.join('')}--batch_sim--\r\n`,
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = `http://${req.headers.host ?? '127.0.0.1'}`;
    const url = new URL(req.url ?? '/', origin);
    const rawBody = await readBody(req);
    const caller = callerOf(req.headers.authorization);
    if (url.pathname.startsWith('/__admin/')) {
      const { status, body } = await serveAdmin(req.method ?? 'GET', url.pathname, rawBody);
      send(res, status, body, origin);
      return;
    }
    if (req.method === 'POST' && url.pathname.startsWith('/batch/')) {
      try {
        const { type, text } = await serveBatch(
          String(req.headers['content-type'] ?? ''),
          rawBody,
          origin,
          caller,
        );
        res.writeHead(200, { 'Content-Type': type });
        res.end(text);
      } catch (err) {
        const error = err instanceof GoogleApiError ? err : new GoogleApiError(400, String(err));
        send(res, error.httpCode, error.toBody('compute'), origin);
      }
      return;
    }
    const result = await serveWithWait(req.method ?? 'GET', url, origin, rawBody, caller);
    send(res, result.status, result.body, origin);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      if (!res.headersSent)
        send(res, 500, new GoogleApiError(500, message).toBody('one-platform'), '');
    });
  });
  // Clients keep connections alive for a long time; Node's 5 s default resets them mid-test.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 121_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  function reset(): void {
    store.state = emptyState();
    // The seed is the world before the product: a reset returns to it, not to nothing.
    if (seed) applySeed(store, seed);
    counters.reset();
    faults.set(undefined);
    store.onChange();
  }

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    counters,
    state: () => structuredClone(store.state),
    reset,
    setFaults: (script) => faults.set(script),
    settle: () => mutex.run(() => store.settle()),
    seed: (more) => mutex.run(() => Promise.resolve(applySeed(store, more))),
    close: async () => {
      if (saveTimer) {
        clearTimeout(saveTimer);
        saveTimer = undefined;
        await save();
      }
      await saving;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

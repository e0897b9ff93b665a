import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { findFreePort } from '../emulators.js';
import { startFunctionsProcess, type FunctionsProcess } from './functions-process.js';

/**
 * The functions of the local stack as Cloud Run runs them: each service account's functions in
 * a process of their own, with that account's credentials (its own metadata server listener),
 * so one function's CPU-bound work never stalls another account's, and every call leaves with
 * the identity the deployment manifest gives it. One router in front keeps the single URL the
 * workflows and the CLI know (`/<function>/...`).
 */

/** The functions one process serves, and the variables that make it run as their account. */
export interface FunctionHostGroup {
  serviceAccount: string;
  functions: readonly string[];
  /** Added to the common variables: the account's metadata server (GCE_METADATA_HOST...). */
  env: Record<string, string>;
}

/** A running host process and the account it runs as. */
export interface FunctionHost extends FunctionsProcess {
  serviceAccount: string;
}

/** The router and its hosts. */
export interface FunctionHosts {
  /** `http://127.0.0.1:PORT`: function NAME is at `${url}/NAME`. */
  url: string;
  hosts: FunctionHost[];
  /** Every function served, in the groups' order. */
  functions: string[];
  /** Stops the router, then every host; safe to call twice. */
  stop(): Promise<void>;
}

/** Options of {@link startFunctionHosts}. */
export interface FunctionHostsOptions {
  /** The router's port. */
  port: number;
  groups: readonly FunctionHostGroup[];
  /** Variables every host gets (functions/context.ts reads them). */
  env: Record<string, string>;
  /** Where every host's stdout and stderr go (appended). */
  logFile: string;
  tag?: string;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Forwards a request unchanged to `target` and its answer back (bodies streamed both ways). */
function forward(req: IncomingMessage, res: ServerResponse, target: URL, agent: Agent): void {
  const upstream = request(
    {
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
      agent,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', (error) => {
    if (res.headersSent) {
      res.destroy(error);
      return;
    }
    sendJson(res, 502, {
      kind: 'retryable',
      reason: 'function-host-unreachable',
      message: `the functions host at ${target.origin} did not answer: ${error.message}`,
    });
  });
  req.pipe(upstream);
}

/**
 * Starts one functions host per group (in parallel), then the router on `port`. If a host fails
 * to start, the ones started are stopped and the error is thrown.
 */
export async function startFunctionHosts(options: FunctionHostsOptions): Promise<FunctionHosts> {
  const started = await Promise.allSettled(
    options.groups.map(async (group): Promise<FunctionHost> => {
      const host = await startFunctionsProcess({
        port: await findFreePort(),
        env: { ...options.env, ...group.env },
        logFile: options.logFile,
        only: group.functions,
        ...(options.tag ? { tag: options.tag } : {}),
      });
      return { ...host, serviceAccount: group.serviceAccount };
    }),
  );
  const hosts = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(hosts.map((host) => host.stop()));
    throw failed.reason;
  }
  const byFunction = new Map(
    hosts.flatMap((host) => host.functions.map((name) => [name, new URL(host.url)] as const)),
  );
  const functions = [...byFunction.keys()];
  const agent = new Agent({ keepAlive: true });
  const router = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://functions.local').pathname;
    const first = decodeURIComponent(path.split('/')[1] ?? '');
    if (first === '') {
      sendJson(res, 200, {
        functions,
        hosts: hosts.map((h) => ({
          serviceAccount: h.serviceAccount,
          functions: h.functions,
          pid: h.pgid,
        })),
      });
      return;
    }
    const target = byFunction.get(first);
    if (!target) {
      sendJson(res, 404, {
        kind: 'not-found',
        reason: 'no-such-function',
        message: `no function "${first}"; this stack serves ${functions.join(', ')}`,
      });
      return;
    }
    forward(req, res, target, agent);
  });
  // As the hosts: longer than any client's idle keep-alive, so no reused socket is reset.
  router.keepAliveTimeout = 65_000;
  router.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    router.once('error', reject);
    router.listen(options.port, '127.0.0.1', () => resolve());
  });
  let stopping: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${options.port}`,
    hosts,
    functions,
    stop: () =>
      (stopping ??= (async () => {
        router.closeAllConnections();
        await new Promise<void>((resolve) => router.close(() => resolve()));
        agent.destroy();
        await Promise.all(hosts.map((host) => host.stop()));
      })()),
  };
}

/**
 * A functions host of the local stack: one node process serving the functions of
 * functions/index.ts that run as one service account (`--only=...`; every function without it),
 * each under its own path (`/api/...`, `/step-network`, `/finalize`,
 * `/tenant-events/projects/P/topics/T`). The launcher starts one per account, with that
 * account's credentials, behind one router (local/stack/function-hosts.ts), so the workflows
 * still find every function under one STEP_BASE_URL.
 *
 * Why not one functions-framework main.js per function: the framework serves one target per
 * process, and eleven node processes with tsx (~100 MB each) on a two-core machine start slowly
 * and cost more than the stack's emulators; the functions of one account share everything
 * Cloud Run would let them share but the process. Each function here still runs inside the
 * framework's own request pipeline (`getTestServer` builds it with `getServer`, as main.js
 * does): body parsing, the signature type, and the Pub/Sub push → CloudEvent conversion.
 *
 * Usage: node --import tsx local/stack/functions-host.ts --source=functions/index.ts [--only=a,b]
 * Environment: PORT; EGRESS_STACK_PARENT_PID (exit when that process is gone, so a killed
 * launcher leaves nothing behind); EGRESS_SWEEP_INTERVAL_SECONDS (how often it POSTs its own
 * `/sweep-runs`, as Cloud Scheduler would; default 60, 0 never); the functions' own variables
 * (functions/context.ts).
 */
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getTestServer } from '@google-cloud/functions-framework/testing';

interface FunctionsModule {
  HTTP_FUNCTIONS?: Record<string, unknown>;
  CLOUD_EVENT_FUNCTIONS?: Record<string, unknown>;
}

function argument(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

const source = argument('source') ?? 'functions/index.ts';
const port = Number(process.env.PORT ?? '8080');
const parentPid = Number(process.env.EGRESS_STACK_PARENT_PID ?? '0');

const loaded = (await import(pathToFileURL(resolve(source)).href)) as FunctionsModule;
const exported = [
  ...Object.keys(loaded.HTTP_FUNCTIONS ?? {}),
  ...Object.keys(loaded.CLOUD_EVENT_FUNCTIONS ?? {}),
];
// `--only=a,b`: this process serves those functions (one service account's), others serve the rest.
const only = argument('only')?.split(',').filter(Boolean);
const unknown = (only ?? []).filter((name) => !exported.includes(name));
if (unknown.length > 0) {
  process.stderr.write(`${source} exports no function ${unknown.join(', ')}\n`);
  process.exit(1);
}
const names = only ?? exported;
if (names.length === 0) {
  process.stderr.write(`${source} exports no HTTP_FUNCTIONS or CLOUD_EVENT_FUNCTIONS\n`);
  process.exit(1);
}
const servers = new Map<string, Server>(names.map((name) => [name, getTestServer(name)]));

const router = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://functions.local');
  const [, first = '', ...rest] = url.pathname.split('/');
  if (first === '') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ functions: names }));
    return;
  }
  const target = servers.get(decodeURIComponent(first));
  if (!target) {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        kind: 'not-found',
        reason: 'no-such-function',
        message: `no function "${first}"; this host serves ${names.join(', ')}`,
      }),
    );
    return;
  }
  // A deployed function sees the path below its own URL.
  req.url = `/${rest.join('/')}${url.search}`;
  target.emit('request', req, res);
});

// Longer than any client's idle keep-alive (undici: 4 s), so the server never closes a socket
// a client is just reusing (ECONNRESET under load); Google's front ends use minutes too.
router.keepAliveTimeout = 65_000;
router.headersTimeout = 66_000;

router.listen(port, '127.0.0.1', () => {
  process.stdout.write(`functions host: ${names.join(', ')} on http://127.0.0.1:${port}\n`);
});

// Cloud Scheduler's part locally: POST /sweep-runs every EGRESS_SWEEP_INTERVAL_SECONDS (0: never).
const sweepSeconds = Number(process.env.EGRESS_SWEEP_INTERVAL_SECONDS ?? '60');
const sweeper =
  servers.has('sweep-runs') && Number.isFinite(sweepSeconds) && sweepSeconds > 0
    ? setInterval(() => {
        fetch(`http://127.0.0.1:${port}/sweep-runs`, { method: 'POST' })
          .then((res) => res.text())
          .catch((error: unknown) =>
            process.stderr.write(`sweep-runs: ${(error as Error).message}\n`),
          );
      }, sweepSeconds * 1000)
    : undefined;
sweeper?.unref();

const shutdown = () => {
  if (sweeper) clearInterval(sweeper);
  router.close(() => process.exit(0));
  router.closeAllConnections();
  setTimeout(() => process.exit(0), 2_000).unref();
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);

if (parentPid > 0) {
  // The launcher may die without stopping us (SIGKILL): never outlive it.
  setInterval(() => {
    try {
      process.kill(parentPid, 0);
    } catch {
      shutdown();
    }
  }, 1_000).unref();
}

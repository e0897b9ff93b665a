/**
 * A stub of the API's read routes for the console benchmark, on 127.0.0.1: the console's bundle
 * under `/api/console/` (as the local functions host serves it) and synthetic answers for one
 * environment `bench` of N tenants (`setTenants`). Each tenant is granted two of the hosts; the
 * verdicts follow the grants, with some 403s, as the analyzer's would.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { CONSOLE_DIST } from '../console/build.js';

export interface ConsoleStub {
  url: string;
  setTenants(count: number): void;
  /** The size of the reachability answer for `count` tenants. */
  reachabilityBytes(count: number): number;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
};

const tenantName = (i: number) => `tenant-${String(i).padStart(4, '0')}`;

function requestsOf(count: number) {
  const hosts = Math.max(1, Math.floor(count / 2));
  return Array.from({ length: hosts }, (_, h) => `host-${h}.example.com`).flatMap((host, h) =>
    ['http', 'https'].map((scheme) => ({
      method: 'GET',
      url: `${scheme}://${host}/`,
      host,
      ungranted: h === hosts - 1,
    })),
  );
}

function reachability(tenants: number, requestCount: number) {
  const requests = requestsOf(requestCount);
  const hosts = requests.length / 2;
  const rows = Array.from({ length: tenants }, (_, t) => {
    const granted = new Set([t % (hosts - 1 || 1), (t * 7 + 3) % (hosts - 1 || 1)]);
    return {
      tenant: tenantName(t),
      namespace: tenantName(t),
      status: 'APPLIED',
      cells: requests.map((request, r) => {
        const host = Math.floor(r / 2);
        const https = r % 2 === 1;
        if (granted.has(host)) {
          return {
            verdict: 'ALLOWED',
            via: https ? 'passthrough' : 'tls-origination',
            decidedBy: `AuthorizationPolicy/istio-egress/egress-${tenantName(t)}`,
            granted: true,
            recorded: 'ALLOWED',
          };
        }
        return {
          verdict: host % 5 === 0 ? 'DENIED_RBAC' : 'DENIED_NO_ROUTE',
          decidedBy: `Sidecar/${tenantName(t)}/default`,
          granted: false,
        };
      }),
    };
  });
  return {
    environmentId: 'bench',
    source: 'specs',
    requests,
    rows,
    findings: [
      {
        kind: 'passthrough-environment-wide',
        severity: 'high',
        host: 'host-0.example.com',
        message: 'a synthetic finding',
        objects: [],
      },
    ],
    recordedAllowedOnly: true,
  };
}

function tenantsOf(count: number) {
  return Array.from({ length: count }, (_, t) => ({
    id: tenantName(t),
    environment: 'bench',
    generation: 1,
    status: 'APPLIED',
    updatedAt: '2026-01-01T00:00:00Z',
    spec: { metadata: { name: tenantName(t) }, spec: { egress: [] } },
  }));
}

const ENVIRONMENT = {
  id: 'bench',
  status: 'READY',
  updatedAt: '2026-01-01T00:00:00Z',
  createdBy: 'user:bench@example.com',
  spec: {
    metadata: { name: 'bench' },
    spec: { project: 'bench-project', region: 'us-central1', zone: 'us-central1-a' },
  },
};

export async function startConsoleStub(options: { requests: number }): Promise<ConsoleStub> {
  let tenants = 0;
  const answers = new Map<string, string>();
  const cached = (key: string, make: () => unknown) => {
    let body = answers.get(key);
    if (body === undefined) {
      body = JSON.stringify(make());
      answers.set(key, body);
    }
    return body;
  };
  const json = (res: ServerResponse, body: string) => {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(body);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://stub').pathname;
    if (path.startsWith('/api/console/')) {
      const name = path.slice('/api/console/'.length) || 'index.html';
      if (name.includes('/') || name.startsWith('.')) {
        res.writeHead(404).end();
        return;
      }
      try {
        const body = await readFile(join(CONSOLE_DIST, name));
        res.writeHead(200, { 'content-type': TYPES[extname(name)] ?? 'application/octet-stream' });
        res.end(body);
      } catch {
        res.writeHead(404).end();
      }
      return;
    }
    const base = '/api/v1/environments/bench';
    if (path === base) return json(res, JSON.stringify(ENVIRONMENT));
    if (path === `${base}/tenants`) {
      return json(
        res,
        cached(`tenants ${tenants}`, () => ({ tenants: tenantsOf(tenants) })),
      );
    }
    if (path === `${base}/runs`) return json(res, '{"runs":[]}');
    if (path === `${base}/reachability`) {
      return json(
        res,
        cached(`reachability ${tenants}`, () => reachability(tenants, options.requests)),
      );
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"reason":"no-such-route"}');
  };
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setTenants(count) {
      tenants = count;
    },
    reachabilityBytes(count) {
      return cached(`reachability ${count}`, () => reachability(count, options.requests)).length;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

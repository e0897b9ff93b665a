import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiCallError, apiCall, findApiUrl, getJson, resolveApiUrl } from '../../cli/api-client.js';
import { CliError } from '../../cli/errors.js';

/** A stand-in API: each path answers one fixed status and body. */
const ANSWERS: Record<string, [number, string]> = {
  '/v1/runs/run-1': [200, '{"run":{"id":"run-1"}}'],
  '/v1/runs/gone': [404, '{"kind":"not-found","reason":"no-such-run","message":"no run gone"}'],
  '/v1/html': [502, '<html>bad gateway</html>'],
};

describe('the API client', () => {
  let server: Server;
  let apiUrl: string;
  const requests: Array<{ method?: string; url?: string; body: string; headers: object }> = [];
  const stateDir = mkdtempSync(join(tmpdir(), 'cli-api-client-'));

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        requests.push({ method: req.method, url: req.url, body, headers: req.headers });
        const [status, text] = ANSWERS[(req.url ?? '').replace(/^\/api/, '')] ?? [200, ''];
        res.writeHead(status).end(text);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('sends JSON with its headers and reads any answer: JSON, empty, or text', async () => {
    const posted = await apiCall(
      apiUrl,
      'POST',
      '/v1/environments',
      { a: 1 },
      { 'Idempotency-Key': 'k' },
    );
    expect(posted).toEqual({ status: 200, body: {} });
    expect(requests.at(-1)).toMatchObject({
      method: 'POST',
      url: '/api/v1/environments',
      body: '{"a":1}',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'k' },
    });
    expect(await apiCall(apiUrl, 'GET', '/v1/html')).toEqual({
      status: 502,
      body: { message: '<html>bad gateway</html>' },
    });
  });

  it('getJson: the body of a 200, else an error naming what was asked', async () => {
    expect(await getJson(apiUrl, '/v1/runs/run-1', 'run run-1')).toEqual({ run: { id: 'run-1' } });
    const error = await getJson(apiUrl, '/v1/runs/gone', 'run gone').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiCallError);
    expect(error).toMatchObject({
      status: 404,
      message: 'run gone: HTTP 404 no-such-run: no run gone',
      exitCode: 1,
    });
  });

  it('an API that does not answer is a CliError naming it', async () => {
    await expect(apiCall('http://127.0.0.1:9', 'GET', '/v1/x')).rejects.toThrow(
      new CliError('cannot reach the API at http://127.0.0.1:9: fetch failed'),
    );
  });

  it('finds the API: --api-url, else the stack of the state dir, else EGRESS_API_URL', () => {
    vi.stubEnv('EGRESS_API_URL', '');
    try {
      expect(findApiUrl({ stateDir, apiUrl: 'http://given' })).toEqual({ apiUrl: 'http://given' });
      expect(findApiUrl({ stateDir })).toBeUndefined();
      expect(() => resolveApiUrl({ stateDir })).toThrow(
        `no API to talk to: no local stack runs with state dir ${stateDir}, and neither --api-url nor EGRESS_API_URL is set`,
      );
      vi.stubEnv('EGRESS_API_URL', 'http://from-env');
      expect(resolveApiUrl({ stateDir })).toEqual({ apiUrl: 'http://from-env' });
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

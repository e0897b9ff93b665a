import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, resultOf } from './helpers.js';
import { startServer } from './http-server.js';

type Server = Awaited<ReturnType<typeof startServer>>;

// https://cloud.google.com/workflows/docs/http-requests
describe('http.* calls against a local server (http-requests)', () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer((req) => {
      if (req.url.startsWith('/json')) {
        return {
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            echo: req.body ? JSON.parse(req.body) : null,
            method: req.method,
            url: req.url,
          }),
        };
      }
      if (req.url.startsWith('/missing'))
        return {
          status: 404,
          headers: { 'content-type': 'application/json' },
          body: '{"error":"nope"}',
        };
      return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'plain text' };
    });
  });
  afterAll(async () => server.close());

  it('http.get returns code, headers and a JSON-decoded body; query params are encoded', async () => {
    const out = (await resultOf(`
- get:
    call: http.get
    args:
      url: ${server.url}/json
      query:
        q: a b
        n: 3
    result: r
- out:
    return: \${[r.code, r.headers["content-type"], r.body.url, r.body.method]}
`)) as unknown[];
    expect(out).toEqual([200, 'application/json', '/json?q=a+b&n=3', 'GET']);
  });
  it('http.post sends a map body as JSON with Content-Type application/json', async () => {
    const out = await resultOf(`
- post:
    call: http.post
    args:
      url: ${server.url}/json
      headers:
        X-Team: x
      body:
        name: team-x
        size: 2
    result: r
- out:
    return: \${r.body.echo}
`);
    expect(out).toEqual({ name: 'team-x', size: 2 });
    const last = server.requests.at(-1)!;
    expect(last.headers['content-type']).toBe('application/json');
    expect(last.headers['x-team']).toBe('x');
  });
  it('http.request uses the given method; text bodies stay strings', async () => {
    expect(
      await resultOf(`
- req:
    call: http.request
    args:
      method: PUT
      url: ${server.url}/text
    result: r
- out:
    return: \${r.body}
`),
    ).toBe('plain text');
    expect(server.requests.at(-1)!.method).toBe('PUT');
  });
  it('a status >= 400 raises HttpError with code, headers and body', async () => {
    const error = await errorOf(`
- get:
    call: http.delete
    args:
      url: ${server.url}/missing
`);
    expect(error).toMatchObject({
      tags: ['HttpError'],
      code: 404,
      body: { error: 'nope' },
      message: 'HTTP server responded with error code 404',
    });
    expect(error.headers['content-type']).toBe('application/json');
  });
  it('auth OIDC sends a bearer token from the token provider, audience defaulting to the URL', async () => {
    const asked: unknown[] = [];
    await resultOf(
      `
- get:
    call: http.get
    args:
      url: ${server.url}/json?x=1
      auth:
        type: OIDC
`,
      null,
      {
        tokenProvider: async (request) => {
          asked.push(request);
          return 'token-123';
        },
      },
    );
    expect(server.requests.at(-1)!.headers.authorization).toBe('Bearer token-123');
    expect(asked).toEqual([
      { type: 'OIDC', url: `${server.url}/json?x=1`, audience: `${server.url}/json` },
    ]);
  });
  it('no Authorization header without auth; AuthError without a token provider', async () => {
    await resultOf(`- get:\n    call: http.get\n    args:\n      url: ${server.url}/text\n`);
    expect(server.requests.at(-1)!.headers.authorization).toBeUndefined();
    const error = await errorOf(
      `- get:\n    call: http.get\n    args:\n      url: ${server.url}/text\n      auth:\n        type: OAuth2\n`,
    );
    expect(error.tags).toEqual(['AuthError']);
  });
  it('a refused connection raises ConnectionFailedError', async () => {
    const closed = await startServer(() => ({ status: 200 }));
    const url = closed.url;
    await closed.close();
    const error = await errorOf(`- get:\n    call: http.get\n    args:\n      url: ${url}/\n`);
    expect(error.tags).toEqual(['ConnectionFailedError']);
  });
  it('a response slower than timeout raises TimeoutError', async () => {
    const slow = await startServer(() => ({ status: 200 }));
    slow.server.removeAllListeners('request');
    slow.server.on('request', (_req, res) => setTimeout(() => res.end('late'), 1500));
    try {
      const error = await errorOf(
        `- get:\n    call: http.get\n    args:\n      url: ${slow.url}/\n      timeout: 0.2\n`,
      );
      expect(error.tags).toEqual(['TimeoutError']);
    } finally {
      slow.server.closeAllConnections();
      await slow.close();
    }
  });
});

/**
 * `egressctl history ENV` as a script runs it (a child process), against a stand-in of the API
 * route that records the queries it gets: the command reads page after page up to --limit,
 * passes --tenant, prints one line per cell or the JSON, and answers bad input with a usage error.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AccessHistoryEntry } from '../../../shared/state/types.js';
import { CliProcess } from '../cli-process.js';

vi.setConfig({ testTimeout: 60_000 });

/** Five entries, newest first, served two per page at most. */
const ENTRIES: AccessHistoryEntry[] = Array.from({ length: 5 }, (_, i) => ({
  tenant: i % 2 === 0 ? 'team-x' : 'team-y',
  method: 'GET',
  url: `http://h${i}.example`,
  change: i === 0 ? 'lost' : 'gained',
  ...(i === 0
    ? { from: { verdict: 'ALLOWED', via: 'tls-origination' } }
    : { to: { verdict: 'ALLOWED', via: 'tls-origination' } }),
  appliedAt: `2026-01-01T00:0${5 - i}:00.000Z`,
  run: { id: `run-${5 - i}`, kind: 'tenants', trigger: { type: 'pubsub', messageId: `m${i}` } },
}));

const queries: URLSearchParams[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const parsed = new URL(req.url ?? '/', 'http://x');
    res.setHeader('content-type', 'application/json');
    if (parsed.pathname === '/v1/environments/secret/access-history') {
      res.statusCode = 403;
      res.end(
        JSON.stringify({
          kind: 'forbidden',
          reason: 'not-environment-reader',
          message: 'user:x may not read environment secret',
        }),
      );
      return;
    }
    // It pages but does not filter by tenant: that is the API's (test/functions/access-history).
    queries.push(parsed.searchParams);
    const start = Number(parsed.searchParams.get('pageToken') ?? '0');
    const size = Math.min(2, Number(parsed.searchParams.get('limit')));
    const end = start + size;
    res.end(
      JSON.stringify({
        environmentId: 'tutorial',
        entries: ENTRIES.slice(start, end),
        ...(end < ENTRIES.length ? { nextPageToken: String(end) } : {}),
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

async function egressctl(...args: string[]): Promise<{ code: number | null; output: string }> {
  const cli = new CliProcess([...args, '--api-url', url]);
  const code = await cli.exited;
  return { code, output: cli.output };
}

describe('egressctl history', () => {
  it('reads page after page up to --limit and prints one line per cell, newest first', async () => {
    queries.length = 0;
    const shown = await egressctl('history', 'tutorial', '--limit', '3', '--tenant', 'team-x');
    expect(shown.code, shown.output).toBe(0);
    const lines = shown.output.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'environment tutorial: 3 access changes for tenant team-x (2 gained, 1 lost), newest first',
    );
    expect(lines.slice(2, 5).map((l) => l.split(/ +/).slice(0, 4).join(' '))).toEqual([
      '2026-01-01T00:05:00Z lost team-x GET',
      '2026-01-01T00:04:00Z gained team-y GET',
      '2026-01-01T00:03:00Z gained team-x GET',
    ]);
    expect(lines.at(-1)).toBe('more entries are recorded: raise --limit to see them');
    expect(queries.map((q) => [q.get('limit'), q.get('pageToken'), q.get('tenant')])).toEqual([
      ['3', null, 'team-x'],
      ['1', '2', 'team-x'],
    ]);
  });

  it('prints every entry as JSON with -o json', async () => {
    const shown = await egressctl('history', 'tutorial', '-o', 'json');
    expect(shown.code, shown.output).toBe(0);
    expect(JSON.parse(shown.output)).toEqual({ environmentId: 'tutorial', entries: ENTRIES });
  });

  it("answers a bad --limit with a usage error, and the API's refusal by its reason", async () => {
    const bad = await egressctl('history', 'tutorial', '--limit', '0');
    expect([bad.code, bad.output.trim()]).toEqual([
      2,
      '--limit must be a whole number >= 1, got "0"',
    ]);
    const refused = await egressctl('history', 'secret');
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('not-environment-reader');
  });
});

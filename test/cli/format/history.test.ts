import { describe, expect, it } from 'vitest';
import { formatAccessHistory, formatTrigger } from '../../../cli/format/history.js';
import type { AccessHistoryEntry } from '../../../shared/state/types.js';

const entry = (overrides: Partial<AccessHistoryEntry> = {}): AccessHistoryEntry => ({
  tenant: 'team-x',
  method: 'GET',
  url: 'http://example.com',
  change: 'gained',
  to: { verdict: 'ALLOWED', via: 'tls-origination' },
  appliedAt: '2026-01-01T00:00:00.000Z',
  run: { id: 'run-1', kind: 'provision', trigger: { type: 'http', caller: 'user:alice@x.dev' } },
  ...overrides,
});

describe('formatAccessHistory', () => {
  it('prints one aligned row per cell in the order given, with verdicts, run and trigger', () => {
    const text = formatAccessHistory('tutorial', [
      entry({
        tenant: 'team-y',
        url: 'http://httpbin.org/status/418',
        change: 'lost',
        from: { verdict: 'ALLOWED', via: 'plain-http' },
        to: { verdict: 'DENIED_RBAC' },
        appliedAt: '2026-01-02T10:30:05.123Z',
        run: { id: 'run-2', kind: 'tenants', trigger: { type: 'pubsub', messageId: '42' } },
      }),
      entry(),
    ]);
    expect(text).toBe(
      [
        'environment tutorial: 2 access changes (1 gained, 1 lost), newest first',
        'WHEN                  CHANGE  TENANT  REQUEST                            BEFORE → AFTER                    RUN    BY',
        '2026-01-02T10:30:05Z  lost    team-y  GET http://httpbin.org/status/418  ALLOWED plain-http → DENIED_RBAC  run-2  pubsub:42',
        '2026-01-01T00:00:00Z  gained  team-x  GET http://example.com             - → ALLOWED tls-origination       run-1  user:alice@x.dev',
        '',
      ].join('\n'),
    );
  });

  it('says so when nothing changed, names the tenant filter, and says when more are recorded', () => {
    expect(formatAccessHistory('empty', [])).toBe(
      'environment empty: 0 access changes, newest first\n',
    );
    const text = formatAccessHistory('tutorial', [entry()], { tenant: 'team-x', more: true });
    expect(text.split('\n')[0]).toBe(
      'environment tutorial: 1 access change for tenant team-x (1 gained), newest first',
    );
    expect(text).toMatch(/more entries are recorded: raise --limit to see them\n$/);
  });

  it('stays one line per cell at 1,000 entries; a very long URL does not widen every row', () => {
    const many = Array.from({ length: 1000 }, (_, i) =>
      entry({ tenant: `t-${String(i).padStart(4, '0')}`, url: `http://h${i}.example` }),
    );
    many[500] = entry({ tenant: 't-long', url: `http://long.example/${'p'.repeat(200)}` });
    const lines = formatAccessHistory('big', many).trimEnd().split('\n');
    expect(lines).toHaveLength(1002);
    expect(lines[2]).toMatch(
      /^2026-01-01T00:00:00Z {2}gained {2}t-0000 {2}GET http:\/\/h0\.example +- → /,
    );
    expect(lines[2]!.length).toBeLessThan(170);
    expect(lines[502]).toContain('p'.repeat(200));
  });

  it('names whose request it was: the caller, the Pub/Sub message, the build', () => {
    expect(formatTrigger({ type: 'http', caller: 'serviceAccount:b@p.iam' })).toBe(
      'serviceAccount:b@p.iam',
    );
    expect(formatTrigger({ type: 'pubsub', messageId: '7' })).toBe('pubsub:7');
    expect(formatTrigger({ type: 'build', buildId: 'b-1' })).toBe('build:b-1');
    expect(formatTrigger({ type: 'http' })).toBe('http');
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../../cli/commands/check.js';
import { runMatrix } from '../../../cli/analysis/matrix-report.js';
import { fixturesDir } from '../../shared/analysis/load-fixtures.js';

const objects = join(fixturesDir, 'tutorial', 'final-state.yaml');
const firewalls = join(fixturesDir, 'tutorial', 'firewalls.yaml');

describe('egressctl check and matrix', () => {
  it('check prints the verdict and the trace as text', async () => {
    const out = await runCheck('http://httpbin.org/status/418', {
      file: [objects],
      firewalls,
      from: 'team-y',
      output: 'text',
    });
    expect(out.split('\n')[0]).toBe(
      'team-y → http://httpbin.org:80/status/418 (GET): ALLOWED via plain-http',
    );
    expect(out).toContain('AuthorizationPolicy/istio-egress/egress-team-y-to-httpbin-teapot');
  });

  it('check -o json gives the verdict, via and trace', async () => {
    const out = await runCheck('https://93.184.215.14/', {
      file: [objects],
      firewalls,
      from: 'team-x',
      output: 'json',
    });
    const parsed = JSON.parse(out) as { verdict: string; trace: Array<{ stage: string }> };
    expect(parsed.verdict).toBe('DENIED_NETWORK');
    expect(parsed.trace.some((h) => h.stage === 'network-policy')).toBe(true);
  });

  it('check rejects a bad URL with a message naming the field', async () => {
    await expect(
      runCheck('nope', { file: [objects], firewalls, from: 'team-x', output: 'text' }),
    ).rejects.toThrow(/url: "nope" is not an absolute URL/);
  });

  it('check rejects a malformed firewall file naming the entry and field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'egressctl-check-'));
    const bad = join(dir, 'firewalls.yaml');
    writeFileSync(bad, '- {name: x, direction: SIDEWAYS}\n');
    try {
      await expect(
        runCheck('http://a.example', {
          file: [objects],
          firewalls: bad,
          from: 'team-x',
          output: 'text',
        }),
      ).rejects.toThrow(/firewalls\.yaml\[0\]\.direction: must be EGRESS or INGRESS/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('matrix -o json holds the table and the findings', async () => {
    const out = await runMatrix({ file: [objects], firewalls, output: 'json' });
    const parsed = JSON.parse(out) as { cells: unknown[]; findings: Array<{ kind: string }> };
    expect(parsed.cells.length).toBe(16);
    expect(
      parsed.findings.filter((f) => f.kind === 'passthrough-bypasses-http-policy'),
    ).toHaveLength(2);
  });

  it('matrix compiles Environment/Tenant specs when given them', async () => {
    const out = await runMatrix({
      file: [join(fixturesDir, '..', '..', '..', 'examples', 'tutorial')],
      output: 'text',
    });
    expect(out).toContain('objects compiled from Environment tutorial');
    expect(out).toMatch(/http:\/\/example\.com\/\s+ALLOWED \(tls-origination\)/);
  });
});

import { describe, expect, it } from 'vitest';
import { findings } from '../../../shared/analysis/findings.js';
import { matrix } from '../../../shared/analysis/matrix.js';
import { tutorialFirewalls, tutorialObjects } from './tutorial-fixture.js';

describe('findings on the tutorial final state', () => {
  const found = findings(tutorialObjects(), tutorialFirewalls());

  it('team-x reaches https://httpbin.org through egress-all-443', () => {
    const f = found.find(
      (x) =>
        x.kind === 'passthrough-bypasses-http-policy' &&
        x.tenant === 'team-x' &&
        x.host === 'httpbin.org',
    );
    expect(f?.message).toContain('egress-all-443');
    expect(f?.objects.map((o) => o.name)).toContain('egress-all-443');
  });

  it('team-y, limited to /status/418 over HTTP, reaches all of httpbin.org over HTTPS', () => {
    const f = found.find(
      (x) => x.kind === 'passthrough-bypasses-http-policy' && x.tenant === 'team-y',
    );
    expect(f?.host).toBe('httpbin.org');
    expect(f?.message).toContain('/status/418');
    expect(f?.objects.map((o) => o.name)).toEqual([
      'egress-team-y-to-httpbin-teapot',
      'egress-all-443',
    ]);
  });

  it('passthrough is environment-wide: team-y reaches example.com by addressing the gateway', () => {
    const f = found.find(
      (x) => x.kind === 'passthrough-environment-wide' && x.host === 'example.com',
    );
    expect(f?.message).toContain('team-y');
  });

  it('httpbin.org is exported to team-x, which is not granted it', () => {
    expect(
      found.some(
        (x) =>
          x.kind === 'exported-not-granted' && x.tenant === 'team-x' && x.host === 'httpbin.org',
      ),
    ).toBe(true);
    expect(found.some((x) => x.kind === 'exported-not-granted' && x.tenant === 'team-y')).toBe(
      false,
    );
  });

  it('flags the unrestricted ALLOW rule egress-all-443, and only it', () => {
    expect(
      found.filter((x) => x.kind === 'allow-rule-unrestricted').map((x) => x.objects[0]?.name),
    ).toEqual(['egress-all-443']);
  });

  it('without AuthorizationPolicies the gateway allows all', () => {
    const objects = tutorialObjects().filter((o) => o.kind !== 'AuthorizationPolicy');
    expect(
      findings(objects, tutorialFirewalls()).some((x) => x.kind === 'gateway-allows-all'),
    ).toBe(true);
    expect(found.some((x) => x.kind === 'gateway-allows-all')).toBe(false);
  });

  it('an SNI-scoped passthrough policy instead of egress-all-443 removes the bypass findings for httpbin', () => {
    const objects = tutorialObjects().map((o) =>
      o.metadata.name === 'egress-all-443'
        ? {
            ...o,
            spec: {
              rules: [
                {
                  when: [
                    { key: 'destination.port', values: ['8443'] },
                    { key: 'connection.sni', values: ['example.com'] },
                  ],
                },
              ],
            },
          }
        : o,
    );
    const fixed = findings(objects, tutorialFirewalls());
    expect(fixed.some((x) => x.kind === 'passthrough-bypasses-http-policy')).toBe(false);
    expect(fixed.some((x) => x.kind === 'allow-rule-unrestricted')).toBe(false);
  });
});

describe('matrix', () => {
  it('covers every tenant × granted host (http and https) plus ungranted samples', () => {
    const table = matrix(tutorialObjects(), tutorialFirewalls(), {
      sampleUngranted: ['ungranted.example.net'],
    });
    expect(table.tenants).toEqual(['team-x', 'team-y']);
    expect(table.urls).toEqual([
      'http://example.com/',
      'https://example.com/',
      'http://httpbin.org/',
      'https://httpbin.org/',
      'http://ungranted.example.net/',
      'https://ungranted.example.net/',
    ]);
    const verdict = (tenant: string, url: string) =>
      table.cells.find((c) => c.tenant === tenant && c.url === url)?.verdict;
    expect(verdict('team-x', 'http://example.com/')).toBe('ALLOWED');
    expect(verdict('team-y', 'http://example.com/')).toBe('DENIED_NO_ROUTE');
    expect(verdict('team-y', 'https://httpbin.org/')).toBe('ALLOWED');
    expect(table.cells.filter((c) => c.ungranted).every((c) => c.verdict !== 'ALLOWED')).toBe(true);
    expect(table.cells).toHaveLength(12);
  });
});

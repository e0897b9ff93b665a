import { describe, expect, it } from 'vitest';
import {
  expectedReachability,
  formatDifferences,
  formatReachabilityRow,
  keepsPromise,
  parseReachabilityRow,
  reachabilityProbes,
  verifyReachability,
} from '../../../shared/analysis/index.js';
import { desiredObjects } from '../../../shared/plan/mesh/index.js';
import type { Tenant } from '../../../shared/spec/index.js';
import { tutorialEnvironment, tutorialTenant } from '../kube/helpers.js';
import { tutorialEnvironmentTenant, tutorialObjects } from './tutorial-fixture.js';

const env = tutorialEnvironment();

/** A third tenant with every kind of rule the compiler accepts: ports, paths, methods, modes. */
function teamZ(): Tenant {
  return tutorialEnvironmentTenant('team-z', [
    { host: 'api.github.com', mode: 'tls-origination', methods: ['POST'], paths: ['/repos/*'] },
    { host: 'pypi.org', mode: 'passthrough' },
    { host: 'alt.example.com', mode: 'http', port: 8080 },
    { host: 'httpbin.org', mode: 'http', methods: ['GET'] },
  ]);
}

const tutorialTenants = () => [tutorialTenant('team-x'), tutorialTenant('team-y')];

describe('what the specs grant (expectedReachability)', () => {
  const y = tutorialTenant('team-y');
  const z = teamZ();

  it('grants a path-limited http host only on its path', () => {
    expect(
      expectedReachability(y, { url: 'http://httpbin.org/status/418', method: 'GET' }),
    ).toEqual({ allowed: true, via: 'plain-http' });
    expect(expectedReachability(y, { url: 'http://httpbin.org/', method: 'GET' })).toEqual({
      allowed: false,
    });
    // The app speaking TLS to an http-only grant is not the grant.
    expect(
      expectedReachability(y, { url: 'https://httpbin.org/status/418', method: 'GET' }),
    ).toEqual({ allowed: false });
  });

  it('honours methods, prefix paths and non-standard ports', () => {
    const post = { url: 'http://api.github.com/repos/x', method: 'POST' };
    expect(expectedReachability(z, post)).toEqual({ allowed: true, via: 'tls-origination' });
    expect(expectedReachability(z, { ...post, method: 'GET' })).toEqual({ allowed: false });
    expect(expectedReachability(z, { url: 'http://api.github.com/users', method: 'POST' })).toEqual(
      {
        allowed: false,
      },
    );
    expect(expectedReachability(z, { url: 'http://alt.example.com:8080/', method: 'GET' })).toEqual(
      {
        allowed: true,
        via: 'plain-http',
      },
    );
    expect(expectedReachability(z, { url: 'http://alt.example.com/', method: 'GET' })).toEqual({
      allowed: false,
    });
    expect(expectedReachability(z, { url: 'https://pypi.org/', method: 'GET' })).toEqual({
      allowed: true,
      via: 'passthrough',
    });
  });

  it('a passthrough host granted to one tenant is not granted to another through routing', () => {
    const x = tutorialTenant('team-x');
    expect(expectedReachability(x, { url: 'https://example.com/', method: 'GET' }).allowed).toBe(
      true,
    );
    expect(expectedReachability(y, { url: 'https://example.com/', method: 'GET' }).allowed).toBe(
      false,
    );
  });
});

describe('the probes and the recorded rows', () => {
  it('probe every tenant × granted host (http, https, granted ports and paths) and the ungranted samples', () => {
    const probes = reachabilityProbes(env, tutorialTenants());
    const teamY = probes.filter((p) => p.tenant === 'team-y').map((p) => `${p.method} ${p.url}`);
    expect(teamY).toEqual([
      'GET http://example.com/',
      'GET https://example.com/',
      'GET http://httpbin.org/',
      'GET https://httpbin.org/',
      'GET http://httpbin.org/status/418',
      'GET http://example.org/',
      'GET https://example.org/',
      'GET http://example.net/',
      'GET https://example.net/',
    ]);
    expect(probes.filter((p) => p.tenant === 'team-x')).toHaveLength(teamY.length);
    expect(probes.filter((p) => p.ungranted).map((p) => p.url)).toContain('http://example.org/');
  });

  it('an absent tenant is neither probed nor probed for', () => {
    const probes = reachabilityProbes(env, [
      tutorialTenant('team-x', 'absent'),
      tutorialTenant('team-y'),
    ]);
    expect(new Set(probes.map((p) => p.tenant))).toEqual(new Set(['team-y']));
    expect(probes.some((p) => p.url.includes('example.com'))).toBe(false);
  });

  it('a row reads back as it was written', () => {
    const probe = {
      tenant: 'team-y',
      method: 'GET',
      url: 'http://httpbin.org/status/418',
      ungranted: false,
    };
    const row = formatReachabilityRow(probe, {
      verdict: 'ALLOWED',
      via: 'plain-http',
      decidedBy: 'x',
    });
    expect(row).toBe('team-y GET http://httpbin.org/status/418 ALLOWED plain-http');
    expect(parseReachabilityRow(row)).toEqual({
      tenant: 'team-y',
      method: 'GET',
      url: 'http://httpbin.org/status/418',
      verdict: 'ALLOWED',
      via: 'plain-http',
    });
    expect(parseReachabilityRow('team-y GET http://x/ MAYBE')).toBeUndefined();
  });
});

describe('expected vs actual', () => {
  it('a denial of another kind keeps a denial; an allow by another path does not keep an allow', () => {
    const allowed = { allowed: true, via: 'tls-origination' as const };
    expect(keepsPromise({ allowed: false }, { verdict: 'DENIED_RBAC', decidedBy: '-' })).toBe(true);
    expect(keepsPromise({ allowed: false }, { verdict: 'DENIED_NO_ROUTE', decidedBy: '-' })).toBe(
      true,
    );
    expect(
      keepsPromise({ allowed: false }, { verdict: 'ALLOWED', via: 'passthrough', decidedBy: '-' }),
    ).toBe(false);
    expect(
      keepsPromise(allowed, { verdict: 'ALLOWED', via: 'tls-origination', decidedBy: '-' }),
    ).toBe(true);
    // Plain HTTP where TLS origination was granted leaves the host unencrypted: not the promise.
    expect(keepsPromise(allowed, { verdict: 'ALLOWED', via: 'plain-http', decidedBy: '-' })).toBe(
      false,
    );
    expect(keepsPromise(allowed, { verdict: 'DENIED_NETWORK', decidedBy: '-' })).toBe(false);
  });

  it("the compiler's objects keep every promise of the specs, for the tutorial and a tenant with every kind of rule", () => {
    for (const tenants of [tutorialTenants(), [...tutorialTenants(), teamZ()]]) {
      const result = verifyReachability(env, tenants, desiredObjects(env, tenants));
      expect(formatDifferences(result.differences)).toEqual([]);
      expect(result.rows).toContain('team-x GET http://example.com/ ALLOWED tls-origination');
      expect(result.rows).toContain('team-x GET https://example.com/ ALLOWED passthrough');
      expect(result.rows).toContain('team-y GET http://httpbin.org/status/418 ALLOWED plain-http');
      expect(result.rows).toContain('team-y GET http://httpbin.org/ DENIED_RBAC');
      expect(result.rows).toContain('team-y GET http://example.com/ DENIED_NO_ROUTE');
    }
    const all = [...tutorialTenants(), teamZ()];
    const rows = verifyReachability(env, all, desiredObjects(env, all)).rows;
    expect(rows).toContain('team-z POST http://api.github.com/repos/probe ALLOWED tls-origination');
    expect(rows).toContain('team-z GET http://alt.example.com:8080/ ALLOWED plain-http');
    expect(rows).toContain('team-z GET https://pypi.org/ ALLOWED passthrough');
    expect(rows).toContain('team-z POST http://api.github.com/ DENIED_RBAC');
  });

  it("the tutorial's own objects break the project's specs exactly where the README says: egress-all-443", () => {
    // The firewall rules are the environment's (the fixture's name PROJECT_ID, not this project).
    const result = verifyReachability(env, tutorialTenants(), tutorialObjects());
    expect(formatDifferences(result.differences)).toEqual([
      'team-x GET https://httpbin.org/: expected DENIED, actual ALLOWED via passthrough (decided by AuthorizationPolicy/istio-egress/egress-all-443)',
      'team-y GET https://httpbin.org/: expected DENIED, actual ALLOWED via passthrough (decided by AuthorizationPolicy/istio-egress/egress-all-443)',
    ]);
  });

  it('with the experimental istio-mutual passthrough every cell is compared, the passthrough ones included', () => {
    const mutual = {
      ...env,
      spec: { ...env.spec, mesh: { ...env.spec.mesh, passthroughMode: 'istio-mutual' as const } },
    };
    const tenants = tutorialTenants();
    const result = verifyReachability(mutual, tenants, desiredObjects(mutual, tenants));
    expect(result.rows).toContain('team-x GET https://example.com/ ALLOWED passthrough');
    expect(formatDifferences(result.differences)).toEqual([]);
    // The per-host passthrough policy is what grants it: without it the cell differs.
    const withoutPassthroughPolicy = desiredObjects(mutual, tenants).filter(
      (o) => !(o.kind === 'AuthorizationPolicy' && o.metadata.name.endsWith('-passthrough')),
    );
    const lines = formatDifferences(
      verifyReachability(mutual, tenants, withoutPassthroughPolicy).differences,
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^team-x GET https:\/\/example\.com\/: expected ALLOWED via passthrough, actual DENIED_RBAC /,
    );
  });

  it('an object deleted from the set shows as a difference naming the denying stage', () => {
    const tenants = tutorialTenants();
    const objects = desiredObjects(env, tenants).filter(
      (o) => !(o.kind === 'AuthorizationPolicy' && JSON.stringify(o).includes('team-y')),
    );
    const lines = formatDifferences(verifyReachability(env, tenants, objects).differences);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^team-y GET http:\/\/httpbin\.org\/status\/418: expected ALLOWED via plain-http, actual DENIED_RBAC \(decided by /,
    );
  });
});

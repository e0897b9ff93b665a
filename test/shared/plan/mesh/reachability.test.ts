import { describe, expect, it } from 'vitest';
import type { Verdict, Via } from '../../../../shared/analysis/analysis-context.js';
import { ReachabilityAnalyzer } from '../../../../shared/analysis/reachability.js';
import { formatHop } from '../../../../shared/analysis/trace.js';
import { desiredFirewalls } from '../../../../shared/plan/gcp/compute.js';
import { desiredObjects } from '../../../../shared/plan/mesh/index.js';
import type { Tenant } from '../../../../shared/spec/index.js';
import { tutorialEnvironment, tutorialTenants } from './tutorial.js';

/**
 * The compiled objects of examples/tutorial, run through the reachability analyzer
 * (shared/analysis) with the environment's own firewall rules: they must give the baseline's
 * "project" verdicts, where the tutorial's gaps are closed.
 */
const env = tutorialEnvironment();

function analyzer(tenants: Tenant[]): ReachabilityAnalyzer {
  return new ReachabilityAnalyzer(desiredObjects(env, tenants), desiredFirewalls(env));
}

const baseline: { from: string; url: string; verdict: Verdict; via?: Via }[] = [
  { from: 'team-x', url: 'http://example.com', verdict: 'ALLOWED', via: 'tls-origination' },
  { from: 'team-x', url: 'https://example.com', verdict: 'ALLOWED', via: 'passthrough' },
  // The tutorial answered 403 here; the host is not exported to team-x at all any more.
  { from: 'team-x', url: 'http://httpbin.org', verdict: 'DENIED_NO_ROUTE' },
  // The tutorial's gap (egress-all-443) is closed.
  { from: 'team-x', url: 'https://httpbin.org', verdict: 'DENIED_NO_ROUTE' },
  // The tutorial's gap (path limit bypassed over passthrough) is closed.
  { from: 'team-y', url: 'https://httpbin.org/anything', verdict: 'DENIED_NO_ROUTE' },
  { from: 'team-y', url: 'http://httpbin.org', verdict: 'DENIED_RBAC' },
  { from: 'team-y', url: 'http://httpbin.org/status/418', verdict: 'ALLOWED', via: 'plain-http' },
  { from: 'team-y', url: 'http://example.com', verdict: 'DENIED_NO_ROUTE' },
  { from: 'team-y', url: 'https://example.com', verdict: 'DENIED_NO_ROUTE' },
  {
    from: 'team-x',
    url: 'https://storage.googleapis.com',
    verdict: 'ALLOWED',
    via: 'private-google-access',
  },
  { from: 'team-x', url: 'https://93.184.215.14', verdict: 'DENIED_NETWORK' },
  { from: 'team-y', url: 'http://93.184.215.14', verdict: 'DENIED_NETWORK' },
];

describe('compiled tutorial: the project’s reachability baseline', () => {
  const tutorial = analyzer(tutorialTenants());
  for (const { from, url, verdict, via } of baseline) {
    it(`${from} → ${url}: ${verdict}${via ? ` (${via})` : ''}`, () => {
      const result = tutorial.can({ sourceNamespace: from, url });
      const trace = result.trace.map(formatHop).join('\n');
      expect(result.verdict, trace).toBe(verdict);
      expect(result.via, trace).toBe(via);
    });
  }

  it('admits passthrough by the environment-wide SNI policy, not by a blanket port rule', () => {
    const result = tutorial.can({ sourceNamespace: 'team-x', url: 'https://example.com' });
    const authz = result.trace.find(
      (h) => h.stage === 'authorization-policy' && h.decision === 'pass',
    );
    expect(authz?.object?.name).toBe('egress-gateway-passthrough-sni');
  });

  it('keeps team-y’s grant when team-x is offboarded, and closes team-x', () => {
    const [x, y] = tutorialTenants() as [Tenant, Tenant];
    const after = analyzer([{ ...x, spec: { ...x.spec, state: 'absent' } }, y]);
    expect(
      after.can({ sourceNamespace: 'team-y', url: 'http://httpbin.org/status/418' }).verdict,
    ).toBe('ALLOWED');
    expect(after.can({ sourceNamespace: 'team-y', url: 'https://example.com' }).verdict).not.toBe(
      'ALLOWED',
    );
  });
});

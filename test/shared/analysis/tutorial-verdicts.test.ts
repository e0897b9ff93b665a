import { describe, expect, it } from 'vitest';
import { ReachabilityAnalyzer } from '../../../shared/analysis/reachability.js';
import { formatHop } from '../../../shared/analysis/trace.js';
import { tutorialFirewalls, tutorialObjects } from './tutorial-fixture.js';

const analyzer = new ReachabilityAnalyzer(tutorialObjects(), tutorialFirewalls());

function check(from: string, url: string) {
  const result = analyzer.can({ sourceNamespace: from, url });
  return { ...result, text: result.trace.map(formatHop).join('\n') };
}

describe("the tutorial final state gives the tutorial's own verdicts", () => {
  it('team-x http://example.com: allowed, TLS originated to 443 by the gateway', () => {
    const r = check('team-x', 'http://example.com');
    expect(r.verdict, r.text).toBe('ALLOWED');
    expect(r.via).toBe('tls-origination');
    expect(r.text).toContain('AuthorizationPolicy/istio-egress/egress-team-x-to-example-com');
    expect(r.text).toContain('example.com:443');
    expect(r.text).toContain('DestinationRule/istio-egress/example-com-originate-tls');
  });

  it('team-x https://example.com: allowed, passthrough', () => {
    const r = check('team-x', 'https://example.com');
    expect(r.verdict, r.text).toBe('ALLOWED');
    expect(r.via).toBe('passthrough');
  });

  it('team-x http://httpbin.org: 403 RBAC', () => {
    const r = check('team-x', 'http://httpbin.org');
    expect(r.verdict, r.text).toBe('DENIED_RBAC');
    expect(
      r.trace.find((h) => h.stage === 'authorization-policy' && h.decision === 'deny'),
    ).toBeDefined();
  });

  it('team-x https://httpbin.org: allowed through egress-all-443', () => {
    const r = check('team-x', 'https://httpbin.org');
    expect(r.verdict, r.text).toBe('ALLOWED');
    expect(r.via).toBe('passthrough');
    const authz = r.trace.find((h) => h.stage === 'authorization-policy' && h.decision === 'pass');
    expect(authz?.object?.name).toBe('egress-all-443');
  });

  it('team-y https://httpbin.org/anything: allowed (path limit bypassed over passthrough)', () => {
    const r = check('team-y', 'https://httpbin.org/anything');
    expect(r.verdict, r.text).toBe('ALLOWED');
    expect(r.via).toBe('passthrough');
  });

  it('team-y http://httpbin.org: 403 RBAC', () => {
    expect(check('team-y', 'http://httpbin.org').verdict).toBe('DENIED_RBAC');
  });

  it('team-y http://httpbin.org/status/418: allowed, plain HTTP', () => {
    const r = check('team-y', 'http://httpbin.org/status/418');
    expect(r.verdict, r.text).toBe('ALLOWED');
    expect(r.via).toBe('plain-http');
    const authz = r.trace.find((h) => h.stage === 'authorization-policy' && h.decision === 'pass');
    expect(authz?.object?.name).toBe('egress-team-y-to-httpbin-teapot');
  });

  it('team-y http://example.com: no route (REGISTRY_ONLY, not exported)', () => {
    const r = check('team-y', 'http://example.com');
    expect(r.verdict, r.text).toBe('DENIED_NO_ROUTE');
    const deny = r.trace.find((h) => h.decision === 'deny');
    expect(deny?.stage).toBe('sidecar');
    expect(deny?.object).toEqual({ kind: 'Sidecar', namespace: 'team-y', name: 'default' });
  });

  it('team-x Cloud Storage: allowed via private Google access, not through the gateway', () => {
    const r = check('team-x', 'https://storage.googleapis.com');
    expect(r.verdict, r.text).toBe('ALLOWED');
    expect(r.via).toBe('private-google-access');
    expect(r.trace.some((h) => h.stage === 'gateway')).toBe(false);
    const firewall = r.trace.find((h) => h.stage === 'firewall');
    expect(firewall?.object?.name).toBe('allow-egress-gcp-apis');
    const netpol = r.trace.find((h) => h.stage === 'network-policy');
    expect(netpol?.object?.name).toBe('allow-egress-to-google-apis');
  });

  it('team-x pod to an external IP directly: denied by the network', () => {
    const r = check('team-x', 'https://93.184.215.14');
    expect(r.verdict, r.text).toBe('DENIED_NETWORK');
    expect(r.trace.find((h) => h.decision === 'deny')?.stage).toBe('network-policy');
  });

  it('team-y pod (no NetworkPolicy) to an external IP directly: denied by the VPC firewall', () => {
    const r = check('team-y', 'http://93.184.215.14');
    expect(r.verdict, r.text).toBe('DENIED_NETWORK');
    const deny = r.trace.find((h) => h.decision === 'deny');
    expect(deny?.stage).toBe('firewall');
    expect(deny?.object?.name).toBe('global-deny-egress-all');
  });

  it('notes that the egress gateway Service is assumed from the tutorial contract', () => {
    const r = check('team-x', 'http://example.com');
    expect(r.text).toMatch(/assuming the tutorial's contract/);
  });
});

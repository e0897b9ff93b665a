import { describe, expect, it } from 'vitest';
import { exportedTo, hostMatches } from '../../../shared/analysis/istio-match.js';
import { ReachabilityAnalyzer } from '../../../shared/analysis/reachability.js';
import type { KubeObject } from '../../../shared/plan/kube-object.js';
import { tutorialFirewalls, tutorialObjects } from './tutorial-fixture.js';

function obj(
  kind: string,
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
): KubeObject {
  return { apiVersion: 'networking.istio.io/v1beta1', kind, metadata: { name, namespace }, spec };
}

const fooEntry = (exportTo?: string[]) =>
  obj('ServiceEntry', 'shared', 'foo', {
    hosts: ['foo.example.com'],
    ports: [{ number: 80, name: 'http', protocol: 'HTTP' }],
    resolution: 'DNS',
    ...(exportTo ? { exportTo } : {}),
  });

describe('Sidecar selection and exportTo', () => {
  const objects = [
    fooEntry(),
    obj('Sidecar', 'a', 'namespace-wide', {
      outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
      egress: [{ hosts: ['./*'] }],
    }),
    obj('Sidecar', 'a', 'for-x', {
      workloadSelector: { labels: { app: 'x' } },
      outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
      egress: [{ hosts: ['shared/*'] }],
    }),
    obj('Sidecar', 'istio-system', 'root', {
      outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
      egress: [{ hosts: ['~/*'] }],
    }),
  ];
  const analyzer = new ReachabilityAnalyzer(objects, []);

  it('a workloadSelector Sidecar beats the namespace-wide one', () => {
    const r = analyzer.can({
      sourceNamespace: 'a',
      url: 'http://foo.example.com',
      sourceLabels: { app: 'x' },
    });
    expect(r.verdict).toBe('ALLOWED');
    expect(r.trace.find((h) => h.stage === 'sidecar')?.rule).toContain('Sidecar a/for-x');
  });

  it('the namespace-wide Sidecar applies to other pods of the namespace', () => {
    const r = analyzer.can({ sourceNamespace: 'a', url: 'http://foo.example.com' });
    expect(r.verdict).toBe('DENIED_NO_ROUTE');
    expect(r.trace.find((h) => h.decision === 'deny')?.object?.name).toBe('namespace-wide');
  });

  it('the root namespace Sidecar applies to namespaces without their own', () => {
    const r = analyzer.can({ sourceNamespace: 'b', url: 'http://foo.example.com' });
    expect(r.verdict).toBe('DENIED_NO_ROUTE');
    expect(r.trace.find((h) => h.decision === 'deny')?.object).toEqual({
      kind: 'Sidecar',
      namespace: 'istio-system',
      name: 'root',
    });
  });

  it('without any Sidecar the mesh default ALLOW_ANY passes unknown hosts through', () => {
    const r = new ReachabilityAnalyzer([], []).can({
      sourceNamespace: 'c',
      url: 'http://unknown.example.net',
    });
    expect(r.verdict).toBe('ALLOWED');
    expect(r.trace.find((h) => h.stage === 'sidecar')?.rule).toMatch(/ALLOW_ANY/);
  });

  it("exportTo '.' hides a ServiceEntry from other namespaces", () => {
    const sidecar = obj('Sidecar', 'a', 'all', {
      outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
      egress: [{ hosts: ['*/*'] }],
    });
    const hidden = new ReachabilityAnalyzer([fooEntry(['.']), sidecar], []);
    expect(hidden.can({ sourceNamespace: 'a', url: 'http://foo.example.com' }).verdict).toBe(
      'DENIED_NO_ROUTE',
    );
    const shown = new ReachabilityAnalyzer([fooEntry(['a']), sidecar], []);
    expect(shown.can({ sourceNamespace: 'a', url: 'http://foo.example.com' }).verdict).toBe(
      'ALLOWED',
    );
  });

  it('exportedTo and hostMatches follow the Istio rules', () => {
    expect(exportedTo(undefined, 'x', 'y')).toBe(true);
    expect(exportedTo(['.'], 'x', 'x')).toBe(true);
    expect(exportedTo(['.'], 'x', 'y')).toBe(false);
    expect(exportedTo(['~'], 'x', 'x')).toBe(false);
    expect(hostMatches('*.example.com', 'a.example.com')).toBe(true);
    expect(hostMatches('*.example.com', 'example.com')).toBe(false);
    expect(hostMatches('*.example.com', 'example.com', true)).toBe(true);
  });
});

describe('VirtualService match precedence', () => {
  const vs = obj('VirtualService', 'shared', 'foo', {
    hosts: ['foo.example.com'],
    http: [
      {
        match: [{ uri: { prefix: '/a' } }],
        route: [{ destination: { host: 'foo.example.com', subset: 'missing' } }],
      },
      {
        match: [{ gateways: ['istio-egress/egress-gateway'], port: 80 }],
        route: [{ destination: { host: 'elsewhere.example.com' } }],
      },
      { route: [{ destination: { host: 'foo.example.com' } }] },
    ],
  });
  const analyzer = new ReachabilityAnalyzer([fooEntry(), vs], []);

  it('the first matching http rule wins', () => {
    const r = analyzer.can({ sourceNamespace: 'a', url: 'http://foo.example.com/a/b' });
    expect(r.trace.find((h) => h.stage === 'virtual-service')?.rule).toMatch(/^http\[0\]/);
  });

  it('a rule whose match names only a gateway does not apply at mesh; omitted gateways mean mesh', () => {
    const r = analyzer.can({ sourceNamespace: 'a', url: 'http://foo.example.com/b' });
    expect(r.verdict).toBe('ALLOWED');
    expect(r.trace.find((h) => h.stage === 'virtual-service')?.rule).toMatch(/^http\[2\]/);
  });

  it('a VirtualService whose top-level gateways omit mesh does not bind sidecars', () => {
    const gatewayOnly = obj('VirtualService', 'shared', 'gw-only', {
      hosts: ['foo.example.com'],
      gateways: ['istio-egress/egress-gateway'],
      http: [{ route: [{ destination: { host: 'foo.example.com' } }] }],
    });
    const r = new ReachabilityAnalyzer([fooEntry(), gatewayOnly], []).can({
      sourceNamespace: 'a',
      url: 'http://foo.example.com/',
    });
    expect(r.trace.find((h) => h.stage === 'virtual-service')?.rule).toMatch(
      /no VirtualService .* at mesh/,
    );
  });
});

describe('destination.port is the gateway pod targetPort, not the Service port', () => {
  const gatewayService = (http: number, https: number): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'istio-egressgateway', namespace: 'istio-egress' },
    spec: {
      selector: { istio: 'egress' },
      ports: [
        { name: 'http', port: 80, targetPort: http },
        { name: 'https', port: 443, targetPort: https },
      ],
    },
  });

  it("with the tutorial's 80→8080 mapping the teapot policy (destination.port 8080) allows", () => {
    const r = new ReachabilityAnalyzer(
      [...tutorialObjects(), gatewayService(8080, 8443)],
      tutorialFirewalls(),
    ).can({
      sourceNamespace: 'team-y',
      url: 'http://httpbin.org/status/418',
    });
    expect(r.verdict).toBe('ALLOWED');
    expect(r.trace.some((h) => /assuming the tutorial's contract/.test(h.rule))).toBe(false);
  });

  it('with 80→9080 the same policy no longer matches: RBAC denies', () => {
    const r = new ReachabilityAnalyzer(
      [...tutorialObjects(), gatewayService(9080, 9443)],
      tutorialFirewalls(),
    ).can({
      sourceNamespace: 'team-y',
      url: 'http://httpbin.org/status/418',
    });
    expect(r.verdict).toBe('DENIED_RBAC');
    expect(r.trace.find((h) => h.stage === 'gateway' && h.decision === 'pass')?.rule).toContain(
      'pod port 9080',
    );
  });
});

describe('request validation', () => {
  const analyzer = new ReachabilityAnalyzer([], []);
  it('names the field and the rule', () => {
    expect(() => analyzer.can({ sourceNamespace: 'a', url: 'ftp://x' })).toThrow(
      /^url: scheme "ftp" is not http or https/,
    );
    expect(() => analyzer.can({ sourceNamespace: 'a', host: 'x', port: 70000 })).toThrow(
      /^port: must be an integer/,
    );
    expect(() => analyzer.can({ sourceNamespace: '', url: 'http://x' })).toThrow(
      /^sourceNamespace: required/,
    );
  });
});

import { describe, expect, it } from 'vitest';
import {
  analyzerOptionsFor,
  findings,
  formatDifferences,
  matrix,
  ReachabilityAnalyzer,
  type ReachabilityResult,
  verifyReachability,
} from '../../../shared/analysis/index.js';
import { formatHop } from '../../../shared/analysis/trace.js';
import { desiredFirewalls } from '../../../shared/plan/gcp/compute.js';
import type { KubeObject } from '../../../shared/plan/kube-object.js';
import { desiredObjects } from '../../../shared/plan/mesh/index.js';
import type { Environment } from '../../../shared/spec/environment.js';
import type { Tenant } from '../../../shared/spec/index.js';
import { tutorialEnvironment, tutorialTenant } from '../kube/helpers.js';
import { tutorialEnvironmentTenant } from './tutorial-fixture.js';

/**
 * The experimental `mesh.passthroughMode: istio-mutual`, walked on the compiler's own objects:
 * team-x is granted https://example.com as passthrough (tutorial), team-z example.com only over
 * TLS origination plus pypi.org as passthrough, team-y neither.
 */
function withPassthroughMode(mode: 'plain' | 'istio-mutual'): Environment {
  const env = tutorialEnvironment();
  return { ...env, spec: { ...env.spec, mesh: { ...env.spec.mesh, passthroughMode: mode } } };
}

function teamZ(): Tenant {
  return tutorialEnvironmentTenant('team-z', [
    { host: 'example.com', mode: 'tls-origination' },
    { host: 'pypi.org', mode: 'passthrough' },
  ]);
}

const env = withPassthroughMode('istio-mutual');
const tenants = [tutorialTenant('team-x'), tutorialTenant('team-y'), teamZ()];
const compiled = desiredObjects(env, tenants);
const MUTUAL = 'egress-mtls-example-com';
const TEAM_X_PASSTHROUGH = 'egress-team-x-to-example-com-passthrough';

function analyzer(objects: readonly KubeObject[] = compiled, at: Environment = env) {
  return new ReachabilityAnalyzer(objects, desiredFirewalls(at), analyzerOptionsFor(at));
}

/** team-x's https://example.com, the request every mutual-TLS case walks. */
function teamXOverTls(objects: readonly KubeObject[]): ReachabilityResult {
  return analyzer(objects).can({ sourceNamespace: 'team-x', url: 'https://example.com/' });
}

function lines(result: ReachabilityResult): string[] {
  return result.trace.map(formatHop);
}

/** The compiled objects with one object replaced by `change(object)`. */
function changed(kind: string, name: string, change: (spec: Record<string, unknown>) => unknown) {
  let found = false;
  const objects = compiled.map((o) => {
    if (o.kind !== kind || o.metadata.name !== name) return o;
    found = true;
    const spec = structuredClone(o.spec) as Record<string, unknown>;
    return { ...o, spec: change(spec) } as KubeObject;
  });
  expect(found, `${kind} ${name} in the compiled objects`).toBe(true);
  return objects;
}

/** The wrapping DestinationRule's subset port settings, edited. */
function mutualTls(edit: (tls: Record<string, unknown>) => void) {
  return changed('DestinationRule', MUTUAL, (spec) => {
    const subsets = spec.subsets as Array<{
      trafficPolicy: { portLevelSettings: Array<{ tls: Record<string, unknown> }> };
    }>;
    edit(subsets[0]!.trafficPolicy.portLevelSettings[0]!.tls);
    return spec;
  });
}

/** A DestinationRule a tenant writes in its own namespace to wrap a stream as the product does. */
function ownWrappingRule(namespace: string): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: 'wrap-like-the-product', namespace },
    spec: {
      host: `${MUTUAL}.istio-egress.svc.cluster.local`,
      trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL', sni: 'example.com' } },
    },
  };
}

describe('istio-mutual passthrough, hop by hop', () => {
  it('the granted tenant is ALLOWED via passthrough: DR ISTIO_MUTUAL+sni, ISTIO_MUTUAL server, tcp route, its own policy', () => {
    const result = analyzer().can({ sourceNamespace: 'team-x', url: 'https://example.com/' });
    expect(result).toMatchObject({ verdict: 'ALLOWED', via: 'passthrough' });
    expect(lines(result)).toEqual([
      '[network-policy] PASS NetworkPolicy/team-x/allow-egress-to-control-plane: egress to istio-egress/egress-mtls-example-com pods TCP 28678 admitted',
      '[sidecar] PASS ServiceEntry/istio-egress/example-com-ext: example.com:443 is in the registry of team-x (Sidecar team-x/default, REGISTRY_ONLY)',
      '[virtual-service] PASS VirtualService/istio-egress/example-com-through-egress-gateway: tls[0] match[0] at mesh → egress-mtls-example-com.istio-egress.svc.cluster.local:28678 subset istio-mutual',
      '[destination-rule] PASS DestinationRule/istio-egress/egress-mtls-example-com: subset istio-mutual port 28678: tls ISTIO_MUTUAL sni example.com',
      "[gateway] PASS Gateway/istio-egress/egress-mtls-example-com: servers[0] port 28678 TLS tls ISTIO_MUTUAL (pod port 28678): terminates the sidecar's mTLS (SNI example.com) and forwards the app's TLS stream as it is",
      '[virtual-service] PASS VirtualService/istio-egress/example-com-through-egress-gateway: tcp[0] match[0] at istio-egress/egress-mtls-example-com → example.com:443',
      '[authorization-policy] INFO: passthrough wrapped in Istio mTLS: the gateway sees principal cluster.local/ns/team-x/sa/default (namespace team-x) and SNI example.com',
      `[authorization-policy] PASS AuthorizationPolicy/istio-egress/${TEAM_X_PASSTHROUGH}: ALLOW rules[0] matches`,
      '[dns] INFO: example.com resolves to a public address (assumed 203.0.113.10)',
      '[firewall] PASS Firewall/gateway-allow-egress-web: egress from nodes running as sa-gateway-nodes@tutorial-project.iam.gserviceaccount.com to 203.0.113.10 tcp:443: allow tcp:443 to 0.0.0.0/0 at priority 1000',
    ]);
  });

  it('a tenant whose routing reaches the wrapped port but holds no passthrough grant is DENIED_RBAC: the gateway knows who it is', () => {
    const result = analyzer().can({ sourceNamespace: 'team-z', url: 'https://example.com/' });
    expect(result.verdict).toBe('DENIED_RBAC');
    expect(lines(result)).toContain(
      '[authorization-policy] INFO: passthrough wrapped in Istio mTLS: the gateway sees principal cluster.local/ns/team-z/sa/default (namespace team-z) and SNI example.com',
    );
    expect(result.trace.at(-1)).toMatchObject({ stage: 'authorization-policy', decision: 'deny' });
    // Its own wrapped host, and its TLS-originated grant of example.com, still work.
    expect(analyzer().can({ sourceNamespace: 'team-z', url: 'https://pypi.org/' })).toMatchObject({
      verdict: 'ALLOWED',
      via: 'passthrough',
    });
    expect(analyzer().can({ sourceNamespace: 'team-z', url: 'http://example.com/' })).toMatchObject(
      { verdict: 'ALLOWED', via: 'tls-origination' },
    );
  });

  it('a tenant the host is not exported to is DENIED_NO_ROUTE at its sidecar', () => {
    const result = analyzer().can({ sourceNamespace: 'team-y', url: 'https://example.com/' });
    expect(result.verdict).toBe('DENIED_NO_ROUTE');
    expect(result.trace).toHaveLength(1);
    expect(result.trace[0]).toMatchObject({
      stage: 'sidecar',
      decision: 'deny',
      object: { kind: 'Sidecar', namespace: 'team-y', name: 'default' },
    });
  });

  it('the verdict follows the policy, not the routing: a policy naming team-z instead of team-x swaps them', () => {
    const swapped = changed('AuthorizationPolicy', TEAM_X_PASSTHROUGH, (spec) =>
      JSON.parse(JSON.stringify(spec).replace('"team-x"', '"team-z"')),
    );
    const x = analyzer(swapped).can({ sourceNamespace: 'team-x', url: 'https://example.com/' });
    const z = analyzer(swapped).can({ sourceNamespace: 'team-z', url: 'https://example.com/' });
    expect(x.verdict).toBe('DENIED_RBAC');
    expect(z).toMatchObject({ verdict: 'ALLOWED', via: 'passthrough' });
    expect(
      z.trace.find((h) => h.stage === 'authorization-policy' && h.decision === 'pass'),
    ).toMatchObject({ object: { name: TEAM_X_PASSTHROUGH } });
  });

  it('a sidecar that does not send Istio mTLS to the ISTIO_MUTUAL server fails the handshake', () => {
    const objects = mutualTls((tls) => {
      tls.mode = 'DISABLE';
    });
    const result = teamXOverTls(objects);
    expect(result.verdict).toBe('DENIED_NETWORK');
    expect(lines(result).at(-1)).toBe(
      '[gateway] DENY Gateway/istio-egress/egress-mtls-example-com: servers[0] expects ISTIO_MUTUAL; the sidecar sends DISABLE: handshake fails',
    );
  });

  it("without tls.sni the sidecar sends Istio's cluster name as SNI, which the server's host does not match", () => {
    const objects = mutualTls((tls) => {
      delete tls.sni;
    });
    const result = teamXOverTls(objects);
    expect(result.verdict).toBe('DENIED_NO_ROUTE');
    expect(result.trace.at(-1)).toMatchObject({ stage: 'gateway', decision: 'deny' });
    expect(result.trace.at(-1)?.rule).toContain(
      "the sidecar's SNI outbound_.28678_.istio-mutual_.egress-mtls-example-com.istio-egress.svc.cluster.local",
    );
  });

  it('the subset missing for the client is 503 NR', () => {
    const objects = changed('DestinationRule', MUTUAL, (spec) => ({ ...spec, subsets: [] }));
    const result = teamXOverTls(objects);
    expect(result.verdict).toBe('DENIED_NO_ROUTE');
    expect(lines(result).at(-1)).toBe(
      '[destination-rule] DENY DestinationRule/istio-egress/egress-mtls-example-com: no subset istio-mutual: 503 NR',
    );
  });
});

describe('istio-mutual passthrough: an app addressing the gateway directly', () => {
  it('lists every Service port of the gateway pods as an entrance, the wrapped ports included', () => {
    expect(analyzer().gatewayEntrances()).toEqual([
      { service: 'istio-egressgateway', port: 443 },
      { service: 'istio-egressgateway', port: 80 },
      { service: 'egress-mtls-example-com', port: 28678 },
      { service: 'egress-mtls-pypi-org', port: expect.any(Number) },
    ]);
  });

  it("unwrapped, the app's TLS fails the ISTIO_MUTUAL handshake; wrapped by a rule of its own, its identity is denied", () => {
    const entrance = { service: MUTUAL, port: 28678 };
    const bare = analyzer().canViaGatewayDirectly('team-y', 'example.com', entrance);
    expect(bare.verdict).toBe('DENIED_NETWORK');
    const spoofing = [...compiled, ownWrappingRule('team-y')];
    const wrapped = analyzer(spoofing).canViaGatewayDirectly('team-y', 'example.com', entrance);
    expect(wrapped.verdict).toBe('DENIED_RBAC');
    expect(wrapped.trace).toContainEqual(
      expect.objectContaining({
        stage: 'destination-rule',
        object: { kind: 'DestinationRule', namespace: 'team-y', name: 'wrap-like-the-product' },
      }),
    );
    // Every entrance tried: none lets team-y through.
    expect(analyzer(spoofing).canViaGatewayDirectly('team-y', 'example.com').verdict).not.toBe(
      'ALLOWED',
    );
  });
});

describe('istio-mutual passthrough: matrix, findings, and the comparison with the specs', () => {
  it('the matrix grants each passthrough host only to its tenants', () => {
    const table = matrix(compiled, desiredFirewalls(env), {}, analyzerOptionsFor(env));
    const cell = (tenant: string, url: string) =>
      table.cells.find((c) => c.tenant === tenant && c.url === url);
    expect(table.tenants).toEqual(['team-x', 'team-y', 'team-z']);
    expect(cell('team-x', 'https://example.com/')).toMatchObject({
      verdict: 'ALLOWED',
      via: 'passthrough',
    });
    expect(cell('team-y', 'https://example.com/')?.verdict).toBe('DENIED_NO_ROUTE');
    expect(cell('team-z', 'https://example.com/')?.verdict).toBe('DENIED_RBAC');
    expect(cell('team-z', 'https://pypi.org/')).toMatchObject({
      verdict: 'ALLOWED',
      via: 'passthrough',
    });
    expect(cell('team-x', 'https://pypi.org/')?.verdict).toBe('DENIED_NO_ROUTE');
    expect(
      table.cells.filter((c) => c.verdict === 'ALLOWED' && c.via === 'passthrough').length,
    ).toBe(2);
  });

  it('no "passthrough is environment-wide" finding when the objects restrict it per tenant; the plain mode keeps it', () => {
    const wide = (objects: readonly KubeObject[], at: Environment) =>
      findings(objects, desiredFirewalls(at), analyzerOptionsFor(at)).filter(
        (f) => f.kind === 'passthrough-environment-wide',
      );
    expect(wide(compiled, env)).toEqual([]);
    expect(wide([...compiled, ownWrappingRule('team-y')], env)).toEqual([]);
    const plain = withPassthroughMode('plain');
    expect(wide(desiredObjects(plain, tenants), plain).map((f) => f.host)).toEqual([
      'example.com',
      'pypi.org',
    ]);
  });

  it('the finding fires on an istio-mutual environment whose per-tenant policy names no source', () => {
    const open = changed('AuthorizationPolicy', TEAM_X_PASSTHROUGH, (spec) => ({
      ...spec,
      rules: (spec.rules as Array<Record<string, unknown>>).map(({ from: _from, ...rest }) => rest),
    }));
    const found = findings(
      [...open, ownWrappingRule('team-y')],
      desiredFirewalls(env),
      analyzerOptionsFor(env),
    ).filter((f) => f.kind === 'passthrough-environment-wide');
    expect(found).toHaveLength(1);
    expect(found[0]?.host).toBe('example.com');
    expect(found[0]?.message).toContain('team-y reaches https://example.com');
  });

  it('verifyReachability compares the passthrough cells too: none differ on the compiled objects, a swapped policy differs', () => {
    expect(formatDifferences(verifyReachability(env, tenants, compiled).differences)).toEqual([]);
    const swapped = changed('AuthorizationPolicy', TEAM_X_PASSTHROUGH, (spec) =>
      JSON.parse(JSON.stringify(spec).replace('"team-x"', '"team-z"')),
    );
    const [lost, gained, ...rest] = formatDifferences(
      verifyReachability(env, tenants, swapped).differences,
    );
    expect(lost).toMatch(
      /^team-x GET https:\/\/example\.com\/: expected ALLOWED via passthrough, actual DENIED_RBAC \(decided by \(authorization-policy: no rule of the 6 ALLOW policies matches/,
    );
    expect(gained).toBe(
      `team-z GET https://example.com/: expected DENIED, actual ALLOWED via passthrough (decided by AuthorizationPolicy/istio-egress/${TEAM_X_PASSTHROUGH})`,
    );
    expect(rest).toEqual([]);
  });
});

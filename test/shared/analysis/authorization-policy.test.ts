import { describe, expect, it } from 'vitest';
import {
  type AuthorizationRequest,
  applicableAuthorizationPolicies,
  decideAuthorization,
} from '../../../shared/analysis/authorization-policy.js';
import type { KubeObject } from '../../../shared/plan/kube-object.js';

function policy(
  name: string,
  spec: Record<string, unknown>,
  namespace = 'istio-egress',
): KubeObject {
  return {
    apiVersion: 'security.istio.io/v1beta1',
    kind: 'AuthorizationPolicy',
    metadata: { name, namespace },
    spec,
  };
}

const httpRequest: AuthorizationRequest = {
  http: true,
  sourceNamespace: 'team-a',
  sourcePrincipal: 'cluster.local/ns/team-a/sa/default',
  host: 'api.example.com',
  method: 'GET',
  path: '/v1/items',
  port: 8080,
};

const tlsRequest: AuthorizationRequest = { http: false, port: 8443, sni: 'api.example.com' };

const allowTeamA = policy('allow-team-a', {
  rules: [
    {
      from: [{ source: { namespaces: ['team-a'] } }],
      to: [{ operation: { hosts: ['api.example.com'] } }],
    },
  ],
});

describe('AuthorizationPolicy order CUSTOM → DENY → ALLOW', () => {
  it('allows when no ALLOW policy applies', () => {
    const d = decideAuthorization([], httpRequest);
    expect(d.allowed).toBe(true);
    expect(d.hop.rule).toMatch(/no ALLOW policy/);
  });

  it('allows when an ALLOW rule matches, naming the policy', () => {
    const d = decideAuthorization([allowTeamA], httpRequest);
    expect(d.allowed).toBe(true);
    expect(d.hop.object?.name).toBe('allow-team-a');
  });

  it('denies when ALLOW policies exist and none matches', () => {
    const d = decideAuthorization([allowTeamA], { ...httpRequest, sourceNamespace: 'team-b' });
    expect(d.allowed).toBe(false);
    expect(d.hop.rule).toMatch(/RBAC: access denied/);
  });

  it('a matching DENY wins over a matching ALLOW', () => {
    const deny = policy('deny-admin', {
      action: 'DENY',
      rules: [{ to: [{ operation: { paths: ['/v1/*'] } }] }],
    });
    const d = decideAuthorization([allowTeamA, deny], httpRequest);
    expect(d.allowed).toBe(false);
    expect(d.hop.object?.name).toBe('deny-admin');
  });

  it('a matching CUSTOM is evaluated before DENY and ALLOW', () => {
    const custom = policy('ext-authz', {
      action: 'CUSTOM',
      provider: { name: 'opa' },
      rules: [{}],
    });
    const deny = policy('deny-all', { action: 'DENY', rules: [{}] });
    const d = decideAuthorization([allowTeamA, deny, custom], httpRequest);
    expect(d.allowed).toBe(false);
    expect(d.hop.object?.name).toBe('ext-authz');
  });

  it('an ALLOW policy without rules allows nothing; rules: [{}] allows everything', () => {
    expect(decideAuthorization([policy('nothing', {})], httpRequest).allowed).toBe(false);
    expect(decideAuthorization([policy('all', { rules: [{}] })], httpRequest).allowed).toBe(true);
  });

  it('prefix, suffix and not-values follow Istio string matching', () => {
    const p = policy('p', {
      rules: [{ to: [{ operation: { hosts: ['*.example.com'], notPaths: ['/admin*'] } }] }],
    });
    expect(decideAuthorization([p], httpRequest).allowed).toBe(true);
    expect(decideAuthorization([p], { ...httpRequest, path: '/admin/x' }).allowed).toBe(false);
  });
});

describe('HTTP attributes on TCP/passthrough traffic', () => {
  it('an ALLOW rule with paths cannot match TCP traffic', () => {
    const p = policy('paths', { rules: [{ to: [{ operation: { paths: ['/status/418'] } }] }] });
    expect(decideAuthorization([p], tlsRequest).allowed).toBe(false);
  });

  it('a DENY rule with ports and methods denies all TCP on that port', () => {
    const deny = policy('deny-post', {
      action: 'DENY',
      rules: [{ to: [{ operation: { ports: ['8443'], methods: ['POST'] } }] }],
    });
    const allowAll = policy('all', { rules: [{}] });
    expect(decideAuthorization([allowAll, deny], tlsRequest).allowed).toBe(false);
    expect(decideAuthorization([allowAll, deny], { ...tlsRequest, port: 9443 }).allowed).toBe(true);
  });

  it('source.namespace is unknown without Istio mTLS, so a namespace-scoped ALLOW cannot match', () => {
    const p = policy('ns', { rules: [{ from: [{ source: { namespaces: ['team-a'] } }] }] });
    expect(decideAuthorization([p], tlsRequest).allowed).toBe(false);
    expect(decideAuthorization([p], httpRequest).allowed).toBe(true);
  });

  it('connection.sni conditions match the passthrough SNI', () => {
    const p = policy('sni', {
      rules: [
        {
          when: [
            { key: 'connection.sni', values: ['api.example.com'] },
            { key: 'destination.port', values: ['8443'] },
          ],
        },
      ],
    });
    expect(decideAuthorization([p], tlsRequest).allowed).toBe(true);
    expect(decideAuthorization([p], { ...tlsRequest, sni: 'other.example.com' }).allowed).toBe(
      false,
    );
  });
});

describe('which policies apply to a workload', () => {
  it('takes root-namespace and own-namespace policies, narrowed by selector', () => {
    const objects = [
      policy('mesh-wide', { rules: [{}] }, 'istio-system'),
      policy('gateway', { selector: { matchLabels: { istio: 'egress' } }, rules: [{}] }),
      policy('other-workload', { selector: { matchLabels: { app: 'x' } }, rules: [{}] }),
      policy('other-namespace', { rules: [{}] }, 'team-a'),
    ];
    const names = applicableAuthorizationPolicies(
      objects,
      'istio-egress',
      { istio: 'egress' },
      'istio-system',
    ).map((p) => p.metadata.name);
    expect(names).toEqual(['mesh-wide', 'gateway']);
  });
});

/**
 * The analyzer's indexes (issue 18) answer exactly what the straightforward scans answered, on
 * generated environments of hundreds of tenants sharing hosts, with and without consent between
 * them, in both passthrough modes, plus objects the compiler never writes (unusual-objects.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  applicableAuthorizationPolicies,
  type AuthorizationRequest,
  decideAuthorization,
  WorkloadAuthorization,
} from '../../../shared/analysis/authorization-policy.js';
import { findings, gatewayRoutedHosts } from '../../../shared/analysis/findings.js';
import { exportedTo } from '../../../shared/analysis/istio-match.js';
import { specOf, stringsOf } from '../../../shared/analysis/object-access.js';
import { ObjectIndex } from '../../../shared/analysis/object-index.js';
import type { KubeObject } from '../../../shared/plan/kube-object.js';
import {
  generateEnvironment,
  type GeneratedShape,
  poolHost,
} from '../../../bench/generated-environment.js';
import { referenceFindings } from './reference-findings.js';
import { unusualObjects } from './unusual-objects.js';

/** A generated environment with the unusual objects before and after the compiled ones. */
function environmentWithUnusual(shape: Partial<GeneratedShape> & { tenants: number }) {
  const generated = generateEnvironment(shape);
  const unusual = unusualObjects();
  return {
    ...generated,
    objects: [...unusual.slice(0, 4), ...generated.objects, ...unusual.slice(4)],
  };
}

const GATEWAY_LABELS = { istio: 'egress', app: 'istio-egressgateway' };

/** The pool hosts the requests name: those the unusual objects name, and some others. */
const REQUESTED_HOSTS = [0, 1, 2, 3, 4, 5, 12, 16];

/** Every kind of request the gateway's policies are asked about, from `namespace` (or no one). */
function gatewayRequests(namespace: string | undefined): AuthorizationRequest[] {
  const requests: AuthorizationRequest[] = [];
  const principal = namespace && `cluster.local/ns/${namespace}/sa/default`;
  for (const h of REQUESTED_HOSTS) {
    const host = poolHost(h);
    for (const path of ['/', '/v1/x', '/admin/x', '/private/y']) {
      for (const method of ['GET', 'POST']) {
        requests.push({
          http: true,
          sourceNamespace: namespace,
          sourcePrincipal: principal,
          host,
          method,
          path,
          port: 8080,
        });
      }
    }
    // Passthrough as the app's TLS (no identity) and wrapped in the sidecar's mTLS.
    requests.push({ http: false, port: 8443, sni: host });
    requests.push({
      http: false,
      sourceNamespace: namespace,
      sourcePrincipal: principal,
      port: 20000 + h,
      sni: host,
    });
  }
  return requests;
}

describe('WorkloadAuthorization decides as decideAuthorization over the whole list', () => {
  for (const passthroughMode of ['plain', 'istio-mutual'] as const) {
    it(`on the gateway's policies of 120 tenants (${passthroughMode}), for every tenant and none`, () => {
      const { objects, shape } = environmentWithUnusual({ tenants: 120, passthroughMode });
      const policies = applicableAuthorizationPolicies(
        objects,
        'istio-egress',
        GATEWAY_LABELS,
        'istio-system',
      );
      expect(policies.length).toBeGreaterThan(400);
      const indexed = new WorkloadAuthorization(policies);
      // The first tenants (those the unusual objects name), a sample of the others, strangers.
      const namespaces = [
        ...Array.from({ length: shape.tenants }, (_, t) => t)
          .filter((t) => t < 24 || t % 9 === 0)
          .map((t) => `team-${t}`),
        'team-1x',
        'other-7',
        undefined,
      ];
      const verdicts = new Set<string>();
      for (const namespace of namespaces) {
        for (const request of gatewayRequests(namespace)) {
          const expected = decideAuthorization(policies, request);
          expect(indexed.decide(request)).toEqual(expected);
          verdicts.add(
            `${expected.hop.decision} ${expected.hop.object?.name ?? expected.hop.rule}`,
          );
        }
      }
      // The requests reach every way a decision goes: allowed by a tenant's own policy and by
      // patterns and principals, denied by DENY and CUSTOM and by no ALLOW rule matching.
      const seen = [...verdicts].join('\n');
      for (const name of [
        'pass egress-team-',
        'pass allow-suffix-7',
        'pass allow-principal-9',
        'pass allow-prefix-1-but-12',
        'deny deny-team-3-h0',
        'deny custom-admin',
        'deny deny-not-namespaces',
        'deny no rule of the',
      ]) {
        expect(seen).toContain(name);
      }
    });
  }

  it('keeps the notes of the rules it evaluates, and the count and names of every ALLOW policy', () => {
    const { objects } = environmentWithUnusual({ tenants: 30 });
    const policies = applicableAuthorizationPolicies(
      objects,
      'istio-egress',
      GATEWAY_LABELS,
      'istio-system',
    );
    const request: AuthorizationRequest = {
      http: true,
      sourceNamespace: 'team-2',
      host: poolHost(12),
      method: 'GET',
      path: '/',
      port: 8080,
    };
    const decision = new WorkloadAuthorization(policies).decide(request);
    expect(decision).toEqual(decideAuthorization(policies, request));
    expect(decision.notes.map((n) => n.rule).join('\n')).toContain('request.headers[x-team]');
    const denied = new WorkloadAuthorization(policies).decide({ ...request, host: 'x.example' });
    expect(denied.hop.rule).toContain(`no rule of the ${policies.length - 3} ALLOW policies`);
    expect(denied.hop.rule).toContain('allow-from-nobody');
  });
});

describe('ObjectIndex lookups findings and the hops use', () => {
  const { objects } = environmentWithUnusual({ tenants: 40 });
  const index = new ObjectIndex(objects);
  const namespaces = ['team-0', 'team-4', 'team-6', 'team-39', 'istio-egress', 'elsewhere'];

  it('exportedTo answers as istio-match exportedTo for every exported object', () => {
    const exported = objects.filter((o) =>
      ['ServiceEntry', 'VirtualService', 'DestinationRule'].includes(o.kind),
    );
    const answers = new Set<boolean>();
    for (const obj of exported) {
      for (const namespace of [...namespaces, obj.metadata.namespace ?? 'default']) {
        const expected = exportedTo(
          specOf(obj).exportTo,
          obj.metadata.namespace ?? 'default',
          namespace,
        );
        expect(index.exportedTo(obj, namespace), `${obj.metadata.name} to ${namespace}`).toBe(
          expected,
        );
        answers.add(expected);
      }
    }
    expect([...answers].sort()).toEqual([false, true]);
  });

  it('declaring lists the ServiceEntries and VirtualServices naming a host, in object order', () => {
    const hosts = [...gatewayRoutedHosts(objects), poolHost(0).toUpperCase(), 'nowhere.example'];
    for (const host of hosts) {
      const expected = objects.filter(
        (o: KubeObject) =>
          (o.kind === 'ServiceEntry' || o.kind === 'VirtualService') &&
          stringsOf(specOf(o).hosts).some((h) => h.toLowerCase() === host.toLowerCase()),
      );
      expect(index.declaring(['ServiceEntry', 'VirtualService'], host)).toEqual(expected);
    }
    // The unusual ServiceEntry of team-4 comes after the compiled ones for h0.
    expect(
      index.declaring(['ServiceEntry', 'VirtualService'], poolHost(0)).map((o) => o.metadata.name),
    ).toEqual([
      'h0-shared-example-com-ext',
      'h0-shared-example-com-through-egress-gateway',
      'everyone-h0',
    ]);
  });
});

describe('findings() answers as the straightforward scan', () => {
  const cases: Array<Partial<GeneratedShape> & { tenants: number }> = [
    { tenants: 200, hosts: 25, passthroughMode: 'plain' },
    { tenants: 120, hosts: 25, passthroughMode: 'istio-mutual' },
  ];
  for (const shape of cases) {
    it(`on ${shape.tenants} tenants sharing ${shape.hosts} hosts (${shape.passthroughMode}) and the unusual objects`, () => {
      const { objects, firewalls, options } = environmentWithUnusual(shape);
      const found = findings(objects, firewalls, options);
      expect(found).toEqual(referenceFindings(objects, firewalls, options));
      // Every kind of finding is among them (with istio-mutual, passthrough is per tenant).
      const kinds = new Set(found.map((f) => f.kind));
      expect([...kinds].sort()).toEqual([
        'allow-rule-unrestricted',
        'exported-not-granted',
        'passthrough-bypasses-http-policy',
        ...(shape.passthroughMode === 'plain' ? ['passthrough-environment-wide'] : []),
      ]);
    });
  }

  it('with the tenants given, among them some that are not in the object set', () => {
    const { objects, firewalls, options } = environmentWithUnusual({ tenants: 40, hosts: 20 });
    const tenants = ['team-17', 'team-7', 'team-3', 'team-12', 'not-a-tenant'];
    expect(findings(objects, firewalls, { ...options, tenants })).toEqual(
      referenceFindings(objects, firewalls, { ...options, tenants }),
    );
  });
});

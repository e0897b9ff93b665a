import { describe, expect, it } from 'vitest';
import { benchTenantDocument, prepareCase, tutorialEnvironment } from '../../bench/validation.js';
import { specSetProblems } from '../../functions/lib/spec-set-problems.js';
import { parseTenant, type Tenant } from '../../shared/spec/index.js';

// specSetProblems indexes hosts, names and ports instead of compiling every gateway object
// (bench/validation.ts times it); these hold its answers at the scale that made it slow: 8,000
// egress rules over 100 tenants of the tutorial environment, a conflict planted at the very end.
// Not timed: speed is the benchmark's business.
const environment = tutorialEnvironment();
const { stored, incoming: incomingDocument } = prepareCase(environment, {
  tenants: 100,
  rules: 8_000,
});

/** The incoming tenant (team-99, 80 rules) with `extra` egress rules after its own. */
function incoming(extra: object[] = [], spec: object = {}): Tenant {
  const doc = incomingDocument as { spec: { egress: object[] } };
  return parseTenant(
    { ...doc, spec: { ...doc.spec, ...spec, egress: [...doc.spec.egress, ...extra] } },
    environment,
  );
}

describe('specSetProblems over 8,000 egress rules in 100 tenants', () => {
  it('finds nothing in a valid set', () => {
    expect(stored).toHaveLength(99);
    expect(
      stored.reduce((n, t) => n + t.spec.egress.length, 0) + incoming().spec.egress.length,
    ).toBe(8_000);
    expect(specSetProblems(environment, stored, incoming())).toEqual([]);
  });

  it('finds a port conflict with a stored tenant planted at the end', () => {
    // team-3's rule 5 is tls-origination on port 80; the incoming tenant wants plain http there.
    expect(
      specSetProblems(environment, stored, incoming([{ host: 'h5.t3.example.com', mode: 'http' }])),
    ).toEqual([
      {
        source: 'Tenant/team-99',
        path: 'spec.egress[80].port',
        rule: 'port-conflict',
        message:
          'h5.t3.example.com port 80 is used by tenant "team-3" with mode tls-origination, targetPort 443; the gateway routes one port of a host one way for every tenant',
      },
    ]);
  });

  it('finds what the gateway cannot express, planted at the end', () => {
    // team-7's rule 4 is http on port 80; tls-origination on another app port passes the port
    // check but not the gateway, which routes one host one way.
    expect(
      specSetProblems(
        environment,
        stored,
        incoming([{ host: 'h4.t7.example.com', mode: 'tls-origination', port: 9090 }]),
      ),
    ).toEqual([
      {
        source: 'Tenant/team-99',
        path: 'spec.egress[80].mode',
        rule: 'gateway-cannot-express',
        message:
          'Tenant "team-99": spec.egress[80].mode: host h4.t7.example.com is already granted as "http" (to team-7); the gateway routes one host one way, so use "http"',
      },
    ]);
  });

  it('lists cross-document problems in order, and leaves the compiler out when there are some', () => {
    const owner = parseTenant(
      {
        ...benchTenantDocument(50, 80),
        spec: {
          ...(benchTenantDocument(50, 80).spec as object),
          workloadIdentity: [
            { kubernetesServiceAccount: 'app', googleServiceAccount: 'sa-shared' },
          ],
        },
      },
      environment,
    );
    const withOwner = stored.map((t) => (t.metadata.name === 'team-50' ? owner : t));
    const problems = specSetProblems(
      environment,
      withOwner,
      incoming(
        [
          { host: 'h4.t7.example.com', mode: 'tls-origination', port: 9090 },
          { host: 'h1.t0.example.com', mode: 'passthrough', port: 80 },
        ],
        {
          workloadIdentity: [
            { kubernetesServiceAccount: 'app', googleServiceAccount: 'sa-shared' },
          ],
        },
      ),
    );
    expect(problems.map((p) => [p.path, p.rule])).toEqual([
      ['spec.egress[81].port', 'port-conflict'],
      ['spec.workloadIdentity[0].googleServiceAccount', 'duplicate-google-service-account'],
    ]);
    expect(problems[1]?.message).toBe(
      'Google service account "sa-shared" is already used by tenant "team-50"',
    );
  });

  it('reports a conflict between two stored tenants at the later one, whoever is incoming', () => {
    const clash = parseTenant(
      {
        ...benchTenantDocument(42, 80),
        spec: {
          ...(benchTenantDocument(42, 80).spec as object),
          egress: [{ host: 'h0.t12.example.com', mode: 'passthrough', port: 80 }],
        },
      },
      environment,
    );
    const problems = specSetProblems(
      environment,
      stored.map((t) => (t.metadata.name === 'team-42' ? clash : t)),
      incoming(),
    );
    expect(problems).toEqual([
      expect.objectContaining({
        source: 'Tenant/team-42',
        path: 'spec.egress[0].port',
        rule: 'port-conflict',
      }),
    ]);
  });
});

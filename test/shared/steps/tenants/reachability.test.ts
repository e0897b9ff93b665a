import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { KubernetesObjectApi } from '@kubernetes/client-node';
import { verifyReachability } from '../../../../shared/analysis/index.js';
import { desiredObjects } from '../../../../shared/plan/mesh/index.js';
import { ensureMeshConfig } from '../../../../shared/steps/mesh-config.js';
import { CHECK_RACE_ATTEMPTS } from '../../../../shared/steps/tenant-reachability.js';
import { ensureTenants, type TenantsStepDependencies } from '../../../../shared/steps/tenants.js';
import { objectApiFor } from '../../kube/helpers.js';
import {
  dependencies,
  startSimulators,
  stepContext,
  tutorialEnvironment,
  tutorialTenant,
  type Simulators,
} from './helpers.js';

const env = tutorialEnvironment();
const tenants = [tutorialTenant('team-x'), tutorialTenant('team-y')];
const TEAM_Y_POLICY = { namespace: 'istio-egress', name: 'egress-team-y-to-httpbin-org' };
const HTTPBIN_ROUTE = { namespace: 'istio-egress', name: 'httpbin-org-through-egress-gateway' };

let sims: Simulators;
/** Another actor's client: a different writer than the product (no field manager of ours). */
let other: KubernetesObjectApi;

beforeAll(async () => {
  sims = await startSimulators();
  other = objectApiFor(sims.kube.url);
});
afterAll(async () => {
  await Promise.all([sims.kube.close(), sims.gcp.close()]);
});
beforeEach(async () => {
  sims.kube.reset();
  sims.gcp.reset();
  await ensureMeshConfig(stepContext('mesh-config', sims.kube), dependencies(sims));
});

function run(deps: TenantsStepDependencies = dependencies(sims)) {
  return ensureTenants(stepContext('tenants', sims.kube, { tenants }), deps);
}

function authorizationPolicy(name: string, action: 'ALLOW' | 'DENY', rule: object) {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name, namespace: 'istio-egress' },
    spec: { selector: { matchLabels: { istio: 'egress' } }, action, rules: [rule] },
  };
}

const ref = (kind: string, apiVersion: string, at: { namespace: string; name: string }) => ({
  apiVersion,
  kind,
  metadata: at,
});

async function exists(kind: string, apiVersion: string, at: { namespace: string; name: string }) {
  return other.read(ref(kind, apiVersion, at)).then(
    () => true,
    () => false,
  );
}

describe('step tenants proves what it applied: the reachability matrix of the live cluster', () => {
  it('records the matrix in its outputs when the cluster keeps every promise of the specs', async () => {
    const result = await run();
    expect(result.status).toBe('done');
    const outputs = result.status === 'done' ? result.outputs : {};
    // The same rows the analyzer gives on the compiler's own objects: the live read is complete.
    const compiled = verifyReachability(env, tenants, desiredObjects(env, tenants));
    expect(outputs.reachability).toEqual(compiled.rows);
    expect(outputs.reachability).toContain(
      'team-y GET http://httpbin.org/status/418 ALLOWED plain-http',
    );
    expect(outputs.reachability).toContain(
      'team-x GET http://example.com/ ALLOWED tls-origination',
    );
    expect(outputs.reachability).toContain('team-y GET http://example.com/ DENIED_NO_ROUTE');
    expect(outputs).toMatchObject({
      reachabilityChecked: compiled.rows.length,
      reachabilityAllowed: 3,
    });
    // Compact rows, not traces: the record stays small.
    expect(JSON.stringify(outputs).length).toBeLessThan(3000);
  });

  it('reapplies an AuthorizationPolicy deleted and a VirtualService route removed by another actor', async () => {
    await run();
    await other.delete(ref('AuthorizationPolicy', 'security.istio.io/v1', TEAM_Y_POLICY));
    const route = await other.read(ref('VirtualService', 'networking.istio.io/v1', HTTPBIN_ROUTE));
    const spec = (route as unknown as { spec: { http: unknown[] } }).spec;
    await other.replace({ ...route, spec: { ...spec, http: spec.http.slice(0, 1) } } as never);

    const result = await run();
    expect(result).toMatchObject({ status: 'done' });
    expect(await exists('AuthorizationPolicy', 'security.istio.io/v1', TEAM_Y_POLICY)).toBe(true);
    const repaired = await other.read(
      ref('VirtualService', 'networking.istio.io/v1', HTTPBIN_ROUTE),
    );
    expect((repaired as unknown as { spec: { http: unknown[] } }).spec.http).toHaveLength(2);
    expect(result.status === 'done' && result.outputs.reachability).toContain(
      'team-y GET http://httpbin.org/status/418 ALLOWED plain-http',
    );
  });

  it('retries when its own object is deleted between the apply and the check, the rerun converges, and a writer that keeps at it is reported', async () => {
    const deps = dependencies(sims);
    const racing: TenantsStepDependencies = {
      ...deps,
      async readObjects(client, kinds) {
        await other.delete(ref('AuthorizationPolicy', 'security.istio.io/v1', TEAM_Y_POLICY));
        return deps.readObjects(client, kinds);
      },
    };
    await expect(run(racing)).rejects.toMatchObject({
      name: 'RetryableError',
      reason: 'objects-changed-during-check',
    });
    expect((await run()).status).toBe('done');

    // A writer that keeps undoing the apply is reported, not retried for ever.
    const late = {
      ...stepContext('tenants', sims.kube, { tenants }),
      attempt: CHECK_RACE_ATTEMPTS,
    };
    const message = await ensureTenants(late, racing).then(
      () => 'done',
      (e: Error & { reason?: string }) => `${e.reason}: ${e.message}`,
    );
    expect(message).toMatch(/^reachability-mismatch: /);
    expect(message).toContain(
      "the product's own AuthorizationPolicy/istio-egress/egress-team-y-to-httpbin-org kept changing between its apply and the check",
    );
  });

  it("fails with the difference when another actor's DENY policy takes a granted host away, until it is gone", async () => {
    await other.create(
      authorizationPolicy('platform-deny-httpbin', 'DENY', {
        to: [{ operation: { hosts: ['httpbin.org'] } }],
      }) as never,
    );
    const failure = run();
    await expect(failure).rejects.toMatchObject({
      name: 'PermanentError',
      reason: 'reachability-mismatch',
    });
    const message = await failure.catch((e: Error) => e.message);
    expect(message).toContain(
      'team-y GET http://httpbin.org/status/418: expected ALLOWED via plain-http, actual DENIED_RBAC (decided by AuthorizationPolicy/istio-egress/platform-deny-httpbin)',
    );
    // Istio ignores a DENY rule's HTTP-only fields on TCP traffic, so the rule matches every
    // passthrough connection too: team-x's https://example.com goes with it.
    expect(message).toContain(
      'team-x GET https://example.com/: expected ALLOWED via passthrough, actual DENIED_RBAC (decided by AuthorizationPolicy/istio-egress/platform-deny-httpbin)',
    );
    expect(message).toMatch(/differs from what the tenant specs grant in 2 cells\b/);

    // No retry repairs it: the object is not the product's, and the step leaves it alone.
    await expect(run()).rejects.toMatchObject({ reason: 'reachability-mismatch' });
    expect(
      await exists('AuthorizationPolicy', 'security.istio.io/v1', {
        namespace: 'istio-egress',
        name: 'platform-deny-httpbin',
      }),
    ).toBe(true);

    await other.delete(
      ref('AuthorizationPolicy', 'security.istio.io/v1', {
        namespace: 'istio-egress',
        name: 'platform-deny-httpbin',
      }),
    );
    expect((await run()).status).toBe('done');
  });

  it("fails when another actor's ALLOW policy widens a tenant's grant beyond its paths", async () => {
    await other.create(
      authorizationPolicy('debug-allow-team-y', 'ALLOW', {
        from: [{ source: { namespaces: ['team-y'] } }],
        to: [{ operation: { hosts: ['httpbin.org'] } }],
      }) as never,
    );
    const message = await run().then(
      () => 'done',
      (e: Error & { reason?: string }) => `${e.reason}: ${e.message}`,
    );
    expect(message).toContain('reachability-mismatch');
    expect(message).toContain(
      'team-y GET http://httpbin.org/: expected DENIED, actual ALLOWED via plain-http (decided by AuthorizationPolicy/istio-egress/debug-allow-team-y)',
    );
  });

  it('an istio-mutual environment passes with its passthrough cells compared, and fails when they break', async () => {
    const mutual = {
      ...env,
      spec: { ...env.spec, mesh: { ...env.spec.mesh, passthroughMode: 'istio-mutual' as const } },
    };
    const runMutual = () =>
      ensureTenants(
        stepContext('tenants', sims.kube, { env: mutual, tenants }),
        dependencies(sims),
      );
    const result = await runMutual();
    expect(result.status).toBe('done');
    const rows = result.status === 'done' ? result.outputs.reachability : [];
    expect(rows).toEqual(verifyReachability(mutual, tenants, desiredObjects(mutual, tenants)).rows);
    expect(rows).toContain('team-x GET https://example.com/ ALLOWED passthrough');

    // Another actor denies the wrapped port: the passthrough cell is held to the spec.
    const wrappedPort = String(
      (
        desiredObjects(mutual, tenants).find(
          (o) => o.kind === 'Service' && o.metadata.name === 'egress-mtls-example-com',
        )?.spec as { ports: Array<{ targetPort: number }> }
      ).ports[0]!.targetPort,
    );
    await other.create(
      authorizationPolicy('platform-deny-wrapped', 'DENY', {
        when: [{ key: 'destination.port', values: [wrappedPort] }],
      }) as never,
    );
    const message = await runMutual().then(
      () => 'done',
      (e: Error & { reason?: string }) => `${e.reason}: ${e.message}`,
    );
    expect(message).toContain('reachability-mismatch');
    expect(message).toContain(
      'team-x GET https://example.com/: expected ALLOWED via passthrough, actual DENIED_RBAC (decided by AuthorizationPolicy/istio-egress/platform-deny-wrapped)',
    );
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LiveObject } from '../../../shared/kube/index.js';
import { PermanentError } from '../../../shared/errors.js';
import {
  ensureMeshConfig,
  gatewayNamespaceOwnerProblem,
} from '../../../shared/steps/mesh-config.js';
import { objectApiFor } from '../kube/helpers.js';
import { dependencies, startSimulators, stepContext, type Simulators } from './tenants/helpers.js';

const namespace = (labels?: Record<string, string>): LiveObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: 'istio-egress', ...(labels ? { labels } : {}) },
});
const OWNED = {
  'app.kubernetes.io/managed-by': 'egress-provisioner',
  'egress.provisioner.dev/environment': 'tutorial',
};

describe('gatewayNamespaceOwnerProblem', () => {
  it('accepts no namespace yet, and the one the product made for the environment', () => {
    expect(gatewayNamespaceOwnerProblem(undefined, 'tutorial')).toBeUndefined();
    expect(gatewayNamespaceOwnerProblem(namespace(OWNED), 'tutorial')).toBeUndefined();
  });

  it('names the owner marker of a namespace that is not the environment’s', () => {
    expect(gatewayNamespaceOwnerProblem(namespace(), 'tutorial')).toBe(
      'not created by egress-provisioner (app.kubernetes.io/managed-by=(none))',
    );
    expect(
      gatewayNamespaceOwnerProblem(
        namespace({
          'app.kubernetes.io/managed-by': 'Helm',
          'egress.provisioner.dev/environment': 'tutorial',
        }),
        'tutorial',
      ),
    ).toBe('not created by egress-provisioner (app.kubernetes.io/managed-by=Helm)');
    expect(gatewayNamespaceOwnerProblem(namespace(OWNED), 'other')).toBe(
      'egress.provisioner.dev/environment=tutorial',
    );
    expect(
      gatewayNamespaceOwnerProblem(
        namespace({ ...OWNED, 'egress.provisioner.dev/tenant': 'team-x' }),
        'tutorial',
      ),
    ).toContain('egress.provisioner.dev/tenant=team-x');
  });
});

describe('step mesh-config and a pre-existing gateway namespace (Kubernetes simulator)', () => {
  let sims: Simulators;
  beforeAll(async () => {
    sims = await startSimulators();
  });
  afterAll(async () => {
    await Promise.all([sims.kube.close(), sims.gcp.close()]);
  });
  beforeEach(() => sims.kube.reset());

  it('stops with not-owned before any write, also while the control plane is not ready', async () => {
    await objectApiFor(sims.kube.url).create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'istio-egress' },
    });
    for (const revisionReady of [true, false]) {
      const before = JSON.stringify(sims.kube.objects());
      const writes = sims.kube.counters.writes;
      const error: unknown = await ensureMeshConfig(
        stepContext('mesh-config', sims.kube, { revisionReady }),
        dependencies(sims),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PermanentError);
      expect(error).toMatchObject({
        reason: 'not-owned',
        options: { resource: 'Namespace//istio-egress' },
      });
      expect((error as Error).message).toContain('namespace "istio-egress" already exists');
      expect(sims.kube.counters.writes).toBe(writes);
      expect(JSON.stringify(sims.kube.objects())).toBe(before);
    }
  });
});

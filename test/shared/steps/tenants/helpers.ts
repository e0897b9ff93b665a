import { RetryableError } from '../../../../shared/errors.js';
import { startGcpSimulator, type GcpSimulator } from '../../../../local/gcp/index.js';
import { startKubeSimulator, type KubeSimulator } from '../../../../local/kube/index.js';
import {
  kubeObjectClient,
  kubeStepDependencies,
  type KubeClientFactory,
  type KubeObjectClient,
} from '../../../../shared/kube/index.js';
import type { StepContext, StepOutputs, StepName } from '../../../../shared/core/step-contract.js';
import type { TenantsStepDependencies } from '../../../../shared/steps/tenants.js';
import type { Environment, Tenant } from '../../../../shared/spec/index.js';
import { objectApiFor, tutorialEnvironment, tutorialTenant } from '../../kube/helpers.js';
import { simulatedWorkloadIdentity } from './gcp-workload-identity.js';

export { tutorialEnvironment, tutorialTenant };

/** The two simulators a tenants run talks to. */
export interface Simulators {
  kube: KubeSimulator;
  gcp: GcpSimulator;
}

/**
 * The bucket team-x's Workload Identity grant names: the tutorial makes it by hand (`gsutil mb`),
 * so the GCP simulator is seeded with it (again after every `reset()`).
 */
export const TUTORIAL_BUCKET = { name: 'tutorial-project-bucket', project: 'tutorial-project' };

/** Starts both simulators on ephemeral ports. */
export async function startSimulators(): Promise<Simulators> {
  const [kube, gcp] = await Promise.all([
    startKubeSimulator({ port: 0 }),
    startGcpSimulator({ port: 0, seed: { buckets: [TUTORIAL_BUCKET] } }),
  ]);
  return { kube, gcp };
}

/**
 * A client factory the way functions/ builds one (a KubeConfig), for the simulator at `url`: the
 * steps name only their environment's cluster; functions/ reads its endpoint from the Container
 * API (test/functions/compose.test.ts and test/security/deploy-and-tokens.test.ts cover that).
 */
export const realKubeClient =
  (url: string): KubeClientFactory =>
  () =>
    kubeObjectClient(objectApiFor(url));

/** The steps' dependencies against the simulators; `wrap` lets a test inject faults around the real client. */
export function dependencies(
  sims: Simulators,
  wrap: (client: KubeObjectClient) => KubeObjectClient = (c) => c,
): TenantsStepDependencies {
  return {
    ...kubeStepDependencies(() => wrap(kubeObjectClient(objectApiFor(sims.kube.url)))),
    workloadIdentity: simulatedWorkloadIdentity(sims.gcp.url),
  };
}

/** What the step handler would pass: upstream outputs of the cluster and mesh steps. */
export function stepContext(
  step: StepName,
  kube: { url: string },
  options: {
    env?: Environment;
    tenants?: readonly Tenant[];
    revisionReady?: boolean;
    upstream?: Partial<Record<StepName, StepOutputs>>;
  } = {},
): StepContext {
  const ready = options.revisionReady ?? true;
  return {
    runId: 'run-00000000-test',
    step,
    environment: options.env ?? tutorialEnvironment(),
    tenants: options.tenants ?? [],
    attempt: 1,
    upstream: {
      // The output names of shared/steps/cluster.ts.
      cluster: { endpoint: kube.url, clusterName: 'cluster1' },
      ...(ready ? { 'mesh-ready': { revisionReady: true } } : {}),
      ...(ready && step === 'tenants' ? { 'mesh-config': { revisionReady: true } } : {}),
      ...options.upstream,
    },
  };
}

/** A client that fails every apply after the first `n`, as a connection cut midway would. */
export function failingAfter(n: number): (client: KubeObjectClient) => KubeObjectClient {
  let applies = 0;
  return (client) => ({
    ...client,
    async apply(obj) {
      applies += 1;
      if (applies > n)
        throw new RetryableError('kube-unreachable', `injected failure after ${n} applies`);
      return client.apply(obj);
    },
  });
}

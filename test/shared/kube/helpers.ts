import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { startKubeSimulator, type KubeSimulator } from '../../../local/kube/index.js';
import {
  kubeObjectClient,
  kubeConfigOptions,
  withoutServerFields,
  type KubeObjectClient,
  type LiveObject,
} from '../../../shared/kube/index.js';
import type { KubeObject } from '../../../shared/plan/kube-object.js';
import { objectKey } from '../../../shared/plan/kube-object.js';
import {
  parseEnvironment,
  parseTenant,
  type Environment,
  type Tenant,
} from '../../../shared/spec/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The tutorial's Environment (examples/tutorial, the project's own copy). */
export function tutorialEnvironment(): Environment {
  return parseEnvironment(parse(readFileSync(`${ROOT}examples/tutorial/environment.yaml`, 'utf8')));
}

/** One of the tutorial's tenants (`team-x`, `team-y`), optionally with its state changed. */
export function tutorialTenant(name: 'team-x' | 'team-y', state?: 'present' | 'absent'): Tenant {
  const tenant = parseTenant(parse(readFileSync(`${ROOT}examples/tutorial/${name}.yaml`, 'utf8')));
  return state ? { ...tenant, spec: { ...tenant.spec, state } } : tenant;
}

/** A started simulator and a client of it built the way the composition root builds one. */
export async function simulatorWithClient(): Promise<{
  sim: KubeSimulator;
  api: KubernetesObjectApi;
  client: KubeObjectClient;
}> {
  const sim = await startKubeSimulator({ port: 0 });
  const api = objectApiFor(sim.url);
  return { sim, api, client: kubeObjectClient(api) };
}

/** A KubernetesObjectApi for an endpoint, through the same options the product's root uses. */
export function objectApiFor(endpoint: string): KubernetesObjectApi {
  const config = new KubeConfig();
  config.loadFromOptions(kubeConfigOptions({ clusterName: 'sim', endpoint }, 'test-token'));
  return KubernetesObjectApi.makeApiClient(config);
}

/**
 * A live object as the compiler would have written it: server-set metadata, status and the
 * server's defaults dropped, and only the labels and fields of `desired` kept where the server
 * adds its own (kubernetes.io/metadata.name, clusterIP...) and the applier's apply-set label.
 */
export function comparableLive(live: Record<string, unknown>): Record<string, unknown> {
  // The product's own reading drops status and most server metadata; a test also drops the
  // deletion mark of an object caught terminating.
  const read = withoutServerFields(live as unknown as LiveObject);
  const copy = structuredClone(read) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  delete copy.metadata.deletionTimestamp;
  if (copy.metadata.labels) {
    delete copy.metadata.labels['kubernetes.io/metadata.name'];
    delete copy.metadata.labels['egress.provisioner.dev/apply-set'];
    if (Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels;
  }
  if (copy.kind === 'Namespace') {
    delete copy.spec;
  }
  if (copy.kind === 'Service') {
    delete copy.spec.clusterIP;
    delete copy.spec.clusterIPs;
    delete copy.spec.sessionAffinity;
  }
  if (copy.kind === 'Deployment' && copy.spec.replicas === 1) delete copy.spec.replicas;
  return copy;
}

/** Objects by key, for diffing a live set against the compiler's. */
export function byKey<T extends Pick<KubeObject, 'kind' | 'metadata'>>(
  objects: readonly T[],
): Map<string, T> {
  return new Map(objects.map((o) => [objectKey(o), o]));
}

/** Every object of the simulator carrying a label `key=value`, comparable to compiler output. */
export function liveWithLabel(
  sim: KubeSimulator,
  key: string,
  value: string,
): Map<string, Record<string, unknown>> {
  const found = sim
    .objects()
    .filter((o) => (o.metadata as { labels?: Record<string, string> }).labels?.[key] === value)
    .map((o) => comparableLive(o));
  return byKey(found as unknown as KubeObject[]) as unknown as Map<string, Record<string, unknown>>;
}

import type { KubeStepDependencies } from '../core/kube-apis.js';
import { applyObjectSet } from './applier.js';
import { clusterAccessOf, type KubeClientFactory } from './cluster-access.js';
import { readLiveObjects } from './live-objects.js';

/**
 * The dependencies of the mesh-config and tenants steps for a client factory: the steps import
 * shared/kube as types only, so the applier reaches them through here.
 */
export function kubeStepDependencies(kubeClient: KubeClientFactory): KubeStepDependencies {
  return {
    kubeClient,
    applyObjectSet: (options) => applyObjectSet(options),
    clusterAccess: clusterAccessOf,
    readObjects: readLiveObjects,
  };
}

/**
 * Deployments: one replica by default; the status a Deployment controller reports once every
 * replica is up, written at once (so `kubectl rollout status` and `kubectl wait` succeed); and
 * the `scale` subresource.
 */
import { metadataOf } from '../resource-request.js';
import { invalid } from '../status-errors.js';
import { isPlainObject, type JsonObject } from '../../../shared/lib/json.js';
import type { KindStrategyFactory, ScaleStrategy } from './kind-strategy.js';

/** The `autoscaling/v1` Scale of a Deployment. */
const deploymentScale: ScaleStrategy = {
  view: (deployment) => {
    const metadata = metadataOf(deployment);
    const spec = isPlainObject(deployment.spec) ? deployment.spec : {};
    const selector =
      isPlainObject(spec.selector) && isPlainObject(spec.selector.matchLabels)
        ? spec.selector.matchLabels
        : {};
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: metadata.name,
        namespace: metadata.namespace,
        uid: metadata.uid,
        resourceVersion: metadata.resourceVersion,
        creationTimestamp: metadata.creationTimestamp,
      },
      spec: { replicas: spec.replicas },
      status: {
        replicas: isPlainObject(deployment.status) ? (deployment.status.replicas ?? 0) : 0,
        selector: Object.entries(selector)
          .map(([key, value]) => `${key}=${String(value)}`)
          .join(','),
      },
    };
  },
  apply: (deployment: JsonObject, scale: JsonObject, name: string) => {
    const replicas = isPlainObject(scale.spec) ? scale.spec.replicas : undefined;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw invalid('autoscaling', 'Scale', name, [
        {
          reason: 'FieldValueInvalid',
          field: 'spec.replicas',
          message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
        },
      ]);
    }
    deployment.spec = { ...(isPlainObject(deployment.spec) ? deployment.spec : {}), replicas };
  },
};

export const deploymentStrategy: KindStrategyFactory = ({ timestamp }) => ({
  applyDefaults: (object) => {
    if (isPlainObject(object.spec)) object.spec.replicas ??= 1;
  },
  resetStatus: (object) => {
    const spec = isPlainObject(object.spec) ? object.spec : {};
    const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
    const time = timestamp();
    object.status = {
      observedGeneration: metadataOf(object).generation,
      ...(replicas > 0
        ? {
            replicas,
            updatedReplicas: replicas,
            readyReplicas: replicas,
            availableReplicas: replicas,
          }
        : {}),
      conditions: [
        {
          type: 'Available',
          status: 'True',
          lastUpdateTime: time,
          lastTransitionTime: time,
          reason: 'MinimumReplicasAvailable',
          message: 'Deployment has minimum availability.',
        },
        {
          type: 'Progressing',
          status: 'True',
          lastUpdateTime: time,
          lastTransitionTime: time,
          reason: 'NewReplicaSetAvailable',
          message: 'ReplicaSet has successfully progressed.',
        },
      ],
    };
  },
  scale: deploymentScale,
});

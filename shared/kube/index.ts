/**
 * The Kubernetes side of the product (docs/architecture.md "Layout"): a server-side-apply applier
 * with ownership labels, no-op detection and pruning, over @kubernetes/client-node's
 * KubernetesObjectApi, and the cluster access the steps get from the cluster step's outputs.
 */
export {
  FIELD_MANAGER,
  APPLY_SET_LABEL,
  MANAGED_KINDS,
  PROTECTED_NAMESPACES,
  applyRank,
  applyGroups,
  deleteGroups,
  type ManagedKind,
} from './kinds.js';
export {
  applyEntryOf,
  extractFields,
  isAppliedUnchanged,
  quantityValue,
  type ManagedFieldsEntry,
} from './owned-fields.js';
export {
  kubeObjectClient,
  classifyKubeError,
  type KubeObjectClient,
  type LiveObject,
  type ObjectReference,
} from './object-client.js';
export {
  applyObjectSet,
  removeObjectSet,
  applySetSelector,
  emptyApplyReport,
  type ApplySetRef,
  type ApplyObjectSetOptions,
  type ApplyReport,
} from './applier.js';
export {
  clusterAccessOf,
  clusterServerOf,
  kubeConfigOptions,
  type ClusterAccess,
  type ClusterServer,
  type KubeClientFactory,
} from './cluster-access.js';
export { kubeStepDependencies } from './step-dependencies.js';
export { toModelForm, toWireForm, modelTypeOf } from './model-names.js';
export { readLiveObjects, withoutServerFields } from './live-objects.js';

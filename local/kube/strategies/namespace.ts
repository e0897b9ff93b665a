/**
 * Namespaces: names are DNS labels; the name label and the `kubernetes` finalizer are defaulted, the status is the
 * stored one (Active when new), generation is not tracked, and deleting a namespace removes
 * everything in it at once (the namespace controller's work, without a Terminating phase).
 */
import { metadataOf } from '../resource-request.js';
import { isPlainObject } from '../../../shared/lib/json.js';
import type { KindStrategyFactory } from './kind-strategy.js';

export const namespaceStrategy: KindStrategyFactory = ({ store, timestamp }) => ({
  nameRule: 'dns1123-label',
  applyDefaults: (object) => {
    const metadata = metadataOf(object);
    metadata.labels = {
      ...(isPlainObject(metadata.labels) ? metadata.labels : {}),
      'kubernetes.io/metadata.name': metadata.name,
    };
    object.spec = {
      finalizers: ['kubernetes'],
      ...(isPlainObject(object.spec) ? object.spec : {}),
    };
  },
  tracksGeneration: false,
  resetStatus: (object, previous) => {
    object.status = isPlainObject(previous?.status) ? previous.status : { phase: 'Active' };
  },
  deleteDependents: (object) => store.deleteNamespaceContents(String(metadataOf(object).name)),
  markDeleted: (object) => {
    metadataOf(object).deletionTimestamp = timestamp();
    object.status = { phase: 'Terminating' };
  },
});

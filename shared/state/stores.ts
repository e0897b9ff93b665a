import { PermanentError } from '../errors.js';
import type { DocumentBackend } from './backend.js';
import {
  DEFAULT_MESSAGE_RETENTION_SECONDS,
  type Clock,
  type StateStores,
  type StoreOptions,
} from './types.js';
import { DocumentAccessHistoryStore } from './access-history-store.js';
import { DocumentEnvironmentStore } from './environment-store.js';
import { DocumentRunStore } from './run-store.js';
import { DocumentTenantStore } from './tenant-store.js';

export { assertDocumentId } from './documents.js';
export { sameExecution } from './run-store.js';

/** The stores over any {@link DocumentBackend}; the semantics live here, once. */
export function createStores(
  backend: DocumentBackend,
  clock: Clock,
  options: StoreOptions = {},
): StateStores {
  const messageRetentionSeconds =
    options.messageRetentionSeconds ?? DEFAULT_MESSAGE_RETENTION_SECONDS;
  if (!Number.isInteger(messageRetentionSeconds) || messageRetentionSeconds <= 0) {
    throw new PermanentError(
      'invalid-option',
      'messageRetentionSeconds must be a positive whole number of seconds',
      { field: 'messageRetentionSeconds' },
    );
  }
  return {
    environments: new DocumentEnvironmentStore(backend, clock),
    tenants: new DocumentTenantStore(backend, clock),
    runs: new DocumentRunStore(backend, clock, messageRetentionSeconds),
    accessHistory: new DocumentAccessHistoryStore(backend, clock),
  };
}

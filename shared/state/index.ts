/**
 * Run state (docs/architecture.md "Run state"): the store interfaces, their Firestore and in-memory
 * implementations, and the hashing helpers both use.
 */
export * from './types.js';
export type { DocumentBackend, DocumentTransaction, FieldUpdate, ListQuery } from './backend.js';
export { TimestampValue } from './backend.js';
export { createStores, assertDocumentId } from './stores.js';
export { MemoryDocumentBackend, createMemoryStores } from './memory.js';
export { FirestoreDocumentBackend, createFirestoreStores } from './firestore.js';
export { hashOf, runIdFor } from './hash.js';

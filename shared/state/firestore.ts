import { FieldPath, Timestamp, type Firestore } from 'firebase-admin/firestore';
import { PermanentError, RetryableError } from '../errors.js';
import type { DocumentBackend, DocumentTransaction, FieldUpdate, ListQuery } from './backend.js';
import { plainWithTimestamps } from './hash.js';
import { createStores } from './stores.js';
import { systemClock, type Clock, type StateStores, type StoreOptions } from './types.js';

/** gRPC codes of Firestore failures that may clear by themselves. */
const TRANSIENT_CODES = new Set([4, 8, 10, 13, 14]); // DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE
const ALREADY_EXISTS = 6;
const NOT_FOUND = 5;

function codeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

const INVALID_ARGUMENT = 3;

/**
 * Firestore's words for a document over its size limits (1 MiB a document): "... exceeds the
 * maximum allowed size ...", and the emulator's per-property "... is longer than N bytes" and
 * "Property P contains an invalid nested entity" (what it says of an oversized nested value).
 */
const TOO_LARGE = /exceeds the maximum allowed size|is longer than \d+ bytes|invalid nested entity/;

/**
 * Firestore outages become RetryableError so functions answer 503, which Workflows retries. A
 * document Firestore refuses (INVALID_ARGUMENT: over its size limit, or otherwise malformed)
 * becomes a PermanentError naming why, since writing it again can never succeed.
 */
async function classified<R>(operation: string, body: () => Promise<R>): Promise<R> {
  try {
    return await body();
  } catch (error) {
    const code = codeOf(error);
    const message = error instanceof Error ? error.message : String(error);
    if (code === INVALID_ARGUMENT) {
      const tooLarge = TOO_LARGE.test(message);
      throw new PermanentError(
        tooLarge ? 'document-too-large' : 'invalid-document',
        `Firestore ${operation} refused ${tooLarge ? 'a document over its size limit (1 MiB)' : 'a document'}: ${message.replace(/^\d+ INVALID_ARGUMENT: /, '')}`,
        { cause: error },
      );
    }
    if (code !== undefined && TRANSIENT_CODES.has(code)) {
      throw new RetryableError(
        'store-unavailable',
        `Firestore ${operation} failed (code ${code})`,
        {
          retryAfterSeconds: 2,
          cause: error,
        },
      );
    }
    throw error;
  }
}

/** Data to write: plain JSON, with each TimestampValue as a Firestore Timestamp (for TTL). */
function toFirestore<T>(value: T): T {
  return plainWithTimestamps(value, (timestamp) => Timestamp.fromDate(timestamp.date)) as T;
}

/**
 * Data read back: each Timestamp becomes its ISO-8601 string, the shape the memory backend
 * returns too, so the stores never see a client-library type.
 */
function fromFirestore(value: unknown): unknown {
  if (value instanceof Timestamp) return value.toDate().toISOString();
  if (Array.isArray(value)) return value.map(fromFirestore);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, field]) => [key, fromFirestore(field)]),
    );
  }
  return value;
}

/** A document snapshot's data as the stores see it; undefined when the document is absent. */
function dataOf<T>(snap: FirebaseFirestore.DocumentSnapshot): T | undefined {
  return snap.exists ? (fromFirestore(snap.data()) as T) : undefined;
}

/**
 * A {@link DocumentBackend} on firebase-admin Firestore. The instance comes from the composition
 * root (functions/context.ts, the CLI, tests), which owns its settings and emulator host.
 */
export class FirestoreDocumentBackend implements DocumentBackend {
  constructor(private readonly db: Firestore) {}

  get<T>(path: string) {
    return classified('get', async () => {
      return dataOf<T>(await this.db.doc(path).get());
    });
  }

  list<T>(collectionPath: string, query: ListQuery = {}) {
    return classified('list', async () => {
      let q: FirebaseFirestore.Query = this.db.collection(collectionPath);
      if (query.where) q = q.where(query.where.field, '==', query.where.equals);
      if (query.whereContains) {
        q = q.where(query.whereContains.field, 'array-contains', query.whereContains.value);
      }
      if (query.orderBy) q = q.orderBy(query.orderBy.field, query.orderBy.direction);
      if (query.startAt !== undefined) q = q.startAt(query.startAt);
      if (query.limit !== undefined) q = q.limit(query.limit);
      const snap = await q.get();
      return snap.docs.map((doc) => fromFirestore(doc.data()) as T);
    });
  }

  create(path: string, data: object) {
    return classified('create', async () => {
      try {
        await this.db.doc(path).create(toFirestore(data));
        return true;
      } catch (error) {
        if (codeOf(error) === ALREADY_EXISTS) return false;
        throw error;
      }
    });
  }

  updateFields(path: string, fields: readonly FieldUpdate[]) {
    return classified('update', async () => {
      const [first, ...rest] = fields;
      if (!first) return true;
      const more = rest.flatMap((f) => [new FieldPath(...f.path), toFirestore(f.value)]);
      try {
        await this.db
          .doc(path)
          .update(new FieldPath(...first.path), toFirestore(first.value), ...more);
        return true;
      } catch (error) {
        if (codeOf(error) === NOT_FOUND) return false;
        throw error;
      }
    });
  }

  transaction<R>(body: (tx: DocumentTransaction) => Promise<R>) {
    return classified('transaction', () =>
      // Bursts (10 identical requests at once) contend on one document: allow more retries than
      // the default 5 before giving up with ABORTED (then a RetryableError, 503).
      this.db.runTransaction(
        async (transaction) => {
          const tx: DocumentTransaction = {
            get: async <T>(path: string) => dataOf<T>(await transaction.get(this.db.doc(path))),
            list: async <T>(collectionPath: string) => {
              const snap = await transaction.get(this.db.collection(collectionPath));
              return snap.docs.map((doc) => fromFirestore(doc.data()) as T);
            },
            set: (path, data) => void transaction.set(this.db.doc(path), toFirestore(data)),
            delete: (path) => void transaction.delete(this.db.doc(path)),
          };
          return body(tx);
        },
        { maxAttempts: 10 },
      ),
    );
  }
}

/** The stores on Firestore. */
export function createFirestoreStores(
  db: Firestore,
  clock: Clock = systemClock,
  options: StoreOptions = {},
): StateStores {
  return createStores(new FirestoreDocumentBackend(db), clock, options);
}

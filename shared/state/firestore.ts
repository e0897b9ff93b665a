import { FieldPath, type Firestore } from 'firebase-admin/firestore';
import { RetryableError } from '../errors.js';
import type { DocumentBackend, DocumentTransaction, FieldUpdate, ListQuery } from './backend.js';
import { plain } from './hash.js';
import { createStores } from './stores.js';
import { systemClock, type Clock, type StateStores } from './types.js';

/** gRPC codes of Firestore failures that may clear by themselves. */
const TRANSIENT_CODES = new Set([4, 8, 10, 13, 14]); // DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE
const ALREADY_EXISTS = 6;
const NOT_FOUND = 5;

function codeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Firestore outages become RetryableError so functions answer 503, which Workflows retries. */
async function classified<R>(operation: string, body: () => Promise<R>): Promise<R> {
  try {
    return await body();
  } catch (error) {
    const code = codeOf(error);
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

/**
 * A {@link DocumentBackend} on firebase-admin Firestore. The instance comes from the composition
 * root (functions/context.ts, the CLI, tests), which owns its settings and emulator host.
 */
export class FirestoreDocumentBackend implements DocumentBackend {
  constructor(private readonly db: Firestore) {}

  get<T>(path: string) {
    return classified('get', async () => {
      const snap = await this.db.doc(path).get();
      return snap.exists ? (snap.data() as T) : undefined;
    });
  }

  list<T>(collectionPath: string, query: ListQuery = {}) {
    return classified('list', async () => {
      let q: FirebaseFirestore.Query = this.db.collection(collectionPath);
      if (query.where) q = q.where(query.where.field, '==', query.where.equals);
      if (query.orderBy) q = q.orderBy(query.orderBy.field, query.orderBy.direction);
      if (query.limit !== undefined) q = q.limit(query.limit);
      const snap = await q.get();
      return snap.docs.map((doc) => doc.data() as T);
    });
  }

  create(path: string, data: object) {
    return classified('create', async () => {
      try {
        await this.db.doc(path).create(plain(data));
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
      const more = rest.flatMap((f) => [new FieldPath(...f.path), plain(f.value)]);
      try {
        await this.db.doc(path).update(new FieldPath(...first.path), plain(first.value), ...more);
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
            get: async <T>(path: string) => {
              const snap = await transaction.get(this.db.doc(path));
              return snap.exists ? (snap.data() as T) : undefined;
            },
            set: (path, data) => void transaction.set(this.db.doc(path), plain(data)),
            delete: (path) => void transaction.delete(this.db.doc(path)),
          };
          return body(tx);
        },
        { maxAttempts: 10 },
      ),
    );
  }
}

/** The three stores on Firestore. */
export function createFirestoreStores(db: Firestore, clock: Clock = systemClock): StateStores {
  return createStores(new FirestoreDocumentBackend(db), clock);
}

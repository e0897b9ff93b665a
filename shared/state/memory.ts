import { plain } from './hash.js';
import type { DocumentBackend, DocumentTransaction, FieldUpdate, ListQuery } from './backend.js';
import { createStores } from './stores.js';
import { systemClock, type Clock, type StateStores, type StoreOptions } from './types.js';

/**
 * An in-memory {@link DocumentBackend}: every operation is serialized through one queue, which
 * makes transactions trivially serializable. For the offline CLI and unit tests. Documents are
 * JSON copies, so a `TimestampValue` (backend.ts) is kept as its ISO-8601 string (its `toJSON`),
 * the value the Firestore backend reads back from its Timestamp.
 */
export class MemoryDocumentBackend implements DocumentBackend {
  private readonly docs = new Map<string, object>();
  private queue: Promise<unknown> = Promise.resolve();

  /** Every document, keyed by path: for tests that compare the store before and after. */
  dump(): Record<string, unknown> {
    return Object.fromEntries([...this.docs.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  private serialized<R>(body: () => Promise<R> | R): Promise<R> {
    const next = this.queue.then(body, body);
    this.queue = next.catch(() => undefined);
    return next;
  }

  get<T>(path: string): Promise<T | undefined> {
    return this.serialized(() => this.read<T>(path));
  }

  private read<T>(path: string): T | undefined {
    const doc = this.docs.get(path);
    return doc === undefined ? undefined : plain(doc as T);
  }

  list<T>(collectionPath: string, query: ListQuery = {}): Promise<T[]> {
    return this.serialized(() => {
      let rows = this.children(collectionPath);
      const where = query.where;
      if (where) rows = rows.filter((row) => row[where.field] === where.equals);
      const contains = query.whereContains;
      if (contains) {
        rows = rows.filter((row) => {
          const values = row[contains.field];
          return Array.isArray(values) && values.includes(contains.value);
        });
      }
      const orderBy = query.orderBy;
      if (orderBy) {
        const sign = orderBy.direction === 'asc' ? 1 : -1;
        const key = (row: Record<string, unknown>) => String(row[orderBy.field] ?? '');
        rows.sort((a, b) => (key(a) < key(b) ? -sign : key(a) > key(b) ? sign : 0));
        const startAt = query.startAt;
        if (startAt !== undefined) {
          rows = rows.filter((row) => (sign > 0 ? key(row) >= startAt : key(row) <= startAt));
        }
      }
      return (query.limit === undefined ? rows : rows.slice(0, query.limit)) as T[];
    });
  }

  /** Documents directly in a collection, in id order (Firestore's order without orderBy). */
  private children(collectionPath: string): Record<string, unknown>[] {
    const depth = collectionPath.split('/').length + 1;
    return [...this.docs.entries()]
      .filter(([path]) => path.startsWith(`${collectionPath}/`) && path.split('/').length === depth)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, doc]) => plain(doc) as Record<string, unknown>);
  }

  create(path: string, data: object): Promise<boolean> {
    return this.serialized(() => {
      if (this.docs.has(path)) return false;
      this.docs.set(path, plain(data));
      return true;
    });
  }

  updateFields(path: string, fields: readonly FieldUpdate[]): Promise<boolean> {
    return this.serialized(() => {
      const doc = this.docs.get(path) as Record<string, unknown> | undefined;
      if (doc === undefined) return false;
      const copy = plain(doc);
      for (const { path: segments, value } of fields) setPath(copy, segments, value);
      this.docs.set(path, plain(copy));
      return true;
    });
  }

  transaction<R>(body: (tx: DocumentTransaction) => Promise<R>): Promise<R> {
    return this.serialized(async () => {
      const writes = new Map<string, object | null>();
      const tx: DocumentTransaction = {
        get: async <T>(path: string) => {
          if (writes.size > 0) throw new Error('transaction reads must come before writes');
          return this.read<T>(path);
        },
        list: async <T>(collectionPath: string) => {
          if (writes.size > 0) throw new Error('transaction reads must come before writes');
          return this.children(collectionPath) as T[];
        },
        set: (path, data) => void writes.set(path, plain(data)),
        delete: (path) => void writes.set(path, null),
      };
      const result = await body(tx);
      for (const [path, data] of writes) {
        if (data === null) this.docs.delete(path);
        else this.docs.set(path, data);
      }
      return result;
    });
  }
}

function setPath(target: Record<string, unknown>, segments: readonly string[], value: unknown) {
  let node = target;
  segments.forEach((segment, index) => {
    if (index === segments.length - 1) {
      node[segment] = value;
      return;
    }
    const child = node[segment];
    if (child === null || typeof child !== 'object') node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  });
}

/** The stores over a fresh in-memory backend (also returned, for dumps in tests). */
export function createMemoryStores(
  clock: Clock = systemClock,
  options: StoreOptions = {},
): StateStores & {
  backend: MemoryDocumentBackend;
} {
  const backend = new MemoryDocumentBackend();
  return { ...createStores(backend, clock, options), backend };
}

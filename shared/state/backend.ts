/**
 * The few document operations the stores need, so their semantics are written once
 * (stores.ts) and run unchanged on Firestore and in memory. Paths are Firestore paths:
 * `collection/doc[/subcollection/doc...]`.
 */

/** Reads and buffered writes of one transaction; every read must come before the first write. */
export interface DocumentTransaction {
  get<T>(path: string): Promise<T | undefined>;
  set(path: string, data: object): void;
  delete(path: string): void;
}

/** A simple query over one collection. */
export interface ListQuery {
  where?: { field: string; equals: string | number | boolean };
  orderBy?: { field: string; direction: 'asc' | 'desc' };
  limit?: number;
}

/** A field to set by path segments (segments may hold any characters, e.g. `mesh-config`). */
export interface FieldUpdate {
  path: readonly string[];
  value: unknown;
}

/** A document database with serializable transactions. */
export interface DocumentBackend {
  get<T>(path: string): Promise<T | undefined>;
  /** Documents directly in a collection (not in subcollections). */
  list<T>(collectionPath: string, query?: ListQuery): Promise<T[]>;
  /** Creates the document if absent; `false` when it already existed (nothing written). */
  create(path: string, data: object): Promise<boolean>;
  /** Sets fields of an existing document atomically, leaving the others; `false` if absent. */
  updateFields(path: string, fields: readonly FieldUpdate[]): Promise<boolean>;
  /**
   * Runs `body` in a transaction; it may run more than once on contention, so it must have no
   * effect other than through `tx`.
   */
  transaction<R>(body: (tx: DocumentTransaction) => Promise<R>): Promise<R>;
}

import { PermanentError } from '../errors.js';

/**
 * The few document operations the stores need, so their semantics are written once
 * (stores.ts) and run unchanged on Firestore and in memory. Paths are Firestore paths:
 * `collection/doc[/subcollection/doc...]`.
 */

/** Reads and buffered writes of one transaction; every read must come before the first write. */
export interface DocumentTransaction {
  get<T>(path: string): Promise<T | undefined>;
  /**
   * Documents directly in a collection, read in the transaction: a concurrent write to any of
   * them, or a document added to the collection, makes the transaction retry.
   */
  list<T>(collectionPath: string): Promise<T[]>;
  set(path: string, data: object): void;
  delete(path: string): void;
}

/** A simple query over one collection. */
export interface ListQuery {
  where?: { field: string; equals: string | number | boolean };
  /** Documents whose array `field` holds `value`. */
  whereContains?: { field: string; value: string };
  orderBy?: { field: string; direction: 'asc' | 'desc' };
  /** With `orderBy`: the first document is the first whose ordered field is at `startAt` or past it. */
  startAt?: string;
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

/**
 * A point in time that a backend stores natively, for fields a database reads as a time (a
 * Firestore TTL policy acts only on Timestamp fields). Put one in the data of `create`, `set` or
 * `updateFields`: Firestore writes a Timestamp; the memory backend keeps the ISO-8601 string
 * (through {@link TimestampValue.toJSON}, like every other value it copies). Either backend reads
 * it back as that ISO-8601 string, so records have one shape whatever the backend.
 */
export class TimestampValue {
  /** The instant, as a copy: a caller's later change to its Date never reaches the store. */
  readonly date: Date;

  constructor(date: Date) {
    if (Number.isNaN(date.getTime())) {
      throw new PermanentError('invalid-timestamp', 'a stored timestamp must be a valid date');
    }
    this.date = new Date(date.getTime());
  }

  /** The ISO-8601 string, which is what any reader of the record gets. */
  toJSON(): string {
    return this.date.toISOString();
  }
}

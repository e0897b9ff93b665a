import { randomBytes, createHash } from 'node:crypto';
import type { Clock } from './clock.js';
import { durationMs, type OperationKind } from './latency.js';

/**
 * The simulator's state: plain JSON (so it can be dumped, reset and persisted), plus the
 * operations that move it forward in time. Links inside stored resources use {@link ORIGIN}
 * as their scheme and host; the server swaps in the host the client called, because gcloud
 * follows links and must stay on its override URL.
 */

/** Placeholder origin of every link stored in the state. */
export const ORIGIN = 'http://gcp-sim.origin';

/** Any JSON object the simulator stores. */
export type Json = Record<string, unknown>;

/** Where a compute operation lives: `global/operations`, `regions/r/operations`, `zones/z/operations`. */
export type OperationScope =
  { kind: 'global' } | { kind: 'region'; region: string } | { kind: 'zone'; zone: string };

/** A state change an operation applies when it finishes (serializable, so it survives persistence). */
export type Completion =
  | { kind: 'none' }
  | { kind: 'patch'; collection: string; key: string; fields: Json }
  | { kind: 'remove'; collection: string; key: string }
  | { kind: 'cluster-ready'; key: string }
  | { kind: 'cluster-removed'; key: string }
  | { kind: 'node-pool-status'; key: string; pool: string; status: string; message?: string }
  | { kind: 'node-pool-removed'; key: string; pool: string }
  | { kind: 'all'; steps: Completion[] };

/** A long-running operation of any API. */
export interface StoredOperation {
  api: 'compute' | 'container' | 'serviceusage' | 'gkehub';
  /** Relative resource name, e.g. `projects/p/regions/r/operations/operation-1`. */
  key: string;
  /** Numeric id: compute accepts it in place of the name (the Node client polls by it). */
  id: string;
  name: string;
  project: string;
  scope: OperationScope;
  operationType: string;
  /** Relative path of the target, e.g. `projects/p/global/networks/n`. */
  targetPath: string;
  targetId: string;
  insertTime: string;
  startMs: number;
  doneAtMs: number;
  status: 'RUNNING' | 'DONE';
  endTime?: string;
  error?: { code: number; message: string };
  onDone: Completion;
  /** Applied instead of `onDone` when the operation fails. */
  onError: Completion;
  /** The response an LRO-style operation (serviceusage, gkehub) reports when done. */
  response?: Json;
  metadata?: Json;
}

/** The whole state, JSON-serializable. */
export interface SimState {
  version: 1;
  sequence: number;
  /** collection → resource key → resource. */
  resources: Record<string, Record<string, Json>>;
  operations: Record<string, StoredOperation>;
  /** `project/requestId` → operation key: Google deduplicates a repeated compute requestId. */
  requestIds: Record<string, string>;
}

/** An empty state. */
export function emptyState(): SimState {
  return { version: 1, sequence: 0, resources: {}, operations: {}, requestIds: {} };
}

/** Called when an operation's completion needs more than a state change (the cluster hooks). */
export type CompletionRunner = (completion: Completion, op: StoredOperation) => Promise<void>;

/** The state plus the primitives every API handler uses. */
export class SimStore {
  state: SimState = emptyState();
  /** Called after every change (persistence). */
  onChange: () => void = () => {};
  /**
   * Milliseconds of this store's clock a new service account stays invisible to `get` and
   * unusable in IAM bindings (IAM's eventual consistency). Defaults to the latency model's
   * figure under the time scale, so it is 0 at time scale 0; the server's options override it.
   */
  serviceAccountDelayMs: number;

  constructor(
    readonly clock: Clock,
    readonly timeScale: number,
    private readonly runCompletion: CompletionRunner,
  ) {
    this.serviceAccountDelayMs = durationMs('service-account-consistency', timeScale);
  }

  /** A unique, increasing numeric id (string, as Google's uint64 ids are). */
  nextId(): string {
    this.state.sequence += 1;
    return String(1_000_000_000_000 + this.state.sequence * 7919);
  }

  /** A stable project number for a project id (Google's are 12 digits). */
  projectNumber(project: string): string {
    const digest = createHash('sha256').update(project).digest();
    return String(100_000_000_000 + (digest.readUInt32BE(0) % 900_000_000_000));
  }

  /** An RFC 3339 timestamp of the simulator's clock. */
  timestamp(offsetMs = 0): string {
    return new Date(this.clock.now() + offsetMs).toISOString();
  }

  /** A fresh opaque etag. */
  etag(): string {
    return randomBytes(6).toString('base64');
  }

  /** A collection by name (`compute.networks`), created empty on first use. */
  collection(name: string): Record<string, Json> {
    return (this.state.resources[name] ??= {});
  }

  /** One resource by collection and key (its relative resource name). */
  get(collection: string, key: string): Json | undefined {
    return this.state.resources[collection]?.[key];
  }

  /** Stores a resource, replacing any with the same key. */
  put(collection: string, key: string, value: Json): Json {
    this.collection(collection)[key] = value;
    this.onChange();
    return value;
  }

  /** Forgets a resource; removing a missing one is not an error. */
  remove(collection: string, key: string): void {
    delete this.state.resources[collection]?.[key];
    this.onChange();
  }

  /** Resources of a collection whose key starts with `prefix`, in key order. */
  list(collection: string, prefix = ''): Json[] {
    return Object.entries(this.collection(collection))
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, value]) => value);
  }

  /** A Google-style operation id: `operation-<ms>-<hex>`. */
  operationName(): string {
    return `operation-${this.clock.now()}-${randomBytes(4).toString('hex')}`;
  }

  /**
   * Starts an operation that finishes after the latency model's duration for `kind`. With a
   * zero duration it finishes before this returns, as fast calls do on Google.
   */
  async startOperation(
    input: Omit<
      StoredOperation,
      'startMs' | 'doneAtMs' | 'status' | 'insertTime' | 'name' | 'key' | 'id'
    > & { kind: OperationKind; keyPrefix: string; name?: string },
  ): Promise<StoredOperation> {
    const { kind, keyPrefix, ...rest } = input;
    const name = input.name ?? this.operationName();
    const op: StoredOperation = {
      ...rest,
      name,
      id: this.nextId(),
      key: `${keyPrefix}/${name}`,
      insertTime: this.timestamp(),
      startMs: this.clock.now(),
      doneAtMs: this.clock.now() + durationMs(kind, this.timeScale),
      status: 'RUNNING',
    };
    this.state.operations[op.key] = op;
    this.onChange();
    await this.settle();
    return op;
  }

  /** Finishes every operation whose time has come, oldest first. */
  async settle(): Promise<void> {
    const now = this.clock.now();
    const due = Object.values(this.state.operations)
      .filter((op) => op.status === 'RUNNING' && op.doneAtMs <= now)
      .sort((a, b) => a.doneAtMs - b.doneAtMs);
    for (const op of due) {
      op.status = 'DONE';
      op.endTime = new Date(Math.max(op.doneAtMs, op.startMs)).toISOString();
      await this.apply(op.error ? op.onError : op.onDone, op);
      this.onChange();
    }
  }

  private async apply(completion: Completion, op: StoredOperation): Promise<void> {
    switch (completion.kind) {
      case 'none':
        return;
      case 'patch': {
        const current = this.get(completion.collection, completion.key);
        if (current) Object.assign(current, completion.fields);
        return;
      }
      case 'remove':
        this.remove(completion.collection, completion.key);
        return;
      case 'all':
        for (const step of completion.steps) await this.apply(step, op);
        return;
      default:
        await this.runCompletion(completion, op);
    }
  }

  /** Operations still running whose target is `targetPath` (GKE's one-operation rule). */
  runningOn(targetPrefix: string): StoredOperation[] {
    return Object.values(this.state.operations).filter(
      (op) => op.status === 'RUNNING' && op.targetPath.startsWith(targetPrefix),
    );
  }
}

/**
 * The simulator's storage: every object under its group, kind, namespace and name, one global
 * resourceVersion counter (as etcd's revision), and optional persistence to a JSON file,
 * written debounced after each change and loaded at start.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { type JsonObject } from '../../shared/lib/json.js';

/** Where an object lives. */
export interface ObjectAddress {
  group: string;
  kind: string;
  namespace: string | undefined;
  name: string;
}

interface PersistedState {
  resourceVersion: number;
  objects: { address: ObjectAddress; object: JsonObject }[];
}

function storageKey(address: ObjectAddress): string {
  return JSON.stringify([address.group, address.kind, address.namespace ?? '', address.name]);
}

/** In-memory object storage with an optional state file. */
export class ObjectStore {
  private readonly entries = new Map<string, { address: ObjectAddress; object: JsonObject }>();
  private revision = 0;
  private saveTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stateFile?: string,
    private readonly saveDelayMs = 50,
  ) {
    if (stateFile && existsSync(stateFile)) {
      let state: PersistedState;
      try {
        state = JSON.parse(readFileSync(stateFile, 'utf8')) as PersistedState;
      } catch (error) {
        throw new Error(
          `cannot read the Kubernetes simulator state file ${stateFile}: ${(error as Error).message}`,
        );
      }
      if (!Array.isArray(state.objects) || typeof state.resourceVersion !== 'number') {
        throw new Error(
          `the Kubernetes simulator state file ${stateFile} lacks "objects" and "resourceVersion"`,
        );
      }
      this.revision = state.resourceVersion;
      for (const entry of state.objects) this.entries.set(storageKey(entry.address), entry);
    }
  }

  /** True when the store holds no object (a fresh start, not a loaded state file). */
  get empty(): boolean {
    return this.entries.size === 0;
  }

  /** The current resourceVersion (last revision written). */
  get resourceVersion(): string {
    return String(this.revision);
  }

  /** Takes the next resourceVersion for a write. */
  nextResourceVersion(): string {
    this.revision += 1;
    return String(this.revision);
  }

  /** A copy of the object at an address, or undefined. */
  get(address: ObjectAddress): JsonObject | undefined {
    const entry = this.entries.get(storageKey(address));
    return entry ? structuredClone(entry.object) : undefined;
  }

  /** Copies of the objects of one kind, in one namespace or all, ordered by namespace and name. */
  list(group: string, kind: string, namespace: string | undefined): JsonObject[] {
    return [...this.entries.values()]
      .filter(
        (entry) =>
          entry.address.group === group &&
          entry.address.kind === kind &&
          (namespace === undefined || entry.address.namespace === namespace),
      )
      .sort(
        (a, b) =>
          (a.address.namespace ?? '').localeCompare(b.address.namespace ?? '') ||
          a.address.name.localeCompare(b.address.name),
      )
      .map((entry) => structuredClone(entry.object));
  }

  /** Stores (creates or replaces) an object. */
  put(address: ObjectAddress, object: JsonObject): void {
    this.entries.set(storageKey(address), { address, object: structuredClone(object) });
    this.scheduleSave();
  }

  /** Removes an object; true when it existed. */
  delete(address: ObjectAddress): boolean {
    const existed = this.entries.delete(storageKey(address));
    if (existed) this.scheduleSave();
    return existed;
  }

  /** Removes every namespaced object of a namespace; returns them. */
  deleteNamespaceContents(namespace: string): { address: ObjectAddress; object: JsonObject }[] {
    const removed: { address: ObjectAddress; object: JsonObject }[] = [];
    for (const [key, entry] of this.entries) {
      if (entry.address.namespace === namespace) {
        this.entries.delete(key);
        removed.push(entry);
      }
    }
    if (removed.length > 0) this.scheduleSave();
    return removed;
  }

  /** Copies of every object. */
  all(): JsonObject[] {
    return [...this.entries.values()].map((entry) => structuredClone(entry.object));
  }

  /** Forgets every object (the revision counter keeps growing, as a real cluster's would). */
  clear(): void {
    this.entries.clear();
    this.scheduleSave();
  }

  private scheduleSave(): void {
    if (!this.stateFile || this.saveTimer) return;
    this.saveTimer = setTimeout(() => this.flush(), this.saveDelayMs);
    this.saveTimer.unref();
  }

  /** Writes the state file now (atomically: temp file, then rename). */
  flush(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (!this.stateFile) return;
    const state: PersistedState = {
      resourceVersion: this.revision,
      objects: [...this.entries.values()],
    };
    mkdirSync(dirname(this.stateFile), { recursive: true });
    const temporary = `${this.stateFile}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(state));
    renameSync(temporary, this.stateFile);
  }
}

/**
 * The change feed behind watch: every stored change, kept for the last
 * {@link watchHistoryLength} events so a watch can resume from a recent resourceVersion, and
 * handed to every open watch.
 */
import { metadataOf } from './resource-request.js';
import type { JsonObject } from '../../shared/lib/json.js';

/** One change, as watch streams it. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  group: string;
  kind: string;
  resourceVersion: number;
  object: JsonObject;
}

/** How many past events a watch from an older resourceVersion can replay. */
export const watchHistoryLength = 2000;

/** Recent changes and the open watches. */
export class WatchHub {
  private readonly history: WatchEvent[] = [];
  private readonly watchers = new Set<(event: WatchEvent) => void>();

  /** `nextResourceVersion` numbers deletions, which store nothing. */
  constructor(private readonly nextResourceVersion: () => string) {}

  /** Records a change and hands it to every open watch. */
  publish(type: WatchEvent['type'], group: string, kind: string, object: JsonObject): void {
    const copy = structuredClone(object);
    const resourceVersion =
      type === 'DELETED' ? this.nextResourceVersion() : String(metadataOf(copy).resourceVersion);
    metadataOf(copy).resourceVersion = resourceVersion;
    const event: WatchEvent = {
      type,
      group,
      kind,
      resourceVersion: Number(resourceVersion),
      object: copy,
    };
    this.history.push(event);
    if (this.history.length > watchHistoryLength) this.history.shift();
    for (const watcher of this.watchers) watcher(event);
  }

  /** The resourceVersion of the oldest change still recorded. */
  get oldestResourceVersion(): number | undefined {
    return this.history[0]?.resourceVersion;
  }

  /** The recorded changes after a resourceVersion, oldest first. */
  since(resourceVersion: number): WatchEvent[] {
    return this.history.filter((event) => event.resourceVersion > resourceVersion);
  }

  /** Hands every later change to `watcher` until the returned function is called. */
  subscribe(watcher: (event: WatchEvent) => void): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }
}

/**
 * Per-kind write rules, as kube-apiserver's registry keeps them beside each resource's storage
 * (`rest.RESTCreateStrategy`, `rest.RESTUpdateStrategy`, `rest.RESTDeleteStrategy`): name
 * rules, defaulting, whether `metadata.generation` counts spec changes, what the main resource
 * does to `status`, deletion side effects and extra subresources. The write path asks the
 * strategy of the request's kind instead of testing kinds itself; a kind without its own
 * strategy gets the generic one, derived from its resource type.
 */
import type { ObjectAddress, ObjectStore } from '../object-store.js';
import type { ResourceRegistry, ResourceType } from '../resource-types.js';
import type { NameRule } from '../validation.js';
import type { JsonObject } from '../../../shared/lib/json.js';

/** What strategies may use of the server they belong to. */
export interface StrategyEnvironment {
  registry: ResourceRegistry;
  store: ObjectStore;
  /** The server clock, in the API's timestamp format (`2024-01-02T03:04:05Z`). */
  timestamp(): string;
}

/** An object a deletion removed besides the one asked for. */
export interface RemovedObject {
  address: ObjectAddress;
  object: JsonObject;
}

/** The `scale` subresource of a kind (`autoscaling/v1` Scale). */
export interface ScaleStrategy {
  /** The Scale view of a stored object. */
  view(object: JsonObject): JsonObject;
  /** Copies the replica count of a Scale document into the object; throws 422 when invalid. */
  apply(object: JsonObject, scale: JsonObject, name: string): void;
}

/** How the API server treats writes and deletions of one kind. */
export interface KindStrategy {
  /** How object names are validated. */
  nameRule: NameRule;
  /** Server-side defaults, on every write through the main resource. */
  applyDefaults(object: JsonObject, previous: JsonObject | undefined): void;
  /** Whether `metadata.generation` is kept and bumped when anything but metadata and status changes. */
  tracksGeneration: boolean;
  /**
   * Sets the status of an object written through the main resource (not the `status`
   * subresource): the stored one kept, or what the kind's controller would write.
   */
  resetStatus(object: JsonObject, previous: JsonObject | undefined): void;
  /** Objects served from outside the store, read-only (CRDs: the simulator's kinds are fixed). */
  fixedObjects?(): JsonObject[];
  /** Removes, when the object is deleted, what its controller would remove after it. */
  deleteDependents?(object: JsonObject): RemovedObject[];
  /** Marks the object a delete answers with (a namespace reports Terminating). */
  markDeleted?(object: JsonObject): void;
  /** The `scale` subresource, for kinds that have one. */
  scale?: ScaleStrategy;
}

/** A kind's own rules: what differs from the generic strategy. */
export type KindStrategyOverrides = Partial<KindStrategy>;

/** Builds a kind's overrides for one server (a strategy may keep per-server state). */
export type KindStrategyFactory = (environment: StrategyEnvironment) => KindStrategyOverrides;

/**
 * The generic strategy: no defaults; kinds with a status track generation and keep their
 * stored status on writes through the main resource, kinds without one drop a sent status.
 */
export function genericStrategy(type: ResourceType): KindStrategy {
  return {
    nameRule: 'dns1123-subdomain',
    applyDefaults: () => undefined,
    tracksGeneration: type.hasStatus,
    resetStatus: (object, previous) => {
      if (type.hasStatus && previous && previous.status !== undefined)
        object.status = previous.status;
      else delete object.status;
    },
  };
}

function strategyKey(group: string, kind: string): string {
  return `${group}/${kind}`;
}

/** One server's strategies, by kind. */
export class KindStrategies {
  private readonly overrides = new Map<string, KindStrategyOverrides>();
  private readonly resolved = new Map<ResourceType, KindStrategy>();

  constructor(
    environment: StrategyEnvironment,
    factories: readonly { group: string; kind: string; create: KindStrategyFactory }[],
  ) {
    for (const { group, kind, create } of factories)
      this.overrides.set(strategyKey(group, kind), create(environment));
  }

  /** The strategy of a resource type: its own rules over the generic ones. */
  of(type: ResourceType): KindStrategy {
    let strategy = this.resolved.get(type);
    if (!strategy) {
      strategy = {
        ...genericStrategy(type),
        ...this.overrides.get(strategyKey(type.group, type.kind)),
      };
      this.resolved.set(type, strategy);
    }
    return strategy;
  }
}

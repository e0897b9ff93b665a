/**
 * The unified registry of every resource the simulator serves: built-in kinds and the Istio
 * CRD kinds, looked up by group/version/plural (URLs) or group/kind (storage).
 */
import {
  builtinKinds,
  pruneBuiltin,
  validateBuiltin,
  type BuiltinKind,
  type SchemaError,
} from './builtin-kinds.js';
import {
  loadCrdKinds,
  pruneCustom,
  schemaAt,
  validateCustom,
  type CrdKind,
  type CrdVersion,
} from './crd-kinds.js';
import type { KindNames } from './kind-names.js';

/** How a list field merges under server-side apply and strategic merge patch. */
export type ListType = { type: 'atomic' } | { type: 'set' } | { type: 'map'; keys: string[] };

/** One served resource (kind), in all its served versions. */
export interface ResourceType extends KindNames {
  /** Served versions, preferred first. */
  versions: string[];
  readOnly: boolean;
  /** Whether the kind carries a `status` the main resource endpoint must leave unchanged. */
  hasStatus: boolean;
  /** Validates a whole object of `version`; returns schema errors (empty when valid). */
  validate(version: string, object: Record<string, unknown>): SchemaError[];
  /** Drops undeclared fields in place; returns their paths. */
  prune(version: string, object: Record<string, unknown>): string[];
  /** Merge semantics of the list at a path of field names (`['spec','template','spec','containers']`). */
  listType(names: readonly string[]): ListType;
  /** Printer columns beyond Name (CRD additionalPrinterColumns). */
  printerColumns(version: string): CrdVersion['printerColumns'];
  crd?: CrdKind;
}

/**
 * List merge keys of the built-in kinds (`x-kubernetes-list-map-keys` / patchMergeKey in the
 * Kubernetes API), keyed by the list's field name; `ports` depends on its parent. Lists not
 * named here are atomic — a documented approximation of the full per-type table.
 */
function builtinListType(names: readonly string[]): ListType {
  const field = names[names.length - 1];
  const parent = names[names.length - 2];
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'env':
    case 'volumes':
    case 'imagePullSecrets':
      return { type: 'map', keys: ['name'] };
    case 'volumeMounts':
    case 'volumeDevices':
      return { type: 'map', keys: ['mountPath'] };
    case 'ports':
      if (
        parent === 'containers' ||
        parent === 'initContainers' ||
        parent === 'ephemeralContainers'
      ) {
        return { type: 'map', keys: ['containerPort', 'protocol'] };
      }
      if (names.length === 2 && names[0] === 'spec')
        return { type: 'map', keys: ['port', 'protocol'] };
      return { type: 'atomic' };
    case 'ownerReferences':
      return { type: 'map', keys: ['uid'] };
    case 'conditions':
      return { type: 'map', keys: ['type'] };
    case 'finalizers':
      return { type: 'set' };
    case 'topologySpreadConstraints':
      return { type: 'map', keys: ['topologyKey', 'whenUnsatisfiable'] };
    default:
      return { type: 'atomic' };
  }
}

function fromBuiltin(builtin: BuiltinKind): ResourceType {
  return {
    group: builtin.group,
    versions: [builtin.version],
    kind: builtin.kind,
    listKind: `${builtin.kind}List`,
    plural: builtin.plural,
    singular: builtin.singular,
    namespaced: builtin.namespaced,
    shortNames: builtin.shortNames,
    categories: builtin.categories,
    readOnly: builtin.readOnly === true,
    hasStatus: !['ConfigMap', 'Secret', 'ServiceAccount', 'Role', 'RoleBinding'].includes(
      builtin.kind,
    ),
    validate: (_version, object) => validateBuiltin(builtin, object),
    prune: (_version, object) => pruneBuiltin(builtin.modelName, object),
    listType: (names) =>
      names[0] === 'metadata' || names[0] === 'spec' || names[0] === 'status'
        ? builtinListType(names)
        : { type: 'atomic' },
    printerColumns: () => [],
  };
}

function fromCrd(crd: CrdKind): ResourceType {
  const versionOf = (name: string): CrdVersion =>
    crd.versions.find((version) => version.name === name) ?? (crd.versions[0] as CrdVersion);
  const { versions: _versions, definition: _definition, ...names } = crd;
  return {
    ...names,
    versions: crd.versions.map((version) => version.name),
    readOnly: false,
    hasStatus: true,
    validate: (version, object) => validateCustom(versionOf(version).schema, object),
    prune: (version, object) => {
      // apiVersion, kind and metadata are always kept (metadata is pruned as ObjectMeta); the
      // CRD schema declares them loosely or not at all.
      const { metadata, apiVersion: _apiVersion, kind: _kind, ...rest } = object;
      const removed = pruneCustom(versionOf(version).schema, rest);
      for (const key of Object.keys(object)) {
        if (!['metadata', 'apiVersion', 'kind'].includes(key) && !(key in rest)) delete object[key];
      }
      removed.push(...pruneBuiltin('V1ObjectMeta', metadata, 'metadata'));
      return removed;
    },
    listType: (names) => {
      if (names[0] === 'metadata') return builtinListType(names);
      const node = schemaAt(crd.versions[0]?.schema ?? {}, names);
      if (node?.['x-kubernetes-list-type'] === 'map') {
        return {
          type: 'map',
          keys: (node['x-kubernetes-list-map-keys'] as string[] | undefined) ?? [],
        };
      }
      if (node?.['x-kubernetes-list-type'] === 'set') return { type: 'set' };
      return { type: 'atomic' };
    },
    printerColumns: (version) => versionOf(version).printerColumns,
    crd,
  };
}

/** Lookup tables over every served resource. */
export class ResourceRegistry {
  readonly types: readonly ResourceType[];

  constructor() {
    this.types = [...builtinKinds.map(fromBuiltin), ...loadCrdKinds().map(fromCrd)];
  }

  /** The resource served at `/apis/{group}/{version}/{plural}` (or `/api/v1/{plural}`). */
  byPlural(group: string, version: string, plural: string): ResourceType | undefined {
    return this.types.find(
      (type) => type.group === group && type.plural === plural && type.versions.includes(version),
    );
  }

  /** Every resource served in a group version, as discovery and OpenAPI list them. */
  inGroupVersion(group: string, version: string): ResourceType[] {
    return this.types.filter((type) => type.group === group && type.versions.includes(version));
  }

  /** Every group with its versions, preferred first, as discovery lists them. */
  groups(): { group: string; versions: string[] }[] {
    const result: { group: string; versions: string[] }[] = [];
    for (const type of this.types) {
      let entry = result.find((candidate) => candidate.group === type.group);
      if (!entry) {
        entry = { group: type.group, versions: [] };
        result.push(entry);
      }
      for (const version of type.versions)
        if (!entry.versions.includes(version)) entry.versions.push(version);
    }
    return result;
  }
}

/** Splits `apps/v1` into group and version (`v1` is the core group). */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

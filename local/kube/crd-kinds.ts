/**
 * The Istio kinds, read from the CustomResourceDefinitions the simulator ships
 * (`schemas/istio-crds.yaml`, Istio 1.30): names, scope, served versions, printer columns and
 * the structural `openAPIV3Schema` of each version, compiled with ajv for validation.
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { SchemaError } from './builtin-kinds.js';
import type { KindNames } from './kind-names.js';
import { isPlainObject } from '../../shared/lib/json.js';

/** A JSON schema node of a structural CRD schema. */
export type StructuralSchema = Record<string, unknown>;

/** One served version of a CRD. */
export interface CrdVersion {
  name: string;
  schema: StructuralSchema;
  printerColumns: { name: string; type: string; jsonPath: string; description?: string }[];
}

/** The parts of a CustomResourceDefinition the simulator uses. */
export interface CrdKind extends KindNames {
  /** Served versions, most preferred first (Kubernetes version priority: v1 > v1beta1 > v1alpha3). */
  versions: CrdVersion[];
  /** The CRD object itself, for `kubectl get crds`. */
  definition: Record<string, unknown>;
}

const crdFile = new URL('./schemas/istio-crds.yaml', import.meta.url);

/** Orders versions as Kubernetes does: GA > beta > alpha, higher numbers first. */
export function compareKubeVersions(a: string, b: string): number {
  const parse = (version: string): [number, number, number] => {
    const match = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(version);
    if (!match) return [0, 0, 0];
    const stability = match[2] === undefined ? 3 : match[2] === 'beta' ? 2 : 1;
    return [stability, Number(match[1]), Number(match[3] ?? 0)];
  };
  const [sa, ma, na] = parse(a);
  const [sb, mb, nb] = parse(b);
  return sb - sa || mb - ma || nb - na;
}

/** The fields of a CustomResourceDefinition document the loader reads. */
interface CrdDocument {
  kind: string;
  spec: {
    group: string;
    scope: string;
    names: {
      kind: string;
      listKind?: string;
      plural: string;
      singular?: string;
      shortNames?: string[];
      categories?: string[];
    };
    versions: {
      name: string;
      served: boolean;
      schema?: { openAPIV3Schema?: StructuralSchema };
      additionalPrinterColumns?: CrdVersion['printerColumns'];
    }[];
  };
}

let cachedKinds: CrdKind[] | undefined;

/** Loads (once per process) every CRD in `schemas/istio-crds.yaml`. */
export function loadCrdKinds(): CrdKind[] {
  if (cachedKinds) return cachedKinds;
  // `yaml` parses this 900 kB file in about 0.4 s (js-yaml took about 0.07 s): paid once per
  // process, when the first simulator starts, which does not justify a second YAML library or
  // a generated JSON copy of the CRDs.
  const documents = parseAllDocuments(readFileSync(crdFile, 'utf8')).map((document) => {
    if (document.errors[0]) throw document.errors[0];
    return document.toJS() as CrdDocument | null;
  });
  const kinds: CrdKind[] = [];
  for (const crd of documents) {
    if (!crd || crd.kind !== 'CustomResourceDefinition') continue;
    const spec = crd.spec;
    const versions: CrdVersion[] = spec.versions
      .filter((version) => version.served)
      .map((version) => ({
        name: String(version.name),
        schema: (version.schema?.openAPIV3Schema ?? { type: 'object' }) as StructuralSchema,
        printerColumns: version.additionalPrinterColumns ?? [],
      }))
      .sort((a, b) => compareKubeVersions(a.name, b.name));
    kinds.push({
      group: spec.group,
      kind: spec.names.kind,
      listKind: spec.names.listKind ?? `${spec.names.kind}List`,
      plural: spec.names.plural,
      singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
      namespaced: spec.scope === 'Namespaced',
      shortNames: spec.names.shortNames ?? [],
      categories: spec.names.categories ?? [],
      versions,
      definition: crd as unknown as Record<string, unknown>,
    });
  }
  cachedKinds = kinds;
  return kinds;
}

/**
 * Rewrites the Kubernetes extensions ajv does not know into plain JSON schema:
 * `x-kubernetes-int-or-string` becomes `anyOf: [integer, string]`; CEL rules
 * (`x-kubernetes-validations`) are dropped here and evaluated by `cel/crd-rules.ts`.
 */
function toAjvSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toAjvSchema);
  if (typeof node !== 'object' || node === null) return node;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'x-kubernetes-validations' || key === 'description') continue;
    // `properties` and `required` hold names, not schemas: only recurse into schema positions.
    if (key === 'properties' && typeof value === 'object' && value !== null) {
      result[key] = Object.fromEntries(
        Object.entries(value).map(([name, schema]) => [name, toAjvSchema(schema)]),
      );
    } else {
      result[key] = key === 'required' || key === 'enum' ? value : toAjvSchema(value);
    }
  }
  if (result['x-kubernetes-int-or-string'] === true) {
    delete result.type;
    result.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  return result;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
let ajv: Ajv | undefined;
const compiled = new Map<StructuralSchema, ValidateFunction>();

function validatorFor(schema: StructuralSchema): ValidateFunction {
  let validate = compiled.get(schema);
  if (validate) return validate;
  if (!ajv) {
    ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats(ajv);
    // OpenAPI number formats the Kubernetes schema uses; ajv-formats knows only int32/int64
    // in some versions, so declare them all explicitly.
    ajv.addFormat('int32', {
      type: 'number',
      validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31,
    });
    ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
    ajv.addFormat('double', { type: 'number', validate: () => true });
    ajv.addFormat('float', { type: 'number', validate: () => true });
  }
  // metadata is validated by the generic ObjectMeta rules, not by the CRD's schema.
  const withoutMetadata = {
    ...schema,
    properties: { ...(schema.properties as object), metadata: { type: 'object' } },
  };
  validate = ajv.compile(toAjvSchema(withoutMetadata) as object);
  compiled.set(schema, validate);
  return validate;
}

/** Validates a custom object against its version's schema; returns ajv errors. */
export function validateCustom(schema: StructuralSchema, object: unknown): SchemaError[] {
  const validate = validatorFor(schema);
  if (validate(object)) return [];
  return (validate.errors ?? []) as SchemaError[];
}

/**
 * Structural pruning: removes, in place, every field the schema does not declare, unless the
 * node says `x-kubernetes-preserve-unknown-fields: true` — what a real API server does to
 * CRDs with `preserveUnknownFields: false`. Returns the removed paths (`spec.foo`).
 */
export function pruneCustom(schema: StructuralSchema, value: unknown, path = ''): string[] {
  const removed: string[] = [];
  if (Array.isArray(value)) {
    const items = schema.items as StructuralSchema | undefined;
    if (items)
      value.forEach((item, index) =>
        removed.push(...pruneCustom(items, item, `${path}[${index}]`)),
      );
    return removed;
  }
  if (!isPlainObject(value)) return removed;
  const properties = schema.properties as Record<string, StructuralSchema> | undefined;
  const additional = schema.additionalProperties;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  for (const [key, item] of Object.entries(value)) {
    const childPath = path === '' ? key : `${path}.${key}`;
    const declared = properties?.[key];
    if (declared) {
      removed.push(...pruneCustom(declared, item, childPath));
    } else if (isPlainObject(additional)) {
      removed.push(...pruneCustom(additional as StructuralSchema, item, childPath));
    } else if (!preserve && additional !== true) {
      delete value[key];
      removed.push(childPath);
    }
  }
  return removed;
}

/** The sub-schema at a path of field names (list items are stepped through transparently). */
export function schemaAt(
  schema: StructuralSchema,
  names: readonly string[],
): StructuralSchema | undefined {
  let node: StructuralSchema | undefined = schema;
  for (const name of names) {
    if (!node) return undefined;
    if (node.type === 'array') node = node.items as StructuralSchema | undefined;
    if (!node) return undefined;
    const properties = node.properties as Record<string, StructuralSchema> | undefined;
    const additional = node.additionalProperties;
    node =
      properties?.[name] ??
      (isPlainObject(additional) ? (additional as StructuralSchema) : undefined);
  }
  return node;
}

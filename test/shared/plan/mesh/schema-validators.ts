import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parseAllDocuments } from 'yaml';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import type { KubeObject } from '../../../../shared/plan/kube-object.js';
import { fixturePath } from './tutorial.js';

type JsonSchema = Record<string, unknown>;

/**
 * The API server prunes unknown fields of a structural schema silently; a pruned field is a
 * compiler bug, so the test schemas forbid them (except where the CRD preserves unknown fields).
 */
function forbidUnknownFields(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(forbidUnknownFields);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema as JsonSchema)) {
    out[key] = key === 'properties' ? mapValues(value as JsonSchema) : forbidUnknownFields(value);
  }
  if (
    out.properties &&
    !out['x-kubernetes-preserve-unknown-fields'] &&
    !('additionalProperties' in out)
  ) {
    out.additionalProperties = false;
  }
  return out;
}

function mapValues(properties: JsonSchema): JsonSchema {
  return Object.fromEntries(
    Object.entries(properties).map(([k, v]) => [k, forbidUnknownFields(v)]),
  );
}

// ajv-formats is CommonJS: its module.exports is the plugin function itself.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Validates objects of the Istio kinds against their CRD's OpenAPI v3 schema. */
export interface IstioValidators {
  /** Errors of one object, or a message that no CRD version matches its apiVersion and kind. */
  errors(obj: KubeObject): string[];
}

/**
 * Validators of the Istio kinds, one per `group/version` + kind, from the CRDs' OpenAPI v3
 * schemas (test/fixtures/mesh/istio-crds.yaml), compiled on first use (compiling all of them
 * takes seconds). CEL rules (x-kubernetes-validations) are not evaluated here: ajv knows the
 * x-kubernetes-* keywords only as annotations.
 */
export function loadIstioValidators(): IstioValidators {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  // OpenAPI number formats of the CRDs that ajv-formats may not know.
  ajv.addFormat('double', { type: 'number', validate: () => true });
  ajv.addFormat('float', { type: 'number', validate: () => true });
  for (const keyword of [
    'x-kubernetes-validations',
    'x-kubernetes-int-or-string',
    'x-kubernetes-preserve-unknown-fields',
    'x-kubernetes-list-map-keys',
    'x-kubernetes-list-type',
  ]) {
    ajv.addKeyword(keyword);
  }
  const schemas = new Map<string, JsonSchema>();
  const docs = parseAllDocuments(readFileSync(fixturePath('istio-crds.yaml'), 'utf8'));
  for (const doc of docs) {
    const crd = doc.toJS() as {
      spec: {
        group: string;
        names: { kind: string };
        versions: { name: string; schema: { openAPIV3Schema: JsonSchema } }[];
      };
    } | null;
    if (!crd) continue;
    for (const version of crd.spec.versions) {
      schemas.set(
        `${crd.spec.group}/${version.name}/${crd.spec.names.kind}`,
        version.schema.openAPIV3Schema,
      );
    }
  }
  const compiled = new Map<string, ValidateFunction>();
  const validatorFor = (key: string): ValidateFunction | undefined => {
    const cached = compiled.get(key);
    if (cached) return cached;
    const raw = schemas.get(key);
    if (!raw) return undefined;
    const schema = forbidUnknownFields(raw) as JsonSchema;
    // metadata, apiVersion and kind are the API server's; the CRD schema describes spec only.
    const properties = {
      ...(schema.properties as JsonSchema),
      apiVersion: {},
      kind: {},
      metadata: {},
    };
    const validate = ajv.compile({ ...schema, properties });
    compiled.set(key, validate);
    return validate;
  };
  return {
    errors(obj) {
      const validate = validatorFor(`${obj.apiVersion}/${obj.kind}`);
      if (!validate) return [`no CRD schema for ${obj.apiVersion} ${obj.kind}`];
      if (validate(obj)) return [];
      return (validate.errors ?? []).map(
        (e) => `${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
      );
    },
  };
}

/** kubernetes-models classes of the built-in kinds the compiler emits, by apiVersion/kind. */
const builtInModels: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
};

/** Whether a kind is one of Kubernetes' own (validated by kubernetes-models). */
export function isBuiltIn(obj: KubeObject): boolean {
  return `${obj.apiVersion}/${obj.kind}` in builtInModels;
}

/** Errors of a built-in object against the Kubernetes OpenAPI schema (kubernetes-models). */
export function builtInErrors(obj: KubeObject): string[] {
  const Model = builtInModels[`${obj.apiVersion}/${obj.kind}`];
  if (!Model) return [`no Kubernetes schema for ${obj.apiVersion} ${obj.kind}`];
  try {
    new Model(structuredClone(obj) as never).validate();
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
}

/**
 * The built-in Kubernetes kinds the simulator serves, with their validators (the Kubernetes
 * OpenAPI schemas compiled by `kubernetes-models`) and the model class of
 * `@kubernetes/client-node` whose attribute map lists every field the API server knows (used to
 * drop unknown fields, as a real server's decoder does).
 */
import * as kubeModels from '@kubernetes/client-node';
// One module per kind: the group indexes load every kind of the group (several times slower).
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition';
import { isPlainObject } from '../../shared/lib/json.js';

/** An ajv-style error as `kubernetes-models` validators report it. */
export interface SchemaError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** A model class of `kubernetes-models`: validates in `validate()`, throwing `{ errors }`. */
type ModelClass = new (data: never) => { validate(): void };

/** Static description of one built-in resource. */
export interface BuiltinKind {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** Class name in `@kubernetes/client-node` (field list for pruning). */
  modelName: string;
  model: ModelClass;
  /** Read-only kinds are listed, never written (CRDs: the simulator's kinds are fixed). */
  readOnly?: boolean;
}

/** Every built-in kind the simulator serves. */
export const builtinKinds: readonly BuiltinKind[] = [
  {
    group: '',
    version: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    singular: 'namespace',
    namespaced: false,
    shortNames: ['ns'],
    categories: [],
    modelName: 'V1Namespace',
    model: Namespace as unknown as ModelClass,
  },
  {
    group: '',
    version: 'v1',
    kind: 'ServiceAccount',
    plural: 'serviceaccounts',
    singular: 'serviceaccount',
    namespaced: true,
    shortNames: ['sa'],
    categories: [],
    modelName: 'V1ServiceAccount',
    model: ServiceAccount as unknown as ModelClass,
  },
  {
    group: '',
    version: 'v1',
    kind: 'Service',
    plural: 'services',
    singular: 'service',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    modelName: 'V1Service',
    model: Service as unknown as ModelClass,
  },
  {
    group: '',
    version: 'v1',
    kind: 'ConfigMap',
    plural: 'configmaps',
    singular: 'configmap',
    namespaced: true,
    shortNames: ['cm'],
    categories: [],
    modelName: 'V1ConfigMap',
    model: ConfigMap as unknown as ModelClass,
  },
  {
    group: '',
    version: 'v1',
    kind: 'Secret',
    plural: 'secrets',
    singular: 'secret',
    namespaced: true,
    shortNames: [],
    categories: [],
    modelName: 'V1Secret',
    model: Secret as unknown as ModelClass,
  },
  {
    group: '',
    version: 'v1',
    kind: 'Pod',
    plural: 'pods',
    singular: 'pod',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    modelName: 'V1Pod',
    model: Pod as unknown as ModelClass,
  },
  {
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    plural: 'deployments',
    singular: 'deployment',
    namespaced: true,
    shortNames: ['deploy'],
    categories: ['all'],
    modelName: 'V1Deployment',
    model: Deployment as unknown as ModelClass,
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'NetworkPolicy',
    plural: 'networkpolicies',
    singular: 'networkpolicy',
    namespaced: true,
    shortNames: ['netpol'],
    categories: [],
    modelName: 'V1NetworkPolicy',
    model: NetworkPolicy as unknown as ModelClass,
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'Role',
    plural: 'roles',
    singular: 'role',
    namespaced: true,
    shortNames: [],
    categories: [],
    modelName: 'V1Role',
    model: Role as unknown as ModelClass,
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'RoleBinding',
    plural: 'rolebindings',
    singular: 'rolebinding',
    namespaced: true,
    shortNames: [],
    categories: [],
    modelName: 'V1RoleBinding',
    model: RoleBinding as unknown as ModelClass,
  },
  {
    group: 'policy',
    version: 'v1',
    kind: 'PodDisruptionBudget',
    plural: 'poddisruptionbudgets',
    singular: 'poddisruptionbudget',
    namespaced: true,
    shortNames: ['pdb'],
    categories: [],
    modelName: 'V1PodDisruptionBudget',
    model: PodDisruptionBudget as unknown as ModelClass,
  },
  {
    group: 'autoscaling',
    version: 'v2',
    kind: 'HorizontalPodAutoscaler',
    plural: 'horizontalpodautoscalers',
    singular: 'horizontalpodautoscaler',
    namespaced: true,
    shortNames: ['hpa'],
    categories: ['all'],
    modelName: 'V2HorizontalPodAutoscaler',
    model: HorizontalPodAutoscaler as unknown as ModelClass,
  },
  {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    kind: 'CustomResourceDefinition',
    plural: 'customresourcedefinitions',
    singular: 'customresourcedefinition',
    namespaced: false,
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    modelName: 'V1CustomResourceDefinition',
    model: CustomResourceDefinition as unknown as ModelClass,
    readOnly: true,
  },
];

/** Runs the kind's OpenAPI validator; returns its errors (empty when valid). */
export function validateBuiltin(kind: BuiltinKind, object: Record<string, unknown>): SchemaError[] {
  try {
    new kind.model(object as never).validate();
    return [];
  } catch (error) {
    const errors = (error as { errors?: SchemaError[] }).errors;
    if (Array.isArray(errors)) return errors;
    throw error;
  }
}

interface AttributeType {
  baseName: string;
  type: string;
}

const modelIndex = kubeModels as unknown as Record<
  string,
  { getAttributeTypeMap?: () => AttributeType[] } | undefined
>;

/**
 * Removes, in place, every field the model type does not declare, returning the removed paths
 * (`spec.foo`): the API server's decoder drops unknown fields of built-in kinds the same way.
 */
export function pruneBuiltin(typeName: string, value: unknown, path = ''): string[] {
  const removed: string[] = [];
  const arrayType = /^Array<(.+)>$/.exec(typeName);
  if (arrayType) {
    if (Array.isArray(value)) {
      value.forEach((item, index) =>
        removed.push(...pruneBuiltin(arrayType[1] ?? 'any', item, `${path}[${index}]`)),
      );
    }
    return removed;
  }
  const mapType = /^\{ \[key: string\]: (.+); \}$/.exec(typeName);
  if (mapType) {
    if (isPlainObject(value)) {
      for (const [key, item] of Object.entries(value)) {
        removed.push(...pruneBuiltin(mapType[1] ?? 'any', item, `${path}.${key}`));
      }
    }
    return removed;
  }
  const attributes = modelIndex[typeName]?.getAttributeTypeMap?.();
  if (!attributes || !isPlainObject(value)) return removed;
  for (const [key, item] of Object.entries(value)) {
    const attribute = attributes.find((candidate) => candidate.baseName === key);
    const childPath = path === '' ? key : `${path}.${key}`;
    if (!attribute) {
      delete value[key];
      removed.push(childPath);
    } else {
      removed.push(...pruneBuiltin(attribute.type, item, childPath));
    }
  }
  return removed;
}

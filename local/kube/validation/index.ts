/**
 * Kubernetes' built-in validation of the kinds the product writes, one module per API group
 * (`core.ts`, `apps.ts`, `networking.ts`, `rbac.ts`, `policy.ts`), with the field errors and
 * format checks of apimachinery in `fields.ts` and ObjectMeta in `meta.ts`. Admission runs
 * {@link builtinCauses} on every write (create, update, patch, apply) after defaulting; CRD kinds
 * have no entry here. Updates also check what the kind makes immutable.
 */
import type { StatusCause } from '../status-errors.js';
import type { JsonObject } from '../../../shared/lib/json.js';
import { validateDeployment } from './apps.js';
import { validateConfigMap, validateService } from './core.js';
import { validateNetworkPolicy } from './networking.js';
import { validateHorizontalPodAutoscaler, validatePodDisruptionBudget } from './policy.js';
import { roleBindingValidator, roleValidator } from './rbac.js';

export { validateObjectMeta, type NameRule } from './meta.js';

/** A kind's validation; `previous` is the stored object on updates (immutable fields). */
type KindValidator = (object: JsonObject, previous: JsonObject | undefined) => StatusCause[];

const validators = new Map<string, KindValidator>([
  ['/Service', validateService],
  ['/ConfigMap', validateConfigMap],
  ['apps/Deployment', validateDeployment],
  ['networking.k8s.io/NetworkPolicy', validateNetworkPolicy],
  ['rbac.authorization.k8s.io/Role', roleValidator(true)],
  ['rbac.authorization.k8s.io/ClusterRole', roleValidator(false)],
  ['rbac.authorization.k8s.io/RoleBinding', roleBindingValidator(true)],
  ['rbac.authorization.k8s.io/ClusterRoleBinding', roleBindingValidator(false)],
  ['policy/PodDisruptionBudget', validatePodDisruptionBudget],
  ['autoscaling/HorizontalPodAutoscaler', validateHorizontalPodAutoscaler],
]);

/** The causes of the kind's own validation (beyond ObjectMeta) for one object; [] when valid. */
export function builtinCauses(
  group: string,
  kind: string,
  object: JsonObject,
  previous?: JsonObject,
): StatusCause[] {
  return validators.get(`${group}/${kind}`)?.(object, previous) ?? [];
}

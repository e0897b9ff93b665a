/**
 * `apps` kinds, after k8s.io/kubernetes pkg/apis/apps/validation/validation.go
 * `ValidateDeploymentSpec` and `ValidatePodTemplateSpecForReplicaSet`.
 */
import type { StatusCause } from '../status-errors.js';
import { isPlainObject, type JsonObject } from '../../../shared/lib/json.js';
import { validatePodTemplateSpec, validateRestartPolicyAlways } from './core.js';
import {
  FieldPath,
  forbidden,
  has,
  immutable,
  invalidValue,
  listAt,
  notSupported,
  objectAt,
  required,
  stringMapAt,
} from './fields.js';
import { selectorIsEvaluable, selectorMatches, validateLabelSelector } from './meta.js';

/** `ValidateNonnegativeField`. */
export function validateNonnegative(value: unknown, path: FieldPath): StatusCause[] {
  return typeof value === 'number' && value < 0
    ? [invalidValue(path, value, 'must be greater than or equal to 0')]
    : [];
}

/** `ValidateDeploymentStrategy`, for what the simulator does not default. */
function validateStrategy(spec: JsonObject, path: FieldPath): StatusCause[] {
  if (!isPlainObject(spec.strategy)) return [];
  const strategy = spec.strategy;
  const type = strategy.type;
  if (type === undefined || type === 'RollingUpdate') return [];
  if (type === 'Recreate')
    return has(strategy, 'rollingUpdate')
      ? [
          forbidden(
            path.child('rollingUpdate'),
            "may not be specified when strategy `type` is 'Recreate'",
          ),
        ]
      : [];
  return [notSupported(path.child('type'), type, ['Recreate', 'RollingUpdate'])];
}

/**
 * `ValidateDeploymentSpec`: replicas, selector (required, non-empty, matching the template),
 * template; on update the selector is immutable (pkg/registry/apps/deployment/strategy.go
 * `ValidateUpdate`, every group version but extensions/v1beta1).
 */
export function validateDeployment(
  deployment: JsonObject,
  previous: JsonObject | undefined,
): StatusCause[] {
  return [
    ...validateDeploymentSpec(deployment),
    ...(previous
      ? immutable(
          objectAt(deployment, 'spec').selector,
          objectAt(previous, 'spec').selector,
          FieldPath.root('spec').child('selector'),
        )
      : []),
  ];
}

function validateDeploymentSpec(deployment: JsonObject): StatusCause[] {
  const spec = objectAt(deployment, 'spec');
  const path = FieldPath.root('spec');
  const causes = validateNonnegative(spec.replicas, path.child('replicas'));
  const selector = isPlainObject(spec.selector) ? spec.selector : undefined;
  if (!selector) {
    causes.push(required(path.child('selector')));
  } else {
    causes.push(...validateLabelSelector(selector, path.child('selector')));
    const size =
      Object.keys(objectAt(selector, 'matchLabels')).length +
      listAt(selector, 'matchExpressions').length;
    if (size === 0)
      causes.push(
        invalidValue(path.child('selector'), selector, 'empty selector is invalid for deployment'),
      );
  }
  if (selector && !selectorIsEvaluable(selector)) {
    causes.push(invalidValue(path.child('selector'), selector, 'invalid label selector'));
    return causes;
  }
  const template = objectAt(spec, 'template');
  const templatePath = path.child('template');
  const labels = stringMapAt(objectAt(template, 'metadata'), 'labels');
  // A missing selector selects nothing (`labels.Nothing()`), an empty one everything.
  const empty =
    selector !== undefined &&
    Object.keys(objectAt(selector, 'matchLabels')).length === 0 &&
    listAt(selector, 'matchExpressions').length === 0;
  if (!empty && (!selector || !selectorMatches(selector, labels ?? {}))) {
    causes.push(
      invalidValue(
        templatePath.child('metadata', 'labels'),
        labels ?? null,
        '`selector` does not match template `labels`',
      ),
    );
  }
  causes.push(...validatePodTemplateSpec(template, templatePath));
  causes.push(...validateRestartPolicyAlways(template, templatePath));
  causes.push(...validateStrategy(spec, path.child('strategy')));
  return causes;
}

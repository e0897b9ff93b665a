/**
 * `policy` PodDisruptionBudget and `autoscaling` HorizontalPodAutoscaler, after k8s.io/kubernetes
 * pkg/apis/policy/validation/validation.go `ValidatePodDisruptionBudgetSpec` and
 * pkg/apis/autoscaling/validation/validation.go `validateHorizontalPodAutoscalerSpec`,
 * `ValidateCrossVersionObjectReference`.
 */
import type { StatusCause } from '../status-errors.js';
import type { JsonObject } from '../../../shared/lib/json.js';
import { validateNonnegative } from './apps.js';
import {
  FieldPath,
  has,
  invalidEach,
  invalidValue,
  isValidPathSegmentName,
  objectAt,
  regexError,
  required,
  stringAt,
} from './fields.js';
import { validateLabelSelector } from './meta.js';

/** `ValidatePositiveIntOrPercent` and `IsNotMoreThan100Percent`. */
function validateIntOrPercent(value: unknown, path: FieldPath): StatusCause[] {
  if (typeof value === 'number') return validateNonnegative(value, path);
  if (typeof value !== 'string') return [];
  if (!/^[0-9]+%$/.test(value))
    return [
      invalidValue(
        path,
        value,
        regexError(
          "a valid percent string must be a numeric string followed by an ending '%'",
          '[0-9]+%',
          '1%',
          '93%',
        ),
      ),
    ];
  return Number(value.slice(0, -1)) > 100
    ? [invalidValue(path, value, 'must not be greater than 100%')]
    : [];
}

/** `ValidatePodDisruptionBudgetSpec`. */
export function validatePodDisruptionBudget(budget: JsonObject): StatusCause[] {
  const spec = objectAt(budget, 'spec');
  const path = FieldPath.root('spec');
  const causes: StatusCause[] = [];
  if (has(spec, 'minAvailable') && has(spec, 'maxUnavailable'))
    causes.push(invalidValue(path, spec, 'minAvailable and maxUnavailable cannot be both set'));
  for (const key of ['minAvailable', 'maxUnavailable'])
    if (has(spec, key)) causes.push(...validateIntOrPercent(spec[key], path.child(key)));
  causes.push(...validateLabelSelector(spec.selector, path.child('selector')));
  return causes;
}

/** `validateHorizontalPodAutoscalerSpec`: the target reference and the replica bounds. */
export function validateHorizontalPodAutoscaler(autoscaler: JsonObject): StatusCause[] {
  const spec = objectAt(autoscaler, 'spec');
  const path = FieldPath.root('spec');
  const causes: StatusCause[] = [];
  const minReplicas = typeof spec.minReplicas === 'number' ? spec.minReplicas : undefined;
  const maxReplicas = typeof spec.maxReplicas === 'number' ? spec.maxReplicas : 0;
  if (minReplicas !== undefined && minReplicas < 1)
    causes.push(
      invalidValue(path.child('minReplicas'), minReplicas, 'must be greater than or equal to 1'),
    );
  if (maxReplicas < 1)
    causes.push(invalidValue(path.child('maxReplicas'), maxReplicas, 'must be greater than 0'));
  if (minReplicas !== undefined && maxReplicas < minReplicas)
    causes.push(
      invalidValue(
        path.child('maxReplicas'),
        maxReplicas,
        'must be greater than or equal to `minReplicas`',
      ),
    );
  const target = objectAt(spec, 'scaleTargetRef');
  const targetPath = path.child('scaleTargetRef');
  for (const key of ['kind', 'name']) {
    const value = stringAt(target, key);
    if (value === '') causes.push(required(targetPath.child(key)));
    else causes.push(...invalidEach(targetPath.child(key), value, isValidPathSegmentName(value)));
  }
  return causes;
}

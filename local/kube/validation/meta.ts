/**
 * ObjectMeta, labels, annotations and label selectors (apimachinery pkg/api/validation
 * objectmeta.go `ValidateObjectMetaAccessor`, pkg/apis/meta/v1/validation/validation.go
 * `ValidateLabels`, `ValidateLabelSelector`).
 */
import type { StatusCause } from '../status-errors.js';
import { isPlainObject, type JsonObject } from '../../../shared/lib/json.js';
import {
  FieldPath,
  forbidden,
  invalidEach,
  invalidValue,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPathSegmentName,
  listAt,
  required,
  stringAt,
  tooLong,
} from './fields.js';

/**
 * How a kind's object names are checked (`ValidateNameFunc`): a DNS-1123 label (namespaces), a
 * DNS-1035 label (services), a path segment (RBAC kinds) or a DNS-1123 subdomain (the rest).
 */
export type NameRule = 'dns1123-label' | 'dns1035-label' | 'dns1123-subdomain' | 'path-segment';

const nameChecks: Record<NameRule, (name: string) => string[]> = {
  'dns1123-label': isDNS1123Label,
  'dns1035-label': isDNS1035Label,
  'dns1123-subdomain': isDNS1123Subdomain,
  'path-segment': isValidPathSegmentName,
};

/** The messages of a name rule for one name (`[]` when valid). */
export function nameErrors(name: string, rule: NameRule): string[] {
  return nameChecks[rule](name);
}

/** `ValidateLabelName`: a label key (qualified name). */
export function validateLabelName(key: string, path: FieldPath): StatusCause[] {
  return invalidEach(path, key, isQualifiedName(key));
}

/** `ValidateLabels`: every key a qualified name, every value a label value. */
export function validateLabels(labels: unknown, path: FieldPath): StatusCause[] {
  if (!isPlainObject(labels)) return [];
  const causes: StatusCause[] = [];
  for (const [key, value] of Object.entries(labels)) {
    causes.push(...validateLabelName(key, path));
    if (typeof value === 'string')
      causes.push(...invalidEach(path, value, isValidLabelValue(value)));
  }
  return causes;
}

/** 256 KiB: the sum of the annotations' keys and values (`TotalAnnotationSizeLimitB`). */
export const totalAnnotationSizeLimit = 256 * 1024;

/** `ValidateAnnotations`: keys are qualified names (case-insensitive), 256 KiB in all. */
export function validateAnnotations(annotations: unknown, path: FieldPath): StatusCause[] {
  if (!isPlainObject(annotations)) return [];
  const causes: StatusCause[] = [];
  let size = 0;
  for (const [key, value] of Object.entries(annotations)) {
    causes.push(...invalidEach(path, key, isQualifiedName(key.toLowerCase())));
    size += Buffer.byteLength(key) + (typeof value === 'string' ? Buffer.byteLength(value) : 0);
  }
  if (size > totalAnnotationSizeLimit) causes.push(tooLong(path, totalAnnotationSizeLimit));
  return causes;
}

const selectorOperators = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/** `ValidateLabelSelector`: matchLabels as labels, each matchExpression's operator, values, key. */
export function validateLabelSelector(selector: unknown, path: FieldPath): StatusCause[] {
  if (!isPlainObject(selector)) return [];
  const causes = validateLabels(selector.matchLabels, path.child('matchLabels'));
  listAt(selector, 'matchExpressions').forEach((expression, index) => {
    const at = path.child('matchExpressions').index(index);
    const operator = stringAt(expression, 'operator');
    const values = Array.isArray(expression.values) ? expression.values : [];
    if (operator === 'In' || operator === 'NotIn') {
      if (values.length === 0)
        causes.push(
          required(at.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"),
        );
    } else if (operator === 'Exists' || operator === 'DoesNotExist') {
      if (values.length > 0)
        causes.push(
          forbidden(
            at.child('values'),
            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
          ),
        );
    } else {
      causes.push(invalidValue(at.child('operator'), operator, 'not a valid selector operator'));
    }
    causes.push(...validateLabelName(stringAt(expression, 'key'), at.child('key')));
  });
  return causes;
}

/** Whether a label selector is valid enough to evaluate (`LabelSelectorAsSelector` succeeds). */
export function selectorIsEvaluable(selector: JsonObject): boolean {
  return listAt(selector, 'matchExpressions').every((expression) =>
    selectorOperators.includes(stringAt(expression, 'operator')),
  );
}

/** Whether a label selector selects a label set; an empty selector selects everything. */
export function selectorMatches(selector: JsonObject, labels: Record<string, string>): boolean {
  const matchLabels = isPlainObject(selector.matchLabels) ? selector.matchLabels : {};
  for (const [key, value] of Object.entries(matchLabels)) if (labels[key] !== value) return false;
  for (const expression of listAt(selector, 'matchExpressions')) {
    const key = stringAt(expression, 'key');
    const values = Array.isArray(expression.values) ? expression.values : [];
    const present = Object.hasOwn(labels, key);
    switch (stringAt(expression, 'operator')) {
      case 'In':
        if (!present || !values.includes(labels[key])) return false;
        break;
      case 'NotIn':
        if (present && values.includes(labels[key])) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/**
 * `ValidateObjectMeta` (create and update alike): the name by the kind's rule, then labels and
 * annotations. The namespace comes from the URL, which routing already checked.
 */
export function validateObjectMeta(metadata: JsonObject, nameRule: NameRule): StatusCause[] {
  const path = FieldPath.root('metadata');
  const causes: StatusCause[] = [];
  const name = metadata.name;
  if (typeof name !== 'string' || name === '') {
    causes.push(required(path.child('name'), 'name or generateName is required'));
  } else {
    causes.push(...invalidEach(path.child('name'), name, nameErrors(name, nameRule)));
  }
  causes.push(...validateLabels(metadata.labels, path.child('labels')));
  causes.push(...validateAnnotations(metadata.annotations, path.child('annotations')));
  return causes;
}

import { fieldsOf, labelsOf, listOf, stringOf, stringsOf } from './object-access.js';

/**
 * Whether a Kubernetes `LabelSelector` (matchLabels AND matchExpressions with In, NotIn, Exists,
 * DoesNotExist) selects `labels`. An empty selector selects everything. An unknown operator
 * selects nothing: being strict is the safe side for an analyzer that must not invent access.
 */
export function selectorMatches(
  selector: unknown,
  labels: Readonly<Record<string, string>>,
): boolean {
  const fields = fieldsOf(selector);
  for (const [key, value] of Object.entries(labelsOf(fields.matchLabels))) {
    if (labels[key] !== value) return false;
  }
  for (const expression of listOf(fields.matchExpressions)) {
    const key = stringOf(expression.key) ?? '';
    const values = stringsOf(expression.values);
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    switch (stringOf(expression.operator)) {
      case 'In':
        if (!has || !values.includes(labels[key] ?? '')) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key] ?? '')) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether a plain `key: value` map (Service.spec.selector, Istio selectors) selects `labels`. */
export function mapSelectorMatches(
  selector: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>>,
): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/**
 * Label and field selectors as the API server parses them
 * (k8s.io/apimachinery/pkg/labels/selector.go, fields/selector.go): `=`, `==`, `!=`, `in`,
 * `notin`, `key` (exists) and `!key` (does not exist); field selectors on `metadata.name` and
 * `metadata.namespace`.
 */
import { badRequest } from './status-errors.js';

/** One parsed requirement of a label selector. */
export type LabelRequirement =
  | { key: string; operator: 'in' | 'notin'; values: string[] }
  | { key: string; operator: 'exists' | '!exists' };

/** A predicate over an object's labels or fields. */
export type Matcher = (values: Readonly<Record<string, string>>) => boolean;

/** Splits on commas that are not inside parentheses (`a in (x,y),b` is two requirements). */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter((part) => part !== '');
}

const keyPattern = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const valuePattern = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

function checkKey(key: string, selector: string): string {
  if (!keyPattern.test(key)) {
    throw badRequest(
      `unable to parse requirement: invalid label key "${key}" in selector "${selector}"`,
    );
  }
  return key;
}

function checkValue(value: string, selector: string): string {
  if (!valuePattern.test(value) || value.length > 63) {
    throw badRequest(
      `unable to parse requirement: invalid label value "${value}" in selector "${selector}"`,
    );
  }
  return value;
}

/** Parses a `labelSelector` query value; throws a 400 KubeApiError on bad syntax. */
export function parseLabelSelector(selector: string): LabelRequirement[] {
  return splitTopLevel(selector).map((term): LabelRequirement => {
    const setMatch = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
    if (setMatch) {
      const [, key = '', operator, list = ''] = setMatch;
      const values = list
        .split(',')
        .map((value) => value.trim())
        .map((value) => checkValue(value, selector));
      return { key: checkKey(key, selector), operator: operator === 'in' ? 'in' : 'notin', values };
    }
    const comparison = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (comparison) {
      const [, key = '', operator, value = ''] = comparison;
      return {
        key: checkKey(key, selector),
        operator: operator === '!=' ? 'notin' : 'in',
        values: [checkValue(value, selector)],
      };
    }
    const notExists = /^!\s*(\S+)$/.exec(term);
    if (notExists) return { key: checkKey(notExists[1] ?? '', selector), operator: '!exists' };
    if (/^\S+$/.test(term)) return { key: checkKey(term, selector), operator: 'exists' };
    throw badRequest(`unable to parse requirement: found '${term}', expected: selector term`);
  });
}

/** True when `labels` satisfy every requirement (`notin`/`!=` match objects without the key). */
export function matchesLabels(
  requirements: readonly LabelRequirement[],
  labels: Readonly<Record<string, string>>,
): boolean {
  return requirements.every((requirement) => {
    const has = Object.prototype.hasOwnProperty.call(labels, requirement.key);
    const value = labels[requirement.key];
    switch (requirement.operator) {
      case 'exists':
        return has;
      case '!exists':
        return !has;
      case 'in':
        return has && requirement.values.includes(value ?? '');
      case 'notin':
        return !has || !requirement.values.includes(value ?? '');
    }
  });
}

/** Builds a matcher for a `labelSelector` query value. */
export function labelMatcher(selector: string | null | undefined): Matcher {
  if (!selector) return () => true;
  const requirements = parseLabelSelector(selector);
  return (labels) => matchesLabels(requirements, labels);
}

const supportedFields = new Set(['metadata.name', 'metadata.namespace']);

/**
 * Builds a matcher for a `fieldSelector` query value over `metadata.name` and
 * `metadata.namespace` (the fields every resource supports); other fields are a 400, as for a
 * resource that does not index them.
 */
export function fieldMatcher(selector: string | null | undefined): Matcher {
  if (!selector) return () => true;
  const terms = splitTopLevel(selector).map((term) => {
    const match = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!match) throw badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    const [, field = '', operator, value = ''] = match;
    if (!supportedFields.has(field)) {
      throw badRequest(
        `"${field}" is not a known field selector: only "metadata.name", "metadata.namespace"`,
      );
    }
    return { field, negate: operator === '!=', value };
  });
  return (fields) => terms.every((term) => (fields[term.field] === term.value) !== term.negate);
}

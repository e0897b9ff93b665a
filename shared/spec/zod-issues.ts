import type { z } from 'zod';
import { formatPath, type SpecError } from './spec-error.js';

/**
 * Messages for zod issues that carry no schema-level message. Schema messages (the regex
 * explanations in primitives.ts) win over this map, which is how zod 4 orders error sources.
 */
export const specIssueMessages: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${describeExpected(issue.expected)}, not ${describeValue(issue.input)}`;
    case 'invalid_value': {
      const allowed = issue.values.map((value) => JSON.stringify(value));
      const received = isPrimitive(issue.input) ? `, not ${JSON.stringify(issue.input)}` : '';
      return allowed.length === 1
        ? `must be ${allowed[0]}${received}`
        : `must be one of ${allowed.join(', ')}${received}`;
    }
    case 'too_small':
      return `must ${boundPhrase(issue.origin, 'least', issue.minimum, issue.inclusive)}`;
    case 'too_big':
      return `must ${boundPhrase(issue.origin, 'most', issue.maximum, issue.inclusive)}`;
    case 'invalid_format':
      return `must be a valid ${issue.format}`;
    default:
      return undefined;
  }
};

/** Turns zod issues into SpecErrors: one per unknown key, paths in `a.b[0].c` form. */
export function specErrorsFromZod(issues: ReadonlyArray<z.core.$ZodIssue>): SpecError[] {
  const errors: SpecError[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        errors.push({
          path: formatPath([...issue.path, key]),
          rule: 'unknown-field',
          message: `unknown field "${key}"`,
        });
      }
      continue;
    }
    errors.push({ path: formatPath(issue.path), rule: ruleOf(issue), message: issue.message });
  }
  return errors;
}

function ruleOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.message === 'is required' ? 'required' : 'invalid-type';
    case 'invalid_value':
      return 'invalid-value';
    case 'too_small':
      return 'too-small';
    case 'too_big':
      return 'too-big';
    case 'invalid_format':
      return 'invalid-format';
    case 'custom': {
      const rule = (issue.params as { rule?: unknown } | undefined)?.rule;
      return typeof rule === 'string' ? rule : 'invalid';
    }
    default:
      return 'invalid';
  }
}

function boundPhrase(
  origin: string,
  direction: 'least' | 'most',
  bound: number | bigint,
  inclusive: boolean | undefined,
): string {
  const n = Number(bound);
  switch (origin) {
    case 'array':
    case 'set':
      return `have at ${direction} ${n} ${n === 1 ? 'item' : 'items'}`;
    case 'string':
      return `be at ${direction} ${n} ${n === 1 ? 'character' : 'characters'} long`;
    default:
      if (inclusive === false) return `be ${direction === 'least' ? 'greater' : 'less'} than ${n}`;
      return `be at ${direction} ${n}`;
  }
}

function describeExpected(expected: string): string {
  switch (expected) {
    case 'object':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'int':
      return 'an integer';
    case 'undefined':
      return 'absent';
    default:
      return `a ${expected}`;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `the ${typeof value} ${String(value)}`;
}

function isPrimitive(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

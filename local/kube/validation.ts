/**
 * Turns schema errors into the `details.causes` of a 422 the way the API server words them
 * (`spec.mtls.mode: Unsupported value: "FOO": supported values: "UNSET", ...`). ObjectMeta and
 * the built-in kinds' own rules are in `validation/`.
 */
import type { SchemaError } from './builtin-kinds.js';
import type { StatusCause } from './status-errors.js';

/** `/spec/http/0/route` → `spec.http[0].route`, using the object to tell list indexes apart. */
export function fieldPath(instancePath: string, object: unknown): string {
  let node: unknown = object;
  let path = '';
  for (const raw of instancePath.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      path += `[${segment}]`;
      node = node[Number(segment)];
    } else {
      path += path === '' ? segment : `.${segment}`;
      node =
        typeof node === 'object' && node !== null
          ? (node as Record<string, unknown>)[segment]
          : undefined;
    }
  }
  return path;
}

function valueAtPointer(instancePath: string, object: unknown): unknown {
  let node: unknown = object;
  for (const raw of instancePath.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node =
      typeof node === 'object' && node !== null
        ? (node as Record<string, unknown>)[segment]
        : undefined;
  }
  return node;
}

function jsonTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function render(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
}

/**
 * Converts ajv errors to causes. Errors inside `oneOf`/`anyOf`/`not` branches are dropped in
 * favour of the branch keyword's own error, as the API server reports one cause per field.
 */
export function causesFromSchemaErrors(
  errors: readonly SchemaError[],
  object: unknown,
): StatusCause[] {
  const causes: StatusCause[] = [];
  const branchPaths = new Set(
    errors
      .filter((error) => ['oneOf', 'anyOf', 'not'].includes(error.keyword))
      .map((error) => error.instancePath),
  );
  for (const error of errors) {
    const schemaPath = (error as { schemaPath?: string }).schemaPath ?? '';
    if (/\/(oneOf|anyOf|not)\//.test(schemaPath) && branchPaths.has(error.instancePath)) continue;
    const field = fieldPath(error.instancePath, object);
    const value = valueAtPointer(error.instancePath, object);
    let cause: StatusCause;
    switch (error.keyword) {
      case 'required': {
        const missing = String(error.params.missingProperty);
        cause = {
          reason: 'FieldValueRequired',
          message: 'Required value',
          field: field === '' ? missing : `${field}.${missing}`,
        };
        break;
      }
      case 'enum': {
        const allowed = (error.params.allowedValues as unknown[]).map(render).join(', ');
        cause = {
          reason: 'FieldValueNotSupported',
          message: `Unsupported value: ${render(value)}: supported values: ${allowed}`,
          field,
        };
        break;
      }
      case 'type':
        cause = {
          reason: 'FieldValueTypeInvalid',
          message: `Invalid value: "${jsonTypeName(value)}": ${field} in body must be of type ${String(error.params.type)}: "${jsonTypeName(value)}"`,
          field,
        };
        break;
      case 'anyOf':
        cause = {
          reason: 'FieldValueInvalid',
          message: `Invalid value: ${render(value)}: ${field} in body must be of type integer or string`,
          field,
        };
        break;
      default:
        cause = {
          reason: 'FieldValueInvalid',
          message: `Invalid value: ${render(value)}: ${field} in body ${error.message ?? `fails ${error.keyword}`}`,
          field,
        };
    }
    if (
      !causes.some(
        (existing) => existing.field === cause.field && existing.message === cause.message,
      )
    )
      causes.push(cause);
  }
  return causes;
}

// ObjectMeta rules (names, labels, annotations) live with the built-in kinds' validation.
export { validateObjectMeta, type NameRule } from './validation/meta.js';

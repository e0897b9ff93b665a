/**
 * Turns schema errors into the `details.causes` of a 422 the way the API server words them
 * (`spec.mtls.mode: Unsupported value: "FOO": supported values: "UNSET", ...`), and checks
 * ObjectMeta (names, labels) with the API server's rules.
 */
import type { SchemaError } from './builtin-kinds.js';
import type { StatusCause } from './status-errors.js';
import { isPlainObject, type JsonObject } from '../../shared/lib/json.js';

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

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const qualifiedName = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkQualifiedKey(key: string, field: string): StatusCause[] {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const causes: StatusCause[] = [];
  if (prefix !== undefined && (!dns1123Subdomain.test(prefix) || prefix.length > 253)) {
    causes.push({
      reason: 'FieldValueInvalid',
      field,
      message: `Invalid value: "${key}": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
    });
  }
  if (!qualifiedName.test(name) || name.length > 63) {
    causes.push({
      reason: 'FieldValueInvalid',
      field,
      message: `Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') and be at most 63 characters`,
    });
  }
  return causes;
}

/**
 * How a kind's object names are checked: a DNS-1123 label (namespaces, services: their names
 * become DNS labels) or a DNS-1123 subdomain (everything else).
 */
export type NameRule = 'dns1123-label' | 'dns1123-subdomain';

function checkName(name: unknown, rule: NameRule): StatusCause[] {
  if (typeof name !== 'string' || name === '') {
    return [
      {
        reason: 'FieldValueRequired',
        field: 'metadata.name',
        message: 'Required value: name or generateName is required',
      },
    ];
  }
  if (rule === 'dns1123-label') {
    if (dns1123Label.test(name) && name.length <= 63) return [];
    return [
      {
        reason: 'FieldValueInvalid',
        field: 'metadata.name',
        message: `Invalid value: "${name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      },
    ];
  }
  if (dns1123Subdomain.test(name) && name.length <= 253) return [];
  return [
    {
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    },
  ];
}

/**
 * The keys and values of a string map (labels, annotations): keys are qualified names, values
 * strings that `checkValue` accepts.
 */
function checkStringMap(
  map: JsonObject,
  field: string,
  checkValue: (value: string) => StatusCause[],
): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const [key, value] of Object.entries(map)) {
    causes.push(...checkQualifiedKey(key, field));
    if (typeof value !== 'string') {
      causes.push({
        reason: 'FieldValueTypeInvalid',
        field: `${field}.${key}`,
        message: `Invalid value: ${JSON.stringify(value)}: must be a string`,
      });
    } else {
      causes.push(...checkValue(value));
    }
  }
  return causes;
}

function checkLabelValue(value: string): StatusCause[] {
  if (labelValue.test(value) && value.length <= 63) return [];
  return [
    {
      reason: 'FieldValueInvalid',
      field: 'metadata.labels',
      message: `Invalid value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    },
  ];
}

/**
 * ObjectMeta rules (apimachinery validation): the name follows the kind's rule, label keys are
 * qualified names, label values at most 63 characters of `[A-Za-z0-9_.-]`, annotation keys
 * qualified names.
 */
export function validateObjectMeta(metadata: JsonObject, nameRule: NameRule): StatusCause[] {
  const causes = checkName(metadata.name, nameRule);
  const labels = metadata.labels;
  if (isPlainObject(labels)) {
    causes.push(...checkStringMap(labels, 'metadata.labels', checkLabelValue));
  } else if (labels !== undefined && labels !== null) {
    causes.push({
      reason: 'FieldValueTypeInvalid',
      field: 'metadata.labels',
      message: 'Invalid value: must be a map of string to string',
    });
  }
  // Annotations of another type are left to the schema validators.
  if (isPlainObject(metadata.annotations))
    causes.push(...checkStringMap(metadata.annotations, 'metadata.annotations', () => []));
  return causes;
}

import { readFileSync } from 'node:fs';
import { FIXTURES } from './helpers.js';

/** One field of a message, as test/fixtures/plan/schemas/*.json keep it. */
export interface SchemaField {
  name: string;
  type: string;
  repeated: boolean;
  enum?: string[];
}

/** The messages of one API version. */
export interface ApiSchema {
  api: string;
  version: string;
  messages: Record<string, SchemaField[]>;
}

/** Loads one extracted schema, e.g. `compute_v1`. */
export function loadSchema(file: string): ApiSchema {
  return JSON.parse(readFileSync(`${FIXTURES}schemas/${file}.json`, 'utf8')) as ApiSchema;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The value type of a map message: apitools models a JSON map as a message with one repeated
 * `additionalProperties` field whose entries have `key` and `value`.
 */
function mapValueField(schema: ApiSchema, message: string): SchemaField | undefined {
  const fields = schema.messages[message];
  if (fields?.length !== 1 || fields[0]?.name !== 'additionalProperties') return undefined;
  return schema.messages[fields[0].type]?.find((field) => field.name === 'value');
}

function checkScalar(field: SchemaField, value: unknown, path: string): string[] {
  const bad = (what: string) => [`${path}: ${what}, got ${JSON.stringify(value)}`];
  switch (field.type) {
    case 'enum':
      return typeof value === 'string' && field.enum?.includes(value)
        ? []
        : bad(`must be one of ${field.enum?.join(', ')}`);
    case 'string:STRING':
    case 'bytes:BYTES':
      return typeof value === 'string' ? [] : bad('must be a string');
    case 'boolean:BOOL':
      return typeof value === 'boolean' ? [] : bad('must be a boolean');
    case 'integer:INT32':
    case 'integer:UINT32':
      return Number.isInteger(value) ? [] : bad('must be an integer');
    case 'integer:INT64':
    case 'integer:UINT64':
      return Number.isInteger(value) || (typeof value === 'string' && /^-?\d+$/.test(value))
        ? []
        : bad('must be an integer or a decimal string');
    case 'float:FLOAT':
    case 'float:DOUBLE':
      return typeof value === 'number' ? [] : bad('must be a number');
    case 'apitools.base.py.extra_types.JsonValue':
      return [];
    default:
      return [`${path}: unknown field type ${field.type}`];
  }
}

function checkValue(schema: ApiSchema, field: SchemaField, value: unknown, path: string): string[] {
  if (!schema.messages[field.type]) return checkScalar(field, value, path);
  const mapValue = mapValueField(schema, field.type);
  if (mapValue) {
    if (!isObject(value)) return [`${path}: must be a map (JSON object)`];
    return Object.entries(value).flatMap(([key, inner]) =>
      checkValue(schema, mapValue, inner, `${path}.${key}`),
    );
  }
  return validateMessage(schema, field.type, value, path);
}

/**
 * Every problem of `value` as a `message`: unknown field names, wrong scalar types, enum values
 * the API does not define, a list where one value belongs or the reverse; recursively.
 */
export function validateMessage(
  schema: ApiSchema,
  message: string,
  value: unknown,
  path = message,
): string[] {
  const fields = schema.messages[message];
  if (!fields) return [`${path}: message ${message} is not in the ${schema.api} schema`];
  if (!isObject(value)) return [`${path}: must be a ${message} object`];
  return Object.entries(value).flatMap(([key, inner]) => {
    const field = fields.find((f) => f.name === key);
    const at = `${path}.${key}`;
    if (!field) return [`${at}: ${message} has no field "${key}"`];
    if (field.repeated) {
      if (!Array.isArray(inner)) return [`${at}: must be a list`];
      return inner.flatMap((item, index) => checkValue(schema, field, item, `${at}[${index}]`));
    }
    if (Array.isArray(inner)) return [`${at}: must not be a list`];
    return checkValue(schema, field, inner, at);
  });
}

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GoogleApiError, type ErrorStyle } from './api-error.js';

/**
 * Method routes and message schemas of the simulated APIs, read from the apitools dumps of the
 * Google Cloud SDK (local/gcp/schemas/, see SOURCE.md). Every request is checked against them
 * before a handler sees it, so an unknown field or a wrong enum fails the way Google fails it.
 */

interface RawField {
  name: string;
  repeated: boolean;
  required: boolean;
  type: string;
  enum?: string[];
  /** Proto numbers of `enum`, present only where they differ from the positions. */
  enumNumbers?: number[];
}

interface RawMethod {
  id: string;
  http_method: string;
  path: string;
  flat_path: string | null;
  path_params: string[];
  query_params: string[];
  request_field: string;
  request_type: string;
}

interface RawSchema {
  api: string;
  version: string;
  base_url: string;
  methods: RawMethod[];
  messages: Record<string, RawField[]>;
}

/** One routable API method. */
export interface ApiRoute {
  /** The discovery id, e.g. `compute.networks.insert`. */
  id: string;
  api: string;
  httpMethod: string;
  /** Names of the path variables, in order of the capture groups of `pattern`. */
  variables: string[];
  pattern: RegExp;
  queryParams: Set<string>;
  /** The message type of the body, or undefined when the method takes none. */
  bodyType: string | undefined;
  /** The body's name in error paths (`network`, `resource`), empty when the body is the request. */
  bodyField: string;
  errorStyle: ErrorStyle;
  schema: ApiSchema;
}

/** One API's messages, for body validation. */
export interface ApiSchema {
  api: string;
  messages: Record<string, RawField[]>;
}

/** Files in local/gcp/schemas/ and the URL prefix each API is served under. */
const apiFiles: { file: string; style: ErrorStyle }[] = [
  { file: 'compute-v1.json', style: 'compute' },
  { file: 'container-v1.json', style: 'one-platform' },
  { file: 'dns-v1.json', style: 'one-platform' },
  { file: 'iam-v1.json', style: 'one-platform' },
  { file: 'cloudresourcemanager-v1.json', style: 'one-platform' },
  { file: 'cloudresourcemanager-v3.json', style: 'one-platform' },
  { file: 'serviceusage-v1.json', style: 'one-platform' },
  { file: 'gkehub-v1.json', style: 'status-only' },
  { file: 'storage-v1.json', style: 'storage' },
  { file: 'pubsub-v1.json', style: 'one-platform' },
];

/** Query parameters every Google API accepts (system parameters). */
const systemQueryParams = new Set([
  'alt',
  '$alt',
  'fields',
  '$fields',
  'key',
  'prettyPrint',
  'quotaUser',
  'userIp',
  'access_token',
  'oauth_token',
  'callback',
  'upload_protocol',
  'uploadType',
  '$.xgafv',
  'trace',
]);

function compileRoute(raw: RawMethod, prefix: string): { variables: string[]; pattern: RegExp } {
  const template = prefix + (raw.flat_path ?? raw.path);
  const variables: string[] = [];
  // `{x}` is one path segment (no `/`, and no `:` so `p:getIamPolicy` splits off its verb).
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const variable = /^\{\+?([^}]+)\}$/.exec(part);
      if (variable?.[1]) {
        variables.push(variable[1]);
        return part.startsWith('{+') ? '(.+?)' : '([^/:]+)';
      }
      return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
    })
    .join('');
  return { variables, pattern: new RegExp(`^/${source}$`) };
}

/** The route table, built once per process: it never changes, and tests start many simulators. */
let loadedRoutes: readonly ApiRoute[] | undefined;

/** Loads every schema file and compiles the route table (once; later calls share it). */
export function loadRoutes(): readonly ApiRoute[] {
  loadedRoutes ??= readRoutes();
  return loadedRoutes;
}

function readRoutes(): ApiRoute[] {
  const routes: ApiRoute[] = [];
  for (const { file, style } of apiFiles) {
    const path = fileURLToPath(new URL(`./schemas/${file}`, import.meta.url));
    const raw = JSON.parse(readFileSync(path, 'utf8')) as RawSchema;
    const prefix = new URL(raw.base_url).pathname.replace(/^\//, '');
    const schema: ApiSchema = { api: raw.api, messages: raw.messages };
    for (const method of raw.methods) {
      const { variables, pattern } = compileRoute(method, prefix);
      const requestFields = raw.messages[method.request_type] ?? [];
      let bodyType: string | undefined;
      if (method.request_field === '<request>') bodyType = method.request_type;
      else if (method.request_field) {
        bodyType = requestFields.find((f) => f.name === method.request_field)?.type;
      }
      routes.push({
        id: method.id,
        api: raw.api,
        httpMethod: method.http_method,
        variables,
        pattern,
        queryParams: new Set(method.query_params.map((q) => q.replace(/_/g, '.'))),
        bodyType,
        bodyField: method.request_field === '<request>' ? '' : method.request_field,
        errorStyle: style,
        schema,
      });
    }
  }
  return routes;
}

/** A route matched against a request, with its path variables. */
export interface RouteMatch {
  route: ApiRoute;
  params: Record<string, string>;
}

/** Finds every route whose verb and path match; the first one wins unless its handler defers. */
export function matchRoutes(
  routes: readonly ApiRoute[],
  httpMethod: string,
  path: string,
): RouteMatch[] {
  const matches: RouteMatch[] = [];
  for (const route of routes) {
    if (route.httpMethod !== httpMethod) continue;
    const m = route.pattern.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    route.variables.forEach((name, i) => {
      params[name] = decodeURIComponent(m[i + 1] ?? '');
    });
    matches.push({ route, params });
  }
  return matches;
}

/** Rejects query parameters the method does not declare (Google answers 400 for them). */
export function checkQuery(route: ApiRoute, query: URLSearchParams): void {
  for (const key of query.keys()) {
    if (systemQueryParams.has(key) || route.queryParams.has(key.replace(/_/g, '.'))) continue;
    const description = `Invalid JSON payload received. Unknown name "${key}": Cannot bind query parameter. Field '${key}' could not be found in request message.`;
    throw new GoogleApiError(400, description, {
      reason: 'invalid',
      violations: [{ field: key, description }],
    });
  }
}

function unknownName(path: string, name: string): GoogleApiError {
  const at = path ? ` at '${path}'` : '';
  const description = `Invalid JSON payload received. Unknown name "${name}"${at}: Cannot find field.`;
  return new GoogleApiError(400, description, {
    reason: 'invalid',
    violations: [{ field: path ? `${path}.${name}` : name, description }],
  });
}

function invalidValue(path: string, value: unknown, expected: string): GoogleApiError {
  const description = `Invalid value at '${path}' (${expected}), ${JSON.stringify(value)}`;
  return new GoogleApiError(400, `Invalid JSON payload received. ${description}`, {
    reason: 'invalid',
    violations: [{ field: path, description }],
  });
}

function isMap(schema: ApiSchema, type: string): RawField | undefined {
  const fields = schema.messages[type];
  if (fields?.length !== 1 || fields[0]?.name !== 'additionalProperties') return undefined;
  return schema.messages[fields[0].type]?.find((f) => f.name === 'value');
}

function checkScalar(field: RawField, value: unknown, path: string): unknown {
  const [kind, width] = field.type.split(':');
  switch (kind) {
    case 'string':
    case 'bytes':
      if (typeof value !== 'string') throw invalidValue(path, value, 'type string');
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw invalidValue(path, value, 'type bool');
      return value;
    case 'integer': {
      const numeric = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
      if (typeof numeric !== 'number' || !Number.isInteger(numeric)) {
        throw invalidValue(path, value, `type ${width?.toLowerCase() ?? 'int'}`);
      }
      // 64-bit integers travel as strings in Google's JSON; keep the caller's form.
      return value;
    }
    case 'float':
      if (typeof value !== 'number') throw invalidValue(path, value, 'type double');
      return value;
    default:
      return value;
  }
}

function checkEnum(field: RawField, value: unknown, path: string): string {
  const names = field.enum ?? [];
  // The Node clients in REST fallback send `enum-encoding=int`: map the number to its name.
  if (typeof value === 'number' && Number.isInteger(value)) {
    const index = field.enumNumbers ? field.enumNumbers.indexOf(value) : value;
    const name = names[index];
    if (name !== undefined) return name;
  }
  if (typeof value === 'string' && names.includes(value)) return value;
  throw invalidValue(path, value, `type enum, one of ${names.join(', ')}`);
}

function checkValue(schema: ApiSchema, field: RawField, value: unknown, path: string): unknown {
  if (field.type === 'enum') return checkEnum(field, value, path);
  if (field.type.endsWith('JsonValue')) return value;
  if (!schema.messages[field.type]) return checkScalar(field, value, path);
  const mapValue = isMap(schema, field.type);
  if (mapValue) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw invalidValue(path, value, 'type map');
    }
    const out: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) {
      out[key] = checkValue(schema, mapValue, entry, `${path}[${key}]`);
    }
    return out;
  }
  return checkMessage(schema, field.type, value, path);
}

/**
 * Checks a JSON value against a message type and returns it normalized (enum numbers turned
 * into names, nulls dropped). Throws Google's 400 naming the first offending field.
 */
export function checkMessage(
  schema: ApiSchema,
  type: string,
  value: unknown,
  path: string,
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidValue(path || type, value, `type ${type}`);
  }
  const fields = schema.messages[type] ?? [];
  const out: Record<string, unknown> = {};
  for (const [name, fieldValue] of Object.entries(value)) {
    const field = fields.find((f) => f.name === name);
    if (!field) throw unknownName(path, name);
    if (fieldValue === null || fieldValue === undefined) continue;
    const fieldPath = path ? `${path}.${name}` : name;
    if (field.repeated) {
      if (!Array.isArray(fieldValue)) throw invalidValue(fieldPath, fieldValue, 'type list');
      out[name] = fieldValue.map((item, i) =>
        checkValue(schema, field, item, `${fieldPath}[${i}]`),
      );
    } else {
      out[name] = checkValue(schema, field, fieldValue, fieldPath);
    }
  }
  return out;
}

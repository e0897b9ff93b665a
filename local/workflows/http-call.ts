import { WorkflowException, workflowError } from './errors.js';
import { HttpTransportError, type WorkflowHttpClient } from './http.js';
import { HTTP_RESPONSE_SIZE_LIMIT, overLimit } from './limits.js';
import { decodeJsonText } from './stdlib/index.js';
import {
  encodeJson,
  isBytes,
  isList,
  isMap,
  isNumeric,
  typeName,
  type WfMap,
  type WfValue,
} from './values.js';

/** Asks for an OIDC ID token or an OAuth2 access token for an `auth:` HTTP call. */
export type TokenProvider = (request: {
  type: 'OIDC' | 'OAuth2';
  url: string;
  audience?: string;
  scopes?: string[];
}) => Promise<string>;

/** What an `http.*` call needs of the execution. */
export interface HttpCallServices {
  http: WorkflowHttpClient;
  /** Without it an `auth:` call raises AuthError. */
  tokenProvider?: TokenProvider;
}

/**
 * Runs `http.get|post|put|patch|delete|request` with its named arguments
 * (https://cloud.google.com/workflows/docs/reference/stdlib/http): builds the request, sends it,
 * and answers `{code, headers, body}` or raises the error tag the runtime raises.
 */
export async function httpCall(
  name: string,
  args: Map<string, WfValue>,
  services: HttpCallServices,
): Promise<WfValue> {
  const method =
    name === 'http.request' ? args.get('method') : name.slice('http.'.length).toUpperCase();
  if (typeof method !== 'string')
    throw workflowError('TypeError', 'http.request: "method" must be a string');
  const url = args.get('url');
  if (typeof url !== 'string') throw workflowError('TypeError', `${name}: "url" must be a string`);
  const target = new URL(url);
  const query = args.get('query');
  if (query !== undefined && query !== null) {
    if (!isMap(query)) throw workflowError('TypeError', `${name}: "query" must be a map`);
    for (const [k, v] of query) {
      for (const item of isList(v) ? v : [v])
        target.searchParams.append(k, scalarText(item, `${name}: query "${k}"`));
    }
  }
  const headers: Record<string, string> = {};
  const headerArg = args.get('headers');
  if (headerArg !== undefined && headerArg !== null) {
    if (!isMap(headerArg)) throw workflowError('TypeError', `${name}: "headers" must be a map`);
    for (const [k, v] of headerArg) headers[k] = scalarText(v, `${name}: header "${k}"`);
  }
  const body = requestBody(name, args.get('body'), headers);
  const timeoutArg = args.get('timeout') ?? 300n;
  if (!isNumeric(timeoutArg) || Number(timeoutArg) <= 0 || Number(timeoutArg) > 1800) {
    throw workflowError('ValueError', `${name}: "timeout" must be between 0 and 1800 seconds`);
  }
  const auth = args.get('auth');
  if (auth !== undefined && auth !== null)
    headers.Authorization = `Bearer ${await token(auth, target, services.tokenProvider)}`;
  let response;
  try {
    response = await services.http.send({
      method: method.toUpperCase(),
      url: target.toString(),
      headers,
      ...(body ? { body } : {}),
      timeoutMs: Number(timeoutArg) * 1000,
    });
  } catch (err) {
    if (err instanceof HttpTransportError) throw transportError(name, target, err);
    throw err;
  }
  if (response.body.length > HTTP_RESPONSE_SIZE_LIMIT.value)
    throw workflowError(
      'ResourceLimitError',
      `${name}: ${overLimit(HTTP_RESPONSE_SIZE_LIMIT, response.body.length, 'bytes')}`,
    );
  const responseHeaders: WfMap = new Map(Object.entries(response.headers).map(([k, v]) => [k, v]));
  const result: WfMap = new Map<string, WfValue>([
    ['code', BigInt(response.status)],
    ['headers', responseHeaders],
    ['body', decodeBody(response.body, response.headers['content-type'])],
  ]);
  if (response.status >= 400) {
    throw workflowError('HttpError', `HTTP server responded with error code ${response.status}`, {
      code: BigInt(response.status),
      headers: responseHeaders,
      body: result.get('body') ?? null,
    });
  }
  return result;
}

/**
 * The request body: bytes as they are, text and forms per their Content-Type, anything else
 * JSON-encoded (adding `Content-Type: application/json` to `headers` when none was given).
 */
function requestBody(
  name: string,
  bodyArg: WfValue | undefined,
  headers: Record<string, string>,
): Uint8Array | undefined {
  if (bodyArg === undefined || bodyArg === null) return undefined;
  const contentTypeKey = Object.keys(headers).find((k) => k.toLowerCase() === 'content-type');
  const contentType = contentTypeKey ? headers[contentTypeKey]! : undefined;
  if (isBytes(bodyArg)) return bodyArg;
  if (contentType?.startsWith('text/') && typeof bodyArg === 'string')
    return new TextEncoder().encode(bodyArg);
  if (contentType?.startsWith('application/x-www-form-urlencoded') && isMap(bodyArg)) {
    const form = new URLSearchParams();
    for (const [k, v] of bodyArg) form.append(k, scalarText(v, `${name}: form field "${k}"`));
    return new TextEncoder().encode(form.toString());
  }
  // Without a text or form Content-Type the body is JSON-encoded (http-requests page).
  const encoded = new TextEncoder().encode(encodeJson(bodyArg));
  if (!contentTypeKey) headers['Content-Type'] = 'application/json';
  return encoded;
}

/** A request that got no response, as the error tag Workflows raises for it. */
function transportError(name: string, target: URL, err: HttpTransportError): WorkflowException {
  if (err.kind === 'timeout')
    return workflowError('TimeoutError', `${name}: request to ${target.origin} timed out`);
  if (err.kind === 'connection-failed')
    return workflowError(
      'ConnectionFailedError',
      `${name}: connection to ${target.origin} failed: ${err.message}`,
    );
  return workflowError(
    'ConnectionError',
    `${name}: connection to ${target.origin} broke: ${err.message}`,
  );
}

async function token(
  auth: WfValue,
  target: URL,
  tokenProvider: TokenProvider | undefined,
): Promise<string> {
  if (!isMap(auth)) throw workflowError('TypeError', '"auth" must be a map with "type"');
  const type = auth.get('type');
  if (type !== 'OIDC' && type !== 'OAuth2')
    throw workflowError('ValueError', '"auth.type" must be OIDC or OAuth2');
  if (!tokenProvider)
    throw workflowError('AuthError', `no credentials available to generate an ${type} token`);
  const audience = auth.get('audience');
  const scopes = auth.get('scopes');
  try {
    return await tokenProvider({
      type,
      url: target.toString(),
      // The OIDC audience defaults to the URL without its query (authenticate-from-workflow page).
      ...(type === 'OIDC'
        ? {
            audience:
              typeof audience === 'string' ? audience : `${target.origin}${target.pathname}`,
          }
        : {}),
      ...(isList(scopes)
        ? { scopes: scopes.map(String) }
        : typeof scopes === 'string'
          ? { scopes: [scopes] }
          : {}),
    });
  } catch (err) {
    if (err instanceof WorkflowException) throw err;
    throw workflowError(
      'AuthError',
      `generating an ${type} token failed: ${(err as Error).message}`,
    );
  }
}

function scalarText(value: WfValue, what: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  throw workflowError(
    'TypeError',
    `${what} must be a string, number or boolean, got ${typeName(value)}`,
  );
}

/** JSON bodies are decoded, text becomes a string, anything else stays bytes (http-requests page). */
function decodeBody(body: Uint8Array, contentType: string | undefined): WfValue {
  const type = (contentType ?? '').toLowerCase();
  if (/^application\/([a-z0-9.+-]*\+)?json/.test(type)) {
    const text = new TextDecoder().decode(body);
    if (text.trim() === '') return null;
    try {
      return decodeJsonText(text);
    } catch {
      return text;
    }
  }
  if (type.startsWith('text/') || (body.length === 0 && !type))
    return body.length === 0 ? (type ? '' : null) : new TextDecoder().decode(body);
  return body;
}

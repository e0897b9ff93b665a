/**
 * Request and response bodies: reading a request, decoding JSON or YAML (apply) with the API
 * server's 400 messages, and writing a JSON answer with its `Warning` headers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { badRequest } from './status-errors.js';
import { isPlainObject, type JsonObject } from '../../shared/lib/json.js';

export function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** Any JSON value; 400 when the body is not JSON. */
export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (error) {
    throw badRequest(
      `the body of the request could not be decoded as JSON: ${(error as Error).message}`,
    );
  }
}

/** A JSON object, or a YAML one for `application/apply-patch+yaml`; 400 otherwise. */
export function parseBody(body: string, mediaType: string): JsonObject {
  let parsed: unknown;
  if (mediaType === 'application/apply-patch+yaml') {
    try {
      parsed = parseYaml(body);
    } catch (error) {
      throw badRequest(`error decoding YAML: ${(error as Error).message}`);
    }
  } else {
    parsed = parseJson(body);
  }
  if (!isPlainObject(parsed)) throw badRequest('the body of the request must be an object');
  return parsed;
}

/** The media type of a Content-Type header, without parameters. */
export function mediaTypeOf(contentType: string): string {
  return contentType.split(';')[0]?.trim() ?? '';
}

/** Writes a whole answer; warnings become `Warning: 299 - "..."` headers, as kubectl prints them. */
export function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  contentType: string | undefined,
  warnings: string[],
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string | string[]> = {
    'content-type': contentType ?? 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-cache, private',
  };
  if (warnings.length > 0)
    headers.warning = warnings.map((warning) => `299 - ${JSON.stringify(warning)}`);
  response.writeHead(status, headers);
  response.end(text);
}

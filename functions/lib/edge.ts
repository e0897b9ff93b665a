/**
 * The functions' HTTP edge, in front of functions-framework's own Express middleware.
 *
 * functions-framework 5 parses every body itself (body-parser, limit 1024 MB) before the user
 * function runs, and answers what it cannot parse (malformed JSON, a path with bad
 * percent-encoding) through Express's final handler: an HTML page, with a stack trace unless
 * NODE_ENV is production. It offers no option for the limit nor a hook for an error handler, so
 * this module wraps the Express application's `handle` (the one entry every request of the
 * framework's app goes through) once, at load time of functions/index.ts:
 *
 * - the path must percent-decode, else 400 `malformed-path` (field `path`);
 * - a body must be announced no larger than the limit (413 `body-too-large` before a byte is
 *   read), be of a content type the functions read (415 `unsupported-media-type`, field
 *   `Content-Type`), and is read here, counting bytes (413 as soon as a chunked body passes the
 *   limit), then parsed here: JSON types with JSON.parse (400 `malformed-json`), text types as a
 *   string. body-parser then sees a finished request and leaves `req.body` as set here;
 * - whatever Express still fails with goes to a JSON final handler instead of its HTML one:
 *   its 4xx keep their status, anything else is 503 `unexpected` (never 500, never a stack).
 *
 * Every answer is JSON `{kind, reason, message, field?}` (shared/errors.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { HttpError } from './http.js';

/** What the edge needs to know; read per request so a test's context applies. */
export interface EdgeSettings {
  maxBodyBytes: number;
}

/** Content types whose bodies the functions read: JSON (and `+json`), YAML and plain text. */
const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json$/;
const TEXT_TYPES = new Set(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain']);

function refusal(status: number, reason: string, message: string, field?: string): HttpError {
  return new HttpError(status, {
    kind: status === 503 ? 'retryable' : 'invalid-request',
    reason,
    message,
    ...(field !== undefined ? { field } : {}),
  });
}

function tooLarge(size: string, maxBytes: number): HttpError {
  return new HttpError(
    413,
    {
      kind: 'invalid-request',
      reason: 'body-too-large',
      message: `the request body has ${size} bytes; the limit is ${maxBytes}`,
      field: 'body',
    },
    // A body left unread must not be taken for the next request on this connection.
    { Connection: 'close' },
  );
}

/** Writes a JSON error, bypassing Express (the request may not have reached it). */
export function writeJsonError(res: ServerResponse, refused: HttpError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const payload = JSON.stringify(refused.body);
  res.statusCode = refused.status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(payload));
  res.setHeader('Cache-Control', 'no-store');
  if (refused.status === 503) res.setHeader('Retry-After', '5');
  for (const [name, value] of Object.entries(refused.headers)) res.setHeader(name, value);
  res.end(payload);
}

/** The media type of a Content-Type header, lowercased, without parameters. */
export function mediaType(header: string | undefined): string | undefined {
  const type = header?.split(';')[0]?.trim().toLowerCase();
  return type ? type : undefined;
}

/** 400 when the path does not percent-decode (Express would answer an HTML page). */
export function checkPath(url: string | undefined): void {
  const path = (url ?? '/').split('?')[0] ?? '/';
  try {
    decodeURIComponent(path);
  } catch {
    throw refusal(
      400,
      'malformed-path',
      'the request path has an invalid percent-encoding (e.g. "%" not followed by two hex digits)',
      'path',
    );
  }
}

function announcedLength(req: IncomingMessage): number | undefined {
  const header = req.headers['content-length'];
  if (header === undefined) return undefined;
  if (!/^\d+$/.test(header)) {
    throw refusal(
      400,
      'invalid-content-length',
      'Content-Length must be a number',
      'Content-Length',
    );
  }
  return Number(header);
}

/** Reads the body, refusing it as soon as it passes `maxBytes`. */
async function readBounded(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBytes) throw tooLarge(`more than ${maxBytes}`, maxBytes);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** A request body as the handlers expect it from body-parser: JSON value, text, or undefined. */
export function parseBody(type: string, raw: Buffer): unknown {
  const text = raw.toString('utf8');
  if (JSON_TYPE.test(type)) {
    if (text.trim() === '') return {};
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw refusal(
        400,
        'malformed-json',
        `the request body is not valid JSON: ${(error as Error).message.split('\n')[0]}`,
        'body',
      );
    }
  }
  return text;
}

/**
 * Checks the request and reads its body (setting `body` and `rawBody` as body-parser would);
 * throws {@link HttpError} for what the functions refuse.
 */
export async function admitRequest(req: IncomingMessage, settings: EdgeSettings): Promise<void> {
  checkPath(req.url);
  const length = announcedLength(req);
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if (length !== undefined && length > settings.maxBodyBytes) {
    throw tooLarge(String(length), settings.maxBodyBytes);
  }
  if (!chunked && (length === undefined || length === 0)) return;
  const type = mediaType(req.headers['content-type']);
  if (!type || !(JSON_TYPE.test(type) || TEXT_TYPES.has(type))) {
    throw new HttpError(
      415,
      {
        kind: 'invalid-request',
        reason: 'unsupported-media-type',
        message: `Content-Type ${type ?? '(none)'} is not accepted: send application/json, application/yaml or text/plain`,
        field: 'Content-Type',
      },
      // The body is left unread: it must not be taken for the next request on this connection.
      { Connection: 'close' },
    );
  }
  const raw = await readBounded(req, settings.maxBodyBytes);
  const target = req as IncomingMessage & { body?: unknown; rawBody?: Buffer };
  target.rawBody = raw;
  target.body = parseBody(type, raw);
}

/** Express's final handler in JSON: its 4xx keep their status; anything else is 503. */
export function finalJsonHandler(res: ServerResponse) {
  return (error?: unknown): void => {
    if (!error) {
      writeJsonError(res, refusal(404, 'no-such-route', 'no route for this request'));
      return;
    }
    const status = (error as { status?: unknown; statusCode?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      writeJsonError(res, refusal(status, 'malformed-request', 'the request cannot be read'));
      return;
    }
    console.error(error);
    writeJsonError(res, refusal(503, 'unexpected', 'the service failed unexpectedly; retry'));
  };
}

type Handle = (req: IncomingMessage, res: ServerResponse, callback?: unknown) => void;

/**
 * The Express module functions-framework itself loads (resolved from the framework's own
 * location, so the prototype wrapped is the one its app is made from; no dependency of ours).
 */
function frameworkExpress(): { application: { handle: Handle } } {
  const fromFramework = createRequire(import.meta.url).resolve('@google-cloud/functions-framework');
  return createRequire(fromFramework)('express') as { application: { handle: Handle } };
}

let installed = false;

/**
 * Wraps every Express application's `handle` (the framework's app included) with the edge
 * checks and the JSON final handler. `settings` is called per request; when it throws (the
 * functions are misconfigured) the answer is 503 `misconfigured`. Installs once.
 */
export function installEdge(settings: () => EdgeSettings): void {
  if (installed) return;
  installed = true;
  const application = frameworkExpress().application;
  const original = application.handle;
  application.handle = function edgeHandle(this: unknown, req, res, callback) {
    // A mounted sub-application is called with its parent's `next`: the parent checked already.
    if (callback !== undefined) return original.call(this, req, res, callback);
    void (async (app: unknown) => {
      let limits: EdgeSettings;
      try {
        limits = settings();
      } catch (error) {
        console.error(error);
        writeJsonError(res, refusal(503, 'misconfigured', 'the service is misconfigured'));
        return;
      }
      try {
        await admitRequest(req, limits);
      } catch (error) {
        if (error instanceof HttpError) {
          writeJsonError(res, error);
          return;
        }
        finalJsonHandler(res)(error);
        return;
      }
      original.call(app, req, res, finalJsonHandler(res));
    })(this);
  };
}

import type { Request, Response } from '@google-cloud/functions-framework';
import YAML from 'yaml';
import { PermanentError, RetryableError, type ErrorBody } from '../../shared/errors.js';
import { SpecValidationError, type SpecError } from '../../shared/spec/index.js';

/** An error body with every field problem of a rejected document. */
export interface ErrorResponseBody extends ErrorBody {
  errors?: ErrorBody[];
}

/** An error that already knows its HTTP status and body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorResponseBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message);
  }
}

/** 400 naming the field and the rule. */
export function invalidRequest(reason: string, message: string, field?: string): HttpError {
  return new HttpError(400, {
    kind: 'invalid-request',
    reason,
    message,
    ...(field !== undefined ? { field } : {}),
  });
}

/**
 * A spec problem as an error body naming its field; a problem with the document as a whole names
 * where the document came from (`body`, `message.data`).
 */
export function specErrorBody(error: SpecError, documentField: string): ErrorBody {
  return {
    kind: 'invalid-request',
    reason: error.rule,
    message: error.path ? `${error.path}: ${error.message}` : error.message,
    field: error.path || documentField,
  };
}

/** Error bodies as one HTTP error: the first decides status and fields, `errors` lists them all. */
export function errorBodiesResponse(bodies: readonly ErrorBody[], status = 400): HttpError {
  const first = bodies[0] ?? {
    kind: 'invalid-request' as const,
    reason: 'invalid-spec',
    message: 'invalid spec',
  };
  return new HttpError(status, { ...first, ...(bodies.length > 1 ? { errors: [...bodies] } : {}) });
}

/** Spec problems as one 400: the first names the field, `errors` lists them all. */
export function specErrorsResponse(errors: readonly SpecError[]): HttpError {
  return errorBodiesResponse(errors.map((e) => specErrorBody(e, 'body')));
}

/**
 * Maps anything thrown to a status and body. Client errors are 4xx; PermanentError is 422;
 * RetryableError and anything unexpected are 503 so Cloud Workflows retries them (its default
 * predicate does not retry 500). The body never carries a stack trace.
 */
export function errorResponse(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof SpecValidationError) return specErrorsResponse(error.errors);
  if (error instanceof PermanentError) {
    return new HttpError(422, {
      kind: 'permanent',
      reason: error.reason,
      message: error.message,
      ...(error.options.field !== undefined ? { field: error.options.field } : {}),
    });
  }
  const retryAfter =
    error instanceof RetryableError
      ? Math.max(1, Math.ceil(error.options.retryAfterSeconds ?? 5))
      : 5;
  const body: ErrorBody =
    error instanceof RetryableError
      ? { kind: 'retryable', reason: error.reason, message: error.message }
      : {
          kind: 'retryable',
          reason: 'unexpected',
          message: `unexpected error: ${error instanceof Error ? error.message : String(error)}`,
        };
  return new HttpError(503, body, { 'Retry-After': String(retryAfter) });
}

/**
 * What a 503 says to a caller: its reason code, never the internal message (a Firestore code, a
 * client library's text). `public` bodies (the API) get this for every 503; the others (callers
 * are the service's own workflows) keep a retryable step's message, which the run records too.
 */
function redacted(mapped: HttpError, publicBody: boolean): HttpError {
  if (mapped.status !== 503) return mapped;
  if (!publicBody && mapped.body.reason !== 'unexpected') return mapped;
  return new HttpError(
    503,
    {
      kind: 'retryable',
      reason: mapped.body.reason,
      message: `the service cannot complete the request now (${mapped.body.reason}); retry later`,
    },
    mapped.headers,
  );
}

/**
 * Sends an error as JSON, logging unexpected ones (the log keeps the stack and the message, the
 * body never). With `publicBody`, every 503 body carries its reason code only.
 */
export function sendError(res: Response, error: unknown, publicBody = false): void {
  const mapped = errorResponse(error);
  if (mapped.body.reason === 'unexpected' || (publicBody && mapped.status === 503)) {
    console.error(error);
  }
  const sent = redacted(mapped, publicBody);
  for (const [name, value] of Object.entries(sent.headers)) res.setHeader(name, value);
  res.status(sent.status).json(sent.body);
}

/** Wraps a handler so every throw becomes a JSON error (`publicBody`: see {@link sendError}). */
export function jsonHandler(
  handler: (req: Request, res: Response) => Promise<void>,
  options: { publicBody?: boolean } = {},
): (req: Request, res: Response) => Promise<void> {
  return async (req, res) => {
    try {
      await handler(req, res);
    } catch (error) {
      sendError(res, error, options.publicBody ?? false);
    }
  };
}

/** The request body's size: what body-parser read, or what the client announced. */
export function bodySize(req: Request): number {
  if (req.rawBody) return req.rawBody.length;
  const announced = Number(req.headers['content-length'] ?? 0);
  return Number.isFinite(announced) ? announced : 0;
}

/**
 * The request's document: JSON parsed by the framework, or YAML/JSON text (application/yaml,
 * text/plain) parsed here with a clear error. An empty body is an error naming `body`.
 */
export function documentBody(req: Request, maxBytes: number): unknown {
  const size = bodySize(req);
  if (size > maxBytes) {
    throw new HttpError(413, {
      kind: 'invalid-request',
      reason: 'body-too-large',
      message: `the request body has ${size} bytes; the limit is ${maxBytes}`,
      field: 'body',
    });
  }
  const body: unknown = req.body;
  const text = Buffer.isBuffer(body)
    ? body.toString('utf8')
    : typeof body === 'string'
      ? body
      : undefined;
  if (text !== undefined) {
    if (text.trim() === '') throw invalidRequest('empty-body', 'the request body is empty', 'body');
    try {
      return YAML.parse(text, { maxAliasCount: 100 }) as unknown;
    } catch (error) {
      throw invalidRequest(
        'malformed-body',
        `the request body is neither JSON nor YAML: ${(error as Error).message.split('\n')[0]}`,
        'body',
      );
    }
  }
  if (
    body === undefined ||
    (typeof body === 'object' &&
      body !== null &&
      Object.keys(body).length === 0 &&
      !req.rawBody?.length)
  ) {
    throw invalidRequest('empty-body', 'the request body is empty', 'body');
  }
  return body;
}

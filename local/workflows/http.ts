/** One HTTP request as the interpreter sends it (after url, query, headers and body are built). */
export interface WorkflowHttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: Uint8Array;
  /** Milliseconds before the request is abandoned with a TimeoutError. */
  timeoutMs: number;
}

/** The response the interpreter turns into `{code, headers, body}`. */
export interface WorkflowHttpResponse {
  status: number;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  body: Uint8Array;
}

/** Why a request got no response, mapped to Workflows error tags by the interpreter. */
export class HttpTransportError extends Error {
  constructor(
    readonly kind: 'connection-failed' | 'connection-broken' | 'timeout',
    message: string,
  ) {
    super(message);
    this.name = 'HttpTransportError';
  }
}

/** Sends the HTTP requests of `http.*` calls. */
export interface WorkflowHttpClient {
  send(request: WorkflowHttpRequest): Promise<WorkflowHttpResponse>;
}

const CONNECT_FAILURES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The default client: Node's `fetch`. */
export class FetchHttpClient implements WorkflowHttpClient {
  async send(request: WorkflowHttpRequest): Promise<WorkflowHttpResponse> {
    let response: Response;
    try {
      response = await fetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: AbortSignal.timeout(request.timeoutMs),
        redirect: 'follow',
      });
    } catch (err) {
      throw classify(err);
    }
    let body: Uint8Array;
    try {
      body = new Uint8Array(await response.arrayBuffer());
    } catch (err) {
      const classified = classify(err);
      throw classified.kind === 'timeout'
        ? classified
        : new HttpTransportError('connection-broken', classified.message);
    }
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      headers[key] = value;
    });
    return { status: response.status, headers, body };
  }
}

function classify(err: unknown): HttpTransportError {
  const error = err as {
    name?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  if (error.name === 'TimeoutError' || error.name === 'AbortError') {
    return new HttpTransportError('timeout', 'request timed out');
  }
  const code = error.cause?.code;
  const detail = error.cause?.message ?? error.message ?? String(err);
  if (code && CONNECT_FAILURES.has(code))
    return new HttpTransportError('connection-failed', detail);
  return new HttpTransportError('connection-broken', detail);
}

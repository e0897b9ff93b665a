import type { IncomingMessage } from 'node:http';

/** An error answered in Google's JSON shape: `{error: {code, message, status}}`. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly status: string,
    message: string,
  ) {
    super(message);
  }
}

export const invalid = (message: string) => new ApiError(400, 'INVALID_ARGUMENT', message);

const RESOURCE =
  /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/workflows\/([^/:]+)\/executions(?:\/([^/:]+))?(:cancel|\/.*)?$/;

/** What a request addresses: a workflow's executions, or one execution (and `:cancel`). */
export interface ExecutionsRoute {
  project: string;
  location: string;
  workflowId: string;
  /** `projects/P/locations/L/workflows/W`. */
  parent: string;
  executionId?: string;
  /** `:cancel`, the only custom method served. */
  suffix?: ':cancel';
}

/** The route of a request path; 404 outside the Executions API, 501 for unserved methods. */
export function executionsRoute(method: string, pathname: string): ExecutionsRoute {
  const match = RESOURCE.exec(decodeURIComponent(pathname));
  if (!match)
    throw new ApiError(404, 'NOT_FOUND', `no Executions API route for ${method} ${pathname}`);
  const [, project, location, workflowId, executionId, suffix] = match as unknown as [
    string,
    string,
    string,
    string,
    string?,
    string?,
  ];
  if (suffix && suffix !== ':cancel')
    throw new ApiError(
      501,
      'UNIMPLEMENTED',
      `${suffix} is not implemented by the local Executions API`,
    );
  return {
    project,
    location,
    workflowId,
    parent: `projects/${project}/locations/${location}/workflows/${workflowId}`,
    ...(executionId ? { executionId } : {}),
    ...(suffix ? { suffix: ':cancel' as const } : {}),
  };
}

/** The request's JSON body (`{}` when empty); at most 1 MiB. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1024 * 1024)
      throw new ApiError(413, 'INVALID_ARGUMENT', 'request body larger than 1 MiB');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalid(`request body is not JSON: ${(error as Error).message}`);
  }
}

import type { Command } from 'commander';
import {
  DEFAULT_STATE_DIR,
  runningStack,
  stackPaths,
  type StackInfo,
} from '../local/stack/state-files.js';
import { CliError } from './errors.js';

/** A JSON error body of the API. */
export interface ApiErrorBody {
  kind?: string;
  reason?: string;
  message?: string;
  field?: string;
}

/** An API answer that is not what the command expected. */
export class ApiCallError extends CliError {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
    what: string,
  ) {
    super(
      `${what}: HTTP ${status}${body.reason ? ` ${body.reason}` : ''}: ${body.message ?? JSON.stringify(body)}${body.field ? ` (field ${body.field})` : ''}`,
    );
  }
}

/** Calls the API; returns status and JSON body. Connection failures become a CliError. */
export async function apiCall<T>(
  apiUrl: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  let res: Response;
  try {
    res = await fetch(`${apiUrl.replace(/\/+$/, '')}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    throw new CliError(`cannot reach the API at ${apiUrl}: ${(error as Error).message}`);
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = { message: text.slice(0, 500) };
  }
  return { status: res.status, body: parsed as T };
}

/** GETs a resource that must exist: anything but 200 is an {@link ApiCallError} naming `what`. */
export async function getJson<T>(apiUrl: string, path: string, what: string): Promise<T> {
  let answer: { status: number; body: T } | undefined;
  // A GET is safe to repeat: a dropped connection while polling must not end the command.
  for (let attempt = 1; !answer; attempt++) {
    try {
      answer = await apiCall<T>(apiUrl, 'GET', path);
    } catch (error) {
      if (attempt >= 3) throw error;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
  const { status, body } = answer;
  if (status !== 200) throw new ApiCallError(status, body as ApiErrorBody, what);
  return body;
}

/** Where the API is: `--api-url`, or the local stack of `--state-dir`. */
export interface TargetOptions {
  stateDir: string;
  apiUrl?: string;
}

/** The API to talk to: --api-url, else the local stack of the state dir, else EGRESS_API_URL. */
export function findApiUrl(
  options: TargetOptions,
): { apiUrl: string; stack?: StackInfo } | undefined {
  if (options.apiUrl) return { apiUrl: options.apiUrl };
  const stack = runningStack(options.stateDir);
  if (stack?.endpoints.api) return { apiUrl: stack.endpoints.api, stack };
  if (process.env.EGRESS_API_URL) return { apiUrl: process.env.EGRESS_API_URL };
  return undefined;
}

/** {@link findApiUrl}, or a CliError saying how to give one. */
export function resolveApiUrl(options: TargetOptions): { apiUrl: string; stack?: StackInfo } {
  const found = findApiUrl(options);
  if (found) return found;
  throw new CliError(
    `no API to talk to: no local stack runs with state dir ${stackPaths(options.stateDir).stateDir}, ` +
      'and neither --api-url nor EGRESS_API_URL is set (start one with: egressctl local up)',
  );
}

/** Adds the {@link TargetOptions} (`--state-dir`, `--api-url`) to a command of the API. */
export function addTargetOptions(command: Command): Command {
  return command
    .option('--state-dir <dir>', 'state directory of the local stack', DEFAULT_STATE_DIR)
    .option(
      '--api-url <url>',
      'the API (default: the local stack of --state-dir, then EGRESS_API_URL)',
    );
}

/**
 * The web console's files (console/, bundled by `npm run build:console` into console/dist), served
 * by the api function under `/console/`. The api authenticates the caller before it gets here, as
 * for every route; the files hold no data: the console reads everything through the API's own
 * read routes, with the caller's credentials (docs/console.md).
 */
import type { Request, Response } from '@google-cloud/functions-framework';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpError } from './http.js';

/** The path prefix the console is served under, below the api function's own URL. */
export const CONSOLE_PATH = '/console';

/**
 * Where the bundle is: EGRESS_CONSOLE_DIR, else console/dist two folders above this module
 * (functions/lib/ in the source tree, and in a deployed source laid out the same way).
 */
export function consoleDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return env.EGRESS_CONSOLE_DIR ?? fileURLToPath(new URL('../../console/dist', import.meta.url));
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json; charset=utf-8',
};

/**
 * Only the console's own origin, nothing inline and nothing from a CDN: the bundle carries all
 * its code and styles (style attributes set through the DOM, as Preact does, are not inline).
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Whether a request path (below the function's URL) is the console's. */
export function isConsolePath(path: string): boolean {
  return path === CONSOLE_PATH || path.startsWith(`${CONSOLE_PATH}/`);
}

function notFoundFile(path: string): HttpError {
  return new HttpError(404, {
    kind: 'not-found',
    reason: 'no-such-file',
    message: `the console has no file ${path}`,
  });
}

/**
 * The file a console path names inside `root`, or undefined when it names none: `/console` and
 * `/console/` are index.html; a path that leaves the folder (`..`) names nothing.
 */
export function consoleFile(root: string, path: string): string | undefined {
  const relative = path.slice(CONSOLE_PATH.length).replace(/^\/+/, '') || 'index.html';
  if (relative.split('/').some((segment) => segment === '..' || segment.startsWith('.'))) {
    return undefined;
  }
  const file = normalize(join(root, relative));
  return file.startsWith(root.endsWith(sep) ? root : `${root}${sep}`) ? file : undefined;
}

/**
 * `GET /console/...`: a file of the bundle with its content type, no caching beyond a
 * revalidation (the bundle's names carry no hash), and the console's content security policy.
 * 503 `console-not-built` when the bundle is missing (`npm run build:console` builds it).
 */
export async function serveConsole(
  req: Request,
  res: Response,
  path: string,
  root = consoleDirectory(),
): Promise<void> {
  const method = req.method.toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') {
    throw new HttpError(
      405,
      { kind: 'invalid-request', reason: 'method-not-allowed', message: 'use GET' },
      { Allow: 'GET, HEAD' },
    );
  }
  // `/console` without its slash: the page's relative asset paths need the folder's URL. The
  // redirect is relative, so it keeps whatever prefix the function is served under (`/api`).
  if (path === CONSOLE_PATH) {
    res.setHeader('Location', 'console/');
    res.status(308).end();
    return;
  }
  if (!existsSync(join(root, 'index.html'))) {
    throw new HttpError(
      503,
      {
        kind: 'retryable',
        reason: 'console-not-built',
        message: `the console's bundle is not in ${root}: run \`npm run build:console\``,
      },
      { 'Retry-After': '60' },
    );
  }
  const file = consoleFile(root, path);
  if (!file) throw notFoundFile(path);
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    throw notFoundFile(path);
  }
  res.setHeader('Content-Type', CONTENT_TYPES[extname(file)] ?? 'application/octet-stream');
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  // Express sends no body for HEAD.
  res.status(200).send(body);
}

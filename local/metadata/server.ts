import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CLOUD_PLATFORM_SCOPE, TokenIssuer, serviceAccountUniqueId } from './tokens.js';

/**
 * A stand-in for the metadata server of Cloud Run (and Compute Engine) on 127.0.0.1: what
 * gcp-metadata and google-auth-library read there — project, region, the service account's
 * email, OAuth access tokens and OIDC ID tokens — so that a process given
 * `GCE_METADATA_HOST=127.0.0.1:<port>` finds credentials locally and never reaches for
 * 169.254.169.254 or metadata.google.internal.
 *
 * One listener per identity: a process's identity is the port its GCE_METADATA_HOST names
 * (the libraries drop any path of that variable), as each Cloud Run service has its own server.
 * Rules copied from Google: https://cloud.google.com/compute/docs/metadata/querying-metadata
 * (the `Metadata-Flavor: Google` request header is required, requests with `X-Forwarded-For`
 * are refused) and https://cloud.google.com/run/docs/container-contract#metadata-server (the
 * keys Cloud Run serves).
 */

/** Path of every metadata key. */
export const METADATA_BASE_PATH = '/computeMetadata/v1';
/** The JWKS of the signing key (stand-in of https://www.googleapis.com/oauth2/v3/certs). */
export const JWKS_PATH = '/oauth2/v3/certs';
/** The same key as `{kid: PEM}` (stand-in of https://www.googleapis.com/oauth2/v1/certs). */
export const PEM_CERTS_PATH = '/oauth2/v1/certs';

/** Options of {@link startMetadataServer}. */
export interface MetadataServerOptions {
  projectId: string;
  /** Default: 12 digits derived from the project id, stable across restarts. */
  numericProjectId?: string;
  /** Region of `instance/region` (`projects/N/regions/<region>`). */
  region: string;
  /** The signing key; default a new one. */
  issuer?: TokenIssuer;
}

/** Where a process running as one service account finds its metadata server. */
export interface MetadataEndpoint {
  email: string;
  /** `127.0.0.1:P`: the value of GCE_METADATA_HOST (and GCE_METADATA_IP). */
  host: string;
  /** `http://127.0.0.1:P`. */
  url: string;
}

/** A running metadata server: one key, one listener per identity. */
export interface MetadataServer {
  readonly issuer: TokenIssuer;
  readonly projectId: string;
  readonly numericProjectId: string;
  readonly region: string;
  /**
   * The listener of a process running as `email` (started on first use, on `port` or a free
   * one); the same endpoint for the same email afterwards.
   */
  endpointFor(email: string, port?: number): Promise<MetadataEndpoint>;
  /** Every listener started, in order. */
  endpoints(): MetadataEndpoint[];
  close(): Promise<void>;
}

/** The project number the stand-in reports for a project id: 12 digits, stable. */
export function numericProjectIdOf(projectId: string): string {
  const digest = createHash('sha256').update(`project:${projectId}`).digest();
  return (10n ** 11n + (digest.readBigUInt64BE(0) % (9n * 10n ** 11n))).toString();
}

/**
 * The environment that points Google's auth libraries at an endpoint: GCE_METADATA_HOST (read by
 * gcp-metadata and the Python/Go libraries) and GCE_METADATA_IP (read first by gcp-metadata).
 */
export function metadataEnv(endpoint: Pick<MetadataEndpoint, 'host'>): Record<string, string> {
  return { GCE_METADATA_HOST: endpoint.host, GCE_METADATA_IP: endpoint.host };
}

interface Answer {
  status: number;
  body: string;
  contentType: string;
}

const text = (body: string, status = 200): Answer => ({
  status,
  body,
  contentType: 'application/text',
});
const listing = (entries: string[]): Answer => text(entries.map((e) => `${e}\n`).join(''));
const json = (value: unknown): Answer => ({
  status: 200,
  body: JSON.stringify(value),
  contentType: 'application/json',
});
const notFound = (): Answer => ({ status: 404, body: 'Not Found\n', contentType: 'text/plain' });

/** The answer of the metadata server of a process running as `email` to one key. */
function answerKey(
  server: MetadataServer,
  email: string,
  key: string,
  query: URLSearchParams,
): Answer {
  const parts = key.split('/').filter(Boolean);
  const [top, second, account, leaf, ...extra] = parts;
  const n = server.numericProjectId;
  if (parts.length === 0) return listing(['instance/', 'project/', 'universe/']);
  if (top === 'project') {
    if (parts.length === 1) return listing(['numeric-project-id', 'project-id']);
    if (parts.length === 2 && second === 'project-id') return text(server.projectId);
    if (parts.length === 2 && second === 'numeric-project-id') return text(n);
    return notFound();
  }
  if (top === 'universe') {
    if (parts.length === 1) return listing(['universe-domain']);
    if (parts.length === 2 && second === 'universe-domain') return text('googleapis.com');
    return notFound();
  }
  if (top !== 'instance') return notFound();
  if (parts.length === 1) return listing(['id', 'region', 'service-accounts/', 'zone']);
  if (parts.length === 2) {
    if (second === 'id') return text(serviceAccountUniqueId(`instance:${email}`));
    if (second === 'region') return text(`projects/${n}/regions/${server.region}`);
    // Cloud Run answers a zone of its region, e.g. projects/N/zones/us-central1-1.
    if (second === 'zone') return text(`projects/${n}/zones/${server.region}-1`);
    if (second === 'service-accounts') return listing(['default/', `${email}/`]);
    return notFound();
  }
  if (second !== 'service-accounts' || (account !== 'default' && account !== email)) {
    return notFound();
  }
  if (leaf === undefined) return listing(['aliases', 'email', 'identity', 'scopes', 'token']);
  if (extra.length > 0) return notFound();
  switch (leaf) {
    case 'aliases':
      return text('default');
    case 'email':
      return text(email);
    case 'scopes':
      return listing([CLOUD_PLATFORM_SCOPE]);
    case 'token': {
      const scopes = (query.get('scopes') ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      return json(server.issuer.accessToken(email, scopes.length > 0 ? scopes : undefined));
    }
    case 'identity': {
      const audience = query.get('audience');
      if (!audience) return text('non-empty audience parameter required\n', 400);
      return text(server.issuer.idToken(email, audience));
    }
    default:
      return notFound();
  }
}

function respond(res: ServerResponse, answer: Answer): void {
  res.writeHead(answer.status, {
    'Metadata-Flavor': 'Google',
    'Content-Type': answer.contentType,
    Server: 'Metadata Server for Serverless',
  });
  res.end(answer.body);
}

/** Handles one request to the listener of `email`. */
function handle(server: MetadataServer, email: string, req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://metadata.google.internal');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    respond(res, { status: 405, body: 'Method Not Allowed\n', contentType: 'text/plain' });
    return;
  }
  // Google's public certificate endpoints: no Metadata-Flavor needed.
  if (url.pathname === JWKS_PATH) return respond(res, json(server.issuer.jwks()));
  if (url.pathname === PEM_CERTS_PATH) return respond(res, json(server.issuer.pemCertificates()));
  if (url.pathname !== METADATA_BASE_PATH && !url.pathname.startsWith(`${METADATA_BASE_PATH}/`)) {
    return respond(res, notFound());
  }
  if (req.headers['x-forwarded-for'] !== undefined) {
    return respond(res, {
      status: 403,
      body: 'Your client does not have permission to get URL from this server. Request contains X-Forwarded-For header.\n',
      contentType: 'text/plain',
    });
  }
  if (req.headers['metadata-flavor'] !== 'Google') {
    return respond(res, {
      status: 403,
      body: `Your client does not have permission to get URL ${url.pathname} from this server. Missing Metadata-Flavor:Google header.\n`,
      contentType: 'text/plain',
    });
  }
  respond(
    res,
    answerKey(server, email, url.pathname.slice(METADATA_BASE_PATH.length), url.searchParams),
  );
}

/** Starts the metadata server (no listener until {@link MetadataServer.endpointFor}). */
export function startMetadataServer(options: MetadataServerOptions): MetadataServer {
  const listeners = new Map<string, { endpoint: Promise<MetadataEndpoint>; http: Server }>();
  const started: MetadataEndpoint[] = [];
  const server: MetadataServer = {
    issuer: options.issuer ?? new TokenIssuer(),
    projectId: options.projectId,
    numericProjectId: options.numericProjectId ?? numericProjectIdOf(options.projectId),
    region: options.region,
    endpointFor(email, port = 0) {
      const known = listeners.get(email);
      if (known) return known.endpoint;
      const http = createServer((req, res) => handle(server, email, req, res));
      const endpoint = new Promise<MetadataEndpoint>((resolve, reject) => {
        http.once('error', reject);
        http.listen(port, '127.0.0.1', () => {
          const { port: bound } = http.address() as AddressInfo;
          const host = `127.0.0.1:${bound}`;
          const endpoint = { email, host, url: `http://${host}` };
          started.push(endpoint);
          resolve(endpoint);
        });
      });
      listeners.set(email, { endpoint, http });
      return endpoint;
    },
    endpoints() {
      return [...started];
    },
    async close() {
      await Promise.all(
        [...listeners.values()].map(
          ({ http }) =>
            new Promise<void>((resolve) => {
              http.closeAllConnections();
              http.close(() => resolve());
            }),
        ),
      );
      listeners.clear();
      started.length = 0;
    },
  };
  return server;
}

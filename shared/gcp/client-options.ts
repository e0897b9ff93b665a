import { PassThroughClient } from 'google-auth-library';

/**
 * The one place that decides where the official clients send their requests: Google's own
 * endpoints with Application Default Credentials, or the local GCP simulator over plain HTTP
 * without credentials (docs/architecture.md "Official Google clients against a local HTTP server").
 */

/** Where the clients go. */
export type GcpTarget = { mode: 'google' } | { mode: 'local'; endpoint: string };

/** Options every gax-based client (compute, container, resource-manager, service-usage) takes. */
export interface GaxClientOptions {
  apiEndpoint?: string;
  port?: number;
  protocol?: string;
  /** REST transport: the simulator speaks REST only, and compute is REST anyway. */
  fallback?: boolean;
  authClient?: PassThroughClient;
}

/** The client options, plus the REST roots of the clients that are not gax-based. */
export interface ResolvedClientOptions {
  target: GcpTarget;
  /** For gax clients: spread into their constructor. */
  gax: GaxClientOptions;
  /** `rootUrl` of googleapis clients (iam): `https://iam.googleapis.com/` or the simulator. */
  iamRootUrl?: string;
  /** `baseUrl` of the dns client, which otherwise builds an https URL. */
  dnsBaseUrl?: string;
  /** Root of gkehub v1 REST paths: `https://gkehub.googleapis.com` or the simulator. */
  gkeHubRoot: string;
  /** Root of pubsub v1 REST paths: `https://pubsub.googleapis.com` or the simulator. */
  pubsubRoot: string;
  /** For the local target, the credential-less auth client every REST call uses. */
  localAuth?: PassThroughClient;
}

/** Parses and checks a local endpoint; only loopback addresses are accepted. */
function localEndpoint(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`gcp endpoint "${endpoint}" is not a URL like http://127.0.0.1:8085`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`gcp endpoint "${endpoint}" must use http or https`);
  }
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    throw new Error(`gcp endpoint "${endpoint}" must be a loopback address (the local simulator)`);
  }
  return url;
}

/**
 * The client options for a target. Google: empty options (default endpoints, default
 * credentials). Local: the simulator's host and port over REST with a PassThroughClient, since
 * without an `authClient` the clients look for credentials and the rejection can crash the process.
 */
export function clientOptions(target: GcpTarget): ResolvedClientOptions {
  if (target.mode === 'google') {
    return {
      target,
      gax: {},
      gkeHubRoot: 'https://gkehub.googleapis.com',
      pubsubRoot: 'https://pubsub.googleapis.com',
    };
  }
  const url = localEndpoint(target.endpoint);
  const protocol = url.protocol.replace(':', '');
  const port = Number(url.port || (protocol === 'https' ? 443 : 80));
  const root = `${url.protocol}//${url.host}`;
  const localAuth = new PassThroughClient();
  return {
    target,
    gax: { apiEndpoint: url.hostname, port, protocol, fallback: true, authClient: localAuth },
    iamRootUrl: `${root}/`,
    dnsBaseUrl: `${root}/dns/v1`,
    gkeHubRoot: root,
    pubsubRoot: root,
    localAuth,
  };
}

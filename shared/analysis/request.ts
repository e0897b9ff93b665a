/** A request to analyze: from a pod in `sourceNamespace` to `url`, or to `host` and `port`. */
export interface ReachabilityRequest {
  sourceNamespace: string;
  /** `http://host[:port]/path` or `https://...`; an IPv4 host means the pod bypasses its sidecar. */
  url?: string;
  host?: string;
  port?: number;
  /** With host+port: `https` means the app speaks TLS itself (default: https on 443, else http). */
  scheme?: 'http' | 'https';
  method?: string;
  path?: string;
  /** Labels of the source pod (default none: policies with `podSelector: {}` select it). */
  sourceLabels?: Record<string, string>;
}

/** A request as analyzed: URL parsed, defaults filled. */
export type AnalyzedRequest = Required<
  Pick<ReachabilityRequest, 'sourceNamespace' | 'host' | 'port' | 'scheme' | 'method' | 'path'>
>;

/** Parses and completes a request; throws an Error naming the field for bad input. */
export function normalizeRequest(request: ReachabilityRequest): AnalyzedRequest {
  if (!request.sourceNamespace) throw new Error('sourceNamespace: required');
  let host = request.host;
  let port = request.port;
  let scheme = request.scheme;
  let path = request.path;
  if (request.url !== undefined) {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      throw new Error(
        `url: "${request.url}" is not an absolute URL (expected http://HOST[:PORT]/PATH or https://...)`,
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(`url: scheme "${url.protocol.replace(':', '')}" is not http or https`);
    }
    scheme = url.protocol === 'https:' ? 'https' : 'http';
    host = url.hostname;
    port = url.port ? Number(url.port) : scheme === 'https' ? 443 : 80;
    path = path ?? (url.pathname || '/');
  }
  if (!host) throw new Error('host: required (give url, or host and port)');
  if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`port: must be an integer 1..65535 (got ${String(port)})`);
  }
  return {
    sourceNamespace: request.sourceNamespace,
    host: host.toLowerCase(),
    port,
    scheme: scheme ?? (port === 443 ? 'https' : 'http'),
    method: (request.method ?? 'GET').toUpperCase(),
    path: path ?? '/',
  };
}

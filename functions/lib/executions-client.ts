import { ExecutionsClient } from '@google-cloud/workflows';
import { PassThroughClient } from 'google-auth-library';

/**
 * The official Workflows ExecutionsClient: Google's Executions API with the default
 * credentials, or, given an endpoint (`http://127.0.0.1:PORT`), a local Executions API over
 * plain HTTP (REST fallback) without credentials. The functions and the local stack both build
 * theirs here.
 */
export function executionsClient(endpoint?: string): ExecutionsClient {
  if (!endpoint) return new ExecutionsClient();
  const url = new URL(endpoint);
  return new ExecutionsClient({
    apiEndpoint: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    protocol: url.protocol.replace(':', ''),
    fallback: true,
    // No credentials exist locally; without an explicit auth client the library searches for
    // default credentials and fails.
    authClient: new PassThroughClient(),
  } as unknown as ConstructorParameters<typeof ExecutionsClient>[0]);
}

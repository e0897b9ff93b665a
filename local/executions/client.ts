import { ExecutionsClient } from '@google-cloud/workflows';
import { PassThroughClient } from 'google-auth-library';

/**
 * The official ExecutionsClient pointed at a local Executions API (`http://127.0.0.1:PORT`):
 * REST fallback over plain HTTP, no credentials (LOCAL-STACK.md "Official Google clients").
 */
export function localExecutionsClient(endpoint: string): ExecutionsClient {
  const url = new URL(endpoint);
  return new ExecutionsClient({
    apiEndpoint: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    protocol: url.protocol.replace(':', ''),
    fallback: true,
    // Without an explicit auth client the library searches for default credentials.
    authClient: new PassThroughClient(),
  } as unknown as ConstructorParameters<typeof ExecutionsClient>[0]);
}

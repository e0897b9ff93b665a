/**
 * The GET routes that describe the API rather than objects: health, `/version`, discovery
 * (`/api`, `/apis`, groups, resource lists; aggregated `apidiscovery.k8s.io/v2` when asked for)
 * and OpenAPI v3.
 */
import {
  aggregatedDiscoveryDocument,
  coreVersionsDocument,
  groupDocument,
  groupListDocument,
  openApiGroupVersionDocument,
  openApiRootDocument,
  resourceListDocument,
  versionDocument,
} from './api-documents.js';
import type { KubeApiServer } from './api-server.js';
import { compareKubeVersions } from './crd-kinds.js';
import type { ResourceType } from './resource-types.js';

/** A whole answer: a body and, when not JSON, its content type. */
export interface DocumentResult {
  body: unknown;
  contentType?: string;
}

const aggregatedType = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/**
 * Whether the client asks for aggregated discovery. Only the v2 form is served; a client asking
 * for v2beta1 alone (kubectl 1.27) gets the unaggregated documents, which every client
 * understands.
 */
function wantsAggregated(accept: string): boolean {
  return accept.split(',').some((mediaType) => {
    const parameters = mediaType.split(';').map((part) => part.trim());
    return (
      parameters.includes('g=apidiscovery.k8s.io') &&
      parameters.includes('v=v2') &&
      parameters.includes('as=APIGroupDiscoveryList')
    );
  });
}

/** The document a GET of `path` asks for, or undefined when the path names no document. */
export function discoveryRoute(
  server: KubeApiServer,
  path: string,
  accept: string,
  host: string,
): DocumentResult | undefined {
  const { registry } = server;
  const hasScale = (type: ResourceType): boolean => server.strategies.of(type).scale !== undefined;
  if (['/healthz', '/livez', '/readyz'].includes(path))
    return { body: 'ok', contentType: 'text/plain' };
  const document = (body: unknown, contentType?: string): DocumentResult => {
    server.counters.discovery += 1;
    return contentType ? { body, contentType } : { body };
  };
  const segments = path.split('/').filter((segment) => segment !== '');
  const aggregated = wantsAggregated(accept);
  if (path === '/version') return document(versionDocument());
  if (path === '/api') {
    return aggregated
      ? document(aggregatedDiscoveryDocument(registry, true, hasScale), aggregatedType)
      : document(coreVersionsDocument(host));
  }
  if (path === '/apis') {
    return aggregated
      ? document(aggregatedDiscoveryDocument(registry, false, hasScale), aggregatedType)
      : document(groupListDocument(registry));
  }
  if (path === '/openapi/v3') return document(openApiRootDocument(registry));
  if (segments[0] === 'openapi' && segments[1] === 'v3') {
    const core = segments[2] === 'api';
    const group = core ? '' : (segments[3] ?? '');
    const version = core ? (segments[3] ?? '') : (segments[4] ?? '');
    const found = openApiGroupVersionDocument(registry, group, version);
    if (found) return document(found);
  }
  if (segments.length === 2 && segments[0] === 'api') {
    const found = resourceListDocument(registry, '', segments[1] ?? '', hasScale);
    if (found) return document(found);
  }
  if (segments[0] === 'apis' && segments.length === 2) {
    const entry = registry.groups().find((candidate) => candidate.group === segments[1]);
    if (entry && entry.group !== '')
      return document(groupDocument(entry.group, [...entry.versions].sort(compareKubeVersions)));
  }
  if (segments[0] === 'apis' && segments.length === 3) {
    const found = resourceListDocument(registry, segments[1] ?? '', segments[2] ?? '', hasScale);
    if (found) return document(found);
  }
  return undefined;
}

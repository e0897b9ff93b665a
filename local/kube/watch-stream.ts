/**
 * A watch stream (newline-delimited JSON events, no bookmarks): from `resourceVersion` it
 * replays the recorded changes after it (410 Gone when they are no longer recorded); without one
 * it starts with an ADDED event per existing object. It ends after `timeoutSeconds` or when the
 * client goes away.
 */
import type { ServerResponse } from 'node:http';
import type { KubeApiServer } from './api-server.js';
import { selectObjects, selectorsOf, tableFor } from './read-verbs.js';
import { metadataOf, present, type ResourceRequest } from './resource-request.js';
import { KubeApiError } from './status-errors.js';
import type { WatchEvent } from './watch-hub.js';
import type { JsonObject } from '../../shared/lib/json.js';

/** How long a watch without `timeoutSeconds` stays open. */
const defaultWatchMilliseconds = 30 * 60 * 1000;

export function streamWatch(
  server: KubeApiServer,
  request: ResourceRequest,
  wantsTable: boolean,
  response: ServerResponse,
): void {
  server.counters.watch += 1;
  const selected = selectorsOf(request.query);
  const { type } = request;
  const matches = (event: WatchEvent): boolean => {
    if (event.group !== type.group || event.kind !== type.kind) return false;
    const metadata = metadataOf(event.object);
    if (
      type.namespaced &&
      request.namespace !== undefined &&
      metadata.namespace !== request.namespace
    ) {
      return false;
    }
    return selected(event.object);
  };
  response.writeHead(200, {
    'content-type': 'application/json',
    'transfer-encoding': 'chunked',
    'cache-control': 'no-cache, private',
  });
  // Headers go out now: client-go waits for them before it reads any event.
  response.flushHeaders();
  const write = (eventType: string, object: JsonObject): void => {
    const presented = present(object, request);
    const resourceVersion = String(metadataOf(object).resourceVersion);
    const payload = wantsTable
      ? tableFor(server, request, [presented], resourceVersion)
      : presented;
    response.write(`${JSON.stringify({ type: eventType, object: payload })}\n`);
  };
  const since = request.query.get('resourceVersion');
  if (since === null || since === '' || since === '0') {
    for (const object of selectObjects(server, request)) write('ADDED', object);
  } else {
    const from = Number(since);
    const oldest = server.watches.oldestResourceVersion;
    if (oldest !== undefined && from < oldest - 1) {
      const gone = new KubeApiError(
        410,
        'Expired',
        `too old resource version: ${since} (${oldest - 1})`,
      );
      response.end(`${JSON.stringify({ type: 'ERROR', object: gone.toStatus() })}\n`);
      return;
    }
    for (const event of server.watches.since(from))
      if (matches(event)) write(event.type, event.object);
  }
  const unsubscribe = server.watches.subscribe((event) => {
    if (matches(event)) write(event.type, event.object);
  });
  const timeoutSeconds = Number(request.query.get('timeoutSeconds') ?? '0');
  const timer = setTimeout(
    () => finish(),
    timeoutSeconds > 0 ? timeoutSeconds * 1000 : defaultWatchMilliseconds,
  );
  timer.unref();
  const finish = (): void => {
    unsubscribe();
    clearTimeout(timer);
    if (!response.writableEnded) response.end();
  };
  response.on('close', finish);
}

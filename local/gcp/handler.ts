import type { ApiRoute } from './schema.js';
import type { FaultDecision } from './faults.js';
import type { Json, SimStore } from './store.js';
import type { SimCaller } from './services/iam-permissions.js';

/** What the kube simulator (or a test) does when a cluster becomes RUNNING or goes away. */
export interface ClusterHooks {
  /** Returns the API server address to report as `endpoint` and the DNS endpoint. */
  onClusterCreated?(cluster: Json): Promise<{
    endpoint: string;
    dnsEndpoint: string;
    caCertificate?: string;
  }>;
  onClusterDeleted?(cluster: Json): Promise<void>;
}

/** One validated request, as a handler sees it. */
export interface SimRequest {
  route: ApiRoute;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The validated body (enum numbers turned into names); `{}` when the method takes none. */
  body: Json;
  /** `http://host:port` the client called: links in answers point there. */
  origin: string;
  store: SimStore;
  /** An injected operation failure for this call, if the fault script asked for one. */
  fault: FaultDecision;
  /** Who called (the Bearer token's principal), for the methods the simulator authorizes. */
  caller: SimCaller;
}

/** A handler's answer. */
export interface Reply {
  status?: number;
  body: unknown;
}

/** Returned by a handler that leaves the request to the next matching route. */
export const DEFER = Symbol('defer');

/** Serves one API method. */
export type Handler = (req: SimRequest) => Promise<Reply | typeof DEFER> | Reply | typeof DEFER;

/** Handlers by method id. */
export type HandlerTable = Record<string, Handler>;

/** Shorthand for a 200 answer. */
export function ok(body: unknown): Reply {
  return { body };
}

/**
 * The Kubernetes API simulator: an HTTP server that answers the calls `kubectl` and
 * `@kubernetes/client-node` make — discovery, OpenAPI v3, get/list (label and field
 * selectors), create, update, patch (JSON, merge, strategic, server-side apply), delete and
 * deletecollection — over the built-in kinds the product uses and the Istio CRD kinds, with
 * validation (422 naming the field), pruning of unknown fields, resourceVersion conflicts,
 * managedFields, and namespace deletion that removes every object in the namespace.
 * Watch streams changes (no bookmarks), replaying recent history from a resourceVersion.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import {
  aggregatedDiscoveryDocument,
  coreVersionsDocument,
  groupDocument,
  groupListDocument,
  openApiGroupVersionDocument,
  openApiRootDocument,
  resourceListDocument,
  tableOf,
  versionDocument,
} from './api-documents.js';
import { compareKubeVersions } from './crd-kinds.js';
import { applyConfiguration, recordUpdate } from './managed-fields.js';
import { ObjectStore, type ObjectAddress } from './object-store.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './patches.js';
import { ResourceRegistry, splitApiVersion, type ResourceType } from './resource-types.js';
import { fieldMatcher, labelMatcher } from './selectors.js';
import {
  alreadyExists,
  badRequest,
  invalid,
  KubeApiError,
  methodNotAllowed,
  notFound,
  resourceVersionConflict,
} from './status-errors.js';
import { decodeProtobufObject } from './protobuf-bodies.js';
import { causesFromSchemaErrors, validateObjectMeta } from './validation.js';
import { isPlainObject, type JsonObject } from './json-object.js';

/** Options of {@link startKubeSimulator}. */
export interface KubeSimulatorOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Address to listen on; 127.0.0.1 by default. */
  host?: string;
  /** JSON file the objects are loaded from at start and saved to (debounced) on change. */
  stateFile?: string;
  /** Cluster name used in the kubeconfig; `kube-simulator` by default. */
  name?: string;
  /** Clock for timestamps and ages (tests inject one). */
  now?: () => Date;
}

/** Requests served, per verb. `reads` and `writes` sum the object verbs. */
export interface KubeRequestCounters {
  get: number;
  list: number;
  create: number;
  update: number;
  patch: number;
  apply: number;
  delete: number;
  deletecollection: number;
  /** Watch streams opened. */
  watch: number;
  /** Discovery, OpenAPI and version documents. */
  discovery: number;
  readonly reads: number;
  readonly writes: number;
}

/** A running simulator. */
export interface KubeSimulator {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  name: string;
  /** A kubeconfig (YAML) whose current context is `contextName`, pointing at this server. */
  kubeconfig(contextName?: string): string;
  /** Copies of every stored object. */
  objects(): JsonObject[];
  /** Removes every object and recreates the default namespaces; zeroes the counters. */
  reset(): void;
  counters: KubeRequestCounters;
  /** Stops the server and writes the state file. */
  close(): Promise<void>;
}

const defaultNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

function newCounters(): KubeRequestCounters {
  return {
    get: 0,
    list: 0,
    create: 0,
    update: 0,
    patch: 0,
    apply: 0,
    delete: 0,
    deletecollection: 0,
    watch: 0,
    discovery: 0,
    get reads() {
      return this.get + this.list + this.watch;
    },
    get writes() {
      return (
        this.create + this.update + this.patch + this.apply + this.delete + this.deletecollection
      );
    },
  };
}

function metadataOf(object: JsonObject): JsonObject {
  if (!isPlainObject(object.metadata)) object.metadata = {};
  return object.metadata as JsonObject;
}

/** A parsed resource URL. */
interface ResourceRequest {
  type: ResourceType;
  group: string;
  version: string;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  query: URLSearchParams;
}

/** What a route answers: a body, or a stream it writes itself (watch). */
interface RouteResult {
  status?: number;
  body: unknown;
  contentType?: string;
  stream?: (response: ServerResponse) => void;
}

/** One change, as watch streams it. */
interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  group: string;
  kind: string;
  resourceVersion: number;
  object: JsonObject;
}

/** How many past events a watch from an older resourceVersion can replay. */
const watchHistoryLength = 2000;

/** Everything one write needs besides the objects. */
interface WriteContext {
  request: ResourceRequest;
  manager: string;
  dryRun: boolean;
  warnings: string[];
  /** A write through the `status` subresource: only `.status` changes, and it is kept. */
  statusWrite?: boolean;
}

class KubeApiServer {
  readonly registry = new ResourceRegistry();
  readonly store: ObjectStore;
  counters = newCounters();
  private nextClusterIp = 10;

  constructor(
    stateFile: string | undefined,
    readonly now: () => Date,
  ) {
    this.store = new ObjectStore(stateFile);
    if (this.store.empty) this.seedNamespaces();
  }

  seedNamespaces(): void {
    for (const name of defaultNamespaces) {
      const object: JsonObject = {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name,
          uid: randomUUID(),
          resourceVersion: this.store.nextResourceVersion(),
          creationTimestamp: this.timestamp(),
          labels: { 'kubernetes.io/metadata.name': name },
        },
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Active' },
      };
      this.store.put({ group: '', kind: 'Namespace', namespace: undefined, name }, object);
    }
  }

  timestamp(): string {
    return this.now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  }

  address(type: ResourceType, namespace: string | undefined, name: string): ObjectAddress {
    return {
      group: type.group,
      kind: type.kind,
      namespace: type.namespaced ? namespace : undefined,
      name,
    };
  }

  /** Serves one HTTP request. */
  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const warnings: string[] = [];
    try {
      const url = new URL(request.url ?? '/', 'http://simulator');
      const raw = await readBody(request);
      const contentType = String(request.headers['content-type'] ?? '');
      const body =
        raw.length > 0 && contentType.includes('protobuf')
          ? JSON.stringify(decodeProtobufObject(raw))
          : raw.toString('utf8');
      const result = this.route(request, url, body, warnings);
      if (result.stream) result.stream(response);
      else send(response, result.status ?? 200, result.body, result.contentType, warnings);
    } catch (error) {
      if (error instanceof KubeApiError) {
        send(response, error.code, error.toStatus(), undefined, warnings);
      } else {
        const message = error instanceof Error ? error.message : String(error);
        const status = new KubeApiError(
          500,
          'InternalError',
          `Internal error occurred: ${message}`,
        );
        send(response, 500, status.toStatus(), undefined, warnings);
      }
    }
  }

  private route(request: IncomingMessage, url: URL, body: string, warnings: string[]): RouteResult {
    const method = request.method ?? 'GET';
    const accept = String(request.headers.accept ?? '');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const segments = path.split('/').filter((segment) => segment !== '');
    // Only the v2 form is served; a client asking for v2beta1 alone (kubectl 1.27) gets the
    // unaggregated documents, which every client understands.
    const aggregated = accept.split(',').some((mediaType) => {
      const parameters = mediaType.split(';').map((part) => part.trim());
      return (
        parameters.includes('g=apidiscovery.k8s.io') &&
        parameters.includes('v=v2') &&
        parameters.includes('as=APIGroupDiscoveryList')
      );
    });
    const aggregatedType = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

    if (method === 'GET') {
      if (['/healthz', '/livez', '/readyz'].includes(path))
        return { body: 'ok', contentType: 'text/plain' };
      if (path === '/version') return this.discovery(versionDocument());
      if (path === '/api') {
        return aggregated
          ? this.discovery(aggregatedDiscoveryDocument(this.registry, true), aggregatedType)
          : this.discovery(coreVersionsDocument(request.headers.host ?? '127.0.0.1'));
      }
      if (path === '/apis') {
        return aggregated
          ? this.discovery(aggregatedDiscoveryDocument(this.registry, false), aggregatedType)
          : this.discovery(groupListDocument(this.registry));
      }
      if (path === '/openapi/v3') return this.discovery(openApiRootDocument(this.registry));
      if (segments[0] === 'openapi' && segments[1] === 'v3') {
        const core = segments[2] === 'api';
        const group = core ? '' : (segments[3] ?? '');
        const version = core ? (segments[3] ?? '') : (segments[4] ?? '');
        const document = openApiGroupVersionDocument(this.registry, group, version);
        if (document) return this.discovery(document);
      }
      if (segments.length === 2 && segments[0] === 'api') {
        const document = resourceListDocument(this.registry, '', segments[1] ?? '');
        if (document) return this.discovery(document);
      }
      if (segments[0] === 'apis' && segments.length === 2) {
        const entry = this.registry.groups().find((candidate) => candidate.group === segments[1]);
        if (entry && entry.group !== '') {
          return this.discovery(
            groupDocument(entry.group, [...entry.versions].sort(compareKubeVersions)),
          );
        }
      }
      if (segments[0] === 'apis' && segments.length === 3) {
        const document = resourceListDocument(this.registry, segments[1] ?? '', segments[2] ?? '');
        if (document) return this.discovery(document);
      }
    }

    const resource = this.parseResourcePath(segments, url.searchParams);
    if (!resource) {
      throw new KubeApiError(404, 'NotFound', 'the server could not find the requested resource');
    }
    const manager = this.managerOf(resource.query, request);
    const context: WriteContext = {
      request: resource,
      manager,
      dryRun: resource.query.getAll('dryRun').includes('All'),
      warnings,
    };
    if (resource.subresource !== undefined) {
      return this.subresource(context, method, String(request.headers['content-type'] ?? ''), body);
    }
    const wantsTable = accept.includes('as=Table');
    const isWrite = method !== 'GET';
    if (isWrite && resource.type.readOnly) {
      throw methodNotAllowed(
        `${resource.type.plural} are read-only in the Kubernetes API simulator`,
      );
    }
    switch (method) {
      case 'GET':
        if (resource.query.get('watch') === 'true' || resource.query.get('watch') === '1') {
          return {
            body: undefined,
            stream: (response) => this.watch(resource, wantsTable, response),
          };
        }
        return resource.name === undefined
          ? this.list(resource, wantsTable)
          : this.get(resource, wantsTable);
      case 'POST':
        if (resource.name !== undefined)
          throw methodNotAllowed('POST is not allowed on a named object');
        return { status: 201, body: this.create(context, parseBody(body, 'application/json')) };
      case 'PUT':
        if (resource.name === undefined) throw methodNotAllowed('PUT needs an object name');
        return { body: this.update(context, parseBody(body, 'application/json')) };
      case 'PATCH':
        if (resource.name === undefined) throw methodNotAllowed('PATCH needs an object name');
        return this.patch(context, String(request.headers['content-type'] ?? ''), body);
      case 'DELETE':
        return {
          body: resource.name === undefined ? this.deleteCollection(context) : this.delete(context),
        };
      default:
        throw methodNotAllowed(`method ${method} is not supported`);
    }
  }

  private readonly history: WatchEvent[] = [];
  private readonly watchers = new Set<(event: WatchEvent) => void>();

  /** Records a change and hands it to every open watch. */
  private publish(type: WatchEvent['type'], group: string, kind: string, object: JsonObject): void {
    const copy = structuredClone(object);
    const resourceVersion =
      type === 'DELETED'
        ? this.store.nextResourceVersion()
        : String(metadataOf(copy).resourceVersion);
    metadataOf(copy).resourceVersion = resourceVersion;
    const event: WatchEvent = {
      type,
      group,
      kind,
      resourceVersion: Number(resourceVersion),
      object: copy,
    };
    this.history.push(event);
    if (this.history.length > watchHistoryLength) this.history.shift();
    for (const watcher of this.watchers) watcher(event);
  }

  /**
   * A watch stream (newline-delimited JSON events): from `resourceVersion` it replays the
   * recorded changes after it (410 Gone when they are no longer recorded); without one it
   * starts with an ADDED event per existing object. It ends after `timeoutSeconds` or when the
   * client goes away.
   */
  private watch(request: ResourceRequest, wantsTable: boolean, response: ServerResponse): void {
    this.counters.watch += 1;
    const labels = labelMatcher(request.query.get('labelSelector'));
    const fields = fieldMatcher(request.query.get('fieldSelector'));
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
      const objectFields: Record<string, string> = { 'metadata.name': String(metadata.name ?? '') };
      if (typeof metadata.namespace === 'string')
        objectFields['metadata.namespace'] = metadata.namespace;
      const objectLabels = isPlainObject(metadata.labels)
        ? (metadata.labels as Record<string, string>)
        : {};
      return labels(objectLabels) && fields(objectFields);
    };
    response.writeHead(200, {
      'content-type': 'application/json',
      'transfer-encoding': 'chunked',
      'cache-control': 'no-cache, private',
    });
    // Headers go out now: client-go waits for them before it reads any event.
    response.flushHeaders();
    const write = (eventType: string, object: JsonObject): void => {
      const presented = this.present(object, request);
      const resourceVersion = String(metadataOf(object).resourceVersion);
      const payload = wantsTable
        ? tableOf(type, request.version, [presented], resourceVersion, this.now().getTime())
        : presented;
      response.write(`${JSON.stringify({ type: eventType, object: payload })}\n`);
    };
    const since = request.query.get('resourceVersion');
    if (since === null || since === '' || since === '0') {
      for (const object of this.selectObjects(request)) write('ADDED', object);
    } else {
      const from = Number(since);
      const oldest = this.history[0]?.resourceVersion;
      if (oldest !== undefined && from < oldest - 1) {
        const gone = new KubeApiError(
          410,
          'Expired',
          `too old resource version: ${since} (${oldest - 1})`,
        );
        response.end(`${JSON.stringify({ type: 'ERROR', object: gone.toStatus() })}\n`);
        return;
      }
      for (const event of this.history) {
        if (event.resourceVersion > from && matches(event)) write(event.type, event.object);
      }
    }
    const watcher = (event: WatchEvent): void => {
      if (matches(event)) write(event.type, event.object);
    };
    this.watchers.add(watcher);
    const timeoutSeconds = Number(request.query.get('timeoutSeconds') ?? '0');
    const timer = setTimeout(
      () => finish(),
      timeoutSeconds > 0 ? timeoutSeconds * 1000 : 30 * 60 * 1000,
    );
    timer.unref();
    const finish = (): void => {
      this.watchers.delete(watcher);
      clearTimeout(timer);
      if (!response.writableEnded) response.end();
    };
    response.on('close', finish);
  }

  private discovery(
    document: unknown,
    contentType?: string,
  ): { body: unknown; contentType?: string } {
    this.counters.discovery += 1;
    return contentType ? { body: document, contentType } : { body: document };
  }

  private managerOf(query: URLSearchParams, request: IncomingMessage): string {
    const explicit = query.get('fieldManager');
    if (explicit) return explicit;
    // The API server's default: the user agent up to its first '/'.
    const agent = String(request.headers['user-agent'] ?? 'unknown');
    return agent.split('/')[0] || 'unknown';
  }

  private parseResourcePath(
    segments: string[],
    query: URLSearchParams,
  ): ResourceRequest | undefined {
    let group: string;
    let version: string;
    let rest: string[];
    if (segments[0] === 'api' && segments.length >= 3) {
      group = '';
      version = segments[1] ?? '';
      rest = segments.slice(2);
    } else if (segments[0] === 'apis' && segments.length >= 4) {
      group = segments[1] ?? '';
      version = segments[2] ?? '';
      rest = segments.slice(3);
    } else {
      return undefined;
    }
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      const namespacedType = this.registry.byPlural(group, version, rest[2] ?? '');
      if (namespacedType?.namespaced) {
        namespace = rest[1];
        rest = rest.slice(2);
      }
    }
    const type = this.registry.byPlural(group, version, rest[0] ?? '');
    if (!type || rest.length > 3) return undefined;
    if (namespace !== undefined && !type.namespaced) return undefined;
    return { type, group, version, namespace, name: rest[1], subresource: rest[2], query };
  }

  private apiVersionOf(request: ResourceRequest): string {
    return request.group === '' ? request.version : `${request.group}/${request.version}`;
  }

  /** The object as the requested version presents it. */
  private present(object: JsonObject, request: ResourceRequest): JsonObject {
    return { ...object, apiVersion: this.apiVersionOf(request), kind: request.type.kind };
  }

  private get(request: ResourceRequest, wantsTable: boolean): { body: unknown } {
    this.counters.get += 1;
    const name = request.name ?? '';
    if (request.type.namespaced && request.namespace === undefined) {
      throw notFound(request.type.group, request.type.plural, name);
    }
    const object = this.read(request.type, request.namespace, name);
    if (!object) throw notFound(request.type.group, request.type.plural, name);
    const presented = this.present(object, request);
    if (wantsTable) {
      return {
        body: tableOf(
          request.type,
          request.version,
          [presented],
          this.store.resourceVersion,
          this.now().getTime(),
        ),
      };
    }
    return { body: presented };
  }

  private read(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
  ): JsonObject | undefined {
    if (type.kind === 'CustomResourceDefinition') {
      return this.registry.types.find(
        (candidate) => candidate.crd && `${candidate.plural}.${candidate.group}` === name,
      )?.crd?.definition as JsonObject | undefined;
    }
    return this.store.get(this.address(type, namespace, name));
  }

  private selectObjects(request: ResourceRequest): JsonObject[] {
    const labels = labelMatcher(request.query.get('labelSelector'));
    const fields = fieldMatcher(request.query.get('fieldSelector'));
    const source =
      request.type.kind === 'CustomResourceDefinition'
        ? this.registry.types.flatMap((type) =>
            type.crd ? [structuredClone(type.crd.definition) as JsonObject] : [],
          )
        : this.store.list(
            request.type.group,
            request.type.kind,
            request.type.namespaced ? request.namespace : undefined,
          );
    return source.filter((object) => {
      const metadata = metadataOf(object);
      const objectLabels = isPlainObject(metadata.labels)
        ? (metadata.labels as Record<string, string>)
        : {};
      const objectFields: Record<string, string> = { 'metadata.name': String(metadata.name ?? '') };
      if (typeof metadata.namespace === 'string')
        objectFields['metadata.namespace'] = metadata.namespace;
      return labels(objectLabels) && fields(objectFields);
    });
  }

  private list(request: ResourceRequest, wantsTable: boolean): { body: unknown } {
    this.counters.list += 1;
    const items = this.selectObjects(request).map((object) => this.present(object, request));
    const resourceVersion = this.store.resourceVersion;
    if (wantsTable) {
      return {
        body: tableOf(request.type, request.version, items, resourceVersion, this.now().getTime()),
      };
    }
    return {
      body: {
        apiVersion: this.apiVersionOf(request),
        kind: request.type.listKind,
        metadata: { resourceVersion },
        items,
      },
    };
  }

  /** Checks that the body is an object of the URL's kind and names the URL's object. */
  private checkIdentity(context: WriteContext, object: JsonObject): void {
    const { request } = context;
    const apiVersion =
      typeof object.apiVersion === 'string' ? object.apiVersion : this.apiVersionOf(request);
    const kind = typeof object.kind === 'string' ? object.kind : request.type.kind;
    const { group } = splitApiVersion(apiVersion);
    if (group !== request.group || kind !== request.type.kind) {
      throw badRequest(
        `the API version in the data (${apiVersion}) and kind (${kind}) do not match the requested resource ${request.type.plural}.${request.group}/${request.version}`,
      );
    }
    const metadata = metadataOf(object);
    if (
      request.name !== undefined &&
      metadata.name !== undefined &&
      metadata.name !== request.name
    ) {
      throw badRequest(
        `the name of the object (${String(metadata.name)}) does not match the name on the URL (${request.name})`,
      );
    }
    if (request.name !== undefined) metadata.name = request.name;
    if (request.type.namespaced) {
      if (metadata.namespace !== undefined && metadata.namespace !== request.namespace) {
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      if (request.namespace === undefined) throw notFound('', 'namespaces', '');
      metadata.namespace = request.namespace;
    } else {
      delete metadata.namespace;
    }
  }

  private requireNamespace(context: WriteContext): void {
    const namespace = context.request.namespace;
    if (!context.request.type.namespaced || namespace === undefined) return;
    const found = this.store.get({
      group: '',
      kind: 'Namespace',
      namespace: undefined,
      name: namespace,
    });
    if (!found) throw notFound('', 'namespaces', namespace);
    const phase = isPlainObject(found.status) ? found.status.phase : undefined;
    if (phase === 'Terminating') {
      throw new KubeApiError(
        403,
        'Forbidden',
        `${context.request.type.plural} "${context.request.name ?? ''}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    }
  }

  /** Drops unknown fields; `fieldValidation=Strict` turns them into a 400 instead. */
  private prune(context: WriteContext, object: JsonObject): void {
    const removed = context.request.type.prune(context.request.version, object);
    if (removed.length === 0) return;
    const directive = context.request.query.get('fieldValidation') ?? 'Warn';
    if (directive === 'Strict') {
      throw badRequest(
        `strict decoding error: ${removed.map((path) => `unknown field "${path}"`).join(', ')}`,
      );
    }
    if (directive !== 'Ignore')
      for (const path of removed) context.warnings.push(`unknown field "${path}"`);
  }

  /** Server-side defaults the product and kubectl rely on. */
  private applyDefaults(
    type: ResourceType,
    object: JsonObject,
    previous: JsonObject | undefined,
  ): void {
    const spec = isPlainObject(object.spec) ? object.spec : undefined;
    if (type.kind === 'Service' && spec) {
      spec.type ??= 'ClusterIP';
      const previousSpec = isPlainObject(previous?.spec) ? previous.spec : {};
      if (spec.type !== 'ExternalName' && spec.clusterIP === undefined) {
        spec.clusterIP = previousSpec.clusterIP ?? `10.96.0.${this.nextClusterIp++ % 250}`;
        spec.clusterIPs = [spec.clusterIP];
      }
      spec.sessionAffinity ??= 'None';
      if (Array.isArray(spec.ports)) {
        for (const port of spec.ports as JsonObject[]) {
          port.protocol ??= 'TCP';
          port.targetPort ??= port.port;
        }
      }
    }
    if (type.kind === 'Deployment' && spec) spec.replicas ??= 1;
    if (type.kind === 'Secret') object.type ??= 'Opaque';
    if (type.kind === 'Namespace') {
      const metadata = metadataOf(object);
      metadata.labels = {
        ...(isPlainObject(metadata.labels) ? metadata.labels : {}),
        'kubernetes.io/metadata.name': metadata.name,
      };
      object.spec = {
        finalizers: ['kubernetes'],
        ...(isPlainObject(object.spec) ? object.spec : {}),
      };
    }
  }

  /** Status the simulated controllers would write: Deployments are available at once. */
  private synthesizeStatus(
    type: ResourceType,
    object: JsonObject,
    previous: JsonObject | undefined,
  ): void {
    if (type.kind === 'Namespace') {
      object.status = isPlainObject(previous?.status) ? previous.status : { phase: 'Active' };
      return;
    }
    if (type.kind === 'Deployment') {
      const spec = isPlainObject(object.spec) ? object.spec : {};
      const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
      const time = this.timestamp();
      object.status = {
        observedGeneration: metadataOf(object).generation,
        ...(replicas > 0
          ? {
              replicas,
              updatedReplicas: replicas,
              readyReplicas: replicas,
              availableReplicas: replicas,
            }
          : {}),
        conditions: [
          {
            type: 'Available',
            status: 'True',
            lastUpdateTime: time,
            lastTransitionTime: time,
            reason: 'MinimumReplicasAvailable',
            message: 'Deployment has minimum availability.',
          },
          {
            type: 'Progressing',
            status: 'True',
            lastUpdateTime: time,
            lastTransitionTime: time,
            reason: 'NewReplicaSetAvailable',
            message: 'ReplicaSet has successfully progressed.',
          },
        ],
      };
      return;
    }
    if (type.hasStatus && previous && previous.status !== undefined)
      object.status = previous.status;
    else delete object.status;
  }

  private validate(context: WriteContext, object: JsonObject): void {
    const { type, version } = context.request;
    const metadata = metadataOf(object);
    const causes = [
      ...validateObjectMeta(type.kind, metadata),
      ...causesFromSchemaErrors(type.validate(version, object), object),
    ];
    if (causes.length > 0)
      throw invalid(type.group, type.kind, String(metadata.name ?? ''), causes);
  }

  /**
   * The common tail of every write: system metadata, defaults, status, validation, and the
   * store (unless dry-run). An update that changes nothing keeps the stored object and its
   * resourceVersion, as the API server does.
   */
  private commit(
    context: WriteContext,
    previous: JsonObject | undefined,
    next: JsonObject,
  ): JsonObject {
    const { type } = context.request;
    const metadata = metadataOf(next);
    next.apiVersion = this.apiVersionOf(context.request);
    next.kind = type.kind;
    this.applyDefaults(type, next, previous);
    const previousMetadata = previous ? metadataOf(previous) : undefined;
    metadata.uid = previousMetadata?.uid ?? randomUUID();
    metadata.creationTimestamp = previousMetadata?.creationTimestamp ?? this.timestamp();
    const strip = (object: JsonObject | undefined): unknown => {
      if (!object) return undefined;
      const {
        metadata: _metadata,
        status: _status,
        apiVersion: _apiVersion,
        kind: _kind,
        ...rest
      } = object;
      return rest;
    };
    const generation =
      typeof previousMetadata?.generation === 'number' ? previousMetadata.generation : 0;
    // Only kinds with a spec and a status track generation (ConfigMaps and namespaces do not).
    if (type.hasStatus && type.kind !== 'Namespace') {
      metadata.generation =
        previous && isDeepStrictEqual(strip(previous), strip(next)) ? generation : generation + 1;
    } else {
      delete metadata.generation;
    }
    for (const key of ['selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'])
      delete metadata[key];
    if (!context.statusWrite) this.synthesizeStatus(type, next, previous);
    this.validate(context, next);
    if (previous) {
      const comparable = (object: JsonObject): unknown => {
        const copy = structuredClone(object);
        const copyMetadata = metadataOf(copy);
        delete copyMetadata.resourceVersion;
        if (Array.isArray(copyMetadata.managedFields)) {
          for (const entry of copyMetadata.managedFields as JsonObject[]) delete entry.time;
        }
        if (isPlainObject(copy.status) && Array.isArray(copy.status.conditions))
          delete copy.status.conditions;
        copy.apiVersion = undefined;
        return copy;
      };
      if (isDeepStrictEqual(comparable(previous), comparable(next))) return previous;
    }
    metadata.resourceVersion = context.dryRun
      ? (previousMetadata?.resourceVersion ?? '0')
      : this.store.nextResourceVersion();
    if (!context.dryRun) {
      this.store.put(this.address(type, context.request.namespace, String(metadata.name)), next);
      this.publish(previous ? 'MODIFIED' : 'ADDED', type.group, type.kind, next);
    }
    return next;
  }

  private create(context: WriteContext, body: JsonObject): JsonObject {
    this.counters.create += 1;
    const { request } = context;
    this.checkIdentity(context, body);
    const metadata = metadataOf(body);
    if (metadata.name === undefined && typeof metadata.generateName === 'string') {
      metadata.name = `${metadata.generateName}${randomUUID().slice(0, 5)}`;
    }
    const name = String(metadata.name ?? '');
    this.requireNamespace(context);
    this.prune(context, body);
    if (name !== '' && this.store.get(this.address(request.type, request.namespace, name))) {
      throw alreadyExists(request.type.group, request.type.plural, name);
    }
    if (metadata.resourceVersion !== undefined && metadata.resourceVersion !== '') {
      throw invalid(request.type.group, request.type.kind, name, [
        {
          reason: 'FieldValueInvalid',
          field: 'metadata.resourceVersion',
          message: 'Invalid value: must be empty on create',
        },
      ]);
    }
    delete metadata.managedFields;
    delete metadata.uid;
    delete metadata.generation;
    const next = structuredClone(body);
    recordUpdate(
      undefined,
      next,
      context.manager,
      this.apiVersionOf(request),
      request.type.listType,
      this.timestamp(),
    );
    return this.present(this.commit(context, undefined, next), request);
  }

  private existing(context: WriteContext): JsonObject {
    const { request } = context;
    const name = request.name ?? '';
    const previous = this.store.get(this.address(request.type, request.namespace, name));
    if (!previous) throw notFound(request.type.group, request.type.plural, name);
    return previous;
  }

  private update(context: WriteContext, body: JsonObject): JsonObject {
    this.counters.update += 1;
    const { request } = context;
    this.checkIdentity(context, body);
    const previous = this.existing(context);
    const previousMetadata = metadataOf(previous);
    const metadata = metadataOf(body);
    if (
      metadata.resourceVersion !== undefined &&
      metadata.resourceVersion !== '' &&
      metadata.resourceVersion !== previousMetadata.resourceVersion
    ) {
      throw resourceVersionConflict(request.type.group, request.type.plural, request.name ?? '');
    }
    this.prune(context, body);
    const next = structuredClone(body);
    this.preserveSystemFields(previous, next);
    recordUpdate(
      previous,
      next,
      context.manager,
      this.apiVersionOf(request),
      request.type.listType,
      this.timestamp(),
    );
    return this.present(this.commit(context, previous, next), request);
  }

  /** Keeps what clients may not change through the main resource (managedFields history, uid). */
  private preserveSystemFields(previous: JsonObject, next: JsonObject): void {
    const metadata = metadataOf(next);
    const previousMetadata = metadataOf(previous);
    metadata.managedFields = previousMetadata.managedFields;
    if (metadata.managedFields === undefined) delete metadata.managedFields;
    metadata.uid = previousMetadata.uid;
    metadata.creationTimestamp = previousMetadata.creationTimestamp;
  }

  private patch(
    context: WriteContext,
    contentType: string,
    body: string,
  ): { body: unknown; status?: number } {
    const { request } = context;
    const mediaType = contentType.split(';')[0]?.trim() ?? '';
    if (mediaType === 'application/apply-patch+yaml') {
      this.counters.apply += 1;
      return this.apply(context, parseBody(body, mediaType));
    }
    this.counters.patch += 1;
    const previous = this.existing(context);
    const patched = patchDocument(previous, mediaType, body, request.type);
    const next = patched;
    const previousMetadata = metadataOf(previous);
    const metadata = metadataOf(next);
    if (
      metadata.resourceVersion !== undefined &&
      metadata.resourceVersion !== previousMetadata.resourceVersion
    ) {
      throw resourceVersionConflict(request.type.group, request.type.plural, request.name ?? '');
    }
    this.checkIdentity(context, next);
    this.prune(context, next);
    this.preserveSystemFields(previous, next);
    recordUpdate(
      previous,
      next,
      context.manager,
      this.apiVersionOf(request),
      request.type.listType,
      this.timestamp(),
    );
    return { body: this.present(this.commit(context, previous, next), request) };
  }

  /**
   * The `status` subresource (every kind with a status) and the `scale` subresource of
   * Deployments: GET, PUT, and merge/JSON/strategic PATCH.
   */
  private subresource(
    context: WriteContext,
    method: string,
    contentType: string,
    body: string,
  ): RouteResult {
    const { request } = context;
    const name = request.name ?? '';
    const isStatus = request.subresource === 'status' && request.type.hasStatus;
    const isScale = request.subresource === 'scale' && request.type.kind === 'Deployment';
    if (!isStatus && !isScale) {
      throw new KubeApiError(
        404,
        'NotFound',
        `the server could not find the requested resource (subresource "${request.subresource ?? ''}" of ${request.type.plural})`,
      );
    }
    if (request.type.readOnly && method !== 'GET')
      throw methodNotAllowed(`${request.type.plural} are read-only`);
    const previous = this.existing(context);
    const view = (object: JsonObject): JsonObject =>
      isScale ? scaleOf(object) : this.present(object, request);
    if (method === 'GET') {
      this.counters.get += 1;
      return { body: view(previous) };
    }
    let document: JsonObject;
    if (method === 'PUT') {
      this.counters.update += 1;
      document = parseBody(body, 'application/json');
      const resourceVersion = metadataOf(document).resourceVersion;
      if (
        resourceVersion !== undefined &&
        resourceVersion !== '' &&
        resourceVersion !== metadataOf(previous).resourceVersion
      ) {
        throw resourceVersionConflict(request.type.group, request.type.plural, name);
      }
    } else if (method === 'PATCH') {
      this.counters.patch += 1;
      const mediaType = contentType.split(';')[0]?.trim() ?? '';
      const patchType =
        mediaType === 'application/apply-patch+yaml' ? 'application/merge-patch+json' : mediaType;
      document = patchDocument(view(previous), patchType, body, request.type);
    } else {
      throw methodNotAllowed(`method ${method} is not supported on ${request.subresource ?? ''}`);
    }
    const next = structuredClone(previous);
    if (isStatus) {
      next.status = document.status;
      context.statusWrite = true;
    } else {
      const replicas = isPlainObject(document.spec) ? document.spec.replicas : undefined;
      if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
        throw invalid('autoscaling', 'Scale', name, [
          {
            reason: 'FieldValueInvalid',
            field: 'spec.replicas',
            message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
          },
        ]);
      }
      next.spec = { ...(isPlainObject(next.spec) ? next.spec : {}), replicas };
    }
    recordUpdate(
      previous,
      next,
      context.manager,
      this.apiVersionOf(request),
      request.type.listType,
      this.timestamp(),
    );
    return { body: view(this.commit(context, previous, next)) };
  }

  private apply(context: WriteContext, applied: JsonObject): { body: unknown; status?: number } {
    const { request } = context;
    if (!context.request.query.get('fieldManager')) {
      throw invalid('meta.k8s.io', 'PatchOptions', '', [
        {
          reason: 'FieldValueRequired',
          field: 'fieldManager',
          message: 'Required value: is required for apply patch',
        },
      ]);
    }
    if (typeof applied.apiVersion !== 'string' || typeof applied.kind !== 'string') {
      throw badRequest('apiVersion and kind are required in an apply configuration');
    }
    this.checkIdentity(context, applied);
    const name = request.name ?? '';
    const previous = this.store.get(this.address(request.type, request.namespace, name));
    if (!previous) this.requireNamespace(context);
    const configuration = structuredClone(applied);
    delete configuration.status;
    const configurationMetadata = metadataOf(configuration);
    for (const key of [
      'managedFields',
      'resourceVersion',
      'uid',
      'creationTimestamp',
      'generation',
    ]) {
      delete configurationMetadata[key];
    }
    this.prune(context, configuration);
    const force = ['true', '1'].includes(request.query.get('force') ?? '');
    const next = applyConfiguration({
      live: previous,
      applied: configuration,
      manager: context.manager,
      apiVersion: this.apiVersionOf(request),
      force,
      listType: request.type.listType,
      now: this.timestamp(),
    });
    const result = this.commit(context, previous, next);
    return { status: previous ? 200 : 201, body: this.present(result, request) };
  }

  private delete(context: WriteContext): JsonObject {
    this.counters.delete += 1;
    const previous = this.existing(context);
    return this.remove(context, previous);
  }

  private remove(context: WriteContext, object: JsonObject): JsonObject {
    const { request } = context;
    const metadata = metadataOf(object);
    const name = String(metadata.name);
    const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : undefined;
    if (!context.dryRun) {
      this.store.delete(this.address(request.type, namespace, name));
      // The namespace controller removes everything in a deleted namespace; the simulator does
      // it at once instead of keeping the namespace Terminating.
      if (request.type.kind === 'Namespace') {
        for (const removed of this.store.deleteNamespaceContents(name)) {
          this.publish('DELETED', removed.address.group, removed.address.kind, removed.object);
        }
      }
      this.publish('DELETED', request.type.group, request.type.kind, object);
    }
    if (request.type.kind === 'Namespace') {
      metadata.deletionTimestamp = this.timestamp();
      object.status = { phase: 'Terminating' };
    }
    return this.present(object, request);
  }

  private deleteCollection(context: WriteContext): JsonObject {
    this.counters.deletecollection += 1;
    const { request } = context;
    const items = this.selectObjects(request).map((object) => this.remove(context, object));
    return {
      apiVersion: this.apiVersionOf(request),
      kind: request.type.listKind,
      metadata: { resourceVersion: this.store.resourceVersion },
      items,
    };
  }
}

/** Applies a merge, JSON or strategic merge patch to a copy of an object. */
function patchDocument(
  previous: JsonObject,
  mediaType: string,
  body: string,
  type: ResourceType,
): JsonObject {
  let patched: unknown;
  switch (mediaType) {
    case 'application/merge-patch+json':
      patched = applyMergePatch(previous, parseBody(body, mediaType));
      break;
    case 'application/json-patch+json':
      patched = applyJsonPatch(previous, parseJson(body));
      break;
    case 'application/strategic-merge-patch+json':
      if (type.crd) {
        throw new KubeApiError(
          415,
          'UnsupportedMediaType',
          'strategic merge patch is not supported for custom resources: use merge patch or server-side apply',
        );
      }
      patched = applyStrategicMergePatch(previous, parseBody(body, mediaType), type.listType);
      break;
    default:
      throw new KubeApiError(
        415,
        'UnsupportedMediaType',
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json',
      );
  }
  if (!isPlainObject(patched)) throw badRequest('the patch did not produce an object');
  return patched;
}

/** The `autoscaling/v1` Scale of a Deployment. */
function scaleOf(deployment: JsonObject): JsonObject {
  const metadata = metadataOf(deployment);
  const spec = isPlainObject(deployment.spec) ? deployment.spec : {};
  const selector =
    isPlainObject(spec.selector) && isPlainObject(spec.selector.matchLabels)
      ? spec.selector.matchLabels
      : {};
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: metadata.name,
      namespace: metadata.namespace,
      uid: metadata.uid,
      resourceVersion: metadata.resourceVersion,
      creationTimestamp: metadata.creationTimestamp,
    },
    spec: { replicas: spec.replicas },
    status: {
      replicas: isPlainObject(deployment.status) ? (deployment.status.replicas ?? 0) : 0,
      selector: Object.entries(selector)
        .map(([key, value]) => `${key}=${String(value)}`)
        .join(','),
    },
  };
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (error) {
    throw badRequest(
      `the body of the request could not be decoded as JSON: ${(error as Error).message}`,
    );
  }
}

function parseBody(body: string, mediaType: string): JsonObject {
  let parsed: unknown;
  if (mediaType === 'application/apply-patch+yaml') {
    try {
      parsed = parseYaml(body);
    } catch (error) {
      throw badRequest(`error decoding YAML: ${(error as Error).message}`);
    }
  } else {
    parsed = parseJson(body);
  }
  if (!isPlainObject(parsed)) throw badRequest('the body of the request must be an object');
  return parsed;
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  contentType: string | undefined,
  warnings: string[],
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string | string[]> = {
    'content-type': contentType ?? 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-cache, private',
  };
  if (warnings.length > 0)
    headers.warning = warnings.map((warning) => `299 - ${JSON.stringify(warning)}`);
  response.writeHead(status, headers);
  response.end(text);
}

/**
 * Starts a Kubernetes API simulator on 127.0.0.1 (port 0 = any free port). One simulator is
 * one cluster; start several for several clusters.
 */
export async function startKubeSimulator(
  options: KubeSimulatorOptions = {},
): Promise<KubeSimulator> {
  const now = options.now ?? (() => new Date());
  const api = new KubeApiServer(options.stateFile, now);
  const server: Server = createServer((request, response) => {
    void api.handle(request, response);
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  const name = options.name ?? 'kube-simulator';
  const simulator: KubeSimulator = {
    url,
    port,
    name,
    get counters() {
      return api.counters;
    },
    set counters(value) {
      api.counters = value;
    },
    kubeconfig: (contextName = name) =>
      stringifyYaml({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name, cluster: { server: url, 'insecure-skip-tls-verify': true } }],
        users: [{ name: `${name}-user`, user: { token: 'kube-simulator' } }],
        contexts: [
          {
            name: contextName,
            context: { cluster: name, user: `${name}-user`, namespace: 'default' },
          },
        ],
        'current-context': contextName,
        preferences: {},
      }),
    objects: () => api.store.all(),
    reset: () => {
      api.store.clear();
      api.seedNamespaces();
      api.counters = newCounters();
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      api.store.flush();
    },
  };
  return simulator;
}

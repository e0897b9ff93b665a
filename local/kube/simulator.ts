/**
 * The Kubernetes API simulator: an HTTP server that answers the calls `kubectl` and
 * `@kubernetes/client-node` make — discovery, OpenAPI v3, get/list (label and field
 * selectors), create, update, patch (JSON, merge, strategic, server-side apply), delete and
 * deletecollection — over the built-in kinds the product uses and the Istio CRD kinds, with
 * validation (422 naming the field), pruning of unknown fields, resourceVersion conflicts,
 * managedFields, and namespace deletion that removes every object in the namespace.
 * Watch streams changes (no bookmarks), replaying recent history from a resourceVersion.
 *
 * This module starts one; `routing` serves its requests over the state in `api-server`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stringify as stringifyYaml } from 'yaml';
import { KubeApiServer } from './api-server.js';
import { newCounters, type KubeRequestCounters } from './request-counters.js';
import { handleRequest } from './routing.js';
import type { JsonObject } from '../../shared/lib/json.js';

export type { KubeRequestCounters } from './request-counters.js';

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
    void handleRequest(api, request, response);
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

import { stringify as stringifyYaml, parse as parseYaml } from 'yaml';
import type { ClusterHooks } from '../gcp/index.js';
import { startKubeSimulator, type KubeSimulator } from '../kube/index.js';
import { writeFileAtomic } from './state-files.js';

/** The Kubernetes API simulators of a stack, one per simulated cluster. */
export interface ClusterFleet {
  /** Hooks for the GCP simulator: a cluster that becomes RUNNING gets its own API server. */
  hooks: ClusterHooks;
  /** Starts a cluster's simulator directly (`--only kube`, without the GCP simulator). */
  add(name: string): Promise<KubeSimulator>;
  /** Running simulators by cluster name. */
  clusters(): ReadonlyMap<string, KubeSimulator>;
  /** Stops every simulator. */
  close(): Promise<void>;
}

/** Options of {@link startClusterFleet}. */
export interface ClusterFleetOptions {
  /** Where the merged kubeconfig of every running cluster is kept. */
  kubeconfigPath: string;
  /** Called whenever the set of clusters changes (to refresh stack.json). */
  onChange?: (clusters: ReadonlyMap<string, KubeSimulator>) => void | Promise<void>;
  log?: (line: string) => void;
}

/** `projects/P/locations/L/clusters/C` → a kubeconfig context name like gcloud's. */
function contextName(cluster: Record<string, unknown>): string {
  const selfLink = String(cluster.selfLink ?? '');
  const match = /projects\/([^/]+)\/(?:locations|zones)\/([^/]+)\/clusters\/([^/]+)/.exec(selfLink);
  return match ? `gke_${match[1]}_${match[2]}_${match[3]}` : String(cluster.name);
}

interface KubeconfigDocument {
  clusters: Array<{ name: string }>;
  users: Array<{ name: string }>;
  contexts: Array<{ name: string }>;
  'current-context'?: string;
}

/**
 * Starts no simulator yet: one is started per cluster the GCP simulator creates (hooks), on a
 * free port, and the kubeconfig lists every running cluster under gcloud's context names, the
 * newest one current, so `kubectl` works right after `gcloud container clusters create`.
 */
export function startClusterFleet(options: ClusterFleetOptions): ClusterFleet {
  const running = new Map<string, KubeSimulator>();
  const contexts = new Map<string, string>();
  const log = options.log ?? (() => {});
  let current: string | undefined;

  const writeKubeconfig = async () => {
    const merged: KubeconfigDocument = { clusters: [], users: [], contexts: [] };
    for (const [name, sim] of running) {
      const doc = parseYaml(sim.kubeconfig(contexts.get(name) ?? name)) as KubeconfigDocument;
      merged.clusters.push(...doc.clusters);
      merged.users.push(...doc.users);
      merged.contexts.push(...doc.contexts);
    }
    const document = {
      apiVersion: 'v1',
      kind: 'Config',
      preferences: {},
      ...merged,
      ...(current && running.has(current) ? { 'current-context': contexts.get(current) } : {}),
    };
    await writeFileAtomic(options.kubeconfigPath, stringifyYaml(document), 0o600);
    await options.onChange?.(running);
  };

  const add = async (name: string, context = name): Promise<KubeSimulator> => {
    const existing = running.get(name);
    if (existing) return existing;
    const sim = await startKubeSimulator({ name });
    running.set(name, sim);
    contexts.set(name, context);
    current = name;
    log(`kube simulator of cluster ${name} listening on ${sim.url} (context ${context})`);
    await writeKubeconfig();
    return sim;
  };

  return {
    hooks: {
      async onClusterCreated(cluster) {
        const sim = await add(String(cluster.name), contextName(cluster));
        // The DNS-based endpoint is what the service uses: a full URL reaches the plain-http
        // simulator (shared/kube/cluster-access.ts accepts URLs).
        return { endpoint: `127.0.0.1:${sim.port}`, dnsEndpoint: sim.url };
      },
      async onClusterDeleted(cluster) {
        const name = String(cluster.name);
        const sim = running.get(name);
        if (!sim) return;
        running.delete(name);
        await sim.close();
        log(`kube: cluster ${name} deleted`);
        await writeKubeconfig();
      },
    },
    add: (name) => add(name),
    clusters: () => running,
    async close() {
      const all = [...running.values()];
      running.clear();
      await Promise.allSettled(all.map((sim) => sim.close()));
    },
  };
}

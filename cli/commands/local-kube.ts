import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { parsePort } from '../options.js';

interface LocalKubeOptions {
  port: string;
  stateFile?: string;
  kubeconfig: string;
  context: string;
  name: string;
}

/**
 * `egressctl local-kube`: runs the Kubernetes API simulator (the `--only kube` part of the local
 * stack) until interrupted, and writes a kubeconfig for kubectl and the product.
 */
export function registerLocalKubeCommand(program: Command): void {
  program
    .command('local-kube')
    .description(
      'Run the local Kubernetes API simulator (one simulated cluster) until Ctrl-C; writes a kubeconfig for kubectl.',
    )
    .option('--port <port>', 'TCP port on 127.0.0.1 (0 picks a free one)', '0')
    .option('--state-file <path>', 'JSON file to keep the objects in between runs')
    .option('--kubeconfig <path>', 'where to write the kubeconfig', '.local/kube/kubeconfig')
    .option('--context <name>', 'context name in the kubeconfig', 'egress-local')
    .option('--name <name>', 'cluster name in the kubeconfig', 'kube-simulator')
    .action(async (options: LocalKubeOptions) => {
      const port = parsePort(options.port, '--port');
      let simulator;
      try {
        // Loaded on use: the simulator reads the Istio CRDs, which every other command would pay for.
        const { startKubeSimulator } = await import('../../local/kube/index.js');
        simulator = await startKubeSimulator({
          port,
          name: options.name,
          ...(options.stateFile ? { stateFile: resolve(options.stateFile) } : {}),
        });
      } catch (err) {
        throw new CliError(`cannot start the Kubernetes API simulator: ${(err as Error).message}`);
      }
      const kubeconfigPath = resolve(options.kubeconfig);
      await mkdir(dirname(kubeconfigPath), { recursive: true });
      await writeFile(kubeconfigPath, simulator.kubeconfig(options.context), { mode: 0o600 });
      process.stdout.write(
        `Kubernetes API simulator listening on ${simulator.url}\n` +
          `kubeconfig: ${kubeconfigPath} (context ${options.context})\n` +
          `  export KUBECONFIG=${kubeconfigPath}\n`,
      );
      await new Promise<void>((done) => {
        const stop = (): void => {
          void simulator.close().then(done);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}

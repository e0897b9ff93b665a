import type { Command } from 'commander';
import { DEFAULT_STATE_DIR } from '../../local/stack/state-files.js';
import { CliError, ExitCode } from '../errors.js';
import {
  loadAnalysisInput,
  type AnalysisInput,
  type AnalysisSourceOptions,
} from './files-input.js';
import {
  loadLiveAnalysisInput,
  type LiveAnalysisInput,
  type LiveSourceOptions,
} from './live-input.js';

/** The source options of `check` and `matrix`: files, or a live environment (`--env`). */
export type AnalysisCommandSource = Omit<AnalysisSourceOptions, 'file'> &
  Partial<Omit<LiveSourceOptions, 'env' | 'firewalls'>> & {
    file?: string[];
    env?: string;
  };

/**
 * The analysis input for `check`/`matrix`: the live environment with `--env` (its spec from `-f`
 * files when given), else the `-f` files. Neither is a usage error.
 */
export async function loadCommandInput(
  options: AnalysisCommandSource,
): Promise<AnalysisInput & Partial<Pick<LiveAnalysisInput, 'environment' | 'tenants'>>> {
  if (options.env !== undefined) {
    return loadLiveAnalysisInput({
      ...options,
      env: options.env,
      stateDir: options.stateDir ?? DEFAULT_STATE_DIR,
    });
  }
  if (!options.file?.length) {
    throw new CliError(
      'give the objects to analyze: -f PATH... (specs or rendered YAML), or --env NAME (a live environment)',
      ExitCode.usage,
    );
  }
  return loadAnalysisInput({ ...options, file: options.file });
}

/** Adds the options of a live analysis (`--env` and where to read it) to `check` or `matrix`. */
export function addLiveOptions(command: Command): Command {
  return command
    .option(
      '--env <name>',
      "analyze the live environment: the objects in its cluster and its VPC's firewall rules",
    )
    .option(
      '--kubeconfig <path>',
      "with --env: the cluster's kubeconfig (default: the local stack's)",
    )
    .option(
      '--context <name>',
      'with --env: the kubeconfig context (default: gke_PROJECT_ZONE_CLUSTER, as gcloud names it)',
    )
    .option(
      '--gcp-endpoint <url>',
      "with --env: the GCP API to list firewall rules from (default: the local stack's simulator)",
    )
    .option(
      '--google',
      'with --env: list the firewall rules from Google Cloud with your default credentials (a real environment)',
    )
    .option(
      '--state-dir <dir>',
      'with --env: state directory of the local stack',
      DEFAULT_STATE_DIR,
    )
    .option('--api-url <url>', 'with --env and no -f: the API that knows the environment');
}

import type { Command } from 'commander';
import {
  DEFAULT_STATE_DIR,
  runningStack,
  stackPaths,
  type StackInfo,
} from '../local/stack/state-files.js';
import { LOCAL_USER_EMAIL } from '../functions/lib/environment-admission.js';
import { CliError } from './errors.js';

/** The local user the API's callers are in the local stack (its tokens publish tenants). */

/**
 * An OAuth access token of one identity of a running local stack, from the metadata server's
 * listener of that identity (what the identity's own process would read). The GCP simulator
 * authorizes Pub/Sub publishes by such tokens.
 */
export async function localAccessToken(info: StackInfo, email: string): Promise<string> {
  const accounts = info.endpoints.metadataAccounts ?? {};
  const url = accounts[email];
  if (!url) {
    throw new CliError(
      `--as: ${email} is not an identity of this local stack; one of: ${Object.keys(accounts).sort().join(', ')}`,
    );
  }
  let response: Response;
  try {
    response = await fetch(`${url}/computeMetadata/v1/instance/service-accounts/default/token`, {
      headers: { 'Metadata-Flavor': 'Google' },
    });
  } catch (error) {
    throw new CliError(
      `the local metadata server at ${url} does not answer (${(error as Error).message}); is the stack still running?`,
    );
  }
  const body = (await response.json().catch(() => ({}))) as { access_token?: string };
  if (!response.ok || !body.access_token) {
    throw new CliError(`the local metadata server answered ${response.status} for ${email}`);
  }
  return body.access_token;
}

/** `egressctl local token [--as EMAIL]`: prints an access token of a local identity. */
export function registerLocalTokenCommand(local: Command): void {
  local
    .command('token')
    .description(
      `Print an OAuth access token of an identity of the local stack (default the local user, ${LOCAL_USER_EMAIL}, the creator and admin of what egressctl up makes): for gcloud's CLOUDSDK_AUTH_ACCESS_TOKEN_FILE, e.g. to publish on an environment's tenants-<environment> topic`,
    )
    .option(
      '--as <email>',
      'the identity (the local user or one of the service accounts)',
      LOCAL_USER_EMAIL,
    )
    .option('--state-dir <dir>', 'state directory', DEFAULT_STATE_DIR)
    .action(async (options: { as: string; stateDir: string }) => {
      const info = runningStack(options.stateDir);
      if (!info) {
        throw new CliError(
          `no local stack runs with state dir ${stackPaths(options.stateDir).stateDir}; start one with: egressctl local up --state-dir ${options.stateDir}`,
        );
      }
      process.stdout.write(`${await localAccessToken(info, options.as)}\n`);
    });
}

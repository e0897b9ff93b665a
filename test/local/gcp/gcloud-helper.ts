import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gcloudEndpointOverrides } from '../../../local/gcp/index.js';

const run = promisify(execFile);

/** The environment `egressctl local env` sets for pointing gcloud at the simulator. */
export function gcloudEnvironment(url: string, project: string, dir: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: dir,
    CLOUDSDK_CONFIG: join(dir, 'gcloud'),
    CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
    CLOUDSDK_AUTH_DISABLE_CREDENTIALS: 'true',
    CLOUDSDK_CORE_PROJECT: project,
    CLOUDSDK_COMPUTE_REGION: 'us-central1',
    CLOUDSDK_COMPUTE_ZONE: 'us-central1-a',
    CLOUDSDK_CORE_DISABLE_USAGE_REPORTING: 'true',
    CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: 'true',
    KUBECONFIG: join(dir, 'kubeconfig'),
    ...gcloudEndpointOverrides(url),
  };
}

/** A gcloud runner bound to one simulator and one fresh config directory. */
export class Gcloud {
  readonly dir = mkdtempSync(join(tmpdir(), 'gcp-sim-gcloud-'));
  constructor(
    private readonly url: string,
    private readonly project = 'sim-project',
  ) {}

  /** Runs gcloud; resolves with stdout, rejects with stderr in the message. */
  async run(args: string[]): Promise<string> {
    try {
      const { stdout } = await run('gcloud', args, {
        env: gcloudEnvironment(this.url, this.project, this.dir),
        timeout: 60_000,
        cwd: this.dir,
      });
      return stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`gcloud ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
    }
  }

  /** Runs gcloud with `--format=json` and parses the output. */
  async json<T = Record<string, unknown>>(args: string[]): Promise<T> {
    return JSON.parse(await this.run([...args, '--format=json'])) as T;
  }

  /** Runs a command that must fail; resolves with its stderr. */
  async fails(args: string[]): Promise<string> {
    try {
      await this.run(args);
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error(`gcloud ${args.join(' ')} unexpectedly succeeded`);
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

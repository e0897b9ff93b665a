/**
 * Runs deploy actions: prints each before running it and stops at the first failure with its
 * output. gcloud and HTTP are injected, so tests drive the real sequence without Google.
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeCommand, type DeployAction } from './actions.js';

/** What a finished command left behind. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs gcloud with arguments (never through a shell). */
export type GcloudRunner = (args: readonly string[]) => Promise<CommandResult>;

/** The real gcloud on PATH. */
export const spawnGcloud: GcloudRunner = (args) =>
  new Promise((resolve) => {
    const child = spawn('gcloud', [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (error) =>
      resolve({ code: 127, stdout, stderr: `${stderr}${error.message}` }),
    );
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });

/** The action that failed, with what it printed. */
export class DeployFailure extends Error {
  constructor(
    readonly action: DeployAction,
    readonly output: string,
    readonly hint?: string,
  ) {
    super(`${action.description} failed:\n${output.trim()}${hint ? `\nhint: ${hint}` : ''}`);
    this.name = 'DeployFailure';
  }
}

/** Dependencies of {@link executeActions}. */
export interface ExecuteOptions {
  gcloud: GcloudRunner;
  fetch: typeof fetch;
  /** Where each command line goes before it runs. */
  log: (line: string) => void;
  /** The repository root (function source is assembled from `<root>/dist`). */
  root: string;
}

/**
 * Assembles the deployable function source: the compiled `dist/functions` and `dist/shared`, the
 * console's bundle (`dist/console/dist`),
 * with the project's package.json (main = functions/index.js, no scripts) and lock file, so the
 * Cloud Functions build installs exactly the locked dependencies and runs no build step.
 */
export async function prepareFunctionSource(root: string, sourceDir: string): Promise<void> {
  const dist = join(root, 'dist');
  const entry = join(dist, 'functions', 'index.js');
  try {
    await stat(entry);
  } catch {
    throw new Error(`${entry} does not exist: run \`npm run build\` before deploying`);
  }
  const target = join(root, sourceDir);
  await rm(target, { recursive: true, force: true });
  await mkdir(target, { recursive: true });
  // The api serves the web console's bundle from console/dist beside functions/.
  const consoleBundle = join(dist, 'console', 'dist', 'index.html');
  try {
    await stat(consoleBundle);
  } catch {
    throw new Error(`${consoleBundle} does not exist: run \`npm run build\` before deploying`);
  }
  for (const folder of ['functions', 'shared', 'console']) {
    await cp(join(dist, folder), join(target, folder), { recursive: true });
  }
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  delete manifest.scripts;
  delete manifest.bin;
  manifest.main = 'functions/index.js';
  await writeFile(join(target, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await cp(join(root, 'package-lock.json'), join(target, 'package-lock.json'));
}

async function apiRequest(
  action: Extract<DeployAction, { kind: 'api-request' }>,
  options: ExecuteOptions,
): Promise<void> {
  // The token is never printed: only the command that made it.
  const token = await options.gcloud([
    'auth',
    'print-identity-token',
    `--audiences=${action.audience}`,
  ]);
  if (token.code !== 0) {
    throw new DeployFailure(action, `gcloud auth print-identity-token: ${token.stderr}`);
  }
  let response: Response;
  try {
    response = await options.fetch(action.url, {
      method: action.method,
      headers: {
        Authorization: `Bearer ${token.stdout.trim()}`,
        'Content-Type': 'application/json',
        'Idempotency-Key': action.idempotencyKey,
      },
      body: JSON.stringify(action.body),
    });
  } catch (error) {
    throw new DeployFailure(action, `${action.method} ${action.url}: ${(error as Error).message}`);
  }
  const text = await response.text();
  // 202: a new run; 200: the run this key already started (or a tenant applied as sent).
  if (response.status !== 200 && response.status !== 202) {
    throw new DeployFailure(action, `HTTP ${response.status}: ${text}`);
  }
  options.log(`  → ${response.status} ${text}`);
}

/** gcloud's message for a describe of a resource that does not exist. */
const NOT_FOUND = /NOT_FOUND|not found/i;

/**
 * Describes the resource, then updates it when it exists and creates it when Google says it
 * does not; a describe that fails otherwise (permission, API disabled) stops the deploy rather
 * than guess.
 */
async function upsert(
  action: Extract<DeployAction, { kind: 'gcloud-upsert' }>,
  options: ExecuteOptions,
): Promise<void> {
  const probe = await options.gcloud(action.probe);
  const output = `${probe.stdout}${probe.stderr}`;
  if (probe.code !== 0 && !NOT_FOUND.test(output)) throw new DeployFailure(action, output);
  const args = probe.code === 0 ? action.update : action.create;
  const result = await options.gcloud(args);
  if (result.code !== 0) {
    throw new DeployFailure(
      action,
      `gcloud ${args.slice(0, 4).join(' ')}: ${result.stdout}${result.stderr}`,
    );
  }
}

/**
 * Runs the actions in order, printing each command first; the first failure throws a
 * DeployFailure carrying the command's output (and a hint when the action has one).
 */
export async function executeActions(
  actions: readonly DeployAction[],
  options: ExecuteOptions,
): Promise<void> {
  for (const action of actions) {
    options.log(describeCommand(action));
    switch (action.kind) {
      case 'prepare-source':
        try {
          await prepareFunctionSource(options.root, action.sourceDir);
        } catch (error) {
          throw new DeployFailure(action, (error as Error).message);
        }
        break;
      case 'gcloud': {
        const result = await options.gcloud(action.args);
        if (result.code !== 0) {
          throw new DeployFailure(action, `${result.stdout}${result.stderr}`, action.hint);
        }
        break;
      }
      case 'gcloud-upsert':
        await upsert(action, options);
        break;
      case 'api-request':
        await apiRequest(action, options);
        break;
    }
  }
}

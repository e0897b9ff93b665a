import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployActions, envVarsFlag, functionDeployArgs } from '../../deploy/actions.js';
import { executeActions, type GcloudRunner } from '../../deploy/execute.js';
import { deploymentPlan } from '../../deploy/manifest.js';
import { loadReconcileDocuments, runDeploy } from '../../cli/commands/deploy.js';
import { ROOT } from './inputs.js';

const gcloudFlags = JSON.parse(
  readFileSync(join(ROOT, 'test/fixtures/deploy/gcloud-flags.json'), 'utf8'),
) as { commands: Record<string, string[]> };
const plan = deploymentPlan({
  project: 'svc-project',
  region: 'europe-west1',
  projectNumber: '42',
});

describe('generated gcloud command lines', () => {
  it('deploys the API as a 2nd-gen nodejs22 HTTP function, authenticated, with its env', () => {
    const api = plan.functions.find((f) => f.entryPoint === 'api')!;
    expect(functionDeployArgs(plan, api)).toEqual([
      'functions',
      'deploy',
      'egress-api',
      '--gen2',
      '--runtime=nodejs22',
      '--project=svc-project',
      '--region=europe-west1',
      '--source=dist/function-source',
      '--entry-point=api',
      '--trigger-http',
      '--service-account=egress-api@svc-project.iam.gserviceaccount.com',
      '--build-service-account=projects/svc-project/serviceAccounts/egress-build@svc-project.iam.gserviceaccount.com',
      '--ingress-settings=all',
      '--no-allow-unauthenticated',
      '--memory=512Mi',
      '--timeout=60s',
      '--max-instances=10',
      '--set-env-vars=EGRESS_AUTH_AUDIENCE=https://egress-api-42.europe-west1.run.app,EGRESS_ENVIRONMENT_REQUESTS_TOPIC=environment-requests,EGRESS_LOCATION=europe-west1,EGRESS_SERVED_PROJECTS=svc-project,GOOGLE_CLOUD_PROJECT=svc-project,NODE_ENV=production',
      '--quiet',
    ]);
  });

  it('pushes tenant-requests to tenant-events at the path functions-framework turns into a CloudEvent', () => {
    const fn = plan.functions.find((f) => f.entryPoint === 'tenant-events')!;
    expect(fn.signature).toBe('cloudevent');
    expect(fn.trigger).toEqual({
      topic: 'tenant-requests',
      subscription: 'tenant-requests-to-tenant-events',
      pushEndpoint:
        'https://egress-tenant-events-42.europe-west1.run.app/projects/svc-project/topics/tenant-requests',
    });
    expect(fn.ingress).toBe('internal-only');
  });

  it('gives the workflows the function URL template', () => {
    expect(plan.workflows.map((w) => [w.name, w.source, w.env.FUNCTION_URL_TEMPLATE])).toEqual([
      [
        'provision-environment',
        'workflows/provision-environment.yaml',
        'https://egress-{name}-42.europe-west1.run.app',
      ],
      [
        'teardown-environment',
        'workflows/teardown-environment.yaml',
        'https://egress-{name}-42.europe-west1.run.app',
      ],
      [
        'reconcile-tenants',
        'workflows/reconcile-tenants.yaml',
        'https://egress-{name}-42.europe-west1.run.app',
      ],
    ]);
  });

  it('uses only flags the gcloud SDK (528) knows for each command', async () => {
    const documents = await loadReconcileDocuments(join(ROOT, 'examples/tutorial'));
    const actions = deployActions(plan, { documents, buildId: 'b-1' });
    const commands = Object.keys(gcloudFlags.commands).sort((a, b) => b.length - a.length);
    let checked = 0;
    for (const action of actions) {
      if (action.kind !== 'gcloud') continue;
      const line = action.args.join(' ');
      const command = commands.find((c) => line.startsWith(`${c} `));
      expect(command, line).toBeDefined();
      for (const arg of action.args.filter((a) => a.startsWith('--'))) {
        expect(gcloudFlags.commands[command!], `${command}: ${arg}`).toContain(arg.split('=')[0]);
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('switches --set-env-vars to an alternate delimiter when a value holds a comma', () => {
    expect(envVarsFlag({ B: '2', A: 'x@y.z,w@y.z' })).toBe('--set-env-vars=^|^A=x@y.z,w@y.z|B=2');
    expect(envVarsFlag({ A: '1' })).toBe('--set-env-vars=A=1');
  });

  it('reconciles the tutorial specs: each Environment POSTed, each Tenant published, keyed by hash and build', async () => {
    const documents = await loadReconcileDocuments(join(ROOT, 'examples/tutorial'));
    const actions = deployActions(plan, { documents, buildId: 'build-7', reconcileOnly: true });
    const posts = actions.filter((a) => a.kind === 'post-environment');
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatchObject({
      url: 'https://egress-api-42.europe-west1.run.app/v1/environments',
      idempotencyKey: expect.stringMatching(/^[0-9a-f]{64}:build-7$/),
    });
    const publishes = actions.filter(
      (a) => a.kind === 'gcloud' && a.args[1] === 'topics' && a.args[2] === 'publish',
    );
    expect(publishes.map((a) => (a.kind === 'gcloud' ? a.args.at(-1) : ''))).toEqual([
      expect.stringMatching(
        /^--attribute=environment=tutorial,idempotencyKey=[0-9a-f]{64}:build-7$/,
      ),
      expect.stringMatching(
        /^--attribute=environment=tutorial,idempotencyKey=[0-9a-f]{64}:build-7$/,
      ),
    ]);
    // Without a build id the key is the hash alone: an unchanged spec returns the existing run.
    const again = deployActions(plan, { documents, reconcileOnly: true });
    expect(again.find((a) => a.kind === 'post-environment')).toMatchObject({
      idempotencyKey: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('rejects a malformed project or region naming the field', () => {
    expect(() => deploymentPlan({ project: 'Bad_Project', region: 'us-central1' })).toThrow(
      'project: "Bad_Project" is not a project id',
    );
    expect(() => deploymentPlan({ project: 'good-project', region: 'moon' })).toThrow(
      'region: "moon" is not a region name like us-central1',
    );
  });
});

describe('executing the actions', () => {
  let server: Server;
  let apiUrl: string;
  const received: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
  let status = 202;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(status, { 'Content-Type': 'application/json' }).end('{"runId":"run-1"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('prints each command before running it and stops at the first failure with its output', async () => {
    const ran: string[][] = [];
    const gcloud: GcloudRunner = async (args) => {
      ran.push([...args]);
      if (args[0] === 'pubsub' && args[3] === 'tenant-requests-dead-letter') {
        return {
          code: 1,
          stdout: '',
          stderr: 'ERROR: NOT_FOUND: Resource not found (resource=tenant-requests-dead-letter).',
        };
      }
      return { code: 0, stdout: 'ok\n', stderr: '' };
    };
    const lines: string[] = [];
    const failure = executeActions(deployActions(plan), {
      gcloud,
      fetch,
      log: (l) => lines.push(l),
      root: ROOT,
    });
    await expect(failure).rejects.toThrow(
      'check topic tenant-requests-dead-letter failed:\nERROR: NOT_FOUND: Resource not found (resource=tenant-requests-dead-letter).\nhint: Terraform owns it',
    );
    expect(ran).toHaveLength(5);
    expect(lines).toHaveLength(5);
    expect(lines[4]).toBe(
      "gcloud pubsub topics describe tenant-requests-dead-letter --project=svc-project '--format=value(name)'",
    );
  });

  it('POSTs environments with an ID token and the idempotency key, and fails on a refusal', async () => {
    const local = deploymentPlan({
      project: 'svc-project',
      region: 'europe-west1',
      projectNumber: '42',
      apiUrl,
    });
    const documents = await loadReconcileDocuments(join(ROOT, 'examples/tutorial'));
    const actions = deployActions(local, { documents, buildId: 'b9', reconcileOnly: true }).filter(
      (a) => a.kind === 'post-environment',
    );
    const gcloud: GcloudRunner = async (args) =>
      args[0] === 'auth'
        ? { code: 0, stdout: 'id-token-123\n', stderr: '' }
        : { code: 0, stdout: '', stderr: '' };
    const lines: string[] = [];
    received.length = 0;
    await executeActions(actions, { gcloud, fetch, log: (l) => lines.push(l), root: ROOT });
    expect(received).toHaveLength(1);
    expect(received[0]!.headers.authorization).toBe('Bearer id-token-123');
    expect(received[0]!.headers['idempotency-key']).toMatch(/^[0-9a-f]{64}:b9$/);
    expect(JSON.parse(received[0]!.body)).toMatchObject({
      kind: 'Environment',
      metadata: { name: 'tutorial' },
    });
    expect(lines.join('\n')).not.toContain('id-token-123');

    status = 409;
    await expect(
      executeActions(actions, { gcloud, fetch, log: () => {}, root: ROOT }),
    ).rejects.toThrow(/reconcile Environment tutorial .* failed:\nHTTP 409/);
    status = 202;
  });

  it('assembles the function source from dist/ with main = functions/index.js', async () => {
    const root = await mkdtemp(join(tmpdir(), 'deploy-src-'));
    try {
      const sourceDir = 'dist/function-source';
      const actions = [{ kind: 'prepare-source' as const, description: 'prepare', sourceDir }];
      const opts = {
        gcloud: async () => ({ code: 0, stdout: '', stderr: '' }),
        fetch,
        log: () => {},
        root,
      };
      await expect(executeActions(actions, opts)).rejects.toThrow(
        'run `npm run build` before deploying',
      );
      await mkdir(join(root, 'dist/functions'), { recursive: true });
      await mkdir(join(root, 'dist/shared'), { recursive: true });
      await writeFile(join(root, 'dist/functions/index.js'), 'export {};\n');
      await writeFile(
        join(root, 'package.json'),
        JSON.stringify({
          name: 'x',
          type: 'module',
          scripts: { build: 'tsc' },
          dependencies: { zod: '^4' },
        }),
      );
      await writeFile(join(root, 'package-lock.json'), '{}');
      await executeActions(actions, opts);
      const pkg = JSON.parse(
        await readFile(join(root, sourceDir, 'package.json'), 'utf8'),
      ) as Record<string, unknown>;
      expect(pkg).toEqual({
        name: 'x',
        type: 'module',
        dependencies: { zod: '^4' },
        main: 'functions/index.js',
      });
      expect(await readFile(join(root, sourceDir, 'functions/index.js'), 'utf8')).toBe(
        'export {};\n',
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('reads the project number with gcloud when not given, and reports a bad spec dir', async () => {
    const calls: string[][] = [];
    const out: string[] = [];
    await runDeploy(
      { project: 'svc-project', region: 'europe-west1', reconcileOnly: true },
      {
        gcloud: async (args) => {
          calls.push([...args]);
          return { code: 0, stdout: args[0] === 'projects' ? '777\n' : '', stderr: '' };
        },
        out: (t) => out.push(t),
      },
    );
    expect(calls[0]).toEqual([
      'projects',
      'describe',
      'svc-project',
      '--format=value(projectNumber)',
    ]);
    expect(out.join('')).toContain('deployed: 12 functions, 3 workflows; reconciled 0 spec(s)');
    await expect(
      runDeploy({
        project: 'svc-project',
        region: 'europe-west1',
        projectNumber: '1',
        specDir: join(ROOT, 'no-such-dir'),
        dryRun: true,
      }),
    ).rejects.toThrow('no such file or directory');
  });
});

describe('egressctl deploy (CLI)', () => {
  const run = promisify(execFile);
  it('--dry-run prints functions with entry points, workflows, topics, triggers, accounts and commands', async () => {
    const { stdout } = await run(
      'node',
      [
        'cli/egressctl.js',
        'deploy',
        '--project',
        'svc-project',
        '--region',
        'us-central1',
        '--project-number',
        '9',
        '--dry-run',
      ],
      { cwd: ROOT },
    );
    expect(stdout).toContain(
      'egress-step-network  entry point step-network, http, HTTP, ingress internal-only',
    );
    expect(stdout).toContain('reconcile-tenants  from workflows/reconcile-tenants.yaml');
    expect(stdout).toContain(
      'environment-requests-to-provision-environment  topic environment-requests → workflow provision-environment',
    );
    expect(stdout).toContain(
      'roles/resourcemanager.projectIamAdmin on projects svc-project if only-node-service-account-roles',
    );
    expect(stdout).toMatch(
      /^gcloud workflows deploy provision-environment --source=workflows\/provision-environment.yaml /m,
    );
    expect(stdout).not.toMatch(/roles\/(owner|editor|viewer)\b/);
  });

  it('refuses a bad project with a usage error (exit 2) naming the field', async () => {
    await expect(
      runDeploy({ project: 'X', region: 'us-central1', dryRun: true }),
    ).rejects.toMatchObject({
      exitCode: 2,
      message:
        'egressctl deploy: project: "X" is not a project id (6-30 lowercase letters, digits, hyphens; starts with a letter)',
    });
  });
});

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deployActions,
  describeCommand,
  envVarsFlag,
  functionDeployArgs,
  schedulerJobAction,
} from '../../deploy/actions.js';
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

  it('has tenant-events pushed by the tenant topics the tenants step makes, with the events account', () => {
    const fn = plan.functions.find((f) => f.entryPoint === 'tenant-events')!;
    expect(fn.signature).toBe('cloudevent');
    expect(fn.pushedBy).toEqual({
      entryPoint: 'step-tenants',
      urlVariable: 'EGRESS_TENANT_EVENTS_URL',
    });
    expect(fn.ingress).toBe('internal-only');
    const tenantsStep = plan.functions.find((f) => f.entryPoint === 'step-tenants')!;
    expect(tenantsStep.env).toMatchObject({
      EGRESS_TENANT_EVENTS_URL: 'https://egress-tenant-events-42.europe-west1.run.app',
      EGRESS_TENANT_PUSH_SERVICE_ACCOUNT: 'egress-events@svc-project.iam.gserviceaccount.com',
    });
    expect(fn.invokers).toEqual(['egress-events@svc-project.iam.gserviceaccount.com']);
    expect(plan.topics.map((t) => t.name)).toEqual(['environment-requests']);
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
    const lines = actions.flatMap((action) =>
      action.kind === 'gcloud'
        ? [action.args]
        : action.kind === 'gcloud-upsert'
          ? [action.probe, action.create, action.update]
          : [],
    );
    for (const args of lines) {
      const line = args.join(' ');
      const command = commands.find((c) => line.startsWith(`${c} `));
      expect(command, line).toBeDefined();
      for (const arg of args.filter((a) => a.startsWith('--'))) {
        expect(gcloudFlags.commands[command!], `${command}: ${arg}`).toContain(arg.split('=')[0]);
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
    expect(lines.some((a) => a.slice(0, 3).join(' ') === 'scheduler jobs create')).toBe(true);
  });

  it('schedules sweep-runs every 5 minutes with an ID token of egress-scheduler, its only invoker', () => {
    const scheduler = 'egress-scheduler@svc-project.iam.gserviceaccount.com';
    const url = 'https://egress-sweep-runs-42.europe-west1.run.app';
    const sweep = plan.functions.find((f) => f.entryPoint === 'sweep-runs')!;
    expect(sweep).toMatchObject({ url, ingress: 'internal-only', invokers: [scheduler] });
    expect(plan.serviceAccounts.find((a) => a.email === scheduler)?.grants).toEqual([]);
    // Only sweep-runs lets the scheduler account in.
    expect(plan.functions.filter((f) => f.invokers.includes(scheduler)).map((f) => f.name)).toEqual(
      ['egress-sweep-runs'],
    );
    expect(plan.schedulerJobs).toEqual([
      {
        name: 'egress-sweep-runs',
        schedule: '*/5 * * * *',
        timeZone: 'Etc/UTC',
        target: 'egress-sweep-runs',
        uri: url,
        audience: url,
        httpMethod: 'POST',
        oidcServiceAccount: scheduler,
        attemptDeadlineSeconds: 300,
        description: 'Fails runs abandoned pending by a crashed start and frees their environment.',
      },
    ]);
    const flags = [
      '--project=svc-project',
      '--location=europe-west1',
      '--schedule=*/5 * * * *',
      '--time-zone=Etc/UTC',
      `--uri=${url}`,
      '--http-method=POST',
      `--oidc-service-account-email=${scheduler}`,
      `--oidc-token-audience=${url}`,
      '--attempt-deadline=300s',
      '--description=Fails runs abandoned pending by a crashed start and frees their environment.',
      '--quiet',
    ];
    const action = schedulerJobAction(plan, plan.schedulerJobs[0]!);
    expect(action).toMatchObject({
      kind: 'gcloud-upsert',
      probe: [
        'scheduler',
        'jobs',
        'describe',
        'egress-sweep-runs',
        '--project=svc-project',
        '--location=europe-west1',
        '--format=value(name)',
      ],
      create: ['scheduler', 'jobs', 'create', 'http', 'egress-sweep-runs', ...flags],
      update: ['scheduler', 'jobs', 'update', 'http', 'egress-sweep-runs', ...flags],
    });
    expect(describeCommand(action)).toMatch(
      /^if gcloud scheduler jobs describe egress-sweep-runs .* >\/dev\/null; then gcloud scheduler jobs update http egress-sweep-runs .*'--schedule=\*\/5 \* \* \* \*'.*; else gcloud scheduler jobs create http egress-sweep-runs .*; fi$/,
    );
    // After the function and its invoker binding: the job's first call finds both.
    const actions = deployActions(plan);
    const at = (match: (a: (typeof actions)[number]) => boolean) => actions.findIndex(match);
    const job = at((a) => a.kind === 'gcloud-upsert');
    const binding = at(
      (a) =>
        a.kind === 'gcloud' &&
        a.args[1] === 'add-invoker-policy-binding' &&
        a.args[2] === 'egress-sweep-runs' &&
        a.args.includes(`--member=serviceAccount:${scheduler}`),
    );
    expect(binding).toBeGreaterThan(0);
    expect(job).toBeGreaterThan(binding);
    expect(
      deployActions(plan, { reconcileOnly: true }).some((a) => a.kind === 'gcloud-upsert'),
    ).toBe(false);
  });

  it('switches --set-env-vars to an alternate delimiter when a value holds a comma', () => {
    expect(envVarsFlag({ B: '2', A: 'x@y.z,w@y.z' })).toBe('--set-env-vars=^|^A=x@y.z,w@y.z|B=2');
    expect(envVarsFlag({ A: '1' })).toBe('--set-env-vars=A=1');
  });

  it('reconciles the tutorial specs: each Environment POSTed, each Tenant PUT, keyed by hash and build', async () => {
    const documents = await loadReconcileDocuments(join(ROOT, 'examples/tutorial'));
    const actions = deployActions(plan, { documents, buildId: 'build-7', reconcileOnly: true });
    const requests = actions.filter((a) => a.kind === 'api-request');
    expect(requests.map((a) => (a.kind === 'api-request' ? [a.method, a.url] : []))).toEqual([
      ['POST', 'https://egress-api-42.europe-west1.run.app/v1/environments'],
      ['PUT', 'https://egress-api-42.europe-west1.run.app/v1/environments/tutorial/tenants/team-x'],
      ['PUT', 'https://egress-api-42.europe-west1.run.app/v1/environments/tutorial/tenants/team-y'],
    ]);
    for (const request of requests) {
      expect(request).toMatchObject({
        audience: 'https://egress-api-42.europe-west1.run.app',
        idempotencyKey: expect.stringMatching(/^[0-9a-f]{64}:build-7$/),
      });
    }
    // Nothing is published: tenants go through the API as the build's own principal.
    expect(actions.some((a) => a.kind === 'gcloud' && a.args.includes('publish'))).toBe(false);
    // Without a build id the key is the hash alone: an unchanged spec returns the existing run.
    const again = deployActions(plan, { documents, reconcileOnly: true });
    expect(again.find((a) => a.kind === 'api-request')).toMatchObject({
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
      if (args[0] === 'pubsub' && args[3] === 'environment-requests-dead-letter') {
        return {
          code: 1,
          stdout: '',
          stderr:
            'ERROR: NOT_FOUND: Resource not found (resource=environment-requests-dead-letter).',
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
      'check topic environment-requests-dead-letter failed:\nERROR: NOT_FOUND: Resource not found (resource=environment-requests-dead-letter).\nhint: Terraform owns it',
    );
    expect(ran).toHaveLength(2);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe(
      "gcloud pubsub topics describe environment-requests-dead-letter --project=svc-project '--format=value(name)'",
    );
  });

  it('creates a missing Scheduler job, updates an existing one, and stops on any other describe failure', async () => {
    const action = schedulerJobAction(plan, plan.schedulerJobs[0]!);
    const runWith = async (describe: { code: number; stderr: string }) => {
      const ran: string[] = [];
      const gcloud: GcloudRunner = async (args) => {
        ran.push(args.slice(0, 4).join(' '));
        return args[2] === 'describe'
          ? { ...describe, stdout: describe.code === 0 ? 'projects/p/locations/l/jobs/j\n' : '' }
          : { code: 0, stdout: '', stderr: '' };
      };
      const lines: string[] = [];
      const result = await executeActions([action], {
        gcloud,
        fetch,
        log: (l) => lines.push(l),
        root: ROOT,
      }).then(
        () => 'ok',
        (error: Error) => error.message,
      );
      return { ran, result, lines };
    };
    const missing = await runWith({
      code: 1,
      stderr: 'ERROR: (gcloud.scheduler.jobs.describe) NOT_FOUND: Job not found.',
    });
    expect(missing.ran).toEqual([
      'scheduler jobs describe egress-sweep-runs',
      'scheduler jobs create http',
    ]);
    expect(missing.result).toBe('ok');
    expect(missing.lines).toEqual([describeCommand(action)]);
    const existing = await runWith({ code: 0, stderr: '' });
    expect(existing.ran).toEqual([
      'scheduler jobs describe egress-sweep-runs',
      'scheduler jobs update http',
    ]);
    const denied = await runWith({
      code: 1,
      stderr:
        "ERROR: (gcloud.scheduler.jobs.describe) PERMISSION_DENIED: The principal lacks IAM permission 'cloudscheduler.jobs.get'",
    });
    expect(denied.ran).toEqual(['scheduler jobs describe egress-sweep-runs']);
    expect(denied.result).toMatch(/^schedule egress-sweep-runs .* failed:\n.*PERMISSION_DENIED/);
    // A failing create or update stops the deploy with its output.
    const failing: GcloudRunner = async (args) =>
      args[2] === 'describe'
        ? { code: 1, stdout: '', stderr: 'NOT_FOUND' }
        : { code: 1, stdout: '', stderr: 'INVALID_ARGUMENT: bad schedule' };
    await expect(
      executeActions([action], { gcloud: failing, fetch, log: () => {}, root: ROOT }),
    ).rejects.toThrow(/gcloud scheduler jobs create http: INVALID_ARGUMENT: bad schedule/);
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
      (a) => a.kind === 'api-request' && a.method === 'POST',
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

  it('assembles the function source from dist/ with main = functions/index.js and the console bundle', async () => {
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
      // Without the console's bundle the api would answer 503 console-not-built: refused.
      await expect(executeActions(actions, opts)).rejects.toThrow(
        /console\/dist\/index\.html does not exist: run `npm run build`/,
      );
      await mkdir(join(root, 'dist/console/dist'), { recursive: true });
      await writeFile(join(root, 'dist/console/dist/index.html'), '<!doctype html>\n');
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
      // Where functions/lib/console-static.js looks: ../../console/dist.
      expect(await readFile(join(root, sourceDir, 'console/dist/index.html'), 'utf8')).toBe(
        '<!doctype html>\n',
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
    expect(out.join('')).toContain('deployed: 13 functions, 3 workflows; reconciled 0 spec(s)');
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
    expect(stdout).toMatch(
      /^if gcloud scheduler jobs describe egress-sweep-runs --project=svc-project --location=us-central1 .*; then gcloud scheduler jobs update http egress-sweep-runs .*--oidc-service-account-email=egress-scheduler@svc-project\.iam\.gserviceaccount\.com --oidc-token-audience=https:\/\/egress-sweep-runs-9\.us-central1\.run\.app .*; else gcloud scheduler jobs create http egress-sweep-runs .*; fi$/m,
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

import { binaryPath, skipWithout } from '../support/binaries.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { deployActions } from '../../deploy/actions.js';
import { checkCoverage, type CoverageInput } from '../../deploy/coverage.js';
import { parseHcl } from '../../deploy/hcl.js';
import { adapterMethodsInSource, loadCoverageInput, ROOT } from './inputs.js';

const TERRAFORM = binaryPath('terraform', '/usr/local/bin/terraform');
let input: CoverageInput;

beforeAll(async () => {
  input = await loadCoverageInput();
});

/** The input with one Terraform file's text replaced (and re-parsed). */
async function withTerraform(file: string, edit: (text: string) => string): Promise<CoverageInput> {
  return {
    ...input,
    terraform: await Promise.all(
      input.terraform.map(async (f) => {
        if (f.file !== file) return f;
        const text = edit(f.text);
        if (text === f.text) throw new Error(`the edit of ${file} changed nothing`);
        return { file: f.file, text, blocks: await parseHcl(text, f.file) };
      }),
    ),
  };
}

describe('coverage of functions/index.ts, workflows/, cloudbuild.yaml and infra/ by the manifest', () => {
  it('finds every exported function in the manifest, deployed and declared, and no basic role', () => {
    expect(input.exported.http.length).toBeGreaterThan(0);
    expect(input.exported.cloudEvent).toContain('tenant-events');
    const report = checkCoverage(input);
    expect(report.problems).toEqual([]);
    for (const name of [...input.exported.http, ...input.exported.cloudEvent]) {
      expect(input.plan.functions.map((f) => f.entryPoint)).toContain(name);
    }
  });

  it('lists every workflow file of workflows/ (whatever exists at test time)', () => {
    for (const file of input.workflowFiles.filter((f) => f.endsWith('.yaml'))) {
      expect(input.plan.workflows.map((w) => w.source)).toContain(`workflows/${file}`);
    }
  });

  it('fails, naming it, when the manifest misses an exported function', () => {
    const plan = {
      ...input.plan,
      functions: input.plan.functions.filter((f) => f.entryPoint !== 'step-nat'),
    };
    const report = checkCoverage({ ...input, plan });
    expect(report.problems).toContain(
      'function step-nat (HTTP_FUNCTIONS of functions/index.ts) is not in deploy/manifest.ts',
    );
  });

  it('fails, naming it, when functions/index.ts exports a function the manifest lacks', () => {
    const report = checkCoverage({
      ...input,
      exported: { ...input.exported, cloudEvent: [...input.exported.cloudEvent, 'audit-events'] },
    });
    expect(report.problems).toEqual([
      'function audit-events (CLOUD_EVENT_FUNCTIONS of functions/index.ts) is not in deploy/manifest.ts',
    ]);
  });

  it('fails when a workflow file is not in the manifest', () => {
    const report = checkCoverage({
      ...input,
      workflowFiles: [...input.workflowFiles, 'rotate-keys.yaml'],
    });
    expect(report.problems).toEqual(['workflows/rotate-keys.yaml is not in deploy/manifest.ts']);
  });

  it('fails when the deploy actions skip a function or an invoker binding', () => {
    const actions = input.actions.filter(
      (a) => !(a.kind === 'gcloud' && a.args[2] === 'egress-step-dns'),
    );
    const report = checkCoverage({ ...input, actions });
    expect(report.problems).toEqual([
      'function egress-step-dns is never deployed by egressctl deploy',
    ]);
  });

  it('fails when cloudbuild.yaml does not run egressctl deploy', () => {
    const text = input.cloudbuild.text.replace(/npx egressctl deploy/, 'npx egressctl plan');
    const report = checkCoverage({
      ...input,
      cloudbuild: { text, parsed: parse(text) as unknown },
    });
    expect(report.problems).toEqual(['cloudbuild.yaml has no step running `egressctl deploy`']);
  });

  it('fails on a basic role in Terraform, naming file and line', async () => {
    const edited = await withTerraform('infra/service-accounts.tf', (t) =>
      t.replace('role    = "roles/workflows.editor"', 'role    = "roles/editor"'),
    );
    const report = checkCoverage(edited);
    expect(report.problems).toContain(
      'infra/ does not grant roles/workflows.editor to egress-build (project)',
    );
    expect(
      report.problems.some((p) =>
        /^infra\/service-accounts\.tf:\d+ names the basic role roles\/editor$/.test(p),
      ),
    ).toBe(true);
  });

  it('fails on a basic role in the manifest or cloudbuild.yaml', () => {
    const plan = {
      ...input.plan,
      serviceAccounts: input.plan.serviceAccounts.map((sa) =>
        sa.key === 'api'
          ? {
              ...sa,
              grants: [
                ...sa.grants,
                { role: 'roles/owner', scope: { kind: 'project' as const }, why: 'x' },
              ],
            }
          : sa,
      ),
    };
    const text = `${input.cloudbuild.text}\n# (comments do not count: roles/viewer)\nx: roles/viewer\n`;
    const report = checkCoverage({
      ...input,
      plan,
      cloudbuild: { text, parsed: input.cloudbuild.parsed },
    });
    expect(report.problems).toContain('manifest grants the basic role roles/owner to egress-api');
    expect(report.problems.filter((p) => p.startsWith('cloudbuild.yaml:'))).toHaveLength(1);
  });

  it('fails when Terraform grants a role the manifest does not list, or drops a condition', async () => {
    const extra = await withTerraform('infra/service-accounts.tf', (t) =>
      t.replace('role    = "roles/logging.logWriter"', 'role    = "roles/logging.admin"'),
    );
    expect(checkCoverage(extra).problems).toEqual([
      'infra/ does not grant roles/logging.logWriter to egress-workflows (project)',
      'infra/ grants more than the manifest: workflows roles/logging.admin project',
    ]);
    const unconditioned = await withTerraform('infra/service-accounts.tf', (t) =>
      t.replace(/\n {2}condition \{[\s\S]*?\n {2}\}\n/, '\n'),
    );
    expect(checkCoverage(unconditioned).problems).toEqual([
      'infra/ grants roles/resourcemanager.projectIamAdmin to egress-steps without the condition only-node-service-account-roles',
    ]);
  });

  it('fails when a topic or the Eventarc trigger is missing', async () => {
    const renamedTopic = await withTerraform('infra/pubsub.tf', (t) =>
      t.replace('name       = "environment-requests-dead-letter"', 'name       = "env-dlq"'),
    );
    expect(checkCoverage(renamedTopic).problems).toEqual([
      'topic environment-requests-dead-letter is not declared in infra/',
      'subscription environment-requests-dead-letter on environment-requests-dead-letter is not declared in infra/',
      'infra/ does not grant roles/pubsub.publisher to the Pub/Sub service agent on topic environment-requests-dead-letter',
      'Eventarc trigger environment-requests-to-provision-environment: no terraform_data sets the dead-letter policy of its subscription to environment-requests-dead-letter',
    ]);
    const wrongWorkflow = await withTerraform('infra/eventarc.tf', (t) =>
      t.replace('bootstrap["provision-environment"]', 'bootstrap["teardown-environment"]'),
    );
    expect(checkCoverage(wrongWorkflow).problems).toEqual([
      'Eventarc trigger environment-requests-to-provision-environment does not start workflow provision-environment',
    ]);
  });
});

describe('least privilege of the adapters calls (deploy/permissions.ts)', () => {
  it('lists the public methods of adapter classes and of the object an adapter function returns', () => {
    const source = `
      export class FooAdapter implements FooApi {
        constructor(private readonly c: object) {}
        private path(): string { return ''; }
        private readonly hidden = async () => {};
        readonly limit = 3;
        async getFoo(): Promise<void> {}
        deleteFoo = async (): Promise<void> => {};
      }
      class Helper { run(): void {} }
      export function barAdapter(): BarApi {
        const inner = { ignored() {} };
        return {
          async listBars() { return []; },
          getBar: async () => undefined,
          putBar: function () {},
          value: 1,
        };
      }`;
    expect(adapterMethodsInSource('foo.ts', source)).toEqual([
      'FooAdapter.getFoo',
      'FooAdapter.deleteFoo',
      'barAdapter.listBars',
      'barAdapter.getBar',
      'barAdapter.putBar',
    ]);
  });

  it('fails, naming the call, when the custom role loses a permission an adapter call needs', async () => {
    const edited = await withTerraform('infra/service-accounts.tf', (t) =>
      t.replace(/\n\s*"storage\.buckets\.setIamPolicy",/, ''),
    );
    expect(checkCoverage(edited).problems).toEqual([
      'egress-steps lacks storage.buckets.setIamPolicy (workloadIdentityAdapter.setIamPolicy) in environment projects: no role it holds in infra/ grants it',
    ]);
  });

  it('holds the tenant topics to the service-project role and actAs on the events account only', async () => {
    const lost = await withTerraform('infra/service-accounts.tf', (t) =>
      t.replace(/\n\s*"pubsub\.topics\.setIamPolicy",/, ''),
    );
    expect(checkCoverage(lost).problems).toEqual([
      'egress-steps lacks pubsub.topics.setIamPolicy (PubsubAdapter.setTopicIamPolicy) in the service project: no role it holds in infra/ grants it',
    ]);
    const extra = await withTerraform('infra/service-accounts.tf', (t) =>
      t.replace('"pubsub.topics.get",', '"pubsub.topics.get",\n    "pubsub.topics.publish",'),
    );
    expect(checkCoverage(extra).problems).toEqual([
      'custom role egressProvisionerIntake in infra/ holds pubsub.topics.publish, which no adapter call of egress-steps needs beyond its predefined roles',
    ]);
    const noActAs = await withTerraform('infra/service-accounts.tf', (t) =>
      t.replace(
        /resource "google_service_account_iam_member" "steps_acts_as_events" \{[\s\S]*?\n\}\n/,
        '',
      ),
    );
    expect(checkCoverage(noActAs).problems).toEqual([
      'infra/ does not grant roles/iam.serviceAccountUser to egress-steps (service-account)',
    ]);
  });

  it('fails when the custom role holds a permission no call needs, or one a conditioned role gives', async () => {
    const edited = await withTerraform('infra/service-accounts.tf', (t) =>
      t.replace(
        '"storage.buckets.setIamPolicy",',
        '"storage.buckets.setIamPolicy",\n    "compute.instances.create",\n    "resourcemanager.projects.setIamPolicy",',
      ),
    );
    expect(checkCoverage(edited).problems).toEqual([
      'custom role egressProvisionerSteps in infra/ holds compute.instances.create, which no adapter call of egress-steps needs beyond its predefined roles',
      'custom role egressProvisionerSteps in infra/ holds resourcemanager.projects.setIamPolicy, which no adapter call of egress-steps needs beyond its predefined roles',
    ]);
  });

  it('fails when tenant-events is not told who pushes to it, or its pusher lacks its URL', () => {
    const functions = input.plan.functions.map((fn) =>
      fn.entryPoint === 'step-tenants'
        ? { ...fn, env: { ...fn.env, EGRESS_TENANT_EVENTS_URL: 'https://elsewhere.example' } }
        : fn,
    );
    expect(checkCoverage({ ...input, plan: { ...input.plan, functions } }).problems).toEqual([
      'function tenant-events is pushed by subscriptions step-tenants makes, but the manifest does not give step-tenants its URL in EGRESS_TENANT_EVENTS_URL',
    ]);
    const unpushed = input.plan.functions.map((fn) => {
      if (fn.entryPoint !== 'tenant-events') return fn;
      const { pushedBy: _dropped, ...rest } = fn;
      return rest;
    });
    expect(
      checkCoverage({ ...input, plan: { ...input.plan, functions: unpushed } }).problems,
    ).toEqual([
      'function tenant-events is a CloudEvent function but the manifest does not say who pushes to it',
    ]);
  });

  it('fails when a new adapter method has no entry, or an entry names a method that is gone', () => {
    const report = checkCoverage({
      ...input,
      adapterMethods: [
        ...input.adapterMethods.filter((m) => m !== 'DnsAdapter.patchZone'),
        'ComputeAdapter.list',
      ],
    });
    expect(report.problems).toEqual([
      'adapter method ComputeAdapter.list has no entry in deploy/permissions.ts',
      'deploy/permissions.ts names DnsAdapter.patchZone, which no adapter of shared/gcp has',
    ]);
  });

  it('fails when the steps lose a predefined role the table relies on', () => {
    const plan = {
      ...input.plan,
      serviceAccounts: input.plan.serviceAccounts.map((sa) => ({
        ...sa,
        grants: sa.grants.filter((g) => g.role !== 'roles/container.admin'),
      })),
    };
    const problems = checkCoverage({ ...input, plan }).problems;
    expect(problems).toContain(
      'egress-steps lacks container.clusters.create (ContainerAdapter.createCluster) in environment projects: no role it holds in infra/ grants it',
    );
    expect(problems).toContain(
      'infra/ grants more than the manifest: steps roles/container.admin environment-projects',
    );
  });
});

describe('dead letters of the Eventarc subscription and the Pub/Sub service agent', () => {
  it('fails when the gcloud setter of the dead-letter policy is missing or disagrees', async () => {
    const noSetter = await withTerraform('infra/eventarc.tf', (t) =>
      t.replace(/resource "terraform_data"[\s\S]*?\n\}\n/, ''),
    );
    expect(checkCoverage(noSetter).problems).toEqual([
      'Eventarc trigger environment-requests-to-provision-environment: no terraform_data sets the dead-letter policy of its subscription',
    ]);
    const fewerAttempts = await withTerraform('infra/eventarc.tf', (t) =>
      t
        .replace('max_delivery_attempts = 10', 'max_delivery_attempts = 5')
        .replace('--max-delivery-attempts=', '--max-attempts='),
    );
    expect(checkCoverage(fewerAttempts).problems).toEqual([
      'Eventarc trigger environment-requests-to-provision-environment: no terraform_data sets the dead-letter policy of its subscription with max_delivery_attempts 10',
      'Eventarc trigger environment-requests-to-provision-environment: no terraform_data sets the dead-letter policy of its subscription: its local-exec command lacks --max-delivery-attempts',
    ]);
  });

  it('fails when the service agent is not subscriber on a source subscription, or holds a project role', async () => {
    const edited = await withTerraform('infra/eventarc.tf', (t) =>
      t.replace(
        /resource "google_pubsub_subscription_iam_member"[\s\S]*?\n\}\n/,
        'resource "google_project_iam_member" "pubsub_agent_subscriber" {\n  project = var.project\n  role    = "roles/pubsub.subscriber"\n  member  = local.pubsub_service_agent\n}\n',
      ),
    );
    expect(checkCoverage(edited).problems).toEqual([
      'infra/ grants roles/pubsub.subscriber to the Pub/Sub service agent on the whole project (grant it on the topic or subscription)',
      'infra/ does not grant roles/pubsub.subscriber to the Pub/Sub service agent on the subscription of Eventarc trigger environment-requests-to-provision-environment',
    ]);
  });
});

describe('what the HCL parser lets the check tell apart', () => {
  it('fails when the Eventarc transport (a block nested two deep) listens to another topic', async () => {
    const edited = await withTerraform('infra/eventarc.tf', (t) =>
      t.replace(
        'topic = google_pubsub_topic.environment_requests.id',
        'topic = google_pubsub_topic.environment_requests_dead_letter.id',
      ),
    );
    expect(checkCoverage(edited).problems).toEqual([
      'Eventarc trigger environment-requests-to-provision-environment does not listen to topic environment-requests',
    ]);
  });

  it('rejects a Terraform file HCL cannot parse, naming the file and line', async () => {
    await expect(
      withTerraform('infra/pubsub.tf', (t) => t.replace(/\n\}\n/, '\n')),
    ).rejects.toThrow(/^infra\/pubsub\.tf:\d+,\d+-\d+: Unclosed configuration block/);
  });
});

describe('terraform fmt', () => {
  it.skipIf(skipWithout(TERRAFORM))(
    `terraform fmt -check -recursive infra passes (skipped when ${TERRAFORM} is missing)`,
    async () => {
      const run = promisify(execFile);
      const result = await run(TERRAFORM, ['fmt', '-check', '-recursive', 'infra'], {
        cwd: ROOT,
      }).catch((error: { code?: number; stdout?: string; stderr?: string }) => error);
      // fmt -check lists the files it would change and exits 3.
      expect('code' in result ? result.code : 0, `${result.stdout ?? ''}`).toBe(0);
      expect(result.stdout).toBe('');
    },
  );
});

describe("least privilege of the workflows' own calls (issue 16 finding 8)", () => {
  it('fails, naming the call, when the workflows account cannot start the teardown hand-over', async () => {
    const edited = await withTerraform('infra/service-accounts.tf', (t) =>
      t.replace(/\n {4}"workflows\.executions\.create",/, ''),
    );
    expect(checkCoverage(edited).problems).toEqual([
      'egress-workflows lacks workflows.executions.create (workflowexecutions.projects.locations.workflows.executions.create, workflows/provision-environment.yaml main.hand_over_to_teardown): no role it holds in infra/ grants it',
    ]);
  });

  it('fails when the workflows account holds a role or permission no workflow call needs', async () => {
    const edited = await withTerraform('infra/service-accounts.tf', (t) =>
      t.replace(
        '"workflows.executions.create",',
        '"workflows.executions.create",\n    "workflows.callbacks.send",',
      ),
    );
    expect(checkCoverage(edited).problems).toEqual([
      'custom role egressProvisionerWorkflows in infra/ holds workflows.callbacks.send, which no workflow call of egress-workflows needs',
    ]);
    const plan = {
      ...input.plan,
      serviceAccounts: input.plan.serviceAccounts.map((sa) =>
        sa.key === 'workflows'
          ? {
              ...sa,
              grants: [
                ...sa.grants,
                { role: 'roles/workflows.invoker', scope: { kind: 'project' as const }, why: 'x' },
              ],
            }
          : sa,
      ),
    };
    expect(checkCoverage({ ...input, plan }).problems).toEqual([
      'infra/ does not grant roles/workflows.invoker to egress-workflows (project)',
      'egress-workflows holds roles/workflows.invoker (project), which no workflow call needs',
    ]);
  });

  it('fails when a workflow calls a Google API the table does not map', () => {
    const extra = {
      file: 'rotate.yaml',
      parsed: {
        main: {
          steps: [
            {
              read_secret: {
                call: 'googleapis.secretmanager.v1.projects.secrets.versions.accessString',
                args: { secret_id: 'x' },
              },
            },
            {
              list_buckets: {
                call: 'http.get',
                args: {
                  url: 'https://storage.googleapis.com/storage/v1/b',
                  auth: { type: 'OAuth2' },
                },
              },
            },
          ],
        },
      },
    };
    expect(checkCoverage({ ...input, workflows: [...input.workflows, extra] }).problems).toEqual([
      'workflows/rotate.yaml main.read_secret calls secretmanager.projects.secrets.versions.accessString, which deploy/permissions.ts WORKFLOW_CALL_PERMISSIONS does not map to its permissions',
      'workflows/rotate.yaml main.list_buckets calls unknown:https://storage.googleapis.com/storage/v1/b, which deploy/permissions.ts WORKFLOW_CALL_PERMISSIONS does not map to its permissions',
    ]);
  });

  it('fails when a function the workflows invoke does not make them its invoker, or one they never invoke does', () => {
    const plan = {
      ...input.plan,
      functions: input.plan.functions.map((f) =>
        f.entryPoint === 'step-dns'
          ? { ...f, invokers: [] }
          : f.entryPoint === 'api'
            ? {
                ...f,
                invokers: [
                  ...f.invokers,
                  'egress-workflows@coverage-project.iam.gserviceaccount.com',
                ],
              }
            : f,
      ),
    };
    const problems = checkCoverage({ ...input, plan }).problems;
    expect(problems).toContain(
      'function egress-step-dns: the workflows invoke it but the manifest does not make egress-workflows its invoker (run.invoker)',
    );
    expect(problems).toContain(
      'function egress-api: egress-workflows is its invoker (run.invoker) but no workflow invokes it',
    );
  });
});

describe('Cloud Scheduler jobs: the target, its invokers, the deploy actions and infra/', () => {
  const scheduler = 'egress-scheduler@coverage-project.iam.gserviceaccount.com';
  /** The input with the job changed, and the deploy actions built from that plan. */
  const withJob = (
    edit: Partial<CoverageInput['plan']['schedulerJobs'][number]>,
  ): CoverageInput => {
    const plan = {
      ...input.plan,
      schedulerJobs: input.plan.schedulerJobs.map((j) => ({ ...j, ...edit })),
    };
    return { ...input, plan, actions: deployActions(plan) };
  };

  it('holds egress-sweep-runs to sweep-runs, egress-scheduler its only invoker, created by the deploy', () => {
    expect(input.plan.schedulerJobs.map((j) => [j.name, j.target, j.oidcServiceAccount])).toEqual([
      ['egress-sweep-runs', 'egress-sweep-runs', scheduler],
    ]);
    expect(checkCoverage(input).problems).toEqual([]);
  });

  it('fails when a job calls a function the manifest does not deploy', () => {
    const plan = {
      ...input.plan,
      functions: input.plan.functions.filter((f) => f.entryPoint !== 'sweep-runs'),
    };
    expect(checkCoverage({ ...input, plan }).problems).toContain(
      'Scheduler job egress-sweep-runs calls egress-sweep-runs, which deploy/manifest.ts does not deploy',
    );
  });

  it("fails when the job's account is not among the function's invokers, or invokes more", () => {
    const plan = {
      ...input.plan,
      functions: input.plan.functions.map((f) =>
        f.entryPoint === 'sweep-runs'
          ? { ...f, invokers: [] }
          : f.entryPoint === 'finalize'
            ? { ...f, invokers: [...f.invokers, scheduler] }
            : f,
      ),
    };
    const actions = deployActions(plan);
    expect(checkCoverage({ ...input, plan, actions }).problems).toEqual([
      `Scheduler job egress-sweep-runs: its account ${scheduler} is not an invoker (run.invoker) of egress-sweep-runs`,
      `function egress-finalize: ${scheduler} is its invoker but no Scheduler job of it calls it`,
    ]);
  });

  it('fails when the job uses another URL, a short deadline, or an account that holds roles', () => {
    expect(
      checkCoverage(withJob({ uri: 'https://example.com/sweep', attemptDeadlineSeconds: 60 }))
        .problems,
    ).toEqual([
      'Scheduler job egress-sweep-runs in infra/ lacks attempt_deadline 60s',
      'Scheduler job egress-sweep-runs does not call egress-sweep-runs at its run.app URL https://egress-sweep-runs-123456789.us-central1.run.app',
      'Scheduler job egress-sweep-runs: attempt deadline 60s is shorter than the 300s egress-sweep-runs may run',
    ]);
    const plan = {
      ...input.plan,
      serviceAccounts: input.plan.serviceAccounts.map((sa) =>
        sa.key === 'scheduler'
          ? {
              ...sa,
              grants: [
                { role: 'roles/datastore.user', scope: { kind: 'project' as const }, why: 'x' },
              ],
            }
          : sa,
      ),
    };
    expect(checkCoverage({ ...input, plan }).problems).toEqual([
      'infra/ does not grant roles/datastore.user to egress-scheduler (project)',
      'Scheduler job egress-sweep-runs: its account egress-scheduler must hold no role (its ID token reaches egress-sweep-runs), but holds roles/datastore.user',
    ]);
  });

  it('fails when the deploy actions never create the job, or never update it', () => {
    const actions = input.actions.filter((a) => a.kind !== 'gcloud-upsert');
    expect(checkCoverage({ ...input, actions }).problems).toEqual([
      'Scheduler job egress-sweep-runs is never created by egressctl deploy',
    ]);
    const createOnly = input.actions.map((a) =>
      a.kind === 'gcloud-upsert' ? { ...a, update: a.create } : a,
    );
    expect(checkCoverage({ ...input, actions: createOnly }).problems).toEqual([
      'Scheduler job egress-sweep-runs: egressctl deploy does not update it when it exists',
    ]);
    const unauthenticated = input.actions.map((a) =>
      a.kind === 'gcloud-upsert'
        ? { ...a, create: a.create.filter((f) => !f.startsWith('--oidc-service-account-email=')) }
        : a,
    );
    expect(checkCoverage({ ...input, actions: unauthenticated }).problems).toEqual([
      `gcloud scheduler jobs create http egress-sweep-runs lacks --oidc-service-account-email=${scheduler}`,
    ]);
  });

  it('fails when infra/ lacks the job, gives it another account or audience, or lacks the API', async () => {
    const noJob = await withTerraform('infra/scheduler.tf', (t) =>
      t.replace('name        = "egress-sweep-runs"', 'name        = "egress-sweep"'),
    );
    expect(checkCoverage(noJob).problems).toEqual([
      'Scheduler job egress-sweep-runs is not declared in infra/',
    ]);
    const otherAccount = await withTerraform('infra/scheduler.tf', (t) =>
      t.replace(
        'service_account_email = google_service_account.scheduler.email',
        'service_account_email = google_service_account.finalize.email',
      ),
    );
    expect(checkCoverage(otherAccount).problems).toEqual([
      'Scheduler job egress-sweep-runs in infra/ has no oidc_token of egress-scheduler',
    ]);
    const otherAudience = await withTerraform('infra/scheduler.tf', (t) =>
      t.replace('audience              = local.sweep_runs_url', 'audience = "https://example.com"'),
    );
    expect(checkCoverage(otherAudience).problems).toEqual([
      "Scheduler job egress-sweep-runs in infra/: the oidc_token audience is not the function's URL",
    ]);
    const noApi = await withTerraform('infra/apis.tf', (t) =>
      t.replace('    "cloudscheduler.googleapis.com",\n', ''),
    );
    expect(checkCoverage(noApi).problems).toEqual([
      'infra/ does not enable cloudscheduler.googleapis.com (local.service_apis)',
    ]);
    const noActAs = await withTerraform('infra/service-accounts.tf', (t) =>
      t.replace(
        /resource "google_service_account_iam_member" "build_acts_as_scheduler"[\s\S]*?\n\}\n/,
        '',
      ),
    );
    expect(checkCoverage(noActAs).problems).toEqual([
      'infra/ does not grant roles/iam.serviceAccountUser to egress-build (service-account)',
    ]);
  });
});

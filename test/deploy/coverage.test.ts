import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkCoverage, type CoverageInput } from '../../deploy/coverage.js';
import { parseHcl } from '../../deploy/hcl.js';
import { loadCoverageInput, ROOT } from './inputs.js';

const TERRAFORM = '/usr/local/bin/terraform';
let input: CoverageInput;

beforeAll(async () => {
  input = await loadCoverageInput();
});

/** The input with one Terraform file's text replaced (and re-parsed). */
function withTerraform(file: string, edit: (text: string) => string): CoverageInput {
  return {
    ...input,
    terraform: input.terraform.map((f) => {
      if (f.file !== file) return f;
      const text = edit(f.text);
      return { file: f.file, text, blocks: parseHcl(text, f.file) };
    }),
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

  it('fails on a basic role in Terraform, naming file and line', () => {
    const edited = withTerraform('infra/service-accounts.tf', (t) =>
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

  it('fails when Terraform grants a role the manifest does not list, or drops a condition', () => {
    const extra = withTerraform('infra/service-accounts.tf', (t) =>
      t.replace('role    = "roles/logging.logWriter"', 'role    = "roles/logging.admin"'),
    );
    expect(checkCoverage(extra).problems).toEqual([
      'infra/ does not grant roles/logging.logWriter to egress-workflows (project)',
      'infra/ grants more than the manifest: workflows roles/logging.admin project',
    ]);
    const unconditioned = withTerraform('infra/service-accounts.tf', (t) =>
      t.replace(/\n {2}condition \{[\s\S]*?\n {2}\}\n/, '\n'),
    );
    expect(checkCoverage(unconditioned).problems).toEqual([
      'infra/ grants roles/resourcemanager.projectIamAdmin to egress-steps without the condition only-node-service-account-roles',
    ]);
  });

  it('fails when a topic, the push subscription dead-letter policy or the Eventarc trigger is missing', () => {
    const noDeadLetter = withTerraform('infra/pubsub.tf', (t) =>
      t.replace(/\n {2}dead_letter_policy \{[\s\S]*?\n {2}\}\n/, '\n'),
    );
    expect(checkCoverage(noDeadLetter).problems).toEqual([
      'subscription tenant-requests-to-tenant-events (tenant-requests → egress-tenant-events) has no dead_letter_policy to tenant-requests-dead-letter',
    ]);
    const renamedTopic = withTerraform('infra/pubsub.tf', (t) =>
      t.replace('name       = "environment-requests-dead-letter"', 'name       = "env-dlq"'),
    );
    expect(checkCoverage(renamedTopic).problems).toEqual([
      'topic environment-requests-dead-letter is not declared in infra/',
      'subscription environment-requests-dead-letter on environment-requests-dead-letter is not declared in infra/',
    ]);
    const wrongWorkflow = withTerraform('infra/eventarc.tf', (t) =>
      t.replace('bootstrap["provision-environment"]', 'bootstrap["teardown-environment"]'),
    );
    expect(checkCoverage(wrongWorkflow).problems).toEqual([
      'Eventarc trigger environment-requests-to-provision-environment does not start workflow provision-environment',
    ]);
  });
});

describe('terraform fmt', () => {
  it.skipIf(!existsSync(TERRAFORM))(
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

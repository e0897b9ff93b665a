/**
 * The coverage check: everything functions/index.ts exports and every workflow file is in the
 * manifest, deployed by the deploy actions that cloudbuild.yaml runs, and declared in infra/
 * (service accounts, roles, topics, subscriptions, triggers, Scheduler jobs); each Scheduler job
 * calls a deployed function as one of its invokers; no basic role anywhere.
 * Pure: the caller reads the files; tests feed it altered inputs to prove it fails.
 */
import type { DeployAction } from './actions.js';
import type { CoverageInput, CoverageReport } from './coverage-input.js';
import { checkDeadLetterWiring, checkTerraform } from './coverage-terraform.js';
import { FUNCTION_RUNTIME, PRIMITIVE_ROLES } from './manifest.js';
import {
  ADAPTER_PERMISSIONS,
  customRoleName,
  customRolePermissions,
  PREDEFINED_ROLE_PERMISSIONS,
  rolePermits,
  WORKFLOW_CALL_PERMISSIONS,
  WORKFLOWS_PLATFORM_ROLES,
  type AdapterPermissions,
  type PermissionScope,
} from './permissions.js';
import type { PlannedServiceAccount, RoleGrant } from './manifest-types.js';
import { customRolesOf, type TfCustomRole } from './terraform-resources.js';
import { workflowCalls } from './workflow-calls.js';

export type { CoverageInput, CoverageReport } from './coverage-input.js';

function gcloudArgs(actions: readonly DeployAction[]): string[][] {
  return actions.flatMap((a) => (a.kind === 'gcloud' ? [a.args] : []));
}

function checkFunctions(input: CoverageInput, problems: string[]): void {
  const { plan } = input;
  const byEntry = new Map(plan.functions.map((f) => [f.entryPoint, f]));
  for (const name of input.exported.http) {
    const fn = byEntry.get(name);
    if (!fn)
      problems.push(
        `function ${name} (HTTP_FUNCTIONS of functions/index.ts) is not in deploy/manifest.ts`,
      );
    else if (fn.signature !== 'http')
      problems.push(
        `function ${name} is HTTP in functions/index.ts but ${fn.signature} in the manifest`,
      );
  }
  for (const name of input.exported.cloudEvent) {
    const fn = byEntry.get(name);
    if (!fn)
      problems.push(
        `function ${name} (CLOUD_EVENT_FUNCTIONS of functions/index.ts) is not in deploy/manifest.ts`,
      );
    else if (fn.signature !== 'cloudevent' || !fn.pushedBy) {
      problems.push(
        `function ${name} is a CloudEvent function but the manifest does not say who pushes to it`,
      );
    } else {
      const { entryPoint, urlVariable } = fn.pushedBy;
      const maker = byEntry.get(entryPoint);
      if (maker?.env[urlVariable] !== fn.url)
        problems.push(
          `function ${name} is pushed by subscriptions ${entryPoint} makes, but the manifest does not give ${entryPoint} its URL in ${urlVariable}`,
        );
    }
  }
  const exported = new Set([...input.exported.http, ...input.exported.cloudEvent]);
  for (const fn of plan.functions) {
    if (!exported.has(fn.entryPoint)) {
      problems.push(
        `manifest function ${fn.name} has entry point ${fn.entryPoint}, which functions/index.ts does not export`,
      );
    }
  }
  const commands = gcloudArgs(input.actions);
  for (const fn of plan.functions) {
    const deploy = commands.find(
      (a) => a[0] === 'functions' && a[1] === 'deploy' && a[2] === fn.name,
    );
    if (!deploy) {
      problems.push(`function ${fn.name} is never deployed by egressctl deploy`);
      continue;
    }
    for (const flag of [
      `--entry-point=${fn.entryPoint}`,
      `--runtime=${FUNCTION_RUNTIME}`,
      '--gen2',
      '--no-allow-unauthenticated',
      `--service-account=${fn.serviceAccount}`,
      `--ingress-settings=${fn.ingress}`,
    ]) {
      if (!deploy.includes(flag)) problems.push(`gcloud functions deploy ${fn.name} lacks ${flag}`);
    }
    for (const member of fn.invokers) {
      const bound = commands.some(
        (a) =>
          a[0] === 'functions' &&
          a[1] === 'add-invoker-policy-binding' &&
          a[2] === fn.name &&
          a.includes(`--member=serviceAccount:${member}`),
      );
      if (!bound) problems.push(`function ${fn.name}: invoker ${member} is never granted`);
    }
  }
}

function checkWorkflows(input: CoverageInput, problems: string[], notes: string[]): void {
  const files = input.workflowFiles.filter((f) => /\.ya?ml$/.test(f));
  for (const file of files) {
    if (!input.plan.workflows.some((w) => w.source === `workflows/${file}`)) {
      problems.push(`workflows/${file} is not in deploy/manifest.ts`);
    }
  }
  const commands = gcloudArgs(input.actions);
  for (const wf of input.plan.workflows) {
    if (!files.includes(wf.source.replace(/^workflows\//, ''))) {
      notes.push(`manifest workflow ${wf.name}: ${wf.source} does not exist yet`);
    }
    const deployed = commands.some(
      (a) =>
        a[0] === 'workflows' &&
        a[1] === 'deploy' &&
        a[2] === wf.name &&
        a.includes(`--source=${wf.source}`),
    );
    if (!deployed) problems.push(`workflow ${wf.name} is never deployed by egressctl deploy`);
  }
}

function checkCloudbuild(input: CoverageInput, problems: string[]): void {
  const parsed = input.cloudbuild.parsed as {
    substitutions?: Record<string, unknown>;
    steps?: Array<{ id?: string; name?: string; args?: unknown[]; entrypoint?: string }>;
  };
  const steps = parsed?.steps ?? [];
  const stepText = (s: (typeof steps)[number]) =>
    [s.entrypoint ?? '', ...(s.args ?? []).map(String)].join(' ');
  const deploy = steps.find((s) => /egressctl\s+deploy/.test(stepText(s)));
  if (!deploy) problems.push('cloudbuild.yaml has no step running `egressctl deploy`');
  else {
    const text = stepText(deploy).replace(/\\\n\s*/g, ' ');
    for (const part of [
      '--project $PROJECT_ID',
      '--region $_REGION',
      '--spec-dir $_SPEC_DIR',
      '--build-id $BUILD_ID',
    ]) {
      if (!text.includes(part))
        problems.push(`cloudbuild.yaml: the deploy step does not pass ${part}`);
    }
  }
  for (const key of ['_REGION', '_SPEC_DIR', '_API_URL']) {
    if (!parsed?.substitutions || !(key in parsed.substitutions)) {
      problems.push(`cloudbuild.yaml: substitution ${key} is not declared`);
    }
  }
  if (!steps.some((s) => /vitest\s+run/.test(stepText(s)) && /:emulators$/.test(s.name ?? ''))) {
    problems.push('cloudbuild.yaml: no step runs the tests (vitest run) on the emulators image');
  }
}

/**
 * Least privilege of the adapters' calls: every public adapter method has an entry in
 * deploy/permissions.ts; every permission an entry names is granted to its account by a role the
 * manifest grants there (a predefined role Google lists it in, or the custom role as infra/
 * declares it); the custom role holds nothing no entry needs, and nothing a predefined role of
 * the same account already gives (e.g. an unconditioned project setIamPolicy).
 */
function checkPermissions(input: CoverageInput, problems: string[]): void {
  const table = input.permissions ?? ADAPTER_PERMISSIONS;
  const methods = new Set(input.adapterMethods);
  for (const method of [...methods].sort()) {
    if (!table[method]) {
      problems.push(`adapter method ${method} has no entry in deploy/permissions.ts`);
    }
  }
  for (const method of Object.keys(table).sort()) {
    if (!methods.has(method)) {
      problems.push(`deploy/permissions.ts names ${method}, which no adapter of shared/gcp has`);
    }
  }
  const blocks = input.terraform.flatMap((f) => f.blocks);
  const customByName = new Map(
    [...customRolesOf(blocks).values()].map((r) => [customRoleName(r.roleId), r]),
  );
  for (const sa of input.plan.serviceAccounts) {
    for (const scope of PERMISSION_SCOPES) {
      checkScope(sa, scope, table, customByName, problems);
    }
  }
}

/** Each adapter scope: the grants and custom roles of infra/ that apply there, and its words. */
const PERMISSION_SCOPES: readonly {
  scope: PermissionScope;
  /** Grant scopes of the manifest that count there. */
  grantKinds: readonly RoleGrant['scope']['kind'][];
  inEnvironmentProjects: boolean;
  where: string;
}[] = [
  {
    scope: 'environment-projects',
    grantKinds: ['environment-projects'],
    inEnvironmentProjects: true,
    where: 'in environment projects',
  },
  {
    scope: 'service-project',
    // A grant on one of the service's accounts lives in the service project too.
    grantKinds: ['project', 'service-account'],
    inEnvironmentProjects: false,
    where: 'in the service project',
  },
];

function checkScope(
  sa: PlannedServiceAccount,
  { scope, grantKinds, inEnvironmentProjects, where }: (typeof PERMISSION_SCOPES)[number],
  table: Readonly<Record<string, AdapterPermissions>>,
  customByName: ReadonlyMap<string, TfCustomRole>,
  problems: string[],
): void {
  const entries = Object.entries(table).filter(
    ([, e]) => e.account === sa.key && e.scope === scope,
  );
  if (entries.length === 0) return;
  const grants = sa.grants.filter((g) => grantKinds.includes(g.scope.kind));
  const predefined = grants.map((g) => g.role).filter((r) => PREDEFINED_ROLE_PERMISSIONS[r]);
  const custom = grants.flatMap((g) => {
    const role = customByName.get(g.role);
    return role && role.inEnvironmentProjects === inEnvironmentProjects ? [role] : [];
  });
  const grantedBy = (permission: string) =>
    predefined.some((r) => rolePermits(PREDEFINED_ROLE_PERMISSIONS[r] ?? [], permission)) ||
    custom.some((r) => r.permissions.includes(permission));
  for (const [method, entry] of entries) {
    for (const permission of entry.permissions) {
      if (!grantedBy(permission)) {
        problems.push(
          `${sa.accountId} lacks ${permission} (${method}) ${where}: no role it holds in infra/ grants it`,
        );
      }
    }
  }
  const wanted = new Set(customRolePermissions(sa.key, scope, predefined));
  for (const role of custom) {
    for (const permission of role.permissions) {
      if (!wanted.has(permission)) {
        problems.push(
          `custom role ${role.roleId} in infra/ holds ${permission}, which no adapter call of ${sa.accountId} needs beyond its predefined roles`,
        );
      }
    }
  }
}

/**
 * Least privilege of the workflows' own calls (finding 8 of issue 16: the teardown hand-over
 * needs workflows.executions.create, which the workflows account lacked). Every Google call a
 * workflow makes (deploy/workflow-calls.ts) maps to permissions (WORKFLOW_CALL_PERMISSIONS), each
 * granted to the workflows account in the service project by a role infra/ declares; the account
 * holds no role beyond those and its platform roles (WORKFLOWS_PLATFORM_ROLES), and its custom
 * role no permission no call needs. Every function a workflow invokes lists the workflows account
 * among its invokers (run.invoker on that function, granted by `egressctl deploy`), and no
 * function lists it that no workflow invokes.
 */
function checkWorkflowCalls(input: CoverageInput, problems: string[]): void {
  const table = input.workflowCallPermissions ?? WORKFLOW_CALL_PERMISSIONS;
  const sa = input.plan.serviceAccounts.find((a) => a.key === 'workflows');
  if (!sa) return; // checkTerraform names a missing account
  const needed = new Map<string, string>(); // permission → the call that needs it
  const invoked = new Set<string>();
  for (const { file, parsed } of input.workflows) {
    const calls = workflowCalls(file, parsed);
    for (const u of calls.unreadable) problems.push(`${u}: the check cannot tell what it calls`);
    for (const fn of calls.functions) invoked.add(fn);
    for (const call of calls.google) {
      const entry = table[call.method];
      if (!entry) {
        problems.push(
          `${call.where} calls ${call.method}, which deploy/permissions.ts WORKFLOW_CALL_PERMISSIONS does not map to its permissions`,
        );
        continue;
      }
      for (const p of entry.permissions) {
        if (!needed.has(p)) needed.set(p, `${call.method}, ${call.where}`);
      }
    }
  }
  const blocks = input.terraform.flatMap((f) => f.blocks);
  const customByName = new Map(
    [...customRolesOf(blocks).values()]
      .filter((r) => !r.inEnvironmentProjects)
      .map((r) => [customRoleName(r.roleId), r]),
  );
  const grants = sa.grants.filter((g) => g.scope.kind === 'project');
  const holds = (role: string, permission: string) =>
    rolePermits(PREDEFINED_ROLE_PERMISSIONS[role] ?? [], permission) ||
    (customByName.get(role)?.permissions.includes(permission) ?? false);
  for (const [permission, why] of needed) {
    if (!grants.some((g) => holds(g.role, permission))) {
      problems.push(
        `${sa.accountId} lacks ${permission} (${why}): no role it holds in infra/ grants it`,
      );
    }
  }
  for (const g of sa.grants) {
    if (g.scope.kind === 'project' && WORKFLOWS_PLATFORM_ROLES[g.role]) continue;
    const custom = g.scope.kind === 'project' ? customByName.get(g.role) : undefined;
    if (custom) {
      for (const p of custom.permissions) {
        if (!needed.has(p))
          problems.push(
            `custom role ${custom.roleId} in infra/ holds ${p}, which no workflow call of ${sa.accountId} needs`,
          );
      }
      continue;
    }
    const useful = g.scope.kind === 'project' && [...needed.keys()].some((p) => holds(g.role, p));
    if (!useful)
      problems.push(
        `${sa.accountId} holds ${g.role} (${g.scope.kind}), which no workflow call needs`,
      );
  }
  const account = `${sa.accountId}@`;
  for (const fn of input.plan.functions) {
    const grantsInvoker = fn.invokers.some((m) => m.startsWith(account));
    if (invoked.has(fn.entryPoint) && !grantsInvoker)
      problems.push(
        `function ${fn.name}: the workflows invoke it but the manifest does not make ${sa.accountId} its invoker (run.invoker)`,
      );
    if (!invoked.has(fn.entryPoint) && grantsInvoker)
      problems.push(
        `function ${fn.name}: ${sa.accountId} is its invoker (run.invoker) but no workflow invokes it`,
      );
  }
  for (const entry of invoked) {
    if (!input.plan.functions.some((f) => f.entryPoint === entry))
      problems.push(`the workflows invoke ${entry}, which deploy/manifest.ts does not deploy`);
  }
}

/**
 * Cloud Scheduler jobs: each calls a function the manifest deploys, over HTTP, at its run.app URL
 * (the ID token's audience too: internal-only ingress admits Cloud Scheduler only there), with
 * the ID token of an account among that function's invokers (run.invoker) and of nothing else,
 * waits as long as the function may run, and is created or updated by the deploy actions with
 * exactly those values.
 */
function checkSchedulerJobs(input: CoverageInput, problems: string[]): void {
  const { plan } = input;
  const upserts = input.actions.flatMap((a) => (a.kind === 'gcloud-upsert' ? [a] : []));
  for (const job of plan.schedulerJobs) {
    const where = `Scheduler job ${job.name}`;
    const fn = plan.functions.find((f) => f.name === job.target);
    if (!fn) {
      problems.push(`${where} calls ${job.target}, which deploy/manifest.ts does not deploy`);
    } else {
      if (fn.signature !== 'http')
        problems.push(`${where} calls ${fn.name}, which is not an HTTP function`);
      if (job.uri !== fn.url || job.audience !== fn.url)
        problems.push(`${where} does not call ${fn.name} at its run.app URL ${fn.url}`);
      if (!fn.invokers.includes(job.oidcServiceAccount))
        problems.push(
          `${where}: its account ${job.oidcServiceAccount} is not an invoker (run.invoker) of ${fn.name}`,
        );
      if (job.attemptDeadlineSeconds < fn.timeoutSeconds)
        problems.push(
          `${where}: attempt deadline ${job.attemptDeadlineSeconds}s is shorter than the ${fn.timeoutSeconds}s ${fn.name} may run`,
        );
    }
    const sa = plan.serviceAccounts.find((a) => a.email === job.oidcServiceAccount);
    if (!sa) {
      problems.push(
        `${where}: its account ${job.oidcServiceAccount} is not a service account of the manifest`,
      );
    } else {
      const roles = sa.grants.map((g) => g.role);
      if (roles.length > 0)
        problems.push(
          `${where}: its account ${sa.accountId} must hold no role (its ID token reaches ${job.target}), but holds ${roles.join(', ')}`,
        );
    }
    const flags = [
      `--schedule=${job.schedule}`,
      `--time-zone=${job.timeZone}`,
      `--uri=${job.uri}`,
      `--http-method=${job.httpMethod}`,
      `--oidc-service-account-email=${job.oidcServiceAccount}`,
      `--oidc-token-audience=${job.audience}`,
      `--attempt-deadline=${job.attemptDeadlineSeconds}s`,
    ];
    const action = upserts.find(
      (a) => a.create.slice(0, 5).join(' ') === `scheduler jobs create http ${job.name}`,
    );
    if (!action) {
      problems.push(`${where} is never created by egressctl deploy`);
      continue;
    }
    if (action.update.slice(0, 5).join(' ') !== `scheduler jobs update http ${job.name}`)
      problems.push(`${where}: egressctl deploy does not update it when it exists`);
    for (const [verb, args] of [
      ['create', action.create],
      ['update', action.update],
    ] as const) {
      for (const flag of flags) {
        if (!args.includes(flag))
          problems.push(`gcloud scheduler jobs ${verb} http ${job.name} lacks ${flag}`);
      }
    }
  }
  // The reverse: a job's account is the invoker of nothing its jobs do not call.
  for (const email of new Set(plan.schedulerJobs.map((j) => j.oidcServiceAccount))) {
    for (const f of plan.functions) {
      const called = plan.schedulerJobs.some(
        (j) => j.target === f.name && j.oidcServiceAccount === email,
      );
      if (f.invokers.includes(email) && !called)
        problems.push(
          `function ${f.name}: ${email} is its invoker but no Scheduler job of it calls it`,
        );
    }
  }
}

/** Basic roles anywhere: the manifest's grants, the Terraform files, cloudbuild.yaml. */
function checkPrimitiveRoles(input: CoverageInput, problems: string[]): void {
  const primitive = new RegExp(
    `(${PRIMITIVE_ROLES.map((r) => r.replace('/', '\\/')).join('|')})(?![A-Za-z0-9_.])`,
    'g',
  );
  for (const sa of input.plan.serviceAccounts) {
    for (const g of sa.grants) {
      if ((PRIMITIVE_ROLES as readonly string[]).includes(g.role)) {
        problems.push(`manifest grants the basic role ${g.role} to ${sa.accountId}`);
      }
    }
  }
  for (const f of input.terraform) {
    f.text.split('\n').forEach((line, i) => {
      const code = line.replace(/#.*$/, '');
      for (const m of code.matchAll(primitive))
        problems.push(`${f.file}:${i + 1} names the basic role ${m[1]}`);
    });
  }
  input.cloudbuild.text.split('\n').forEach((line, i) => {
    for (const m of line.replace(/#.*$/, '').matchAll(primitive)) {
      problems.push(`cloudbuild.yaml:${i + 1} names the basic role ${m[1]}`);
    }
  });
}

/** Runs every check; an empty `problems` means the manifest, build and infra agree. */
export function checkCoverage(input: CoverageInput): CoverageReport {
  const problems: string[] = [];
  const notes: string[] = [];
  checkFunctions(input, problems);
  checkWorkflows(input, problems, notes);
  checkCloudbuild(input, problems);
  checkTerraform(input, problems);
  checkDeadLetterWiring(input, problems);
  checkPermissions(input, problems);
  checkWorkflowCalls(input, problems);
  checkSchedulerJobs(input, problems);
  checkPrimitiveRoles(input, problems);
  return { problems, notes };
}

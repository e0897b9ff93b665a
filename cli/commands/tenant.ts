import type { Command } from 'commander';
import {
  parseTenant,
  SpecValidationError,
  formatSpecError,
  type Tenant,
} from '#shared/spec/index.js';
import { addTargetOptions, resolveApiUrl, type TargetOptions } from '../api-client.js';
import { ExitCode, invalidInput } from '../errors.js';
import {
  addFollowOptions,
  followRun,
  progressOnStdout,
  type FollowOptions,
} from '../follow-run.js';
import { formatTenantList } from '../format/tenants.js';
import { runOutcome } from '../format/run.js';
import { loadSpecFiles } from '../load-specs.js';
import {
  deleteTenant,
  listTenants,
  putEachTenant,
  type TenantChangeAnswer,
} from '../tenant-api.js';

/** The Tenant documents of the files, each parsed on its own (its Environment is the API's). */
async function loadTenants(paths: readonly string[]): Promise<Tenant[]> {
  const loaded = await loadSpecFiles(paths);
  const problems = loaded.errors.map(formatSpecError);
  const tenants: Tenant[] = [];
  for (const document of loaded.documents) {
    const kind = (document.doc as { kind?: unknown } | null)?.kind;
    if (kind !== 'Tenant') {
      problems.push(`${document.source ?? 'document'}: kind ${String(kind)} is not a Tenant`);
      continue;
    }
    try {
      tenants.push(parseTenant(document.doc));
    } catch (error) {
      if (!(error instanceof SpecValidationError)) throw error;
      problems.push(
        ...error.errors.map((e) => formatSpecError({ ...e, source: document.source ?? '' })),
      );
    }
  }
  if (problems.length > 0) throw invalidInput(problems);
  if (tenants.length === 0) throw invalidInput(['the given files hold no Tenant document']);
  return tenants;
}

function describeAnswer(name: string, answer: TenantChangeAnswer): string {
  if (answer.outcome === 'unchanged')
    return `${name}: unchanged (generation ${answer.generation}, applied)`;
  return `${name}: accepted, generation ${answer.generation}, run ${answer.runId}${answer.coalesced ? ' (joins the running run)' : ''}`;
}

/** Follows each distinct run to its end; exit code 1 when one failed. */
async function followRuns(
  apiUrl: string,
  runIds: readonly string[],
  options: FollowOptions,
): Promise<void> {
  for (const runId of new Set(runIds)) {
    const view = await followRun(apiUrl, runId, progressOnStdout(options));
    process.stdout.write(runOutcome(view));
    if (view.run.status === 'FAILED') process.exitCode = ExitCode.invalid;
  }
}

type ChangeOptions = TargetOptions & FollowOptions & { follow?: boolean };

/** `egressctl tenant apply -f FILES`: PUTs each Tenant through the API as the caller. */
async function applyTenants(options: ChangeOptions & { file: string[] }): Promise<void> {
  const tenants = await loadTenants(options.file);
  const { apiUrl } = resolveApiUrl(options);
  const runIds: string[] = [];
  for (const result of await putEachTenant(apiUrl, tenants)) {
    const name = result.tenant.metadata.name;
    if ('refused' in result) {
      process.stdout.write(`${name}: refused: ${result.refused.message}\n`);
      process.exitCode = ExitCode.invalid;
      continue;
    }
    process.stdout.write(`${describeAnswer(name, result.answer)}\n`);
    if (result.answer.outcome === 'accepted') runIds.push(result.answer.runId);
  }
  if (options.follow) await followRuns(apiUrl, runIds, options);
}

/** `egressctl tenant delete ENV NAME`: offboards the tenant. */
async function offboardTenant(
  environment: string,
  name: string,
  options: ChangeOptions,
): Promise<void> {
  const { apiUrl } = resolveApiUrl(options);
  const answer = await deleteTenant(apiUrl, environment, name);
  process.stdout.write(`${describeAnswer(name, answer)}\n`);
  if (options.follow && answer.outcome === 'accepted') {
    await followRuns(apiUrl, [answer.runId], options);
  }
}

/** `egressctl tenants ENV`: the tenants the caller may read, problems first. */
async function showTenants(
  environment: string,
  options: TargetOptions & { output: string; status?: string },
): Promise<void> {
  const { apiUrl } = resolveApiUrl(options);
  const all = await listTenants(apiUrl, environment);
  const wanted = options.status?.toUpperCase();
  const tenants = wanted ? all.filter((t) => t.status === wanted) : all;
  process.stdout.write(
    options.output === 'json'
      ? `${JSON.stringify({ environmentId: environment, tenants }, null, 2)}\n`
      : formatTenantList(environment, tenants),
  );
}

/**
 * `egressctl tenant apply|delete` and `egressctl tenants`: tenants through the API, as the
 * caller (an admin, or a tenant manager whose pattern covers the tenant).
 */
export function registerTenantCommands(program: Command): void {
  const tenant = program
    .command('tenant')
    .description('Change tenants through the API as the caller');
  addTargetOptions(
    addFollowOptions(
      tenant
        .command('apply')
        .description('PUT each Tenant of the files (its environment named in the document)')
        .requiredOption('-f, --file <paths...>', 'Tenant specs (files or directories)')
        .option('--follow', 'follow the runs that apply them to their end'),
    ),
  ).action(applyTenants);
  addTargetOptions(
    addFollowOptions(
      tenant
        .command('delete')
        .description('Offboard a tenant: its objects and grants are removed')
        .argument('<environment>', 'environment name')
        .argument('<name>', 'tenant name')
        .option('--follow', 'follow the run that removes it to its end'),
    ),
  ).action(offboardTenant);
  addTargetOptions(
    program
      .command('tenants')
      .description("List an environment's tenants, failed ones first")
      .argument('<environment>', 'environment name')
      .option(
        '--status <status>',
        'only tenants with this status (APPLIED, PENDING, FAILED, REMOVED)',
      )
      .option('-o, --output <format>', 'text or json', 'text'),
  ).action(showTenants);
}

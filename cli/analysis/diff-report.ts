import {
  accessDiff,
  ANALYZED_KINDS,
  formatAccessChange,
  type AccessChange,
} from '#shared/analysis/index.js';
import { objectDiff, type ObjectChange } from '#shared/plan/object-diff.js';
import { CliError, ExitCode } from '../errors.js';
import { compiledInput, loadAnalysisInput, type AnalysisInput } from './files-input.js';
import {
  loadLiveAnalysisInput,
  type LiveAnalysisInput,
  type LiveSourceOptions,
} from './live-input.js';

/** `egressctl diff`'s options: the proposed spec files, and where the live environment is. */
export type DiffOptions = Omit<LiveSourceOptions, 'env' | 'file'> & {
  file: string[];
  env?: string;
  environment?: string;
  output: 'text' | 'json';
};

/** What `egressctl diff` found: the objects an apply would change and who gains or loses what. */
export interface DiffReport {
  environment: string;
  objects: ObjectChange[];
  access: AccessChange[];
  notes: string[];
}

/**
 * The live side: the environment as stored (its spec and tenants from the API) with the objects
 * of its cluster and its firewall rules; without an API, located through the proposed files
 * (then only the proposed tenants' requests are compared).
 */
async function liveSide(options: DiffOptions, env: string): Promise<LiveAnalysisInput> {
  const { file: proposedFiles, ...where } = options;
  try {
    // The stored specs (from the API), not the proposed files: the live side is what is.
    return await loadLiveAnalysisInput({ ...where, env });
  } catch (error) {
    if (!(error instanceof CliError) || error.exitCode !== ExitCode.usage) throw error;
    const live = await loadLiveAnalysisInput({ ...where, env, file: proposedFiles });
    live.notes.push(
      'no API knows the stored tenants: only the requests the proposed tenants make are compared',
    );
    return { ...live, tenants: [] };
  }
}

/**
 * Compares proposed spec files with a live environment (read-only): every object the product
 * manages that an apply would create, change (field by field) or prune, and every tenant ×
 * request whose access would change, with the deciding object on each side.
 */
export async function diffReport(options: DiffOptions): Promise<DiffReport> {
  let proposed: AnalysisInput;
  let live: LiveAnalysisInput;
  if (options.file.length === 0) {
    // No files: the stored specs against the live environment, what an apply of them would
    // change now; anything changed out of band shows as drift.
    if (!options.env) {
      throw new CliError(
        'diff needs an environment (egressctl diff ENV) or -f FILES',
        ExitCode.usage,
      );
    }
    live = await loadLiveAnalysisInput({ ...options, env: options.env, file: [] });
    proposed = {
      ...compiledInput(live.environment, live.tenants),
      notes: [
        `the stored specs of environment ${options.env} and its ${live.tenants.length} tenants, compiled: what its next apply would do (drift shows here)`,
      ],
    };
  } else {
    proposed = await loadAnalysisInput({
      file: options.file,
      ...((options.env ?? options.environment)
        ? { environment: options.env ?? options.environment }
        : {}),
    });
    if (!proposed.specs) {
      throw new CliError(
        'diff compares specs: give Environment and Tenant files with -f',
        ExitCode.usage,
      );
    }
    live = await liveSide(options, proposed.specs.environment.metadata.name);
  }
  const { environment: proposedEnv, tenants: proposedTenants } = proposed.specs!;
  const name = proposedEnv.metadata.name;
  // The cluster is read for the kinds the analyzer reads: only those are compared.
  const read = new Set<string>(ANALYZED_KINDS.map((k) => k.kind));
  const compared = proposed.objects.filter((o) => read.has(o.kind));
  const skipped = [
    ...new Set(proposed.objects.filter((o) => !read.has(o.kind)).map((o) => o.kind)),
  ];
  const objects = objectDiff(
    name,
    live.objects.filter((o) => read.has(o.kind)),
    compared,
  );
  const access = accessDiff(
    proposedEnv,
    { objects: live.objects, firewalls: live.firewalls, tenants: live.tenants },
    { objects: proposed.objects, firewalls: proposed.firewalls, tenants: proposedTenants },
  );
  const notes = [...live.notes, ...proposed.notes];
  if (skipped.length > 0)
    notes.push(`not compared (not read from the cluster): ${skipped.sort().join(', ')}`);
  return { environment: name, objects, access, notes };
}

const SIGN = { create: '+', update: '~', delete: '-' } as const;

/** The report for people: objects like `terraform plan`, then the access changes, then notes. */
export function formatDiffReport(report: DiffReport): string {
  const count = (action: ObjectChange['action']) =>
    report.objects.filter((c) => c.action === action).length;
  const kinds = (change: AccessChange['change']) =>
    report.access.filter((c) => c.change === change).length;
  const lines = [
    `environment ${report.environment}: ${count('create')} to create, ${count('update')} to update, ${count('delete')} to delete; access ${kinds('gained')} gained, ${kinds('lost')} lost, ${kinds('changed')} changed`,
  ];
  for (const change of report.objects) {
    lines.push(`  ${SIGN[change.action]} ${change.object}`);
    for (const field of change.fields ?? []) {
      lines.push(
        `      ${field.path}: ${JSON.stringify(field.from) ?? '(none)'} → ${JSON.stringify(field.to) ?? '(none)'}`,
      );
    }
  }
  if (report.access.length > 0) {
    lines.push('access:');
    for (const change of report.access) lines.push(`  ${formatAccessChange(change)}`);
  }
  lines.push(...report.notes.map((n) => `note: ${n}`));
  return `${lines.join('\n')}\n`;
}

/** `terraform plan -detailed-exitcode`'s convention: 0 no change, 2 changes. */
export function diffExitCode(report: DiffReport): number {
  return report.objects.length > 0 || report.access.length > 0 ? 2 : 0;
}

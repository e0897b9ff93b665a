import type { Command } from 'commander';
import {
  formatSpecError,
  specHash,
  tenantNamespace,
  validateSourcedDocuments,
  type ParsedDocument,
  type SpecError,
} from '#shared/spec/index.js';
import { compilationProblems } from '#shared/plan/mesh/index.js';
import { CliError, ExitCode } from '../errors.js';
import { outputFormatOption } from '../options.js';
import { loadSpecFiles, seedProblems } from '../load-specs.js';

/** `egressctl validate -f PATH... [-o text|json]`: parses and checks spec files, offline. */
export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description(
      'Check Environment and Tenant specs (schema, CIDR math, names, tenant rules) without touching any cloud.',
    )
    .requiredOption(
      '-f, --filename <paths...>',
      'spec files or directories (*.yaml, *.yml, *.json)',
    )
    .addOption(outputFormatOption(['text', 'json'], 'text'))
    .action(async (options: { filename: string[]; output: 'text' | 'json' }) => {
      const loaded = await loadSpecFiles(options.filename);
      if (
        loaded.documents.length === 0 &&
        loaded.seeds.length === 0 &&
        loaded.errors.length === 0
      ) {
        throw new CliError(`egressctl: no spec documents in ${options.filename.join(', ')}`);
      }
      const { documents, errors: specErrors } = validateSourcedDocuments(loaded.documents);
      // A set the schema accepts must also be one the gateway can express (see compilationProblems).
      const compileErrors =
        specErrors.length === 0
          ? compilationProblems({
              environments: documents.flatMap((d) => (d.kind === 'Environment' ? [d.spec] : [])),
              tenants: documents.flatMap((d) => (d.kind === 'Tenant' ? [d.spec] : [])),
            })
          : [];
      // LocalSeed documents are not specs, but a file given to validate is checked whole.
      const errors = inFileOrder(loaded.files, [
        ...loaded.errors,
        ...specErrors,
        ...compileErrors,
        ...seedProblems(loaded.seeds),
      ]);
      if (options.output === 'json') {
        const report = {
          ok: errors.length === 0,
          documents: documents.map((d) => ({
            source: d.source,
            kind: d.kind,
            name: d.spec.metadata.name,
            hash: specHash(d.spec),
          })),
          localSeeds: loaded.seeds.map((seed) => ({ source: seed.source, kind: 'LocalSeed' })),
          errors,
        };
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } else if (errors.length === 0) {
        for (const document of documents) process.stdout.write(`${summarize(document)}\n`);
        for (const seed of loaded.seeds) {
          process.stdout.write(
            `${seed.source}: LocalSeed valid (read by the local GCP simulator only; never sent to the API)\n`,
          );
        }
      } else {
        for (const error of errors) process.stderr.write(`${formatSpecError(error)}\n`);
        const sources = new Set(errors.map((e) => e.source ?? ''));
        process.stderr.write(
          `${errors.length} ${errors.length === 1 ? 'problem' : 'problems'} in ${sources.size} ${sources.size === 1 ? 'document' : 'documents'}\n`,
        );
      }
      if (errors.length > 0) process.exitCode = ExitCode.invalid;
    });
}

/** Syntax and validation errors merged in file and document order, so a user reads top down. */
function inFileOrder(files: string[], errors: SpecError[]): SpecError[] {
  const rank = (error: SpecError): [number, number] => {
    const match = /^(.*)#(\d+)$/.exec(error.source ?? '');
    if (!match) return [Infinity, 0];
    const file = files.indexOf(match[1] ?? '');
    return [file < 0 ? Infinity : file, Number(match[2])];
  };
  return errors
    .map((error, index) => ({ error, index, rank: rank(error) }))
    .sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1] || a.index - b.index)
    .map(({ error }) => error);
}

function summarize(document: ParsedDocument): string {
  const where = document.source === undefined ? '' : `${document.source}: `;
  if (document.kind === 'Environment') {
    const { spec, metadata } = document.spec;
    return `${where}Environment "${metadata.name}" valid (project ${spec.project}, zone ${spec.zone}, cluster ${spec.cluster.name}, ${spec.cluster.nodeCount}+${spec.gatewayPool.nodeCount} nodes)`;
  }
  const tenant = document.spec;
  const rules = tenant.spec.egress.length;
  return `${where}Tenant "${tenant.metadata.name}" valid (environment ${tenant.spec.environment}, namespace ${tenantNamespace(tenant)}, ${rules} egress ${rules === 1 ? 'rule' : 'rules'}, state ${tenant.spec.state})`;
}

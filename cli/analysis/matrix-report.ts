import { findings, formatDifferences, matrix, verifyReachability } from '#shared/analysis/index.js';
import { formatMatrix } from '../format/matrix.js';
import { loadCommandInput, type AnalysisCommandSource } from './command-input.js';

/** What the matrix covers and how it is printed (`egressctl matrix`'s options). */
export interface MatrixOptions extends AnalysisCommandSource {
  tenant?: string[];
  host?: string[];
  ungranted?: string[];
  output: 'text' | 'json';
}

/**
 * Every tenant × host verdict, the findings, and for a live environment whose tenant specs are
 * known the differences from what they grant: `egressctl matrix`'s output, also the summary of
 * `egressctl up` when its run recorded no matrix.
 */
export async function runMatrix(options: MatrixOptions): Promise<string> {
  const input = await loadCommandInput(options);
  const table = matrix(
    input.objects,
    input.firewalls,
    { tenants: options.tenant, hosts: options.host, sampleUngranted: options.ungranted },
    input.options,
  );
  const found = findings(input.objects, input.firewalls, {
    ...input.options,
    tenants: options.tenant,
  });
  // A live environment whose tenant specs are known is also held to them, as the tenants step
  // holds it after every apply.
  const differences =
    input.environment && input.tenants?.length
      ? formatDifferences(
          verifyReachability(input.environment, input.tenants, input.objects, input.firewalls)
            .differences,
        )
      : undefined;
  if (options.output === 'json') {
    return `${JSON.stringify({ ...table, findings: found, ...(differences ? { differences } : {}), notes: input.notes }, null, 2)}\n`;
  }
  const findingLines = found.map((f) => `  [${f.severity}] ${f.kind}: ${f.message}`);
  return [
    formatMatrix(table),
    found.length ? `findings (${found.length}):\n${findingLines.join('\n')}\n` : 'findings: none\n',
    ...(differences === undefined
      ? []
      : [
          differences.length
            ? `differences from what the tenant specs grant (${differences.length}):\n${differences.map((d) => `  ${d}`).join('\n')}\n`
            : 'differences from what the tenant specs grant: none\n',
        ]),
    ...input.notes.map((n) => `note: ${n}\n`),
  ].join('\n');
}

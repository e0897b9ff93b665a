import { Option, type Command } from 'commander';
import {
  findings,
  formatDifferences,
  matrix,
  parseReachabilityRow,
  verifyReachability,
  type ReachabilityMatrix,
} from '../../shared/analysis/index.js';
import { type AnalysisCommandSource, loadCommandInput } from './check.js';
import { addLiveOptions } from './live-analysis.js';

interface MatrixCommandOptions extends AnalysisCommandSource {
  tenant?: string[];
  host?: string[];
  ungranted?: string[];
  output: 'text' | 'json';
}

function formatMatrix(table: ReachabilityMatrix): string {
  const width = Math.max(...table.urls.map((u) => u.length), 3);
  const textOf = (tenant: string, url: string): string => {
    const cell = table.cells.find((c) => c.tenant === tenant && c.url === url);
    return cell ? `${cell.verdict}${cell.via ? ` (${cell.via})` : ''}` : '-';
  };
  const columns = table.tenants.map((t) =>
    Math.max(t.length, ...table.urls.map((url) => textOf(t, url).length)),
  );
  const pad = (s: string, n: number): string => s.padEnd(n);
  const lines = [
    [pad('URL', width), ...table.tenants.map((t, i) => pad(t, columns[i] ?? 0))]
      .join('  ')
      .trimEnd(),
  ];
  for (const url of table.urls) {
    const row = table.tenants.map((tenant, i) => pad(textOf(tenant, url), columns[i] ?? 0));
    const marker = table.cells.some((c) => c.url === url && c.ungranted)
      ? ' [ungranted sample]'
      : '';
    lines.push([pad(url, width), ...row].join('  ').trimEnd() + marker);
  }
  return lines.join('\n') + '\n';
}

/**
 * The matrix a tenants step recorded in its run (`outputs.reachability`, one
 * `TENANT METHOD URL VERDICT [via]` row per cell) as the same table `matrix` prints; a method
 * other than GET prefixes its URL. Undefined when the outputs hold no rows.
 */
export function formatRecordedMatrix(
  outputs: Record<string, unknown> | undefined,
): string | undefined {
  const rows = Array.isArray(outputs?.reachability) ? (outputs.reachability as unknown[]) : [];
  const parsed = rows.flatMap((row) => {
    const cell = typeof row === 'string' ? parseReachabilityRow(row) : undefined;
    return cell ? [cell] : [];
  });
  if (parsed.length === 0) return undefined;
  const label = (c: { method: string; url: string }) =>
    c.method === 'GET' ? c.url : `${c.method} ${c.url}`;
  const table: ReachabilityMatrix = {
    tenants: [...new Set(parsed.map((c) => c.tenant))],
    urls: [...new Set(parsed.map(label))],
    cells: parsed.map((c) => ({
      tenant: c.tenant,
      url: label(c),
      verdict: c.verdict,
      ...(c.via ? { via: c.via } : {}),
      ungranted: false,
    })),
  };
  const truncated = outputs?.reachabilityTruncated === true;
  return (
    formatMatrix(table) +
    (truncated
      ? `(${String(outputs?.reachabilityChecked)} cells checked; only the ALLOWED ones are recorded)\n`
      : '')
  );
}

/** Runs `matrix` and returns its output. */
export async function runMatrix(options: MatrixCommandOptions): Promise<string> {
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

/** `egressctl matrix -f PATH... | --env NAME [-o text|json]`. */
export function registerMatrixCommand(program: Command): void {
  const command = program
    .command('matrix')
    .description(
      'Verdicts of every tenant × every granted host (http and https) plus ungranted samples, and the findings',
    )
    .option(
      '-f, --file <paths...>',
      'rendered Kubernetes/Istio YAML, or Environment/Tenant specs (with --env: where its spec is)',
    )
    .option('--firewalls <file>', 'YAML list of compute Firewall bodies')
    .option('-e, --environment <name>', 'the Environment to compile when the files hold several')
    .option('--tenant <namespaces...>', 'source namespaces (default: the mesh tenant namespaces)')
    .option('--host <hosts...>', 'hosts to check (default: every host some tenant is granted)')
    .option(
      '--ungranted <hosts...>',
      'hosts no tenant should reach (default: example.org example.net)',
    )
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(['text', 'json'])
        .default('text'),
    );
  addLiveOptions(command).action(async (options: MatrixCommandOptions) => {
    process.stdout.write(await runMatrix(options));
  });
}

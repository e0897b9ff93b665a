import { Option, type Command } from 'commander';
import { findings, matrix, type ReachabilityMatrix } from '../../shared/analysis/index.js';
import { type AnalysisSourceOptions, loadAnalysisInput } from './check.js';

interface MatrixCommandOptions extends AnalysisSourceOptions {
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

/** Runs `matrix` and returns its output. */
export async function runMatrix(options: MatrixCommandOptions): Promise<string> {
  const input = await loadAnalysisInput(options);
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
  if (options.output === 'json') {
    return `${JSON.stringify({ ...table, findings: found, notes: input.notes }, null, 2)}\n`;
  }
  const findingLines = found.map((f) => `  [${f.severity}] ${f.kind}: ${f.message}`);
  return [
    formatMatrix(table),
    found.length ? `findings (${found.length}):\n${findingLines.join('\n')}\n` : 'findings: none\n',
    ...input.notes.map((n) => `note: ${n}\n`),
  ].join('\n');
}

/** `egressctl matrix -f PATH... [-o text|json]`. */
export function registerMatrixCommand(program: Command): void {
  program
    .command('matrix')
    .description(
      'Verdicts of every tenant × every granted host (http and https) plus ungranted samples, and the findings',
    )
    .requiredOption(
      '-f, --file <paths...>',
      'rendered Kubernetes/Istio YAML, or Environment/Tenant specs',
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
    )
    .action(async (options: MatrixCommandOptions) => {
      process.stdout.write(await runMatrix(options));
    });
}

import { parseReachabilityRow, type ReachabilityMatrix } from '#shared/analysis/index.js';

/** A reachability matrix as a table: one row per URL, one column per tenant. */
export function formatMatrix(table: ReachabilityMatrix): string {
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

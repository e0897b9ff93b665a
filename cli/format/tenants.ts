import type { TenantRecord, TenantStatus } from '#shared/state/types.js';

/** Problems first: what needs a person comes before what is done. */
const STATUS_ORDER: readonly TenantStatus[] = ['FAILED', 'PENDING', 'APPLIED', 'REMOVED'];

/**
 * An environment's tenants for people: a summary line of counts by status, then one row per
 * tenant (name, status, generation, the last error's reason and message), failed ones first,
 * then by name, so a thousand tenants stay readable and `grep`-able.
 */
export function formatTenantList(environment: string, tenants: readonly TenantRecord[]): string {
  const counts = STATUS_ORDER.map(
    (status) => [status, tenants.filter((t) => t.status === status).length] as const,
  )
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`);
  const summary = `environment ${environment}: ${tenants.length} tenant${tenants.length === 1 ? '' : 's'}${counts.length ? ` (${counts.join(', ')})` : ''}\n`;
  if (tenants.length === 0) return summary;
  const rows = [...tenants]
    .sort(
      (a, b) =>
        STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    )
    .map((t) => [
      t.id,
      t.status,
      String(t.generation),
      t.error ? `${t.error.reason}: ${t.error.message}` : '',
    ]);
  const header = ['TENANT', 'STATUS', 'GEN', 'ERROR'];
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (i < 3 ? (row[i] ?? '').length : 0))),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i < 3 ? cell.padEnd(widths[i] ?? 0) : cell))
      .join('  ')
      .trimEnd();
  return `${summary}${[header, ...rows].map(line).join('\n')}\n`;
}

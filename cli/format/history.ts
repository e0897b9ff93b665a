import type { AccessHistoryEntry, CellVerdict, RunTrigger } from '#shared/state/types.js';

/** A REQUEST column wider than this stops padding: one long URL does not push every row right. */
const MAX_REQUEST_WIDTH = 60;

/** Whose request the run was: the API caller, the Pub/Sub message, the build. */
export function formatTrigger(trigger: RunTrigger): string {
  if (trigger.type === 'pubsub') return `pubsub:${trigger.messageId ?? '?'}`;
  if (trigger.type === 'build') return `build:${trigger.buildId ?? '?'}`;
  return trigger.caller ?? trigger.type;
}

function verdict(cell: CellVerdict | undefined): string {
  if (!cell) return '-';
  return cell.via ? `${cell.verdict} ${cell.via}` : cell.verdict;
}

/** An instant to the second, as a reader scans it: `2026-01-01T00:00:05Z`. */
function when(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z');
}

function counted(entries: readonly AccessHistoryEntry[]): string {
  const counts = (['gained', 'lost', 'changed'] as const)
    .map((change) => [change, entries.filter((e) => e.change === change).length] as const)
    .filter(([, n]) => n > 0)
    .map(([change, n]) => `${n} ${change}`);
  return counts.length > 0 ? ` (${counts.join(', ')})` : '';
}

/**
 * The access history for people: a summary line, then one row per changed cell, newest first
 * (as the API lists them): when, gained/lost/changed, tenant, the request, the verdict before →
 * after, the run and whose request it was. Columns are aligned, so a thousand rows stay readable
 * and `grep`-able; `more` says the listing stopped at the limit.
 */
export function formatAccessHistory(
  environment: string,
  entries: readonly AccessHistoryEntry[],
  options: { tenant?: string; more?: boolean } = {},
): string {
  const scope = options.tenant ? ` for tenant ${options.tenant}` : '';
  const noun = entries.length === 1 ? 'change' : 'changes';
  const summary = `environment ${environment}: ${entries.length} access ${noun}${scope}${counted(entries)}, newest first\n`;
  const footer = options.more ? 'more entries are recorded: raise --limit to see them\n' : '';
  if (entries.length === 0) return `${summary}${footer}`;
  const rows = entries.map((e) => [
    when(e.appliedAt),
    e.change,
    e.tenant,
    `${e.method} ${e.url}`,
    `${verdict(e.from)} → ${verdict(e.to)}`,
    e.run.id,
    formatTrigger(e.run.trigger),
  ]);
  const header = ['WHEN', 'CHANGE', 'TENANT', 'REQUEST', 'BEFORE → AFTER', 'RUN', 'BY'];
  const last = header.length - 1;
  const widths = header.map((h, i) => {
    const widest = Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length));
    return i === 3 ? Math.min(widest, MAX_REQUEST_WIDTH) : widest;
  });
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i < last ? cell.padEnd(widths[i] ?? 0) : cell))
      .join('  ')
      .trimEnd();
  return `${summary}${[header, ...rows].map(line).join('\n')}\n${footer}`;
}

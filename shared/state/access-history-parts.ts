/**
 * How one run's access changes are cut into documents: Firestore refuses a document over 1 MiB
 * and a commit over 10 MiB, and the first run of an environment of 1,000 tenants gains thousands
 * of cells at once. Each document holds at most {@link MAX_CELLS_PER_PART} cells and
 * {@link MAX_PART_BYTES} of them; a change keeps at most {@link MAX_PARTS} documents (written in
 * one transaction with the environment), and says how many cells it left out beyond them.
 */
import type { AccessHistoryCell, AccessHistoryRun } from './types.js';

export const MAX_CELLS_PER_PART = 500;
/** A quarter of Firestore's 1 MiB document limit, room for the rest of the document. */
export const MAX_PART_BYTES = 256 * 1024;
/** 32 × 256 KiB + the environment (≤ 1 MiB) stays under Firestore's 10 MiB per commit. */
export const MAX_PARTS = 32;

/** `environments/{env}/accessHistory/{runId}.{pass}.{part}`. */
export interface AccessHistoryDocument {
  environment: string;
  /**
   * Orders the documents newest first when read descending: the time, the run, the pass, then
   * the part counted down, so that a change's first part (its first tenants) is read first.
   */
  sortKey: string;
  /** `{runId}.{pass}`: one application of a tenants step result. */
  changeId: string;
  part: number;
  parts: number;
  appliedAt: string;
  run: AccessHistoryRun;
  /** The tenants of `entries`, for the tenant filter (an array-contains query). */
  tenants: string[];
  entries: AccessHistoryCell[];
  /** On the last part: cells of the change beyond {@link MAX_PARTS} documents, not recorded. */
  omitted?: number;
}

/** Cells in the order a reader wants them: by tenant, then request. */
function compareCells(a: AccessHistoryCell, b: AccessHistoryCell): number {
  const key = (c: AccessHistoryCell) => [c.tenant, c.url, c.method];
  const [x, y] = [key(a), key(b)];
  for (let i = 0; i < x.length; i++) {
    if (x[i]! < y[i]!) return -1;
    if (x[i]! > y[i]!) return 1;
  }
  return 0;
}

function sortKeyOf(appliedAt: string, changeId: string, part: number): string {
  const countdown = String(MAX_PARTS - 1 - part).padStart(2, '0');
  return `${appliedAt}|${changeId}|${countdown}`;
}

/** The documents of one change: bounded by count and bytes, ordered cells, at least one cell each. */
export function accessHistoryDocuments(change: {
  environment: string;
  run: AccessHistoryRun;
  pass: number;
  appliedAt: string;
  cells: readonly AccessHistoryCell[];
}): AccessHistoryDocument[] {
  const cells = [...change.cells].sort(compareCells);
  const groups: AccessHistoryCell[][] = [];
  let current: AccessHistoryCell[] = [];
  let bytes = 0;
  for (const cell of cells) {
    const size = Buffer.byteLength(JSON.stringify(cell));
    const full = current.length >= MAX_CELLS_PER_PART || bytes + size > MAX_PART_BYTES;
    if (full && current.length > 0) {
      groups.push(current);
      if (groups.length === MAX_PARTS) break;
      current = [];
      bytes = 0;
    }
    current.push(cell);
    bytes += size;
  }
  if (groups.length < MAX_PARTS && current.length > 0) groups.push(current);
  const omitted = cells.length - groups.reduce((n, group) => n + group.length, 0);
  const changeId = `${change.run.id}.${change.pass}`;
  return groups.map((entries, part) => ({
    environment: change.environment,
    sortKey: sortKeyOf(change.appliedAt, changeId, part),
    changeId,
    part,
    parts: groups.length,
    appliedAt: change.appliedAt,
    run: change.run,
    tenants: [...new Set(entries.map((cell) => cell.tenant))],
    entries,
    ...(omitted > 0 && part === groups.length - 1 ? { omitted } : {}),
  }));
}

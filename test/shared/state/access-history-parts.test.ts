import { describe, expect, it } from 'vitest';
import {
  MAX_CELLS_PER_PART,
  MAX_PART_BYTES,
  MAX_PARTS,
  accessHistoryDocuments,
} from '../../../shared/state/access-history-parts.js';
import type { AccessHistoryCell } from '../../../shared/state/types.js';

const cell = (tenant: string, url: string): AccessHistoryCell => ({
  tenant,
  method: 'GET',
  url,
  change: 'gained',
  to: { verdict: 'ALLOWED', via: 'tls-origination' },
});

const change = (cells: AccessHistoryCell[]) =>
  accessHistoryDocuments({
    environment: 'tutorial',
    run: { id: 'run-1', kind: 'provision', trigger: { type: 'http', caller: 'user:a@x.dev' } },
    pass: 3,
    appliedAt: '2026-01-01T00:00:00.000Z',
    cells,
  });

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

describe('access history documents', () => {
  it('records no document for no change', () => {
    expect(change([])).toEqual([]);
  });

  it('keeps every document of 1,000 tenants × 3 requests far below 1 MiB, cells in order', () => {
    const cells = Array.from({ length: 1000 }, (_, t) =>
      ['a', 'b', 'c'].map((h) =>
        cell(`tenant-${String(t).padStart(4, '0')}`, `http://${h}.example/${'p'.repeat(120)}`),
      ),
    ).flat();
    const docs = change([...cells].reverse());
    expect(docs.length).toBe(Math.ceil(3000 / MAX_CELLS_PER_PART));
    for (const doc of docs) {
      expect(doc.entries.length).toBeLessThanOrEqual(MAX_CELLS_PER_PART);
      expect(bytes(doc)).toBeLessThan(MAX_PART_BYTES + 64 * 1024);
      expect(doc.tenants).toEqual([...new Set(doc.entries.map((e) => e.tenant))]);
      expect(doc).toMatchObject({ changeId: 'run-1.3', parts: docs.length });
    }
    expect(docs.flatMap((d) => d.entries)).toEqual(cells);
    // Read descending by sortKey, the parts come in their own order: the first tenants first.
    const descending = [...docs].sort((a, b) => (a.sortKey < b.sortKey ? 1 : -1));
    expect(descending.map((d) => d.part)).toEqual(docs.map((d) => d.part));
    expect(docs.every((d) => d.omitted === undefined)).toBe(true);
  });

  it('cuts by bytes when cells are long, and says how many it left out past the last part', () => {
    const long = Array.from({ length: 3000 }, (_, i) =>
      cell(`t-${String(i).padStart(4, '0')}`, `http://h.example/${'q'.repeat(4000)}`),
    );
    const docs = change(long);
    expect(docs.length).toBe(MAX_PARTS);
    for (const doc of docs) expect(bytes(doc.entries)).toBeLessThanOrEqual(MAX_PART_BYTES);
    const kept = docs.reduce((n, d) => n + d.entries.length, 0);
    expect(kept).toBeLessThan(long.length);
    expect(docs.at(-1)?.omitted).toBe(long.length - kept);
    expect(docs.slice(0, -1).every((d) => d.omitted === undefined)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { formatTenantList } from '../../../cli/format/tenants.js';
import type { TenantRecord } from '../../../shared/state/types.js';

const record = (id: string, status: TenantRecord['status'], extra: Partial<TenantRecord> = {}) =>
  ({ id, status, generation: 1, ...extra }) as TenantRecord;

describe('formatTenantList', () => {
  it('counts by status, then lists failed tenants first, then by name, in aligned columns', () => {
    const text = formatTenantList('tutorial', [
      record('team-b', 'APPLIED'),
      record('team-a', 'APPLIED', { generation: 12 }),
      record('payroll', 'FAILED', {
        error: { kind: 'permanent', reason: 'not-owned', message: 'namespace payroll is not ours' },
      }),
      record('ops', 'PENDING'),
    ]);
    expect(text).toBe(
      [
        'environment tutorial: 4 tenants (1 FAILED, 1 PENDING, 2 APPLIED)',
        'TENANT   STATUS   GEN  ERROR',
        'payroll  FAILED   1    not-owned: namespace payroll is not ours',
        'ops      PENDING  1',
        'team-a   APPLIED  12',
        'team-b   APPLIED  1',
        '',
      ].join('\n'),
    );
  });

  it('says so when there is no tenant, and stays one line per tenant at 1,000', () => {
    expect(formatTenantList('empty', [])).toBe('environment empty: 0 tenants\n');
    const many = Array.from({ length: 1000 }, (_, i) =>
      record(`t-${String(i).padStart(4, '0')}`, 'APPLIED'),
    );
    const lines = formatTenantList('big', many).trimEnd().split('\n');
    expect(lines).toHaveLength(1002);
    expect(lines[0]).toBe('environment big: 1000 tenants (1000 APPLIED)');
    expect(lines[2]).toBe('t-0000  APPLIED  1');
  });
});

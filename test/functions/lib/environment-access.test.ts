import { describe, expect, it } from 'vitest';
import {
  mayReadTenant,
  notEnvironmentReader,
  notTenantManager,
  readsEveryTenant,
} from '../../../functions/lib/environment-access.js';
import { parseEnvironment, tenantPatternCovers } from '../../../shared/spec/index.js';
import { environmentRequest } from '../../support/functions-env.js';

const stored = {
  id: 'tutorial',
  createdBy: 'user:alice@example.com',
  spec: parseEnvironment(
    environmentRequest('tutorial', {
      admins: ['serviceAccount:ci@p.iam.gserviceaccount.com'],
      tenantManagers: [
        { principal: 'user:bob@example.com', tenants: ['team-*', 'billing'] },
        { principal: 'user:ops@example.com', tenants: ['*'] },
      ],
      viewers: ['user:vera@example.com'],
    }),
  ),
};

describe('tenant patterns', () => {
  it('cover a name exactly, by prefix, or every name', () => {
    expect(tenantPatternCovers('team-x', 'team-x')).toBe(true);
    expect(tenantPatternCovers('team-x', 'team-xy')).toBe(false);
    expect(tenantPatternCovers('team-*', 'team-xy')).toBe(true);
    expect(tenantPatternCovers('team-*', 'teams')).toBe(false);
    expect(tenantPatternCovers('*', 'anything')).toBe(true);
  });

  it('are refused by the schema when they are neither a name, a prefix* nor *', () => {
    for (const tenants of [['Team'], ['*-x'], ['te*m'], ['**'], []]) {
      expect(
        () =>
          parseEnvironment(
            environmentRequest('tutorial', {
              tenantManagers: [{ principal: 'user:bob@example.com', tenants }],
            }),
          ),
        JSON.stringify(tenants),
      ).toThrow(/spec\.tenantManagers\[0\]\.tenants/);
    }
  });
});

describe('who may manage and read tenants', () => {
  it('lets admins manage every tenant, managers those their patterns cover, nobody else', () => {
    expect(notTenantManager(stored, 'user:alice@example.com', 'anything')).toBeUndefined();
    expect(
      notTenantManager(stored, 'serviceAccount:CI@p.iam.gserviceaccount.com', 'x'),
    ).toBeUndefined();
    expect(notTenantManager(stored, 'user:bob@example.com', 'team-x')).toBeUndefined();
    expect(notTenantManager(stored, 'user:bob@example.com', 'billing')).toBeUndefined();
    expect(notTenantManager(stored, 'user:bob@example.com', 'billing-2')).toMatchObject({
      kind: 'forbidden',
      reason: 'not-tenant-manager',
    });
    expect(notTenantManager(stored, 'user:ops@example.com', 'billing-2')).toBeUndefined();
    expect(notTenantManager(stored, 'user:vera@example.com', 'team-x')?.reason).toBe(
      'not-tenant-manager',
    );
  });

  it('lets admins, viewers and managers read; only admins and viewers read every tenant', () => {
    for (const reader of [
      'user:alice@example.com',
      'user:vera@example.com',
      'user:bob@example.com',
    ]) {
      expect(notEnvironmentReader(stored, reader), reader).toBeUndefined();
    }
    expect(notEnvironmentReader(stored, 'user:mallory@example.com')?.reason).toBe(
      'not-environment-reader',
    );
    expect(readsEveryTenant(stored, 'user:vera@example.com')).toBe(true);
    expect(readsEveryTenant(stored, 'user:bob@example.com')).toBe(false);
    expect(mayReadTenant(stored, 'user:bob@example.com', 'team-q')).toBe(true);
    expect(mayReadTenant(stored, 'user:bob@example.com', 'payroll')).toBe(false);
  });
});

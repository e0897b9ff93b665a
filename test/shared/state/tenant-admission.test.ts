import { describe, expect, it } from 'vitest';
import { createMemoryStores } from '../../../shared/state/memory.js';
import { parseTenant, type Tenant } from '../../../shared/spec/index.js';

const tenant = (host: string): Tenant =>
  parseTenant({
    apiVersion: 'egress.provisioner.dev/v1alpha1',
    kind: 'Tenant',
    metadata: { name: 'team-y' },
    spec: { environment: 'tutorial', egress: [{ host, mode: 'http' }] },
  });

describe('tenant ordering and teardown in the tenant store', () => {
  it('never lets an older source replace a newer spec (0 writes)', async () => {
    const stores = createMemoryStores();
    await stores.tenants.put('tutorial', tenant('new.example.com'), {
      sourceTime: '2026-01-01T00:00:10Z',
    });
    const before = stores.backend.dump();
    const stale = await stores.tenants.put('tutorial', tenant('old.example.com'), {
      sourceTime: '2026-01-01T00:00:05Z',
    });
    expect(stale).toMatchObject({ changed: false, stale: true });
    expect(stores.backend.dump()).toEqual(before);
    const newer = await stores.tenants.put('tutorial', tenant('newer.example.com'), {
      sourceTime: '2026-01-01T00:00:20Z',
    });
    expect(newer).toMatchObject({ changed: true, record: { generation: 2 } });
  });

  it('removes every tenant of an environment, and only of it', async () => {
    const stores = createMemoryStores();
    await stores.tenants.put('tutorial', tenant('a.example.com'));
    await stores.tenants.put('other', tenant('a.example.com'));
    expect(await stores.tenants.removeAll('tutorial')).toBe(1);
    expect(await stores.tenants.list('tutorial')).toEqual([]);
    expect(await stores.tenants.list('other')).toHaveLength(1);
  });
});

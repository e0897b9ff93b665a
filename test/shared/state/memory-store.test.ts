import { describe, expect, it } from 'vitest';
import { MemoryDocumentBackend, createMemoryStores } from '../../../shared/state/memory.js';
import { ManualClock } from '../../support/clock.js';
import { describeTimestampBackendContract } from './backend-contract.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('memory store', async (options) => {
  const clock = new ManualClock();
  return { stores: createMemoryStores(clock, options), clock };
});

describeTimestampBackendContract('memory backend', async () => new MemoryDocumentBackend());

describe('memory store: message records', () => {
  it('keeps expireAt as an ISO-8601 string, the other fields as they were', async () => {
    const { runs, backend } = createMemoryStores(new ManualClock());
    await runs.recordMessage({
      id: 'm1',
      topic: 'tenant-events',
      outcome: 'accepted',
      receivedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(backend.dump()).toEqual({
      'messages/m1': {
        id: 'm1',
        topic: 'tenant-events',
        outcome: 'accepted',
        receivedAt: '2026-01-01T00:00:00.000Z',
        expireAt: '2026-02-02T00:00:00.000Z',
      },
    });
  });
});

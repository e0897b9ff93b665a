import { createMemoryStores } from '../../shared/state/memory.js';
import { ManualClock } from '../support/clock.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('memory store', async () => {
  const clock = new ManualClock();
  return { stores: createMemoryStores(clock), clock };
});

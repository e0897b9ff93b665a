/** The GCP API simulator: see server.ts. */
export { startGcpSimulator, RequestCounters } from './server.js';
export type { GcpSimulator, GcpSimulatorOptions } from './server.js';
export type { ClusterHooks } from './handler.js';
export { ManualClock, systemClock, type Clock } from './clock.js';
export type { FaultScript, FaultRule } from './faults.js';
export { realDurationsSeconds, durationMs, type OperationKind } from './latency.js';
export type { SimState } from './store.js';
export { gcloudEndpointOverrides } from './endpoints.js';
export {
  applySeed,
  isLocalSeedDocument,
  mergeSeeds,
  parseSeed,
  parseSeedDocument,
  readSeedFile,
  SeedError,
  SimSeedSchema,
  LOCAL_SEED_API_VERSION,
  LOCAL_SEED_KIND,
  type SimSeed,
} from './seed.js';

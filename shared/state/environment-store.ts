import { PermanentError } from '../errors.js';
import type { StepName, StepOutputs } from '../core/step-contract.js';
import type { DocumentBackend } from './backend.js';
import { plain } from './hash.js';
import type {
  ClaimResult,
  Clock,
  EnvironmentRecord,
  EnvironmentStatus,
  EnvironmentStore,
  LeaseResult,
} from './types.js';
import { envPath, leaseLive, leaseUntil, withoutUndefined } from './documents.js';

/** Environments and their leases (`environments/{env}`). */
export class DocumentEnvironmentStore implements EnvironmentStore {
  constructor(
    private readonly db: DocumentBackend,
    private readonly clock: Clock,
  ) {}

  async get(id: string) {
    return this.db.get<EnvironmentRecord>(envPath(id));
  }

  async list() {
    return this.db.list<EnvironmentRecord>('environments');
  }

  async update(id: string, patch: { status?: EnvironmentStatus; currentRun?: string }) {
    return this.db.transaction(async (tx) => {
      const env = await tx.get<EnvironmentRecord>(envPath(id));
      if (!env) return undefined;
      const next: EnvironmentRecord = {
        ...env,
        ...withoutUndefined(patch),
        updatedAt: this.clock.now().toISOString(),
      };
      tx.set(envPath(id), next);
      return next;
    });
  }

  async mergeOutputs(id: string, step: StepName, outputs: StepOutputs) {
    // A field update, not a read-modify-write: parallel steps never overwrite each other.
    const found = await this.db.updateFields(envPath(id), [
      { path: ['outputs', step], value: plain(outputs) },
      { path: ['updatedAt'], value: this.clock.now().toISOString() },
    ]);
    if (!found) throw new PermanentError('not-found', `environment ${id} does not exist`);
  }

  async acquireLease(id: string, holder: string, ttlSeconds: number): Promise<LeaseResult> {
    return this.db.transaction(async (tx) => {
      const env = await tx.get<EnvironmentRecord>(envPath(id));
      if (!env) throw new PermanentError('not-found', `environment ${id} does not exist`);
      const now = this.clock.now();
      if (leaseLive(env.lease, now) && env.lease.holder !== holder) {
        return { acquired: false, lease: env.lease };
      }
      const stolenFrom = env.lease && env.lease.holder !== holder ? env.lease.holder : undefined;
      const lease = leaseUntil(holder, now, ttlSeconds);
      tx.set(envPath(id), { ...env, lease, updatedAt: now.toISOString() });
      return stolenFrom ? { acquired: true, lease, stolenFrom } : { acquired: true, lease };
    });
  }

  async renewLease(id: string, holder: string, ttlSeconds: number) {
    return this.db.transaction(async (tx) => {
      const env = await tx.get<EnvironmentRecord>(envPath(id));
      if (!env || env.lease?.holder !== holder) return false;
      const now = this.clock.now();
      tx.set(envPath(id), {
        ...env,
        lease: leaseUntil(holder, now, ttlSeconds),
        updatedAt: now.toISOString(),
      });
      return true;
    });
  }

  async releaseLease(id: string, holder: string) {
    return this.db.transaction(async (tx) => {
      const env = await tx.get<EnvironmentRecord>(envPath(id));
      if (!env || env.lease?.holder !== holder) return false;
      const { lease: _released, ...rest } = env;
      tx.set(envPath(id), { ...rest, updatedAt: this.clock.now().toISOString() });
      return true;
    });
  }

  async acquireLeaseOrMarkDirty(
    id: string,
    holder: string,
    ttlSeconds: number,
  ): Promise<ClaimResult> {
    return this.db.transaction(async (tx) => {
      const env = await tx.get<EnvironmentRecord>(envPath(id));
      if (!env) return { acquired: false, notFound: true };
      const now = this.clock.now();
      if (leaseLive(env.lease, now) && env.lease.holder !== holder) {
        tx.set(envPath(id), { ...env, dirty: true, updatedAt: now.toISOString() });
        return { acquired: false, lease: env.lease, markedDirty: true };
      }
      const lease = leaseUntil(holder, now, ttlSeconds);
      // The new holder reconciles the full desired set: earlier dirt is covered by it.
      tx.set(envPath(id), { ...env, lease, dirty: false, updatedAt: now.toISOString() });
      return { acquired: true, lease };
    });
  }

  async completePass(id: string, holder: string) {
    return this.db.transaction(async (tx) => {
      const env = await tx.get<EnvironmentRecord>(envPath(id));
      if (!env || env.lease?.holder !== holder) return { again: false, held: false };
      const now = this.clock.now().toISOString();
      if (env.dirty) {
        tx.set(envPath(id), { ...env, dirty: false, updatedAt: now });
        return { again: true, held: true };
      }
      const { lease: _released, ...rest } = env;
      tx.set(envPath(id), { ...rest, updatedAt: now });
      return { again: false, held: true };
    });
  }
}

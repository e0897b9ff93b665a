import { PermanentError, type ErrorBody } from '../errors.js';
import { specHash } from '../spec/hash.js';
import type { Tenant } from '../spec/tenant.js';
import type { DocumentBackend, DocumentTransaction } from './backend.js';
import { plain } from './hash.js';
import type {
  Clock,
  EnvironmentRecord,
  TenantAdmission,
  TenantAdmissionResult,
  TenantRecord,
  TenantStatus,
  TenantStore,
} from './types.js';
import { envPath, tenantPath, tenantsPath, withoutUndefined } from './documents.js';

/** Tenants of an environment (`environments/{env}/tenants/{tenant}`). */
export class DocumentTenantStore implements TenantStore {
  constructor(
    private readonly db: DocumentBackend,
    private readonly clock: Clock,
  ) {}

  async get(environmentId: string, tenantId: string) {
    return this.db.get<TenantRecord>(tenantPath(environmentId, tenantId));
  }

  async list(environmentId: string) {
    return this.db.list<TenantRecord>(tenantsPath(environmentId));
  }

  async put(environmentId: string, tenant: Tenant, options: { sourceTime?: string } = {}) {
    const path = tenantPath(environmentId, tenant.metadata.name);
    return this.db.transaction(async (tx) => {
      const existing = await tx.get<TenantRecord>(path);
      return this.write(tx, environmentId, existing, tenant, options.sourceTime);
    });
  }

  async admit(
    environmentId: string,
    tenantId: string,
    decide: TenantAdmission,
    options: { sourceTime?: string } = {},
  ): Promise<TenantAdmissionResult> {
    tenantPath(environmentId, tenantId); // refuses an id no document may have, before reading
    return this.db.transaction(async (tx) => {
      const environment = await tx.get<EnvironmentRecord>(envPath(environmentId));
      const tenants = await tx.list<TenantRecord>(tenantsPath(environmentId));
      const decision = decide(environment, tenants);
      if ('refused' in decision) return { outcome: 'refused' as const, errors: decision.refused };
      if (decision.tenant.metadata.name !== tenantId) {
        throw new PermanentError(
          'tenant-mismatch',
          `admission of tenant ${tenantId} decided on tenant ${decision.tenant.metadata.name}`,
        );
      }
      const existing = tenants.find((record) => record.id === tenantId);
      const written = this.write(tx, environmentId, existing, decision.tenant, options.sourceTime);
      return written.stale
        ? { outcome: 'stale' as const, record: written.record }
        : { outcome: 'stored' as const, record: written.record, changed: written.changed };
    });
  }

  /**
   * Writes a tenant's spec in a transaction that read `existing`: a stale source (older than the
   * stored spec's) never reverts it; an identical spec changes nothing.
   */
  private write(
    tx: DocumentTransaction,
    environmentId: string,
    existing: TenantRecord | undefined,
    tenant: Tenant,
    sourceTime: string | undefined,
  ): { record: TenantRecord; changed: boolean; stale?: boolean } {
    const hash = specHash(tenant);
    if (
      existing?.sourceTime !== undefined &&
      sourceTime !== undefined &&
      Date.parse(sourceTime) < Date.parse(existing.sourceTime)
    ) {
      return { record: existing, changed: false, stale: true };
    }
    if (existing && existing.specHash === hash) return { record: existing, changed: false };
    const now = this.clock.now().toISOString();
    const record: TenantRecord = {
      id: tenant.metadata.name,
      environment: environmentId,
      spec: tenant,
      specHash: hash,
      generation: (existing?.generation ?? 0) + 1,
      status: 'PENDING',
      ...(sourceTime !== undefined ? { sourceTime } : {}),
      ...(existing?.lastAppliedHash ? { lastAppliedHash: existing.lastAppliedHash } : {}),
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    tx.set(tenantPath(environmentId, tenant.metadata.name), record);
    return { record: plain(record), changed: true };
  }

  async removeAll(environmentId: string) {
    const records = await this.db.list<TenantRecord>(tenantsPath(environmentId));
    // Firestore allows 500 writes per transaction.
    for (let i = 0; i < records.length; i += 400) {
      const chunk = records.slice(i, i + 400);
      await this.db.transaction(async (tx) => {
        for (const record of chunk) tx.delete(tenantPath(environmentId, record.id));
      });
    }
    return records.length;
  }

  async setStatus(
    environmentId: string,
    tenantId: string,
    status: TenantStatus,
    details: { lastAppliedHash?: string; error?: ErrorBody; ifSpecHash?: string } = {},
  ) {
    const path = tenantPath(environmentId, tenantId);
    await this.db.transaction(async (tx) => {
      const existing = await tx.get<TenantRecord>(path);
      if (!existing) throw new PermanentError('not-found', `tenant ${tenantId} does not exist`);
      const { ifSpecHash, ...fields } = details;
      // A newer spec arrived since the caller read it: its outcome says nothing about the new one.
      if (ifSpecHash !== undefined && ifSpecHash !== existing.specHash) return;
      const { error: _previous, ...rest } = existing;
      tx.set(path, {
        ...rest,
        status,
        ...withoutUndefined(fields),
        updatedAt: this.clock.now().toISOString(),
      });
    });
  }
}

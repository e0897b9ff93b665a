import { PermanentError } from '../errors.js';
import type { DocumentBackend } from './backend.js';
import { accessHistoryDocuments, type AccessHistoryDocument } from './access-history-parts.js';
import { accessHistoryDocPath, accessHistoryPath, envPath } from './documents.js';
import { plain } from './hash.js';
import type {
  AccessHistoryEntry,
  AccessHistoryPage,
  AccessHistoryQuery,
  AccessHistoryStore,
  Clock,
  EnvironmentRecord,
  TenantsOutputsRecord,
} from './types.js';

/** Documents read per query while a page fills: a change is usually one document. */
const BATCH_DOCUMENTS = 10;
const DEFAULT_SCAN_DOCUMENTS = 100;

/**
 * The access history (`environments/{env}/accessHistory`): one or more bounded documents per
 * application of a tenants step result that changed a cell (access-history-parts.ts), written in
 * the transaction that makes that result the environment's outputs.
 */
export class DocumentAccessHistoryStore implements AccessHistoryStore {
  constructor(
    private readonly db: DocumentBackend,
    private readonly clock: Clock,
  ) {}

  async recordTenantsOutputs(record: TenantsOutputsRecord) {
    const { environmentId } = record;
    return this.db.transaction(async (tx) => {
      const env = await tx.get<EnvironmentRecord>(envPath(environmentId));
      if (!env) {
        throw new PermanentError('not-found', `environment ${environmentId} does not exist`);
      }
      const now = this.clock.now().toISOString();
      // Diffed against what this same transaction replaces: a retried call finds no change.
      const cells = record.changes(env.outputs.tenants);
      tx.set(envPath(environmentId), {
        ...env,
        outputs: { ...env.outputs, tenants: plain(record.outputs) },
        updatedAt: now,
      });
      const documents = accessHistoryDocuments({
        environment: environmentId,
        run: plain(record.run),
        pass: record.pass,
        appliedAt: now,
        cells,
      });
      for (const doc of documents) {
        tx.set(accessHistoryDocPath(environmentId, `${doc.changeId}.${doc.part}`), doc);
      }
      return documents[0] ? { changeId: documents[0].changeId, cells: cells.length } : { cells: 0 };
    });
  }

  async list(environmentId: string, query: AccessHistoryQuery): Promise<AccessHistoryPage> {
    const limit = Math.max(1, Math.floor(query.limit));
    const scan = query.scanDocuments ?? DEFAULT_SCAN_DOCUMENTS;
    const wanted = (tenant: string) =>
      (query.tenant === undefined || tenant === query.tenant) &&
      (query.visible === undefined || query.visible(tenant));
    const entries: AccessHistoryEntry[] = [];
    let cursor = query.after;
    let read = 0;
    for (;;) {
      const batch = await this.db.list<AccessHistoryDocument>(accessHistoryPath(environmentId), {
        ...(query.tenant ? { whereContains: { field: 'tenants', value: query.tenant } } : {}),
        orderBy: { field: 'sortKey', direction: 'desc' },
        // Inclusive: the cursor's own document comes first again, read on from its index.
        ...(cursor ? { startAt: cursor.sortKey } : {}),
        limit: BATCH_DOCUMENTS,
      });
      let fresh = 0;
      for (const doc of batch) {
        const resumed = cursor !== undefined && doc.sortKey === cursor.sortKey;
        if (!resumed) {
          if (read === scan) return { entries, next: { sortKey: doc.sortKey, index: 0 } };
          read += 1;
          fresh += 1;
        }
        for (let index = resumed ? cursor!.index : 0; index < doc.entries.length; index++) {
          const cell = doc.entries[index]!;
          if (!wanted(cell.tenant)) continue;
          if (entries.length === limit) return { entries, next: { sortKey: doc.sortKey, index } };
          entries.push({ ...cell, appliedAt: doc.appliedAt, run: doc.run });
        }
        cursor = { sortKey: doc.sortKey, index: doc.entries.length };
      }
      if (fresh === 0 || batch.length < BATCH_DOCUMENTS) return { entries };
    }
  }
}

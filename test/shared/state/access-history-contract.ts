import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../shared/errors.js';
import { EnvironmentSchema } from '../../../shared/spec/environment.js';
import type {
  AccessHistoryCell,
  AccessHistoryEntry,
  AccessHistoryQuery,
  AccessHistoryRun,
  StateStores,
  StoreOptions,
} from '../../../shared/state/types.js';
import type { StepOutputs } from '../../../shared/core/step-contract.js';
import type { ManualClock } from '../../support/clock.js';

/** What each implementation's test file provides (the store contract's subject). */
interface Subject {
  stores: StateStores;
  clock: ManualClock;
}

const run = (id: string): AccessHistoryRun => ({
  id,
  kind: 'tenants',
  trigger: { type: 'http', caller: `user:${id}@example.com` },
});

const gained = (tenant: string, url: string): AccessHistoryCell => ({
  tenant,
  method: 'GET',
  url,
  change: 'gained',
  to: { verdict: 'ALLOWED', via: 'tls-origination' },
});

/** Cells `changes` finds: those it is given, whatever the previous outputs (for paging tests). */
const always = (cells: AccessHistoryCell[]) => (): AccessHistoryCell[] => cells;

/** A stored environment `tutorial` (the contract's), with no tenants outputs yet. */
async function withEnvironment(stores: StateStores): Promise<void> {
  const spec = EnvironmentSchema.parse({
    apiVersion: 'egress.provisioner.dev/v1alpha1',
    kind: 'Environment',
    metadata: { name: 'tutorial' },
    spec: { project: 'tutorial-project', region: 'us-central1', zone: 'us-central1-a' },
  });
  const started = await stores.runs.startRun({
    kind: 'provision',
    environmentId: 'tutorial',
    spec,
    trigger: { type: 'http' },
    requestHash: 'h',
    leaseSeconds: 600,
  });
  expect(started.outcome).toBe('created');
}

/** Every entry of the history, page by page of `limit`, with the page sizes seen. */
async function readAll(
  stores: StateStores,
  query: Omit<AccessHistoryQuery, 'after'>,
): Promise<{ entries: AccessHistoryEntry[]; pages: number[] }> {
  const entries: AccessHistoryEntry[] = [];
  const pages: number[] = [];
  let after: AccessHistoryQuery['after'];
  for (let page = 0; page < 100; page++) {
    const answer = await stores.accessHistory.list('tutorial', {
      ...query,
      ...(after ? { after } : {}),
    });
    entries.push(...answer.entries);
    pages.push(answer.entries.length);
    if (!answer.next) return { entries, pages };
    after = answer.next;
  }
  throw new Error('the history never ended');
}

const label = (entry: AccessHistoryEntry) => `${entry.run.id} ${entry.tenant} ${entry.url}`;

/** The access history's contract, run against both stores by the store contract. */
export function describeAccessHistoryContract(
  name: string,
  subject: (options?: StoreOptions) => Promise<Subject>,
) {
  describe(`${name}: access history`, () => {
    it('stores the tenants outputs and the cells they change in one write; a repeat records nothing', async () => {
      const { stores, clock } = await subject();
      await withEnvironment(stores);
      const seen: (StepOutputs | undefined)[] = [];
      // Changes: every row of `next` not in what the store hands over as previous.
      const record = (id: string, pass: number, rows: string[]) =>
        stores.accessHistory.recordTenantsOutputs({
          environmentId: 'tutorial',
          outputs: { reachability: rows },
          run: run(id),
          pass,
          changes: (previous) => {
            seen.push(previous);
            const before = new Set((previous?.reachability as string[] | undefined) ?? []);
            return rows
              .filter((row) => !before.has(row))
              .map((row) => gained(row.split(' ')[0]!, row.split(' ')[2]!));
          },
        });

      expect(await record('run-a', 1, ['team-x GET http://example.com ALLOWED'])).toEqual({
        changeId: 'run-a.1',
        cells: 1,
      });
      expect((await stores.environments.get('tutorial'))?.outputs.tenants).toEqual({
        reachability: ['team-x GET http://example.com ALLOWED'],
      });
      // The same outputs again (a retried step call): the change is against what is stored now.
      clock.advance(5);
      expect(await record('run-a', 2, ['team-x GET http://example.com ALLOWED'])).toEqual({
        cells: 0,
      });
      expect(seen.at(0)).toBeUndefined();
      expect(seen.at(-1)).toEqual({ reachability: ['team-x GET http://example.com ALLOWED'] });

      const page = await stores.accessHistory.list('tutorial', { limit: 10 });
      expect(page.next).toBeUndefined();
      expect(page.entries).toEqual([
        {
          ...gained('team-x', 'http://example.com'),
          appliedAt: '2026-01-01T00:00:00.000Z',
          run: run('run-a'),
        },
      ]);
    });

    it('keeps the other steps outputs, and refuses an unknown environment writing nothing', async () => {
      const { stores } = await subject();
      await withEnvironment(stores);
      await stores.environments.mergeOutputs('tutorial', 'nat', { router: 'r' });
      await stores.accessHistory.recordTenantsOutputs({
        environmentId: 'tutorial',
        outputs: { objects: 3 },
        run: run('run-a'),
        pass: 1,
        changes: always([]),
      });
      expect((await stores.environments.get('tutorial'))?.outputs).toEqual({
        nat: { router: 'r' },
        tenants: { objects: 3 },
      });
      expect((await stores.accessHistory.list('tutorial', { limit: 5 })).entries).toEqual([]);
      const refused = stores.accessHistory.recordTenantsOutputs({
        environmentId: 'nope',
        outputs: {},
        run: run('run-b'),
        pass: 1,
        changes: always([gained('team-x', 'http://example.com')]),
      });
      await expect(refused).rejects.toBeInstanceOf(PermanentError);
      expect((await stores.accessHistory.list('nope', { limit: 5 })).entries).toEqual([]);
    });

    it('lists newest first, a change in tenant order, page by page without loss or repeat', async () => {
      const { stores, clock } = await subject();
      await withEnvironment(stores);
      const changes: Array<[string, AccessHistoryCell[]]> = [
        ['run-1', [gained('team-b', 'http://b.example'), gained('team-a', 'http://a.example')]],
        ['run-2', [gained('team-c', 'http://c.example')]],
        [
          'run-3',
          [
            gained('team-a', 'http://a2.example'),
            gained('team-b', 'http://b2.example'),
            gained('team-c', 'http://c2.example'),
          ],
        ],
      ];
      for (const [id, cells] of changes) {
        clock.advance(60);
        await stores.accessHistory.recordTenantsOutputs({
          environmentId: 'tutorial',
          outputs: { reachability: [] },
          run: run(id),
          pass: 1,
          changes: always(cells),
        });
      }
      const expected = [
        'run-3 team-a http://a2.example',
        'run-3 team-b http://b2.example',
        'run-3 team-c http://c2.example',
        'run-2 team-c http://c.example',
        'run-1 team-a http://a.example',
        'run-1 team-b http://b.example',
      ];
      for (const limit of [1, 2, 4, 100]) {
        const all = await readAll(stores, { limit });
        expect(all.entries.map(label), `limit ${limit}`).toEqual(expected);
        expect(Math.max(...all.pages)).toBeLessThanOrEqual(limit);
      }
      const appliedAt = (await readAll(stores, { limit: 100 })).entries.map((e) => e.appliedAt);
      expect(appliedAt).toEqual([...appliedAt].sort().reverse());

      const onlyC = await readAll(stores, { limit: 1, tenant: 'team-c' });
      expect(onlyC.entries.map(label)).toEqual([
        'run-3 team-c http://c2.example',
        'run-2 team-c http://c.example',
      ]);
      const managed = await readAll(stores, {
        limit: 2,
        visible: (tenant) => tenant === 'team-a' || tenant === 'team-b',
      });
      expect(managed.entries.map(label)).toEqual(expected.filter((e) => !e.includes('team-c')));
    });

    it('answers a short page with where to go on when it may read few documents', async () => {
      const { stores, clock } = await subject();
      await withEnvironment(stores);
      for (const id of ['run-1', 'run-2', 'run-3', 'run-4']) {
        clock.advance(60);
        await stores.accessHistory.recordTenantsOutputs({
          environmentId: 'tutorial',
          outputs: {},
          run: run(id),
          pass: 1,
          changes: always([gained(id === 'run-1' ? 'team-a' : 'team-z', `http://${id}.example`)]),
        });
      }
      const visible = (tenant: string) => tenant === 'team-a';
      const first = await stores.accessHistory.list('tutorial', {
        limit: 10,
        visible,
        scanDocuments: 2,
      });
      expect(first.entries).toEqual([]);
      expect(first.next).toBeDefined();
      const rest = await readAll(stores, { limit: 10, visible, scanDocuments: 2 });
      expect(rest.entries.map(label)).toEqual(['run-1 team-a http://run-1.example']);
    });

    it('cuts a large change into bounded documents, read back whole and in order', async () => {
      const { stores } = await subject();
      await withEnvironment(stores);
      // 1,200 cells of 1,200 tenants, each with a long URL: more than one part by count and bytes.
      const cells = Array.from({ length: 1200 }, (_, i) =>
        gained(`team-${String(i).padStart(4, '0')}`, `http://h${i}.example/${'p'.repeat(300)}`),
      );
      const recorded = await stores.accessHistory.recordTenantsOutputs({
        environmentId: 'tutorial',
        outputs: {},
        run: run('run-big'),
        pass: 1,
        changes: always([...cells].reverse()),
      });
      expect(recorded).toEqual({ changeId: 'run-big.1', cells: 1200 });
      const all = await readAll(stores, { limit: 1000 });
      expect(all.pages).toEqual([1000, 200]);
      expect(all.entries.map((e) => e.tenant)).toEqual(cells.map((c) => c.tenant));
      const last = await readAll(stores, { limit: 5, tenant: 'team-1199' });
      expect(last.entries.map((e) => e.tenant)).toEqual(['team-1199']);
    });
  });
}

import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../shared/errors.js';
import { ENVIRONMENT_STEPS } from '../../../shared/plan/graph.js';
import { EnvironmentSchema, type Environment } from '../../../shared/spec/environment.js';
import { TenantSchema, type Tenant } from '../../../shared/spec/tenant.js';
import { runIdFor } from '../../../shared/state/hash.js';
import {
  DEFAULT_MESSAGE_RETENTION_SECONDS,
  type StartRunRequest,
  type StateStores,
  type StoreOptions,
} from '../../../shared/state/types.js';
import type { ManualClock } from '../../support/clock.js';
import { describeAccessHistoryContract } from './access-history-contract.js';

/** What each implementation's test file provides: fresh, empty stores per test (with options). */
export interface ContractSubject {
  stores: StateStores;
  clock: ManualClock;
}

export function environmentDoc(name = 'tutorial', project = 'tutorial-project'): Environment {
  return EnvironmentSchema.parse({
    apiVersion: 'egress.provisioner.dev/v1alpha1',
    kind: 'Environment',
    metadata: { name },
    spec: { project, region: 'us-central1', zone: 'us-central1-a' },
  });
}

export function tenantDoc(name: string, hosts: string[] = ['example.com']): Tenant {
  return TenantSchema.parse({
    apiVersion: 'egress.provisioner.dev/v1alpha1',
    kind: 'Tenant',
    metadata: { name },
    spec: { environment: 'tutorial', egress: hosts.map((host) => ({ host })) },
  });
}

function provision(overrides: Partial<StartRunRequest> = {}): StartRunRequest {
  return {
    kind: 'provision',
    environmentId: 'tutorial',
    spec: environmentDoc(),
    environmentStatus: 'PROVISIONING',
    trigger: { type: 'http' },
    requestHash: 'h1',
    leaseSeconds: 600,
    ...overrides,
  };
}

/**
 * The one contract every store implementation passes (one contract suite per interface, run against
 * every implementation: docs/architecture.md "Decisions").
 */
export function describeStoreContract(
  name: string,
  subject: (options?: StoreOptions) => Promise<ContractSubject>,
) {
  describeAccessHistoryContract(name, subject);

  describe(`${name}: runs and idempotency`, () => {
    it('creates a run, stores the spec and leases the environment to the run', async () => {
      const { stores, clock } = await subject();
      const result = await stores.runs.startRun(provision({ idempotencyKey: 'k1' }));
      expect(result.outcome).toBe('created');
      if (result.outcome !== 'created') return;
      expect(result.run).toMatchObject({
        kind: 'provision',
        environment: 'tutorial',
        status: 'PENDING',
        trigger: { type: 'http' },
        createdAt: clock.now().toISOString(),
      });
      const env = await stores.environments.get('tutorial');
      expect(env).toMatchObject({
        status: 'PROVISIONING',
        currentRun: result.run.id,
        lease: { holder: result.run.id },
        dirty: false,
        spec: environmentDoc(),
      });
      expect(env?.specHash).toMatch(/^[0-9a-f]{64}$/);
      expect(await stores.runs.get(result.run.id)).toEqual(result.run);
    });

    it('returns the existing run for a repeated idempotency key, and flags a changed request', async () => {
      const { stores } = await subject();
      const first = await stores.runs.startRun(provision({ idempotencyKey: 'k1' }));
      const again = await stores.runs.startRun(provision({ idempotencyKey: 'k1' }));
      const changed = await stores.runs.startRun(
        provision({ idempotencyKey: 'k1', requestHash: 'other' }),
      );
      expect(first.outcome).toBe('created');
      expect(again.outcome).toBe('existing');
      expect(changed.outcome).toBe('key-reused');
      if (first.outcome === 'created' && again.outcome === 'existing') {
        expect(again.run.id).toBe(first.run.id);
      }
    });

    it('creates exactly one run for 10 concurrent requests with one key', async () => {
      const { stores } = await subject();
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          stores.runs.startRun(provision({ idempotencyKey: 'same' })),
        ),
      );
      const outcomes = results.map((r) => r.outcome).sort();
      expect(outcomes).toEqual(['created', ...Array<string>(9).fill('existing')]);
      const ids = new Set(results.map((r) => ('run' in r ? r.run.id : '')));
      expect(ids.size).toBe(1);
      expect(await stores.runs.listByEnvironment('tutorial')).toHaveLength(1);
    }, 60_000);

    it('refuses a second run while the lease lives, and steals it after expiry', async () => {
      const { stores, clock } = await subject();
      const first = await stores.runs.startRun(provision({ leaseSeconds: 60 }));
      const second = await stores.runs.startRun(provision({ kind: 'teardown', spec: undefined }));
      expect(first.outcome).toBe('created');
      expect(second).toMatchObject({ outcome: 'busy' });
      clock.advance(61);
      const third = await stores.runs.startRun(
        provision({ kind: 'teardown', spec: undefined, environmentStatus: 'DELETING' }),
      );
      expect(third.outcome).toBe('created');
      const env = await stores.environments.get('tutorial');
      // The teardown keeps the stored spec: it needs it to know what to delete.
      expect(env?.spec).toEqual(environmentDoc());
      expect(env?.status).toBe('DELETING');
      if (third.outcome === 'created') expect(env?.lease?.holder).toBe(third.run.id);
    });

    it('coalesces into the running run when asked to, marking the environment dirty', async () => {
      const { stores } = await subject();
      const first = await stores.runs.startRun(provision());
      const tenantsRun = await stores.runs.startRun(
        provision({ kind: 'tenants', spec: undefined, onBusy: 'mark-dirty', idempotencyKey: 'm1' }),
      );
      expect(first.outcome).toBe('created');
      expect(tenantsRun).toMatchObject({ outcome: 'coalesced' });
      const env = await stores.environments.get('tutorial');
      expect(env?.dirty).toBe(true);
      if (first.outcome === 'created') expect(env?.lease?.holder).toBe(first.run.id);
      expect(await stores.runs.get(runIdFor('m1'))).toBeUndefined();
    });

    it('answers not-found for a run without spec on an unknown environment', async () => {
      const { stores } = await subject();
      const result = await stores.runs.startRun(provision({ kind: 'teardown', spec: undefined }));
      expect(result.outcome).toBe('not-found');
      expect(await stores.environments.list()).toEqual([]);
    });

    it('lists the runs of an environment, newest first, and records the execution and the end', async () => {
      const { stores, clock } = await subject();
      const a = await stores.runs.startRun(provision({ leaseSeconds: 1 }));
      clock.advance(5);
      const b = await stores.runs.startRun(provision({ leaseSeconds: 1 }));
      if (a.outcome !== 'created' || b.outcome !== 'created') throw new Error('runs not created');
      const listed = await stores.runs.listByEnvironment('tutorial');
      expect(listed.map((r) => r.id)).toEqual([b.run.id, a.run.id]);
      await stores.runs.setExecution(b.run.id, 'projects/p/locations/l/workflows/w/executions/e1');
      await stores.runs.markRunning(b.run.id);
      const finished = await stores.runs.finish(b.run.id, 'FAILED', {
        kind: 'permanent',
        reason: 'immutable-drift',
        message: 'x',
      });
      expect(finished).toMatchObject({
        status: 'FAILED',
        executionName: 'projects/p/locations/l/workflows/w/executions/e1',
        error: { reason: 'immutable-drift' },
        finishedAt: clock.now().toISOString(),
        startedAt: clock.now().toISOString(),
      });
      expect(await stores.runs.finish('run-unknown', 'SUCCEEDED')).toBeUndefined();
    });

    it('rejects ids that would address another document', async () => {
      const { stores } = await subject();
      await expect(stores.runs.get('a/b')).rejects.toBeInstanceOf(PermanentError);
      await expect(stores.environments.get('')).rejects.toMatchObject({
        reason: 'invalid-id',
        options: { field: 'environment' },
      });
    });
  });

  describe(`${name}: environment lease`, () => {
    async function withEnvironment() {
      const s = await subject();
      const run = await s.stores.runs.startRun(provision({ leaseSeconds: 30 }));
      if (run.outcome !== 'created') throw new Error('setup failed');
      return { ...s, holder: run.run.id };
    }

    it('renews for the holder only, expires, and is stolen after expiry', async () => {
      const { stores, clock, holder } = await withEnvironment();
      expect(await stores.environments.acquireLease('tutorial', 'other', 30)).toMatchObject({
        acquired: false,
        lease: { holder },
      });
      expect(await stores.environments.renewLease('tutorial', 'other', 30)).toBe(false);
      clock.advance(20);
      expect(await stores.environments.renewLease('tutorial', holder, 30)).toBe(true);
      clock.advance(20); // 40 s after start, but renewed at 20 s: still held.
      expect((await stores.environments.acquireLease('tutorial', 'other', 30)).acquired).toBe(
        false,
      );
      clock.advance(11);
      const stolen = await stores.environments.acquireLease('tutorial', 'other', 30);
      expect(stolen).toMatchObject({
        acquired: true,
        stolenFrom: holder,
        lease: { holder: 'other' },
      });
      expect(await stores.environments.renewLease('tutorial', holder, 30)).toBe(false);
      expect(await stores.environments.releaseLease('tutorial', holder)).toBe(false);
      expect(await stores.environments.releaseLease('tutorial', 'other')).toBe(true);
      expect((await stores.environments.get('tutorial'))?.lease).toBeUndefined();
    });

    it('re-acquiring as the holder renews; acquiring an unknown environment is an error', async () => {
      const { stores, clock, holder } = await withEnvironment();
      clock.advance(10);
      const again = await stores.environments.acquireLease('tutorial', holder, 30);
      expect(again).toEqual({
        acquired: true,
        lease: { holder, expiresAt: new Date(clock.now().getTime() + 30_000).toISOString() },
      });
      await expect(stores.environments.acquireLease('nope', holder, 30)).rejects.toMatchObject({
        reason: 'not-found',
      });
    });

    it('marks the environment dirty when busy, and asks the holder to reconcile once more', async () => {
      const { stores, holder } = await withEnvironment();
      const claims = await Promise.all(
        ['e1', 'e2', 'e3'].map((id) =>
          stores.environments.acquireLeaseOrMarkDirty('tutorial', id, 30),
        ),
      );
      expect(claims.every((c) => !c.acquired && 'markedDirty' in c)).toBe(true);
      expect((await stores.environments.get('tutorial'))?.dirty).toBe(true);
      expect(await stores.environments.completePass('tutorial', 'e1')).toEqual({
        again: false,
        held: false,
      });
      expect(await stores.environments.completePass('tutorial', holder)).toEqual({
        again: true,
        held: true,
      });
      expect(await stores.environments.completePass('tutorial', holder)).toEqual({
        again: false,
        held: true,
      });
      const env = await stores.environments.get('tutorial');
      expect(env?.dirty).toBe(false);
      expect(env?.lease).toBeUndefined();
      const next = await stores.environments.acquireLeaseOrMarkDirty('tutorial', 'e4', 30);
      expect(next).toMatchObject({ acquired: true, lease: { holder: 'e4' } });
      expect(await stores.environments.acquireLeaseOrMarkDirty('nope', 'e5', 30)).toEqual({
        acquired: false,
        notFound: true,
      });
    });

    it('keeps every step output under 10 concurrent writers, and updates status', async () => {
      const { stores } = await withEnvironment();
      const steps = ENVIRONMENT_STEPS.slice(0, 10);
      await Promise.all(
        steps.map((step, i) => stores.environments.mergeOutputs('tutorial', step, { index: i })),
      );
      const env = await stores.environments.update('tutorial', { status: 'READY' });
      expect(env?.status).toBe('READY');
      expect(env?.outputs).toEqual(Object.fromEntries(steps.map((s, i) => [s, { index: i }])));
      expect(await stores.environments.update('nope', { status: 'READY' })).toBeUndefined();
      await expect(
        stores.environments.mergeOutputs('nope', 'apis', { a: 1 }),
      ).rejects.toMatchObject({ reason: 'not-found' });
    });
  });

  describe(`${name}: steps`, () => {
    it('records attempts, the pending operation, outputs and the end of a step', async () => {
      const { stores, clock } = await subject();
      const started = clock.now().toISOString();
      const first = await stores.runs.beginStep('run-1', 'cluster');
      expect(first.before).toBeUndefined();
      expect(first.after).toMatchObject({ status: 'RUNNING', attempts: 1, startedAt: started });
      const operation = { api: 'container', name: 'operation-123', location: 'us-central1-a' };
      await stores.runs.waitStep('run-1', 'cluster', { operation });
      clock.advance(30);
      const second = await stores.runs.beginStep('run-1', 'cluster');
      expect(second.before).toMatchObject({ status: 'PENDING', operation });
      expect(second.after).toMatchObject({ attempts: 2, operation, startedAt: started });
      const retry = { kind: 'retryable' as const, reason: 'cluster-busy', message: 'busy' };
      const waiting = await stores.runs.waitStep('run-1', 'cluster', { error: retry });
      expect(waiting).toMatchObject({ status: 'PENDING', operation, error: retry });
      await stores.runs.beginStep('run-1', 'cluster');
      const done = await stores.runs.completeStep('run-1', 'cluster', { endpoint: 'x.example' });
      expect(done).toEqual({
        step: 'cluster',
        status: 'DONE',
        attempts: 3,
        outputs: { endpoint: 'x.example' },
        startedAt: started,
        finishedAt: clock.now().toISOString(),
        updatedAt: clock.now().toISOString(),
      });
      const failed = await stores.runs.failStep('run-1', 'network', {
        kind: 'permanent',
        reason: 'immutable-drift',
        message: 'routingMode differs',
        field: 'routingConfig.routingMode',
      });
      expect(failed).toMatchObject({
        status: 'FAILED',
        attempts: 1,
        error: { field: 'routingConfig.routingMode' },
      });
      const listed = await stores.runs.listSteps('run-1');
      expect(listed.map((s) => s.step).sort()).toEqual(['cluster', 'network']);
      expect(await stores.runs.getStep('run-1', 'cluster')).toEqual(done);
    });

    it('loses no update under 10 concurrent calls of one step, nor of 10 steps', async () => {
      const { stores } = await subject();
      await Promise.all(Array.from({ length: 10 }, () => stores.runs.beginStep('run-2', 'nat')));
      expect((await stores.runs.getStep('run-2', 'nat'))?.attempts).toBe(10);
      const steps = ENVIRONMENT_STEPS.slice(0, 10);
      await Promise.all(steps.map((step) => stores.runs.completeStep('run-3', step, { step })));
      const listed = await stores.runs.listSteps('run-3');
      expect(
        listed
          .filter((s) => s.status === 'DONE')
          .map((s) => s.step)
          .sort(),
      ).toEqual([...steps].sort());
    }, 60_000);
  });

  describe(`${name}: tenants and messages`, () => {
    it('grows the generation only when the tenant spec changes', async () => {
      const { stores, clock } = await subject();
      const first = await stores.tenants.put('tutorial', tenantDoc('team-x'));
      expect(first).toMatchObject({ changed: true, record: { generation: 1, status: 'PENDING' } });
      const same = await stores.tenants.put('tutorial', tenantDoc('team-x'));
      expect(same).toMatchObject({ changed: false, record: { generation: 1 } });
      await stores.tenants.setStatus('tutorial', 'team-x', 'APPLIED', {
        lastAppliedHash: first.record.specHash,
      });
      clock.advance(1);
      const changed = await stores.tenants.put('tutorial', tenantDoc('team-x', ['httpbin.org']));
      expect(changed).toMatchObject({
        changed: true,
        record: { generation: 2, status: 'PENDING', lastAppliedHash: first.record.specHash },
      });
      // An outcome about generation 1 does not touch generation 2.
      await stores.tenants.setStatus('tutorial', 'team-x', 'APPLIED', {
        lastAppliedHash: first.record.specHash,
        ifSpecHash: first.record.specHash,
      });
      expect((await stores.tenants.get('tutorial', 'team-x'))?.status).toBe('PENDING');
      await stores.tenants.setStatus('tutorial', 'team-x', 'FAILED', {
        error: { kind: 'permanent', reason: 'x', message: 'y' },
        ifSpecHash: changed.record.specHash,
      });
      expect(await stores.tenants.get('tutorial', 'team-x')).toMatchObject({
        status: 'FAILED',
        error: { reason: 'x' },
      });
      await stores.tenants.put('tutorial', tenantDoc('team-y'));
      const listed = await stores.tenants.list('tutorial');
      expect(listed.map((t) => [t.id, t.generation])).toEqual([
        ['team-x', 2],
        ['team-y', 1],
      ]);
      expect(await stores.tenants.list('other')).toEqual([]);
      await expect(stores.tenants.setStatus('tutorial', 'team-z', 'APPLIED')).rejects.toMatchObject(
        { reason: 'not-found' },
      );
    });

    it('admits a tenant in one transaction: decides on what it read, writes nothing when refused', async () => {
      const { stores } = await subject();
      await stores.runs.startRun(provision());
      await stores.tenants.put('tutorial', tenantDoc('team-x'));
      const seen: string[][] = [];
      const refused = await stores.tenants.admit('tutorial', 'team-y', (environment, tenants) => {
        seen.push([environment?.id ?? 'none', ...tenants.map((t) => t.id)]);
        return { refused: [{ kind: 'forbidden', reason: 'no', message: 'no' }] };
      });
      expect(refused).toEqual({
        outcome: 'refused',
        errors: [{ kind: 'forbidden', reason: 'no', message: 'no' }],
      });
      expect(seen.at(-1)).toEqual(['tutorial', 'team-x']);
      expect(await stores.tenants.get('tutorial', 'team-y')).toBeUndefined();

      const admitted = await stores.tenants.admit('tutorial', 'team-y', () => ({
        tenant: tenantDoc('team-y'),
      }));
      expect(admitted).toMatchObject({
        outcome: 'stored',
        changed: true,
        record: { generation: 1 },
      });
      const again = await stores.tenants.admit('tutorial', 'team-y', () => ({
        tenant: tenantDoc('team-y'),
      }));
      expect(again).toMatchObject({ outcome: 'stored', changed: false, record: { generation: 1 } });
      // A decision about another tenant than the one admitted is a programming error.
      await expect(
        stores.tenants.admit('tutorial', 'team-z', () => ({ tenant: tenantDoc('team-y') })),
      ).rejects.toMatchObject({ reason: 'tenant-mismatch' });
    });

    it('admits one of two concurrent tenants whose admissions exclude each other', async () => {
      const { stores } = await subject();
      // Each admission refuses when any other tenant is stored: serializable, one wins.
      const alone = (name: string) => (_env: unknown, tenants: readonly { id: string }[]) =>
        tenants.some((t) => t.id !== name)
          ? { refused: [{ kind: 'conflict' as const, reason: 'taken', message: 'taken' }] }
          : { tenant: tenantDoc(name) };
      const results = await Promise.all([
        stores.tenants.admit('tutorial', 'team-a', alone('team-a')),
        stores.tenants.admit('tutorial', 'team-b', alone('team-b')),
      ]);
      expect(results.map((r) => r.outcome).sort()).toEqual(['refused', 'stored']);
      expect(await stores.tenants.list('tutorial')).toHaveLength(1);
    });

    it('records a message id once, even when delivered concurrently', async () => {
      const { stores, clock } = await subject();
      const record = {
        id: '1234567890',
        topic: 'tenant-events',
        outcome: 'accepted' as const,
        environment: 'tutorial',
        receivedAt: clock.now().toISOString(),
      };
      const results = await Promise.all(
        Array.from({ length: 5 }, () => stores.runs.recordMessage(record)),
      );
      expect(results.filter((r) => r.firstTime)).toHaveLength(1);
      expect(await stores.runs.recordMessage(record)).toEqual({ firstTime: false });
      expect(await stores.runs.getMessage('1234567890')).toEqual({
        ...record,
        expireAt: '2026-02-02T00:00:00.000Z', // 2026-01-01 + 32 days
      });
      expect(await stores.runs.getMessage('999')).toBeUndefined();
    });
  });

  describe(`${name}: message records expire`, () => {
    const message = (id: string, receivedAt: string) => ({
      id,
      topic: 'tenant-events',
      outcome: 'accepted' as const,
      receivedAt,
    });

    it('outlives the longest Pub/Sub message retention (31 days) by default', () => {
      expect(DEFAULT_MESSAGE_RETENTION_SECONDS).toBeGreaterThan(31 * 24 * 60 * 60);
    });

    it('sets expireAt = receivedAt + the configured retention, to the millisecond', async () => {
      const { stores } = await subject({ messageRetentionSeconds: 3600 });
      await stores.runs.recordMessage(message('m1', '2026-03-04T05:06:07.089Z'));
      expect((await stores.runs.getMessage('m1'))?.expireAt).toBe('2026-03-04T06:06:07.089Z');
    });

    it('keeps the first record and its expiry when the message is delivered again later', async () => {
      const { stores, clock } = await subject();
      const first = message('m2', clock.now().toISOString());
      await stores.runs.recordMessage(first);
      const recorded = await stores.runs.getMessage('m2');
      clock.advance(6 * 24 * 3600); // a redelivery near the end of the default 7-day retention
      const again = { ...message('m2', clock.now().toISOString()), outcome: 'rejected' as const };
      expect(await stores.runs.recordMessage(again)).toEqual({ firstTime: false });
      expect(await stores.runs.getMessage('m2')).toEqual(recorded);
      expect(recorded?.outcome).toBe('accepted');
    });

    it('computes expireAt itself, ignoring one the caller passes', async () => {
      const { stores, clock } = await subject({ messageRetentionSeconds: 60 });
      const record = {
        ...message('m3', clock.now().toISOString()),
        expireAt: '2099-01-01T00:00:00Z',
      };
      await stores.runs.recordMessage(record);
      expect((await stores.runs.getMessage('m3'))?.expireAt).toBe('2026-01-01T00:01:00.000Z');
    });

    it('refuses a receivedAt that is not a date, naming the field, and stores nothing', async () => {
      const { stores } = await subject();
      await expect(stores.runs.recordMessage(message('m4', 'yesterday'))).rejects.toMatchObject({
        name: 'PermanentError',
        reason: 'invalid-field',
        options: { field: 'receivedAt' },
        message: 'receivedAt must be an ISO-8601 date-time',
      });
      expect(await stores.runs.getMessage('m4')).toBeUndefined();
    });

    it('refuses a retention that is not a positive whole number of seconds', async () => {
      for (const messageRetentionSeconds of [0, -1, 1.5, Number.NaN]) {
        await expect(subject({ messageRetentionSeconds })).rejects.toMatchObject({
          name: 'PermanentError',
          reason: 'invalid-option',
          options: { field: 'messageRetentionSeconds' },
          message: 'messageRetentionSeconds must be a positive whole number of seconds',
        });
      }
    });
  });

  describe(`${name}: one execution per run`, () => {
    const execution = (id: string, project = 'tutorial-project') =>
      `projects/${project}/locations/us-central1/workflows/provision-environment/executions/${id}`;

    async function newRun() {
      const { stores, clock } = await subject();
      const started = await stores.runs.startRun(provision());
      if (started.outcome !== 'created') throw new Error('run not created');
      return { stores, clock, runId: started.run.id };
    }

    it('grants the first execution, again the same one (by id), refuses another, and every one once the run ended', async () => {
      const { stores, runId } = await newRun();
      expect(await stores.runs.claimExecution(runId, execution('e1'))).toEqual({ claimed: true });
      expect((await stores.runs.get(runId))?.executionName).toBe(execution('e1'));
      expect(await stores.runs.claimExecution(runId, execution('e1'))).toEqual({ claimed: true });
      // The Executions API may spell the project by number: the same execution all the same.
      expect(await stores.runs.claimExecution(runId, execution('e1', '123456789'))).toEqual({
        claimed: true,
      });
      expect(await stores.runs.claimExecution(runId, execution('e2'))).toEqual({
        claimed: false,
        holder: execution('e1'),
      });
      await stores.runs.finish(runId, 'SUCCEEDED');
      for (const id of ['e1', 'e2']) {
        expect(await stores.runs.claimExecution(runId, execution(id))).toEqual({
          claimed: false,
          ended: true,
          status: 'SUCCEEDED',
        });
      }
      expect(await stores.runs.claimExecution('run-unknown', execution('e1'))).toEqual({
        claimed: false,
        notFound: true,
      });
    });

    it('grants exactly one of 5 concurrent executions', async () => {
      const { stores, runId } = await newRun();
      const ids = ['a', 'b', 'c', 'd', 'e'];
      const results = await Promise.all(
        ids.map((id) => stores.runs.claimExecution(runId, execution(id))),
      );
      const winners = ids.filter((_, i) => results[i]!.claimed);
      expect(winners).toHaveLength(1);
      const holder = execution(winners[0]!);
      expect((await stores.runs.get(runId))?.executionName).toBe(holder);
      for (const result of results.filter((r) => !r.claimed))
        expect(result).toEqual({ claimed: false, holder });
    });

    it('keeps the recorded execution when its starter records it late, and never replaces it', async () => {
      const { stores, runId } = await newRun();
      // The execution claimed the run before its starter got the answer of the Executions API.
      await stores.runs.claimExecution(runId, execution('e1'));
      expect(await stores.runs.setExecution(runId, execution('e1', '123456789'))).toEqual({
        recorded: true,
        executionName: execution('e1'),
      });
      expect(await stores.runs.setExecution(runId, execution('e2'))).toEqual({
        recorded: false,
        executionName: execution('e1'),
      });
      expect((await stores.runs.get(runId))?.executionName).toBe(execution('e1'));
    });

    it('lets one of 5 concurrent starters start, and another after the start crashed or failed', async () => {
      const { stores, clock, runId } = await newRun();
      const tokens = ['t1', 't2', 't3', 't4', 't5'];
      const results = await Promise.all(
        tokens.map((token) => stores.runs.claimExecutionStart(runId, token, 120)),
      );
      expect(results.filter((r) => r.start)).toHaveLength(1);
      const until = new Date(clock.now().getTime() + 120_000).toISOString();
      for (const refused of results.filter((r) => !r.start)) {
        expect(refused).toEqual({ start: false, inProgressUntil: until });
      }
      const winner = tokens[results.findIndex((r) => r.start)]!;
      // The winner's retry of its own claim is granted; nobody else's before the TTL.
      expect(await stores.runs.claimExecutionStart(runId, winner, 120)).toEqual({ start: true });
      clock.advance(119);
      expect((await stores.runs.claimExecutionStart(runId, 'late', 120)).start).toBe(false);
      // The winner crashed before starting anything: after the TTL a redelivery starts it.
      clock.advance(2);
      expect(await stores.runs.claimExecutionStart(runId, 'redelivery', 120)).toEqual({
        start: true,
      });
      // A failed start releases its claim: the next delivery need not wait for the TTL.
      await stores.runs.releaseExecutionStart(runId, 'someone-else');
      expect((await stores.runs.claimExecutionStart(runId, 'next', 120)).start).toBe(false);
      await stores.runs.releaseExecutionStart(runId, 'redelivery');
      expect(await stores.runs.claimExecutionStart(runId, 'next', 120)).toEqual({ start: true });
      // Once an execution is recorded nothing starts another, and the start claim is gone.
      await stores.runs.setExecution(runId, execution('e1'));
      expect((await stores.runs.get(runId))?.executionStart).toBeUndefined();
      expect(await stores.runs.claimExecutionStart(runId, 'after', 120)).toEqual({
        start: false,
        executionName: execution('e1'),
      });
      expect(await stores.runs.claimExecutionStart('run-unknown', 'x', 120)).toEqual({
        start: false,
        notFound: true,
      });
    });

    it('answers ended to a start claim on an ended run', async () => {
      const { stores, runId } = await newRun();
      await stores.runs.finish(runId, 'SUCCEEDED');
      expect(await stores.runs.claimExecutionStart(runId, 't', 120)).toEqual({
        start: false,
        ended: true,
      });
    });
  });
}

import { describe, expect, it } from 'vitest';
import { realDurationsSeconds } from '../../local/gcp/latency.js';
import type { StepGraph } from '../../shared/plan/graph.js';
import type { StepName } from '../../shared/core/step-contract.js';
import type { ProgressEvent } from '../../shared/steps/runner.js';
import { runBenchmark } from '../../bench/benchmark.js';
import {
  classifyOperation,
  countOperationPolls,
  dnsChangeOperations,
  median,
  modelSecondsFromReal,
  provisioningModel,
  ratios,
  stepTimings,
  type ObservedOperation,
} from '../../bench/model.js';
import { measureProvisioning, type RunMeasurement } from '../../bench/provision.js';
import {
  formatTable,
  STEP_COLUMNS,
  SUMMARY_COLUMNS,
  summarizeScenario,
} from '../../bench/report.js';

const p = 'projects/p';
const op = (api: string, operationType: string, targetPath: string): ObservedOperation => ({
  api,
  operationType,
  targetPath,
});

/** The operations a tutorial run starts, written out by hand (three firewall rules suffice). */
const TUTORIAL_OPERATIONS: ObservedOperation[] = [
  op('serviceusage', 'batchEnable', p),
  op('compute', 'insert', `${p}/global/networks/vpc`),
  op('compute', 'insert', `${p}/regions/r/subnetworks/subnet`),
  op('compute', 'insert', `${p}/regions/r/routers/router`),
  op('compute', 'insert', `${p}/global/firewalls/a`),
  op('compute', 'insert', `${p}/global/firewalls/b`),
  op('compute', 'insert', `${p}/global/firewalls/c`),
  op('gkehub', 'create', `${p}/locations/global/features/servicemesh`),
  op('container', 'CREATE_CLUSTER', `${p}/locations/z/clusters/c1`),
  op('container', 'CREATE_NODE_POOL', `${p}/locations/z/clusters/c1/nodePools/gateway`),
  op('dns', 'change', `${p}/managedZones/private-google-apis`),
  op('dns', 'change', `${p}/managedZones/private-gcr-io`),
];

const d = realDurationsSeconds;

describe('the latency model applied to a run', () => {
  it('classifies each operation kind to its step', () => {
    const placed = TUTORIAL_OPERATIONS.map((o) => {
      const m = classifyOperation(o);
      return m && [m.step, m.kind];
    });
    expect(placed).toEqual([
      ['apis', 'service-enable'],
      ['network', 'network'],
      ['subnet', 'subnetwork'],
      ['nat', 'router'],
      ['firewalls', 'firewall'],
      ['firewalls', 'firewall'],
      ['firewalls', 'firewall'],
      ['fleet-mesh', 'feature'],
      ['cluster', 'cluster'],
      ['gateway-pool', 'node-pool'],
      ['private-dns', 'dns-change'],
      ['private-dns', 'dns-change'],
    ]);
    expect(classifyOperation(op('compute', 'patch', `${p}/regions/r/routers/router`))?.kind).toBe(
      'nat',
    );
    expect(classifyOperation(op('compute', 'delete', `${p}/global/networks/vpc`))).toBeUndefined();
    expect(classifyOperation(op('sql', 'insert', `${p}/instances/x`))).toBeUndefined();
  });

  it('sums every operation and wait for the serial sum, and takes the longest chain for the critical path', () => {
    const model = provisioningModel(TUTORIAL_OPERATIONS);
    const serial =
      d['service-enable'] +
      d.network +
      d.subnetwork +
      d.router +
      3 * d.firewall +
      d.feature +
      d.cluster +
      d['node-pool'] +
      2 * d['dns-change'] +
      d['service-account-consistency'] +
      d['mesh-active'];
    expect(model.serialSeconds).toBe(serial);
    // Distinct firewall rules overlap: the step costs one rule, not three.
    expect(model.stepSeconds.firewalls).toBe(d.firewall);
    expect(model.stepSeconds['service-accounts']).toBe(d['service-account-consistency']);
    expect(model.stepSeconds['mesh-ready']).toBe(d['mesh-active']);
    // The two zones' changes are pending side by side: the step waits for one.
    expect(model.stepSeconds['private-dns']).toBe(d['dns-change']);
    expect(model.critical.steps).toEqual(['apis', 'network', 'firewalls', 'cluster', 'mesh-ready']);
    expect(model.critical.seconds).toBe(
      d['service-enable'] + d.network + d.firewall + d.cluster + d['mesh-active'],
    );
    expect(model.unclassified).toEqual([]);
  });

  it('reads the dns changes the simulator recorded as operations on their zones', () => {
    const zone = `${p}/managedZones/private-google-apis`;
    const record = { name: 'googleapis.com.', type: 'A', ttl: 300, rrdatas: ['199.36.153.8'] };
    const observed = dnsChangeOperations({
      'dns.changes': {
        [`${zone}/changes/0`]: { id: '0', additions: [record] },
        [`${zone}/changes/1`]: { id: '1', additions: [record], deletions: [record] },
        [`${zone}/changes/2`]: { id: '2', deletions: [record] },
      },
      'dns.managedZones': { [zone]: { name: 'private-google-apis' } },
    });
    expect(observed).toEqual([
      op('dns', 'change', zone),
      op('dns', 'change', zone),
      op('dns', 'delete', zone),
    ]);
    const model = provisioningModel(observed);
    // Two changes to one zone chain; the teardown's deletion is not placed.
    expect(model.stepSeconds['private-dns']).toBe(2 * d['dns-change']);
    expect(model.unclassified).toEqual([op('dns', 'delete', zone)]);
    expect(dnsChangeOperations({})).toEqual([]);
  });

  it('chains operations on one target: a router and its NAT patch', () => {
    const model = provisioningModel([
      op('compute', 'insert', `${p}/regions/r/routers/router`),
      op('compute', 'patch', `${p}/regions/r/routers/router`),
    ]);
    expect(model.stepSeconds.nat).toBe(d.router + d.nat);
  });

  it('follows the graph it is given: the heavier branch wins', () => {
    const node = (name: StepName, dependsOn: StepName[]) => ({
      name,
      dependsOn,
      api: '',
      description: '',
    });
    const diamond: StepGraph = [
      node('network', []),
      node('subnet', ['network']),
      node('nat', ['network']),
      node('cluster', ['subnet', 'nat']),
    ];
    const router = `${p}/regions/r/routers/router`;
    const base = [
      op('compute', 'insert', `${p}/global/networks/vpc`),
      op('compute', 'insert', `${p}/regions/r/subnetworks/subnet`),
      op('container', 'CREATE_CLUSTER', `${p}/locations/z/clusters/c1`),
    ];
    // router (12) equals subnet (12): the tie keeps graph order, through subnet.
    const tied = provisioningModel([...base, op('compute', 'insert', router)], diamond);
    expect(tied.critical.steps).toEqual(['network', 'subnet', 'cluster']);
    expect(tied.critical.seconds).toBe(d.network + d.subnetwork + d.cluster);
    // With its NAT patch the router branch is longer and becomes the path.
    const patched = provisioningModel(
      [...base, op('compute', 'insert', router), op('compute', 'patch', router)],
      diamond,
    );
    expect(patched.critical.steps).toEqual(['network', 'nat', 'cluster']);
    expect(patched.critical.seconds).toBe(d.network + d.router + d.nat + d.cluster);
    // Steps outside the graph are not part of its model.
    expect(patched.stepSeconds.apis).toBeUndefined();
  });

  it('lists operations it cannot place instead of guessing', () => {
    const unknown = op('compute', 'insert', `${p}/global/addresses/x`);
    expect(provisioningModel([unknown]).unclassified).toEqual([unknown]);
  });
});

describe('ratios and timelines', () => {
  it('computes wall/critical and serial/wall', () => {
    const r = ratios(700, 868, 642);
    expect(r.wallOverCritical).toBeCloseTo(700 / 642, 10);
    expect(r.serialOverWall).toBeCloseTo(868 / 700, 10);
    expect(() => ratios(0, 868, 642)).toThrow('wall must be a finite number > 0 seconds, got 0');
    expect(() => ratios(700, 868, Number.NaN)).toThrow(/critical path must be/);
  });

  it('turns real milliseconds back into model seconds', () => {
    expect(modelSecondsFromReal(7000, 0.01)).toBeCloseTo(700, 10);
    expect(modelSecondsFromReal(7000, 0)).toBeUndefined();
  });

  it('takes medians of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeUndefined();
  });

  it('folds a synthetic event timeline into per-step timings', () => {
    const t0 = 1_000_000;
    const events: ProgressEvent[] = [
      { type: 'started', step: 'apis', at: t0, attempt: 1 },
      { type: 'pending', step: 'apis', at: t0 + 200, elapsedMs: 200, retryAfterSeconds: 5 },
      { type: 'started', step: 'apis', at: t0 + 5_200, attempt: 2 },
      { type: 'done', step: 'apis', at: t0 + 5_300, elapsedMs: 5_300, outputs: {} },
      { type: 'started', step: 'network', at: t0 + 5_400, attempt: 1 },
      {
        type: 'retrying',
        step: 'network',
        at: t0 + 5_500,
        elapsedMs: 100,
        delaySeconds: 1,
        reason: 'unavailable',
        message: '503',
      },
      { type: 'started', step: 'network', at: t0 + 6_500, attempt: 2 },
      {
        type: 'failed',
        step: 'network',
        at: t0 + 6_600,
        elapsedMs: 1_200,
        reason: 'x',
        message: 'y',
      },
      { type: 'skipped', step: 'tenants', at: t0 + 7_000, why: 'not implemented' },
    ];
    const timings = stepTimings(events, t0);
    expect(timings.get('apis')).toEqual({
      step: 'apis',
      startedAt: 0,
      finishedAt: 5.3,
      calls: 2,
      pendings: 1,
      retries: 0,
      outcome: 'done',
    });
    expect(timings.get('network')).toMatchObject({
      startedAt: 5.4,
      finishedAt: 6.6,
      calls: 2,
      retries: 1,
      outcome: 'failed',
    });
    expect(timings.get('tenants')?.outcome).toBe('skipped');
    expect(timings.has('subnet')).toBe(false);
  });

  it('counts operation polls of every API, and nothing else', () => {
    expect(
      countOperationPolls({
        'compute.globalOperations.get': { reads: 3, writes: 0 },
        'compute.regionOperations.wait': { reads: 2, writes: 0 },
        'container.projects.locations.operations.get': { reads: 7, writes: 0 },
        'serviceusage.operations.get': { reads: 1, writes: 0 },
        'compute.networks.get': { reads: 9, writes: 0 },
        'gkehub.projects.locations.features.get': { reads: 4, writes: 0 },
      }),
    ).toBe(13);
  });

  it('summarizes runs by their medians, the ratios from the median wall', () => {
    const model = provisioningModel(TUTORIAL_OPERATIONS);
    const run = (wall: number, reads: number, rss: number): RunMeasurement => ({
      scenario: 's',
      timeScale: 0.01,
      status: 'succeeded',
      wallRealMs: wall * 10,
      wallModelSeconds: wall,
      model,
      timings: new Map(),
      calls: { reads, writes: 10, operationPolls: 5 },
      pendings: 4,
      retries: 0,
      peakRssBytes: rss * 2 ** 20,
    });
    const summary = summarizeScenario([run(900, 50, 100), run(700, 30, 300), run(800, 40, 200)]);
    expect(summary.wallSeconds).toBe(800);
    expect(summary.reads).toBe(40);
    expect(summary.peakRssMb).toBe(300);
    expect(summary.wallOverCritical).toBeCloseTo(800 / model.critical.seconds, 10);
    expect(summary.serialOverWall).toBeCloseTo(model.serialSeconds / 800, 10);
  });

  it('pads table columns to their widest cell', () => {
    expect(
      formatTable(
        ['name', 'value'],
        [
          ['a', '1.0'],
          ['longer', '10.25'],
        ],
      ),
    ).toBe(['name    value', 'a         1.0', 'longer  10.25'].join('\n'));
  });
});

describe('the benchmark on the simulator', { timeout: 90_000 }, () => {
  it('completes both scenarios at time scale 0 and prints every column', async () => {
    const lines: string[] = [];
    const result = await runBenchmark(
      { timeScale: 0, runs: 1, faultRate: 0.2, seed: 11, scenarios: 'all', warmup: false },
      (line) => lines.push(line),
    );
    const text = lines.join('\n');
    const header = lines.find((line) => line.startsWith('scenario'));
    expect(header).toBeDefined();
    for (const column of SUMMARY_COLUMNS) expect(header).toContain(column);
    expect(lines.filter((line) => line.startsWith('step ')).length).toBe(2);
    for (const column of STEP_COLUMNS) expect(text).toContain(column);
    expect(text).toMatch(/^fault-free +1\/1 /m);
    expect(text).toMatch(/^20% faults +1\/1 /m);

    expect(result.runs.map((run) => run.status)).toEqual(['succeeded', 'succeeded']);
    const [clean, faulted] = result.summaries;
    expect(clean?.serialSeconds).toBeGreaterThan(clean?.criticalSeconds ?? Infinity);
    expect(clean?.criticalSeconds).toBeGreaterThan(0);
    expect(clean?.wallSeconds).toBeUndefined();
    expect(clean?.writes).toBeGreaterThan(0);
    expect(clean?.retries).toBe(0);
    expect(faulted?.retries).toBeGreaterThan(0);
    expect(result.runs[0]?.model.unclassified).toEqual([]);
    // Nine tutorial firewall rules, inserted together.
    expect(result.runs[0]?.model.operations.filter((o) => o.kind === 'firewall')).toHaveLength(9);
    // The private zones' record changes, which private-dns waits for.
    expect(
      result.runs[0]?.model.operations.filter((o) => o.kind === 'dns-change').length,
    ).toBeGreaterThan(0);
    expect(result.runs[0]?.model.stepSeconds['private-dns']).toBeGreaterThan(0);
  });

  it('never beats the critical path at a small time scale (the model is a lower bound)', async () => {
    const timeScale = 0.002;
    const run = await measureProvisioning({ scenario: { name: 'fault-free' }, timeScale });
    expect(run.status).toBe('succeeded');
    expect(run.wallModelSeconds).toBeGreaterThanOrEqual(run.model.critical.seconds);
    // Every step on the critical path took about its model duration at least. Not exactly: a
    // step's model clock can start before the runner starts the step (mesh ACTIVE counts from the
    // membership, made when the cluster operation ends, which the runner sees a poll later), and
    // at this scale one millisecond of timer slack is half a model second.
    for (const step of run.model.critical.steps) {
      const timing = run.timings.get(step);
      const took = (timing?.finishedAt ?? 0) - (timing?.startedAt ?? 0);
      expect(took, step).toBeGreaterThanOrEqual((run.model.stepSeconds[step] ?? 0) * 0.95);
    }
    expect(run.calls.operationPolls).toBeGreaterThan(0);
  });
});

/**
 * The analysis benchmark (issue 18: "full matrix O(tenants × hosts) plus indexing, not ×
 * objects"): the reachability analysis an environment of N tenants costs, on generated
 * environments (bench/generated-environment.ts: five hosts per tenant out of a shared pool, so
 * the hosts stay fixed while the tenants grow). Per N it times what the console's reachability
 * read and every tenants step run: `findings()`, `verifyReachability` and its parts (the
 * analyzer's indexing, `reachabilityProbes`, `expectedReachability` of every probe), and prints
 * the growth exponent of each (cost ∝ tenants^k: 1 is linear in the cells at fixed hosts). It
 * asserts nothing about speed.
 */
import { performance } from 'node:perf_hooks';
import {
  expectedReachability,
  findings,
  gatewayRoutedHosts,
  ReachabilityAnalyzer,
  reachabilityProbes,
  tenantNamespaces,
  verifyReachability,
} from '#shared/analysis/index.js';
import { tenantNamespace } from '#shared/spec/index.js';
import {
  DEFAULT_SHAPE,
  generateEnvironment,
  type GeneratedEnvironment,
  type GeneratedShape,
} from './generated-environment.js';
import { formatTable } from './report.js';
import { growthExponent } from './validation.js';

/** The timed entry points, in the order the report shows them. */
export const MEASURES = ['findings', 'verify', 'analyzer', 'probes', 'expected'] as const;
export type Measure = (typeof MEASURES)[number];

/** What each measure times, for the report's legend. */
const MEASURE_TEXT: Record<Measure, string> = {
  findings: 'findings(objects, firewalls, options): every tenant × gateway-routed host',
  verify: 'verifyReachability: every probe through the analyzer, compared with the specs',
  analyzer: 'new ReachabilityAnalyzer: indexing the objects',
  probes: 'reachabilityProbes: the requests the specs make promises about',
  expected: 'expectedReachability of every probe',
};

/** One environment size, measured. */
export interface SizeTiming {
  tenants: number;
  objects: number;
  /** findings' cells: tenants × gateway-routed hosts. */
  cells: number;
  probes: number;
  findings: number;
  differences: number;
  /**
   * The least CPU time (user + system) of each measure's runs, in milliseconds: on a shared
   * machine, waiting for a core inflates wall time but not this.
   */
  cpuMs: Record<Measure, number>;
  /** The fastest wall time of each measure's runs, in milliseconds. */
  wallMs: Record<Measure, number>;
}

/** Options of {@link runAnalysisBenchmark}. */
export interface AnalysisBenchmarkOptions {
  tenants: readonly number[];
  /** Timed runs per size (the fastest shown). */
  runs: number;
  shape: Omit<GeneratedShape, 'tenants'>;
}

/** The defaults of `npm run bench:analysis`. */
export const DEFAULT_ANALYSIS_OPTIONS: AnalysisBenchmarkOptions = {
  tenants: [100, 300, 1_000, 3_000],
  runs: 3,
  shape: DEFAULT_SHAPE,
};

/** What the benchmark measured. */
export interface AnalysisBenchmarkResult {
  timings: SizeTiming[];
  /** Per measure: k of cost ∝ tenants^k, fitted on every size. */
  exponents: Partial<Record<Measure, number>>;
}

interface Timed<T> {
  value: T;
  wallMs: number;
  cpuMs: number;
}

function timed<T>(work: () => T): Timed<T> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = work();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { value, wallMs, cpuMs: (used.user + used.system) / 1000 };
}

/** Times every measure on one generated environment, `runs` times each; the fastest kept. */
export function measureEnvironment(generated: GeneratedEnvironment, runs: number): SizeTiming {
  const { environment, tenants, objects, firewalls, options } = generated;
  const none = () =>
    Object.fromEntries(MEASURES.map((m) => [m, Infinity])) as Record<Measure, number>;
  const cpuMs = none();
  const wallMs = none();
  const keep = <T>(measure: Measure, run: Timed<T>): T => {
    cpuMs[measure] = Math.min(cpuMs[measure], run.cpuMs);
    wallMs[measure] = Math.min(wallMs[measure], run.wallMs);
    return run.value;
  };
  let found = 0;
  let differences = 0;
  let probeCount = 0;
  const byNamespace = new Map(tenants.map((t) => [tenantNamespace(t), t]));
  for (let run = 0; run < runs; run += 1) {
    found = keep(
      'findings',
      timed(() => findings(objects, firewalls, options)),
    ).length;
    differences = keep(
      'verify',
      timed(() => verifyReachability(environment, tenants, objects, firewalls)),
    ).differences.length;
    keep(
      'analyzer',
      timed(() => new ReachabilityAnalyzer(objects, firewalls, options)),
    );
    const probes = keep(
      'probes',
      timed(() => reachabilityProbes(environment, tenants)),
    );
    probeCount = probes.length;
    keep(
      'expected',
      timed(() => {
        for (const probe of probes) expectedReachability(byNamespace.get(probe.tenant)!, probe);
      }),
    );
  }
  return {
    tenants: tenants.length,
    objects: objects.length,
    cells: tenantNamespaces(objects).length * gatewayRoutedHosts(objects).length,
    probes: probeCount,
    findings: found,
    differences,
    cpuMs,
    wallMs,
  };
}

const millis = (ms: number) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(0));

/** Runs every size and writes the report line by line. */
export function runAnalysisBenchmark(
  options: AnalysisBenchmarkOptions,
  write: (line: string) => void,
): AnalysisBenchmarkResult {
  const { shape } = options;
  write(
    `Analysis benchmark: generated environments of examples/tutorial, ${shape.hostsPerTenant} hosts per tenant out of ${shape.hosts} shared, passthrough ${shape.passthroughMode}; the least of ${options.runs} run(s) per size shown; node ${process.version}`,
  );
  // A small environment first, untimed: the JIT warms up on it, not on the first size.
  measureEnvironment(generateEnvironment({ ...shape, tenants: 20 }), 1);
  const timings: SizeTiming[] = [];
  for (const tenants of options.tenants) {
    timings.push(measureEnvironment(generateEnvironment({ ...shape, tenants }), options.runs));
  }
  const table = formatTable(
    [
      'tenants',
      'objects',
      'cells',
      'probes',
      'findings wall ms',
      ...MEASURES.map((m) => `${m} cpu ms`),
      'µs/cell',
      'findings',
      'differences',
    ],
    timings.map((t) => [
      String(t.tenants),
      String(t.objects),
      String(t.cells),
      String(t.probes),
      millis(t.wallMs.findings),
      ...MEASURES.map((m) => millis(t.cpuMs[m])),
      ((t.cpuMs.findings / Math.max(1, t.cells)) * 1000).toFixed(1),
      String(t.findings),
      String(t.differences),
    ]),
  );
  write('');
  for (const line of table.split('\n')) write(line);
  const exponents: Partial<Record<Measure, number>> = {};
  write('');
  if (new Set(timings.map((t) => t.tenants)).size >= 2) {
    const sizes = timings.map((t) => t.tenants);
    for (const measure of MEASURES) {
      const k = growthExponent(timings.map((t) => ({ size: t.tenants, value: t.cpuMs[measure] })));
      exponents[measure] = k;
      write(`growth of ${measure} (${sizes.join('/')} tenants): cost ∝ tenants^${k.toFixed(2)}`);
    }
  }
  write('');
  for (const measure of MEASURES) write(`${measure}: ${MEASURE_TEXT[measure]}`);
  write(
    "cells: tenants × gateway-routed hosts (the hosts are a fixed pool, so cells grow with tenants); µs/cell: findings CPU time per cell. cpu ms: the process's CPU time (user + system), the least of the runs. Exponents are least-squares fits on log-log of the CPU times: 1 is linear, 2 quadratic.",
  );
  return { timings, exponents };
}

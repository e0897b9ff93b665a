/**
 * The validation benchmark (issue 16: "validation near-linear, 8,000 rules < 100 ms"): what the
 * API and the tenant events run before storing a tenant, `parseTenant` of the incoming document
 * and `specSetProblems` of it with the environment's stored tenants, timed over growing rule
 * and tenant counts. It prints milliseconds, the ratio to the 100 ms target and how cost grows
 * (the exponent of a power law fitted to the points); it asserts nothing about speed.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parse } from 'yaml';
import {
  parseEnvironment,
  parseTenant,
  type Environment,
  type SpecError,
  type Tenant,
} from '#shared/spec/index.js';
import { specSetProblems } from '../functions/lib/spec-set-problems.js';
import { median } from './model.js';
import { formatTable } from './report.js';

/** The target for 8,000 rules, in milliseconds. */
export const TARGET_MS = 100;

/** The tutorial environment (examples/tutorial/environment.yaml), parsed by the spec's loader. */
export function tutorialEnvironment(): Environment {
  const url = new URL('../examples/tutorial/environment.yaml', import.meta.url);
  return parseEnvironment(parse(readFileSync(url, 'utf8')));
}

/**
 * Egress rule `index` of tenant `tenant`: a distinct host per rule, the modes and ports mixed
 * (http on 80, tls-origination limited to a path and a method, passthrough on 8443, http on
 * 8080). No wildcard: the schema accepts `*.example.com`, but the gateway cannot route one
 * (`gateway-cannot-express`), so a valid set has none.
 */
export function benchRule(tenant: number, index: number): Record<string, unknown> {
  const host = `h${index}.t${tenant}.example.com`;
  switch (index % 4) {
    case 0:
      return { host, mode: 'http' };
    case 1:
      return { host, mode: 'tls-origination', paths: ['/v1/*'], methods: ['GET'] };
    case 2:
      return { host, mode: 'passthrough', port: 8443 };
    default:
      return { host, mode: 'http', port: 8080 };
  }
}

/** A Tenant document of the tutorial environment with `rules` egress rules. */
export function benchTenantDocument(tenant: number, rules: number): Record<string, unknown> {
  return {
    apiVersion: 'egress.provisioner.dev/v1alpha1',
    kind: 'Tenant',
    metadata: { name: `team-${tenant}` },
    spec: {
      environment: 'tutorial',
      egress: Array.from({ length: rules }, (_, index) => benchRule(tenant, index)),
    },
  };
}

/** One measured point: `rules` egress rules spread evenly over `tenants` tenants. */
export interface ValidationCase {
  tenants: number;
  rules: number;
}

/**
 * What admission does with a case: the stored tenants (parsed beforehand, as they are read) and
 * the last tenant's document, which each run parses and checks against the set.
 */
export interface PreparedCase extends ValidationCase {
  environment: Environment;
  stored: Tenant[];
  incoming: Record<string, unknown>;
}

/** Spreads `rules` over `tenants` (the first ones take the remainder) and parses the stored ones. */
export function prepareCase(
  environment: Environment,
  { tenants, rules }: ValidationCase,
): PreparedCase {
  if (!Number.isInteger(tenants) || tenants < 1 || !Number.isInteger(rules) || rules < tenants) {
    throw new RangeError(
      `a case needs 1 <= tenants <= rules, got ${tenants} tenants, ${rules} rules`,
    );
  }
  const base = Math.floor(rules / tenants);
  const extra = rules % tenants;
  const documents = Array.from({ length: tenants }, (_, t) =>
    benchTenantDocument(t, base + (t < extra ? 1 : 0)),
  );
  const incoming = documents[documents.length - 1] as Record<string, unknown>;
  const stored = documents.slice(0, -1).map((doc) => parseTenant(doc, environment));
  return { tenants, rules, environment, stored, incoming };
}

/** What one admission of the incoming tenant finds (the timed work). */
export function admit(prepared: PreparedCase): SpecError[] {
  const incoming = parseTenant(prepared.incoming, prepared.environment);
  return specSetProblems(prepared.environment, prepared.stored, incoming);
}

/** The timings of one case, in milliseconds. */
export interface CaseTiming extends ValidationCase {
  /** Wall time: the median and the fastest run (the least disturbed on a shared machine). */
  medianMs: number;
  minMs: number;
  /** CPU time (user + system) of the process, median: what waiting for a core does not inflate. */
  cpuMs: number;
  runs: number;
  problems: number;
}

/** Times `runs` admissions of a case after `warmup` untimed ones. */
export function timeCase(prepared: PreparedCase, runs: number, warmup: number): CaseTiming {
  let problems = 0;
  for (let i = 0; i < warmup; i += 1) problems = admit(prepared).length;
  const samples: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const cpuStart = process.cpuUsage();
    const started = performance.now();
    problems = admit(prepared).length;
    samples.push(performance.now() - started);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
  }
  return {
    tenants: prepared.tenants,
    rules: prepared.rules,
    medianMs: median(samples) ?? 0,
    minMs: Math.min(...samples),
    cpuMs: median(cpu) ?? 0,
    runs,
    problems,
  };
}

/**
 * The exponent k of cost ∝ size^k, fitted by least squares on log-log points: 1 is linear, 2
 * quadratic, 0 flat. Needs two distinct sizes and positive values.
 */
export function growthExponent(points: ReadonlyArray<{ size: number; value: number }>): number {
  const usable = points.filter((p) => p.size > 0 && p.value > 0);
  const sizes = new Set(usable.map((p) => p.size));
  if (sizes.size < 2) {
    throw new RangeError('a growth exponent needs points of at least two sizes with values > 0');
  }
  const xs = usable.map((p) => Math.log(p.size));
  const ys = usable.map((p) => Math.log(p.value));
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const mx = mean(xs);
  const my = mean(ys);
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => {
    num += (x - mx) * ((ys[i] as number) - my);
    den += (x - mx) ** 2;
  });
  return num / den;
}

/** Options of {@link runValidationBenchmark}. */
export interface ValidationBenchmarkOptions {
  /** Timed runs per case (median shown). */
  runs: number;
  /** Untimed runs per case first (JIT warm-up). */
  warmup: number;
  /** Rule counts of the growth-with-rules series. */
  ruleCounts: readonly number[];
  /** Tenant counts of the growth-with-rules series (one series each). */
  tenantCounts: readonly number[];
  /** Tenant counts at the largest rule count: growth with tenants. */
  spreads: readonly number[];
}

/** The defaults of `npm run bench:validation`. */
export const DEFAULT_VALIDATION_OPTIONS: ValidationBenchmarkOptions = {
  runs: 9,
  warmup: 3,
  ruleCounts: [1_000, 2_000, 4_000, 8_000],
  tenantCounts: [1, 16],
  spreads: [1, 16, 100, 1_000],
};

/** What the benchmark measured. */
export interface ValidationBenchmarkResult {
  timings: CaseTiming[];
  /** Per tenant count: the exponent of cost against rules. */
  ruleExponents: Map<number, number>;
  /** At the largest rule count: the exponent of cost against tenants. */
  tenantExponent?: number;
}

/** Runs every case and writes the report line by line. */
export function runValidationBenchmark(
  options: ValidationBenchmarkOptions,
  write: (line: string) => void,
): ValidationBenchmarkResult {
  const environment = tutorialEnvironment();
  const largest = Math.max(...options.ruleCounts);
  write(
    `Validation benchmark: parseTenant of the incoming tenant + specSetProblems with the stored tenants of environment "${environment.metadata.name}" (examples/tutorial); ${options.runs} runs per case after ${options.warmup} warm-up, medians shown; node ${process.version}`,
  );
  const cases: ValidationCase[] = [];
  const seen = new Set<string>();
  const add = (c: ValidationCase) => {
    const key = `${c.tenants}/${c.rules}`;
    if (c.tenants <= c.rules && !seen.has(key)) {
      seen.add(key);
      cases.push(c);
    }
  };
  for (const tenants of options.tenantCounts) {
    for (const rules of options.ruleCounts) add({ tenants, rules });
  }
  for (const tenants of options.spreads) add({ tenants, rules: largest });

  const timings = cases.map((c) =>
    timeCase(prepareCase(environment, c), options.runs, options.warmup),
  );
  const rows = timings.map((t) => [
    String(t.tenants),
    String(t.rules),
    t.medianMs.toFixed(1),
    t.minMs.toFixed(1),
    t.cpuMs.toFixed(1),
    ((t.minMs / t.rules) * 1000).toFixed(1),
    `${(t.minMs / TARGET_MS).toFixed(2)}x`,
    String(t.problems),
  ]);
  write('');
  const table = formatTable(
    ['tenants', 'rules', 'median ms', 'min ms', 'cpu ms', 'µs/rule', 'min/100 ms', 'problems'],
    rows,
  );
  for (const line of table.split('\n')) write(line);

  // Fitted on the fastest runs: on a shared machine the medians carry other processes' load.
  const fit = (series: CaseTiming[], size: (t: CaseTiming) => number) =>
    growthExponent(series.map((t) => ({ size: size(t), value: t.minMs })));
  const ruleExponents = new Map<number, number>();
  for (const tenants of options.tenantCounts) {
    const series = timings.filter((t) => t.tenants === tenants);
    if (new Set(series.map((t) => t.rules)).size < 2) continue;
    ruleExponents.set(
      tenants,
      fit(series, (t) => t.rules),
    );
  }
  const spread = timings.filter((t) => t.rules === largest && options.spreads.includes(t.tenants));
  const tenantExponent =
    new Set(spread.map((t) => t.tenants)).size >= 2 ? fit(spread, (t) => t.tenants) : undefined;

  write('');
  for (const [tenants, exponent] of ruleExponents) {
    write(
      `growth with rules (${tenants} tenant${tenants === 1 ? '' : 's'}): cost ∝ rules^${exponent.toFixed(2)}`,
    );
  }
  if (tenantExponent !== undefined) {
    write(
      `growth with tenants (${largest} rules over ${spread.map((t) => t.tenants).join('/')} tenants): cost ∝ tenants^${tenantExponent.toFixed(2)}`,
    );
  }
  const atTarget = timings.filter((t) => t.rules === 8_000);
  if (atTarget.length > 0) {
    const worst = atTarget.reduce((a, b) => (b.minMs > a.minMs ? b : a));
    write(
      `8,000 rules: slowest case ${worst.minMs.toFixed(1)} ms (min; median ${worst.medianMs.toFixed(1)}, cpu ${worst.cpuMs.toFixed(1)}) = ${(worst.minMs / TARGET_MS).toFixed(2)}x the ${TARGET_MS} ms target (${worst.tenants} tenants)`,
    );
  }
  write(
    "min/100 ms: the fastest run over the 100 ms target (below 1.00x meets it). cpu ms: the process's CPU time, median. Exponents are least-squares fits on log-log of the fastest runs: 1 is linear, 0 flat.",
  );
  return { timings, ruleExponents, ...(tenantExponent !== undefined ? { tenantExponent } : {}) };
}

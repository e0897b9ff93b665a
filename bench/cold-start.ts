/**
 * Cold start of the functions (issue 18, Deliver 4): how long a fresh instance takes to load
 * its module, and its first step call. Each figure comes from a fresh `node` process (a new
 * instance), as Cloud Run starts one:
 *
 * - **module load**: `import()` of the compiled functions/index.js (`npm run build`), what
 *   functions-framework loads for any `--target` (the index registers every function, so every
 *   target loads the same module). Wall and CPU milliseconds, median of N processes.
 * - **first step call**: what `step-apis` does first in a new instance: a Firestore read through
 *   the context's stores (firebase-admin loads then) and `apis.ensure` against the GCP simulator
 *   (Service Usage loads then). Needs the Firestore emulator (FIRESTORE_EMULATOR_HOST).
 *
 * Both print ratios against the targets: 300 ms and 1.5 s. Also reported: which heavy client
 * libraries each process had loaded after the import and after the call.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { readSeedFile, startGcpSimulator } from '../local/gcp/index.js';

export const MODULE_LOAD_TARGET_MS = 300;
export const FIRST_CALL_TARGET_MS = 1500;

/** Client libraries a function should load only when a call needs them. */
export const HEAVY_LIBRARIES = [
  '@google-cloud/compute',
  '@google-cloud/container',
  '@google-cloud/dns',
  '@google-cloud/pubsub',
  '@google-cloud/resource-manager',
  '@google-cloud/service-usage',
  '@google-cloud/workflows',
  '@googleapis/iam',
  '@kubernetes/client-node',
  'firebase-admin',
  'google-auth-library',
] as const;

/**
 * The probe each fresh process runs (ES module source). It records every module URL the ESM
 * loader resolves (a resolve hook on a message port) plus CommonJS's `require.cache`, imports
 * PROBE_MODULE, then runs PROBE_CALLS (JSON: [{label, step}] steps of the context's registry,
 * after one Firestore read when PROBE_FIRESTORE_READ=1), and prints one JSON line.
 */
export const PROBE_SOURCE = String.raw`
import { register, createRequire } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const require = createRequire(import.meta.url);
const urls = new Set();
const { port1, port2 } = new MessageChannel();
port1.on('message', (url) => urls.add(url));
port1.unref();
const hook = 'let port; export function initialize(data) { port = data.port; }' +
  ' export async function resolve(s, c, next) { const r = await next(s, c); port.postMessage(r.url); return r; }';
register('data:text/javascript,' + encodeURIComponent(hook), { data: { port: port2 }, transferList: [port2] });
const heavy = JSON.parse(process.env.PROBE_HEAVY);
const settle = () => new Promise((r) => setTimeout(r, 20));
const loaded = async () => {
  await settle();
  const all = [...urls, ...Object.keys(require.cache)];
  return heavy.filter((p) => all.some((u) => u.includes('/node_modules/' + p + '/')));
};
const ms = (t) => Math.round((performance.now() - t) * 10) / 10;
const cpuMs = (c) => { const u = process.cpuUsage(c); return Math.round((u.user + u.system) / 100) / 10; };
const out = {};
let t = performance.now(); let c = process.cpuUsage();
const mod = await import(process.env.PROBE_MODULE);
out.loadMs = ms(t); out.loadCpuMs = cpuMs(c);
out.afterImport = await loaded();
const calls = JSON.parse(process.env.PROBE_CALLS ?? '[]');
if (calls.length > 0) {
  const { getContext } = await import(process.env.PROBE_CONTEXT);
  const ctx = getContext();
  const environment = JSON.parse(process.env.PROBE_ENVIRONMENT);
  out.calls = [];
  for (const call of calls) {
    t = performance.now(); c = process.cpuUsage();
    let error;
    try {
      if (call.firestoreRead) await ctx.stores.runs.get('run-00000000-coldstart');
      await ctx.steps[call.step].ensure({ runId: 'run-00000000-coldstart', step: call.step,
        environment, tenants: [], upstream: {}, attempt: 1 });
    } catch (e) { error = String(e?.message ?? e).slice(0, 200); }
    out.calls.push({ label: call.label, ms: ms(t), cpuMs: cpuMs(c), loaded: await loaded(), ...(error ? { error } : {}) });
  }
}
void mod;
process.stdout.write(JSON.stringify(out) + '\n');
process.exit(0);
`;

/** One step call a probe makes, in order, in the same process. */
export interface ProbeCall {
  label: string;
  step: string;
  /** Read one run document through the context's stores first (Firestore). */
  firestoreRead?: boolean;
}

export interface ProbeResult {
  loadMs: number;
  loadCpuMs: number;
  afterImport: string[];
  calls?: { label: string; ms: number; cpuMs: number; loaded: string[]; error?: string }[];
}

export interface ProbeOptions {
  /** The module to import: dist/functions/index.js, or functions/index.ts with `tsx`. */
  module: string;
  /** functions/context.(js|ts) next to it. */
  context: string;
  /** Run under tsx (sources) instead of plain node (compiled). */
  tsx?: boolean;
  calls?: ProbeCall[];
  env?: NodeJS.ProcessEnv;
}

/** The tutorial environment as the steps receive it (spec as stored). */
export async function tutorialEnvironment(): Promise<unknown> {
  return parse(await readFile('examples/tutorial/environment.yaml', 'utf8')) as unknown;
}

/** Runs the probe in a fresh node process. */
export async function runProbe(options: ProbeOptions): Promise<ProbeResult> {
  const args = [
    ...(options.tsx ? ['--import', 'tsx'] : []),
    '--input-type=module',
    '-e',
    PROBE_SOURCE,
  ];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GOOGLE_CLOUD_PROJECT: process.env.GOOGLE_CLOUD_PROJECT ?? 'bench-cold-start',
    EGRESS_AUTH: 'disabled-local',
    METADATA_SERVER_DETECTION: 'none',
    ...options.env,
    PROBE_MODULE: pathToFileURL(resolve(options.module)).href,
    PROBE_CONTEXT: pathToFileURL(resolve(options.context)).href,
    PROBE_HEAVY: JSON.stringify(HEAVY_LIBRARIES),
    PROBE_CALLS: JSON.stringify(options.calls ?? []),
    PROBE_ENVIRONMENT: JSON.stringify(await tutorialEnvironment()),
  };
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      const line = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !line.startsWith('{')) {
        fail(new Error(`probe exited ${code}: ${stderr.trim().slice(-2000)}`));
        return;
      }
      done(JSON.parse(line) as ProbeResult);
    });
  });
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return NaN;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export interface ColdStartOptions {
  /** Fresh processes per figure. */
  runs: number;
  /** The compiled index (default dist/functions/index.js). */
  dist: string;
}

export const DEFAULT_COLD_START_OPTIONS: ColdStartOptions = {
  runs: 5,
  dist: 'dist',
};

export interface ColdStartFigure {
  name: string;
  /** Median wall ms over the runs. */
  ms: number;
  /** Median CPU ms (user + system) over the runs: less moved by other processes. */
  cpuMs: number;
  targetMs: number;
  /** ms / targetMs. */
  ratio: number;
  runs: number;
  /** Heavy libraries loaded at the end of the measured part (the first run's). */
  loaded: string[];
  error?: string;
}

export interface ColdStartResult {
  scenario: 'cold-start';
  node: string;
  results: ColdStartFigure[];
}

function figure(
  name: string,
  samples: { ms: number; cpuMs: number; loaded: string[]; error?: string }[],
  targetMs: number,
): ColdStartFigure {
  const ms = median(samples.map((s) => s.ms));
  const error = samples.find((s) => s.error)?.error;
  return {
    name,
    ms,
    cpuMs: median(samples.map((s) => s.cpuMs)),
    targetMs,
    ratio: Math.round((ms / targetMs) * 100) / 100,
    runs: samples.length,
    loaded: samples[0]?.loaded ?? [],
    ...(error ? { error } : {}),
  };
}

/** Measures module load and the first step-apis call of the compiled functions. */
export async function runColdStart(
  options: ColdStartOptions,
  log: (line: string) => void = () => {},
): Promise<ColdStartResult> {
  const module = resolve(options.dist, 'functions/index.js');
  const context = resolve(options.dist, 'functions/context.js');
  try {
    await readFile(module);
  } catch {
    throw new Error(`${module} is missing: run \`npm run build\` first`);
  }
  const loads: ProbeResult[] = [];
  for (let i = 0; i < options.runs; i++) loads.push(await runProbe({ module, context }));
  const results: ColdStartFigure[] = [
    figure(
      'module load (functions/index.js, every target)',
      loads.map((r) => ({ ms: r.loadMs, cpuMs: r.loadCpuMs, loaded: r.afterImport })),
      MODULE_LOAD_TARGET_MS,
    ),
  ];

  const firestore = process.env.FIRESTORE_EMULATOR_HOST;
  if (!firestore) {
    log('first step call: skipped (FIRESTORE_EMULATOR_HOST is not set: start the emulator)');
  } else {
    const gcp = await startGcpSimulator({
      port: 0,
      timeScale: 0,
      seed: await readSeedFile('examples/tutorial/local-seed.yaml'),
    });
    try {
      const calls: ProbeCall[] = [{ label: 'step-apis', step: 'apis', firestoreRead: true }];
      const firsts: NonNullable<ProbeResult['calls']>[number][] = [];
      for (let i = 0; i < options.runs; i++) {
        const probe = await runProbe({
          module,
          context,
          calls,
          env: { EGRESS_GCP_ENDPOINT: gcp.url },
        });
        if (probe.calls?.[0]) firsts.push(probe.calls[0]);
      }
      results.push(
        figure(
          'first step call (step-apis: a Firestore read + apis.ensure)',
          firsts,
          FIRST_CALL_TARGET_MS,
        ),
      );
    } finally {
      await gcp.close();
    }
  }

  for (const r of results) {
    log(
      `${r.name}: ${r.ms.toFixed(0)} ms wall, ${r.cpuMs.toFixed(0)} ms CPU (median of ${r.runs}); ` +
        `target ${r.targetMs} ms: ${r.ratio.toFixed(2)}x; loaded: ${r.loaded.join(', ') || 'none of the client libraries'}` +
        (r.error ? `; the call failed: ${r.error}` : ''),
    );
  }
  return { scenario: 'cold-start', node: process.version, results };
}

/**
 * The tenants scenario (issue 18, Deliver 7): what one more tenant costs in an environment of N
 * tenants, on the local stack as `npm start` runs it (emulators, simulators, functions, the
 * workflows), per N:
 *
 * - **initial burst**: N generated tenants PUT through the API at once (8 in flight) into the
 *   provisioned tutorial environment; seconds until every one is APPLIED, and the tenants
 *   passes the reconcile executions made (a burst coalesces into passes);
 * - **onboard**: one more tenant PUT; seconds until it is APPLIED (verified by the tenants
 *   step), and the Kubernetes objects written for it;
 * - **no-op**: the same document PUT again; seconds and writes (Google, Kubernetes) it caused;
 * - **largest Firestore document** of the service's project, in bytes (the 1 MiB limit);
 * - **matrix**: `egressctl matrix --env tutorial` wall seconds.
 *
 * Each N gets a stack of its own. Costs that grow with N where they should grow with the change
 * show as a growth exponent (cost ∝ N^k) between the smallest and the largest N.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { readSeedFile } from '../local/gcp/index.js';
import { startLocalStack, type LocalStack } from '../local/stack/index.js';
import { generatedTenantDocument, DEFAULT_SHAPE } from './generated-environment.js';

/** Options of {@link runTenantsBenchmark}. */
export interface TenantsBenchmarkOptions {
  /** Environment sizes, one stack each. */
  tenants: number[];
  /** The latency model's time scale (0.01: a 15-minute provisioning in ~10 s). */
  timeScale: number;
}

export const DEFAULT_TENANTS_OPTIONS: TenantsBenchmarkOptions = {
  tenants: [10, 100],
  timeScale: 0.01,
};

/** The figures of one environment size (the JSON field names the issue gives). */
export interface TenantsResult {
  tenants: number;
  initialSeconds: number;
  initialPasses: number;
  onboardSeconds: number;
  oneTenantObjectWrites: number;
  noopSeconds: number;
  noopWrites: number;
  largestDocumentBytes: number;
  matrixSeconds: number;
}

const ENVIRONMENT = 'tutorial';
const IN_FLIGHT = 8;

const seconds = (startMs: number) => (Date.now() - startMs) / 1000;

async function api(
  stack: LocalStack,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${stack.info.endpoints.api}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function tenantStatuses(stack: LocalStack): Promise<Map<string, string>> {
  const { body } = await api(stack, 'GET', `/v1/environments/${ENVIRONMENT}/tenants`);
  const tenants = (body.tenants ?? []) as Array<{ id: string; status: string }>;
  return new Map(tenants.map((t) => [t.id, t.status]));
}

/** Waits until every named tenant is APPLIED; throws on FAILED with the tenant named. */
async function allApplied(stack: LocalStack, names: readonly string[], timeoutMs: number) {
  await until(`${names.length} tenants to be APPLIED`, timeoutMs, async () => {
    const statuses = await tenantStatuses(stack);
    const failed = names.find((n) => statuses.get(n) === 'FAILED');
    if (failed) throw new Error(`tenant ${failed} FAILED`);
    return names.every((n) => statuses.get(n) === 'APPLIED') ? true : undefined;
  });
}

async function settled(stack: LocalStack): Promise<void> {
  await until('every workflow execution to end', 600_000, async () =>
    stack.executions!.list().every((e) => e.state !== 'ACTIVE') ? true : undefined,
  );
}

/** Tenants passes of every execution so far (each result names its passes). */
function passesSoFar(stack: LocalStack): number {
  return stack
    .executions!.list()
    .filter((e) => e.result)
    .reduce(
      (sum, e) => sum + Number((JSON.parse(e.result!) as { passes?: number }).passes ?? 0),
      0,
    );
}

/** Waits until the environment is READY and no execution runs. */
async function ready(stack: LocalStack): Promise<void> {
  await until('environment tutorial to be READY', 600_000, async () => {
    const { body } = await api(stack, 'GET', `/v1/environments/${ENVIRONMENT}`);
    if (body.status === 'FAILED') throw new Error('environment tutorial FAILED');
    return body.status === 'READY' ? true : undefined;
  });
  await settled(stack);
}

function writes(stack: LocalStack): { gcp: number; kube: number } {
  let kube = 0;
  for (const cluster of stack.fleet?.clusters().values() ?? []) kube += cluster.counters.writes;
  return { gcp: stack.gcp!.counters.writes, kube };
}

/** The emulator's admin credential: reads past the security rules, as the functions' SDK does. */
const OWNER = { authorization: 'Bearer owner' };

/** The largest document of the service's Firestore project, by its JSON size. */
async function largestDocumentBytes(stack: LocalStack): Promise<number> {
  const host = stack.info.endpoints.firestoreHost!;
  const project = stack.info.projectId;
  let largest = 0;
  const visit = async (parent: string): Promise<void> => {
    const ids = await fetch(
      `http://${host}/v1/projects/${project}/databases/(default)/documents${parent}:listCollectionIds`,
      { method: 'POST', headers: { ...OWNER, 'content-type': 'application/json' }, body: '{}' },
    );
    const { collectionIds = [] } = (await ids.json()) as { collectionIds?: string[] };
    for (const collection of collectionIds) {
      let pageToken = '';
      do {
        const page = await fetch(
          `http://${host}/v1/projects/${project}/databases/(default)/documents${parent}/${collection}?pageSize=300${pageToken ? `&pageToken=${pageToken}` : ''}`,
          { headers: OWNER },
        );
        const body = (await page.json()) as {
          documents?: Array<{ name: string }>;
          nextPageToken?: string;
        };
        for (const document of body.documents ?? []) {
          largest = Math.max(largest, Buffer.byteLength(JSON.stringify(document)));
          await visit(`/${document.name.split('/documents/')[1]}`);
        }
        pageToken = body.nextPageToken ?? '';
      } while (pageToken);
    }
  };
  await visit('');
  return largest;
}

/** `egressctl matrix --env tutorial` against the stack, timed from process start to exit. */
async function matrixSeconds(stateDir: string): Promise<number> {
  const start = Date.now();
  const code = await new Promise<number>((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'cli/index.ts', 'matrix', '--env', ENVIRONMENT, '--state-dir', stateDir],
      { stdio: 'ignore' },
    );
    child.once('exit', (c) => resolve(c ?? 1));
  });
  if (code !== 0) throw new Error(`egressctl matrix exited with ${code}`);
  return seconds(start);
}

async function measure(n: number, options: TenantsBenchmarkOptions): Promise<TenantsResult> {
  const stateDir = mkdtempSync(join(tmpdir(), `bench-tenants-${n}-`));
  const stack = await startLocalStack({
    stateDir,
    timeScale: options.timeScale,
    seed: await readSeedFile('examples/tutorial/local-seed.yaml'),
  });
  try {
    const environment: unknown = parse(readFileSync('examples/tutorial/environment.yaml', 'utf8'));
    const created = await api(stack, 'POST', '/v1/environments', environment);
    if (created.status !== 202) throw new Error(`POST environment: ${created.status}`);
    await ready(stack);

    const shape = { ...DEFAULT_SHAPE, tenants: n + 1 };
    const documents = Array.from({ length: n }, (_, i) => generatedTenantDocument(i, shape));
    const names = documents.map((doc) => (doc as { metadata: { name: string } }).metadata.name);
    const passesBefore = passesSoFar(stack);
    const burstStart = Date.now();
    const queue = [...documents];
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        for (let doc = queue.shift(); doc; doc = queue.shift()) {
          const name = (doc as { metadata: { name: string } }).metadata.name;
          const put = await api(
            stack,
            'PUT',
            `/v1/environments/${ENVIRONMENT}/tenants/${name}`,
            doc,
          );
          if (put.status >= 300)
            throw new Error(`PUT ${name}: ${put.status} ${JSON.stringify(put.body)}`);
        }
      }),
    );
    await allApplied(stack, names, 3_600_000);
    const initialSeconds = seconds(burstStart);
    await settled(stack);
    const initialPasses = passesSoFar(stack) - passesBefore;

    const extra = generatedTenantDocument(n, shape) as { metadata: { name: string } };
    const before = writes(stack);
    const onboardStart = Date.now();
    await api(
      stack,
      'PUT',
      `/v1/environments/${ENVIRONMENT}/tenants/${extra.metadata.name}`,
      extra,
    );
    await allApplied(stack, [extra.metadata.name], 3_600_000);
    const onboardSeconds = seconds(onboardStart);
    await settled(stack);
    const oneTenantObjectWrites = writes(stack).kube - before.kube;

    const noopBefore = writes(stack);
    const noopStart = Date.now();
    await api(
      stack,
      'PUT',
      `/v1/environments/${ENVIRONMENT}/tenants/${extra.metadata.name}`,
      extra,
    );
    await settled(stack);
    const noopSeconds = seconds(noopStart);
    const noopAfter = writes(stack);

    return {
      tenants: n,
      initialSeconds,
      initialPasses,
      onboardSeconds,
      oneTenantObjectWrites,
      noopSeconds,
      noopWrites: noopAfter.gcp - noopBefore.gcp + (noopAfter.kube - noopBefore.kube),
      largestDocumentBytes: await largestDocumentBytes(stack),
      matrixSeconds: await matrixSeconds(stateDir),
    };
  } finally {
    await stack.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** How a figure grows with tenants between the first and last size: cost ∝ tenants^k. */
export function growthExponent(
  results: readonly TenantsResult[],
  key: keyof TenantsResult,
): number {
  const first = results[0];
  const last = results.at(-1);
  if (!first || !last || last.tenants === first.tenants) return Number.NaN;
  const a = Math.max(Number(first[key]), 1e-3);
  const b = Math.max(Number(last[key]), 1e-3);
  return Math.log(b / a) / Math.log(last.tenants / first.tenants);
}

/** Runs every size in turn; `log` gets a line per size and the growth summary. */
export async function runTenantsBenchmark(
  options: TenantsBenchmarkOptions,
  log: (line: string) => void,
): Promise<{ scenario: 'tenants'; results: TenantsResult[] }> {
  const results: TenantsResult[] = [];
  for (const n of options.tenants) {
    const r = await measure(n, options);
    results.push(r);
    log(
      `${n} tenants: burst ${r.initialSeconds.toFixed(1)} s in ${r.initialPasses} passes; onboard one ${r.onboardSeconds.toFixed(1)} s (${r.oneTenantObjectWrites} object writes); no-op ${r.noopSeconds.toFixed(2)} s, ${r.noopWrites} writes; largest document ${r.largestDocumentBytes} B; matrix ${r.matrixSeconds.toFixed(1)} s`,
    );
  }
  if (results.length > 1) {
    const k = (key: keyof TenantsResult) => growthExponent(results, key).toFixed(2);
    log(
      `growth (cost ∝ tenants^k): onboard k=${k('onboardSeconds')} (target 0: grows with the change), object writes k=${k('oneTenantObjectWrites')}, largest document k=${k('largestDocumentBytes')}, matrix k=${k('matrixSeconds')}`,
    );
  }
  return { scenario: 'tenants', results };
}

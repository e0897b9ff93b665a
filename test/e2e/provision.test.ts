import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ENVIRONMENT_STEPS } from '../../shared/plan/graph.js';
import { readSeedFile } from '../../local/gcp/index.js';
import type {
  EnvironmentRecord,
  RunRecord,
  StepRecord,
  TenantRecord,
} from '../../shared/state/types.js';
import { startLocalStack, type LocalStack } from '../../local/stack/index.js';
import { eventually, runCli, tempStateDir } from './helpers.js';

/**
 * End to end through the real parts: HTTP (api function) → Firestore → Pub/Sub → Eventarc bridge
 * → Executions API (the Workflows interpreter over workflows/) → step functions → GCP and
 * Kubernetes simulators, time-scaled. The GCP simulator starts with the tutorial's hand-made
 * bucket (examples/tutorial/local-seed.yaml), which team-x's Workload Identity grant names.
 * One stack for the whole file (it costs real time): provision with a crash of the workflows
 * part in the middle of the cluster step, tenants through `egressctl up`, a no-op second POST,
 * and `egressctl down` to simulators empty of the environment.
 */

interface RunView {
  run: RunRecord;
  steps: StepRecord[];
}

const TIME_SCALE = 0.01;
const environmentYaml = readFileSync('examples/tutorial/environment.yaml', 'utf8');
const environmentSpec = parseYaml(environmentYaml) as { metadata: { name: string } };
const BUCKET = 'tutorial-project-bucket';
const PROJECT = 'tutorial-project';
const TEAM_X_MEMBER = 'serviceAccount:sa-test-app-team-x@tutorial-project.iam.gserviceaccount.com';

let stack: LocalStack;
let stateDir: string;
let api: string;
/** The GCP simulator's resources before anything ran: the seed. */
let seededResources: Record<string, Record<string, unknown>>;

async function post(body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${api}/v1/environments`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml', ...headers },
    body,
  });
  return { status: res.status, body: (await res.json()) as { runId: string; reason?: string } };
}

async function getRun(runId: string): Promise<RunView> {
  const res = await fetch(`${api}/v1/runs/${runId}`);
  expect(res.status).toBe(200);
  return (await res.json()) as RunView;
}

function waitForEnd(runId: string): Promise<RunView> {
  return eventually(
    async () => {
      const view = await getRun(runId);
      return view.run.status === 'SUCCEEDED' || view.run.status === 'FAILED' ? view : undefined;
    },
    `run ${runId} to end`,
    90_000,
  );
}

interface GcpCounters {
  writes: number;
  byMethod: Record<string, { reads: number; writes: number }>;
}

async function gcpCounters(): Promise<GcpCounters> {
  const res = await fetch(`${stack.info.endpoints.gcp}/__admin/counters`);
  return (await res.json()) as GcpCounters;
}

async function gcpWrites(): Promise<number> {
  return (await gcpCounters()).writes;
}

/** Calls of the methods whose id matches, reads and writes summed. */
function calls(counters: GcpCounters, method: RegExp, kind: 'reads' | 'writes'): number {
  return Object.entries(counters.byMethod)
    .filter(([id]) => method.test(id))
    .reduce((n, [, c]) => n + c[kind], 0);
}

/** A GET of the GCP simulator's REST API, as the official clients and gcloud send it. */
async function gcpGet<T>(path: string): Promise<T> {
  const res = await fetch(`${stack.info.endpoints.gcp}${path}`);
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

/** The names of a list answer's items (`items`, `clusters`, `accounts`...). */
async function listNames(path: string, field: string): Promise<string[]> {
  const body = await gcpGet<Record<string, Array<{ name: string }> | undefined>>(path);
  return (body[field] ?? []).map((item) => item.name);
}

const COMPUTE = `/compute/v1/projects/${PROJECT}`;
/** [REST list path, field of its items] of every kind of resource an environment creates. */
const ENVIRONMENT_LISTINGS: ReadonlyArray<readonly [string, string]> = [
  [`${COMPUTE}/global/networks`, 'items'],
  [`${COMPUTE}/regions/us-central1/subnetworks`, 'items'],
  [`${COMPUTE}/regions/us-central1/routers`, 'items'],
  [`${COMPUTE}/global/firewalls`, 'items'],
  [`/dns/v1/projects/${PROJECT}/managedZones`, 'managedZones'],
  [`/v1/projects/${PROJECT}/serviceAccounts`, 'accounts'],
  [`/v1/projects/${PROJECT}/locations/-/clusters`, 'clusters'],
  [`/v1/projects/${PROJECT}/locations/global/memberships`, 'resources'],
];

/** The provision execution the bridge started for a run (its argument carries the run id). */
function executionOfRun(runId: string) {
  return stack.executions!.list().find(
    (e) =>
      e.workflowId === 'provision-environment' &&
      Buffer.from(
        (JSON.parse(e.argument) as { data: { message: { data: string } } }).data.message.data,
        'base64',
      )
        .toString()
        .includes(runId),
  );
}

function kubeWrites(): number {
  return [...(stack.fleet?.clusters().values() ?? [])].reduce((n, c) => n + c.counters.writes, 0);
}

async function getEnvironment(): Promise<EnvironmentRecord> {
  const res = await fetch(`${api}/v1/environments/tutorial`);
  expect(res.status).toBe(200);
  return (await res.json()) as EnvironmentRecord;
}

async function getTenants(): Promise<TenantRecord[]> {
  const res = await fetch(`${api}/v1/environments/tutorial/tenants`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { tenants: TenantRecord[] }).tenants;
}

/** Every workflow execution has ended (tenant events may start reconcile runs of their own). */
function executionsSettled(): Promise<true> {
  return eventually(
    () => Promise.resolve(stack.executions!.list().every((e) => e.state !== 'ACTIVE') || undefined),
    'every workflow execution to end',
    90_000,
  );
}

/** Asserts a run ended SUCCEEDED, with every step DONE and the environment READY. */
async function expectReady(view: RunView): Promise<void> {
  expect(view.run.status, JSON.stringify(view.run.error ?? view.run)).toBe('SUCCEEDED');
  const notDone = view.steps.filter((s) => s.status !== 'DONE').map((s) => `${s.step} ${s.status}`);
  expect(notDone).toEqual([]);
  expect(view.steps.map((s) => s.step).sort()).toEqual([...ENVIRONMENT_STEPS].sort());
  expect((await getEnvironment()).status).toBe('READY');
}

beforeAll(async () => {
  stateDir = tempStateDir('provision');
  stack = await startLocalStack({
    stateDir,
    timeScale: TIME_SCALE,
    seed: await readSeedFile('examples/tutorial/local-seed.yaml'),
  });
  api = stack.info.endpoints.api!;
  seededResources = stack.gcp!.state().resources;
  expect(Object.keys(seededResources['storage.buckets'] ?? {})).toHaveLength(1);
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('provisioning the tutorial environment on the local stack', { timeout: 300_000 }, () => {
  let firstRun: RunView;

  it('runs HTTP → Pub/Sub → eventarc → workflow → functions → simulators → Firestore to READY, through a crash of the workflows part during the cluster step', async () => {
    expect(environmentSpec.metadata.name).toBe('tutorial');
    const created = await post(environmentYaml);
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const runId = created.body.runId;

    // The cluster step is pending on its create operation, recorded in the run.
    const atKill = await eventually(
      async () => {
        const view = await getRun(runId);
        const cluster = view.steps.find((s) => s.step === 'cluster');
        return cluster?.operation && cluster.status !== 'DONE' ? cluster : undefined;
      },
      'the cluster step to be pending on its operation',
      90_000,
      100,
    );
    const execution = executionOfRun(runId)!;
    expect(execution.state).toBe('ACTIVE');
    await stack.stopPart('workflows');
    // The bridge and the Executions API are gone; what they leave is what a killed process would.
    await expect(fetch(stack.info.endpoints.executions!)).rejects.toThrow();
    await expect(fetch(stack.info.endpoints.eventarc!, { method: 'POST' })).rejects.toThrow();
    const saved = JSON.parse(readFileSync(`${stateDir}/executions.json`, 'utf8')) as Array<{
      name: string;
      state: string;
    }>;
    expect(saved.find((e) => e.name === execution.name)?.state).toBe('ACTIVE');
    expect((await getRun(runId)).run.status).toBe('RUNNING');
    const beforeRestart = await gcpCounters();

    await stack.startPart('workflows');
    firstRun = await waitForEnd(runId);
    // The same execution, replayed under its id, drove the same run to its end.
    expect(firstRun.run.id).toBe(runId);
    let replayed = stack.executions!.get(execution.name);
    for (let i = 0; i < 300 && replayed?.state === 'ACTIVE'; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      replayed = stack.executions!.get(execution.name);
    }
    expect(replayed?.state, JSON.stringify(replayed?.error)).toBe('SUCCEEDED');
    expect(replayed?.replays).toBe(1);
    expect(
      stack.executions!.list().filter((e) => e.workflowId === 'provision-environment'),
    ).toHaveLength(1);
    await expectReady(firstRun);
    const clusterStep = firstRun.steps.find((s) => s.step === 'cluster')!;
    expect(clusterStep.attempts).toBeGreaterThan(atKill.attempts);

    // No duplicates: each resource was created by one write, and the pending cluster operation
    // was read by name after the restart instead of being started again.
    const after = await gcpCounters();
    const creates = (method: RegExp) => calls(after, method, 'writes');
    expect(creates(/^container\.projects\.(locations|zones)\.clusters\.create$/)).toBe(1);
    expect(creates(/^container\.projects\.(locations|zones)\.clusters\.nodePools\.create$/)).toBe(
      1,
    );
    expect(creates(/^compute\.networks\.insert$/)).toBe(1);
    expect(creates(/^compute\.subnetworks\.insert$/)).toBe(1);
    expect(creates(/^compute\.routers\.insert$/)).toBe(1);
    expect(creates(/^iam\.projects\.serviceAccounts\.create$/)).toBe(2);
    expect(creates(/^gkehub\.projects\.locations\.features\.create$/)).toBe(1);
    const firewalls = await listNames(`${COMPUTE}/global/firewalls`, 'items');
    expect(firewalls.length).toBeGreaterThan(0);
    expect(creates(/^compute\.firewalls\.insert$/)).toBe(firewalls.length);
    const zones = await listNames(`/dns/v1/projects/${PROJECT}/managedZones`, 'managedZones');
    expect(creates(/^dns\.managedZones\.create$/)).toBe(zones.length);
    const operationReads = (c: GcpCounters) =>
      calls(c, /^container\.projects\.(locations|zones)\.operations\.get$/, 'reads');
    expect(operationReads(after)).toBeGreaterThan(operationReads(beforeRestart));
    expect(await listNames(`/v1/projects/${PROJECT}/locations/-/clusters`, 'clusters')).toEqual([
      'cluster1',
    ]);
  });

  it('egressctl up --once attaches, PUTs both tenants, and the run ends SUCCEEDED with both APPLIED and team-x granted on the bucket', async () => {
    expect(firstRun).toBeDefined();
    const result = await runCli([
      'up',
      '-f',
      'examples/tutorial',
      '--target',
      'local',
      '--once',
      '--state-dir',
      stateDir,
      '--poll',
      '0.2',
    ]);
    expect(result.stdout).toContain(`attached to the local stack of ${stateDir}`);
    expect(result.stdout).toContain('tenants: team-x accepted, team-y accepted');
    expect(result.stdout).toMatch(
      // The heading names the matrix's source: the tenants step's record, or the specs.
      /reachability \((recorded by the tenants step from the live cluster|desired state compiled from the specs)\):\nURL +team-x +team-y/,
    );
    expect(result.stdout).toMatch(
      /http:\/\/example\.com\/ +ALLOWED \(tls-origination\) +DENIED_NO_ROUTE/,
    );
    // The CLI's verdict is the run's: exit 0 for SUCCEEDED.
    const runId = /run (run-[0-9a-f-]+) started/.exec(result.stdout)?.[1];
    expect(runId, result.stdout).toBeDefined();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`run ${runId} SUCCEEDED`);
    expect(result.stdout).toMatch(/resources in the GCP simulator: .*storage\.buckets 1/);
    await expectReady(await getRun(runId!));

    // Tenant events may start a reconcile run of their own after the provision run: wait for all.
    await executionsSettled();
    const tenants = await eventually(
      async () => {
        const found = await getTenants();
        return found.length === 2 && found.every((t) => t.status === 'APPLIED') ? found : undefined;
      },
      'team-x and team-y to be APPLIED',
      60_000,
    );
    expect(tenants.map((t) => [t.id, t.status]).sort()).toEqual([
      ['team-x', 'APPLIED'],
      ['team-y', 'APPLIED'],
    ]);
    expect((await getEnvironment()).status).toBe('READY');

    // The grant is read back through the simulator's Storage API, as gsutil would see it.
    const res = await fetch(`${stack.info.endpoints.gcp}/storage/v1/b/${BUCKET}/iam`);
    expect(res.status).toBe(200);
    const policy = (await res.json()) as { bindings: Array<{ role: string; members: string[] }> };
    expect(policy.bindings).toContainEqual({
      role: 'roles/storage.objectViewer',
      members: [TEAM_X_MEMBER],
    });
    // The bucket's default bindings survive the read-modify-write.
    expect(policy.bindings.map((b) => b.role)).toContain('roles/storage.legacyBucketOwner');
  });

  it('treats a second POST of the same spec as a no-op: same run for the same key, no writes otherwise', async () => {
    expect(firstRun).toBeDefined();
    await executionsSettled();
    const gcpBefore = await gcpWrites();
    const kubeBefore = kubeWrites();
    const again = await post(environmentYaml);
    expect(again.status).toBe(202);
    const second = await waitForEnd(again.body.runId);
    await expectReady(second);
    // Everything already exists, tenants and grants included: the steps observe and change nothing.
    expect(await gcpWrites()).toBe(gcpBefore);
    expect(kubeWrites()).toBe(kubeBefore);
    expect((await getTenants()).map((t) => t.status)).toEqual(['APPLIED', 'APPLIED']);

    const keyed = await post(environmentYaml, { 'Idempotency-Key': 'e2e-same-request' });
    expect(keyed.status).toBe(202);
    await waitForEnd(keyed.body.runId);
    const repeated = await post(environmentYaml, { 'Idempotency-Key': 'e2e-same-request' });
    expect(repeated.status).toBe(200);
    expect(repeated.body.runId).toBe(keyed.body.runId);
  });

  it('egressctl diff shows, before any apply, the objects and the access team-y would gain and lose; nothing is written', async () => {
    expect(firstRun).toBeDefined();
    await executionsSettled();
    const gcpBefore = await gcpWrites();
    const kubeBefore = kubeWrites();
    const unchanged = await runCli(['diff', '-f', 'examples/tutorial', '--state-dir', stateDir]);
    expect(unchanged.stdout).toContain(
      'environment tutorial: 0 to create, 0 to update, 0 to delete; access 0 gained, 0 lost, 0 changed',
    );
    expect(unchanged.code, unchanged.stdout + unchanged.stderr).toBe(0);

    const proposed = mkdtempSync(join(tmpdir(), 'e2e-diff-'));
    try {
      for (const file of ['environment.yaml', 'team-x.yaml']) {
        writeFileSync(join(proposed, file), readFileSync(`examples/tutorial/${file}`, 'utf8'));
      }
      writeFileSync(
        join(proposed, 'team-y.yaml'),
        readFileSync('examples/tutorial/team-y.yaml', 'utf8').replace(
          'paths: [/status/418]',
          'paths: [/anything*]',
        ),
      );
      const widened = await runCli(['diff', '-f', proposed, '--state-dir', stateDir]);
      expect(widened.code, widened.stdout + widened.stderr).toBe(2);
      expect(widened.stdout).toMatch(/^ {2}~ AuthorizationPolicy\//m);
      expect(widened.stdout).toMatch(
        /^ {2}gained {2}team-y GET http:\/\/httpbin\.org\/anythingprobe: DENIED_\w+ → ALLOWED plain-http/m,
      );
      expect(widened.stdout, widened.stdout).toMatch(
        /^ {2}lost {4}team-y GET http:\/\/httpbin\.org\/status\/418: ALLOWED plain-http → DENIED_\w+/m,
      );
    } finally {
      rmSync(proposed, { recursive: true, force: true });
    }
    expect(await gcpWrites()).toBe(gcpBefore);
    expect(kubeWrites()).toBe(kubeBefore);

    // Drift: the stored specs against the live cluster. None yet; then a change made out of band
    // (team-y's gateway authorization deleted, as `kubectl delete` would) shows as the object to
    // recreate and the access team-y lost, exit 2; nothing is written by the diff.
    const clean = await runCli(['diff', 'tutorial', '--state-dir', stateDir]);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect(clean.stdout).toContain(
      'note: the stored specs of environment tutorial and its 2 tenants',
    );
    const kube = stack.fleet!.clusters().get('cluster1')!;
    type Named = { kind?: string; metadata?: { name?: string; namespace?: string } };
    const policy = (kube.objects() as Named[]).find(
      (o) => o.kind === 'AuthorizationPolicy' && /team-y/.test(o.metadata?.name ?? ''),
    );
    expect(policy).toBeDefined();
    const deleted = await fetch(
      `${kube.url}/apis/security.istio.io/v1/namespaces/${policy!.metadata!.namespace}/authorizationpolicies/${policy!.metadata!.name}`,
      { method: 'DELETE', headers: { authorization: 'Bearer e2e' } },
    );
    expect(deleted.status).toBe(200);
    const drifted = await runCli(['diff', 'tutorial', '--state-dir', stateDir]);
    expect(drifted.code, drifted.stdout + drifted.stderr).toBe(2);
    expect(drifted.stdout).toContain(
      `+ AuthorizationPolicy/${policy!.metadata!.namespace}/${policy!.metadata!.name}`,
    );
    expect(drifted.stdout).toMatch(
      /^ {2}gained {2}team-y GET http:\/\/httpbin\.org\/status\/418: DENIED_\w+ → ALLOWED plain-http/m,
    );
  });

  it('takes a tenant published on tenants-tutorial by its creator, and refuses another identity’s publish', async () => {
    expect(firstRun).toBeDefined();
    await executionsSettled();
    const topic = `${stack.info.endpoints.gcp}/v1/projects/${stack.info.projectId}/topics/tenants-tutorial`;
    const tokenOf = async (args: string[]) => {
      const printed = await runCli(['local', 'token', '--state-dir', stateDir, ...args]);
      expect(printed.code, printed.stderr).toBe(0);
      return printed.stdout.trim();
    };
    const publish = async (token: string, doc: object) =>
      fetch(`${topic}:publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          messages: [{ data: Buffer.from(JSON.stringify(doc)).toString('base64') }],
        }),
      });
    const teamZ = {
      apiVersion: 'egress.provisioner.dev/v1alpha1',
      kind: 'Tenant',
      metadata: { name: 'team-z' },
      spec: { environment: 'tutorial', egress: [{ host: 'example.org' }] },
    };
    // The build account runs the stack's launcher but is no admin of tutorial: Pub/Sub refuses it.
    const build = stack.info.endpoints.metadataAccounts
      ? Object.keys(stack.info.endpoints.metadataAccounts).find((e) =>
          e.startsWith('egress-build@'),
        )
      : undefined;
    expect(build).toBeDefined();
    const refused = await publish(await tokenOf(['--as', build!]), teamZ);
    expect(refused.status).toBe(403);
    // The local user created tutorial (egressctl up): a publisher of its topic.
    const accepted = await publish(await tokenOf([]), teamZ);
    expect(accepted.status, await accepted.clone().text()).toBe(200);
    await eventually(
      async () => {
        const found = (await getTenants()).find((t) => t.id === 'team-z');
        return found?.status === 'APPLIED' ? found : undefined;
      },
      'team-z to be APPLIED',
      90_000,
    );
    await executionsSettled();
  });

  it('egressctl history lists the cells both tenants gained, by the runs that applied them', async () => {
    expect(firstRun).toBeDefined();
    await executionsSettled();
    const shown = await runCli(['history', 'tutorial', '--state-dir', stateDir]);
    expect(shown.code, shown.stdout + shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(
      /^\S+Z {2}gained +team-x +GET http:\/\/example\.com\/? +- → ALLOWED tls-origination +run-/m,
    );
    expect(shown.stdout).toMatch(
      /^\S+Z {2}gained +team-y +GET http:\/\/httpbin\.org\/status\/418 +- → ALLOWED plain-http +run-/m,
    );
  });

  it('egressctl down tears the environment down: the simulators hold nothing of it, the seeded bucket stays', async () => {
    expect(firstRun).toBeDefined();
    await executionsSettled();
    const kube = stack.fleet!.clusters().get('cluster1');
    expect(kube).toBeDefined();
    type KubeObject = {
      kind?: string;
      metadata?: { name?: string; labels?: Record<string, string> };
    };
    const owned = (o: KubeObject) =>
      o.metadata?.labels?.['egress.provisioner.dev/environment'] === 'tutorial';
    expect((kube!.objects() as KubeObject[]).filter(owned).length).toBeGreaterThan(0);
    for (const [path, field] of ENVIRONMENT_LISTINGS) {
      expect((await listNames(path, field)).length, path).toBeGreaterThan(0);
    }
    const members = async () => {
      const res = await fetch(`${stack.info.endpoints.gcp}/v1/projects/${PROJECT}:getIamPolicy`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      const policy = (await res.json()) as { bindings?: Array<{ members: string[] }> };
      return (policy.bindings ?? [])
        .flatMap((b) => b.members)
        .filter((m) => m.includes(`@${PROJECT}.iam.gserviceaccount.com`));
    };
    expect((await members()).length).toBeGreaterThan(0);

    const topic = `${stack.info.endpoints.gcp}/v1/projects/${stack.info.projectId}/topics/tenants-tutorial`;
    expect((await fetch(topic)).status).toBe(200);
    const result = await runCli(['down', 'tutorial', '--state-dir', stateDir, '--poll', '0.2']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    // The intake closed with the environment: its topic is gone.
    expect((await fetch(topic)).status).toBe(404);
    const runId = /teardown run (run-[0-9a-f-]+)/.exec(result.stdout)?.[1];
    expect(runId, result.stdout).toBeDefined();
    expect(result.stdout).toContain(`run ${runId} SUCCEEDED`);
    expect((await getEnvironment()).status).toBe('DELETED');

    // Every kind the environment made, listed through the simulator's own REST API: each list
    // held the environment's resources before and holds nothing after.
    for (const [path, field] of ENVIRONMENT_LISTINGS) {
      expect(await listNames(path, field), path).toEqual([]);
    }
    expect(await members()).toEqual([]);
    // The fleet's mesh feature is the project's and stays (shared/steps/project-prerequisites.ts), without
    // the deleted cluster's membership.
    const feature = await gcpGet<{ membershipStates?: Record<string, unknown> }>(
      `/v1/projects/${PROJECT}/locations/global/features/servicemesh`,
    );
    expect(
      Object.keys(feature.membershipStates ?? {}).filter((k) => k.includes('cluster1')),
    ).toEqual([]);

    // The seeded bucket stays, without team-x's grant.
    const bucketPolicy = await gcpGet<{ bindings: Array<{ role: string; members: string[] }> }>(
      `/storage/v1/b/${BUCKET}/iam`,
    );
    expect(bucketPolicy.bindings.flatMap((b) => b.members)).not.toContain(TEAM_X_MEMBER);
    expect(await gcpGet<{ name: string }>(`/storage/v1/b/${BUCKET}`)).toMatchObject({
      name: BUCKET,
    });

    // Nothing else is left: each collection holds at most what it held before provisioning, the
    // services the environment enabled and the project-level policy and feature excepted.
    const left = stack.gcp!.state().resources;
    const kept = new Set([
      'serviceusage.services',
      'gkehub.features',
      'iam.policies',
      'storage.policies',
    ]);
    const leftovers = Object.entries(left)
      .filter(([collection]) => !kept.has(collection))
      .flatMap(([collection, items]) =>
        Object.keys(items)
          .filter((key) => !(key in (seededResources[collection] ?? {})))
          .map((key) => `${collection} ${key}`),
      );
    expect(leftovers).toEqual([]);

    // The cluster's API server is gone, and teardown removed what it owned there before that.
    expect(stack.fleet!.clusters().has('cluster1')).toBe(false);
    expect(stack.info.endpoints.clusters).toEqual({});
    expect(
      (kube!.objects() as KubeObject[]).filter(owned).map((o) => `${o.kind}/${o.metadata?.name}`),
    ).toEqual([]);
  });
});

import { rmSync } from 'node:fs';
import { deploymentPlan } from '../../deploy/manifest.js';
import { afterAll, describe, expect, it } from 'vitest';
import { readStackInfo, startLocalStack, StackStartError } from '../../local/stack/index.js';
import { parseTimeScale } from '../../cli/options.js';
import {
  eventually,
  exitOf,
  pgrep,
  runCli,
  startCli,
  tempStateDir,
  waitForOutput,
} from './helpers.js';

/** The variables `local env` must export (docs/architecture.md "Local stack"). */
const REQUIRED_VARIABLES = [
  'CLOUDSDK_CONFIG',
  'CLOUDSDK_AUTH_DISABLE_CREDENTIALS',
  'CLOUDSDK_CORE_PROJECT',
  'CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE',
  'CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER',
  'CLOUDSDK_API_ENDPOINT_OVERRIDES_DNS',
  'CLOUDSDK_API_ENDPOINT_OVERRIDES_IAM',
  'CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDRESOURCEMANAGER',
  'CLOUDSDK_API_ENDPOINT_OVERRIDES_SERVICEUSAGE',
  'KUBECONFIG',
  'FIRESTORE_EMULATOR_HOST',
  'PUBSUB_EMULATOR_HOST',
  'EGRESS_API_URL',
];

function parseExports(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^export ([A-Z_]+)=(.*)$/.exec(line);
    if (match) vars[match[1]!] = match[2]!.replace(/^'(.*)'$/, '$1');
  }
  return vars;
}

const stateDirs: string[] = [];
afterAll(() => {
  for (const dir of stateDirs) rmSync(dir, { recursive: true, force: true });
});

describe('egressctl local up / env / down', { timeout: 300_000 }, () => {
  it('starts every part, exports where they listen, and leaves no process behind on down', async () => {
    const stateDir = tempStateDir('lifecycle');
    stateDirs.push(stateDir);
    const up = startCli(['local', 'up', '--state-dir', stateDir, '--time-scale', '0']);
    try {
      await waitForOutput(up, 'Ctrl-C stops everything', 150_000);

      const env = await runCli(['local', 'env', '--state-dir', stateDir]);
      expect(env.code, env.stderr).toBe(0);
      const vars = parseExports(env.stdout);
      expect(Object.keys(vars)).toEqual(expect.arrayContaining(REQUIRED_VARIABLES));
      expect(vars.KUBECONFIG).toBe(`${stateDir}/kubeconfig`);
      expect(vars.CLOUDSDK_CONFIG).toBe(`${stateDir}/gcloud`);
      const gcp = vars.CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE!.replace(/\/compute\/v1\/$/, '');
      expect(vars.CLOUDSDK_API_ENDPOINT_OVERRIDES_DNS).toBe(`${gcp}/dns/v1/`);

      // Every exported address answers.
      expect(await (await fetch(`http://${vars.FIRESTORE_EMULATOR_HOST}/`)).text()).toMatch(/^Ok/);
      expect(await (await fetch(`http://${vars.PUBSUB_EMULATOR_HOST}/`)).text()).toMatch(/^Ok/);
      expect(await (await fetch(`${gcp}/__admin/health`)).json()).toEqual({ ok: true });
      const missingRun = await fetch(`${vars.EGRESS_API_URL}/v1/runs/run-0000000000000000`);
      expect(missingRun.status).toBe(404);
      expect(await missingRun.json()).toMatchObject({ kind: 'not-found' });

      const info = readStackInfo(stateDir)!;
      expect(info).toMatchObject({ pid: up.pid, ready: true });
      expect(info.parts).toEqual(['emulators', 'gcp', 'kube', 'functions', 'workflows']);
      const firestorePort = vars.FIRESTORE_EMULATOR_HOST!.split(':')[1]!;
      const pubsubPort = vars.PUBSUB_EMULATOR_HOST!.split(':')[1]!;
      // Our processes, found by what their command lines carry: the state dir and the ports.
      expect(await pgrep(stateDir)).not.toEqual([]);
      expect(await pgrep(`--port=${firestorePort}`)).not.toEqual([]);

      await expect(startLocalStack({ stateDir, only: ['gcp'] })).rejects.toThrow(
        `a local stack already runs with state dir ${stateDir} (pid ${up.pid})`,
      );

      const down = await runCli(['local', 'down', '--state-dir', stateDir]);
      expect(down.code, down.stderr).toBe(0);
      expect(down.stdout).toContain(`stopped the local stack (pid ${up.pid})`);
      expect(await exitOf(up)).toBe(0);
      // Emulators stop through their process groups: give the JVMs a moment to go.
      const leftovers = await eventually(
        async () => {
          const left = [
            ...(await pgrep(stateDir)),
            ...(await pgrep(`--port=${firestorePort}`)),
            ...(await pgrep(`--port=${pubsubPort}`)),
          ];
          return left.length === 0 ? left : undefined;
        },
        'the stack processes to end',
        15_000,
      );
      expect(leftovers).toEqual([]);

      const after = await runCli(['local', 'env', '--state-dir', stateDir]);
      expect(after.code).toBe(1);
      expect(after.stderr).toContain(`no local stack runs with state dir ${stateDir}`);
    } finally {
      up.kill('SIGKILL');
    }
  });

  it('leaves no process behind when the launcher is killed outright (SIGKILL)', async () => {
    const stateDir = tempStateDir('sigkill');
    stateDirs.push(stateDir);
    // functions pulls in the emulators: the two kinds of child process groups.
    const up = startCli(['local', 'up', '--state-dir', stateDir, '--only', 'functions']);
    await waitForOutput(up, 'Ctrl-C stops everything', 150_000);
    const info = readStackInfo(stateDir)!;
    expect(info.parts).toEqual(['emulators', 'functions']);
    const firestorePort = info.endpoints.firestoreHost!.split(':')[1]!;
    // One functions host per account the manifest runs functions as.
    const accounts = new Set(
      deploymentPlan({ project: info.projectId, region: 'us-central1' }).functions.map(
        (f) => f.serviceAccount,
      ),
    );
    expect(await pgrep(`--stack=${stateDir}`)).toHaveLength(accounts.size);
    up.kill('SIGKILL');
    await exitOf(up);
    // The functions hosts watch their parent, the emulators' group leader too: all go.
    const leftovers = await eventually(
      async () => {
        const left = [...(await pgrep(stateDir)), ...(await pgrep(`--port=${firestorePort}`))];
        return left.length === 0 ? left : undefined;
      },
      'the orphaned children to end',
      20_000,
    );
    expect(leftovers).toEqual([]);
    // The stale record is not mistaken for a running stack.
    const env = await runCli(['local', 'env', '--state-dir', stateDir]);
    expect(env.code).toBe(1);
  });

  it('names the missing emulator paths before starting anything', async () => {
    const stateDir = tempStateDir('missing');
    stateDirs.push(stateDir);
    const start = startLocalStack({ stateDir, sdkPlatformDir: '/nonexistent/sdk/platform' });
    await expect(start).rejects.toThrow(StackStartError);
    await expect(start).rejects.toThrow(
      'cannot start the local stack: /nonexistent/sdk/platform/cloud-firestore-emulator/cloud_firestore_emulator, ' +
        '/nonexistent/sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator do not exist.',
    );
  });

  it('refuses an unknown part and a bad time scale with usage errors', async () => {
    const badPart = await runCli(['local', 'up', '--only', 'gcp,mainframe']);
    expect(badPart.code).toBe(2);
    expect(badPart.stderr).toContain(
      '--only must list parts among emulators, gcp, kube, functions, workflows; unknown: mainframe',
    );
    expect(() => parseTimeScale('fast')).toThrow(
      '--time-scale must be a number >= 0 (0 = instant, 1 = real Google durations), got "fast"',
    );
    expect(parseTimeScale('0')).toBe(0);
  });

  it('stops and starts only the workflows part, and says so for a stack without one', async () => {
    const stateDir = tempStateDir('parts');
    stateDirs.push(stateDir);
    const stack = await startLocalStack({ stateDir, only: ['gcp'], timeScale: 0 });
    try {
      await expect(stack.stopPart('workflows')).rejects.toThrow(
        'this stack runs no workflows part (parts: gcp)',
      );
      await expect(stack.startPart('gcp' as 'workflows')).rejects.toThrow(
        'only the workflows part can start alone, not "gcp"',
      );
    } finally {
      await stack.stop();
    }
    await expect(stack.startPart('workflows')).rejects.toThrow('this stack runs no workflows part');
  });
});

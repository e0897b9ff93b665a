import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stackIdentities } from '../../../local/metadata/index.js';
import { readStackInfo, stackVariables, startLocalStack } from '../../../local/stack/index.js';

/**
 * The stack starts the metadata server first, records it in stack.json, exports it in
 * `local env`, and points its own process at it for as long as it runs.
 */

describe('the local stack and its metadata server', { timeout: 60_000 }, () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'metadata-stack-'));
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

  it('records, exports and uses the stand-in; restores the environment on stop', async () => {
    const before = {
      host: process.env.GCE_METADATA_HOST,
      detection: process.env.METADATA_SERVER_DETECTION,
    };
    const stack = await startLocalStack({ stateDir, only: ['gcp'], timeScale: 0 });
    try {
      const ids = stackIdentities('egress-local', 'us-central1');
      const info = readStackInfo(stateDir)!;
      const url = info.endpoints.metadata!;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(Object.keys(info.endpoints.metadataAccounts!).sort()).toEqual(
        [
          ...new Set([
            ids.launcher,
            ...ids.functionGroups.map((group) => group.serviceAccount),
            ids.workflows,
            ids.events,
            ids.localUser,
          ]),
        ].sort(),
      );
      const host = new URL(url).host;
      expect(stackVariables(info)).toEqual(
        expect.arrayContaining([
          ['GCE_METADATA_HOST', host],
          ['GCE_METADATA_IP', host],
        ]),
      );
      // This process (the launcher) now finds its credentials there, and nothing hides it.
      expect(process.env.GCE_METADATA_HOST).toBe(host);
      expect(process.env.METADATA_SERVER_DETECTION).toBeUndefined();
      const email = await fetch(
        `${url}/computeMetadata/v1/instance/service-accounts/default/email`,
        { headers: { 'Metadata-Flavor': 'Google' } },
      );
      expect(await email.text()).toBe(ids.launcher);
      const fnHost = info.endpoints.metadataAccounts![ids.api]!;
      const fnEmail = await fetch(
        `${fnHost}/computeMetadata/v1/instance/service-accounts/default/email`,
        { headers: { 'Metadata-Flavor': 'Google' } },
      );
      expect(await fnEmail.text()).toBe('egress-api@egress-local.iam.gserviceaccount.com');
    } finally {
      await stack.stop();
    }
    expect(process.env.GCE_METADATA_HOST).toBe(before.host);
    expect(process.env.METADATA_SERVER_DETECTION).toBe(before.detection);
  });
});

describe('the functions of the local stack', { timeout: 120_000 }, () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'metadata-functions-'));
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

  it('run in one process per account, each with that account’s credentials', async () => {
    const stack = await startLocalStack({ stateDir, only: ['functions'], timeScale: 0 });
    try {
      const info = readStackInfo(stateDir)!;
      const ids = stackIdentities(info.projectId, 'us-central1');
      const router = (await (await fetch(`${info.endpoints.functions}/`)).json()) as {
        functions: string[];
        hosts: Array<{ serviceAccount: string; functions: string[]; pid: number }>;
      };
      expect(router.hosts.map((h) => [h.serviceAccount, h.functions])).toEqual(
        ids.functionGroups.map((g) => [g.serviceAccount, g.functions]),
      );
      expect(new Set(router.hosts.map((h) => h.pid)).size).toBe(router.hosts.length);
      for (const host of router.hosts) {
        // What the process itself sees: its GCE_METADATA_HOST names its account's listener.
        const environ = readFileSync(`/proc/${host.pid}/environ`, 'utf8').split('\0');
        const metadataHost = environ
          .find((line) => line.startsWith('GCE_METADATA_HOST='))
          ?.slice('GCE_METADATA_HOST='.length);
        expect(metadataHost, host.serviceAccount).toBeDefined();
        const email = await fetch(
          `http://${metadataHost}/computeMetadata/v1/instance/service-accounts/default/email`,
          { headers: { 'Metadata-Flavor': 'Google' } },
        );
        expect(await email.text()).toBe(host.serviceAccount);
      }
      const steps = router.hosts.find((h) => h.functions.includes('step-tenants'));
      expect(steps?.serviceAccount).toMatch(/^egress-steps@/);
      expect(router.hosts.find((h) => h.functions.includes('api'))?.serviceAccount).toMatch(
        /^egress-api@/,
      );
      // Every function still answers under the one URL.
      const api = await fetch(`${info.endpoints.api}/v1/environments/none`);
      expect(api.status).toBe(404);
    } finally {
      await stack.stop();
    }
  });
});

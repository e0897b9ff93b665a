import { mkdtempSync, rmSync } from 'node:fs';
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
        [ids.launcher, ids.functionsHost, ids.workflows, ids.events, ids.localUser].sort(),
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
      const fnHost = info.endpoints.metadataAccounts![ids.functionsHost]!;
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

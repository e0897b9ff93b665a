/**
 * Cold start (issue 18, Deliver 4): importing the functions' module loads none of the heavy
 * client libraries; each loads on the first step call that needs it, and only that step's.
 * Not timed (bench/cold-start.ts times it): this asserts which libraries a fresh process has
 * loaded, seen by an ESM resolve hook and CommonJS's require.cache (bench/cold-start.ts PROBE_SOURCE).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runProbe, type ProbeResult } from '../../bench/cold-start.js';
import { readSeedFile, startGcpSimulator, type GcpSimulator } from '../../local/gcp/index.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let gcp: GcpSimulator;
let probe: ProbeResult;

beforeAll(async () => {
  gcp = await startGcpSimulator({
    port: 0,
    timeScale: 0,
    seed: await readSeedFile('examples/tutorial/local-seed.yaml'),
  });
  probe = await runProbe({
    module: 'functions/index.ts',
    context: 'functions/context.ts',
    tsx: true,
    calls: [
      { label: 'apis', step: 'apis' },
      { label: 'network', step: 'network' },
      { label: 'mesh-config', step: 'mesh-config' },
    ],
    env: { EGRESS_GCP_ENDPOINT: gcp.url },
  });
});

afterAll(async () => {
  await gcp?.close();
});

const after = (label: string): string[] => {
  const call = probe.calls?.find((c) => c.label === label);
  if (!call) throw new Error(`no call ${label} in ${JSON.stringify(probe)}`);
  return call.loaded;
};

describe('functions cold start', () => {
  it('importing functions/index.ts loads no client library', () => {
    expect(probe.afterImport).toEqual([]);
  });

  it('the first apis call loads Service Usage only, not Compute or the Kubernetes client', () => {
    expect(after('apis')).toContain('@google-cloud/service-usage');
    expect(after('apis')).not.toContain('@google-cloud/compute');
    expect(after('apis')).not.toContain('@kubernetes/client-node');
    expect(after('apis')).not.toContain('@google-cloud/container');
  });

  it('the first network call loads Compute, still not the Kubernetes client', () => {
    expect(after('network')).toContain('@google-cloud/compute');
    expect(after('network')).not.toContain('@kubernetes/client-node');
  });

  it('the first mesh-config call loads the Kubernetes client', () => {
    expect(after('mesh-config')).toContain('@kubernetes/client-node');
  });
});

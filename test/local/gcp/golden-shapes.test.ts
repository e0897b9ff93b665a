import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGcpSimulator, type GcpSimulator } from '../../../local/gcp/index.js';
import { call, type JsonBody } from './sim-client.js';

/**
 * Field sets and error bodies compared with real recorded traffic (test/fixtures/gcp-sim,
 * from k8s-config-connector's recordings): the same request gets an answer of the same shape.
 */

const golden = JSON.parse(
  readFileSync(new URL('../../fixtures/gcp-sim/golden-shapes.json', import.meta.url), 'utf8'),
) as Record<string, JsonBody>;

/** Every key path of a JSON object (`routingConfig.routingMode`), values aside. */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [prefix];
  return Object.entries(value)
    .flatMap(([k, v]) => keyPaths(v, prefix ? `${prefix}.${k}` : k))
    .sort();
}

describe('answers shaped like recorded Google traffic', () => {
  let sim: GcpSimulator;
  beforeAll(async () => {
    sim = await startGcpSimulator({ timeScale: 0 });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('a network and a subnetwork carry exactly the fields Google returns', async () => {
    await call(sim, 'POST', '/compute/v1/projects/p/global/networks', {
      autoCreateSubnetworks: false,
      name: 'net',
      routingConfig: { routingMode: 'REGIONAL' },
    });
    const network = await call(sim, 'GET', '/compute/v1/projects/p/global/networks/net');
    expect(keyPaths(network.body)).toEqual(keyPaths(golden.network));

    const insert = await call(
      sim,
      'POST',
      '/compute/v1/projects/p/regions/us-central1/subnetworks',
      {
        ipCidrRange: '10.0.0.0/24',
        name: 'sub',
        network: `${sim.url}/compute/v1/projects/p/global/networks/net`,
        privateIpGoogleAccess: false,
      },
    );
    // The recording caught the operation RUNNING; ours is DONE at once (time scale 0) and adds endTime.
    expect(keyPaths(insert.body).filter((k) => k !== 'endTime')).toEqual(
      keyPaths(golden.regionOperation),
    );
    const subnet = await call(
      sim,
      'GET',
      '/compute/v1/projects/p/regions/us-central1/subnetworks/sub',
    );
    expect(keyPaths(subnet.body)).toEqual(keyPaths(golden.subnetwork));
    expect(subnet.body.gatewayAddress).toBe(golden.subnetwork!.gatewayAddress);
  });

  it('iam errors match the recorded 404 and 409 bodies', async () => {
    const missing = await call(
      sim,
      'GET',
      '/v1/projects/p/serviceAccounts/nobody@p.iam.gserviceaccount.com',
    );
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual(golden.iamNotFound);
    // The recording's placeholders, filled with values the API accepts.
    const expected = JSON.parse(
      JSON.stringify(golden.iamAlreadyExists)
        .replaceAll('${uniqueId}', 'golden1')
        .replaceAll('${projectId}', 'golden-project'),
    ) as JsonBody;
    const create = { accountId: 'sa-golden1', serviceAccount: {} };
    expect(
      (await call(sim, 'POST', '/v1/projects/golden-project/serviceAccounts', create)).status,
    ).toBe(200);
    const again = await call(sim, 'POST', '/v1/projects/golden-project/serviceAccounts', create);
    expect(again.status).toBe(409);
    expect(again.body).toEqual(expected);
  });
});

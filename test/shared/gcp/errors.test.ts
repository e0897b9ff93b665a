import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGcpAdapters } from '../../../cli/compose.js';
import { startGcpSimulator, type GcpSimulator } from '../../../local/gcp/index.js';
import { PermanentError, RetryableError } from '../../../shared/errors.js';
import {
  classifyGcpError,
  clientOptions,
  isAlreadyExists,
  isNotFound,
  type GcpApis,
} from '../../../shared/gcp/index.js';

const site = { action: 'insert firewall', resource: 'projects/p/global/firewalls/f' };

/** A REST error as gax (JSON body in `message`) or googleapis (body in `response.data`) carry it. */
function gaxios(
  status: number,
  error: Record<string, unknown>,
  inMessage = true,
): Record<string, unknown> {
  const body = { error: { code: status, ...error } };
  return inMessage
    ? { name: 'GaxiosError', code: status, message: JSON.stringify(body), response: { status } }
    : {
        name: 'GaxiosError',
        code: status,
        message: String(error.message),
        response: { status, data: body },
      };
}

describe('classifyGcpError', () => {
  it.each([
    [gaxios(429, { message: 'Quota exceeded', status: 'RESOURCE_EXHAUSTED' }), 'rate-limited', 10],
    [gaxios(503, { message: 'unavailable' }), 'unavailable', 5],
    [gaxios(502, { message: 'bad gateway' }, false), 'unavailable', 5],
    [gaxios(504, { message: 'deadline' }), 'unavailable', 5],
    [gaxios(409, { message: 'concurrent policy changes', status: 'ABORTED' }), 'etag-conflict', 1],
    [gaxios(409, { message: 'concurrent', errors: [{ reason: 'aborted' }] }), 'etag-conflict', 1],
    [
      gaxios(400, {
        message: 'Cluster is running incompatible operation operation-1.',
        status: 'FAILED_PRECONDITION',
      }),
      'cluster-busy',
      30,
    ],
    [gaxios(412, { message: 'Supplied fingerprint does not match' }), 'precondition-failed', 1],
    [{ code: 14, message: '14 UNAVAILABLE: connection dropped' }, 'unavailable', 5],
    [{ code: 4, message: '4 DEADLINE_EXCEEDED' }, 'unavailable', 5],
    [
      { code: 9, message: '9 FAILED_PRECONDITION: another operation is in progress' },
      'cluster-busy',
      30,
    ],
    [{ code: 10, message: '10 ABORTED' }, 'etag-conflict', 1],
    [{ code: 'ECONNRESET', message: 'socket hang up' }, 'connection-error', 2],
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' }, 'connection-error', 2],
  ])('case %# is retryable as %s', (error, reason, hint) => {
    const classified = classifyGcpError(error, site);
    expect(classified).toBeInstanceOf(RetryableError);
    expect(classified).toMatchObject({ reason, options: { retryAfterSeconds: hint } });
  });

  it.each([
    [
      gaxios(403, { message: 'Required compute.firewalls.create permission' }),
      'permission-denied',
      undefined,
    ],
    [gaxios(401, { message: 'unauthenticated' }), 'unauthenticated', undefined],
    [gaxios(404, { message: 'The resource was not found' }), 'not-found', undefined],
    [
      gaxios(400, {
        message: "Invalid value for field 'resource.allowed'",
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.BadRequest',
            fieldViolations: [{ field: 'resource.allowed', description: 'x' }],
          },
        ],
      }),
      'invalid-argument',
      'resource.allowed',
    ],
    [
      {
        code: 3,
        message: '3 INVALID_ARGUMENT: bad',
        details: [{ fieldViolations: [{ field: 'cluster.name' }] }],
      },
      'invalid-argument',
      'cluster.name',
    ],
    [{ code: 7, message: '7 PERMISSION_DENIED' }, 'permission-denied', undefined],
    [
      gaxios(409, {
        message: "The resource 'x' already exists",
        errors: [{ reason: 'alreadyExists' }],
      }),
      'already-exists',
      undefined,
    ],
  ])('case %# is permanent as %s', (error, reason, field) => {
    const classified = classifyGcpError(error, site) as PermanentError;
    expect(classified).toBeInstanceOf(PermanentError);
    expect(classified.reason).toBe(reason);
    expect(classified.options.resource).toBe(site.resource);
    expect(classified.options.field).toBe(field);
    expect(classified.message.startsWith(`${site.action} ${site.resource}: `)).toBe(true);
  });

  it("puts Google's message, not the client's JSON wrapper, in the error", () => {
    const classified = classifyGcpError(
      gaxios(403, { message: 'Permission denied on resource project p.' }),
      site,
    ) as Error;
    expect(classified.message).toBe(
      'insert firewall projects/p/global/firewalls/f: Permission denied on resource project p.',
    );
  });

  it('leaves errors that are not from Google alone', () => {
    const bug = new TypeError('x is undefined');
    expect(classifyGcpError(bug, site)).toBe(bug);
  });

  it('tells a duplicate from an etag race', () => {
    expect(
      isAlreadyExists(gaxios(409, { message: 'Already exists: x', status: 'ALREADY_EXISTS' })),
    ).toBe(true);
    expect(
      isAlreadyExists(gaxios(409, { message: 'concurrent policy changes', status: 'ABORTED' })),
    ).toBe(false);
    expect(isNotFound({ code: 5, message: '5 NOT_FOUND' })).toBe(true);
    expect(isNotFound(gaxios(403, { message: 'denied' }))).toBe(false);
  });
});

describe('clientOptions', () => {
  it('aims the clients at the simulator without credentials, or at Google with defaults', () => {
    const local = clientOptions({ mode: 'local', endpoint: 'http://127.0.0.1:8085' });
    expect(local.gax).toMatchObject({
      apiEndpoint: '127.0.0.1',
      port: 8085,
      protocol: 'http',
      fallback: true,
    });
    expect(local.gax.authClient).toBeDefined();
    expect(local.dnsBaseUrl).toBe('http://127.0.0.1:8085/dns/v1');
    expect(local.iamRootUrl).toBe('http://127.0.0.1:8085/');
    const google = clientOptions({ mode: 'google' });
    expect(google.gax).toEqual({});
    expect(google.gkeHubRoot).toBe('https://gkehub.googleapis.com');
  });

  it('refuses a local endpoint that is not a loopback URL', () => {
    expect(() => clientOptions({ mode: 'local', endpoint: 'http://10.0.0.1:80' })).toThrow(
      /loopback/,
    );
    expect(() => clientOptions({ mode: 'local', endpoint: 'not a url' })).toThrow(/not a URL/);
  });
});

describe(
  'adapters against the simulator: real client errors, classified',
  { timeout: 60_000 },
  () => {
    let sim: GcpSimulator;
    let gcp: GcpApis;
    beforeAll(async () => {
      sim = await startGcpSimulator({ port: 0, timeScale: 0 });
      gcp = createGcpAdapters({ mode: 'local', endpoint: sim.url });
    });
    afterAll(async () => {
      await sim.close();
    });

    it('404 is undefined on reads, 409 alreadyExists is an answer, 400 names the field', async () => {
      expect(await gcp.compute.get('networks', { project: 'p' }, 'nope')).toBeUndefined();
      expect(
        await gcp.container.getCluster('projects/p/locations/us-central1-a/clusters/nope'),
      ).toBeUndefined();
      expect(await gcp.dns.getZone('p', 'nope')).toBeUndefined();
      expect(
        await gcp.iam.getServiceAccount('p', 'nope-sa@p.iam.gserviceaccount.com'),
      ).toBeUndefined();
      expect(await gcp.gkeHub.getFeature('p', 'servicemesh')).toBeUndefined();
      const body = { name: 'n1', autoCreateSubnetworks: false };
      const op = await gcp.compute.insert(
        'networks',
        { project: 'p' },
        body,
        '00000000-0000-4000-8000-000000000001',
      );
      expect(op).toMatchObject({ done: true });
      expect(
        await gcp.compute.insert(
          'networks',
          { project: 'p' },
          body,
          '00000000-0000-4000-8000-000000000002',
        ),
      ).toBe('already-exists');
      await expect(
        gcp.compute.insert(
          'firewalls',
          { project: 'p' },
          {
            name: 'f1',
            network: 'projects/p/global/networks/n1',
            allowed: [{ IPProtocol: 'tcp' }],
            denied: [{ IPProtocol: 'tcp' }],
          },
          '00000000-0000-4000-8000-000000000003',
        ),
      ).rejects.toMatchObject({
        name: 'PermanentError',
        reason: 'invalid-argument',
        options: { field: 'resource.allowed', resource: 'projects/p/global/firewalls/f1' },
        message: expect.stringContaining("exactly one of 'allowed' or 'denied' must be set"),
      });
    });

    it('injected 429 and 503 and a stale etag are retryable', async () => {
      sim.setFaults([
        { method: 'compute.networks.get', respond: 429, times: 1 },
        { method: 'getIamPolicy', respond: 503, times: 1 },
      ]);
      await expect(gcp.compute.get('networks', { project: 'p' }, 'n1')).rejects.toMatchObject({
        name: 'RetryableError',
        reason: 'rate-limited',
      });
      await expect(gcp.projectIam.getIamPolicy('p')).rejects.toMatchObject({
        name: 'RetryableError',
        reason: 'unavailable',
      });
      sim.setFaults(undefined);
      const policy = await gcp.projectIam.getIamPolicy('p');
      expect(policy.etag).toMatch(/^[A-Za-z0-9+/=]+$/);
      await gcp.projectIam.setIamPolicy('p', policy);
      await expect(gcp.projectIam.setIamPolicy('p', policy)).rejects.toMatchObject({
        name: 'RetryableError',
        reason: 'etag-conflict',
      });
    });

    it('a refused connection is a retryable connection-error', async () => {
      const dead = createGcpAdapters({ mode: 'local', endpoint: 'http://127.0.0.1:1' });
      await expect(dead.gkeHub.getFeature('p', 'servicemesh')).rejects.toMatchObject({
        name: 'RetryableError',
        reason: 'connection-error',
      });
    });
  },
);

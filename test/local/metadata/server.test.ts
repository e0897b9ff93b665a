import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ID_TOKEN_ISSUER,
  JWKS_PATH,
  PEM_CERTS_PATH,
  serviceAccountUniqueId,
  startMetadataServer,
  verifyAccessToken,
  verifyIdToken,
  type Jwks,
  type MetadataEndpoint,
  type MetadataServer,
} from '../../../local/metadata/index.js';

/** The metadata server stand-in over HTTP: Cloud Run's keys, its refusals, its tokens. */

const API = 'egress-api@egress-local.iam.gserviceaccount.com';
const STEPS = 'egress-steps@egress-local.iam.gserviceaccount.com';
const FLAVOR = { 'Metadata-Flavor': 'Google' };

describe('local metadata server', () => {
  let server: MetadataServer;
  let api: MetadataEndpoint;
  let steps: MetadataEndpoint;
  beforeAll(async () => {
    server = startMetadataServer({ projectId: 'egress-local', region: 'us-central1' });
    api = await server.endpointFor(API);
    steps = await server.endpointFor(STEPS);
  });
  afterAll(() => server.close());

  const get = (
    endpoint: MetadataEndpoint,
    path: string,
    headers: Record<string, string> = FLAVOR,
  ) => fetch(`${endpoint.url}/computeMetadata/v1/${path}`, { headers });

  it('refuses a request without Metadata-Flavor: Google with 403, as Google does', async () => {
    // https://cloud.google.com/compute/docs/metadata/querying-metadata#rest : every request must
    // carry `Metadata-Flavor: Google`; the server refuses one without it (403 Forbidden).
    const cases: Array<Record<string, string>> = [{}, { 'Metadata-Flavor': 'google-ish' }];
    for (const headers of cases) {
      const res = await get(api, 'instance/service-accounts/default/token', headers);
      expect(res.status).toBe(403);
      expect(res.headers.get('metadata-flavor')).toBe('Google');
      expect(await res.text()).toBe(
        'Your client does not have permission to get URL /computeMetadata/v1/instance/service-accounts/default/token from this server. Missing Metadata-Flavor:Google header.\n',
      );
    }
  });

  it('refuses a request carrying X-Forwarded-For with 403', async () => {
    // https://cloud.google.com/compute/docs/metadata/querying-metadata : requests containing the
    // X-Forwarded-For header are rejected (they look proxied).
    const res = await get(api, 'project/project-id', { ...FLAVOR, 'X-Forwarded-For': '10.0.0.1' });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('X-Forwarded-For');
  });

  it("answers Cloud Run's keys with the Metadata-Flavor response header", async () => {
    const value = async (path: string) => {
      const res = await get(api, path);
      expect(res.status).toBe(200);
      expect(res.headers.get('metadata-flavor')).toBe('Google');
      return res.text();
    };
    const n = server.numericProjectId;
    expect(n).toMatch(/^[1-9][0-9]{11}$/);
    expect(await value('project/project-id')).toBe('egress-local');
    expect(await value('project/numeric-project-id')).toBe(n);
    expect(await value('instance/region')).toBe(`projects/${n}/regions/us-central1`);
    expect(await value('instance/zone')).toBe(`projects/${n}/zones/us-central1-1`);
    expect(await value('instance/service-accounts/default/email')).toBe(API);
    expect(await value(`instance/service-accounts/${API}/email`)).toBe(API);
    expect(await value('instance/service-accounts/')).toBe(`default/\n${API}/\n`);
    expect(await value('')).toBe('instance/\nproject/\nuniverse/\n');
    expect(await value('universe/universe-domain')).toBe('googleapis.com');
    // Each listener is one identity: the steps' port answers as the steps' account.
    expect(await (await get(steps, 'instance/service-accounts/default/email')).text()).toBe(STEPS);
  });

  it("answers 404 for another account's token and for unknown keys", async () => {
    expect((await get(api, `instance/service-accounts/${STEPS}/token`)).status).toBe(404);
    expect((await get(api, 'instance/attributes/nothing')).status).toBe(404);
  });

  it('hands out an access token that names its account, verifiable against the JWKS', async () => {
    const res = await get(api, 'instance/service-accounts/default/token?scopes=a,b');
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBeGreaterThan(3000);
    const jwks = (await (await fetch(`${api.url}${JWKS_PATH}`)).json()) as Jwks;
    const claims = verifyAccessToken(String(body.access_token), jwks);
    expect(claims).toMatchObject({ email: API, scopes: ['a', 'b'] });
    // Tampered or foreign tokens name nobody.
    const token = String(body.access_token);
    expect(verifyAccessToken(`${token.slice(0, -4)}AAAA`, jwks)).toBeUndefined();
    expect(verifyAccessToken('ya29.a0AfH6SM-real-google-token', jwks)).toBeUndefined();
    expect(verifyAccessToken(token, jwks, claims!.exp + 1)).toBeUndefined();
  });

  it('hands out OIDC ID tokens that google-auth-library verifies with the local certificates', async () => {
    const audience = 'https://egress-api-abc-uc.a.run.app';
    const res = await get(
      api,
      `instance/service-accounts/default/identity?audience=${encodeURIComponent(audience)}`,
    );
    expect(res.status).toBe(200);
    const token = await res.text();
    const certs = (await (await fetch(`${api.url}${PEM_CERTS_PATH}`)).json()) as Record<
      string,
      string
    >;
    const ticket = await new OAuth2Client().verifySignedJwtWithCertsAsync(token, certs, audience, [
      ID_TOKEN_ISSUER,
    ]);
    const id = serviceAccountUniqueId(API);
    expect(ticket.getPayload()).toMatchObject({
      iss: 'https://accounts.google.com',
      aud: audience,
      email: API,
      email_verified: true,
      sub: id,
      azp: id,
    });
    const jwks = (await (await fetch(`${api.url}${JWKS_PATH}`)).json()) as Jwks;
    expect(verifyIdToken(token, jwks, audience)?.email).toBe(API);
    expect(verifyIdToken(token, jwks, 'https://other.example')).toBeUndefined();
    await expect(
      new OAuth2Client().verifySignedJwtWithCertsAsync(token, certs, 'https://other.example', [
        ID_TOKEN_ISSUER,
      ]),
    ).rejects.toThrow(/Wrong recipient/);
  });

  it('refuses an identity request without an audience with 400', async () => {
    // https://cloud.google.com/compute/docs/instances/verifying-instance-identity#request_signature :
    // `audience` is required.
    const res = await get(api, 'instance/service-accounts/default/identity');
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('non-empty audience parameter required\n');
  });
});

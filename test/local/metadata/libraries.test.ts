import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ID_TOKEN_ISSUER,
  PEM_CERTS_PATH,
  metadataEnv,
  startMetadataServer,
  stackIdentities,
  verifyAccessToken,
  type MetadataEndpoint,
  type MetadataServer,
} from '../../../local/metadata/index.js';

/**
 * Google's own libraries (google-auth-library, gcp-metadata, @google-cloud/pubsub) in a child
 * process pointed at the stand-in by GCE_METADATA_HOST, as the stack's processes are: they find
 * credentials on 127.0.0.1, and a hook that refuses (and records) every connection or name
 * lookup off loopback shows nothing reached for 169.254.169.254 or metadata.google.internal.
 * The control runs without GCE_METADATA_HOST, to show the hook does catch those probes.
 */

const run = promisify(execFile);
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const AUDIENCE = 'https://egress-api-xyz-uc.a.run.app';

interface ChildResult {
  isAvailable?: boolean;
  accessToken?: string;
  projectId?: string;
  email?: string;
  idToken?: string;
  published?: boolean;
  warnings: string[];
  denied: string[];
  [error: `${string}Error`]: string | undefined;
}

describe('Google auth libraries against the local metadata server', { timeout: 60_000 }, () => {
  const home = mkdtempSync(join(tmpdir(), 'metadata-home-'));
  const identities = stackIdentities('egress-local', 'us-central1');
  let server: MetadataServer;
  let functionsHost: MetadataEndpoint;
  beforeAll(async () => {
    server = startMetadataServer({ projectId: 'egress-local', region: 'us-central1' });
    functionsHost = await server.endpointFor(identities.api);
  });
  afterAll(async () => {
    await server.close();
    rmSync(home, { recursive: true, force: true });
  });

  async function child(mode: 'auth' | 'pubsub', extra: Record<string, string>) {
    const env: Record<string, string | undefined> = {
      ...process.env,
      // No credentials file to find, nor gcloud's: only the metadata server can answer.
      HOME: home,
      CLOUDSDK_CONFIG: home,
      GOOGLE_CLOUD_PROJECT: 'egress-local',
      NODE_OPTIONS: `--require ${join(FIXTURES, 'deny-remote.cjs')}`,
      ...extra,
    };
    for (const name of [
      'METADATA_SERVER_DETECTION',
      'GOOGLE_APPLICATION_CREDENTIALS',
      'GCE_METADATA_HOST',
      'GCE_METADATA_IP',
    ]) {
      if (!(name in extra)) delete env[name];
    }
    const { stdout } = await run(process.execPath, [join(FIXTURES, 'client.mjs'), mode, AUDIENCE], {
      cwd: REPO,
      env,
      timeout: 45_000,
    });
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildResult;
  }

  it('GoogleAuth and gcp-metadata find the account on 127.0.0.1 and nothing off-machine', async () => {
    const result = await child('auth', metadataEnv(functionsHost));
    expect(result.denied).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.isAvailable).toBe(true);
    expect(result.projectId).toBe('egress-local');
    expect(result.email).toBe(identities.api);
    const claims = verifyAccessToken(result.accessToken!, server.issuer.jwks());
    expect(claims?.email).toBe(identities.api);
    const certs = (await (await fetch(`${functionsHost.url}${PEM_CERTS_PATH}`)).json()) as Record<
      string,
      string
    >;
    const ticket = await new OAuth2Client().verifySignedJwtWithCertsAsync(
      result.idToken!,
      certs,
      AUDIENCE,
      [ID_TOKEN_ISSUER],
    );
    expect(ticket.getPayload()?.email).toBe(identities.api);
  });

  it('without GCE_METADATA_HOST the same libraries probe off-machine (the hook sees it)', async () => {
    const result = await child('auth', {});
    expect(result.isAvailable).toBe(false);
    expect(result.denied).toEqual(
      expect.arrayContaining(['169.254.169.254:80', 'metadata.google.internal.:80']),
    );
    expect(result.warnings.length).toBeGreaterThan(0);
  });

  // Needs the shared Pub/Sub emulator (/tmp/testenv.sh); with CI=true its absence fails.
  describe.skipIf(!process.env.PUBSUB_EMULATOR_HOST && !process.env.CI)(
    'the functions host publisher',
    () => {
      it('publishes to the Pub/Sub emulator without a MetadataLookupWarning', async () => {
        const result = await child('pubsub', metadataEnv(functionsHost));
        expect(result.published).toBe(true);
        expect(result.warnings).toEqual([]);
        // Only the emulator and the metadata server, both on loopback.
        expect(result.denied).toEqual([]);
      });

      it('emits the MetadataLookupWarning without the stand-in (the finding of issue 17)', async () => {
        const result = await child('pubsub', {});
        expect(result.published).toBe(true);
        expect(result.warnings).toEqual([expect.stringContaining('MetadataLookupWarning')]);
        expect(result.denied.length).toBeGreaterThan(0);
      });
    },
  );
});

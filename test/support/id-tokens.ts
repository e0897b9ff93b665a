/**
 * Google-style ID tokens for tests of per-caller authorization: signed with a key served
 * locally, verified by google-auth-library's own verifyIdToken (its certificate fetch answered
 * with that key), so the api authenticates callers exactly as deployed.
 */
import { createSign, generateKeyPairSync } from 'node:crypto';
import { OAuth2Client } from 'google-auth-library';
import {
  getTestServer,
  googleIdTokenVerifier,
  overrideContext,
  type FunctionsContext,
} from '../../functions/testing.js';
import request from 'supertest';
import {
  environmentRequest,
  pullAll,
  useFunctionsTestEnv,
  type FunctionsTestEnv,
} from './functions-env.js';

export const ID_TOKEN_AUDIENCE = 'https://api.example';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A Google-style ID token with `claims` over the defaults (issuer, audience, a 10-minute
 * lifetime), signed with the locally served key.
 */
export function signedIdToken(claims: Record<string, unknown>): string {
  const head = b64({ alg: 'RS256', typ: 'JWT', kid: 'local-key' });
  const now = Math.floor(Date.now() / 1000);
  const body = b64({
    iss: 'https://accounts.google.com',
    aud: ID_TOKEN_AUDIENCE,
    iat: now,
    exp: now + 600,
    ...claims,
  });
  const signature = createSign('RSA-SHA256')
    .update(`${head}.${body}`)
    .sign(privateKey, 'base64url');
  return `${head}.${body}.${signature}`;
}

/** A Google-style ID token for `email`, signed with the locally served key. */
export function idToken(email: string): string {
  return signedIdToken({ email, email_verified: true });
}

/** `Authorization` header value for `email`. */
export const bearer = (email: string) => `Bearer ${idToken(email)}`;

/**
 * Makes the in-process api authenticate callers by Google ID tokens for
 * {@link ID_TOKEN_AUDIENCE} (only `allowedEmails` when given).
 */
export function requireIdTokens(base: FunctionsContext, allowedEmails: string[] = []): void {
  const client = new OAuth2Client();
  client.getFederatedSignonCertsAsync = async () =>
    ({ certs: { 'local-key': pem }, format: 'PEM' }) as unknown as Awaited<
      ReturnType<OAuth2Client['getFederatedSignonCertsAsync']>
    >;
  overrideContext({
    config: {
      ...base.config,
      auth: { mode: 'google-id-token', audience: ID_TOKEN_AUDIENCE, allowedEmails },
    },
    verifier: googleIdTokenVerifier(ID_TOKEN_AUDIENCE, client),
  });
}

/**
 * The api in process on a functions test env whose callers authenticate with ID tokens
 * ({@link requireIdTokens}): `env` and `ctx` are the current test's, set by the suite's hooks.
 */
export function useIdTokenApi(): {
  readonly env: FunctionsTestEnv;
  readonly ctx: FunctionsContext;
} {
  let current: FunctionsTestEnv | undefined;
  const started = () => {
    if (!current) throw new Error('the functions test env has not started');
    return current;
  };
  useFunctionsTestEnv(
    (env) => {
      current = env;
    },
    async () => {
      await pullAll(started().pubsub, started().requests);
      requireIdTokens(started().ctx);
    },
  );
  return {
    get env() {
      return started();
    },
    get ctx() {
      return started().ctx;
    },
  };
}

/** The callers of the authorization tests: an admin, a manager of `team-*`, a viewer, nobody. */
export const ADMIN = 'alice@example.com';
export const MANAGER = 'bob@example.com';
export const VIEWER = 'vera@example.com';
export const STRANGER = 'mallory@example.com';

/**
 * POSTs environment tutorial to the in-process api as {@link ADMIN}, with {@link MANAGER}
 * managing `team-*` and {@link VIEWER} viewing.
 */
export function postTutorialWithRoles(): request.Test {
  return request(getTestServer('api'))
    .post('/v1/environments')
    .set('Authorization', bearer(ADMIN))
    .send(
      environmentRequest('tutorial', {
        tenantManagers: [{ principal: `user:${MANAGER}`, tenants: ['team-*'] }],
        viewers: [`user:${VIEWER}`],
      }),
    );
}

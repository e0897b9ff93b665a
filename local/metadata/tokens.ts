import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  sign,
  verify,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';

/**
 * The credentials of the local metadata server: OAuth access tokens and OIDC ID tokens of
 * service accounts, all signed RS256 by one local key whose public half is published as a JWKS
 * (and as PEM certificates, the form google-auth-library's verifier takes). Nothing here is
 * valid at Google: the access tokens are opaque to Google's clients, yet name their account so
 * that a local verifier can map token → principal.
 */

/** Issuer of Google-signed ID tokens (https://cloud.google.com/docs/authentication/token-types#id). */
export const ID_TOKEN_ISSUER = 'https://accounts.google.com';

/** Prefix of the local access tokens: `ya29.` like Google's, then `local.` and a JWT. */
export const ACCESS_TOKEN_PREFIX = 'ya29.local.';

/** `iss` of the JWT inside a local access token (never a Google issuer). */
export const ACCESS_TOKEN_ISSUER = 'local-metadata-server';

/** Lifetime of tokens: the metadata server hands out tokens valid for about an hour. */
export const TOKEN_LIFETIME_SECONDS = 3600;

/** The scope the metadata server grants when none is asked for (Cloud Run's default). */
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/** Claims of an ID token as the metadata server's `identity` endpoint mints them. */
export interface IdTokenClaims {
  iss: string;
  aud: string;
  azp: string;
  sub: string;
  email: string;
  email_verified: true;
  iat: number;
  exp: number;
}

/** What a verified local access token says. */
export interface AccessTokenClaims {
  email: string;
  sub: string;
  scopes: string[];
  iat: number;
  exp: number;
}

/** A JSON Web Key Set, as https://www.googleapis.com/oauth2/v3/certs serves Google's. */
export interface Jwks {
  keys: Array<JsonWebKey & { kid: string; alg: 'RS256'; use: 'sig' }>;
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

/**
 * The unique id of a service account (the numeric `sub` and `azp` of its tokens): 21 digits
 * derived from the email, stable across restarts like a real account's.
 */
export function serviceAccountUniqueId(email: string): string {
  const digest = createHash('sha256').update(email).digest();
  return `1${(digest.readBigUInt64BE(0) % 10n ** 20n).toString().padStart(20, '0')}`;
}

/** The local signing key and everything minted with it. */
export class TokenIssuer {
  readonly kid: string;
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;

  constructor(private readonly now: () => number = () => Math.floor(Date.now() / 1000)) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    const der = publicKey.export({ format: 'der', type: 'spki' });
    this.kid = createHash('sha256').update(der).digest('hex').slice(0, 40);
  }

  private signJwt(payload: object): string {
    const header = base64url(JSON.stringify({ alg: 'RS256', kid: this.kid, typ: 'JWT' }));
    const body = base64url(JSON.stringify(payload));
    const signature = sign('sha256', Buffer.from(`${header}.${body}`), this.privateKey);
    return `${header}.${body}.${base64url(signature)}`;
  }

  /** An OIDC ID token of the account for the audience (the `identity` endpoint's answer). */
  idToken(email: string, audience: string): string {
    const iat = this.now();
    const id = serviceAccountUniqueId(email);
    const claims: IdTokenClaims = {
      iss: ID_TOKEN_ISSUER,
      aud: audience,
      azp: id,
      sub: id,
      email,
      email_verified: true,
      iat,
      exp: iat + TOKEN_LIFETIME_SECONDS,
    };
    return this.signJwt(claims);
  }

  /** An OAuth access token of the account: `ya29.local.` + a JWT naming it and its scopes. */
  accessToken(
    email: string,
    scopes: readonly string[] = [CLOUD_PLATFORM_SCOPE],
  ): { access_token: string; expires_in: number; token_type: 'Bearer' } {
    const iat = this.now();
    const jwt = this.signJwt({
      iss: ACCESS_TOKEN_ISSUER,
      sub: serviceAccountUniqueId(email),
      email,
      scope: scopes.join(' '),
      iat,
      exp: iat + TOKEN_LIFETIME_SECONDS,
      jti: randomUUID(),
    });
    // Like Google's answers: a few seconds less than the lifetime left.
    return {
      access_token: `${ACCESS_TOKEN_PREFIX}${jwt}`,
      expires_in: TOKEN_LIFETIME_SECONDS - 1,
      token_type: 'Bearer',
    };
  }

  /** The public key as a JWKS (the stand-in of https://www.googleapis.com/oauth2/v3/certs). */
  jwks(): Jwks {
    return {
      keys: [
        { ...this.publicKey.export({ format: 'jwk' }), kid: this.kid, alg: 'RS256', use: 'sig' },
      ],
    };
  }

  /** The public key as `{kid: PEM}` (the stand-in of https://www.googleapis.com/oauth2/v1/certs). */
  pemCertificates(): Record<string, string> {
    return { [this.kid]: this.publicKey.export({ format: 'pem', type: 'spki' }).toString() };
  }
}

/** Decodes and checks the signature and expiry of a JWT against a JWKS; undefined when invalid. */
function verifiedPayload(
  jwt: string,
  jwks: Jwks,
  nowSeconds: number,
): Record<string, unknown> | undefined {
  const [header, body, signature, ...rest] = jwt.split('.');
  if (!header || !body || !signature || rest.length > 0) return undefined;
  let parsedHeader: { alg?: unknown; kid?: unknown };
  let payload: Record<string, unknown>;
  try {
    parsedHeader = JSON.parse(
      Buffer.from(header, 'base64url').toString('utf8'),
    ) as typeof parsedHeader;
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
  } catch {
    return undefined;
  }
  if (parsedHeader.alg !== 'RS256') return undefined;
  const jwk = jwks.keys.find((k) => k.kid === parsedHeader.kid);
  if (!jwk) return undefined;
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  const ok = verify(
    'sha256',
    Buffer.from(`${header}.${body}`),
    key,
    Buffer.from(signature, 'base64url'),
  );
  if (!ok) return undefined;
  if (typeof payload.exp !== 'number' || payload.exp <= nowSeconds) return undefined;
  return payload;
}

/**
 * The account a local access token names, when its signature (against the metadata server's
 * JWKS) and expiry hold; undefined for anything else, Google's tokens included. For a later
 * enforcement step: bearer token → principal.
 */
export function verifyAccessToken(
  token: string,
  jwks: Jwks,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): AccessTokenClaims | undefined {
  if (!token.startsWith(ACCESS_TOKEN_PREFIX)) return undefined;
  const payload = verifiedPayload(token.slice(ACCESS_TOKEN_PREFIX.length), jwks, nowSeconds);
  if (!payload || payload.iss !== ACCESS_TOKEN_ISSUER || typeof payload.email !== 'string') {
    return undefined;
  }
  return {
    email: payload.email,
    sub: String(payload.sub),
    scopes: typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [],
    iat: Number(payload.iat),
    exp: Number(payload.exp),
  };
}

/**
 * The claims of a local ID token when its signature, expiry, issuer and audience hold;
 * undefined otherwise.
 */
export function verifyIdToken(
  token: string,
  jwks: Jwks,
  audience: string,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): IdTokenClaims | undefined {
  const payload = verifiedPayload(token, jwks, nowSeconds);
  if (!payload || payload.iss !== ID_TOKEN_ISSUER || payload.aud !== audience) return undefined;
  return payload as unknown as IdTokenClaims;
}

/** The IAM principal of an email: Google's service accounts by their domain, anyone else a user. */
export function principalOfEmail(email: string): string {
  return /\.gserviceaccount\.com$/i.test(email) ? `serviceAccount:${email}` : `user:${email}`;
}

/**
 * The Bearer check the GCP simulator authorizes calls with: the principal a local access token
 * names (signed by `jwks`' key, not expired), undefined for any other token.
 */
export function accessTokenPrincipal(jwks: Jwks): (token: string) => string | undefined {
  return (token) => {
    const claims = verifyAccessToken(token, jwks);
    return claims ? principalOfEmail(claims.email) : undefined;
  };
}

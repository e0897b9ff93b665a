/**
 * The local metadata server stand-in: Cloud Run's metadata server on 127.0.0.1, handing out
 * OAuth access tokens and OIDC ID tokens of the deployment's service accounts, signed by a local
 * key (docs/architecture.md "Local identities: the metadata server stand-in").
 */
export {
  startMetadataServer,
  metadataEnv,
  numericProjectIdOf,
  METADATA_BASE_PATH,
  JWKS_PATH,
  PEM_CERTS_PATH,
  type MetadataServer,
  type MetadataServerOptions,
  type MetadataEndpoint,
} from './server.js';
export {
  TokenIssuer,
  verifyAccessToken,
  verifyIdToken,
  accessTokenPrincipal,
  principalOfEmail,
  serviceAccountUniqueId,
  ACCESS_TOKEN_PREFIX,
  ID_TOKEN_ISSUER,
  CLOUD_PLATFORM_SCOPE,
  TOKEN_LIFETIME_SECONDS,
  type AccessTokenClaims,
  type IdTokenClaims,
  type Jwks,
} from './tokens.js';
export { stackIdentities, type FunctionGroup, type StackIdentities } from './identities.js';

/**
 * The public API of shared/spec: schemas, types, parsing and validation of Environment and
 * Tenant documents. Import from here, not from the files behind it.
 */
export * from './constants.js';
export * from './primitives.js';
export * from './environment.js';
export * from './access.js';
export * from './tenant.js';
export { type SpecError, SpecValidationError, formatSpecError, formatPath } from './spec-error.js';
export {
  type SpecSet,
  type ValidationResult,
  type ParsedDocument,
  type RawDocument,
  type SpecKind,
  SPEC_KINDS,
  validateDocuments,
  validateSourcedDocuments,
  parseEnvironment,
  parseTenant,
} from './documents.js';
export {
  validateEnvironment,
  POD_BLOCK_PREFIX_PER_NODE,
  SUBNET_RESERVED_ADDRESSES,
} from './validate-environment.js';
export { validateTenant, RESERVED_NAMESPACE_LABELS } from './validate-tenant.js';
export { type Sourced, validateSpecSet } from './validate-spec-set.js';
export {
  type GrantRefusal,
  grantAllowed,
  grantPatternCovers,
  grantRefusal,
  reservedServiceAccountReason,
  sensitiveResourceReason,
  tenantGrantProblems,
} from './grant-policy.js';
export {
  tenantNamespace,
  egressRulePorts,
  hostCovers,
  DEFAULT_APP_PORT,
  DEFAULT_TARGET_PORT,
  ISTIO_RESERVED_PORT_RANGE,
} from './egress.js';
export {
  type Ipv4Block,
  parseIpv4Block,
  blocksOverlap,
  blockContains,
  blockSize,
  isPrivateBlock,
  coversAllIpv4,
} from './cidr.js';
export { specHash, canonicalJson } from './hash.js';
export { specJsonSchemas, renderJsonSchema, type SpecJsonSchemas } from './json-schema.js';

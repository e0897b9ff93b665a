/**
 * The mesh and tenant policy compiler (docs/architecture.md "Tenant policy compiler"): pure
 * functions from an Environment and its tenants to the Kubernetes and Istio objects the
 * mesh-config and tenants steps apply. See docs/design-notes.md for every deliberate difference
 * from the tutorial.
 */
export {
  desiredMeshObjects,
  GATEWAY_ALLOW_NOTHING_POLICY,
  ACCESS_LOGGING_TELEMETRY,
  type MeshObjectsOptions,
} from './mesh-objects.js';
export {
  desiredTenantObjects,
  usesGoogleApis,
  PASSTHROUGH_SNI_POLICY,
  GOOGLE_API_SERVICE_ENTRIES,
} from './tenant-objects.js';
export {
  allocateMutualPorts,
  MUTUAL_PASSTHROUGH_PORTS,
  MUTUAL_SUBSET,
} from './mutual-passthrough.js';
export { compileGrants, type CompiledGrants, type HostGrants, type TenantGrant } from './grants.js';
export { sortObjects, KIND_ORDER } from './sort.js';
export * from './names.js';
export { desiredObjects } from './desired-objects.js';
export {
  toYaml,
  toYamlStream,
  toJsonList,
  renderText,
  renderFiles,
  RENDERED_FILE_PATTERN,
  type RenderFormat,
  type RenderLayout,
  type RenderedFile,
} from './render-files.js';
export { compilationProblems } from './problems.js';

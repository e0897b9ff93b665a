/**
 * The mesh and tenant policy compiler (DESIGN.md "Tenant policy compiler"): pure functions from
 * an Environment and its tenants to the Kubernetes and Istio objects the mesh-config and tenants
 * steps apply. See docs/design-notes.md for every deliberate difference from the tutorial.
 */
import type { Environment } from '../../spec/environment.js';
import type { Tenant } from '../../spec/tenant.js';
import type { KubeObject } from '../kube-object.js';
import { desiredMeshObjects, type MeshObjectsOptions } from './mesh-objects.js';
import { desiredTenantObjects } from './tenant-objects.js';
import { sortObjects } from './sort.js';

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
  mutualObjectName,
  MUTUAL_PASSTHROUGH_PORTS,
  MUTUAL_SUBSET,
} from './mutual-passthrough.js';
export { compileGrants, type CompiledGrants, type HostGrants, type TenantGrant } from './grants.js';
export { sortObjects, KIND_ORDER } from './sort.js';
export * from './names.js';

/** Both steps' objects for an environment and its full tenant set, sorted. */
export function desiredObjects(
  env: Environment,
  tenants: readonly Tenant[],
  opts: MeshObjectsOptions = {},
): KubeObject[] {
  return sortObjects([
    ...desiredMeshObjects(env, opts),
    ...desiredTenantObjects(env, tenants, opts),
  ]);
}
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

import type { Environment } from '../../spec/environment.js';
import type { Tenant } from '../../spec/tenant.js';
import type { KubeObject } from '../kube-object.js';
import { desiredMeshObjects, type MeshObjectsOptions } from './mesh-objects.js';
import { sortObjects } from './sort.js';
import { desiredTenantObjects } from './tenant-objects.js';

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

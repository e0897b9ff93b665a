import type { Environment } from '../../spec/environment.js';
import { postRequest, type PlannedRequest } from './request.js';

/** The fleet feature that manages service meshes. */
export const SERVICE_MESH_FEATURE = 'servicemesh';

/** Body of `POST v1/projects/P/locations/global/features?featureId=servicemesh` (message Feature). */
export interface ServiceMeshFeatureBody {
  fleetDefaultMemberConfig: { mesh: { management: 'MANAGEMENT_AUTOMATIC' } };
}

/**
 * The fleet-wide default: every member cluster gets a Google-managed control plane. Set before
 * the cluster exists so provisioning starts with the cluster's registration. No labels: the
 * feature belongs to the project's fleet, which other environments may share.
 */
export function desiredServiceMeshFeature(_env: Environment): ServiceMeshFeatureBody {
  return { fleetDefaultMemberConfig: { mesh: { management: 'MANAGEMENT_AUTOMATIC' } } };
}

/** `projects/P/locations/global/features/servicemesh`. */
export function serviceMeshFeaturePath(env: Environment): string {
  return `projects/${env.spec.project}/locations/global/features/${SERVICE_MESH_FEATURE}`;
}

/** The `fleet-mesh` step's request. */
export function fleetMeshRequests(env: Environment): PlannedRequest<ServiceMeshFeatureBody>[] {
  return [
    postRequest(
      'Feature',
      SERVICE_MESH_FEATURE,
      'gkehub.googleapis.com',
      `/v1/projects/${env.spec.project}/locations/global/features?featureId=${SERVICE_MESH_FEATURE}`,
      desiredServiceMeshFeature(env),
    ),
  ];
}

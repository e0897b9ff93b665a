import { GoogleApiError } from '../api-error.js';
import type { SimStore } from '../store.js';
import { isCustomRoleName, isPredefinedRole } from '../../../shared/spec/roles.js';

/**
 * The role check of every `setIamPolicy` (projects, service accounts, buckets): a binding's role
 * must exist. Predefined roles come from Google's published list (shared/spec/data/, see its
 * SOURCE.md). The simulator does not serve IAM's custom roles API, so a custom role name is
 * accepted when it lives in the policy's own project (or an organization, which the simulator
 * does not model); a custom role of another project is outside the resource's hierarchy.
 *
 * Google's answers (HTTP 400 INVALID_ARGUMENT, `errors[].reason: badRequest`, no field violation),
 * as quoted in public reports of real traffic:
 * - "Role roles/securityReviewer is not supported for this resource." (organizations
 *   setIamPolicy, github.com/terraform-google-modules/terraform-google-iam/issues/91; the same
 *   words for buckets, github.com/hashicorp/terraform-provider-google/issues/9130, and for
 *   service accounts, github.com/GoogleCloudPlatform/k8s-config-connector/issues/3942);
 * - "Role (projects/p/roles/x) does not exist in the resource's hierarchy." for a custom role
 *   the resource cannot see.
 */

/** A role a binding may not name, refused with Google's message; `project` owns the resource. */
export function checkRoleExists(store: SimStore, role: string, project: string): void {
  if (isPredefinedRole(role)) return;
  if (isCustomRoleName(role)) {
    const [kind, owner] = role.split('/');
    if (kind === 'organizations' || owner === project) return;
    if (owner === store.projectNumber(project)) return;
    throw new GoogleApiError(400, `Role (${role}) does not exist in the resource's hierarchy.`);
  }
  throw new GoogleApiError(400, `Role ${role} is not supported for this resource.`);
}

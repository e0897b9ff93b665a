/**
 * RBAC kinds (Role, RoleBinding, ClusterRole, ClusterRoleBinding): names are path segments
 * (`ValidateRBACName` = `path.IsValidPathSegmentName`: `system:auth-delegator` is valid), not
 * DNS subdomains.
 */
import type { KindStrategyFactory } from './kind-strategy.js';

export const rbacStrategy: KindStrategyFactory = () => ({ nameRule: 'path-segment' });

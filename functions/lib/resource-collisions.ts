import type { ErrorBody } from '../../shared/errors.js';
import { resourceNameCollisions } from '../../shared/plan/gcp/collisions.js';
import type { Environment } from '../../shared/spec/index.js';
import type { EnvironmentRecord } from '../../shared/state/types.js';

/**
 * 409 `resource-name-collision` when the environment would claim a Google resource name another
 * stored environment (not torn down) already claims in the same project: the field of the spec,
 * the resource and the other environment are named. Undefined when nothing collides.
 */
export function resourceNameCollision(
  spec: Environment,
  stored: readonly EnvironmentRecord[],
): ErrorBody | undefined {
  for (const other of stored) {
    if (other.id === spec.metadata.name || other.status === 'DELETED') continue;
    const [first] = resourceNameCollisions(spec, other.spec);
    if (!first) continue;
    return {
      kind: 'conflict',
      reason: 'resource-name-collision',
      message: `${first.field}: ${first.resource} in project ${spec.spec.project} is already environment ${other.id}'s; choose another name (rule: resource names are unique per project among environments)`,
      field: first.field,
    };
  }
  return undefined;
}

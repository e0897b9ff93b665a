/**
 * IAM roles a binding may name: Google's predefined roles (`roles/...`, the generated list in
 * `data/predefined-roles.json`, see `data/SOURCE.md`) and custom roles
 * (`projects/P/roles/X`, `organizations/O/roles/X`), which live in a project or organization and
 * cannot be checked without it.
 */
import PREDEFINED_ROLE_NAMES from './data/predefined-roles.json' with { type: 'json' };
import type { SpecError } from './spec-error.js';
import { specError, type Path } from './validation-support.js';

const predefinedRoles: ReadonlySet<string> = new Set(PREDEFINED_ROLE_NAMES);

/** Google's custom role names: `projects/PROJECT/roles/ID` or `organizations/ORG/roles/ID`. */
export const CUSTOM_ROLE_PATTERN = /^(projects|organizations)\/[^/]+\/roles\/[A-Za-z0-9_.]{3,64}$/;

/** Whether `role` is one of Google's predefined roles (as of the generated list). */
export function isPredefinedRole(role: string): boolean {
  return predefinedRoles.has(role);
}

/** Whether `role` names a custom role (its existence depends on the project or organization). */
export function isCustomRoleName(role: string): boolean {
  return CUSTOM_ROLE_PATTERN.test(role);
}

/**
 * The predefined role closest to a mistyped `roles/...` name (same service prefix, at most two
 * edits away), to suggest in a message; undefined when none is that close.
 */
export function closestPredefinedRole(role: string): string | undefined {
  const service = role.split('.')[0] ?? '';
  let best: { name: string; distance: number } | undefined;
  for (const name of predefinedRoles) {
    if (!name.startsWith(`${service}.`) && name.split('.')[0] !== service) continue;
    const distance = editDistance(role, name);
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The `unknown-role` problem of a role a spec names, or none: a `roles/...` name must be one of
 * Google's predefined roles (IAM refuses any other with "Role ... is not supported for this
 * resource."); a custom role name is accepted here (its project decides).
 */
export function unknownRoleErrors(role: string, path: Path): SpecError[] {
  if (isPredefinedRole(role) || isCustomRoleName(role)) return [];
  const suggestion = closestPredefinedRole(role);
  const hint = suggestion
    ? `; did you mean "${suggestion}"?`
    : '; see https://cloud.google.com/iam/docs/understanding-roles for the predefined roles';
  return [
    specError(path, 'unknown-role', `"${role}" is not a predefined Google Cloud IAM role${hint}`),
  ];
}

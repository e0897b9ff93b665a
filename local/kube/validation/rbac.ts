/**
 * `rbac.authorization.k8s.io` kinds, after k8s.io/kubernetes
 * pkg/apis/rbac/validation/validation.go `ValidateRole`, `ValidatePolicyRule`,
 * `ValidateRoleBinding` and `ValidateRoleBindingSubject`. Names are path segments
 * (`ValidateRBACName`), set through the kinds' strategies.
 */
import { isDeepStrictEqual } from 'node:util';
import type { StatusCause } from '../status-errors.js';
import type { JsonObject } from '../../../shared/lib/json.js';
import {
  FieldPath,
  invalidEach,
  invalidValue,
  isDNS1123Subdomain,
  isValidPathSegmentName,
  listAt,
  notSupported,
  objectAt,
  required,
  stringAt,
} from './fields.js';

const rbacGroup = 'rbac.authorization.k8s.io';

function isEmptyList(value: unknown): boolean {
  return !Array.isArray(value) || value.length === 0;
}

/** `ValidatePolicyRule`. */
function validatePolicyRule(rule: JsonObject, namespaced: boolean, path: FieldPath): StatusCause[] {
  const causes: StatusCause[] = [];
  if (isEmptyList(rule.verbs))
    causes.push(required(path.child('verbs'), 'verbs must contain at least one value'));
  if (!isEmptyList(rule.nonResourceURLs)) {
    if (namespaced)
      causes.push(
        invalidValue(
          path.child('nonResourceURLs'),
          rule.nonResourceURLs,
          'namespaced rules cannot apply to non-resource URLs',
        ),
      );
    if (
      !isEmptyList(rule.apiGroups) ||
      !isEmptyList(rule.resources) ||
      !isEmptyList(rule.resourceNames)
    )
      causes.push(
        invalidValue(
          path.child('nonResourceURLs'),
          rule.nonResourceURLs,
          'rules cannot apply to both regular resources and non-resource URLs',
        ),
      );
    return causes;
  }
  if (isEmptyList(rule.apiGroups))
    causes.push(
      required(path.child('apiGroups'), 'resource rules must supply at least one api group'),
    );
  if (isEmptyList(rule.resources))
    causes.push(
      required(path.child('resources'), 'resource rules must supply at least one resource'),
    );
  return causes;
}

/** `ValidateRole` / `ValidateClusterRole`: each rule. */
export function roleValidator(namespaced: boolean): (role: JsonObject) => StatusCause[] {
  return (role) =>
    listAt(role, 'rules').flatMap((rule, index) =>
      validatePolicyRule(rule, namespaced, FieldPath.root('rules').index(index)),
    );
}

/** `ValidateRoleBindingSubject`. */
function validateSubject(subject: JsonObject, namespaced: boolean, path: FieldPath): StatusCause[] {
  const causes: StatusCause[] = [];
  const name = stringAt(subject, 'name');
  const kind = stringAt(subject, 'kind');
  // rbac/v1 defaults apiGroup to rbac.authorization.k8s.io for User and Group subjects.
  const apiGroup =
    subject.apiGroup === undefined && (kind === 'User' || kind === 'Group')
      ? rbacGroup
      : stringAt(subject, 'apiGroup');
  if (name === '') causes.push(required(path.child('name')));
  switch (kind) {
    case 'ServiceAccount':
      if (name !== '')
        causes.push(...invalidEach(path.child('name'), name, isDNS1123Subdomain(name)));
      if (apiGroup !== '') causes.push(notSupported(path.child('apiGroup'), apiGroup, ['']));
      if (!namespaced && stringAt(subject, 'namespace') === '')
        causes.push(required(path.child('namespace')));
      break;
    case 'User':
    case 'Group':
      if (apiGroup !== rbacGroup)
        causes.push(notSupported(path.child('apiGroup'), apiGroup, [rbacGroup]));
      break;
    default:
      causes.push(notSupported(path.child('kind'), kind, ['ServiceAccount', 'User', 'Group']));
  }
  return causes;
}

/** `ValidateRoleBinding` / `ValidateClusterRoleBinding`: roleRef (unchangeable), subjects. */
export function roleBindingValidator(
  namespaced: boolean,
): (binding: JsonObject, previous: JsonObject | undefined) => StatusCause[] {
  return (binding, previous) => {
    const causes: StatusCause[] = [];
    const roleRef = objectAt(binding, 'roleRef');
    const path = FieldPath.root('roleRef');
    const apiGroup = stringAt(roleRef, 'apiGroup');
    if (apiGroup !== rbacGroup)
      causes.push(notSupported(path.child('apiGroup'), apiGroup, [rbacGroup]));
    const kind = stringAt(roleRef, 'kind');
    const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
    if (!kinds.includes(kind)) causes.push(notSupported(path.child('kind'), kind, kinds));
    const name = stringAt(roleRef, 'name');
    if (name === '') causes.push(required(path.child('name')));
    else causes.push(...invalidEach(path.child('name'), name, isValidPathSegmentName(name)));
    listAt(binding, 'subjects').forEach((subject, index) =>
      causes.push(...validateSubject(subject, namespaced, FieldPath.root('subjects').index(index))),
    );
    // ValidateRoleBindingUpdate: "cannot change roleRef".
    if (previous && !isDeepStrictEqual(roleRef, objectAt(previous, 'roleRef')))
      causes.push(invalidValue(FieldPath.root('roleRef'), roleRef, 'cannot change roleRef'));
    return causes;
  };
}

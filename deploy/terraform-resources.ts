/**
 * Reading infra/'s parsed Terraform: resources by type and local name, references between them,
 * and the custom roles they declare. What the coverage checks look up.
 */
import { attributeText, stringAttribute, type HclBlock } from './hcl.js';

/** Resources of one type by their local name. */
export function resources(blocks: readonly HclBlock[], type: string): Map<string, HclBlock> {
  return new Map(
    blocks
      .filter((b) => b.type === 'resource' && b.labels[0] === type && b.labels[1] !== undefined)
      .map((b) => [b.labels[1]!, b]),
  );
}

/** The local name a reference such as `google_pubsub_topic.foo.id` points at. */
export function referenced(text: string | undefined, type: string): string | undefined {
  if (!text) return undefined;
  return new RegExp(`${type}\\.([A-Za-z0-9_-]+)`).exec(text)?.[1];
}

/** A custom role declared in infra/. */
export interface TfCustomRole {
  roleId: string;
  permissions: string[];
  /** Declared in every environment project (for_each over environment_projects). */
  inEnvironmentProjects: boolean;
}

/** The google_project_iam_custom_role resources of infra/, by local name. */
export function customRolesOf(blocks: readonly HclBlock[]): Map<string, TfCustomRole> {
  const roles = new Map<string, TfCustomRole>();
  for (const [name, block] of resources(blocks, 'google_project_iam_custom_role')) {
    const list = block.attributes.permissions;
    roles.set(name, {
      roleId: stringAttribute(block, 'role_id') ?? name,
      permissions:
        list?.kind === 'list'
          ? list.items.flatMap((item) => (item.kind === 'string' ? [item.value] : []))
          : [],
      inEnvironmentProjects: /environment_projects/.test(attributeText(block, 'for_each') ?? ''),
    });
  }
  return roles;
}

/** Text of an attribute with spaces dropped, so `a [ 0 ] .b` reads as `a[0].b`. */
export function compact(text: string | undefined): string {
  return (text ?? '').replace(/\s+/g, '');
}

/** The expression naming the subscription Eventarc created for a trigger. */
export function eventarcSubscriptionRef(triggerTfName: string): string {
  return `google_eventarc_trigger.${triggerTfName}.transport[0].pubsub[0].subscription`;
}

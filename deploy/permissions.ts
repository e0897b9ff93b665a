/**
 * What each adapter call of shared/gcp needs from IAM, kept next to the manifest so least
 * privilege is reviewed in one place. test/deploy/coverage.test.ts lists the adapters' public
 * methods from their source and fails when one has no entry here, when an entry's account is not
 * granted every permission it names (by a predefined role below or the custom role in infra/),
 * and when the custom role in infra/ holds a permission no entry needs.
 *
 * Pure data: no I/O.
 */
import type { ServiceAccountKey } from './manifest-types.js';

/** The custom role of the steps account, defined in each environment project by infra/. */
export const STEPS_CUSTOM_ROLE_ID = 'egressProvisionerSteps';

/** How the manifest and the coverage check name a project custom role granted in every project of a scope. */
export function customRoleName(roleId: string): string {
  return `projects/*/roles/${roleId}`;
}

/**
 * Where a permission is needed: the projects environments are provisioned in, or the service's
 * own project (the environments' tenant topics live there, beside the functions).
 */
export type PermissionScope = 'environment-projects' | 'service-project';

/** The custom role of the steps account in the service project (tenant topics), by infra/. */
export const INTAKE_CUSTOM_ROLE_ID = 'egressProvisionerIntake';

/** The IAM permissions one adapter method needs, and why. */
export interface AdapterPermissions {
  /** The account of the functions that call it. */
  account: ServiceAccountKey;
  scope: PermissionScope;
  /** Every permission a call may need (a generic method needs the union over what it serves). */
  permissions: readonly string[];
  why: string;
}

const COMPUTE_COLLECTIONS = ['networks', 'subnetworks', 'routers', 'firewalls'] as const;
const each = (verb: string): string[] => COMPUTE_COLLECTIONS.map((c) => `compute.${c}.${verb}`);

const steps = (permissions: readonly string[], why: string): AdapterPermissions => ({
  account: 'steps',
  scope: 'environment-projects',
  permissions,
  why,
});

const intake = (permissions: readonly string[], why: string): AdapterPermissions => ({
  account: 'steps',
  scope: 'service-project',
  permissions,
  why,
});

/**
 * Adapter method (`Class.method`, or `workloadIdentityAdapter.method` for the object that
 * function returns) → the permissions its calls need. Sources: each method's REST reference
 * ("IAM Permissions", "Authorization requires") and the access-control page of its API; the
 * comment above each group names the page, and docs/deploy.md ("Sources of the permission
 * table") says which entries are confirmed and which are not.
 */
export const ADAPTER_PERMISSIONS: Readonly<Record<string, AdapterPermissions>> = {
  // compute v1 (network, subnet, nat, firewalls steps). insert/patch/delete/get need
  // compute.<collection>.create/update/delete/get (compute/docs/reference/rest/v1/<collection>).
  // A subnet's or firewall rule's `network` field is authorized as compute.networks.updatePolicy
  // on that VPC (subnetworks.insert and firewalls.insert references; Google's 403 reads
  // "Required 'compute.networks.updatePolicy' permission for 'projects/P/global/networks/N'").
  'ComputeAdapter.get': steps(each('get'), 'observe the VPC, subnet, Cloud Router and firewalls'),
  'ComputeAdapter.insert': steps(
    [
      ...each('create'),
      'compute.networks.updatePolicy',
      // Unconfirmed for insert (docs/deploy.md): kept so a subnet created with
      // privateIpGoogleAccess on cannot fail for it.
      'compute.subnetworks.setPrivateIpGoogleAccess',
    ],
    'create them (the subnet with Private Google Access on)',
  ),
  // No setPrivateIpGoogleAccess here: Subnetwork.privateIpGoogleAccess "can be both set at
  // resource creation time and updated using setPrivateIpGoogleAccess", the method below;
  // subnetworks.patch is authorized as compute.subnetworks.update.
  'ComputeAdapter.setPrivateIpGoogleAccess': steps(
    ['compute.subnetworks.setPrivateIpGoogleAccess'],
    "restore the subnet's Private Google Access when it drifts",
  ),
  'ComputeAdapter.patch': steps(
    [...each('update'), 'compute.networks.updatePolicy'],
    'patch mutable drift (secondary ranges, NAT, firewall rules)',
  ),
  'ComputeAdapter.delete': steps(
    [...each('delete'), 'compute.networks.updatePolicy'],
    'teardown deletes what the environment owns',
  ),
  'ComputeAdapter.getOperation': steps(
    ['compute.globalOperations.get', 'compute.regionOperations.get', 'compute.zoneOperations.get'],
    'resume a pending insert/patch/delete by operation name',
  ),

  // container v1 (cluster, gateway-pool steps); node pools are authorized as their cluster:
  // "Authorization requires the following IAM permission on the specified resource parent:
  // container.clusters.update" (kubernetes-engine/docs/reference/rest/v1/
  // projects.locations.clusters.nodePools/create). roles/container.admin holds container.* in
  // any case, so none of these reach the custom role.
  'ContainerAdapter.getCluster': steps(['container.clusters.get'], 'observe the cluster'),
  'ContainerAdapter.createCluster': steps(
    [
      'container.clusters.create',
      // Nodes run as the node service account: "To set a service account on nodes, you must
      // also have the Service Account User role on the user-managed service account".
      'iam.serviceAccounts.actAs',
      // The cluster is registered to the fleet at creation (fleet.project).
      'gkehub.memberships.create',
      'gkehub.memberships.get',
    ],
    'create the private cluster, registered to the fleet, nodes running as the node account',
  ),
  'ContainerAdapter.updateCluster': steps(
    ['container.clusters.update'],
    'patch authorized networks and other mutable drift',
  ),
  // Both methods' REST references name container.clusters.update as their permission.
  'ContainerAdapter.setClusterLabels': steps(
    ['container.clusters.update'],
    'restore the ownership labels teardown relies on (setResourceLabels)',
  ),
  'ContainerAdapter.setClusterNetworkPolicy': steps(
    ['container.clusters.update'],
    'restore network policy enforcement on the nodes (setNetworkPolicy)',
  ),
  'ContainerAdapter.deleteCluster': steps(
    ['container.clusters.delete', 'gkehub.memberships.delete'],
    'teardown (the fleet membership goes with the cluster)',
  ),
  'ContainerAdapter.getNodePool': steps(['container.clusters.get'], 'observe the gateway pool'),
  'ContainerAdapter.createNodePool': steps(
    ['container.clusters.update', 'iam.serviceAccounts.actAs'],
    'create the tainted gateway pool, nodes running as the node account',
  ),
  'ContainerAdapter.updateNodePool': steps(
    ['container.clusters.update'],
    'patch the pool (taints, labels, size)',
  ),
  'ContainerAdapter.deleteNodePool': steps(['container.clusters.update'], 'teardown'),
  'ContainerAdapter.getOperation': steps(
    ['container.operations.get'],
    'resume a pending cluster or node pool operation',
  ),

  // dns v1 (private-dns step). Every entry is the method table of "Cloud DNS roles and
  // permissions" (cloud.google.com/dns/docs/access-control): creating or updating a private zone
  // "also need[s] dns.networks.bindPrivateDNSZone and dns.networks.targetWithPeeringZone on each
  // project with a VPC network authorized to access the zone"; managedZones.patch is authorized
  // as dns.managedZones.update (no dns.managedZones.patch permission exists).
  'DnsAdapter.getZone': steps(['dns.managedZones.get'], 'observe the private zones'),
  'DnsAdapter.createZone': steps(
    [
      'dns.managedZones.create',
      'dns.networks.bindPrivateDNSZone',
      'dns.networks.targetWithPeeringZone',
    ],
    'create the private zones bound to the VPC',
  ),
  'DnsAdapter.patchZone': steps(
    [
      'dns.managedZones.update',
      'dns.networks.bindPrivateDNSZone',
      'dns.networks.targetWithPeeringZone',
    ],
    'patch the zone (its networks, description)',
  ),
  'DnsAdapter.deleteZone': steps(['dns.managedZones.delete'], 'teardown'),
  'DnsAdapter.listRecordSets': steps(['dns.resourceRecordSets.list'], 'observe the records'),
  // "To create a resource record, set both dns.changes.create and dns.resourceRecordSets.create
  // ... To delete ..., dns.changes.create and dns.resourceRecordSets.delete": a drifted record is
  // replaced by a deletion and an addition in the same change, never an in-place update.
  'DnsAdapter.applyChange': steps(
    ['dns.changes.create', 'dns.resourceRecordSets.create', 'dns.resourceRecordSets.delete'],
    'one change adds the missing records and deletes drifted ones',
  ),
  'DnsAdapter.getChange': steps(['dns.changes.get'], 'resume a pending record change by its id'),

  // iam v1 (service-accounts step: the node accounts).
  'IamAdapter.getServiceAccount': steps(['iam.serviceAccounts.get'], 'observe a node account'),
  'IamAdapter.createServiceAccount': steps(['iam.serviceAccounts.create'], 'create it'),
  'IamAdapter.patchServiceAccount': steps(
    ['iam.serviceAccounts.update'],
    'patch display name or description drift',
  ),
  'IamAdapter.deleteServiceAccount': steps(['iam.serviceAccounts.delete'], 'teardown'),

  // cloudresourcemanager v3 (service-accounts step: the node accounts' project roles).
  'ProjectIamAdapter.getIamPolicy': steps(
    ['resourcemanager.projects.getIamPolicy'],
    'read the project policy (with its etag)',
  ),
  'ProjectIamAdapter.setIamPolicy': steps(
    ['resourcemanager.projects.setIamPolicy'],
    'write the node accounts roles in one read-modify-write',
  ),

  // serviceusage v1 (apis step).
  'ServiceUsageAdapter.listEnabled': steps(
    ['serviceusage.services.list'],
    'observe the enabled APIs',
  ),
  'ServiceUsageAdapter.batchEnable': steps(
    ['serviceusage.services.enable'],
    'enable the missing APIs',
  ),
  'ServiceUsageAdapter.getOperation': steps(
    ['serviceusage.operations.get'],
    'resume a pending batchEnable',
  ),

  // gkehub v1 (fleet-mesh, mesh-ready steps).
  'GkeHubAdapter.getFeature': steps(
    ['gkehub.features.get'],
    'observe the servicemesh feature and the membership state',
  ),
  'GkeHubAdapter.createFeature': steps(
    ['gkehub.features.create'],
    'enable the servicemesh feature',
  ),
  'GkeHubAdapter.patchFeature': steps(
    ['gkehub.features.update'],
    'set fleetDefaultMemberConfig (automatic management)',
  ),
  'GkeHubAdapter.deleteFeature': steps(['gkehub.features.delete'], 'teardown'),
  'GkeHubAdapter.getOperation': steps(['gkehub.operations.get'], 'resume a pending feature change'),

  // Workload Identity (tenants step): tenant accounts and the policies tenants' grants name.
  'workloadIdentityAdapter.listServiceAccounts': steps(
    ['iam.serviceAccounts.list'],
    'find the accounts of offboarded tenants by their marker',
  ),
  'workloadIdentityAdapter.createServiceAccount': steps(
    ['iam.serviceAccounts.create'],
    'one Google account per workloadIdentity entry',
  ),
  'workloadIdentityAdapter.deleteServiceAccount': steps(
    ['iam.serviceAccounts.delete'],
    'offboarding deletes the tenant account',
  ),
  'workloadIdentityAdapter.getIamPolicy': steps(
    [
      'iam.serviceAccounts.getIamPolicy',
      'resourcemanager.projects.getIamPolicy',
      // GET storage/v1/b/BUCKET/iam
      'storage.buckets.getIamPolicy',
    ],
    'read the policy of a tenant account (workloadIdentityUser), a project or a bucket a grant names',
  ),
  'workloadIdentityAdapter.setIamPolicy': steps(
    [
      'iam.serviceAccounts.setIamPolicy',
      'resourcemanager.projects.setIamPolicy',
      // PUT storage/v1/b/BUCKET/iam
      'storage.buckets.setIamPolicy',
    ],
    'write it back with the tenant grants (etag-checked)',
  ),

  // pubsub v1 (tenants step: each environment's tenant topic, in the service project).
  // https://cloud.google.com/pubsub/docs/access-control "Required permissions" per method:
  // creating a subscription also needs pubsub.topics.attachSubscription on its topic, and a push
  // subscription with an OIDC token iam.serviceAccounts.actAs on the token's account
  // (https://cloud.google.com/pubsub/docs/create-push-subscription#authentication), which the
  // steps hold on the events account only (roles/iam.serviceAccountUser there).
  'PubsubAdapter.getTopic': intake(['pubsub.topics.get'], 'observe the tenant topic and its owner'),
  'PubsubAdapter.createTopic': intake(['pubsub.topics.create'], "the environment's tenant topic"),
  'PubsubAdapter.deleteTopic': intake(['pubsub.topics.delete'], 'teardown closes the intake'),
  'PubsubAdapter.getTopicIamPolicy': intake(
    ['pubsub.topics.getIamPolicy'],
    'read who may publish tenant documents',
  ),
  'PubsubAdapter.setTopicIamPolicy': intake(
    ['pubsub.topics.setIamPolicy'],
    'publishers: exactly the environment admins and managers of every tenant',
  ),
  'PubsubAdapter.getSubscription': intake(
    ['pubsub.subscriptions.get'],
    'observe the push to tenant-events',
  ),
  'PubsubAdapter.createSubscription': intake(
    [
      'pubsub.subscriptions.create',
      'pubsub.topics.attachSubscription',
      'iam.serviceAccounts.actAs',
    ],
    "push the topic to tenant-events with the events account's OIDC token",
  ),
  'PubsubAdapter.modifyPushConfig': intake(
    ['pubsub.subscriptions.update', 'iam.serviceAccounts.actAs'],
    'repair a push endpoint or token that drifted',
  ),
  'PubsubAdapter.deleteSubscription': intake(
    ['pubsub.subscriptions.delete'],
    'teardown closes the intake',
  ),
};

/** The custom role of the workflows account, defined in the service project by infra/. */
export const WORKFLOWS_CUSTOM_ROLE_ID = 'egressProvisionerWorkflows';

/**
 * The Google API calls the workflows make as their own account (deploy/workflow-calls.ts reads
 * them from workflows/*.yaml), by REST method → the permissions it needs. Invocations of our own
 * functions are not here: each needs run.invoker on that function, which `egressctl deploy`
 * grants (the manifest's `invokers`). test/deploy/coverage.test.ts fails when a workflow calls a
 * method without an entry, when the workflows account lacks a permission an entry names, and
 * when it holds a role or permission no call needs.
 */
export const WORKFLOW_CALL_PERMISSIONS: Readonly<
  Record<string, { permissions: readonly string[]; why: string }>
> = {
  // provision-environment hands a teardown request over to teardown-environment. "Workflows
  // roles and permissions" (cloud.google.com/workflows/docs/access-control):
  // workflows.executions.create "Trigger a workflow execution". Workflows roles can be granted
  // on the project at the lowest (no per-workflow IAM), hence a custom role with only it.
  'workflowexecutions.projects.locations.workflows.executions.create': {
    permissions: ['workflows.executions.create'],
    why: 'provision-environment starts teardown-environment for a teardown request',
  },
};

/**
 * Roles the workflows account holds for the platform rather than for a call its YAML makes:
 * Workflows writes call logs and sys.log entries as the workflow's account.
 */
export const WORKFLOWS_PLATFORM_ROLES: Readonly<Record<string, string>> = {
  'roles/logging.logWriter': 'call logging and sys.log of the workflows',
};

/**
 * The permissions of the predefined roles the manifest relies on for adapter calls, as Google's
 * "roles and permissions" pages list them (a trailing `*` covers a whole prefix). Only what the
 * check needs is listed: a claim here must be true, not complete.
 */
export const PREDEFINED_ROLE_PERMISSIONS: Readonly<Record<string, readonly string[]>> = {
  // https://cloud.google.com/iam/docs/roles-permissions/iam#iam.serviceAccountUser (granted on
  // one account, so actAs holds for that account only).
  'roles/iam.serviceAccountUser': [
    'iam.serviceAccounts.actAs',
    'iam.serviceAccounts.get',
    'iam.serviceAccounts.list',
  ],
  // https://cloud.google.com/iam/docs/roles-permissions/container: "container.*".
  'roles/container.admin': ['container.*'],
  // https://cloud.google.com/iam/docs/setting-limits-on-granting-roles: the role conditioned
  // with modifiedGrantsByRole, holding resourcemanager.projects.getIamPolicy and setIamPolicy.
  'roles/resourcemanager.projectIamAdmin': [
    'resourcemanager.projects.getIamPolicy',
    'resourcemanager.projects.setIamPolicy',
  ],
};

/** Whether a role's permission list (patterns with a trailing `*`) holds a permission. */
export function rolePermits(patterns: readonly string[], permission: string): boolean {
  return patterns.some((p) =>
    p.endsWith('*') ? permission.startsWith(p.slice(0, -1)) : p === permission,
  );
}

/**
 * The permissions the custom role of an account must hold in a scope: everything its adapter
 * calls need there that no predefined role it is granted there already gives. Sorted, unique.
 */
export function customRolePermissions(
  account: ServiceAccountKey,
  scope: PermissionScope,
  predefinedRoles: readonly string[],
): string[] {
  const needed = new Set<string>();
  for (const entry of Object.values(ADAPTER_PERMISSIONS)) {
    if (entry.account !== account || entry.scope !== scope) continue;
    for (const permission of entry.permissions) {
      const covered = predefinedRoles.some((role) =>
        rolePermits(PREDEFINED_ROLE_PERMISSIONS[role] ?? [], permission),
      );
      if (!covered) needed.add(permission);
    }
  }
  return [...needed].sort();
}

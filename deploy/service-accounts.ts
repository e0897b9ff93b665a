/**
 * The service's own service accounts and every role they are granted, with the reason for each
 * (least privilege: no basic role anywhere, the steps' cloud permissions in a custom role).
 */
import { NODE_SERVICE_ACCOUNT_ROLES } from '../shared/spec/constants.js';
import type {
  GrantScope,
  RoleGrant,
  ServiceAccountKey,
  ServiceAccountSpec,
} from './manifest-types.js';
import {
  customRoleName,
  INTAKE_CUSTOM_ROLE_ID,
  STEPS_CUSTOM_ROLE_ID,
  WORKFLOWS_CUSTOM_ROLE_ID,
} from './permissions.js';

/** Roles no service account of this service may hold anywhere (basic roles grant everything). */
export const PRIMITIVE_ROLES = ['roles/owner', 'roles/editor', 'roles/viewer'] as const;

/**
 * The roles the steps hold in each environment project. `nodeRoles` are the roles the
 * service-accounts step grants the node service accounts: the only project roles it may hand
 * out. Every other permission of the steps' Google calls is in their custom role, whose
 * permission list deploy/permissions.ts derives from the adapters' calls.
 */
function stepsEnvironmentGrants(nodeRoles: readonly string[]): RoleGrant[] {
  const scope: GrantScope = { kind: 'environment-projects' };
  return [
    {
      role: customRoleName(STEPS_CUSTOM_ROLE_ID),
      scope,
      why: 'exactly the permissions of the steps Google calls (deploy/permissions.ts): compute, DNS, service usage, fleet features, service accounts, and the IAM policies of service accounts and buckets tenants grant on',
    },
    {
      role: 'roles/resourcemanager.projectIamAdmin',
      scope,
      why: 'service-accounts step and tenants project grants: one read-modify-write of the project policy',
      condition: {
        title: 'only-node-service-account-roles',
        // Without it the steps could grant themselves any role (e.g. owner).
        expression: `api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly([${nodeRoles
          .map((r) => `'${r}'`)
          .join(', ')}])`,
      },
    },
    {
      role: 'roles/container.admin',
      scope,
      why: 'cluster and gateway-pool steps, and the Kubernetes objects of mesh-config/tenants through IAM, Roles and RoleBindings included (container.developer cannot create RBAC objects)',
    },
  ];
}

/** The service accounts, their roles and why (least privilege: no basic roles). */
export function serviceAccounts(
  nodeRoles: readonly string[] = NODE_SERVICE_ACCOUNT_ROLES,
): ServiceAccountSpec[] {
  const project: GrantScope = { kind: 'project' };
  return [
    {
      key: 'api',
      accountId: 'egress-api',
      displayName: 'egress-provisioner API function',
      grants: [
        {
          role: 'roles/datastore.user',
          scope: project,
          why: 'reads and writes environments and runs in Firestore (no narrower Firestore role exists)',
        },
        {
          role: 'roles/pubsub.publisher',
          scope: { kind: 'topic', topic: 'environment-requests' },
          why: 'publishes provision/teardown requests, to this topic only',
        },
      ],
    },
    {
      key: 'finalize',
      accountId: 'egress-finalize',
      displayName: 'egress-provisioner finalize function',
      grants: [
        {
          role: 'roles/datastore.user',
          scope: project,
          why: 'ends runs, sets environment status and releases leases in Firestore',
        },
      ],
    },
    {
      key: 'steps',
      accountId: 'egress-steps',
      displayName: 'egress-provisioner step functions',
      grants: [
        {
          role: 'roles/datastore.user',
          scope: project,
          why: 'run records, step records, leases and outputs in Firestore',
        },
        {
          role: customRoleName(INTAKE_CUSTOM_ROLE_ID),
          scope: project,
          why: "tenants step: each environment's tenant topic, its publishers and its push subscription (deploy/permissions.ts, scope service-project); no predefined Pub/Sub role is narrower than pubsub.editor, which could also publish environment requests",
        },
        {
          role: 'roles/iam.serviceAccountUser',
          scope: { kind: 'service-account', account: 'events' },
          why: "tenants step: push subscriptions carry the events account's OIDC token, which needs actAs on that account (and on no other)",
        },
        ...stepsEnvironmentGrants(nodeRoles),
      ],
    },
    {
      key: 'workflows',
      accountId: 'egress-workflows',
      displayName: 'egress-provisioner workflows',
      grants: [
        {
          role: 'roles/logging.logWriter',
          scope: project,
          why: 'call logging and sys.log of the workflows; run.invoker on each step function is granted per function',
        },
        {
          role: customRoleName(WORKFLOWS_CUSTOM_ROLE_ID),
          scope: project,
          why: 'workflows.executions.create only: provision-environment hands a teardown request over to teardown-environment (no per-workflow IAM exists; roles/workflows.invoker holds more)',
        },
      ],
    },
    {
      key: 'tenant-events',
      accountId: 'egress-tenant-events',
      displayName: 'egress-provisioner tenant-events function',
      grants: [
        {
          role: 'roles/datastore.user',
          scope: project,
          why: 'stores tenant specs and message records, starts runs in Firestore',
        },
        {
          role: 'roles/workflows.invoker',
          scope: project,
          why: 'starts reconcile-tenants executions (Workflows has no per-workflow IAM)',
        },
      ],
    },
    {
      key: 'events',
      accountId: 'egress-events',
      displayName: 'egress-provisioner event delivery (Eventarc, Pub/Sub push)',
      grants: [
        {
          role: 'roles/eventarc.eventReceiver',
          scope: project,
          why: 'the identity of the Eventarc trigger must be allowed to receive its events',
        },
        {
          role: 'roles/workflows.invoker',
          scope: project,
          why: 'Eventarc starts provision-environment as this account; run.invoker on tenant-events is per function',
        },
      ],
    },
    {
      key: 'build',
      accountId: 'egress-build',
      displayName: 'egress-provisioner Cloud Build (tests and deploys)',
      grants: [
        {
          role: 'roles/cloudbuild.builds.builder',
          scope: project,
          why: 'runs the build, writes its logs, and builds the function images (it is also their build service account)',
        },
        {
          role: 'roles/cloudfunctions.developer',
          scope: project,
          why: 'gcloud functions deploy',
        },
        {
          role: 'roles/run.admin',
          scope: project,
          why: 'gcloud functions add-invoker-policy-binding: run.invoker on each 2nd-gen function (Cloud Run service) for exactly its callers',
        },
        { role: 'roles/workflows.editor', scope: project, why: 'gcloud workflows deploy' },
        {
          role: 'roles/pubsub.viewer',
          scope: project,
          why: 'checks that the topics and subscriptions Terraform owns exist before deploying',
        },
        {
          role: 'roles/eventarc.viewer',
          scope: project,
          why: 'checks that the Eventarc triggers Terraform owns exist',
        },
        {
          role: 'roles/cloudscheduler.admin',
          scope: project,
          why: 'gcloud scheduler jobs describe/create/update of the Scheduler jobs (no narrower predefined role creates and updates jobs)',
        },
        ...(['api', 'finalize', 'steps', 'workflows', 'tenant-events', 'build'] as const).map(
          (account): RoleGrant => ({
            role: 'roles/iam.serviceAccountUser',
            scope: { kind: 'service-account', account },
            why: `deploys functions/workflows that run as ${account} (actAs on that account only)`,
          }),
        ),
        {
          role: 'roles/iam.serviceAccountUser',
          scope: { kind: 'service-account', account: 'scheduler' },
          why: 'creates and updates Scheduler jobs whose OIDC tokens are minted for scheduler: Cloud Scheduler requires actAs on that account of whoever sets it on a job',
        },
      ],
    },
    {
      key: 'scheduler',
      accountId: 'egress-scheduler',
      displayName: 'egress-provisioner Cloud Scheduler jobs',
      // No project role: its only permission is run.invoker on the functions its jobs call
      // (sweep-runs), granted per function by `egressctl deploy`. Cloud Scheduler's own service
      // agent mints its ID tokens with roles/cloudscheduler.serviceAgent, which Google grants.
      grants: [],
    },
  ];
}

/** The email of one of the service's accounts in its project. */
export function serviceAccountEmail(key: ServiceAccountKey, project: string): string {
  const account = serviceAccounts().find((sa) => sa.key === key);
  if (!account) throw new Error(`the manifest has no service account "${key}"`);
  return `${account.accountId}@${project}.iam.gserviceaccount.com`;
}

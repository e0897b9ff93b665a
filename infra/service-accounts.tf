# The service's accounts and every role they hold, each justified (deploy/manifest.ts
# serviceAccounts() is the source; test/deploy/coverage.test.ts compares the two).
# Least privilege: no basic role (owner, editor, viewer) anywhere; topic- and account-level
# grants where the API allows them; run.invoker is granted per function by `egressctl deploy`.

locals {
  environment_projects = length(var.environment_projects) > 0 ? toset(var.environment_projects) : toset([var.project])
}

resource "google_service_account" "api" {
  account_id   = "egress-api"
  display_name = "egress-provisioner API function"
}

resource "google_service_account" "finalize" {
  account_id   = "egress-finalize"
  display_name = "egress-provisioner finalize function"
}

resource "google_service_account" "steps" {
  account_id   = "egress-steps"
  display_name = "egress-provisioner step functions"
}

resource "google_service_account" "workflows" {
  account_id   = "egress-workflows"
  display_name = "egress-provisioner workflows"
}

resource "google_service_account" "tenant_events" {
  account_id   = "egress-tenant-events"
  display_name = "egress-provisioner tenant-events function"
}

resource "google_service_account" "events" {
  account_id   = "egress-events"
  display_name = "egress-provisioner event delivery (Eventarc, Pub/Sub push)"
}

resource "google_service_account" "build" {
  account_id   = "egress-build"
  display_name = "egress-provisioner Cloud Build (tests and deploys)"
}

resource "google_service_account" "scheduler" {
  account_id   = "egress-scheduler"
  display_name = "egress-provisioner Cloud Scheduler jobs"
}

# ---- api ----------------------------------------------------------------------------------

# Reads and writes environments and runs in Firestore (no narrower Firestore role exists).
resource "google_project_iam_member" "api_datastore_user" {
  project = var.project
  role    = "roles/datastore.user"
  member  = "serviceAccount:${google_service_account.api.email}"
}

# Publishes provision/teardown requests, to this topic only.
resource "google_pubsub_topic_iam_member" "api_publishes_environment_requests" {
  topic  = google_pubsub_topic.environment_requests.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.api.email}"
}

# ---- finalize -----------------------------------------------------------------------------

# Ends runs, sets environment status and releases leases in Firestore.
resource "google_project_iam_member" "finalize_datastore_user" {
  project = var.project
  role    = "roles/datastore.user"
  member  = "serviceAccount:${google_service_account.finalize.email}"
}

# ---- steps --------------------------------------------------------------------------------

# Run records, step records, leases and outputs in Firestore.
resource "google_project_iam_member" "steps_datastore_user" {
  project = var.project
  role    = "roles/datastore.user"
  member  = "serviceAccount:${google_service_account.steps.email}"
}

# Every permission of the steps' Google calls that the two predefined roles below do not give,
# and nothing else: deploy/permissions.ts maps each adapter method to its permissions, and
# test/deploy/coverage.test.ts fails when this list lacks one or holds one no call needs.
# A project custom role can be granted only in its own project, hence one per project.
resource "google_project_iam_custom_role" "steps" {
  for_each    = local.environment_projects
  project     = each.value
  role_id     = "egressProvisionerSteps"
  title       = "egress-provisioner steps"
  description = "Exactly what the egress-provisioner steps call (deploy/permissions.ts)."
  permissions = [
    # network, subnet, nat, firewalls steps (ComputeAdapter): create, observe, patch, delete ...
    "compute.firewalls.create",
    "compute.firewalls.delete",
    "compute.firewalls.get",
    "compute.firewalls.update",
    # ... and resume their operations by name.
    "compute.globalOperations.get",
    "compute.networks.create",
    "compute.networks.delete",
    "compute.networks.get",
    "compute.networks.update",
    # Subnets and firewall rules name the VPC: their network field is authorized on it.
    "compute.networks.updatePolicy",
    "compute.regionOperations.get",
    "compute.routers.create",
    "compute.routers.delete",
    "compute.routers.get",
    "compute.routers.update",
    "compute.subnetworks.create",
    "compute.subnetworks.delete",
    "compute.subnetworks.get",
    # The subnet is created with Private Google Access on.
    "compute.subnetworks.setPrivateIpGoogleAccess",
    "compute.subnetworks.update",
    "compute.zoneOperations.get",
    # private-dns step (DnsAdapter): one change adds and deletes records ...
    "dns.changes.create",
    # ... and resumes a pending change by id.
    "dns.changes.get",
    "dns.managedZones.create",
    "dns.managedZones.delete",
    "dns.managedZones.get",
    "dns.managedZones.update",
    # ... and a private zone is bound to the VPC: Cloud DNS checks both on create and update.
    "dns.networks.bindPrivateDNSZone",
    "dns.networks.targetWithPeeringZone",
    "dns.resourceRecordSets.create",
    "dns.resourceRecordSets.delete",
    "dns.resourceRecordSets.list",
    # fleet-mesh and mesh-ready steps (GkeHubAdapter): the servicemesh feature and its operations.
    "gkehub.features.create",
    "gkehub.features.delete",
    "gkehub.features.get",
    "gkehub.features.update",
    # cluster step: the cluster registers to the fleet at creation and leaves it on deletion.
    "gkehub.memberships.create",
    "gkehub.memberships.delete",
    "gkehub.memberships.get",
    "gkehub.operations.get",
    # cluster and gateway-pool steps run nodes as the node account (actAs). IAM conditions
    # cannot name service accounts, which is why environments belong in projects of their own.
    "iam.serviceAccounts.actAs",
    # service-accounts step (node accounts) and tenants step (Workload Identity accounts).
    "iam.serviceAccounts.create",
    "iam.serviceAccounts.delete",
    "iam.serviceAccounts.get",
    # tenants step: the workloadIdentityUser binding on each tenant account.
    "iam.serviceAccounts.getIamPolicy",
    "iam.serviceAccounts.list",
    "iam.serviceAccounts.setIamPolicy",
    "iam.serviceAccounts.update",
    # apis step (ServiceUsageAdapter): enable the tutorial APIs, resume the operation.
    "serviceusage.operations.get",
    "serviceusage.services.enable",
    "serviceusage.services.list",
    # tenants step: grants on buckets (GET and PUT storage/v1/b/BUCKET/iam), for buckets of
    # this project; buckets elsewhere need these two granted there (docs/deploy.md).
    "storage.buckets.getIamPolicy",
    "storage.buckets.setIamPolicy",
  ]
}

resource "google_project_iam_member" "steps_custom_role" {
  for_each = local.environment_projects
  project  = each.value
  role     = google_project_iam_custom_role.steps[each.key].name
  member   = "serviceAccount:${google_service_account.steps.email}"
}

# service-accounts step (node accounts' project roles) and tenants step (tenants' project grants):
# one read-modify-write of the project policy. The condition lets it grant or revoke only those
# roles: never owner, never itself more. This role is the one Google documents for that limit.
resource "google_project_iam_member" "steps_project_iam_admin" {
  for_each = local.environment_projects
  project  = each.value
  role     = "roles/resourcemanager.projectIamAdmin"
  member   = "serviceAccount:${google_service_account.steps.email}"

  condition {
    title       = "only-node-service-account-roles"
    description = "The steps may grant only the node service accounts' roles and the tenant project roles."
    expression  = "api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly(${jsonencode(concat(var.node_service_account_roles, var.tenant_project_roles))})"
  }
}

# cluster and gateway-pool steps (clusters, node pools, their operations); mesh-config and
# tenants apply Kubernetes objects through IAM, Roles and RoleBindings included, which
# container.developer cannot create. No narrower predefined role covers both.
resource "google_project_iam_member" "steps_container_admin" {
  for_each = local.environment_projects
  project  = each.value
  role     = "roles/container.admin"
  member   = "serviceAccount:${google_service_account.steps.email}"
}

# tenants step: each environment's own tenant topic in this project, its publishers (the topic's
# IAM policy) and its push subscription to tenant-events (deploy/permissions.ts, scope
# service-project). roles/pubsub.editor would also let the steps publish environment requests.
resource "google_project_iam_custom_role" "intake" {
  project     = var.project
  role_id     = "egressProvisionerIntake"
  title       = "egress-provisioner tenant intake"
  description = "The tenant topics the egress-provisioner tenants step keeps (deploy/permissions.ts)."
  permissions = [
    "pubsub.subscriptions.create",
    "pubsub.subscriptions.delete",
    "pubsub.subscriptions.get",
    "pubsub.subscriptions.update",
    "pubsub.topics.attachSubscription",
    "pubsub.topics.create",
    "pubsub.topics.delete",
    "pubsub.topics.get",
    "pubsub.topics.getIamPolicy",
    "pubsub.topics.setIamPolicy",
  ]
}

resource "google_project_iam_member" "steps_intake_role" {
  project = var.project
  role    = google_project_iam_custom_role.intake.name
  member  = "serviceAccount:${google_service_account.steps.email}"
}

# The push subscriptions carry the events account's OIDC token: actAs on that account alone.
resource "google_service_account_iam_member" "steps_acts_as_events" {
  service_account_id = google_service_account.events.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.steps.email}"
}

# ---- workflows ----------------------------------------------------------------------------

# Call logging and sys.log of the workflows. run.invoker on each step function and on finalize
# is granted per function by `egressctl deploy`.
resource "google_project_iam_member" "workflows_log_writer" {
  project = var.project
  role    = "roles/logging.logWriter"
  member  = "serviceAccount:${google_service_account.workflows.email}"
}

# provision-environment hands a teardown request over to teardown-environment through the
# Executions API, as this account: workflows.executions.create, and nothing else. Workflows roles
# can be granted on the project at the lowest (no per-workflow IAM), and roles/workflows.invoker
# also holds callbacks.send and more, hence a custom role (deploy/permissions.ts
# WORKFLOW_CALL_PERMISSIONS; test/deploy/coverage.test.ts holds it to the workflows' calls).
resource "google_project_iam_custom_role" "workflows" {
  project     = var.project
  role_id     = "egressProvisionerWorkflows"
  title       = "egress-provisioner workflows"
  description = "Exactly what the egress-provisioner workflows call as their account (deploy/permissions.ts)."
  permissions = [
    "workflows.executions.create",
  ]
}

resource "google_project_iam_member" "workflows_custom_role" {
  project = var.project
  role    = google_project_iam_custom_role.workflows.name
  member  = "serviceAccount:${google_service_account.workflows.email}"
}

# ---- tenant-events ------------------------------------------------------------------------

# Stores tenant specs and message records, starts runs in Firestore.
resource "google_project_iam_member" "tenant_events_datastore_user" {
  project = var.project
  role    = "roles/datastore.user"
  member  = "serviceAccount:${google_service_account.tenant_events.email}"
}

# Starts reconcile-tenants executions (Workflows has no per-workflow IAM).
resource "google_project_iam_member" "tenant_events_workflows_invoker" {
  project = var.project
  role    = "roles/workflows.invoker"
  member  = "serviceAccount:${google_service_account.tenant_events.email}"
}

# ---- events (Eventarc trigger and Pub/Sub push identity) ----------------------------------

# The identity of an Eventarc trigger must be allowed to receive its events.
resource "google_project_iam_member" "events_event_receiver" {
  project = var.project
  role    = "roles/eventarc.eventReceiver"
  member  = "serviceAccount:${google_service_account.events.email}"
}

# Eventarc starts provision-environment as this account. run.invoker on tenant-events (the push
# subscription's OIDC identity) is granted per function by `egressctl deploy`.
resource "google_project_iam_member" "events_workflows_invoker" {
  project = var.project
  role    = "roles/workflows.invoker"
  member  = "serviceAccount:${google_service_account.events.email}"
}

# ---- build (Cloud Build) ------------------------------------------------------------------

# Runs the build, writes its logs, and builds the function images (it is their build account).
resource "google_project_iam_member" "build_builder" {
  project = var.project
  role    = "roles/cloudbuild.builds.builder"
  member  = "serviceAccount:${google_service_account.build.email}"
}

# gcloud functions deploy.
resource "google_project_iam_member" "build_functions_developer" {
  project = var.project
  role    = "roles/cloudfunctions.developer"
  member  = "serviceAccount:${google_service_account.build.email}"
}

# gcloud functions add-invoker-policy-binding: run.invoker on each 2nd-gen function (a Cloud Run
# service) for exactly its callers; no narrower predefined role can set a service's policy.
resource "google_project_iam_member" "build_run_admin" {
  project = var.project
  role    = "roles/run.admin"
  member  = "serviceAccount:${google_service_account.build.email}"
}

# gcloud workflows deploy.
resource "google_project_iam_member" "build_workflows_editor" {
  project = var.project
  role    = "roles/workflows.editor"
  member  = "serviceAccount:${google_service_account.build.email}"
}

# Checks that the topics and subscriptions Terraform owns exist before deploying.
resource "google_project_iam_member" "build_pubsub_viewer" {
  project = var.project
  role    = "roles/pubsub.viewer"
  member  = "serviceAccount:${google_service_account.build.email}"
}

# Checks that the Eventarc triggers Terraform owns exist.
resource "google_project_iam_member" "build_eventarc_viewer" {
  project = var.project
  role    = "roles/eventarc.viewer"
  member  = "serviceAccount:${google_service_account.build.email}"
}

# gcloud scheduler jobs describe/create/update of the Scheduler jobs (scheduler.tf); no narrower
# predefined role creates and updates jobs.
resource "google_project_iam_member" "build_cloudscheduler_admin" {
  project = var.project
  role    = "roles/cloudscheduler.admin"
  member  = "serviceAccount:${google_service_account.build.email}"
}

# Deploys functions and workflows that run as these accounts (actAs on each account only; the
# build account also acts as itself, the functions' build account).
resource "google_service_account_iam_member" "build_acts_as" {
  for_each = {
    api           = google_service_account.api.name
    finalize      = google_service_account.finalize.name
    steps         = google_service_account.steps.name
    workflows     = google_service_account.workflows.name
    tenant-events = google_service_account.tenant_events.name
    build         = google_service_account.build.name
  }
  service_account_id = each.value
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.build.email}"
}

# Creates and updates Scheduler jobs whose OIDC tokens are minted for the scheduler account:
# Cloud Scheduler requires actAs on that account of whoever sets it on a job.
resource "google_service_account_iam_member" "build_acts_as_scheduler" {
  service_account_id = google_service_account.scheduler.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.build.email}"
}

# ---- scheduler (Cloud Scheduler jobs' OIDC identity) --------------------------------------

# No role at all: its one permission is run.invoker on the functions its jobs call (sweep-runs),
# granted per function by `egressctl deploy`. Cloud Scheduler's service agent mints the ID tokens
# with roles/cloudscheduler.serviceAgent, which Google grants it when the API is enabled (never
# revoke it: authenticated jobs then get 403).

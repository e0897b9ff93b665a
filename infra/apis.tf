# The APIs the service itself uses. Environment projects get theirs from the apis step.
locals {
  service_apis = toset([
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    "run.googleapis.com",
    "artifactregistry.googleapis.com",
    "workflows.googleapis.com",
    "workflowexecutions.googleapis.com",
    "cloudscheduler.googleapis.com",
    "eventarc.googleapis.com",
    "pubsub.googleapis.com",
    "firestore.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "serviceusage.googleapis.com",
    "logging.googleapis.com",
  ])
}

resource "google_project_service" "service" {
  for_each = local.service_apis

  project            = var.project
  service            = each.value
  disable_on_destroy = false
}

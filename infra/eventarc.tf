# environment-requests → provision-environment (deploy/manifest.ts EVENTARC_TRIGGERS).
#
# Terraform creates each workflow once from workflows/*.yaml so the trigger has a destination on
# the first apply; later revisions are Cloud Build's (`gcloud workflows deploy`), hence
# ignore_changes on what the build sets.
resource "google_workflows_workflow" "bootstrap" {
  for_each = toset(["provision-environment", "teardown-environment", "reconcile-tenants"])

  name            = each.value
  region          = var.region
  service_account = google_service_account.workflows.id
  source_contents = file("${path.module}/../workflows/${each.value}.yaml")

  lifecycle {
    ignore_changes = [source_contents, user_env_vars, description, labels, call_log_level]
  }

  depends_on = [google_project_service.service]
}

resource "google_eventarc_trigger" "environment_requests_to_provision_environment" {
  name            = "environment-requests-to-provision-environment"
  location        = var.region
  service_account = google_service_account.events.email

  matching_criteria {
    attribute = "type"
    value     = "google.cloud.pubsub.topic.v1.messagePublished"
  }

  transport {
    pubsub {
      topic = google_pubsub_topic.environment_requests.id
    }
  }

  destination {
    workflow = google_workflows_workflow.bootstrap["provision-environment"].id
  }

  depends_on = [google_project_iam_member.events_event_receiver]
}

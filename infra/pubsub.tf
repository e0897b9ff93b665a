# Topics, dead-letter topics, and the subscriptions that keep dead letters (deploy/manifest.ts TOPICS).

resource "google_pubsub_topic" "environment_requests" {
  name       = "environment-requests"
  depends_on = [google_project_service.service]
}

resource "google_pubsub_topic" "environment_requests_dead_letter" {
  name       = "environment-requests-dead-letter"
  depends_on = [google_project_service.service]
}

resource "google_pubsub_topic" "tenant_requests" {
  name       = "tenant-requests"
  depends_on = [google_project_service.service]
}

resource "google_pubsub_topic" "tenant_requests_dead_letter" {
  name       = "tenant-requests-dead-letter"
  depends_on = [google_project_service.service]
}

# Dead letters stay a week for inspection and replay.
resource "google_pubsub_subscription" "environment_requests_dead_letter" {
  name                       = "environment-requests-dead-letter"
  topic                      = google_pubsub_topic.environment_requests_dead_letter.id
  message_retention_duration = "604800s"
  ack_deadline_seconds       = 60
}

resource "google_pubsub_subscription" "tenant_requests_dead_letter" {
  name                       = "tenant-requests-dead-letter"
  topic                      = google_pubsub_topic.tenant_requests_dead_letter.id
  message_retention_duration = "604800s"
  ack_deadline_seconds       = 60
}

# tenant-requests → tenant-events: a push subscription rather than a function-created Eventarc
# trigger, so it carries a dead-letter policy. functions-framework turns a push to the path
# /projects/P/topics/T into a messagePublished CloudEvent.
resource "google_pubsub_subscription" "tenant_requests_to_tenant_events" {
  name                 = "tenant-requests-to-tenant-events"
  topic                = google_pubsub_topic.tenant_requests.id
  ack_deadline_seconds = 60

  push_config {
    push_endpoint = "${local.tenant_events_url}/projects/${var.project}/topics/tenant-requests"

    oidc_token {
      service_account_email = google_service_account.events.email
      audience              = local.tenant_events_url
    }
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.tenant_requests_dead_letter.id
    max_delivery_attempts = 10
  }
}

locals {
  pubsub_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
  tenant_events_url    = "https://egress-tenant-events-${data.google_project.this.number}.${var.region}.run.app"
}

# The Pub/Sub service agent forwards undeliverable messages to the dead-letter topics ...
resource "google_pubsub_topic_iam_member" "pubsub_agent_environment_dead_letter" {
  topic  = google_pubsub_topic.environment_requests_dead_letter.id
  role   = "roles/pubsub.publisher"
  member = local.pubsub_service_agent
}

resource "google_pubsub_topic_iam_member" "pubsub_agent_tenant_dead_letter" {
  topic  = google_pubsub_topic.tenant_requests_dead_letter.id
  role   = "roles/pubsub.publisher"
  member = local.pubsub_service_agent
}

# ... and acknowledges them on the source subscription, granted on that subscription alone (the
# Eventarc-created one's grant is in eventarc.tf).
resource "google_pubsub_subscription_iam_member" "pubsub_agent_tenant_requests_subscriber" {
  subscription = google_pubsub_subscription.tenant_requests_to_tenant_events.id
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}

# Topics, dead-letter topics, and the subscriptions that keep dead letters (deploy/manifest.ts TOPICS).
# Tenant documents have no topic here: each environment's tenants step creates its own
# tenants-<environment> topic, publishers and push to tenant-events (service-accounts.tf gives
# the steps what that takes; docs/security.md "The Pub/Sub path").

resource "google_pubsub_topic" "environment_requests" {
  name       = "environment-requests"
  depends_on = [google_project_service.service]
}

resource "google_pubsub_topic" "environment_requests_dead_letter" {
  name       = "environment-requests-dead-letter"
  depends_on = [google_project_service.service]
}

# Dead letters stay a week for inspection and replay.
resource "google_pubsub_subscription" "environment_requests_dead_letter" {
  name                       = "environment-requests-dead-letter"
  topic                      = google_pubsub_topic.environment_requests_dead_letter.id
  message_retention_duration = "604800s"
  ack_deadline_seconds       = 60
}

locals {
  pubsub_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

# The Pub/Sub service agent forwards undeliverable messages to the dead-letter topic; it
# acknowledges them on the source subscription by the grant in eventarc.tf.
resource "google_pubsub_topic_iam_member" "pubsub_agent_environment_dead_letter" {
  topic  = google_pubsub_topic.environment_requests_dead_letter.id
  role   = "roles/pubsub.publisher"
  member = local.pubsub_service_agent
}


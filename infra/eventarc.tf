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

# Dead letters of environment-requests. Eventarc creates and names the trigger's subscription,
# so Terraform cannot own it; it sets the policy with gcloud, again whenever the subscription,
# the topic or the attempts change (a recreated trigger gets a new subscription). Needs gcloud,
# authenticated, where `terraform apply` runs. Values go through the environment, not the shell.
resource "terraform_data" "environment_requests_dead_letter_policy" {
  triggers_replace = {
    subscription          = google_eventarc_trigger.environment_requests_to_provision_environment.transport[0].pubsub[0].subscription
    dead_letter_topic     = google_pubsub_topic.environment_requests_dead_letter.id
    max_delivery_attempts = 10
  }

  provisioner "local-exec" {
    command = "gcloud pubsub subscriptions update \"$SUBSCRIPTION\" --dead-letter-topic=\"$DEAD_LETTER_TOPIC\" --max-delivery-attempts=\"$MAX_DELIVERY_ATTEMPTS\""
    environment = {
      SUBSCRIPTION          = self.triggers_replace.subscription
      DEAD_LETTER_TOPIC     = self.triggers_replace.dead_letter_topic
      MAX_DELIVERY_ATTEMPTS = self.triggers_replace.max_delivery_attempts
    }
  }

  # The service agent may forward and acknowledge before the policy takes effect.
  depends_on = [
    google_pubsub_topic_iam_member.pubsub_agent_environment_dead_letter,
    google_pubsub_subscription_iam_member.pubsub_agent_environment_requests_subscriber,
  ]
}

# The Pub/Sub service agent acknowledges dead-lettered messages on the trigger's subscription.
resource "google_pubsub_subscription_iam_member" "pubsub_agent_environment_requests_subscriber" {
  subscription = google_eventarc_trigger.environment_requests_to_provision_environment.transport[0].pubsub[0].subscription
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}

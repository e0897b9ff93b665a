# Cloud Scheduler jobs (deploy/manifest.ts SCHEDULER_JOBS).
#
# egress-sweep-runs POSTs (no body) to the sweep-runs function every 5 minutes with an ID token
# of egress-scheduler, audience the function's URL. The function runs --no-allow-unauthenticated
# and egress-scheduler is its only invoker (run.invoker, granted by `egressctl deploy`), holding
# no other role. Terraform creates the job on the first apply; `egressctl deploy` creates or
# updates it with the same values on every build (it may run before the function exists: the
# calls fail until the first build has deployed it).
locals {
  sweep_runs_url = "https://egress-sweep-runs-${data.google_project.this.number}.${var.region}.run.app"
}

resource "google_cloud_scheduler_job" "sweep_runs" {
  name        = "egress-sweep-runs"
  description = "Fails runs abandoned pending by a crashed start and frees their environment."
  region      = var.region
  schedule    = "*/5 * * * *"
  time_zone   = "Etc/UTC"
  # The function's timeout: a long sweep is not reported as failed.
  attempt_deadline = "300s"

  http_target {
    uri         = local.sweep_runs_url
    http_method = "POST"

    oidc_token {
      service_account_email = google_service_account.scheduler.email
      audience              = local.sweep_runs_url
    }
  }

  # No retries: the next run comes within 5 minutes. A job the build created first carries
  # gcloud's retry defaults; Terraform leaves them.
  lifecycle {
    ignore_changes = [retry_config]
  }

  depends_on = [google_project_service.service]
}

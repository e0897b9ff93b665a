output "api_url" {
  description = "The API function's URL (its ID-token audience)."
  value       = var.api_url != "" ? var.api_url : "https://egress-api-${data.google_project.this.number}.${var.region}.run.app"
}

output "build_service_account" {
  description = "The account Cloud Build deploys as."
  value       = google_service_account.build.email
}

output "project_number" {
  description = "Pass to `egressctl deploy --project-number`."
  value       = data.google_project.this.number
}

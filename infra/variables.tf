variable "project" {
  description = "The service project: functions, workflows, topics, Firestore and the service accounts live here."
  type        = string
}

variable "region" {
  description = "Region of the functions, workflows, Eventarc triggers and Cloud Build trigger."
  type        = string
  default     = "us-central1"
}

variable "firestore_location" {
  description = "Location of the Firestore database (a region or a multi-region such as nam5)."
  type        = string
  default     = "nam5"
}

variable "environment_projects" {
  description = "Projects environments are provisioned in; the steps account gets its roles there. Empty: the service project (keep environments out of it in production: see docs/deploy.md)."
  type        = list(string)
  default     = []
}

variable "node_service_account_roles" {
  description = "Roles the steps may grant on environment projects for the node service accounts; keep equal to spec.nodeServiceAccounts.roles."
  type        = list(string)
  default = [
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/monitoring.viewer",
    "roles/storage.objectViewer",
  ]
}

variable "tenant_project_roles" {
  description = "Roles Tenant specs may grant their Workload Identity accounts on an environment project (spec.workloadIdentity[].grants on //cloudresourcemanager.googleapis.com/projects/P); any other is refused by IAM."
  type        = list(string)
  default     = []
}

variable "github_owner" {
  description = "Owner of the GitHub repository the Cloud Build trigger watches (connected to Cloud Build beforehand)."
  type        = string
}

variable "github_repository" {
  description = "Name of the GitHub repository."
  type        = string
}

variable "branch" {
  description = "Branch whose pushes redeploy the service (a regular expression)."
  type        = string
  default     = "^main$"
}

variable "spec_dir" {
  description = "Directory of the repository with the Environment and Tenant specs to reconcile on each build."
  type        = string
  default     = "specs"
}

variable "api_url" {
  description = "URL of the API function; empty: its deterministic run.app URL."
  type        = string
  default     = ""
}

variable "require_build_approval" {
  description = "Builds wait for a manual approval: a build deploys code that runs with the steps' roles."
  type        = bool
  default     = true
}

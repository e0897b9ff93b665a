# The service's own resources: topics, triggers, service accounts and their roles, Firestore,
# the Cloud Build trigger. Functions and workflow revisions are deployed by Cloud Build
# (`egressctl deploy`, from deploy/manifest.ts); test/deploy/coverage.test.ts holds this
# directory to that manifest.
terraform {
  required_version = ">= 1.5.0, < 2.0.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.0"
    }
  }
}

provider "google" {
  project = var.project
  region  = var.region
}

data "google_project" "this" {
  project_id = var.project
}

# A push to the branch runs cloudbuild.yaml as the build account: tests, then
# `egressctl deploy`, which deploys and reconciles the specs of var.spec_dir.
resource "google_cloudbuild_trigger" "deploy" {
  name            = "egress-provisioner-deploy"
  location        = var.region
  filename        = "cloudbuild.yaml"
  service_account = google_service_account.build.id

  github {
    owner = var.github_owner
    name  = var.github_repository
    push {
      branch = var.branch
    }
  }

  substitutions = {
    _REGION   = var.region
    _SPEC_DIR = var.spec_dir
    _API_URL  = var.api_url
  }

  # Whoever deploys code running as the steps account holds its roles: gate the build.
  approval_config {
    approval_required = var.require_build_approval
  }

  depends_on = [google_project_service.service]
}

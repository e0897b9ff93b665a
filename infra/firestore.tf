# Run state (DESIGN.md "Run state"): the default database in native mode, and the composite
# indexes of firestore.indexes.json when the repository has one.
resource "google_firestore_database" "default" {
  name                    = "(default)"
  location_id             = var.firestore_location
  type                    = "FIRESTORE_NATIVE"
  delete_protection_state = "DELETE_PROTECTION_ENABLED"
  depends_on              = [google_project_service.service]
}

locals {
  firestore_indexes_file = "${path.module}/../firestore.indexes.json"
  firestore_indexes      = fileexists(local.firestore_indexes_file) ? jsondecode(file(local.firestore_indexes_file)).indexes : []
}

resource "google_firestore_index" "index" {
  for_each = { for index in local.firestore_indexes : "${index.collectionGroup}:${join(",", [for f in index.fields : f.fieldPath])}" => index }

  database    = google_firestore_database.default.name
  collection  = each.value.collectionGroup
  query_scope = try(each.value.queryScope, "COLLECTION")

  dynamic "fields" {
    for_each = each.value.fields
    content {
      field_path   = fields.value.fieldPath
      order        = try(fields.value.order, null)
      array_config = try(fields.value.arrayConfig, null)
    }
  }
}

# Deduplication records of Pub/Sub messages (messages/{id}) are useless once Pub/Sub can no
# longer redeliver their message (31 days at most); the store sets expireAt = receivedAt + 32
# days as a Timestamp (shared/state/types.ts DEFAULT_MESSAGE_RETENTION_SECONDS), and this TTL
# policy deletes each record after it, so the collection does not grow forever. TTL acts only on
# Timestamp values and deletes typically within 24 hours after expiry, never before.
resource "google_firestore_field" "messages_expire_at" {
  database   = google_firestore_database.default.name
  collection = "messages"
  field      = "expireAt"

  ttl_config {}

  # Nothing queries by expireAt: no single-field indexes, so they cost no writes.
  index_config {}
}

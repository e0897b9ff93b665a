# Run state (docs/architecture.md "Run state"): the default database in native mode, and the
# composite indexes and field overrides of firestore.indexes.json when the repository has one
# (the file keeps the Firebase CLI's format, so `firebase deploy --only firestore:indexes`
# deploys the same configuration).
resource "google_firestore_database" "default" {
  name                    = "(default)"
  location_id             = var.firestore_location
  type                    = "FIRESTORE_NATIVE"
  delete_protection_state = "DELETE_PROTECTION_ENABLED"
  depends_on              = [google_project_service.service]
}

locals {
  firestore_indexes_file    = "${path.module}/../firestore.indexes.json"
  firestore_config          = jsondecode(fileexists(local.firestore_indexes_file) ? file(local.firestore_indexes_file) : "{}")
  firestore_indexes         = try(local.firestore_config.indexes, [])
  firestore_field_overrides = try(local.firestore_config.fieldOverrides, [])
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

# One field override per entry of fieldOverrides: `indexes` lists the single-field indexes the
# field keeps (an empty list: none, so a large map such as a spec costs no index writes), and
# `ttl: true` makes the field a TTL policy.
#
# The TTL entry is messages.expireAt: deduplication records of Pub/Sub messages (messages/{id})
# are useless once Pub/Sub can no longer redeliver their message (31 days at most); the store sets
# expireAt = receivedAt + 32 days as a Timestamp (shared/state/types.ts
# DEFAULT_MESSAGE_RETENTION_SECONDS), and the TTL policy deletes each record after it, so the
# collection does not grow forever. TTL acts only on Timestamp values and deletes typically within
# 24 hours after expiry, never before.
resource "google_firestore_field" "override" {
  for_each = { for override in local.firestore_field_overrides : "${override.collectionGroup}.${override.fieldPath}" => override }

  database   = google_firestore_database.default.name
  collection = each.value.collectionGroup
  field      = each.value.fieldPath

  index_config {
    dynamic "indexes" {
      for_each = try(each.value.indexes, [])
      content {
        query_scope  = try(indexes.value.queryScope, "COLLECTION")
        order        = try(indexes.value.order, null)
        array_config = try(indexes.value.arrayConfig, null)
      }
    }
  }

  dynamic "ttl_config" {
    for_each = try(each.value.ttl, false) ? [true] : []
    content {}
  }
}

# The TTL policy was a resource of its own before it moved into firestore.indexes.json.
moved {
  from = google_firestore_field.messages_expire_at
  to   = google_firestore_field.override["messages.expireAt"]
}

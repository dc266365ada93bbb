// The OpenAPI component schemas: the shapes the server's handlers produce
// and accept (tests/e2e/test_api_openapi.py checks every route against them).
#include <string_view>

namespace sluice::server {

extern const std::string_view kOpenApiSchemas;
const std::string_view kOpenApiSchemas = R"json({
 "HTTPExceptionResponse": {
  "properties": {
   "detail": {"anyOf": [{"type": "string"}, {"type": "object"}]}
  },
  "type": "object",
  "required": ["detail"]
 },
 "Detail": {
  "properties": {
   "detail": {"anyOf": [{"type": "string"}, {"type": "object"}]}
  },
  "type": "object",
  "required": ["detail"]
 },
 "HTTPValidationError": {
  "properties": {
   "detail": {"type": "array", "items": {"type": "object", "properties": {"loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}, "msg": {"type": "string"}, "type": {"type": "string"}}, "required": ["loc", "msg", "type"]}}
  },
  "type": "object",
  "required": ["detail"]
 },
 "LoginBody": {
  "properties": {
   "username": {"type": "string"},
   "password": {"type": "string"}
  },
  "type": "object",
  "required": ["password", "username"],
  "additionalProperties": false
 },
 "TokenResponse": {
  "properties": {
   "access_token": {"type": "string"}
  },
  "type": "object",
  "required": ["access_token"]
 },
 "SessionResponse": {
  "properties": {
   "csrf_token": {"type": ["string", "null"]},
   "user": {"type": "object", "properties": {"username": {"type": "string"}, "role": {"type": "string", "enum": ["Admin", "Op", "User", "Viewer"]}}, "required": ["role", "username"]},
   "permissions": {"type": "object", "properties": {"read": {"type": "boolean"}, "trigger": {"type": "boolean"}, "pause": {"type": "boolean"}, "clear": {"type": "boolean"}, "manage_users": {"type": "boolean"}}, "required": ["clear", "manage_users", "pause", "read", "trigger"]}
  },
  "type": "object",
  "required": ["csrf_token", "user"]
 },
 "DAGResponse": {
  "properties": {
   "dag_id": {"type": "string"},
   "dag_display_name": {"type": "string"},
   "is_paused": {"type": "boolean"},
   "is_stale": {"type": "boolean"},
   "last_parsed_time": {"type": ["string", "null"], "format": "date-time"},
   "last_parse_duration": {"type": ["number", "null"]},
   "last_expired": {"type": ["string", "null"], "format": "date-time"},
   "bundle_name": {"type": ["string", "null"]},
   "bundle_version": {"type": ["string", "null"]},
   "relative_fileloc": {"type": ["string", "null"]},
   "fileloc": {"type": "string"},
   "description": {"type": ["string", "null"]},
   "timetable_summary": {"type": ["string", "null"]},
   "timetable_description": {"type": ["string", "null"]},
   "timetable_partitioned": {"type": "boolean"},
   "timetable_periodic": {"type": "boolean"},
   "tags": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}, "dag_id": {"type": "string"}, "dag_display_name": {"type": "string"}}, "required": ["dag_display_name", "dag_id", "name"]}},
   "max_active_tasks": {"type": "integer"},
   "max_active_runs": {"type": ["integer", "null"]},
   "max_consecutive_failed_dag_runs": {"type": "integer"},
   "has_task_concurrency_limits": {"type": "boolean"},
   "has_import_errors": {"type": "boolean"},
   "next_dagrun_logical_date": {"type": ["string", "null"], "format": "date-time"},
   "next_dagrun_data_interval_start": {"type": ["string", "null"], "format": "date-time"},
   "next_dagrun_data_interval_end": {"type": ["string", "null"], "format": "date-time"},
   "next_dagrun_run_after": {"type": ["string", "null"], "format": "date-time"},
   "owners": {"type": "array", "items": {"type": "string"}},
   "file_token": {"type": "string"},
   "is_backfillable": {"type": "boolean"},
   "allowed_run_types": {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}]},
   "schedule": {"type": "string"},
   "timezone": {"type": "string"},
   "version_number": {"type": "integer"}
  },
  "type": "object",
  "required": ["dag_display_name", "dag_id", "file_token", "fileloc", "has_import_errors", "has_task_concurrency_limits", "is_backfillable", "is_paused", "is_stale", "max_active_tasks", "max_consecutive_failed_dag_runs", "owners", "tags", "timetable_partitioned", "timetable_periodic"]
 },
 "DAGCollectionResponse": {
  "properties": {
   "dags": {"type": "array", "items": {"$ref": "#/components/schemas/DAGResponse"}},
   "total_entries": {"type": "integer"}
  },
  "type": "object",
  "required": ["dags", "total_entries"]
 },
 "DAGPatchBody": {
  "properties": {
   "is_paused": {"type": "boolean"}
  },
  "type": "object",
  "required": ["is_paused"],
  "additionalProperties": false
 },
 "ImportErrorCollectionResponse": {
  "properties": {
   "import_errors": {"type": "array", "items": {"type": "object", "properties": {"import_error_id": {"type": "integer"}, "timestamp": {"type": "string", "format": "date-time"}, "filename": {"type": "string"}, "bundle_name": {"type": ["string", "null"]}, "stack_trace": {"type": "string"}}, "required": ["filename", "import_error_id", "stack_trace", "timestamp"]}},
   "total_entries": {"type": "integer"}
  },
  "type": "object",
  "required": ["import_errors", "total_entries"]
 },
 "DagVersionResponse": {
  "properties": {
   "id": {"type": "string", "format": "uuid"},
   "version_number": {"type": "integer"},
   "dag_id": {"type": "string"},
   "dag_display_name": {"type": "string"},
   "bundle_name": {"type": ["string", "null"]},
   "bundle_version": {"type": ["string", "null"]},
   "bundle_url": {"type": ["string", "null"]},
   "created_at": {"type": "string", "format": "date-time"}
  },
  "type": "object",
  "required": ["created_at", "dag_display_name", "dag_id", "id", "version_number"]
 },
 "DAGRunResponse": {
  "properties": {
   "dag_run_id": {"type": "string"},
   "dag_id": {"type": "string"},
   "dag_display_name": {"type": "string"},
   "logical_date": {"type": ["string", "null"], "format": "date-time"},
   "queued_at": {"type": ["string", "null"], "format": "date-time"},
   "start_date": {"type": ["string", "null"], "format": "date-time"},
   "end_date": {"type": ["string", "null"], "format": "date-time"},
   "duration": {"type": ["number", "null"]},
   "data_interval_start": {"type": ["string", "null"], "format": "date-time"},
   "data_interval_end": {"type": ["string", "null"], "format": "date-time"},
   "run_after": {"type": "string", "format": "date-time"},
   "last_scheduling_decision": {"type": ["string", "null"], "format": "date-time"},
   "run_type": {"type": "string", "enum": ["scheduled", "manual", "backfill"]},
   "state": {"type": "string", "enum": ["queued", "running", "success", "failed"]},
   "triggered_by": {"type": ["string", "null"]},
   "triggering_user_name": {"type": ["string", "null"]},
   "conf": {"type": ["object", "null"]},
   "note": {"type": ["string", "null"]},
   "dag_versions": {"type": "array", "items": {"$ref": "#/components/schemas/DagVersionResponse"}},
   "bundle_version": {"type": ["string", "null"]},
   "partition_key": {"type": ["string", "null"]},
   "partition_date": {"type": ["string", "null"], "format": "date-time"}
  },
  "type": "object",
  "required": ["dag_display_name", "dag_id", "dag_run_id", "dag_versions", "run_after", "run_type", "state"]
 },
 "DAGRunCollectionResponse": {
  "properties": {
   "dag_runs": {"type": "array", "items": {"$ref": "#/components/schemas/DAGRunResponse"}},
   "total_entries": {"type": "integer"}
  },
  "type": "object",
  "required": ["dag_runs", "total_entries"]
 },
 "TriggerDAGRunPostBody": {
  "properties": {
   "logical_date": {"type": ["string", "null"], "format": "date-time"},
   "conf": {"type": ["object", "null"]},
   "dag_run_id": {"type": ["string", "null"]},
   "data_interval_start": {"type": ["string", "null"], "format": "date-time"},
   "data_interval_end": {"type": ["string", "null"], "format": "date-time"},
   "run_after": {"type": ["string", "null"], "format": "date-time"},
   "note": {"type": ["string", "null"]},
   "partition_key": {"type": ["string", "null"]}
  },
  "type": "object",
  "required": ["logical_date"],
  "additionalProperties": false
 },
 "TaskInstanceResponse": {
  "properties": {
   "task_id": {"type": "string"},
   "task_display_name": {"type": "string"},
   "dag_id": {"type": "string"},
   "dag_display_name": {"type": "string"},
   "dag_run_id": {"type": "string"},
   "map_index": {"type": "integer"},
   "rendered_map_index": {"type": ["string", "null"]},
   "start_date": {"type": ["string", "null"], "format": "date-time"},
   "end_date": {"type": ["string", "null"], "format": "date-time"},
   "duration": {"type": ["number", "null"]},
   "state": {"type": ["string", "null"], "enum": ["scheduled", "queued", "running", "success", "failed", "up_for_retry", "upstream_failed", "skipped", "removed", null]},
   "try_number": {"type": "integer"},
   "max_tries": {"type": "integer"},
   "hostname": {"type": ["string", "null"]},
   "unixname": {"type": ["string", "null"]},
   "pool": {"type": "string"},
   "pool_slots": {"type": "integer"},
   "queue": {"type": ["string", "null"]},
   "priority_weight": {"type": ["integer", "null"]},
   "operator": {"type": ["string", "null"]},
   "operator_name": {"type": ["string", "null"]},
   "queued_when": {"type": ["string", "null"], "format": "date-time"},
   "scheduled_when": {"type": ["string", "null"], "format": "date-time"},
   "pid": {"type": ["integer", "null"]},
   "executor": {"type": ["string", "null"]},
   "executor_config": {"type": "string"},
   "outputs": {"type": "object"},
   "next_retry_at": {"type": ["string", "null"], "format": "date-time"},
   "heartbeat_at": {"type": ["string", "null"], "format": "date-time"},
   "dag_version": {"anyOf": [{"$ref": "#/components/schemas/DagVersionResponse"}, {"type": "null"}]},
   "id": {"type": "string", "format": "uuid"},
   "logical_date": {"type": ["string", "null"], "format": "date-time"},
   "run_after": {"type": "string", "format": "date-time"},
   "note": {"type": ["string", "null"]},
   "rendered_fields": {"type": ["object", "null"]},
   "trigger": {"type": ["object", "null"]},
   "triggerer_job": {"type": ["object", "null"]}
  },
  "type": "object",
  "required": ["dag_display_name", "dag_id", "dag_run_id", "executor_config", "id", "map_index", "max_tries", "pool", "pool_slots", "run_after", "task_display_name", "task_id", "try_number"]
 },
 "TaskInstanceCollectionResponse": {
  "properties": {
   "task_instances": {"type": "array", "items": {"$ref": "#/components/schemas/TaskInstanceResponse"}},
   "total_entries": {"type": "integer"}
  },
  "type": "object",
  "required": ["task_instances", "total_entries"]
 },
 "TaskInstanceHistoryResponse": {
  "properties": {
   "task_id": {"type": "string"},
   "task_display_name": {"type": "string"},
   "dag_id": {"type": "string"},
   "dag_display_name": {"type": "string"},
   "dag_run_id": {"type": "string"},
   "map_index": {"type": "integer"},
   "rendered_map_index": {"type": ["string", "null"]},
   "start_date": {"type": ["string", "null"], "format": "date-time"},
   "end_date": {"type": ["string", "null"], "format": "date-time"},
   "duration": {"type": ["number", "null"]},
   "state": {"type": ["string", "null"], "enum": ["scheduled", "queued", "running", "success", "failed", "up_for_retry", "upstream_failed", "skipped", "removed", null]},
   "try_number": {"type": "integer"},
   "max_tries": {"type": "integer"},
   "hostname": {"type": ["string", "null"]},
   "unixname": {"type": ["string", "null"]},
   "pool": {"type": "string"},
   "pool_slots": {"type": "integer"},
   "queue": {"type": ["string", "null"]},
   "priority_weight": {"type": ["integer", "null"]},
   "operator": {"type": ["string", "null"]},
   "operator_name": {"type": ["string", "null"]},
   "queued_when": {"type": ["string", "null"], "format": "date-time"},
   "scheduled_when": {"type": ["string", "null"], "format": "date-time"},
   "pid": {"type": ["integer", "null"]},
   "executor": {"type": ["string", "null"]},
   "executor_config": {"type": "string"},
   "outputs": {"type": "object"},
   "next_retry_at": {"type": ["string", "null"], "format": "date-time"},
   "heartbeat_at": {"type": ["string", "null"], "format": "date-time"},
   "dag_version": {"anyOf": [{"$ref": "#/components/schemas/DagVersionResponse"}, {"type": "null"}]}
  },
  "type": "object",
  "required": ["dag_display_name", "dag_id", "dag_run_id", "executor_config", "map_index", "max_tries", "pool", "pool_slots", "task_display_name", "task_id", "try_number"]
 },
 "TaskInstanceHistoryCollectionResponse": {
  "properties": {
   "task_instances": {"type": "array", "items": {"$ref": "#/components/schemas/TaskInstanceHistoryResponse"}},
   "total_entries": {"type": "integer"}
  },
  "type": "object",
  "required": ["task_instances", "total_entries"]
 },
 "PatchTaskInstanceBody": {
  "properties": {
   "new_state": {"type": "string", "enum": ["success", "failed", "skipped"]},
   "note": {"type": ["string", "null"]},
   "include_upstream": {"type": "boolean"},
   "include_downstream": {"type": "boolean"},
   "include_future": {"type": "boolean"},
   "include_past": {"type": "boolean"}
  },
  "type": "object",
  "required": ["new_state"],
  "additionalProperties": false
 },
 "ClearTaskInstancesBody": {
  "properties": {
   "dag_run_id": {"type": ["string", "null"]},
   "dry_run": {"type": "boolean"},
   "task_ids": {"anyOf": [{"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}]}}, {"type": "null"}]},
   "only_failed": {"type": "boolean"},
   "only_running": {"type": "boolean"},
   "include_downstream": {"type": "boolean"},
   "include_upstream": {"type": "boolean"},
   "include_future": {"type": "boolean"},
   "include_past": {"type": "boolean"},
   "reset_dag_runs": {"type": "boolean"},
   "start_date": {"type": ["string", "null"], "format": "date-time"},
   "end_date": {"type": ["string", "null"], "format": "date-time"},
   "note": {"type": ["string", "null"]},
   "prevent_running_task": {"type": "boolean"},
   "run_on_latest_version": {"type": ["boolean", "null"]}
  },
  "type": "object",
  "required": [],
  "additionalProperties": false
 },
 "TaskInstancesLogResponse": {
  "properties": {
   "content": {"type": "array", "items": {"type": "object", "properties": {"event": {"type": "string"}, "timestamp": {"type": ["string", "null"], "format": "date-time"}}, "required": ["event"]}},
   "continuation_token": {"type": ["string", "null"]}
  },
  "type": "object",
  "required": ["content"]
 },
 "HealthInfoResponse": {
  "properties": {
   "metadatabase": {"type": "object", "properties": {"status": {"type": ["string", "null"]}}, "required": ["status"]},
   "scheduler": {"type": "object", "properties": {"status": {"type": ["string", "null"]}, "latest_scheduler_heartbeat": {"type": ["string", "null"]}}, "required": ["latest_scheduler_heartbeat", "status"]},
   "triggerer": {"type": "object", "properties": {"status": {"type": ["string", "null"]}, "latest_triggerer_heartbeat": {"type": ["string", "null"]}}, "required": ["latest_triggerer_heartbeat", "status"]},
   "dag_processor": {"type": ["object", "null"]},
   "lake": {"type": "object", "properties": {"status": {"type": ["string", "null"]}}, "required": ["status"]},
   "warehouse": {"type": "object", "properties": {"status": {"type": ["string", "null"]}}, "required": ["status"]}
  },
  "type": "object",
  "required": ["lake", "metadatabase", "scheduler", "triggerer", "warehouse"]
 },
 "VersionInfo": {
  "properties": {
   "version": {"type": "string"},
   "git_version": {"type": ["string", "null"]}
  },
  "type": "object",
  "required": ["version"]
 },
 "GraphResponse": {
  "properties": {
   "dag_id": {"type": "string"},
   "tasks": {"type": "array", "items": {"type": "object", "properties": {"task_id": {"type": "string"}, "kind": {"type": "string"}, "upstream": {"type": "array", "items": {"type": "string"}}, "downstream": {"type": "array", "items": {"type": "string"}}, "expand": {"type": ["string", "null"]}, "map_items": {"type": "array", "items": {"type": "string"}}, "retries": {"type": "integer"}, "queue": {"type": "string"}, "trigger_rule": {"type": "string"}}, "required": ["downstream", "expand", "kind", "map_items", "queue", "retries", "task_id", "trigger_rule", "upstream"]}},
   "edges": {"type": "array", "items": {"type": "object", "properties": {"source_id": {"type": "string"}, "target_id": {"type": "string"}}, "required": ["source_id", "target_id"]}}
  },
  "type": "object",
  "required": ["dag_id", "edges", "tasks"]
 },
 "GridResponse": {
  "properties": {
   "dag_id": {"type": "string"},
   "tasks": {"type": "array", "items": {"type": "string"}},
   "runs": {"type": "array", "items": {"type": "object", "properties": {"dag_run_id": {"type": "string"}, "state": {"type": "string", "enum": ["queued", "running", "success", "failed"]}, "run_type": {"type": "string"}, "logical_date": {"type": ["string", "null"], "format": "date-time"}, "run_after": {"type": "string", "format": "date-time"}, "start_date": {"type": ["string", "null"], "format": "date-time"}, "end_date": {"type": ["string", "null"], "format": "date-time"}, "task_instances": {"type": "object", "additionalProperties": {"type": "object", "properties": {"state": {"type": "string"}, "mapped": {"type": "boolean"}, "states": {"type": "object"}, "try_number": {"type": "integer"}, "start_date": {"type": ["string", "null"], "format": "date-time"}, "end_date": {"type": ["string", "null"], "format": "date-time"}}, "required": ["end_date", "mapped", "start_date", "state", "states", "try_number"]}}}, "required": ["dag_run_id", "end_date", "logical_date", "run_after", "run_type", "start_date", "state", "task_instances"]}}
  },
  "type": "object",
  "required": ["dag_id", "runs", "tasks"]
 },
 "LineageResponse": {
  "properties": {
   "dag_id": {"type": "string"},
   "dag_run_id": {"type": "string"},
   "ds": {"type": "string"},
   "state": {"type": "string", "enum": ["queued", "running", "success", "failed"]},
   "reconciliation_key": {"type": "string"},
   "ok": {"type": ["boolean", "null"]},
   "tables": {"type": "array", "items": {"type": "object", "properties": {"table": {"type": "string"}, "resource": {"type": "string"}, "api": {"type": "object", "properties": {"records": {"type": "integer"}, "requests": {"type": "array", "items": {"type": "string"}}}, "required": ["records", "requests"]}, "raw": {"type": "object", "properties": {"manifest_key": {"type": "string"}, "status": {"type": "string"}, "records": {"type": "integer"}, "bytes": {"type": "integer"}, "objects": {"type": "integer"}, "fetched_at": {"type": "string"}, "requests": {"type": "array", "items": {"type": "string"}}}, "required": ["manifest_key", "status"]}, "clean": {"type": "object", "properties": {"schema_key": {"type": "string"}, "status": {"type": "string"}, "run_id": {"type": "string"}, "raw_run_id": {"type": "string"}, "records_in": {"type": "integer"}, "rows": {"type": "integer"}, "duplicates": {"type": "integer"}, "quarantined": {"type": "integer"}, "objects": {"type": "integer"}, "parts": {"type": "array", "items": {"type": "string"}}, "quarantine_parts": {"type": "array", "items": {"type": "string"}}}, "required": ["schema_key", "status"]}, "warehouse": {"anyOf": [{"type": "object", "properties": {"schema": {"type": "string"}, "table": {"type": "string"}, "rows": {"type": "integer"}}, "required": ["rows", "schema", "table"]}, {"type": "null"}]}, "reconciliation": {"type": ["object", "null"]}, "quarantine": {"type": "array", "items": {"type": "object"}}}, "required": ["api", "clean", "quarantine", "raw", "reconciliation", "resource", "table", "warehouse"]}}
  },
  "type": "object",
  "required": ["dag_id", "dag_run_id", "ds", "ok", "reconciliation_key", "state", "tables"]
 },
 "LakeBucketsResponse": {
  "properties": {
   "lake": {"type": "string"},
   "buckets": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}, "prefix": {"type": "string"}, "dag_ids": {"type": "array", "items": {"type": "string"}}}, "required": ["dag_ids", "name", "prefix"]}}
  },
  "type": "object",
  "required": ["buckets", "lake"]
 },
 "LakeListResponse": {
  "properties": {
   "prefix": {"type": "string"},
   "prefixes": {"type": "array", "items": {"type": "string"}},
   "objects": {"type": "array", "items": {"type": "object", "properties": {"key": {"type": "string"}, "name": {"type": "string"}, "size": {"type": "integer"}, "modified": {"type": ["string", "null"], "format": "date-time"}, "kind": {"type": "string"}}, "required": ["key", "kind", "modified", "name", "size"]}},
   "truncated": {"type": "boolean"}
  },
  "type": "object",
  "required": ["objects", "prefix", "prefixes", "truncated"]
 },
 "LakeObjectResponse": {
  "properties": {
   "key": {"type": "string"},
   "size": {"type": "integer"},
   "modified": {"type": ["string", "null"], "format": "date-time"},
   "kind": {"type": "string"},
   "content_type": {"type": "string"},
   "document": {"type": ["object", "null"]}
  },
  "type": "object",
  "required": ["content_type", "document", "key", "kind", "modified", "size"]
 },
 "LakePreviewResponse": {
  "properties": {
   "key": {"type": "string"},
   "size": {"type": "integer"},
   "kind": {"type": "string"},
   "truncated": {"type": "boolean"},
   "text": {"type": "string"},
   "columns": {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}]},
   "rows": {"anyOf": [{"type": "array", "items": {"type": "array", "items": {"type": "string"}}}, {"type": "null"}]},
   "records": {"anyOf": [{"type": "array", "items": {}}, {"type": "null"}]},
   "document": {}
  },
  "type": "object",
  "required": ["key", "kind", "size", "text", "truncated"]
 }
})json";

}  // namespace sluice::server

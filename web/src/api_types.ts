// The shapes of the server's answers, field for field: Airflow 3's models for
// the /api/v2 routes, sluice's for /api/v2/sluice. api.ts re-exports them.

export type Role = "Admin" | "Op" | "User" | "Viewer";

export interface User {
  username: string;
  role: Role;
}

/** What the user may do, as the server decides it from their role. */
export interface Permissions {
  read?: boolean;
  trigger?: boolean;
  pause?: boolean;
  clear?: boolean;
  manage_users?: boolean;
}

export interface Session {
  csrf_token: string | null;
  user: User;
  permissions?: Permissions;
}

export interface DagTag {
  name: string;
}

export interface Dag {
  dag_id: string;
  dag_display_name?: string;
  description?: string | null;
  is_paused: boolean;
  timetable_summary?: string | null;
  timetable_description?: string | null;
  tags?: DagTag[];
  next_dagrun_logical_date?: string | null;
  next_dagrun_run_after?: string | null;
  next_dagrun_data_interval_start?: string | null;
  next_dagrun_data_interval_end?: string | null;
  has_import_errors?: boolean;
  fileloc?: string;
  owners?: string[];
  max_active_runs?: number | null;
}

export interface DagRun {
  dag_run_id: string;
  dag_id: string;
  logical_date: string | null;
  run_after?: string | null;
  queued_at?: string | null;
  start_date?: string | null;
  end_date?: string | null;
  duration?: number | null;
  data_interval_start?: string | null;
  data_interval_end?: string | null;
  run_type: string;
  state: string;
  conf?: Record<string, unknown> | null;
  note?: string | null;
  triggered_by?: string | null;
}

export interface TaskInstance {
  task_id: string;
  dag_id: string;
  dag_run_id: string;
  map_index?: number;
  state: string | null;
  try_number: number;
  max_tries?: number;
  start_date?: string | null;
  end_date?: string | null;
  duration?: number | null;
  operator?: string | null;
  hostname?: string | null;
  queued_when?: string | null;
  /** Anything else the server reports (records and bytes in/out, outputs...). */
  [extra: string]: unknown;
}

export interface LogEntry {
  event: string;
  timestamp?: string | null;
  level?: string;
  [extra: string]: unknown;
}

export interface ImportError {
  import_error_id: number;
  timestamp: string;
  filename: string;
  stack_trace: string;
}

export interface GraphTask {
  task_id: string;
  kind?: string;
  upstream?: string[];
  downstream?: string[];
  expand?: string | null;
  map_items?: string[];
  retries?: number;
  trigger_rule?: string;
}

export interface Graph {
  dag_id: string;
  tasks: GraphTask[];
  edges: { source_id: string; target_id: string }[];
}

/** One cell of the grid: the state of a task in a run (summarised when mapped). */
export interface GridCell {
  state: string | null;
  mapped?: boolean;
  states?: Record<string, number>;
  try_number?: number;
  start_date?: string | null;
  end_date?: string | null;
}

export interface GridRun {
  dag_run_id: string;
  state: string;
  run_type?: string;
  logical_date?: string | null;
  run_after?: string | null;
  start_date?: string | null;
  end_date?: string | null;
  task_instances: Record<string, GridCell>;
}

export interface Grid {
  dag_id: string;
  tasks: string[];
  /** Oldest first. */
  runs: GridRun[];
}

export interface LineageRaw {
  manifest_key: string;
  status: "complete" | "incomplete" | "missing" | string;
  records?: number;
  bytes?: number;
  objects?: number;
  fetched_at?: string;
  requests?: string[];
}

export interface LineageClean {
  schema_key: string;
  status: "complete" | "missing" | string;
  run_id?: string;
  raw_run_id?: string;
  records_in?: number;
  rows?: number;
  duplicates?: number;
  quarantined?: number;
  objects?: number;
  parts?: string[];
  quarantine_parts?: string[];
}

export interface Reconciliation {
  table: string;
  fetched: number;
  loaded: number;
  quarantined: number;
  duplicates: number;
  ok: boolean;
}

export interface QuarantinedRecord {
  reason: string;
  raw_key?: string;
  index?: number;
  record?: unknown;
  quarantine_key?: string;
}

export interface LineageTable {
  table: string;
  resource: string;
  api: { records: number; requests?: string[] };
  raw: LineageRaw;
  clean: LineageClean;
  warehouse: { schema: string; table: string; rows: number } | null;
  reconciliation: Reconciliation | null;
  quarantine: QuarantinedRecord[];
}

export interface Lineage {
  dag_id: string;
  dag_run_id: string;
  ds: string;
  state: string;
  reconciliation_key: string;
  ok: boolean | null;
  tables: LineageTable[];
}

export interface Bucket {
  name: string;
  /** "<name>/": the prefix to list. */
  prefix: string;
  dag_ids?: string[];
}

/** Lake keys are "<bucket>/<path>" everywhere. */
export interface LakeObject {
  key: string;
  name: string;
  size: number;
  modified?: string | null;
  kind?: string;
}

export interface LakeListing {
  prefix: string;
  prefixes: string[];
  objects: LakeObject[];
  truncated?: boolean;
}

export interface LakeMetadata {
  key: string;
  size: number;
  modified?: string | null;
  kind: string;
  content_type?: string;
  /** The parsed manifest or schema.json. */
  document?: unknown;
}

export interface LakePreview {
  key: string;
  size: number;
  kind: "manifest" | "schema" | "csv" | "jsonl" | "json" | "other" | string;
  truncated: boolean;
  text: string;
  columns: string[] | null;
  rows: string[][] | null;
  records: unknown[] | null;
  document: unknown;
}

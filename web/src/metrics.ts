// What a task instance reports beyond Airflow's fields. sluice's server puts
// the task's outcome in `outputs`: records and bytes in and out, one entry per
// item (resource or table) with its own counts, the objects written and notes
// (the reconciliation table). Unknown scalar fields are shown as they are.
import type { TaskInstance } from "./api";
import { formatBytes, formatCount, humanize } from "./format";

/** Airflow's own task instance fields and sluice's bookkeeping: shown elsewhere, never as metrics. */
const kStandardFields = new Set([
  "id", "task_id", "dag_id", "dag_run_id", "map_index", "logical_date", "run_after", "start_date", "end_date",
  "duration", "state", "try_number", "max_tries", "task_display_name", "dag_display_name", "hostname", "unixname",
  "pool", "pool_slots", "queue", "priority_weight", "operator", "operator_name", "queued_when", "scheduled_when",
  "pid", "executor", "executor_config", "note", "rendered_map_index", "rendered_fields", "trigger", "triggerer_job",
  "dag_version", "sla_miss", "custom_operator_name", "next_retry_at", "heartbeat_at",
]);

const kNested = ["outputs", "metrics", "extra", "stats"];
const kFirst = ["records_in", "records_out", "bytes_in", "bytes_out"];

export interface Metric {
  name: string;
  label: string;
  value: string;
}

export interface OutputItem {
  item: string;
  records: number | null;
  bytes: number | null;
  detail: string;
}

export interface TaskOutputs {
  metrics: Metric[];
  items: OutputItem[];
  objectKeys: string[];
  notes: string[];
}

function formatMetric(name: string, value: unknown): string {
  if (typeof value === "number") return /bytes/.test(name) ? formatBytes(value) : formatCount(value);
  return String(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === "string") : [];
}

function readItems(value: unknown): OutputItem[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isObject).map((entry) => ({
    item: String(entry.item ?? ""),
    records: typeof entry.records === "number" ? entry.records : null,
    bytes: typeof entry.bytes === "number" ? entry.bytes : null,
    detail: typeof entry.detail === "string" ? entry.detail : "",
  }));
}

export function taskOutputs(instance: TaskInstance): TaskOutputs {
  const found = new Map<string, unknown>();
  const take = (source: Record<string, unknown>) => {
    for (const [name, value] of Object.entries(source)) {
      if (kStandardFields.has(name) || kNested.includes(name) || value === null || value === undefined) continue;
      if (typeof value === "object") continue;
      found.set(name, value);
    }
  };
  take(instance);
  const result: TaskOutputs = { metrics: [], items: [], objectKeys: [], notes: [] };
  for (const nested of kNested) {
    const value = instance[nested];
    if (!isObject(value)) continue;
    take(value);
    result.items.push(...readItems(value.items));
    result.objectKeys.push(...strings(value.object_keys));
    result.notes.push(...strings(value.notes));
  }
  const names = [...found.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  result.metrics = names.map((name) => ({ name, label: humanize(name), value: formatMetric(name, found.get(name)) }));
  return result;
}

function rank(name: string): number {
  const index = kFirst.indexOf(name);
  return index === -1 ? kFirst.length : index;
}

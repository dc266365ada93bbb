// How values read on screen: states and their colours, dates, durations, sizes.

/** Airflow's state colours, so people who know its grid read ours at a glance. */
export const kStateColors: Record<string, string> = {
  success: "#16a34a",
  failed: "#dc2626",
  running: "#65a30d",
  queued: "#9ca3af",
  scheduled: "#d2b48c",
  up_for_retry: "#eab308",
  up_for_reschedule: "#0d9488",
  upstream_failed: "#f97316",
  skipped: "#ec4899",
  removed: "#d1d5db",
  restarting: "#8b5cf6",
  deferred: "#a78bfa",
  none: "#e5e7eb",
};

export function stateKey(state: string | null | undefined): string {
  return state ? state.toLowerCase() : "none";
}

export function stateColor(state: string | null | undefined): string {
  return kStateColors[stateKey(state)] ?? kStateColors.none;
}

export function stateLabel(state: string | null | undefined): string {
  return state ? state.replace(/_/g, " ") : "no status";
}

export function isFinished(state: string | null | undefined): boolean {
  return ["success", "failed", "skipped", "upstream_failed", "removed"].includes(stateKey(state));
}

export function isActive(state: string | null | undefined): boolean {
  return ["running", "queued", "scheduled", "up_for_retry", "restarting", "deferred"].includes(stateKey(state));
}

function pad(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

/** 2025-03-15 06:00:00 UTC: one unambiguous form everywhere (the server's times are UTC). */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return (
    `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} UTC`
  );
}

export function formatShortDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}`;
}

/** 0.42s, 12.3s, 4m 05s, 2h 03m. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "—";
  if (seconds < 0) seconds = 0;
  if (seconds < 10) return `${seconds.toFixed(2)}s`;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const whole = Math.round(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const secs = whole % 60;
  if (hours >= 48) return `${Math.floor(hours / 24)}d ${hours % 24}h`;
  if (hours > 0) return `${hours}h ${pad(minutes)}m`;
  return `${minutes}m ${pad(secs)}s`;
}

/** Seconds between two instants, or until now while still running. */
export function durationBetween(start: string | null | undefined, end: string | null | undefined, now = Date.now()): number | null {
  if (!start) return null;
  const from = new Date(start).getTime();
  const to = end ? new Date(end).getTime() : now;
  if (Number.isNaN(from) || Number.isNaN(to)) return null;
  return Math.max(0, (to - from) / 1000);
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || Number.isNaN(bytes)) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  return value.toLocaleString("en-US");
}

/** A field name for people: records_out -> Records out. */
export function humanize(name: string): string {
  const text = name.replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

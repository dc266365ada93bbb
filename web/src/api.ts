// Every call the UI makes to the sluice server, typed. The server's REST API is
// modelled on Airflow 3's /api/v2 (field names as Airflow's); the sluice-only
// endpoints live under /api/v2/sluice/. The browser authenticates with the
// HttpOnly session cookie; every state-changing request carries X-CSRF-Token.

import type {
  Bucket,
  Dag,
  DagRun,
  Graph,
  Grid,
  ImportError,
  LakeListing,
  LakeMetadata,
  LakePreview,
  Lineage,
  LogEntry,
  Session,
  TaskInstance,
} from "./api_types";

export type * from "./api_types";

/** A failed request, worded for a person: what failed and why. */
export class ApiError extends Error {
  readonly status: number;
  readonly detail: string;
  constructor(status: number, detail: string, what: string) {
    super(status === 0 ? `${what}: ${detail}` : `${what}: ${detail} (HTTP ${status})`);
    this.name = "ApiError";
    this.status = status;
    this.detail = detail;
  }
}

/** Turns an error body (Airflow's {"detail": ...} in its several forms) into one line. */
export function describeErrorBody(body: unknown, statusText: string): string {
  if (body && typeof body === "object" && "detail" in body) {
    const detail = (body as { detail: unknown }).detail;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) {
      return detail
        .map((item) => {
          if (item && typeof item === "object") {
            const { msg, loc } = item as { msg?: unknown; loc?: unknown };
            const where = Array.isArray(loc) ? loc.join(".") : "";
            return where ? `${where}: ${String(msg)}` : String(msg);
          }
          return String(item);
        })
        .join("; ");
    }
    if (detail && typeof detail === "object") {
      const reason = (detail as { reason?: unknown; message?: unknown }).reason ??
        (detail as { message?: unknown }).message;
      if (typeof reason === "string") return reason;
      return JSON.stringify(detail);
    }
  }
  if (body && typeof body === "object" && "message" in body) {
    return String((body as { message: unknown }).message);
  }
  if (typeof body === "string" && body.trim()) return body.trim().slice(0, 300);
  return statusText || "request failed";
}

const enc = encodeURIComponent;

/**
 * True when an answer means the browser has no valid session any more: 401 when
 * no cookie was sent, 403 with this detail when the cookie is no longer valid
 * (expired, ended elsewhere, or the server's secret changed).
 */
export function isSessionLost(status: number, detail: string): boolean {
  return status === 401 || (status === 403 && /invalid jwt token or session/i.test(detail));
}

type Method = "GET" | "POST" | "PATCH" | "DELETE";

interface ClientState {
  csrfToken: string | null;
  onUnauthorized: (() => void) | null;
}

const state: ClientState = { csrfToken: null, onUnauthorized: null };

/** Called when a request comes back 401 (the session ended): the app shows the login page. */
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  state.onUnauthorized = handler;
}

export function setCsrfToken(token: string | null): void {
  state.csrfToken = token;
}

async function request<T>(method: Method, path: string, what: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && state.csrfToken) headers["X-CSRF-Token"] = state.csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (cause) {
    throw new ApiError(0, `the server did not answer (${String(cause)}); is sluice running?`, what);
  }
  const text = await response.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  if (!response.ok) {
    const detail = describeErrorBody(parsed, response.statusText);
    const asksForSession = path.endsWith("/sluice/login") || path.endsWith("/sluice/session");
    if (isSessionLost(response.status, detail) && state.onUnauthorized && !asksForSession) {
      state.onUnauthorized();
    }
    throw new ApiError(response.status, detail, what);
  }
  return parsed as T;
}

// ---- session ----

export async function login(username: string, password: string): Promise<Session> {
  const session = await request<Session>("POST", "/api/v2/sluice/login", "Log in", {
    username,
    password,
  });
  setCsrfToken(session.csrf_token);
  return session;
}

export async function logout(): Promise<void> {
  try {
    await request<unknown>("POST", "/api/v2/sluice/logout", "Log out", {});
  } finally {
    setCsrfToken(null);
  }
}

/** The current session, or null when not logged in. */
export async function getSession(): Promise<Session | null> {
  try {
    const session = await request<Session>("GET", "/api/v2/sluice/session", "Read session");
    setCsrfToken(session.csrf_token);
    return session;
  } catch (error) {
    if (error instanceof ApiError && isSessionLost(error.status, error.detail)) return null;
    throw error;
  }
}

// ---- DAGs ----

export async function listDags(): Promise<Dag[]> {
  const page = await request<{ dags: Dag[] }>("GET", "/api/v2/dags?limit=100", "List DAGs");
  return page.dags;
}

export function getDag(dagId: string): Promise<Dag> {
  return request<Dag>("GET", `/api/v2/dags/${enc(dagId)}`, `Read DAG ${dagId}`);
}

export function setPaused(dagId: string, isPaused: boolean): Promise<Dag> {
  return request<Dag>("PATCH", `/api/v2/dags/${enc(dagId)}`, `${isPaused ? "Pause" : "Unpause"} ${dagId}`, {
    is_paused: isPaused,
  });
}

export async function listImportErrors(): Promise<ImportError[]> {
  const page = await request<{ import_errors: ImportError[] }>("GET", "/api/v2/importErrors", "List import errors");
  return page.import_errors;
}

export function getGraph(dagId: string): Promise<Graph> {
  return request<Graph>("GET", `/api/v2/sluice/dags/${enc(dagId)}/graph`, `Read the graph of ${dagId}`);
}

export function getGrid(dagId: string, limit = 25): Promise<Grid> {
  return request<Grid>("GET", `/api/v2/sluice/dags/${enc(dagId)}/grid?limit=${limit}`, `Read the grid of ${dagId}`);
}

// ---- runs and task instances ----

export function triggerDag(dagId: string, conf: Record<string, unknown>): Promise<DagRun> {
  return request<DagRun>("POST", `/api/v2/dags/${enc(dagId)}/dagRuns`, `Trigger ${dagId}`, {
    logical_date: null,
    conf,
  });
}

export async function listDagRuns(dagId: string, limit = 25): Promise<DagRun[]> {
  const page = await request<{ dag_runs: DagRun[] }>(
    "GET",
    `/api/v2/dags/${enc(dagId)}/dagRuns?limit=${limit}&order_by=-run_after`,
    `List runs of ${dagId}`,
  );
  return page.dag_runs;
}

export function getDagRun(dagId: string, runId: string): Promise<DagRun> {
  return request<DagRun>("GET", `/api/v2/dags/${enc(dagId)}/dagRuns/${enc(runId)}`, `Read run ${runId}`);
}

export async function listTaskInstances(dagId: string, runId: string): Promise<TaskInstance[]> {
  const page = await request<{ task_instances: TaskInstance[] }>(
    "GET",
    `/api/v2/dags/${enc(dagId)}/dagRuns/${enc(runId)}/taskInstances`,
    `List the tasks of run ${runId}`,
  );
  return page.task_instances;
}

export interface LogPage {
  content: LogEntry[];
  continuation_token?: string | null;
}

/** One page of a try's log; pass the previous page's continuation_token to read on from there. */
export async function getTaskLog(
  dagId: string,
  runId: string,
  taskId: string,
  tryNumber: number,
  token?: string | null,
  mapIndex = -1,
): Promise<LogPage> {
  const from = (token ? `&token=${enc(token)}` : "") + (mapIndex >= 0 ? `&map_index=${mapIndex}` : "");
  const page = await request<{ content: LogEntry[] | string; continuation_token?: string | null }>(
    "GET",
    `/api/v2/dags/${enc(dagId)}/dagRuns/${enc(runId)}/taskInstances/${enc(taskId)}/logs/${tryNumber}?full_content=true${from}`,
    `Read the log of ${taskId} try ${tryNumber}`,
  );
  const content = typeof page.content === "string" ? [{ event: page.content }] : (page.content ?? []);
  return { content, continuation_token: page.continuation_token };
}

export interface ClearOptions {
  taskIds: string[];
  includeDownstream: boolean;
}

export async function clearTaskInstances(dagId: string, runId: string, options: ClearOptions): Promise<TaskInstance[]> {
  const page = await request<{ task_instances: TaskInstance[] }>(
    "POST",
    `/api/v2/dags/${enc(dagId)}/clearTaskInstances`,
    `Clear ${options.taskIds.join(", ")}`,
    {
      dry_run: false,
      dag_run_id: runId,
      task_ids: options.taskIds,
      include_downstream: options.includeDownstream,
      include_upstream: false,
      only_failed: false,
      reset_dag_runs: true,
    },
  );
  return page.task_instances ?? [];
}

export function markTaskInstance(
  dagId: string,
  runId: string,
  taskId: string,
  newState: "failed" | "success",
): Promise<unknown> {
  return request<unknown>(
    "PATCH",
    `/api/v2/dags/${enc(dagId)}/dagRuns/${enc(runId)}/taskInstances/${enc(taskId)}`,
    `Mark ${taskId} ${newState}`,
    { new_state: newState },
  );
}

// ---- lineage ----

export function getLineage(dagId: string, runId: string): Promise<Lineage> {
  return request<Lineage>(
    "GET",
    `/api/v2/sluice/dags/${enc(dagId)}/dagRuns/${enc(runId)}/lineage`,
    `Read the lineage of run ${runId}`,
  );
}

// ---- lake ----

export async function listBuckets(): Promise<{ lake: string; buckets: Bucket[] }> {
  return request<{ lake: string; buckets: Bucket[] }>("GET", "/api/v2/sluice/lake/buckets", "List buckets");
}

/** Sub-prefixes and objects directly under prefix ("<bucket>/" or "<bucket>/<path>/"). */
export function listObjects(prefix: string): Promise<LakeListing> {
  return request<LakeListing>("GET", `/api/v2/sluice/lake/list?prefix=${enc(prefix)}`, `List ${prefix}`);
}

export function getObjectMetadata(key: string): Promise<LakeMetadata> {
  return request<LakeMetadata>("GET", `/api/v2/sluice/lake/object?key=${enc(key)}`, `Read metadata of ${key}`);
}

export function previewObject(key: string, rows = 20): Promise<LakePreview> {
  return request<LakePreview>("GET", `/api/v2/sluice/lake/preview?key=${enc(key)}&rows=${rows}`, `Preview ${key}`);
}

export function downloadUrl(key: string): string {
  return `/api/v2/sluice/lake/download?key=${enc(key)}`;
}
